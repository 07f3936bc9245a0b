/*
 * fuzz_tnef: a libFuzzer target over the TNEF reader (mime/tnef.c), a winmail.dat's
 * attributes and MAPI properties: every attachment's data and title lie inside the input and
 * are read (ASan checks them), each call moves on (no endless iteration), and data that is a
 * TNEF stream of its own (an attached message in PR_ATTACH_DATA_OBJ) is read again, as
 * mime/expand.c does, a few levels deep.
 *
 *   make fuzz && build-fuzz/fuzz_tnef -max_len=65536 CORPUS
 */

#include <stdint.h>
#include <stdlib.h>

#include "mime/tnef.h"

#define FUZZ_TNEF_DEPTH 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(const unsigned char *p, size_t n, const uint8_t *data, size_t size)
{
	return p >= data && n <= size && (size_t)(p - data) <= size - n;
}

static void fuzz_tnef(const uint8_t *data, size_t size, unsigned int depth)
{
	struct mime_tnef_iter it;
	struct mime_tnef_att att;
	volatile unsigned char sum = 0;
	size_t calls = 0;
	int r;

	if (!mime_tnef_init(&it, data, size))
		return;
	while ((r = mime_tnef_next(&it, &att)) == 1) {
		/* an attachment takes an attribute of 9 bytes at least */
		if (++calls > size / 9 + 1 || it.pos > it.len)
			abort();
		if (att.data == NULL || !inside(att.data, att.size, data, size))
			abort();
		if (att.title != NULL && !inside(att.title, att.title_len, data, size))
			abort();
		for (size_t i = 0; i < att.size; i++)
			sum ^= att.data[i];
		for (size_t i = 0; att.title != NULL && i < att.title_len; i++)
			sum ^= att.title[i];
		if (depth < FUZZ_TNEF_DEPTH)
			fuzz_tnef(att.data, att.size, depth + 1);
	}
	if (r != 0 && (r != -1 || it.error == NULL))
		abort();
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_tnef(data, size, 0);
	return 0;
}
