/*
 * libcheck suite: jobs — the one budget function of msg_scan() (mime_jobs_budget): every
 * limit at, below and above its edge, which limit is named when several bind, overflow, and
 * a message run through msg_scan() whose parts are cut where the budget says; deduplication
 * by size and SHA-256 from the parts' own scans.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mime/jobs.h"
#include "tests/lib/testscan.h"
#include "tests/lib/testutil.h"

static struct msg_limits lim;

static void setup(void)
{
	struct msg_limits in = {0};

	in.max_parts = 10;
	in.max_depth = 4;
	in.max_part_bytes = 1000;
	in.max_total_bytes = 5000;
	in.max_member_bytes = 600;
	in.max_archive_depth = 2;
	in.max_archive_members = 3;
	in.max_ratio = 10;
	in.max_password_trials = 7;
	msg_limits_effective(&in, &lim);
}

static enum mime_bound ask(const struct mime_use *use, enum mime_res res, uint64_t want,
                           uint64_t *grant_r)
{
	return mime_jobs_budget(&lim, use, res, want, grant_r);
}

/* counted limits: all or nothing, up to the limit itself */
START_TEST(test_counts)
{
	struct mime_use use = {0};
	uint64_t g = 99;

	use.parts = 9;
	ck_assert_int_eq(ask(&use, MIME_RES_PARTS, 1, &g), MIME_BOUND_NONE);
	ck_assert_uint_eq(g, 1);
	use.parts = 10;
	ck_assert_int_eq(ask(&use, MIME_RES_PARTS, 1, &g), MIME_BOUND_PARTS);
	ck_assert_uint_eq(g, 0);
	use.parts = 11; /* already over: never wraps around */
	ck_assert_int_eq(ask(&use, MIME_RES_PARTS, 0, NULL), MIME_BOUND_PARTS);
	use.parts = 8;
	ck_assert_int_eq(ask(&use, MIME_RES_PARTS, 3, &g), MIME_BOUND_PARTS);
	ck_assert_uint_eq(g, 0);

	use.depth = 3;
	ck_assert_int_eq(ask(&use, MIME_RES_DEPTH, 1, NULL), MIME_BOUND_NONE);
	use.depth = 4;
	ck_assert_int_eq(ask(&use, MIME_RES_DEPTH, 1, NULL), MIME_BOUND_DEPTH);
	use.depth = 0;
	ck_assert_int_eq(ask(&use, MIME_RES_DEPTH, 4, NULL), MIME_BOUND_NONE);
	ck_assert_int_eq(ask(&use, MIME_RES_DEPTH, 5, NULL), MIME_BOUND_DEPTH);

	use.archive_depth = 1;
	ck_assert_int_eq(ask(&use, MIME_RES_ARCHIVE_DEPTH, 1, NULL), MIME_BOUND_NONE);
	use.archive_depth = 2;
	ck_assert_int_eq(ask(&use, MIME_RES_ARCHIVE_DEPTH, 1, NULL), MIME_BOUND_ARCHIVE_DEPTH);

	use.entries = 2;
	ck_assert_int_eq(ask(&use, MIME_RES_MEMBERS, 1, NULL), MIME_BOUND_NONE);
	use.entries = 3;
	ck_assert_int_eq(ask(&use, MIME_RES_MEMBERS, 1, NULL), MIME_BOUND_MEMBERS);

	use.trials = 6;
	ck_assert_int_eq(ask(&use, MIME_RES_TRIALS, 1, NULL), MIME_BOUND_NONE);
	use.trials = 7;
	ck_assert_int_eq(ask(&use, MIME_RES_TRIALS, 1, NULL), MIME_BOUND_TRIALS);

	ck_assert_int_eq(ask(&use, MIME_RES_MEMBER_SIZE, 600, &g), MIME_BOUND_NONE);
	ck_assert_uint_eq(g, 600);
	ck_assert_int_eq(ask(&use, MIME_RES_MEMBER_SIZE, 601, &g), MIME_BOUND_MEMBER_BYTES);
	ck_assert_uint_eq(g, 0);
	ck_assert_int_eq(ask(&use, MIME_RES_PARTS, UINT64_MAX, NULL), MIME_BOUND_PARTS);
}
END_TEST

