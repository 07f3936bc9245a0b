#ifndef PARTSCAN_FUZZ_READER_H
#define PARTSCAN_FUZZ_READER_H

/*
 * The body of the libFuzzer targets over the readers of mime/reader.h (fuzz_pdf, fuzz_html,
 * fuzz_openpgp, fuzz_applefile): probe and read, bytes in, members out, on odd sizes with
 * small limits so that the limit paths are reached too; every member's bytes are read (ASan
 * checks them).
 */

#include <stdint.h>
#include <string.h>

#include "mime/reader.h"

typedef bool fuzz_probe_fn(const unsigned char *data, size_t len);
typedef int fuzz_read_fn(const unsigned char *data, size_t len, const struct msg_limits *lim,
                         GPtrArray *members, GError **error);

static inline int fuzz_reader(const uint8_t *data, size_t size, fuzz_probe_fn *probe,
                              fuzz_read_fn *read_members)
{
	static const struct msg_limits small = {
	        .max_member_bytes = 1 << 20, .max_archive_members = 16, .max_ratio = 10};
	GPtrArray *members = reader_members_new();
	GError *error = NULL;
	volatile unsigned char sum = 0;

	(void)probe(data, size);
	(void)read_members(data, size, (size & 1) ? &small : NULL, members, &error);
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

#endif
