/*
 * fuzz_ole2: a libFuzzer target over the OLE2 reader (mime/ole2.c): the header and FAT
 * checks, libgsf's compound file reader behind them, the .msg attachments and bodies, the
 * Ole10Native Package parser and the copy of a storage into a compound file of its own. A
 * storage member is read again, as the job loop does, a few levels deep.
 *
 *   make fuzz && build-fuzz/fuzz_ole2 -max_len=262144 CORPUS tests/data/ole2
 */

#include "mime/ole2.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned int sink;

static void fuzz_read(const uint8_t *data, size_t size, unsigned int depth)
{
	/* small limits, so that every limit path is reached too */
	struct msg_limits lim = {
	        .max_archive_members = 64, .max_member_bytes = 1 << 20, .max_total_bytes = 4 << 20};
	struct mime_ole2 *ole = NULL;

	if (mime_ole2_read(data, size, &lim, &ole, NULL) != 0)
		return;
	for (guint i = 0; i < ole->members->len; i++) {
		struct mime_ole2_member *m = ole->members->pdata[i];
		gsize n;
		const unsigned char *d;

		if (m->data == NULL)
			continue;
		d = g_bytes_get_data(m->data, &n);
		if (n > 0) /* touch both ends: ASan checks them */
			sink += d[0] + d[n - 1];
		if ((m->flags & MIME_OLE2_STORAGE) && depth < 4)
			fuzz_read(d, n, depth + 1);
	}
	mime_ole2_free(&ole);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_read(data, size, 0);
	return 0;
}
