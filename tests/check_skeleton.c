/*
 * libcheck suite: skeleton — GMime parses a big message's skeleton instead of its bytes
 * (mime/skeleton.c). The cuts and the offsets mapped back; then the report of every message
 * must be the same, byte for byte in its JSON, with skeletons off and on: messages made here
 * where the skeleton is taken (a big attachment, a nested message, a body without a final
 * line end, warnings after a cut) or must be refused (a huge header block, preamble or
 * epilogue), and every message of the test corpus with skeletons made tiny, so that every
 * one of them goes through cuts in all kinds of places.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/dashes.h"
#include "mime/skeleton.h"
#include "tests/lib/testscan.h"

#define CRLF "\r\n"

static struct sigdb *db;

static char *report_of(const GString *m)
{
	struct msg_scan_options o = {.scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
	struct msg_report *r = NULL;
	GError *error = NULL;
	char *json;

	if (db == NULL)
		db = testscan_sigdb_bundled();
	ck_assert_msg(msg_scan(db, (const unsigned char *)m->str, m->len, &o, &r, &error) == 0,
	              "%s", error != NULL ? error->message : "");
	json = testscan_report_json(r);
	msg_report_free(&r);
	return json;
}

/*
 * The report with skeletons off and with the shortest cut stretch at min: the same. Returns
 * how many skeletons were taken and refused with min.
 */
static void same_report(const GString *m, size_t min, const char *what, unsigned long *used_r,
                        unsigned long *refused_r)
{
	size_t was = mime_skel_min(0);
	char *off = report_of(m), *on;
	unsigned long u0, r0, u1, r1;

	mime_skel_min(min);
	mime_skel_counts(&u0, &r0);
	on = report_of(m);
	mime_skel_counts(&u1, &r1);
	mime_skel_min(was);
	if (strcmp(off, on) != 0) {
		size_t i = 0;

		while (off[i] == on[i])
			i++;
		ck_abort_msg("%s (skeleton stretch %zu): reports differ at %zu:\n%.200s\n%.200s",
		             what, min, i, off + (i > 60 ? i - 60 : 0), on + (i > 60 ? i - 60 : 0));
	}
	g_free(off);
	g_free(on);
	*used_r = u1 - u0;
	*refused_r = r1 - r0;
}

static void append_b64(GString *s, size_t n, unsigned int seed)
{
	unsigned char *raw = g_malloc(n);
	char *b;

	for (size_t i = 0; i < n; i++)
		raw[i] = (unsigned char)(i * 131 + seed * 7 + (i >> 9));
	b = testscan_base64_lines(raw, n, CRLF);
	g_string_append(s, b);
	g_free(b);
	g_free(raw);
}

static GString *multipart_head(void)
{
	return g_string_new("From: a@example.org" CRLF "To: b@example.org" CRLF "Subject: big" CRLF
	                    "MIME-Version: 1.0" CRLF
	                    "Content-Type: multipart/mixed; boundary=\"b1\"" CRLF CRLF);
}

static void attachment(GString *s, const char *boundary, const char *name, size_t n,
                       unsigned int seed)
{
	g_string_append_printf(s,
	                       "--%s" CRLF
	                       "Content-Type: application/octet-stream; name=\"%s\"" CRLF
	                       "Content-Transfer-Encoding: base64" CRLF CRLF,
	                       boundary, name);
	append_b64(s, n, seed);
}

