/*
 * libcheck suite: mime — golden walks of the messages in tests/data/msgs (UPDATE_REFS=1
 * rewrites the .ref files), raw offsets, the strip round trip, names,
 * ClamAV's test mails, EICAR built at run time, clean messages.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/json.h"
#include "mime/decode.h"
#include "mime/msgscan.h"
#include "tests/lib/testscan.h"
#include "tests/lib/testutil.h"

#define MSGS TEST_DATA "/msgs"

static struct sigdb *db;

static void setup(void)
{
	db = testscan_sigdb_bundled();
}

static void teardown(void)
{
	sigdb_unref(&db);
}

static struct msg_report *scan_buf(const void *data, size_t len, const struct msg_limits *lim)
{
	struct msg_scan_options o = {.limits = lim, .scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
	struct msg_report *r = NULL;
	GError *error = NULL;

	ck_assert_msg(msg_scan(db, data, len, &o, &r, &error) == 0, "%s",
	              error != NULL ? error->message : "");
	return r;
}

static char *read_msg(const char *name, size_t *len)
{
	char *path = g_build_filename(MSGS, name, NULL);
	char *data = testutil_read(path, len);

	g_free(path);
	return data;
}

typedef const char *(*namer)(unsigned int);

static void bits_str(GString *s, unsigned int bits, namer name)
{
	bool first = true;

	for (unsigned int i = 0; i < 32; i++) {
		if (bits & (1u << i)) {
			g_string_append_printf(s, "%s%s", first ? "" : ",", name(1u << i));
			first = false;
		}
	}
	if (first)
		g_string_append_c(s, '-');
}

/* The stable text dump of a walk compared with the .ref files. */
static char *dump(const struct msg_report *r)
{
	GString *s = g_string_new(NULL);
	char hex[DIGEST_MAX_HEX];

	g_string_append_printf(s, "message size=%" G_GUINT64_FORMAT " flags=", r->size);
	bits_str(s, r->flags, msg_flag_name);
	g_string_append(s, " anomalies=");
	bits_str(s, r->anomalies, msg_anomaly_name);
	g_string_append_printf(s, "\nsubject: %s\n", r->subject != NULL ? r->subject : "-");
	for (guint i = 0; i < r->notes->len; i++)
		g_string_append_printf(s, "note: %s\n", (char *)g_ptr_array_index(r->notes, i));
	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		g_string_append_printf(
		        s,
		        "part %s | name=%s | alt=%s | %s | disp=%s | enc=%s | %" G_GUINT64_FORMAT
		        " -> %" G_GUINT64_FORMAT " | depth=%u parent=%d | real=%s | flags=",
		        p->path, p->name ? p->name : "-", p->alt_name ? p->alt_name : "-",
		        p->content_type, p->disposition ? p->disposition : "-",
		        p->encoding ? p->encoding : "-", p->encoded_size, p->decoded_size, p->depth,
		        p->parent, p->scanned ? ftype_name(p->scan.type.type) : "-");
		bits_str(s, p->flags, msg_part_flag_name);
		g_string_append_printf(
		        s, " | sha256=%s | found=%s",
		        p->scanned && (p->scan.digests.mask & DIGEST_BIT(DIGEST_SHA256))
		                ? digest_hex(p->scan.digests.sha256, 32, hex)
		                : "-",
		        p->scanned && scan_result_infected(&p->scan) ? scan_result_name(&p->scan)
		                                                     : "-");
		if (p->note != NULL)
			g_string_append_printf(s, " | note=%s", p->note);
		g_string_append_c(s, '\n');
	}
	return g_string_free(s, FALSE);
}

static GPtrArray *fixtures(void)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(MSGS, 0, NULL);
	const char *n;

	ck_assert_ptr_nonnull(d);
	while ((n = g_dir_read_name(d)) != NULL) {
		if (g_str_has_suffix(n, ".eml"))
			g_ptr_array_add(names, g_strdup(n));
	}
	g_dir_close(d);
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	ck_assert_uint_ge(names->len, 20);
	return names;
}