/* byte buffers: cut to the narrowest of member, part and what is left of the message */
START_TEST(test_bytes)
{
	struct mime_use use = {0};
	uint64_t g;

	ck_assert_int_eq(ask(&use, MIME_RES_BYTES, 1000, &g), MIME_BOUND_NONE);
	ck_assert_uint_eq(g, 1000);
	ck_assert_int_eq(ask(&use, MIME_RES_BYTES, 1001, &g), MIME_BOUND_PART_BYTES);
	ck_assert_uint_eq(g, 1000);
	ck_assert_int_eq(ask(&use, MIME_RES_BYTES, 0, &g), MIME_BOUND_NONE);
	ck_assert_uint_eq(g, 0);
	/* an archive member: max_member_bytes is narrower */
	ck_assert_int_eq(ask(&use, MIME_RES_MEMBER_BYTES, UINT64_MAX, &g), MIME_BOUND_MEMBER_BYTES);
	ck_assert_uint_eq(g, 600);
	/* the message's bytes run low: the total binds, and then nothing is left */
	use.decoded = 4500;
	ck_assert_int_eq(ask(&use, MIME_RES_BYTES, 1000, &g), MIME_BOUND_TOTAL_BYTES);
	ck_assert_uint_eq(g, 500);
	ck_assert_int_eq(ask(&use, MIME_RES_MEMBER_BYTES, 1000, &g), MIME_BOUND_TOTAL_BYTES);
	ck_assert_uint_eq(g, 500);
	ck_assert_int_eq(ask(&use, MIME_RES_BYTES, 500, &g), MIME_BOUND_NONE);
	ck_assert_uint_eq(g, 500);
	/* a tie between part and total names the part */
	use.decoded = 4000;
	ck_assert_int_eq(ask(&use, MIME_RES_BYTES, 2000, &g), MIME_BOUND_PART_BYTES);
	ck_assert_uint_eq(g, 1000);
	use.decoded = 5000;
	ck_assert_int_eq(ask(&use, MIME_RES_BYTES, 1, &g), MIME_BOUND_TOTAL_BYTES);
	ck_assert_uint_eq(g, 0);
	use.decoded = 9000; /* over (a limit lowered mid-way): nothing, never a wrap-around */
	ck_assert_int_eq(ask(&use, MIME_RES_BYTES, 1, &g), MIME_BOUND_TOTAL_BYTES);
	ck_assert_uint_eq(g, 0);
}
END_TEST

/* max_ratio: only past the floor, against the archive's own bytes, overflow-safe */
START_TEST(test_ratio)
{
	struct mime_use use = {0};
	uint64_t g;

	use.arch_in = 100;
	ck_assert_int_eq(ask(&use, MIME_RES_RATIO, MIME_ARCHIVE_RATIO_FLOOR, &g), MIME_BOUND_NONE);
	ck_assert_uint_eq(g, MIME_ARCHIVE_RATIO_FLOOR);
	ck_assert_int_eq(ask(&use, MIME_RES_RATIO, MIME_ARCHIVE_RATIO_FLOOR + 1ull, &g),
	                 MIME_BOUND_RATIO);
	ck_assert_uint_eq(g, 0);
	use.arch_in = MIME_ARCHIVE_RATIO_FLOOR; /* 10:1 of 8 MiB is 80 MiB */
	use.arch_out = 10ull * MIME_ARCHIVE_RATIO_FLOOR - 1;
	ck_assert_int_eq(ask(&use, MIME_RES_RATIO, 1, NULL), MIME_BOUND_NONE);
	ck_assert_int_eq(ask(&use, MIME_RES_RATIO, 2, NULL), MIME_BOUND_RATIO);
	/* out + want wraps around: not a pass */
	use.arch_out = UINT64_MAX - 1;
	ck_assert_int_eq(ask(&use, MIME_RES_RATIO, 5, NULL), MIME_BOUND_RATIO);
	use.arch_in = UINT64_MAX / 2; /* in * ratio overflows: nothing can be over it */
	use.arch_out = MIME_ARCHIVE_RATIO_FLOOR * 2ull;
	ck_assert_int_eq(ask(&use, MIME_RES_RATIO, 1, NULL), MIME_BOUND_NONE);
}
END_TEST

