/*
 * libcheck suite: mime_adv — hostile and broken messages (Dovecot's list and more) as a table:
 * each must be reported with the anomalies and limit flags it deserves, never crash, never
 * lose a part silently; limits (depth, parts, bytes); the raw sweep's deduplication.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mime/msgscan.h"
#include "tests/lib/testscan.h"
#include "tests/lib/testutil.h"

static struct sigdb *db;
static char *exe_b64; /* clam.exe, base64 in 76 columns */

static void setup(void)
{
	db = testscan_sigdb_bundled();
	exe_b64 = testscan_clamav_base64("clam.exe", "\r\n");
}

static void teardown(void)
{
	sigdb_unref(&db);
	g_free(exe_b64);
}

static struct msg_report *scan_lim(const char *msg, size_t len, const struct msg_limits *lim)
{
	struct msg_scan_options o = {.limits = lim, .scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
	struct msg_report *r = NULL;
	GError *error = NULL;

	ck_assert_msg(msg_scan(db, (const unsigned char *)msg, len, &o, &r, &error) == 0, "%s",
	              error != NULL ? error->message : "");
	return r;
}

/* "%E" in a template is replaced by clam.exe in base64, "%J" by the same with junk lines. */
static char *expand(const char *tmpl)
{
	GString *s = g_string_new(NULL);

	for (const char *p = tmpl; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'E') {
			g_string_append(s, exe_b64);
			p++;
		} else if (p[0] == '%' && p[1] == 'J') {
			char **lines = g_strsplit(exe_b64, "\r\n", -1);

			for (size_t i = 0; lines[i] != NULL; i++)
				g_string_append_printf(s, "%s\r\n%s", lines[i],
				                       i % 2 ? "!!! ~~~\r\n" : "");
			g_strfreev(lines);
			p++;
		} else {
			g_string_append_c(s, *p);
		}
	}
	return g_string_free(s, FALSE);
}

#define H "From: a@example.org\r\nTo: b@example.org\r\nSubject: t\r\nMIME-Version: 1.0\r\n"
#define EXE                                                                                        \
	"Content-Type: application/octet-stream; name=\"x.exe\"\r\nContent-Transfer-Encoding: "    \
	"base64\r\n\r\n%E"

struct adv {
	const char *name;
	const char *msg;
	unsigned int anomalies; /* must all be set */
	unsigned int flags;     /* must all be set */
	int infected;           /* parts found (the attachment must not be lost), -1: any */
};

