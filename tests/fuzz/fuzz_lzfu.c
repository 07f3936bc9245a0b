/*
 * fuzz_lzfu: a libFuzzer target over compressed RTF (mime/lzfu.c), the PR_RTF_COMPRESSED body
 * of an Outlook message: the output stays within the cap (the first two bytes choose it).
 *
 *   make fuzz && build-fuzz/fuzz_lzfu -max_len=65536 CORPUS
 */

#include <stdint.h>
#include <stdlib.h>

#include "mime/lzfu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why;
	GBytes *b;
	size_t cap;
	bool cut;

	if (size < 2)
		return 0;
	cap = (size_t)data[0] << 8 | data[1];
	b = lzfu_decode(data + 2, size - 2, cap, &cut, &why);
	if (b != NULL && g_bytes_get_size(b) > cap)
		abort();
	if (b != NULL)
		g_bytes_unref(b);
	return 0;
}