/* defaults: a zero limit means the default, never "nothing allowed" */
START_TEST(test_defaults)
{
	struct msg_limits d;
	struct mime_use use = {0};
	uint64_t g;

	msg_limits_effective(NULL, &d);
	ck_assert_int_eq(mime_jobs_budget(&d, &use, MIME_RES_BYTES, 1024, &g), MIME_BOUND_NONE);
	ck_assert_uint_eq(g, 1024);
	ck_assert_int_eq(mime_jobs_budget(&d, &use, MIME_RES_PARTS, d.max_parts, NULL),
	                 MIME_BOUND_NONE);
	ck_assert_int_eq(mime_jobs_budget(&d, &use, MIME_RES_PARTS, d.max_parts + 1ull, NULL),
	                 MIME_BOUND_PARTS);
}
END_TEST

/* msg_scan: a text part past max_part_bytes and a second one past max_total_bytes are cut */
START_TEST(test_scan_cut)
{
	GString *m = g_string_new("From: a@example.org\r\nMIME-Version: 1.0\r\n"
	                          "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
	struct msg_scan_options opts = {0};
	struct msg_limits l = {0};
	struct msg_report *r = NULL;
	const struct msg_part *p1, *p2;
	struct sigdb *db = testscan_sigdb_bundled();

	for (int i = 0; i < 2; i++) {
		g_string_append(m, "--b\r\nContent-Type: application/octet-stream\r\n\r\n");
		for (int k = 0; k < 300; k++)
			g_string_append(m, "0123456789");
		g_string_append(m, "\r\n");
	}
	g_string_append(m, "--b--\r\n");
	l.max_part_bytes = 2000;
	l.max_total_bytes = 2500;
	opts.limits = &l;
	ck_assert_int_eq(msg_scan(db, (const unsigned char *)m->str, m->len, &opts, &r, NULL), 0);
	ck_assert_uint_eq(r->parts->len, 2);
	p1 = g_ptr_array_index(r->parts, 0);
	p2 = g_ptr_array_index(r->parts, 1);
	ck_assert_uint_eq(p1->decoded_size, 2000);
	ck_assert(p1->flags & MSG_PART_TRUNCATED);
	ck_assert_ptr_nonnull(strstr(p1->note, "max_part_bytes"));
	ck_assert_uint_eq(p2->decoded_size, 500);
	ck_assert(p2->flags & MSG_PART_TRUNCATED);
	ck_assert_ptr_nonnull(strstr(p2->note, "max_total_bytes"));
	ck_assert(r->flags & MSG_LIMIT_TOTAL);
	msg_report_free(&r);
	sigdb_unref(&db);
	g_string_free(m, TRUE);
}
END_TEST

/* A zip of one member name holding data (encrypted with passphrase if given), in base64
 * lines (CRLF). */
static char *zip_b64(const char *name, const unsigned char *data, size_t len,
                     const char *passphrase)
{
	struct testscan_member m = {name, data, len};
	GBytes *z = testscan_build("zip", NULL,
	                           passphrase != NULL ? "zip:encryption=traditional" : NULL,
	                           passphrase, &m, 1);
	char *b64 = testscan_base64_lines(g_bytes_get_data(z, NULL), g_bytes_get_size(z), "\r\n");

	g_bytes_unref(z);
	return b64;
}

static struct msg_report *scan_pasted(struct sigdb *db, bool pasted)
{
	unsigned char data[300];
	GString *m = g_string_new("From: a@example.org\r\nMIME-Version: 1.0\r\n"
	                          "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	                          "--b\r\nContent-Type: text/plain\r\n\r\nthe file:\r\n\r\n");
	char *b64, *zip;
	struct msg_report *r = NULL;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	b64 = testscan_base64_lines(data, sizeof(data), "\r\n");
	zip = zip_b64("x.bin", data, sizeof(data), NULL);
	if (pasted)
		g_string_append(m, b64);
	g_string_append(m, "\r\n--b\r\nContent-Type: application/zip; name=\"x.zip\"\r\n"
	                   "Content-Transfer-Encoding: base64\r\n\r\n");
	g_string_append(m, zip);
	g_string_append(m, "--b--\r\n");
	ck_assert_int_eq(msg_scan(db, (const unsigned char *)m->str, m->len, NULL, &r, NULL), 0);
	g_free(b64);
	g_free(zip);
	g_string_free(m, TRUE);
	return r;
}

/*
 * A run pasted in a text body that the tree does not decode, equal to an archive member: one
 * part (the member), not two. The dedupe key comes from the member's own scan, so bytes that
 * cannot be decoded again (an archive member) count; SHA-256 taken for it is not shown in the
 * report where it would not have been computed otherwise.
 */
START_TEST(test_dedupe_member)
{
	struct sigdb *db = testscan_sigdb_bundled();
	struct msg_report *r = scan_pasted(db, true), *plain = scan_pasted(db, false);
	const struct msg_part *member = NULL, *ref = NULL;

	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		ck_assert(!(p->flags & MSG_PART_SWEEP));
		if (p->flags & MSG_PART_ARCHIVE_MEMBER)
			member = p;
	}
	for (guint i = 0; i < plain->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(plain->parts, i);

		if (p->flags & MSG_PART_ARCHIVE_MEMBER)
			ref = p;
	}
	ck_assert_ptr_nonnull(member);
	ck_assert_ptr_nonnull(ref);
	ck_assert_uint_eq(r->parts->len, 3);
	ck_assert_uint_eq(r->anomalies & MSG_ANOM_SWEEP_EXTRA, 0);
	ck_assert_uint_eq(member->decoded_size, 300);
	ck_assert_uint_eq(member->scan.digests.mask, ref->scan.digests.mask);
	msg_report_free(&r);
	msg_report_free(&plain);
	sigdb_unref(&db);
}
END_TEST

/* The text body (base64, with a stray character: bad encoding) after an encrypted zip. */
static struct msg_report *scan_locked(struct sigdb *db, bool with_zip)
{
	static const char text[] = "Hello,\r\nthe password: k9secret\r\nregards\r\n";
	unsigned char data[300];
	GString *m = g_string_new("From: a@example.org\r\nMIME-Version: 1.0\r\n"
	                          "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
	char *b64 = testscan_base64_lines(text, strlen(text), "\r\n"), *zip;
	struct msg_report *r = NULL;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 5 + 1);
	zip = zip_b64("x.bin", data, sizeof(data), "k9secret");
	if (with_zip) {
		g_string_append(m, "--b\r\nContent-Type: application/zip; name=\"x.zip\"\r\n"
		                   "Content-Transfer-Encoding: base64\r\n\r\n");
		g_string_append(m, zip);
	}
	g_string_append(m, "--b\r\nContent-Type: text/plain\r\n"
	                   "Content-Transfer-Encoding: base64\r\n\r\n!");
	g_string_append(m, b64);
	g_string_append(m, "--b--\r\n");
	ck_assert_int_eq(msg_scan(db, (const unsigned char *)m->str, m->len, NULL, &r, NULL), 0);
	g_free(b64);
	g_free(zip);
	g_string_free(m, TRUE);
	return r;
}

static const struct msg_part *body_of(const struct msg_report *r)
{
	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		if (p->flags & MSG_PART_BODY)
			return p;
	}
	ck_abort_msg("no body part");
	return NULL;
}

