/*
 * libcheck suite: readings — the header blocks of a message as other clients read them
 * (mime/readings.c: the rewritten copies, byte for byte) and what msg_scan() makes of them:
 * an attachment only one reading shows is found (clam.exe), named as its headers name it, and
 * reported once; well-formed mail gains no part; the copies are counted against
 * max_total_bytes.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mime/msgscan.h"
#include "mime/readings.h"
#include "tests/lib/testscan.h"
#include "tests/lib/testutil.h"

/* ---- the copies ---- */

struct rewrite {
	const char *name;
	const char *in;
	unsigned int reading;
	const char *out; /* NULL: the message reads the same */
};

#define TOP "From: a@b\nTo: c@d\n"

static const struct rewrite rewrites[] = {
        {"well-formed: the same", TOP "Content-Type: text/plain\n\nbody\n", MIME_READING_BOTH,
         NULL},
        {"signature separator in a body: no header block",
         TOP "Content-Type: text/plain\n\nhi\n-- \nJohn Smith\nACME: widgets\n", MIME_READING_BOTH,
         NULL},
        {"signature separator followed by fields",
         TOP "Content-Type: text/plain\n\nhi\n-- \nPhone: 555\nJohn\n--\nFax: 1\nx\n",
         MIME_READING_BOTH, NULL},
        {"trailing semicolon", TOP "Content-Type: text/plain; charset=utf-8;\n\nx\n",
         MIME_READING_VALUES, NULL},
        {"first Content-Type wins",
         TOP "Content-Type: multipart/mixed; boundary=b\nContent-Type: text/plain\n\nx\n",
         MIME_READING_FIRST, TOP "Content-Type: multipart/mixed; boundary=b\n\nx\n"},
        {"first Content-Transfer-Encoding wins, folded value dropped whole",
         TOP "Content-Transfer-Encoding: 7bit\nContent-Transfer-Encoding:\n base64\n\nx\n",
         MIME_READING_FIRST, TOP "Content-Transfer-Encoding: 7bit\n\nx\n"},
        {"duplicates in a part's block", TOP "\n--b\nContent-Type: a/b\nContent-Type: c/d\n\nx\n",
         MIME_READING_FIRST, TOP "\n--b\nContent-Type: a/b\n\nx\n"},
        {"a line without a colon starts the body", TOP "no colon\nContent-Type: a/b\n\nx\n",
         MIME_READING_FIRST, TOP "\nno colon\nContent-Type: a/b\n\nx\n"},
        {"GMime skips the line without a colon", TOP "no colon\nContent-Type: a/b\n\nx\n",
         MIME_READING_VALUES, NULL},
        {"a boundary right after the headers, CRLF",
         "From: a@b\r\nContent-Type: multipart/mixed; boundary=b\r\n--b\r\n\r\nx\r\n",
         MIME_READING_FIRST,
         "From: a@b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n"},
        {"white space before the first field", " folded\nFrom: a@b\n\nx\n", MIME_READING_FIRST,
         "From: a@b\n\nx\n"},
        {"white space and no field after it: left alone", " folded\nbody\n", MIME_READING_FIRST,
         NULL},
        {"encoded words in Content-Type",
         TOP "Content-Type: =?us-ascii?Q?multipart/mixed=3B_boundary=3D=22b=22?=\n\nx\n",
         MIME_READING_VALUES, TOP "Content-Type: multipart/mixed; boundary=\"b\"\n\nx\n"},
        {"comma separators", TOP "Content-Type: multipart/mixed, boundary=\"b,c\"\r\n\r\nx\n",
         MIME_READING_VALUES, TOP "Content-Type: multipart/mixed; boundary=\"b,c\"\r\n\r\nx\n"},
        {"RFC 2231 boundary preferred",
         TOP "Content-Type: multipart/mixed; boundary=\"a\";\n boundary*=us-ascii''b\n\nx\n",
         MIME_READING_VALUES, TOP "Content-Type: multipart/mixed; boundary*=us-ascii''b\n\nx\n"},
        {"unterminated quote closed", TOP "Content-Type: multipart/mixed; boundary=\"b\n\nx\n",
         MIME_READING_VALUES, TOP "Content-Type: multipart/mixed; boundary=\"b\"\n\nx\n"},
        {"parameter names in any case: read as written",
         TOP "Content-Type: Multipart/Mixed; BOUNDARY=\"b\"\n\nx\n", MIME_READING_BOTH, NULL},
        {"both readings", TOP "Content-Type: a/b, c=d\nContent-Type: e/f\n\nx\n", MIME_READING_BOTH,
         TOP "Content-Type: a/b; c=d\n\nx\n"},
        {"mbox From line kept", "From x@y Mon Jan  1 00:00:00 2024\n" TOP "x\n\nbody\n",
         MIME_READING_FIRST, "From x@y Mon Jan  1 00:00:00 2024\n" TOP "\nx\n\nbody\n"},
        {"empty", "", MIME_READING_BOTH, NULL},
        /* a CR alone ends a line: a LF is put after it */
        {"CR alone in the headers", TOP "Subject: x\rContent-Type: text/plain\n\nbody\n",
         MIME_READING_CR, TOP "Subject: x\r\nContent-Type: text/plain\n\nbody\n"},
        {"no CR alone", TOP "Subject: x\r\n\r\nbody\r\n", MIME_READING_CR, NULL},
        /* the boundary as the delimiter lines spell it */
        {"boundary with a blank after it",
         TOP "Content-Type: multipart/mixed; boundary=\"BB \"\n\n--BB\nx\n--BB--\n",
         MIME_READING_VALUES,
         TOP "Content-Type: multipart/mixed; boundary=\"BB\"\n\n--BB\nx\n--BB--\n"},
        {"boundary in angle brackets",
         TOP "Content-Type: multipart/mixed; boundary=\"<BB>\"\n\n--BB\nx\n--BB--\n",
         MIME_READING_VALUES,
         TOP "Content-Type: multipart/mixed; boundary=\"BB\"\n\n--BB\nx\n--BB--\n"},
        {"angle brackets the delimiter lines keep: the same",
         TOP "Content-Type: multipart/mixed; boundary=\"<BB>\"\n\n--<BB>\nx\n--<BB>--\n",
         MIME_READING_VALUES, NULL},
        {"encoded word kept as written",
         TOP "Content-Type: multipart/mixed; boundary=\"x=?us-ascii?q?BB?=\"\n\n"
             "--x=?us-ascii?q?BB?=\nx\n",
         MIME_READING_VALUES,
         TOP "Content-Type: multipart/mixed; boundary*=us-ascii''x%3D%3Fus-ascii%3Fq%3FBB%3F%3D\n\n"
             "--x=?us-ascii?q?BB?=\nx\n"},
        {"no subtype", TOP "Content-Type: multipart/; boundary=BB\n\n--BB\nx\n--BB--\n",
         MIME_READING_VALUES,
         TOP "Content-Type: multipart/mixed; boundary=\"BB\"\n\n--BB\nx\n--BB--\n"},
        {"RFC 2231 pieces up to a gap",
         TOP "Content-Type: multipart/mixed; boundary*0=B; boundary*2=C\n\n--B\nx\n--B--\n",
         MIME_READING_VALUES,
         TOP "Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\nx\n--B--\n"},
};

