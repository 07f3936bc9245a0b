/*
 * fuzz_openpgp: a libFuzzer target over OpenPGP literal and compressed data
 * (mime/openpgp.c): openpgp_read(), bytes in,
 * members out, on odd sizes with small limits so that the limit paths are reached too;
 * every member's bytes are read (ASan checks them).
 *
 *   make fuzz && build-fuzz/fuzz_openpgp -max_len=65536 CORPUS tests/data/readers
 */

#include "mime/openpgp.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct msg_limits small = {
	        .max_member_bytes = 1 << 20, .max_archive_members = 16, .max_ratio = 10};
	GPtrArray *members = reader_members_new();
	GError *error = NULL;
	volatile unsigned char sum = 0;

	(void)openpgp_probe(data, size);
	(void)openpgp_read(data, size, (size & 1) ? &small : NULL, members, &error);
	for (guint i = 0; i < members->len; i++) {
		struct reader_member *m = g_ptr_array_index(members, i);
		size_t n;
		const unsigned char *b = g_bytes_get_data(m->data, &n);

		for (size_t k = 0; k < n; k += 4096)
			sum ^= b[k];
		if (m->name != NULL)
			sum ^= (unsigned char)strlen(m->name);
	}
	g_clear_error(&error);
	g_ptr_array_unref(members);
	return 0;
}