/* the cuts of a stretch: from a line end past the head to the last line; offsets map back */
START_TEST(test_cuts_and_offsets)
{
	GString *m = g_string_new("H: x\n\n");
	GArray *dashes = g_array_new(FALSE, FALSE, sizeof(size_t));
	struct mime_skel s;
	size_t was = mime_skel_min(64), at, last;

	for (int i = 0; i < 40; i++)
		g_string_append(m, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n"); /* 37 bytes */
	last = m->len - 37;
	at = m->len;
	g_array_append_val(dashes, at);
	g_string_append(m, "--b\nQUJD\n");
	ck_assert(mime_skel_build((const unsigned char *)m->str, m->len, dashes, 0, &s));
	ck_assert_uint_eq(s.cuts->len, 1);
	/* head: 16 bytes past the start, to the end of the line holding byte 16 */
	ck_assert_uint_eq(g_array_index(s.cuts, struct mime_skel_cut, 0).at, 6 + 37);
	ck_assert_uint_eq(g_array_index(s.cuts, struct mime_skel_cut, 0).removed, last - 43);
	ck_assert_uint_eq(s.bytes->len, m->len - (last - 43));
	ck_assert(memcmp(s.bytes->data + 43, m->str + last, m->len - last) == 0);
	ck_assert_int_eq(mime_skel_real(&s, 0), 0);
	ck_assert_int_eq(mime_skel_real(&s, 42), 42);
	ck_assert_int_eq(mime_skel_real(&s, 43), (gint64)last);
	ck_assert_int_eq(mime_skel_real(&s, 50), (gint64)last + 7);
	ck_assert_int_eq(mime_skel_real(&s, -1), -1);
	mime_skel_free(&s);
	/* too short a stretch, no line end past the head, or no dashes list: no skeleton */
	mime_skel_min(1 << 20);
	ck_assert(!mime_skel_build((const unsigned char *)m->str, m->len, dashes, 0, &s));
	mime_skel_min(64);
	ck_assert(!mime_skel_build((const unsigned char *)m->str, m->len, NULL, 0, &s));
	mime_skel_min(0);
	ck_assert(!mime_skel_build((const unsigned char *)m->str, m->len, dashes, 0, &s));
	mime_skel_min(was);
	g_array_free(dashes, TRUE);
	g_string_free(m, TRUE);
}
END_TEST

/*
 * The lines starting with "--" found as a message arrives in chunks of any size (as
 * partscan-milter feeds them) are those found in one pass over the whole: offsets, count, the
 * cut at the limit, and the last "--" deep inside a line.
 */
START_TEST(test_dashes_fed)
{
	static const char *const bits[] = {"--", "-", "\n", "\r\n", "x", "--b\n", "\n--\n", "abc-"};
	GRand *r = g_rand_new_with_seed(3);

	for (int round = 0; round < 400; round++) {
		GString *m = g_string_new(NULL);
		uint64_t max = round % 3 == 0 ? (uint64_t)g_rand_int_range(r, 1, 40) : 1000000;
		struct mime_dashes whole, fed;
		size_t at = 0;

		while (m->len < (size_t)g_rand_int_range(r, 1, 3000)) {
			if (g_rand_int_range(r, 0, 20) == 0)
				for (int i = 0; i < 150; i++) /* a long line */
					g_string_append_c(m, 'y');
			g_string_append(m, bits[g_rand_int_range(r, 0, G_N_ELEMENTS(bits))]);
		}
		mime_dashes_init(&whole, max);
		mime_dashes_feed(&whole, (unsigned char *)m->str, m->len, true);
		mime_dashes_init(&fed, max);
		while (at < m->len) {
			at += (size_t)g_rand_int_range(r, 1, 64);
			if (at > m->len)
				at = m->len;
			mime_dashes_feed(&fed, (unsigned char *)m->str, at, false);
		}
		mime_dashes_feed(&fed, (unsigned char *)m->str, m->len, true);
		ck_assert(fed.done && whole.done);
		ck_assert_uint_eq(fed.count, whole.count);
		ck_assert_uint_eq(fed.inner, whole.inner);
		ck_assert_uint_eq(fed.cut, whole.cut);
		ck_assert_uint_eq(fed.len, whole.len);
		ck_assert_uint_eq(fed.at->len, whole.at->len);
		ck_assert(whole.at->len == 0 || memcmp(fed.at->data, whole.at->data,
		                                       whole.at->len * sizeof(size_t)) == 0);
		/* every line start with "--" before the cut, and nothing else */
		for (guint i = 0; i < whole.at->len; i++) {
			size_t o = g_array_index(whole.at, size_t, i);

			ck_assert(m->str[o] == '-' && m->str[o + 1] == '-');
			ck_assert(o == 0 || m->str[o - 1] == '\n');
		}
		mime_dashes_clear(&whole);
		mime_dashes_clear(&fed);
		g_string_free(m, TRUE);
	}
	g_rand_free(r);
}
END_TEST

/* messages where the skeleton is right: taken, and the report is the message's */
START_TEST(test_taken)
{
	unsigned long used, refused;
	GString *m;

	/* a text and a 1 MB attachment, and a second one after a blank line */
	m = multipart_head();
	g_string_append(m, "--b1" CRLF "Content-Type: text/plain" CRLF CRLF "see attached" CRLF);
	attachment(m, "b1", "a.bin", 1000 * 1000, 1);
	attachment(m, "b1", "b.bin", 600 * 1000, 2);
	g_string_append(m, CRLF "--b1--" CRLF);
	same_report(m, 256 * 1024, "two attachments", &used, &refused);
	ck_assert_uint_eq(used, 1);
	ck_assert_uint_eq(refused, 0);
	g_string_free(m, TRUE);

	/* a nested message with a big attachment, a duplicate header after the cut (a warning
	   whose offset is mapped back), and a "-- " signature line splitting a body */
	m = multipart_head();
	g_string_append(m, "--b1" CRLF "Content-Type: message/rfc822" CRLF CRLF
	                   "From: c@example.org" CRLF "MIME-Version: 1.0" CRLF
	                   "Content-Type: multipart/mixed; boundary=\"b2\"" CRLF CRLF);
	attachment(m, "b2", "inner.bin", 700 * 1000, 3);
	g_string_append(m, "--b2--" CRLF "--b1" CRLF "Content-Type: text/plain" CRLF
	                   "Content-Type: text/html" CRLF CRLF);
	append_b64(m, 500 * 1000, 4);
	g_string_append(m, "-- " CRLF "signature" CRLF);
	append_b64(m, 500 * 1000, 5);
	g_string_append(m, "--b1--" CRLF);
	same_report(m, 256 * 1024, "nested message", &used, &refused);
	ck_assert_uint_ge(used, 1); /* the message, and the reading of its duplicate header */
	g_string_free(m, TRUE);

	/* one part, no multipart, no final line end */
	m = g_string_new("Subject: one" CRLF "Content-Type: application/pdf" CRLF
	                 "Content-Transfer-Encoding: base64" CRLF CRLF);
	append_b64(m, 800 * 1000, 6);
	g_string_append(m, "QUJD");
	same_report(m, 256 * 1024, "single part", &used, &refused);
	ck_assert_uint_eq(used, 1);
	g_string_free(m, TRUE);
}
END_TEST

/* messages where a cut would not lie in a body: refused, and the report is the message's */
START_TEST(test_refused)
{
	unsigned long used, refused;
	GString *m;

	/* a header block of 400 KB */
	m = multipart_head();
	g_string_append(m, "--b1" CRLF);
	for (int i = 0; i < 8000; i++)
		g_string_append_printf(m, "X-Filler-%d: %s" CRLF, i,
		                       "0123456789012345678901234567890123456789");
	g_string_append(m, "Content-Type: text/plain" CRLF CRLF "text" CRLF);
	attachment(m, "b1", "a.bin", 300 * 1000, 7);
	g_string_append(m, "--b1--" CRLF);
	same_report(m, 256 * 1024, "huge header block", &used, &refused);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_eq(refused, 1);
	g_string_free(m, TRUE);

	/* a preamble and an epilogue of 500 KB each (base64-looking: the sweep reads them) */
	m = multipart_head();
	append_b64(m, 380 * 1000, 8);
	attachment(m, "b1", "a.bin", 1000, 9);
	g_string_append(m, "--b1--" CRLF);
	append_b64(m, 380 * 1000, 10);
	same_report(m, 256 * 1024, "preamble and epilogue", &used, &refused);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_eq(refused, 1);
	g_string_free(m, TRUE);

	/* a message whose header block is a long run of base64 lines */
	m = g_string_new(NULL);
	append_b64(m, 400 * 1000, 11);
	same_report(m, 256 * 1024, "not a message", &used, &refused);
	g_string_free(m, TRUE);
}
END_TEST

/*
 * GMime splits a line longer than what its buffer holds and checks each piece as a line: a
 * "--BB" inside a long line is a boundary or not depending on where the line lies, which a
 * cut moves. Such a line after a cut refuses the skeleton: a boundary after a long line of
 * text, and one hidden inside the big attachment (with headers of a part after it).
 */
START_TEST(test_inner_dashes)
{
	unsigned long used, refused, all_used = 0;

	for (int k = 3000; k < 4200; k += 3) {
		GString *m = multipart_head();
		char *what = g_strdup_printf("a long line of %d bytes, then \"--b1\"", k);

		attachment(m, "b1", "a.bin", 230 * 1000, 12);
		g_string_append(m, "--b1" CRLF CRLF);
		for (int i = 0; i < k; i++)
			g_string_append_c(m, 'x');
		g_string_append(m, "--b1" CRLF "--b1--" CRLF);
		same_report(m, 256 * 1024, what, &used, &refused);
		all_used += used;
		g_free(what);
		g_string_free(m, TRUE);
	}
	ck_assert_uint_eq(all_used, 0);
	/* nearer than 128 bytes to its line's start, a "--" is never where GMime cuts a line:
	   the skeleton is taken, and the report is the same wherever the line lies */
	all_used = 0;
	for (int k = 1; k < MIME_SKEL_LINE_HEAD; k++) {
		GString *m = multipart_head();
		char *what = g_strdup_printf("\"--b1\" %d bytes into a long line", k);

		attachment(m, "b1", "a.bin", 230 * 1000 + 37 * (size_t)k, 15);
		g_string_append(m, "--b1" CRLF CRLF);
		for (int i = 0; i < k; i++)
			g_string_append_c(m, 'x');
		g_string_append(m, "--b1");
		for (int i = 0; i < 9000; i++)
			g_string_append_c(m, 'y');
		g_string_append(m, CRLF "--b1--" CRLF);
		same_report(m, 256 * 1024, what, &used, &refused);
		all_used += used;
		g_free(what);
		g_string_free(m, TRUE);
	}
	ck_assert_uint_eq(all_used, MIME_SKEL_LINE_HEAD - 1);
	for (int k = 1500; k < 1560; k++) {
		GString *m = multipart_head();
		char *what = g_strdup_printf("\"--b1\" hidden after %d bytes of a line", k);

		attachment(m, "b1", "a.bin", 150 * 1000, 13);
		for (int i = 0; i < k; i++)
			g_string_append_c(m, 'x');
		g_string_append(m, "--b1" CRLF
		                   "Content-Type: application/x-msdownload; name=evil.exe" CRLF
		                   "Content-Transfer-Encoding: base64" CRLF CRLF);
		append_b64(m, 150 * 1000, 14);
		g_string_append(m, "--b1--" CRLF);
		same_report(m, 256 * 1024, what, &used, &refused);
		ck_assert_uint_eq(used, 0);
		g_free(what);
		g_string_free(m, TRUE);
	}
}
END_TEST

/*
 * Every message of the corpus, with cuts wherever a stretch is 64, 512, 4096 or 256 Ki bytes long;
 * SKELETON_CORPUS names more directories (test_skeleton.sh: the evasion set).
 */
START_TEST(test_corpus)
{
	static const char *const dirs[] = {"msgs", "fuzz/msgscan", "fuzz/passwords",
	                                   "fuzz/archives"};
	static const size_t mins[] = {64, 512, 4096, 256 * 1024};
	unsigned long used = 0, refused = 0, files = 0;

	const char *more = getenv("SKELETON_CORPUS"); /* more directories, ':' between */
	char **extra = g_strsplit(more != NULL ? more : "", ":", -1);
	guint nextra = g_strv_length(extra);

	for (size_t d = 0; d < G_N_ELEMENTS(dirs) + nextra; d++) {
		char *path = d < G_N_ELEMENTS(dirs) ? g_build_filename(TEST_DATA, dirs[d], NULL)
		                                    : g_strdup(extra[d - G_N_ELEMENTS(dirs)]);
		GDir *dir = g_dir_open(path, 0, NULL);
		const char *name;

		while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
			char *file = g_build_filename(path, name, NULL), *text = NULL;
			gsize len = 0;

			if (g_file_test(file, G_FILE_TEST_IS_REGULAR) &&
			    g_file_get_contents(file, &text, &len, NULL)) {
				GString *m = g_string_new_len(text, (gssize)len);

				for (size_t i = 0; i < G_N_ELEMENTS(mins); i++) {
					unsigned long u, r;

					same_report(m, mins[i], file, &u, &r);
					used += u;
					refused += r;
				}
				files++;
				g_string_free(m, TRUE);
			}
			g_free(text);
			g_free(file);
		}
		if (dir != NULL)
			g_dir_close(dir);
		g_free(path);
	}
	fprintf(stderr, "corpus: %lu files, skeletons taken %lu, refused %lu\n", files, used,
	        refused);
	g_strfreev(extra);
	/* the corpus took both ways */
	ck_assert_uint_ge(files, 40);
	ck_assert_uint_ge(used, nextra > 0 ? 100 : 5);
	ck_assert_uint_ge(refused, 20);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("skeleton");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_cuts_and_offsets);
	tcase_add_test(tc, test_dashes_fed);
	tcase_add_test(tc, test_taken);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_inner_dashes);
	tcase_add_test(tc, test_corpus);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