START_TEST(test_golden)
{
	GPtrArray *names = fixtures();
	bool update = getenv("UPDATE_REFS") != NULL;
	unsigned int bad = 0;

	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		size_t len;
		char *data = read_msg(name, &len);
		struct msg_report *r = scan_buf(data, len, NULL);
		char *got = dump(r);
		char *refname = g_strdup_printf("%s/%.*s.ref", MSGS, (int)strlen(name) - 4, name);
		char *want = NULL;

		if (update) {
			ck_assert(g_file_set_contents(refname, got, -1, NULL));
		} else if (!g_file_get_contents(refname, &want, NULL, NULL) ||
		           strcmp(want, got) != 0) {
			fprintf(stderr, "golden mismatch for %s; got:\n%s\nwanted:\n%s\n", name,
			        got, want != NULL ? want : "(no .ref: run with UPDATE_REFS=1)");
			bad++;
		}
		g_free(want);
		g_free(refname);
		g_free(got);
		msg_report_free(&r);
		g_free(data);
	}
	ck_assert_msg(bad == 0, "%u golden walks differ", bad);
	g_ptr_array_free(names, TRUE);
}
END_TEST

static enum mime_enc enc_of(const char *encoding)
{
	if (encoding == NULL)
		return MIME_ENC_RAW;
	if (strcmp(encoding, "base64") == 0)
		return MIME_ENC_BASE64;
	if (strcmp(encoding, "quoted-printable") == 0)
		return MIME_ENC_QP;
	if (strcmp(encoding, "x-uuencode") == 0 || strcmp(encoding, "uuencode") == 0)
		return MIME_ENC_UU;
	return MIME_ENC_RAW;
}

/* [body_begin, raw_end) decodes to the part's bytes; [raw_begin, body_begin) is its header. */
static void check_offsets(const char *name, const unsigned char *raw, size_t len,
                          const struct msg_part *p)
{
	unsigned char *buf = g_malloc(p->raw_end - p->body_begin + 8);
	struct digest_set d;
	unsigned int flags;
	size_t n;

	ck_assert_msg(p->raw_begin <= p->body_begin && p->body_begin <= p->raw_end &&
	                      p->raw_end <= len,
	              "%s %s: offsets", name, p->path);
	ck_assert_msg(p->raw_begin == 0 || raw[p->raw_begin - 1] == '\n',
	              "%s %s: header block starts mid-line", name, p->path);
	if (p->raw_begin < p->body_begin) {
		size_t hl = p->body_begin - p->raw_begin;
		char *h = g_strndup((const char *)raw + p->raw_begin, hl);
		bool ok = g_str_has_suffix(h, "\n\n") || g_str_has_suffix(h, "\r\n\r\n") ||
		          (hl <= 2 && h[hl - 1] == '\n');

		g_free(h);
		ck_assert_msg(ok, "%s %s: the header block does not end with an empty line", name,
		              p->path);
	}
	ck_assert_uint_eq(p->raw_end - p->body_begin, p->encoded_size);
	n = mime_decode(enc_of(p->encoding), raw + p->body_begin, p->raw_end - p->body_begin, buf,
	                p->raw_end - p->body_begin + 3, &flags);
	if (p->scanned && !(p->flags & MSG_PART_TRUNCATED)) {
		ck_assert_msg(n == p->decoded_size,
		              "%s %s: %zu bytes decoded, %" G_GUINT64_FORMAT " scanned", name,
		              p->path, n, p->decoded_size);
		digest_compute(buf, n, DIGEST_BIT(DIGEST_SHA256), &d);
		ck_assert_msg(memcmp(d.sha256, p->scan.digests.sha256, 32) == 0,
		              "%s %s: body bytes", name, p->path);
	}
	g_free(buf);
}