START_TEST(test_rewrite)
{
	const struct rewrite *c = &rewrites[_i];
	GBytes *b = mime_readings_make((const unsigned char *)c->in, strlen(c->in), c->reading);
	size_t n = 0;
	const char *got = b != NULL ? g_bytes_get_data(b, &n) : NULL;

	if (c->out == NULL) {
		ck_assert_msg(b == NULL, "%s: rewritten as\n%.*s", c->name, (int)n, got);
		return;
	}
	ck_assert_msg(b != NULL, "%s: not rewritten", c->name);
	/* the dry pass that spares well-formed mail the copies sees it too */
	ck_assert_msg(mime_readings_differ((const unsigned char *)c->in, strlen(c->in)),
	              "%s: no difference seen", c->name);
	ck_assert_msg(n == strlen(c->out) && memcmp(got, c->out, n) == 0,
	              "%s: got\n%.*s\nwanted\n%s", c->name, (int)n, got, c->out);
	g_bytes_unref(b);
}
END_TEST

/*
 * The stretches of a copy taken unchanged from the message: a body of the copy is found at
 * its offset in the message; a range over a rewritten header block is not.
 */
START_TEST(test_map)
{
	static const char in[] = TOP "Content-Type: multipart/mixed; boundary=b\n"
	                             "Content-Type: text/plain\n\n--b\nContent-Type: a/b\n"
	                             "Content-Type: c/d\n\nbody one\n--b--\n";
	GArray *map = NULL;
	GBytes *b = mime_readings_make_mapped((const unsigned char *)in, strlen(in),
	                                      MIME_READING_FIRST, &map);
	size_t n, from = 0;
	const char *copy = g_bytes_get_data(b, &n), *body = g_strstr_len(copy, (gssize)n, "body");
	size_t at = (size_t)(body - copy);

	ck_assert_ptr_nonnull(map);
	ck_assert_msg(mime_readings_source(map, at, at + 8, &from), "body not mapped");
	ck_assert_uint_eq(from, (size_t)(strstr(in, "body") - in));
	ck_assert(memcmp(in + from, "body one", 8) == 0);
	/* the message's header block lost a line: its first field and the body are not one
	   stretch */
	ck_assert(!mime_readings_source(map, 0, at + 8, &from));
	/* nothing maps past the copy's end */
	ck_assert(!mime_readings_source(map, n, n + 1, &from));
	ck_assert(!mime_readings_source(NULL, 0, 1, &from));
	g_array_free(map, TRUE);
	g_bytes_unref(b);
	/* no copy, no map */
	b = mime_readings_make_mapped((const unsigned char *)TOP "\nx\n", strlen(TOP "\nx\n"),
	                              MIME_READING_BOTH, &map);
	ck_assert_ptr_null(b);
	ck_assert_ptr_null(map);
}
END_TEST

