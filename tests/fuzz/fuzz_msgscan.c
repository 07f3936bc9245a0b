/*
 * fuzz_msgscan: a libFuzzer target over the whole in-memory pipeline — msg_scan() (parse,
 * walk, sweep, decode, scan, container hook, archive members, passwords), the JSON report,
 * msg_scan_attachment() (archives, TNEF and messages inside files), the mbox iterator, and
 * the deflate64 / implode decoders of zipx.c, and the password finder — on the same bytes.
 *
 * Build (from the top of the tree) and run, seeded with the message fixtures, the archive
 * seeds and ClamAV's test archives:
 *   clang -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     $(pkg-config --cflags gmime-3.0) tests/fuzz/fuzz_msgscan.c engine/[a-z]*.c \
 *     mime/[a-z]*.c -o build/fuzz_msgscan $(pkg-config --libs gmime-3.0 libcrypto libarchive)
 *   mkdir -p CORPUS_DIR && cp /usr/share/clamav-testfiles/clam*.zip \
 *     /usr/share/clamav-testfiles/clam*.cpio /usr/share/clamav-testfiles/clam.7z CORPUS_DIR
 *   build/fuzz_msgscan -max_len=65536 CORPUS_DIR tests/data/msgs tests/data/fuzz/archives \
 *     tests/data/fuzz/passwords
 * PARTSCAN_FUZZ_DB names the signatures (default contrib/test-signatures).
 */

#include "engine/json.h"
#include "mime/msgscan.h"
#include "tests/fuzz/fuzz_bundled.h"
#include "mime/password.h"
#include "mime/zipx.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sigdb *fuzz_db(void)
{
	return fuzz_bundled_db("fuzz_msgscan");
}

static void report(struct msg_report *r)
{
	GString *out = g_string_new(NULL);
	struct json j;

	json_init(&j, out);
	json_begin_object(&j, NULL);
	msg_report_json(r, &j);
	json_end_object(&j);
	(void)msg_report_infected(r);
	(void)msg_report_unscannable(r, NULL);
	g_string_free(out, TRUE);
}

/*
 * The bytes as the text of a body, plain and HTML (the password finder sees them only when
 * the message holds an encrypted member): bounded candidates, each valid UTF-8.
 */
static void fuzz_passwords(const uint8_t *data, size_t size)
{
	for (int html = 0; html < 2; html++) {
		GPtrArray *out = g_ptr_array_new_with_free_func(mime_password_free);

		mime_password_find((const char *)data, size, html, "x", out, MIME_PW_MAX);
		if (out->len > MIME_PW_MAX)
			abort();
		for (guint i = 0; i < out->len; i++) {
			const char *t = ((struct mime_password *)out->pdata[i])->text;

			if (strlen(t) == 0 || strlen(t) > MIME_PW_MAX_LEN ||
			    !g_utf8_validate(t, -1, NULL))
				abort();
		}
		g_ptr_array_free(out, TRUE);
	}
}

/* The bytes as a deflate64 stream, and as imploded data (flags from the first byte). */
static void fuzz_zipx(const uint8_t *data, size_t size)
{
	static unsigned char out[1 << 18];
	struct mime_zipx_entry e = {MIME_ZIPX_DEFLATE64, 0, sizeof(out), data, size};
	bool ok;

	if (mime_zipx_decode(&e, out, sizeof(out), &ok) > sizeof(out))
		abort();
	if (size > 0) {
		e.method = MIME_ZIPX_IMPLODE;
		e.flags = data[0] & 6;
		e.usize = (uint64_t)data[0] << 10;
		e.data = data + 1;
		e.csize = size - 1;
		if (mime_zipx_decode(&e, out, sizeof(out), &ok) > sizeof(out))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* small limits: deep and wide inputs (and bombs) reach them quickly */
	struct msg_limits lim = {.max_depth = 8,
	                         .max_parts = 200,
	                         .max_part_bytes = 1 << 20,
	                         .max_total_bytes = 4 << 20,
	                         .max_member_bytes = 1 << 20,
	                         .max_archive_members = 100};
	struct msg_scan_options o = {.limits = &lim, .scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
	struct msg_report *r = NULL;
	struct msg_mbox_iter it;
	const unsigned char *m;
	size_t len;

	if (msg_scan(fuzz_db(), data, size, &o, &r, NULL) == 0) {
		report(r);
		msg_report_free(&r);
	}
	if (msg_scan_attachment(fuzz_db(), "winmail.dat", data, size, &o, &r, NULL) == 0) {
		report(r);
		msg_report_free(&r);
	}
	fuzz_zipx(data, size);
	fuzz_passwords(data, size);
	msg_mbox_init(&it, data, size);
	while (msg_mbox_next(&it, &m, &len) == 1 && it.index < 100) {
		if (m < data || m + len > data + size)
			abort();
	}
	return 0;
}