START_TEST(test_raw_offsets)
{
	GPtrArray *names = fixtures();
	unsigned int checked = 0;

	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		size_t len;
		char *data = read_msg(name, &len);
		struct msg_report *r = scan_buf(data, len, NULL);

		for (guint k = 0; k < r->parts->len; k++) {
			const struct msg_part *p = g_ptr_array_index(r->parts, k);

			if (p->flags & (MSG_PART_SWEEP | MSG_PART_UUENCODED | MSG_PART_TNEF)) {
				ck_assert_uint_eq(p->raw_end, 0);
				continue;
			}
			if (p->raw_end == 0)
				continue;
			check_offsets(name, (unsigned char *)data, len, p);
			checked++;
		}
		msg_report_free(&r);
		g_free(data);
	}
	ck_assert_uint_ge(checked, 35);
	g_ptr_array_free(names, TRUE);
}
END_TEST

/* Replace one part's [raw_begin, raw_end) by a notice: the rest must be byte-identical. */
static void strip_one(const char *name, const char *path)
{
	static const char notice[] = "Content-Type: text/plain\r\n\r\n[removed]";
	size_t len;
	char *data = read_msg(name, &len);
	struct msg_report *r = scan_buf(data, len, NULL), *r2;
	const struct msg_part *p = testscan_part(r, path);
	GString *s = g_string_new_len(data, (gssize)p->raw_begin);
	guint others = 0;

	ck_assert(msg_report_infected(r) > 0);
	g_string_append(s, notice);
	g_string_append_len(s, data + p->raw_end, (gssize)(len - p->raw_end));
	r2 = scan_buf(s->str, s->len, NULL);
	ck_assert_uint_eq(msg_report_infected(r2), 0);
	ck_assert_uint_eq(r2->anomalies & MSG_ANOM_SWEEP_EXTRA, 0);
	ck_assert_str_eq(testscan_part(r2, path)->content_type, "text/plain");
	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *a = g_ptr_array_index(r->parts, i);

		if (strcmp(a->path, path) == 0 || g_str_has_prefix(a->path, path))
			continue;
		ck_assert_mem_eq(a->scan.digests.sha256,
		                 testscan_part(r2, a->path)->scan.digests.sha256, 32);
		others++;
	}
	ck_assert_uint_ge(others, 1);
	msg_report_free(&r);
	msg_report_free(&r2);
	g_string_free(s, TRUE);
	g_free(data);
}

START_TEST(test_strip_round_trip)
{
	strip_one("nested.eml", "2/2");
	strip_one("tnef.eml", "2");
	strip_one("signed.eml", "1.2");
	strip_one("lf_only.eml", "2");
}
END_TEST

START_TEST(test_names)
{
	size_t len;
	char *data = read_msg("names.eml", &len);
	struct msg_report *r = scan_buf(data, len, NULL);

	ck_assert_str_eq(r->subject, "\xc3\xa9t\xc3\xa9 names");
	ck_assert_str_eq(testscan_part(r, "1")->name, "r\xc3\xa9sum\xc3\xa9.txt");
	ck_assert_str_eq(testscan_part(r, "2")->name, "caf\xc3\xa9.txt");
	ck_assert_str_eq(testscan_part(r, "3")->name, "\xe2\x82\xac rate.txt");
	ck_assert_str_eq(testscan_part(r, "4")->name, "invoice.pdf");
	ck_assert_str_eq(testscan_part(r, "4")->alt_name, "shown.txt");
	ck_assert(testscan_part(r, "4")->flags & MSG_PART_EXT_MISMATCH);
	ck_assert_str_eq(testscan_part(r, "5")->name, "facture \xc3\xa9t\xc3\xa9.pdf");
	ck_assert(testscan_part(r, "5")->flags & MSG_PART_EXT_MISMATCH);
	ck_assert_str_eq(scan_result_name(&testscan_part(r, "5")->scan), "Clamav.Test.File-6");
	msg_report_free(&r);
	g_free(data);
}
END_TEST