/* ---- what msg_scan() makes of them ---- */

static struct sigdb *db;
static char *exe_b64; /* clam.exe in base64, LF lines */

static void setup(void)
{
	db = testscan_sigdb_bundled();
	exe_b64 = testscan_clamav_base64("clam.exe", "\n");
}

static void teardown(void)
{
	sigdb_unref(&db);
	g_free(exe_b64);
}

struct hide {
	const char *name;
	const char *head; /* the message's header block and the multipart's Content-Type */
	const char *part; /* the attachment's own header lines, after Content-Type */
	const char *path; /* where clam.exe must be found */
};

#define EXE_CT   "Content-Type: application/x-msdownload; name=\"clam.exe\"\n"
#define B64      "Content-Transfer-Encoding: base64\n"
#define MP       "Content-Type: multipart/mixed; boundary=\"BB\"\n"
#define TEXTPART "--BB\nContent-Type: text/plain\n\nhello\n"

static const struct hide hides[] = {
        /* GMime: the last Content-Type (text/plain); Python, Thunderbird: the first */
        {"first Content-Type", TOP MP "Content-Type: text/plain\n\n", B64, "read2"},
        /* GMime: 7bit, the text as it is; the others: base64. The part's own reading of
           base64 declared 7bit (encodings.c) decodes it first, as 2/alt1: the header
           reading then finds the same bytes, and adds nothing */
        {"first Content-Transfer-Encoding", TOP MP "\n", B64 "Content-Transfer-Encoding: 7bit\n",
         "2/alt1"},
        /* GMime reads the part's headers into the message's: one text part */
        {"no empty line after the headers", TOP MP, B64, "read2"},
        /* GMime: no header block at all */
        {"white space first", " X-Junk: x\n" TOP MP "\n", B64, "read2"},
        {"encoded words",
         TOP "Content-Type: =?us-ascii?Q?multipart/mixed=3B_boundary=3D=22BB=22?=\n\n", B64,
         "read2"},
        {"comma", TOP "Content-Type: multipart/mixed, boundary=\"BB\"\n\n", B64, "read2"},
        {"RFC 2231 beside plain",
         TOP "Content-Type: multipart/mixed; boundary=\"A\"; boundary*=''BB\n\n", B64, "read2"},
        {"open quote", TOP "Content-Type: multipart/mixed; boundary=\"BB\n\n", B64, "read2"},
};

static struct msg_report *scan_with(const char *msg, const struct msg_limits *lim)
{
	struct msg_scan_options o = {.limits = lim, .scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
	struct msg_report *r = NULL;
	GError *error = NULL;