static const struct adv cases[] = {
        {"truncated headers", "From: a@example.org\r\nSubject: tru", MSG_ANOM_NO_HEADER_END, 0, 0},
        {"no end of headers", H "Content-Type: text/plain", MSG_ANOM_NO_HEADER_END, 0, 0},
        {"headers ended by a boundary",
         H "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n"
           "--b\r\n" EXE "--b--\r\n",
         MSG_ANOM_NO_HEADER_END, 0, 1},
        {"duplicate boundary (nested multipart reuses it)",
         H "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/"
           "mixed; boundary=b\r\n\r\n--b\r\n" EXE "--b--\r\n--b--\r\n",
         MSG_ANOM_DUPLICATE_BOUNDARY, 0, 1},
        {"boundary a prefix of the enclosing one",
         H "Content-Type: multipart/mixed; boundary=bb\r\n\r\n--bb\r\nContent-Type: multipart/"
           "mixed; boundary=b\r\n\r\n--b\r\n" EXE "--b--\r\n--bb--\r\n",
         MSG_ANOM_DUPLICATE_BOUNDARY, 0, 1},
        {"garbage after boundary",
         H "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b garbage\r\n" EXE "--b--\r\n",
         MSG_ANOM_BAD_BOUNDARY | MSG_ANOM_SWEEP_EXTRA, 0, 1},
        {"long boundary",
         H "Content-Type: multipart/mixed; "
           "boundary=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
           "aaa"
           "aaa\"\r\n\r\n--"
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n" EXE,
         MSG_ANOM_BAD_BOUNDARY, 0, 1},
        {"empty multipart", H "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--\r\n",
         MSG_ANOM_EMPTY_MULTIPART, 0, 0},
        {"multipart without a boundary",
         H "Content-Type: multipart/mixed\r\n\r\n--b\r\n" EXE "--b--\r\n", MSG_ANOM_BAD_BOUNDARY, 0,
         1},
        {"missing closing boundary",
         H "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" EXE,
         MSG_ANOM_MISSING_BOUNDARY, 0, 1},
        {"inner multipart not closed",
         H "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/"
           "mixed; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\nx\r\n--o\r\n" EXE
           "--o--\r\n",
         MSG_ANOM_MISSING_BOUNDARY, 0, 1},
        {"two Content-Type headers",
         H
         "Content-Type: multipart/mixed; boundary=b\r\nContent-Type: text/plain\r\n\r\n--b\r\n" EXE
         "--b--\r\n",
         MSG_ANOM_DUPLICATE_CTYPE, 0, 1},
        {"boundary declared twice",
         H "Content-Type: multipart/mixed; boundary=a; boundary=b\r\n\r\n--b\r\n" EXE "--b--\r\n",
         MSG_ANOM_BAD_BOUNDARY, 0, 1},
        {"NUL in a header", H "X-Junk: a\0b\r\nContent-Type: text/plain\r\n\r\nbody\r\n",
         MSG_ANOM_GARBAGE, 0, 0},
        {"text after the closing boundary",
         H "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" EXE "--b--\r\nsurprise\r\n",
         MSG_ANOM_GARBAGE, 0, 1},
        {"LF-only lines mixed with CRLF",
         H "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\nContent-Type: text/plain\n\nx\n"
           "--b\r\n" EXE "--b--\r\n",
         MSG_ANOM_BARE_LF, 0, 1},
        {"invalid base64",
         H "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           "TVq!QAAIAAAA*EAA8A\r\n",
         MSG_ANOM_BAD_ENCODING, 0, 0},
        {"not a message", "\x01\x02\x03 binary junk\r\n\r\n", MSG_ANOM_NOT_MIME, 0, 0},
        {"empty", "", MSG_ANOM_NOT_MIME, 0, 0},
        {"only a blank line", "\r\n", 0, 0, 0},
        {"base64 with no blank line before the body",
         H "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n%E", 0,
         0, -1},
        {"message/rfc822 with garbage", H "Content-Type: message/rfc822\r\n\r\n\x01\x02\r\n\r\n", 0,
         0, 0},
        {"attachment in the preamble (boundary never used)",
         H "Content-Type: multipart/mixed; boundary=zzz\r\n\r\n--b\r\n" EXE "--b--\r\n",
         MSG_ANOM_SWEEP_EXTRA | MSG_ANOM_EMPTY_MULTIPART, 0, 1},
        {"attachment in the epilogue",
         H "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n"
           "\r\nx\r\n--b--\r\n--c\r\n" EXE,
         MSG_ANOM_SWEEP_EXTRA | MSG_ANOM_GARBAGE, 0, 1},
        /* found by the part's base64 reading (1/alt1), so the sweep finds nothing new */
        {"base64 declared 7bit",
         H "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: 7bit\r\n\r\n%E", 0,
         0, 1},
        {"unknown transfer encoding",
         H "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base-64\r\n\r\n%E",
         0, 0, 1},
        /* no parameter names "b": no reading splits there, the sweep alone finds it */
        {"missed by the tree, junk lines inside the base64",
         H "Content-Type: multipart/mixed; boundary=a\r\n\r\n--b\r\n"
           "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           "%J--b--\r\n",
         MSG_ANOM_SWEEP_EXTRA, 0, 1},
        {"a part of the other boundary inside a base64 body",
         H "Content-Type: multipart/mixed; boundary=a; boundary=b\r\n\r\n--a\r\n"
           "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           "--b\r\n" EXE "--b--\r\n--a--\r\n",
         MSG_ANOM_READING | MSG_ANOM_BAD_ENCODING, 0, 1}, /* the reading that splits at "b" */
        {"a part of the other boundary inside a quoted-printable body",
         H "Content-Type: multipart/mixed; boundary=a; boundary=b\r\n\r\n--a\r\n"
           "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
           "--b\r\n" EXE "--b--\r\n--a--\r\n",
         MSG_ANOM_READING, 0, 1}, /* the reading that splits at "b" shows it */
        {"uuencode at the top of a 7bit body",
         H "Content-Type: text/plain\r\n\r\nbegin 644 x.exe\r\nM35I0\r\n`\r\nend\r\n", 0, 0, 0},
};