static unsigned int infected_in(const char *file, bool mbox)
{
	char *path = testutil_clamav_file(file);
	size_t len;
	char *data = testutil_read(path, &len);
	unsigned int n = 0;

	if (mbox) {
		struct msg_mbox_iter it;
		const unsigned char *m;
		size_t mlen;

		msg_mbox_init(&it, (unsigned char *)data, len);
		while (msg_mbox_next(&it, &m, &mlen) == 1) {
			struct msg_report *r = scan_buf(m, mlen, NULL);

			n += msg_report_infected(r);
			msg_report_free(&r);
		}
		ck_assert_uint_eq(it.index, 1);
	} else {
		struct msg_report *r = scan_buf(data, len, NULL);

		n = msg_report_infected(r);
		ck_assert_uint_eq(r->anomalies & MSG_ANOM_SWEEP_EXTRA, 0);
		msg_report_free(&r);
	}
	g_free(data);
	g_free(path);
	return n;
}

START_TEST(test_clamav_testfiles)
{
	char *path = testutil_clamav_file("clam.tnef");
	size_t len;
	char *data = testutil_read(path, &len);
	struct msg_report *r = NULL;

	ck_assert_uint_eq(infected_in("clam.mail", false), 1);
	ck_assert_uint_eq(infected_in("clam.exe.mbox.base64", true), 1);
	ck_assert_uint_eq(infected_in("clam.exe.mbox.uu", true), 1);
	/* clam.tnef as a file: its attachment is clam.exe */
	ck_assert_int_eq(
	        msg_scan_attachment(db, "clam.tnef", (unsigned char *)data, len, NULL, &r, NULL),
	        0);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	ck_assert_str_eq(testscan_part(r, "1/tnef1")->name, "clam.exe");
	ck_assert(testscan_part(r, "1/tnef1")->flags & MSG_PART_TNEF);
	ck_assert(testscan_part(r, "1")->flags & MSG_PART_CONTAINER);
	msg_report_free(&r);
	g_free(data);
	g_free(path);
}
END_TEST

/* EICAR, written in two halves so that this file is not itself a test file. */
static char *eicar(void)
{
	return g_strconcat("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-",
	                   "ANTIVIRUS-TEST-FILE!$H+H*", NULL);
}

START_TEST(test_eicar_everywhere)
{
	char *e = eicar();
	char *b64 = g_base64_encode((guchar *)e, strlen(e));
	char *msgs[3];

	msgs[0] = g_strdup_printf("From: a@example.org\r\nSubject: eicar\r\nContent-Type: "
	                          "multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: "
	                          "text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/"
	                          "octet-stream; name=eicar.com\r\nContent-Transfer-Encoding: "
	                          "base64\r\n\r\n%s\r\n--b--\r\n",
	                          b64);
	/* as the whole body of a single-part message, 7bit */
	msgs[1] = g_strdup_printf("From: a@example.org\nSubject: plain\n\n%s", e);
	/* quoted-printable */
	msgs[2] = g_strdup_printf("From: a@example.org\nContent-Type: application/octet-stream\n"
	                          "Content-Transfer-Encoding: quoted-printable\n\n%s",
	                          e);
	for (int i = 0; i < 3; i++) {
		struct msg_report *r = scan_buf(msgs[i], strlen(msgs[i]), NULL);

		ck_assert_msg(msg_report_infected(r) == 1, "message %d", i);
		g_free(msgs[i]);
		msg_report_free(&r);
	}
	g_free(b64);
	g_free(e);
}
END_TEST