	ck_assert_msg(msg_scan(db, (const unsigned char *)msg, strlen(msg), &o, &r, &error) == 0,
	              "%s", error != NULL ? error->message : "");
	return r;
}

static char *hide_message(const struct hide *h)
{
	return g_strdup_printf("%s" TEXTPART "--BB\n" EXE_CT "%s\n%s--BB--\n", h->head, h->part,
	                       exe_b64);
}

START_TEST(test_hidden)
{
	const struct hide *h = &hides[_i];
	char *msg = hide_message(h);
	struct msg_report *r = scan_with(msg, NULL);
	unsigned int found = 0;

	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		if (p->scan.n_findings == 0 || p->scan.allowlisted)
			continue;
		found++;
		ck_assert_msg(strcmp(p->path, h->path) == 0, "%s: found at %s, wanted %s", h->name,
		              p->path, h->path);
		ck_assert_msg(p->name != NULL && strcmp(p->name, "clam.exe") == 0, "%s: name %s",
		              h->name, p->name);
		/* a part only another reading shows is outside the parsed tree; a reading of a
		   parsed part's own bytes is inside it (that part is what strip removes) */
		ck_assert(g_str_has_prefix(p->path, "2/alt") || (p->flags & MSG_PART_SWEEP));
	}
	ck_assert_msg(found == 1, "%s: clam.exe found %u times", h->name, found);
	/* the anomaly names a part only a header reading shows */
	ck_assert_msg(!g_str_has_prefix(h->path, "read") || (r->anomalies & MSG_ANOM_READING),
	              "%s: no other-reading anomaly", h->name);
	msg_report_free(&r);
	g_free(msg);
}
END_TEST

/*
 * The header block of a part further down (its first Content-Type a multipart, its last
 * text): found after few "--" lines and after more than the walk keeps the offsets of
 * (65,536), where the readings search the bytes themselves.
 */
START_TEST(test_hidden_in_part)
{
	static const unsigned int dash_lines[] = {0, 3, 70000};
	GString *m = g_string_new(TOP MP "\n" TEXTPART);
	struct msg_limits lim = {.max_parts = 10000};
	struct msg_report *r;
	unsigned int found = 0;

	for (unsigned int i = 0; i < dash_lines[_i]; i++)
		g_string_append(m, "--x\nhello\n");
	g_string_append_printf(m,
	                       "--BB\nContent-Type: multipart/mixed; boundary=\"CC\"\n"
	                       "Content-Type: text/plain\n\n--CC\n" EXE_CT B64
	                       "\n%s--CC--\n--BB--\n",
	                       exe_b64);
	r = scan_with(m->str, &lim);
	ck_assert(!(r->flags & MSG_LIMIT_PARTS));
	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		found += p->scan.n_findings > 0 && !p->scan.allowlisted;
	}
	ck_assert_uint_eq(found, 1);
	ck_assert_msg(r->anomalies & MSG_ANOM_READING, "%u lines", dash_lines[_i]);
	msg_report_free(&r);
	g_string_free(m, TRUE);
}
END_TEST

/* data in quoted-printable, lines ended by eol: what the raw sweep does not decode */
static char *qp_lines(const unsigned char *data, size_t len, const char *eol)
{
	GString *out = g_string_new(NULL);
	size_t col = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = data[i];
		bool lit = c >= 33 && c <= 126 && c != '=';

		if (col + (lit ? 1 : 3) > 75) {
			g_string_append_printf(out, "=%s", eol);
			col = 0;
		}
		if (lit)
			g_string_append_c(out, (char)c);
		else
			g_string_append_printf(out, "=%02X", c);
		col += lit ? 1 : 3;
	}
	g_string_append(out, eol);
	return g_string_free(out, FALSE);
}

struct hide_qp {
	const char *name;
	const char *ct;  /* the multipart's Content-Type value; NUL written "\\0" */
	const char *sep; /* what ends the line before each delimiter ("\r": a CR alone) */
	const char *bnd; /* the boundary in the delimiter lines; NUL written "\\0" */
};

static const struct hide_qp hides_qp[] = {
        {"CR alone before the delimiter", "multipart/mixed; boundary=\"BB\"", "\r", "BB"},
        {"CR alone ends each part line", "multipart/mixed; boundary=\"BB\"", "\r\r\n", "BB"},
        {"blank after the boundary", "multipart/mixed; boundary=\"BB\t\"", "\r\n", "BB"},
        {"angle brackets", "multipart/mixed; boundary=\"<BB>\"", "\r\n", "BB"},
        {"encoded word as written", "multipart/mixed; boundary=\"x=?us-ascii?q?BB?=\"", "\r\n",
         "x=?us-ascii?q?BB?="},
        {"comment after a token", "multipart/mixed; boundary=BB (x)", "\r\n", "BB"},
        {"two tokens", "multipart/mixed; boundary=BB CC", "\r\n", "BB"},
        {"no subtype", "multipart/; boundary=\"BB\"", "\r\n", "BB"},
        {"empty then set", "multipart/mixed; boundary=; boundary=\"BB\"", "\r\n", "BB"},
        {"RFC 2231 gap", "multipart/mixed; boundary*0=\"B\"; boundary*2=\"C\"", "\r\n", "B"},
        {"NUL after the type", "multipart/mixed\\0; boundary=\"BB\"", "\r\n", "BB"},
        {"NUL in the boundary", "multipart/mixed; boundary=\"B\\0B\"", "\r\n", "B\\0B"},
};