START_TEST(test_adversarial)
{
	const struct adv *c = &cases[_i];
	char *msg = expand(c->msg);
	size_t len = strlen(msg);
	struct msg_report *r;

	/* the NUL case: the template is cut at the NUL, put it back */
	if (strstr(c->name, "NUL") != NULL) {
		g_free(msg);
		len = sizeof(H "X-Junk: a\0b\r\nContent-Type: text/plain\r\n\r\nbody\r\n") - 1;
		msg = g_memdup2(c->msg, len);
	}
	r = scan_lim(msg, len, NULL);
	ck_assert_msg((r->anomalies & c->anomalies) == c->anomalies,
	              "%s: anomalies 0x%x, wanted 0x%x set", c->name, r->anomalies, c->anomalies);
	ck_assert_msg((r->flags & c->flags) == c->flags, "%s: flags 0x%x", c->name, r->flags);
	if (c->infected >= 0)
		ck_assert_msg(msg_report_infected(r) == (unsigned int)c->infected,
		              "%s: %u infected parts, wanted %d", c->name, msg_report_infected(r),
		              c->infected);
	/* every anomaly is explained by a note */
	if (r->anomalies != 0 || r->flags != 0)
		ck_assert_uint_ge(r->notes->len, 1);
	msg_report_free(&r);
	g_free(msg);
}
END_TEST

/* Nested multiparts, n levels, the attachment at the bottom. */
static char *nested(unsigned int n)
{
	GString *s = g_string_new(H);
	char *out;

	for (unsigned int i = 0; i < n; i++)
		g_string_append_printf(
		        s, "Content-Type: multipart/mixed; boundary=b%u\r\n\r\n--b%u\r\n", i, i);
	g_string_append(s, EXE);
	for (unsigned int i = n; i-- > 0;)
		g_string_append_printf(s, "--b%u--\r\n", i);
	out = expand(s->str);
	g_string_free(s, TRUE);
	return out;
}

START_TEST(test_depth_limit)
{
	char *m20 = nested(70), *m8 = nested(8);
	struct msg_limits lim = {.max_depth = 4};
	struct msg_report *r;
	const char *reason;

	/* default 64: the attachment at depth 70 is not scanned, and it says so */
	r = scan_lim(m20, strlen(m20), NULL);
	ck_assert(r->flags & MSG_LIMIT_DEPTH);
	ck_assert(msg_report_unscannable(r, &reason));
	ck_assert_str_eq(reason, "limit-depth");
	ck_assert_uint_ge(r->parts->len, 1);
	ck_assert(((struct msg_part *)g_ptr_array_index(r->parts, 0))->flags & MSG_PART_LIMIT);
	msg_report_free(&r);
	/* 8 levels: within the default, found */
	r = scan_lim(m8, strlen(m8), NULL);
	ck_assert_uint_eq(r->flags, 0);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	msg_report_free(&r);
	/* max_depth 4 */
	r = scan_lim(m8, strlen(m8), &lim);
	ck_assert(r->flags & MSG_LIMIT_DEPTH);
	msg_report_free(&r);
	g_free(m20);
	g_free(m8);
}
END_TEST

/* GMime's own limit (1024 multiparts, 512 messages) is far beyond ours: no crash either way. */
START_TEST(test_very_deep)
{
	GString *s = g_string_new(NULL);
	struct msg_report *r;

	for (int i = 0; i < 2000; i++)
		g_string_append(s, "From: a@example.org\r\nContent-Type: message/rfc822\r\n\r\n");
	g_string_append(s, "From: z@example.org\r\n\r\nbottom\r\n");
	r = scan_lim(s->str, s->len, NULL);
	ck_assert(r->flags & MSG_LIMIT_DEPTH);
	msg_report_free(&r);
	g_string_free(s, TRUE);
}
END_TEST