START_TEST(test_clean_stays_clean)
{
	static const char *const clean[] = {"clean.eml", "alternative.eml", "encrypted.eml",
	                                    "smime_encrypted.eml"};

	for (size_t i = 0; i < G_N_ELEMENTS(clean); i++) {
		size_t len;
		char *data = read_msg(clean[i], &len);
		struct msg_report *r = scan_buf(data, len, NULL);

		ck_assert_uint_eq(msg_report_infected(r), 0);
		ck_assert_uint_eq(r->anomalies, 0);
		ck_assert_uint_eq(r->flags, 0);
		msg_report_free(&r);
		g_free(data);
	}
}
END_TEST

/* The encrypted and partial parts are reported unscannable, with a reason. */
START_TEST(test_unscannable)
{
	static const char *const files[] = {"encrypted.eml", "smime_encrypted.eml", "partial.eml"};
	static const char *const reasons[] = {"encrypted", "encrypted", "partial"};

	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		size_t len;
		char *data = read_msg(files[i], &len);
		struct msg_report *r = scan_buf(data, len, NULL);
		const char *reason = NULL;

		ck_assert(msg_report_unscannable(r, &reason));
		ck_assert_str_eq(reason, reasons[i]);
		msg_report_free(&r);
		g_free(data);
	}
}
END_TEST

/* The milter scans messages in many threads with one database: same reports as alone. */
struct thread_job {
	GPtrArray *names, *want;
	bool ok;
};

/* want_attached (the index's MD5 and SHA-1): every part but the text bodies gets them */
START_TEST(test_want_attached)
{
	static const char m[] = "From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
	                        "Content-Type: multipart/mixed; boundary=BB\r\n\r\n"
	                        "--BB\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
	                        "--BB\r\nContent-Type: application/octet-stream; name=a.bin\r\n"
	                        "Content-Transfer-Encoding: base64\r\n\r\nYWJj\r\n--BB--\r\n";
	const unsigned int more = DIGEST_BIT(DIGEST_MD5) | DIGEST_BIT(DIGEST_SHA1);
	struct msg_scan_options o = {.scan = {.want = DIGEST_BIT(DIGEST_SHA256)},
	                             .want_attached = more};
	struct msg_report *r = NULL;
	GError *error = NULL;
	char hex[DIGEST_MAX_HEX];

	ck_assert_int_eq(msg_scan(db, (const unsigned char *)m, sizeof(m) - 1, &o, &r, &error), 0);
	ck_assert_uint_eq(testscan_part(r, "1")->scan.digests.mask & more, 0);
	ck_assert_uint_eq(testscan_part(r, "2")->scan.digests.mask, DIGEST_ALL);
	ck_assert_str_eq(digest_hex(testscan_part(r, "2")->scan.digests.md5, 16, hex),
	                 "900150983cd24fb0d6963f7d28e17f72");
	msg_report_free(&r);
}
END_TEST

/*
 * A big base64 part is hashed while it is decoded: its digests are those of its bytes, whole
 * (SHA-256 alone, and with the index's MD5 and SHA-1), cut at max_part_bytes, and with the
 * verdict cache; and what a scan does not compute is not reported either.
 */