/* s with each "\\0" made a NUL, appended to out */
static void put_nul(GString *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == '0') {
			g_string_append_c(out, '\0');
			s++;
		} else {
			g_string_append_c(out, *s);
		}
	}
}

/*
 * clam.exe in quoted-printable (which the raw sweep does not decode) behind a header or line
 * that GMime reads otherwise than Python's email and Thunderbird: found once, by a reading.
 * With CR alone in the part lines, the part's header lines are joined by it too.
 */
START_TEST(test_hidden_qp)
{
	const struct hide_qp *h = &hides_qp[_i];
	size_t exe_len;
	char *exe = testutil_clamav_file("clam.exe"), *qp;
	unsigned char *data = (unsigned char *)testutil_read(exe, &exe_len);
	bool cr_parts = strcmp(h->sep, "\r\r\n") == 0;
	const char *nl = cr_parts ? "\r" : "\r\n";
	GString *m = g_string_new("From: a@b\r\nTo: c@d\r\nMIME-Version: 1.0\r\nContent-Type: ");
	struct msg_report *r;
	struct msg_scan_options o = {.scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
	GError *error = NULL;
	unsigned int found = 0;

	qp = qp_lines(data, exe_len, "\r\n");
	put_nul(m, h->ct);
	g_string_append(m, "\r\n\r\nintro\r\n--");
	put_nul(m, h->bnd);
	g_string_append_printf(m, "\r\nContent-Type: text/plain\r\n\r\nsee attached%s--",
	                       cr_parts ? "\r" : h->sep);
	put_nul(m, h->bnd);
	g_string_append_printf(m,
	                       "%sContent-Type: application/octet-stream; name=\"clam.exe\"%s"
	                       "Content-Transfer-Encoding: quoted-printable\r\n\r\n%s--",
	                       nl, nl, qp);
	put_nul(m, h->bnd);
	g_string_append(m, "--\r\n");
	ck_assert_int_eq(msg_scan(db, (const unsigned char *)m->str, m->len, &o, &r, &error), 0);
	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		if (p->scan.n_findings == 0 || p->scan.allowlisted)
			continue;
		found++;
		ck_assert_msg(p->name != NULL && strcmp(p->name, "clam.exe") == 0, "%s: name %s",
		              h->name, p->name);
	}
	ck_assert_msg(found == 1, "%s: clam.exe found %u times", h->name, found);
	ck_assert_msg(r->anomalies & MSG_ANOM_READING, "%s: no other-reading anomaly", h->name);
	msg_report_free(&r);
	g_string_free(m, TRUE);
	g_free(qp);
	g_free(data);
	g_free(exe);
}
END_TEST

/* data as uuencode or yEnc lines, each ended by eol */
static char *block_lines(const unsigned char *data, size_t len, bool yenc, const char *eol)
{
	GString *out = g_string_new(NULL);

	if (!yenc) {
		g_string_append_printf(out, "begin 644 clam.exe%s", eol);
		for (size_t i = 0; i < len; i += 45) {
			size_t n = MIN(len - i, 45);

			g_string_append_c(out, (char)(32 + n));
			for (size_t k = 0; k < n; k += 3) {
				unsigned char b[3] = {data[i + k], k + 1 < n ? data[i + k + 1] : 0,
				                      k + 2 < n ? data[i + k + 2] : 0};
				unsigned int v = (unsigned)b[0] << 16 | (unsigned)b[1] << 8 | b[2];

				for (int sh = 18; sh >= 0; sh -= 6) {
					unsigned int c = (v >> sh) & 63;
					g_string_append_c(out, (char)(c == 0 ? '`' : 32 + c));
				}
			}
			g_string_append(out, eol);
		}
		g_string_append_printf(out, "`%send%s", eol, eol);
		return g_string_free(out, FALSE);
	}
	g_string_append_printf(out, "=ybegin line=128 size=%zu name=clam.exe%s", len, eol);
	for (size_t i = 0, col = 0; i < len; i++) {
		unsigned char c = (unsigned char)(data[i] + 42);

		if (c == 0 || c == '\n' || c == '\r' || c == '=') {
			g_string_append_c(out, '=');
			c = (unsigned char)(c + 64);
			col++;
		}
		g_string_append_c(out, (char)c);
		if (++col >= 128 || i + 1 == len) {
			g_string_append(out, eol);
			col = 0;
		}
	}
	g_string_append_printf(out, "=yend size=%zu%s", len, eol);
	return g_string_free(out, FALSE);
}