START_TEST(test_part_limit)
{
	GString *s = g_string_new(H "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
	struct msg_limits lim = {.max_parts = 10};
	struct msg_report *r;
	char *m;

	for (int i = 0; i < 50; i++)
		g_string_append_printf(s, "--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i);
	g_string_append(s, "--b\r\n" EXE "--b--\r\n");
	m = expand(s->str);
	r = scan_lim(m, strlen(m), &lim);
	ck_assert(r->flags & MSG_LIMIT_PARTS);
	ck_assert_uint_le(r->parts->len, 10);
	ck_assert(msg_report_unscannable(r, NULL));
	/* many more delimiters than parts allowed: cut before GMime builds its tree */
	{
		GString *big = g_string_new(H "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
		bool cut = false;

		for (int i = 0; i < 300; i++)
			g_string_append(big, "--b\r\n\r\nx\r\n");
		msg_report_free(&r);
		r = scan_lim(big->str, big->len, &lim);
		ck_assert(r->flags & MSG_LIMIT_PARTS);
		for (guint i = 0; i < r->notes->len; i++)
			cut |= strstr(g_ptr_array_index(r->notes, i), "boundary-like lines") !=
			       NULL;
		ck_assert(cut);
		msg_report_free(&r);
		g_string_free(big, TRUE);
	}
	/* within the default limit: all 51 parts, the last one found */
	r = scan_lim(m, strlen(m), NULL);
	ck_assert_uint_eq(r->flags, 0);
	ck_assert_uint_eq(r->parts->len, 51);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	msg_report_free(&r);
	g_free(m);
	g_string_free(s, TRUE);
}
END_TEST

START_TEST(test_byte_limits)
{
	char *m = expand(H "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	                   "Content-Type: text/plain\r\n\r\nhello\r\n--b\r\n" EXE "--b\r\n" EXE
	                   "--b--\r\n");
	struct msg_limits part = {.max_part_bytes = 100}, total = {.max_total_bytes = 600},
	                  message = {.max_message_bytes = 300}, header = {.max_header_bytes = 40};
	struct msg_report *r;
	const struct msg_part *p;

	r = scan_lim(m, strlen(m), &part);
	p = g_ptr_array_index(r->parts, 1);
	ck_assert(p->flags & MSG_PART_TRUNCATED);
	ck_assert_uint_eq(p->decoded_size, 100);
	ck_assert_uint_eq(msg_report_infected(r), 0);
	ck_assert(msg_report_unscannable(r, NULL));
	msg_report_free(&r);

	/* 5 + 544 bytes fit, the second copy does not */
	r = scan_lim(m, strlen(m), &total);
	ck_assert(r->flags & MSG_LIMIT_TOTAL);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	p = g_ptr_array_index(r->parts, 2);
	ck_assert(p->flags & (MSG_PART_TRUNCATED | MSG_PART_LIMIT));
	msg_report_free(&r);

	r = scan_lim(m, strlen(m), &message);
	ck_assert(r->flags & MSG_LIMIT_MESSAGE);
	ck_assert_uint_eq(r->size, strlen(m));
	msg_report_free(&r);

	r = scan_lim(m, strlen(m), &header);
	ck_assert(r->flags & MSG_LIMIT_HEADER);
	ck_assert_uint_eq(msg_report_infected(r), 2);
	msg_report_free(&r);
	g_free(m);
}
END_TEST

/*
 * The sweep does not report what the tree scanned: the same attachment pasted as base64 in a
 * text body and attached properly is one find, not two; a tree part's own body is never
 * decoded twice.
 */
START_TEST(test_sweep_dedupe)
{
	char *m = expand(H "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	                   "Content-Type: text/plain\r\n\r\npasted:\r\n\r\n%E\r\n--b\r\n" EXE
	                   "--b--\r\n");
	char *twice = expand(H "Content-Type: multipart/mixed; boundary=b; boundary=c\r\n\r\n"
	                       "--c\r\n" EXE "--c\r\n" EXE "--c--\r\n");
	struct msg_report *r = scan_lim(m, strlen(m), NULL);

	ck_assert_uint_eq(r->parts->len, 2);
	ck_assert_uint_eq(r->anomalies & MSG_ANOM_SWEEP_EXTRA, 0);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	msg_report_free(&r);
	/* two identical attachments the tree misses (GMime splits at "b"): the boundary the
	   delimiter lines spell makes a reading that shows them; the second is a duplicate */
	r = scan_lim(twice, strlen(twice), NULL);
	ck_assert(r->anomalies & MSG_ANOM_READING);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	msg_report_free(&r);
	g_free(m);
	g_free(twice);
}
END_TEST

/*
 * Base64 pasted in a text body with blanks after each line (two spaces, a tab) is still
 * found by the sweep; a line with a word after a space is prose and ends the run.
 */
START_TEST(test_sweep_trailing_blanks)
{
	static const char *const tails[] = {"  ", " \t", "\t ", " "};
	GString *m = g_string_new(H "Content-Type: text/plain\r\n\r\npasted:\r\n\r\n");
	struct msg_report *r;
	guint line = 0;

	for (const char *p = exe_b64; *p != '\0'; p++) {
		if (p[0] == '\r' && p[1] == '\n')
			g_string_append(m, tails[line++ % G_N_ELEMENTS(tails)]);
		g_string_append_c(m, *p);
	}
	g_string_append(m, "\r\nregards\r\n");
	r = scan_lim(m->str, m->len, NULL);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	msg_report_free(&r);
	/* a word after the blanks of the first line: that line is text, the rest too short */
	g_string_insert(m, strstr(m->str, "pasted:\r\n\r\n") - m->str + 11 + 76 + 2, "x");
	r = scan_lim(m->str, m->len, NULL);
	ck_assert_uint_eq(msg_report_infected(r), 0);
	msg_report_free(&r);
	g_string_free(m, TRUE);
}
END_TEST

/* Ordinary text does not make sweep finds: prose, PGP armour, DKIM signatures, short words. */
START_TEST(test_sweep_quiet)
{
	static const char msg[] =
	        "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s1;\r\n"
	        "\tb=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBidXQgaXQgbG9va3MgbGlrZSBvbmUgdmVyeQ\r\n"
	        "\t bG9uZyBsaW5lIG9mIGJhc2U2NA==\r\n" H "Content-Type: text/plain\r\n\r\n"
	        "Hello,\r\nThanks\r\nJohn\r\nSmith\r\nAntidisestablishmentarianism\r\n\r\n"
	        "-----BEGIN PGP PUBLIC KEY BLOCK-----\r\n\r\n"
	        "mQINBGVzZXJ2ZWQgZm9yIHRlc3RzIG9ubHkgYW5kIG5vdCBhIHJlYWwga2V5IGF0IGFsbCwgc29y\r\n"
	        "cnkgZm9yIHRoZSBpbmNvbnZlbmllbmNlIG9mIGxvb2tpbmcgbGlrZSBvbmUgaW4gdGhlIHRlc3Rz\r\n"
	        "=ab12\r\n-----END PGP PUBLIC KEY BLOCK-----\r\n";
	struct msg_report *r = scan_lim(msg, sizeof(msg) - 1, NULL);

	ck_assert_uint_eq(r->anomalies & MSG_ANOM_SWEEP_EXTRA, 0);
	ck_assert_uint_eq(r->parts->len, 1);
	msg_report_free(&r);
}
END_TEST

/* Random damage to a real message never crashes and always gives a report. */
START_TEST(test_mangled)
{
	char *m = expand(H "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	                   "Content-Type: message/rfc822\r\n\r\n" H
	                   "Content-Type: multipart/alternative; boundary=c\r\n\r\n--c\r\n" EXE
	                   "--c--\r\n--b--\r\n");
	size_t len = strlen(m);
	GRand *rand = g_rand_new_with_seed(42);

	for (int round = 0; round < 400; round++) {
		char *copy = g_memdup2(m, len);
		size_t cut = (size_t)g_rand_int_range(rand, 0, (gint32)len);
		struct msg_report *r;

		for (int k = 0; k < 8; k++)
			copy[g_rand_int_range(rand, 0, (gint32)len)] =
			        "-\r\n=:;\"\\ \0AZ"[g_rand_int_range(rand, 0, 13)];
		r = scan_lim(copy, round % 2 ? cut : len, NULL);
		ck_assert_ptr_nonnull(r->parts);
		msg_report_free(&r);
		g_free(copy);
	}
	g_rand_free(rand);
	g_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mime_adv");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_adversarial, 0, G_N_ELEMENTS(cases));
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_very_deep);
	tcase_add_test(tc, test_part_limit);
	tcase_add_test(tc, test_byte_limits);
	tcase_add_test(tc, test_sweep_dedupe);
	tcase_add_test(tc, test_sweep_quiet);
	tcase_add_test(tc, test_sweep_trailing_blanks);
	tcase_add_test(tc, test_mangled);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