/*
 * An encrypted zip met before the text body that holds its password: the password search
 * decodes the body first, and the body's scan takes that text instead of decoding it again.
 * The body is reported as if decoded for its scan (size, bad encoding, digests), the member
 * opens.
 */
START_TEST(test_password_text)
{
	struct sigdb *db = testscan_sigdb_bundled();
	struct msg_report *r = scan_locked(db, true), *ref = scan_locked(db, false);
	const struct msg_part *b = body_of(r), *rb = body_of(ref), *member = NULL;

	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		if (p->flags & MSG_PART_ARCHIVE_MEMBER)
			member = p;
	}
	ck_assert_ptr_nonnull(member);
	ck_assert(member->flags & MSG_PART_DECRYPTED);
	ck_assert(member->scanned);
	ck_assert_uint_eq(member->decoded_size, 300);
	ck_assert(b->scanned);
	ck_assert(b->flags & MSG_PART_BAD_ENCODING);
	ck_assert_uint_eq(b->flags, rb->flags);
	ck_assert_uint_eq(b->decoded_size, rb->decoded_size);
	ck_assert_uint_eq(b->decoded_size,
	                  strlen("Hello,\r\nthe password: k9secret\r\nregards\r\n"));
	ck_assert_uint_eq(b->scan.digests.mask, rb->scan.digests.mask);
	ck_assert_int_eq(b->scan.type.type, rb->scan.type.type);
	msg_report_free(&r);
	msg_report_free(&ref);
	sigdb_unref(&db);
}
END_TEST