/*
 * A uuencoded or yEnc block in a text body whose lines a CR alone ends: Thunderbird's line
 * buffer ends a line there and decodes the block; found (not before).
 */
START_TEST(test_cr_block_in_text)
{
	size_t exe_len;
	char *exe = testutil_clamav_file("clam.exe");
	unsigned char *data = (unsigned char *)testutil_read(exe, &exe_len);
	char *block = block_lines(data, exe_len, _i == 1, "\r");
	char *msg = g_strdup_printf("From: a@b\r\nTo: c@d\r\nContent-Type: text/plain\r\n\r\n"
	                            "Hello,\r\nsee below\r%sbye\r\n",
	                            block);
	struct msg_report *r = scan_with(msg, NULL);
	unsigned int found = 0;

	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		found += p->scan.n_findings > 0 && !p->scan.allowlisted;
	}
	ck_assert_msg(found == 1, "%s: clam.exe found %u times", _i == 1 ? "yEnc" : "uuencode",
	              found);
	msg_report_free(&r);
	g_free(msg);
	g_free(block);
	g_free(data);
	g_free(exe);
}
END_TEST

/* Well-formed mail, and mail whose readings agree with GMime's: no part added. */
START_TEST(test_no_new_parts)
{
	static const char *const heads[] = {
	        TOP MP "\n" TEXTPART "-- \nJohn Smith\nACME: widgets\n",
	        /* two Content-Type headers that say the same */
	        TOP MP MP "\n" TEXTPART,
	        TOP "Content-Type: Multipart/Mixed; BOUNDARY=BB\n\n" TEXTPART,
	};

	for (size_t k = 0; k < G_N_ELEMENTS(heads); k++) {
		char *msg =
		        g_strconcat(heads[k], "--BB\n" EXE_CT B64 "\n", exe_b64, "--BB--\n", NULL);
		struct msg_report *r = scan_with(msg, NULL);

		ck_assert_msg(r->parts->len == 2, "message %zu: %u parts", k, r->parts->len);
		ck_assert_msg(!(r->anomalies & MSG_ANOM_READING), "message %zu", k);
		msg_report_free(&r);
		g_free(msg);
	}
}
END_TEST

/*
 * The same attachment under both readings of a message with two Content-Type headers (GMime:
 * AA, the last; Python's email and Thunderbird: BB, the first): no part "read1", but a copy
 * of part 2, where the first-header reading shows it, with its bytes in the message (the
 * body under BB), so that strip knows it would leave it. A reading that shows a part where
 * GMime does, named the same, adds no copy.
 */