START_TEST(test_hashed_while_decoded)
{
	size_t n = 3 * 1024 * 1024 + 17;
	unsigned char *raw = g_malloc(n);
	char *b64, hex[DIGEST_MAX_HEX];
	GString *m = g_string_new("From: a@example.org\r\nMIME-Version: 1.0\r\n"
	                          "Content-Type: multipart/mixed; boundary=BB\r\n\r\n"
	                          "--BB\r\nContent-Type: application/octet-stream; name=a.bin\r\n"
	                          "Content-Transfer-Encoding: base64\r\n\r\n");
	const unsigned int more = DIGEST_BIT(DIGEST_MD5) | DIGEST_BIT(DIGEST_SHA1);
	struct msg_limits cut = {.max_part_bytes = 2 * 1024 * 1024 + 5};
	struct cache *cache = cache_new(16);

	for (size_t i = 0; i < n; i++)
		raw[i] = (unsigned char)(i * 2654435761u >> 13);
	b64 = testscan_base64_lines(raw, n, "\r\n");
	g_string_append(m, b64);
	g_string_append(m, "--BB--\r\n");
	for (int round = 0; round < 5; round++) {
		struct msg_scan_options o = {.scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
		size_t len = n;
		const struct msg_part *p;
		struct msg_report *r = NULL;
		GError *error = NULL;
		GChecksumType types[] = {G_CHECKSUM_MD5, G_CHECKSUM_SHA1, G_CHECKSUM_SHA256};
		unsigned int mask = DIGEST_BIT(DIGEST_SHA256);

		if (round >= 1) {
			o.want_attached = more;
			mask = DIGEST_ALL;
		}
		if (round == 2) {
			o.limits = &cut;
			len = (size_t)cut.max_part_bytes;
		}
		if (round == 3 || round == 4)
			o.scan.cache = cache; /* a miss, then a hit (used when MD5 is wanted) */
		ck_assert_int_eq(msg_scan(db, (unsigned char *)m->str, m->len, &o, &r, &error), 0);
		p = testscan_part(r, "1");
		ck_assert_uint_eq(p->decoded_size, len);
		ck_assert_uint_eq(p->scan.digests.mask, mask);
		for (int t = 0; t < DIGEST__COUNT; t++) {
			char *want;

			if (!(mask & DIGEST_BIT(t)))
				continue;
			want = g_compute_checksum_for_data(types[t], raw, len);
			ck_assert_msg(
			        strcmp(digest_hex(digest_get(&p->scan.digests, (enum digest_type)t),
			                          digest_len((enum digest_type)t), hex),
			               want) == 0,
			        "round %d: %s", round, digest_name((enum digest_type)t));
			g_free(want);
		}
		ck_assert(p->scan.cached == (round == 4));
		msg_report_free(&r);
	}
	cache_free(&cache);
	g_string_free(m, TRUE);
	g_free(b64);
	g_free(raw);
}
END_TEST

static gpointer thread_scan(gpointer data)
{
	struct thread_job *job = data;

	job->ok = true;
	for (int round = 0; round < 5; round++) {
		for (guint i = 0; i < job->names->len; i++) {
			size_t len;
			char *msg = read_msg(g_ptr_array_index(job->names, i), &len);
			struct msg_report *r = scan_buf(msg, len, NULL);
			char *got = testscan_report_json(r);

			job->ok &= strcmp(got, g_ptr_array_index(job->want, i)) == 0;
			g_free(got);
			msg_report_free(&r);
			g_free(msg);
		}
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct thread_job job = {fixtures(), g_ptr_array_new_with_free_func(g_free), false};
	struct thread_job jobs[4];
	GThread *t[4];

	for (guint i = 0; i < job.names->len; i++) {
		size_t len;
		char *msg = read_msg(g_ptr_array_index(job.names, i), &len);
		struct msg_report *r = scan_buf(msg, len, NULL);

		g_ptr_array_add(job.want, testscan_report_json(r));
		msg_report_free(&r);
		g_free(msg);
	}
	for (int i = 0; i < 4; i++) {
		jobs[i] = job;
		t[i] = g_thread_new("scan", thread_scan, &jobs[i]);
	}
	for (int i = 0; i < 4; i++) {
		g_thread_join(t[i]);
		ck_assert(jobs[i].ok);
	}
	g_ptr_array_free(job.want, TRUE);
	g_ptr_array_free(job.names, TRUE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_raw_offsets);
	tcase_add_test(tc, test_strip_round_trip);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_clamav_testfiles);
	tcase_add_test(tc, test_eicar_everywhere);
	tcase_add_test(tc, test_clean_stays_clean);
	tcase_add_test(tc, test_unscannable);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_want_attached);
	tcase_add_test(tc, test_hashed_while_decoded);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