/*
 * The loop runs depth first, and a part is made when its job runs: in a text holding two
 * "begin-base64" blocks, the first a zip, the zip's member comes right after its container
 * and before the second block, as they are found.
 */
START_TEST(test_depth_first)
{
	static const char *const want[] = {"1", "1/uu1", "1/uu1/zip:x.bin", "1/uu2"};
	struct sigdb *db = testscan_sigdb_bundled();
	unsigned char data[200];
	GString *m = g_string_new("From: a@example.org\r\nMIME-Version: 1.0\r\n"
	                          "Content-Type: text/plain\r\n\r\nfiles:\r\n"
	                          "begin-base64 644 a.zip\r\n");
	struct msg_report *r = NULL;
	char *zip, *b64;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 11 + 2);
	zip = zip_b64("x.bin", data, sizeof(data), NULL);
	data[0] ^= 1;
	b64 = testscan_base64_lines(data, sizeof(data), "\r\n");
	g_string_append(m, zip);
	g_string_append(m, "====\r\nbegin-base64 644 b.bin\r\n");
	g_string_append(m, b64);
	g_string_append(m, "====\r\n");
	ck_assert_int_eq(msg_scan(db, (const unsigned char *)m->str, m->len, NULL, &r, NULL), 0);
	ck_assert_uint_eq(r->parts->len, G_N_ELEMENTS(want));
	for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		ck_assert_str_eq(p->path, want[i]);
		ck_assert(p->scanned);
	}
	ck_assert_uint_eq(((const struct msg_part *)g_ptr_array_index(r->parts, 2))->decoded_size,
	                  sizeof(data));
	ck_assert(((const struct msg_part *)g_ptr_array_index(r->parts, 0))->flags &
	          MSG_PART_CONTAINER);
	msg_report_free(&r);
	g_free(zip);
	g_free(b64);
	g_string_free(m, TRUE);
	sigdb_unref(&db);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jobs");
	TCase *tc = tcase_create("budget");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_bytes);
	tcase_add_test(tc, test_ratio);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_scan_cut);
	tcase_add_test(tc, test_dedupe_member);
	tcase_add_test(tc, test_password_text);
	tcase_add_test(tc, test_depth_first);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