START_TEST(test_copies)
{
	char *att =
	        g_strconcat("Content-Type: application/x-msdownload; name=\"clam.exe\"\n" B64 "\n",
	                    exe_b64, NULL);
	char *msg = g_strconcat(TOP "Content-Type: multipart/mixed; boundary=\"BB\"\n"
	                            "Content-Type: multipart/mixed; boundary=\"AA\"\n\n"
	                            "--AA\nContent-Type: text/plain\n\nhello\n--AA\n",
	                        att, "--AA--\n--BB\n", att, "--BB--\n", NULL);
	struct msg_report *r = scan_with(msg, NULL);
	const struct msg_part *p = testscan_part(r, "2");
	const struct msg_copy *c;
	const char *under_bb = strstr(msg, "--BB\n");
	const char *body = strstr(under_bb, "\n\n") + 2;

	ck_assert(p->scan.n_findings > 0);
	for (guint i = 0; i < r->parts->len; i++)
		ck_assert_msg(
		        !g_str_has_prefix(((struct msg_part *)r->parts->pdata[i])->path, "read"),
		        "a part %s", ((struct msg_part *)r->parts->pdata[i])->path);
	ck_assert_ptr_nonnull(p->copies);
	c = p->copies->pdata[0];
	ck_assert_str_eq(c->found_by, "the first-header reading");
	ck_assert_str_eq(c->name, "clam.exe");
	ck_assert_int_eq(c->parent, -1);
	ck_assert_uint_eq(c->raw_begin, (uint64_t)(body - msg));
	/* the body without the line end before the boundary, as parts have it */
	ck_assert_uint_eq(c->raw_end - c->raw_begin, strlen(exe_b64) - 1);
	ck_assert(memcmp(msg + c->raw_begin, exe_b64, strlen(exe_b64) - 1) == 0);
	/* outside the entity strip would remove */
	ck_assert(c->raw_begin >= p->raw_end);
	msg_report_free(&r);
	g_free(msg);

	/* two Content-Type headers on the text part only: the attachment reads the same */
	msg = g_strconcat(TOP MP "\n--BB\nContent-Type: text/plain\nContent-Type: text/html\n\n"
	                         "hello\n--BB\n",
	                  att, "--BB--\n", NULL);
	r = scan_with(msg, NULL);
	ck_assert(r->anomalies & MSG_ANOM_DUPLICATE_CTYPE);
	ck_assert_ptr_null(testscan_part(r, "2")->copies);
	/* the text part's reading declares another type: listed */
	ck_assert_ptr_nonnull(testscan_part(r, "1")->copies);
	msg_report_free(&r);
	g_free(msg);
	g_free(att);
}
END_TEST

/*
 * The same bytes named otherwise by the first-header reading (report.pdf to GMime, report.txt
 * to Python's email and Thunderbird): the copy keeps the reading's name and declared type,
 * and that name is checked against the real type as the part's own is.
 */
START_TEST(test_copy_names)
{
	static const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
	char *b64 = testscan_base64_lines(pdf, sizeof(pdf) - 1, "\n");
	char *msg = g_strconcat(
	        TOP "Content-Type: multipart/mixed; boundary=\"BB\"\n"
	            "Content-Type: multipart/mixed; boundary=\"AA\"\n\n"
	            "--AA\nContent-Type: application/pdf; name=\"report.pdf\"\n" B64 "\n",
	        b64, "--AA--\n--BB\nContent-Type: text/plain; name=\"report.txt\"\n" B64 "\n", b64,
	        "--BB--\n", NULL);
	struct msg_report *r = scan_with(msg, NULL);
	const struct msg_part *p = testscan_part(r, "1");
	const struct msg_copy *c;

	ck_assert_str_eq(p->name, "report.pdf");
	ck_assert_int_eq(p->scan.type.type, FTYPE_PDF);
	ck_assert_ptr_nonnull(p->copies);
	c = p->copies->pdata[0];
	ck_assert_str_eq(c->name, "report.txt");
	ck_assert_str_eq(c->content_type, "text/plain");
	ck_assert_msg(p->flags & MSG_PART_EXT_MISMATCH, "report.txt holding a PDF: no mismatch");
	msg_report_free(&r);
	g_free(msg);
	g_free(b64);
}
END_TEST

/* The copies count against max_total_bytes: past it they are skipped, and that is noted. */
START_TEST(test_budget)
{
	char *msg = hide_message(&hides[0]);
	struct msg_limits lim = {.max_total_bytes = strlen(msg) / 2};
	struct msg_report *r = scan_with(msg, &lim);

	ck_assert(r->flags & MSG_LIMIT_TOTAL);
	ck_assert(!(r->anomalies & MSG_ANOM_READING));
	msg_report_free(&r);
	g_free(msg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("readings");
	TCase *tc = tcase_create("copies"), *scan = tcase_create("scan");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_rewrite, 0, G_N_ELEMENTS(rewrites));
	tcase_add_test(tc, test_map);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(scan, setup, teardown);
	tcase_add_loop_test(scan, test_hidden, 0, G_N_ELEMENTS(hides));
	tcase_add_test(scan, test_no_new_parts);
	tcase_add_loop_test(scan, test_hidden_qp, 0, G_N_ELEMENTS(hides_qp));
	tcase_add_loop_test(scan, test_cr_block_in_text, 0, 2);
	tcase_add_loop_test(scan, test_hidden_in_part, 0, 3);
	tcase_add_test(scan, test_budget);
	tcase_add_test(scan, test_copies);
	tcase_add_test(scan, test_copy_names);
	suite_add_tcase(s, scan);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
