/*
 * libcheck suite: session — whole messages through the milter's session logic (the code the
 * libmilter callbacks call), with a real scan against the bundled test signatures and a
 * recording fake of the smfi_* operations: verdicts, replies, headers, strip (of an archive
 * whose member is blocked too), limits, skip rules, body chunking, the JSON log; and the
 * connection's state machine (conn.c) under every order of libmilter's events.
 */

#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <check.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "milter/conn.h"
#include "milter/live.h"
#include "milter/mlog.h"
#include "milter/bufpool.h"
#include "milter/released.h"
#include "milter/session.h"
#include "conf/quarantine.h"
#include "tests/lib/recorder.h"
#include "tests/lib/testutil.h"

static char *tmp, *logpath;

static void rec_progress(void *ctx)
{
}

static const char *rec_msg_size; /* the {msg_size} macro's value, or NULL */

/* ctx "MAIL": as Postfix at MAIL FROM, before its queue file exists (no queue id yet) */
static const char *rec_macro(void *ctx, const char *name)
{
	if (strcmp(name, "{msg_size}") == 0)
		return rec_msg_size;
	if (ctx != NULL && strcmp(ctx, "MAIL") == 0)
		return NULL;
	return strcmp(name, "i") == 0 ? "4QID" : NULL;
}

/* the recording actions are filled in by setup() */
static struct session_ops ops = {.progress = rec_progress, .macro = rec_macro};

/* Publish a snapshot made of conf text (paths filled in) and the bundled signatures. */
static void publish(const char *extra, bool with_db)
{
	char *text = g_strdup_printf("[quarantine]\ndirectory = %s\n[log]\njson = %s\nsyslog = no\n"
	                             "%s",
	                             tmp, logpath, extra);
	char *sigs = g_build_filename(TEST_DATA, "..", "..", "contrib", "test-signatures", NULL);
	const char *paths[] = {sigs, NULL};
	struct conf *c;
	struct sigdb *db = NULL;
	GError *error = NULL;

	ck_assert_int_eq(conf_parse("test", text, strlen(text), &c, &error), 0);
	if (with_db)
		ck_assert_int_eq(sigdb_load(paths, NULL, &db, &error), 0);
	live_publish(live_new(c, db, 0));
	g_free(text);
	g_free(sigs);
}

static void setup(void)
{
	tmp = testutil_tmpdir();
	logpath = g_build_filename(tmp, "messages.json", NULL);
	recorder_init();
	released_clear();
	ops.actions = recorder_ops;
	mlog_init("check_session", "mail", false);
	ck_assert_int_eq(mlog_open(logpath, NULL), 0);
	publish("", true);
}

static void teardown(void)
{
	live_shutdown();
	released_clear();
	mlog_close();
	testutil_rmdir(tmp);
	g_free(tmp);
	g_free(logpath);
	recorder_clear();
}

static char *eicar(void)
{
	/* written in two halves so that this source is not itself a test file */
	return g_strconcat("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-",
	                   "ANTIVIRUS-TEST-FILE!$H+H*", NULL);
}

/* A message body with a text part and an attachment (its content base64'd). */
static char *body_with(const char *name, const char *content)
{
	char *b64 = g_base64_encode((const guchar *)content, strlen(content));
	char *body = g_strdup_printf("--XYZ\r\n"
	                             "Content-Type: text/plain; charset=us-ascii\r\n"
	                             "\r\n"
	                             "Please find the file attached.\r\n"
	                             "--XYZ\r\n"
	                             "Content-Type: application/octet-stream; name=\"%s\"\r\n"
	                             "Content-Disposition: attachment; filename=\"%s\"\r\n"
	                             "Content-Transfer-Encoding: base64\r\n"
	                             "\r\n"
	                             "%s\r\n"
	                             "--XYZ--\r\n",
	                             name, name, b64);
	g_free(b64);
	return body;
}

/* A zip (libarchive's writer) of a text and "invoice.exe", attached as base64 to a body. */
static char *body_with_zip(char **b64_r)
{
	static const char *const names[] = {"readme.txt", "docs/invoice.exe"};
	static const char *const texts[] = {"read me\n", "not really a program\n"};
	unsigned char buf[4096];
	size_t used = 0;
	struct archive *a = archive_write_new();
	char *body;

	archive_write_set_format_zip(a);
	ck_assert_int_eq(archive_write_open_memory(a, buf, sizeof(buf), &used), ARCHIVE_OK);
	for (int i = 0; i < 2; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_size(e, (la_int64_t)strlen(texts[i]));
		archive_entry_set_filetype(e, AE_IFREG);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		archive_write_data(a, texts[i], strlen(texts[i]));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	*b64_r = g_base64_encode(buf, used);
	body = g_strdup_printf("--XYZ\r\nContent-Type: text/plain\r\n\r\nThe files.\r\n--XYZ\r\n"
	                       "Content-Type: application/zip; name=\"invoice.zip\"\r\n"
	                       "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--XYZ--\r\n",
	                       *b64_r);
	return body;
}

/* One message through a session: body fed in chunks of `chunk` bytes (0: at once). */
static enum session_status run_message(const char *sender, const char *const *rcpts,
                                       const char *body, size_t chunk, bool forged)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct session *s;
	enum session_status st;
	size_t len = strlen(body);

	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	s = session_new(&ops, "client.example.org", (struct sockaddr *)&sin, true);
	ck_assert_int_eq(session_connect(s), SESSION_CONTINUE);
	session_helo(s, "client.example.org");
	st = session_envfrom(s, NULL, sender);
	for (size_t i = 0; st == SESSION_CONTINUE && rcpts[i] != NULL; i++)
		st = session_envrcpt(s, rcpts[i]);
	if (st == SESSION_CONTINUE) {
		session_header(s, "From", " <a@example.org>");
		session_header(s, "Subject", " test\n\tfolded");
		session_header(s, "MIME-Version", " 1.0");
		session_header(s, "Content-Type", " multipart/mixed; boundary=\"XYZ\"");
		if (forged)
			session_header(s, "X-Virus-Status", " Clean");
		st = session_eoh(s, NULL);
	}
	for (size_t off = 0; st == SESSION_CONTINUE && off < len;) {
		size_t n = chunk == 0 ? len : MIN(chunk, len - off);
		st = session_body(s, (const unsigned char *)body + off, n);
		off += n;
	}
	if (st == SESSION_CONTINUE)
		st = session_eom(s, NULL);
	session_free(&s);
	return st;
}

static const char *const one_rcpt[] = {"<b@example.net>", NULL};

START_TEST(test_clean_tagged)
{
	char *body = body_with("minutes.txt", "nothing to see\n");
	char *log;

	ck_assert_int_eq(run_message("<a@example.org>", one_rcpt, body, 0, true), SESSION_CONTINUE);
	ck_assert(recorder_called_prefix("chg X-Virus-Status 1 -"));
	ck_assert(recorder_called_prefix("add X-Virus-Scanned: partscan "));
	ck_assert(recorder_called_prefix("add X-Virus-Status: Clean"));
	log = testutil_read(logpath, NULL);
	ck_assert_ptr_nonnull(strstr(log, "\"queue_id\":\"4QID\""));
	ck_assert_ptr_nonnull(strstr(log, "\"verdict\":\"clean\""));
	ck_assert_ptr_nonnull(strstr(log, "\"addr\":\"192.0.2.7\""));
	ck_assert_ptr_nonnull(strstr(log, "\"name\":\"minutes.txt\""));
	ck_assert_ptr_nonnull(strstr(log, "\"sha256\":\""));
	ck_assert_ptr_null(strstr(log, "nothing to see")); /* never the content */
	g_free(log);
	g_free(body);
}
END_TEST

START_TEST(test_infected_rejected_any_chunking)
{
	static const size_t chunks[] = {0, 1, 7, 64, 65535};
	char *e = eicar(), *body = body_with("eicar.txt", e);

	for (size_t i = 0; i < G_N_ELEMENTS(chunks); i++) {
		g_ptr_array_set_size(recorder.calls, 0);
		ck_assert_int_eq(run_message("<a@example.org>", one_rcpt, body, chunks[i], false),
		                 SESSION_REJECT);
		ck_assert_uint_eq(recorder.calls->len, 1);
		ck_assert_str_eq(recorder.calls->pdata[0], "reply 550 5.7.1 Message rejected: "
		                                           "Eicar-Test-Signature (eicar.txt)");
	}
	g_free(body);
	g_free(e);
}
END_TEST

START_TEST(test_strip)
{
	char *e = eicar(), *body = body_with("eicar.txt", e),
	     *b64 = g_base64_encode((guchar *)e, 68);
	char *nb;

	publish("[policy]\ninfected = strip\n", true);
	ck_assert_int_eq(run_message("<a@example.org>", one_rcpt, body, 0, false),
	                 SESSION_CONTINUE);
	ck_assert(recorder_called_prefix("add X-Virus-Status: Infected (Eicar-Test-Signature)"));
	g_byte_array_append(recorder.body, (const guint8 *)"", 1);
	nb = (char *)recorder.body->data;
	ck_assert(g_str_has_prefix(nb, "--XYZ\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
	                               "Please find the file attached.\r\n--XYZ\r\n"));
	ck_assert(g_str_has_suffix(nb, "\r\n--XYZ--\r\n"));
	ck_assert_ptr_null(strstr(nb, b64));
	ck_assert_ptr_nonnull(strstr(nb, "\"eicar.txt\""));
	ck_assert_ptr_nonnull(strstr(nb, "kept in quarantine as"));
	g_free(body);
	g_free(b64);
	g_free(e);
}
END_TEST

/* A member blocked by its extension: the whole attachment that holds it is stripped. */
START_TEST(test_strip_archive_member)
{
	char *b64, *body = body_with_zip(&b64), *nb, *log;

	publish("[policy]\nblocked = strip\n", true);
	ck_assert_int_eq(run_message("<a@example.org>", one_rcpt, body, 0, false),
	                 SESSION_CONTINUE);
	ck_assert(recorder_called_prefix("add X-Virus-Status: Blocked (extension .exe)"));
	g_byte_array_append(recorder.body, (const guint8 *)"", 1);
	nb = (char *)recorder.body->data;
	ck_assert(g_str_has_prefix(nb, "--XYZ\r\nContent-Type: text/plain\r\n\r\nThe files.\r\n"
	                               "--XYZ\r\n"));
	ck_assert(g_str_has_suffix(nb, "\r\n--XYZ--\r\n"));
	ck_assert_ptr_null(strstr(nb, b64));
	ck_assert_ptr_nonnull(strstr(nb, "\"invoice.zip\" (zip,"));
	ck_assert_ptr_nonnull(strstr(nb, "extension .exe"));
	log = testutil_read(logpath, NULL);
	ck_assert_ptr_nonnull(strstr(log, "\"path\":\"2/zip:docs/invoice.exe\""));
	g_free(log);
	g_free(body);
	g_free(b64);
}
END_TEST

START_TEST(test_oversize_unscannable)
{
	GString *big = g_string_new("--XYZ\r\nContent-Type: text/plain\r\n\r\n");

	publish("[limits]\nmax_message_size = 2K\n", true);
	for (int i = 0; i < 100; i++)
		g_string_append(big,
		                "a line of text that makes the message larger than allowed\r\n");
	g_string_append(big, "--XYZ--\r\n");
	ck_assert_int_eq(run_message("<a@example.org>", one_rcpt, big->str, 100, false),
	                 SESSION_CONTINUE);
	ck_assert(recorder_called_prefix(
	        "add X-Virus-Status: Unscannable (message larger than 2048 bytes)"));
	g_string_free(big, TRUE);
}
END_TEST

/* Without {msg_size} (Postfix), MAIL's SIZE= sizes the body buffer the same way; {msg_size}
   wins when both are there; a bad SIZE= changes nothing. */
START_TEST(test_presize_from_esmtp_size)
{
	static const struct {
		const char *msg_size;
		const char *args[3];
		size_t min, max;
	} cases[] = {
	        {NULL, {"BODY=8BITMIME", "SIZE=2000000", NULL}, 2000000, 2200000},
	        {NULL, {"size=3000000", NULL}, 3000000, 3300000},
	        {"1000000", {"SIZE=3000000", NULL}, 1000000, 1100000},
	        {NULL, {"SIZE=abc", NULL}, 0, 0},
	        {NULL, {"SIZE=", NULL}, 0, 0},
	        {NULL, {"SIZES=3000000", NULL}, 0, 0},
	        {NULL, {"SIZE=5000000000", NULL}, 4 * 1024 * 1024, 4 * 1024 * 1024 + 16 * 1024 + 2},
	        {NULL, {NULL}, 0, 0},
	};
	struct session *s;

	publish("[limits]\nmax_message_size = 4M\nmax_header_size = 16K\n", true);
	bufpool_trim();
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		size_t cap;

		s = session_new(&ops, "localhost", NULL, false);
		rec_msg_size = cases[i].msg_size;
		ck_assert_int_eq(session_connect(s), SESSION_CONTINUE);
		ck_assert_int_eq(session_envfrom(s, NULL, "<a@example.org>"), SESSION_CONTINUE);
		session_esmtp_args(s, cases[i].args);
		cap = session_buffer_capacity(s);
		ck_assert_msg(cap >= cases[i].min && cap <= cases[i].max, "case %zu: %zu", i, cap);
		session_free(&s);
	}
	rec_msg_size = NULL;
	/* the large buffers went back to the pool, for the next messages */
	ck_assert_uint_gt(bufpool_count(NULL), 0);
	bufpool_trim();
	/* no message (MAIL refused) or none at all: nothing happens */
	session_esmtp_args(NULL, cases[0].args);
	s = session_new(&ops, "localhost", NULL, false);
	session_esmtp_args(s, cases[0].args);
	ck_assert_uint_eq(session_buffer_capacity(s), 0);
	session_free(&s);
}
END_TEST

/* The body buffer is sized once from {msg_size}, within the limits; a bad or small
   announcement changes nothing, and no announcement changes the verdict. */
START_TEST(test_presize_from_msg_size)
{
	static const struct {
		const char *announced;
		size_t min, max;
	} cases[] = {
	        {"2000000", 2000000, 2200000},
	        {"99999999999999999999", 0, 0}, /* overflows: ignored */
	        {"5000000000", 4 * 1024 * 1024, 4 * 1024 * 1024 + 16 * 1024 + 2},
	        {"-5", 0, 0},
	        {"12abc", 0, 0},
	        {"", 0, 0},
	        {"1000", 0, 0},
	        {NULL, 0, 0},
	};
	char *body = body_with("minutes.txt", "nothing to see\n");

	publish("[limits]\nmax_message_size = 4M\nmax_header_size = 16K\n", true);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct session *s = session_new(&ops, "localhost", NULL, false);
		size_t cap;

		rec_msg_size = cases[i].announced;
		ck_assert_int_eq(session_connect(s), SESSION_CONTINUE);
		ck_assert_int_eq(session_envfrom(s, NULL, "<a@example.org>"), SESSION_CONTINUE);
		cap = session_buffer_capacity(s);
		ck_assert_msg(cap >= cases[i].min && cap <= cases[i].max, "%s: %zu",
		              cases[i].announced, cap);
		session_free(&s);
	}
	rec_msg_size = "3000000";
	ck_assert_int_eq(run_message("<a@example.org>", one_rcpt, body, 7, false),
	                 SESSION_CONTINUE);
	ck_assert(recorder_called_prefix("add X-Virus-Status: Clean"));
	rec_msg_size = NULL;
	g_free(body);
}
END_TEST

START_TEST(test_skip_rules)
{
	static const char *const two[] = {"<list@lists.example.org>", "<b@example.net>", NULL};
	static const char *const lists[] = {"<x@lists.example.org>", "<y@LISTS.example.org>", NULL};
	char *e = eicar(), *body = body_with("eicar.txt", e), *log;

	publish("[skip]\nsenders = *@trusted.example.org\nrecipients = *@lists.example.org\n",
	        true);
	/* a skipped sender: accepted at MAIL FROM, nothing scanned, logged as skipped */
	ck_assert_int_eq(run_message("<Boss@Trusted.Example.org>", one_rcpt, body, 0, false),
	                 SESSION_ACCEPT);
	ck_assert_uint_eq(recorder.calls->len, 0);
	/* every recipient skipped */
	ck_assert_int_eq(run_message("<a@example.org>", lists, body, 0, false), SESSION_ACCEPT);
	/* one recipient that is not: scanned */
	ck_assert_int_eq(run_message("<a@example.org>", two, body, 0, false), SESSION_REJECT);
	log = testutil_read(logpath, NULL);
	ck_assert_ptr_nonnull(strstr(log, "\"result\":\"skip: sender\""));
	ck_assert_ptr_nonnull(strstr(log, "\"result\":\"skip: recipients\""));
	g_free(log);
	g_free(body);
	g_free(e);
}
END_TEST

START_TEST(test_skip_network)
{
	char *e = eicar(), *body = body_with("eicar.txt", e);

	publish("[skip]\nnetworks = 192.0.2.0/24\n", true);
	ck_assert_int_eq(run_message("<a@example.org>", one_rcpt, body, 0, false), SESSION_ACCEPT);
	publish("[skip]\nnetworks = 198.51.100.0/24 local\n", true);
	ck_assert_int_eq(run_message("<a@example.org>", one_rcpt, body, 0, false), SESSION_REJECT);
	g_free(body);
	g_free(e);
}
END_TEST

/* A skipped message (here its client network) with an EICAR and a forged "Clean" status:
   delivered unscanned but without the forged headers, and its log record names the queue id
   (known only after MAIL FROM) and the recipients. */
START_TEST(test_skip_forged_headers_and_record)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	char *e = eicar(), *body = body_with("eicar.txt", e), *log;
	struct session *s;
	enum session_status st;

	publish("[skip]\nnetworks = 192.0.2.0/24\n", true);
	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	s = session_new(&ops, "client.example.org", (struct sockaddr *)&sin, true);
	ck_assert_int_eq(session_connect(s), SESSION_CONTINUE);
	ck_assert_int_eq(session_envfrom(s, "MAIL", "<a@example.org>"), SESSION_CONTINUE);
	ck_assert_int_eq(session_envrcpt(s, "<b@example.net>"), SESSION_CONTINUE);
	ck_assert_int_eq(session_envrcpt(s, "<c@example.net>"), SESSION_CONTINUE);
	session_header(s, "Content-Type", " multipart/mixed; boundary=\"XYZ\"");
	session_header(s, "X-Virus-Scanned", " partscan at elsewhere");
	session_header(s, "X-Virus-Status", " Clean");
	session_header(s, "X-Virus-Status", " Clean");
	st = session_eoh(s, NULL);
	if (st == SESSION_CONTINUE)
		st = session_body(s, (const unsigned char *)body, strlen(body));
	if (st == SESSION_CONTINUE)
		st = session_eom(s, NULL);
	session_free(&s);
	ck_assert_int_eq(st, SESSION_ACCEPT);
	ck_assert(recorder_called("chg X-Virus-Status 2 -"));
	ck_assert(recorder_called("chg X-Virus-Status 1 -"));
	ck_assert(recorder_called("chg X-Virus-Scanned 1 -"));
	ck_assert(!recorder_called_prefix("add "));
	ck_assert(!recorder_called_prefix("reply "));
	log = testutil_read(logpath, NULL);
	ck_assert_ptr_nonnull(strstr(log, "\"result\":\"skip: client network\""));
	ck_assert_ptr_nonnull(strstr(log, "\"queue_id\":\"4QID\""));
	ck_assert_ptr_nonnull(strstr(log, "b@example.net"));
	ck_assert_ptr_nonnull(strstr(log, "c@example.net"));
	g_free(log);
	g_free(body);
	g_free(e);
}
END_TEST

/* [headers] add = no: nothing of ours is added, but a forged status that came with the
   message is removed all the same, scanned (clean) or skipped */
START_TEST(test_no_add_removes_forged)
{
	char *body = body_with("minutes.txt", "nothing to see\n");

	publish("[headers]\nadd = no\n", true);
	ck_assert_int_eq(run_message("<a@example.org>", one_rcpt, body, 0, true), SESSION_CONTINUE);
	ck_assert(recorder_called("chg X-Virus-Status 1 -"));
	ck_assert(!recorder_called_prefix("add "));
	recorder_clear();
	recorder_init();
	publish("[headers]\nadd = no\n[skip]\nnetworks = 192.0.2.0/24\n", true);
	ck_assert_int_eq(run_message("<a@example.org>", one_rcpt, body, 0, true), SESSION_ACCEPT);
	ck_assert(recorder_called("chg X-Virus-Status 1 -"));
	ck_assert(!recorder_called_prefix("add "));
	g_free(body);
}
END_TEST

/* A message with a release marker (none: NULL) and body fed in chunks of chunk bytes (0: at
   once), through a session of the client 192.0.2.7. */
static enum session_status run_marked(const char *marker, const char *body, size_t chunk)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct session *s;
	enum session_status st;
	size_t len = strlen(body);

	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	s = session_new(&ops, "client.example.org", (struct sockaddr *)&sin, true);
	ck_assert_int_eq(session_connect(s), SESSION_CONTINUE);
	st = session_envfrom(s, NULL, "<a@example.org>");
	if (st == SESSION_CONTINUE)
		st = session_envrcpt(s, "<b@example.net>");
	if (st == SESSION_CONTINUE) {
		/* as the MTA hands back a re-injected copy: headers of its own, the marker first */
		if (marker != NULL)
			session_header(s, QUARANTINE_RELEASE_HEADER, marker);
		session_header(s, "Received", " from localhost by mx.example.net");
		session_header(s, "From", " <a@example.org>");
		session_header(s, "Content-Type", " multipart/mixed; boundary=\"XYZ\"");
		st = session_eoh(s, NULL);
	}
	for (size_t off = 0; st == SESSION_CONTINUE && off < len;) {
		size_t n = chunk == 0 ? len : MIN(chunk, len - off);

		st = session_body(s, (const unsigned char *)body + off, n);
		off += n;
	}
	if (st == SESSION_CONTINUE)
		st = session_eom(s, NULL);
	session_free(&s);
	return st;
}

/* A marker for a message of body as the store keeps it (the milter's headers, CR LF). */
static char *marker_for(const char *body)
{
	char *stored = g_strconcat("From: <a@example.org>\r\nSubject: held\r\n\r\n", body, NULL);
	char *id = quarantine_new_id(), *marker;
	GError *error = NULL;

	marker = quarantine_release_marker(tmp, id, (const unsigned char *)stored, strlen(stored),
	                                   &error);
	ck_assert_msg(marker != NULL, "%s", error != NULL ? error->message : "");
	g_free(id);
	g_free(stored);
	return marker;
}

/* The number of log records whose result is result. */
static unsigned int logged(const char *result)
{
	char *log = testutil_read(logpath, NULL),
	     *needle = g_strdup_printf("\"result\":\"%s\"", result);
	unsigned int n = 0;

	for (const char *p = log; (p = strstr(p, needle)) != NULL; p++)
		n++;
	g_free(needle);
	g_free(log);
	return n;
}

/* A genuine release: the copy of the held message passes unscanned and without its marker,
   once; the same marker again (a replay) is scanned as any message and rejected. */
START_TEST(test_release_marker_once)
{
	char *e = eicar(), *body = body_with("eicar.txt", e), *marker = marker_for(body);
	char *value = g_strconcat(" ", marker, NULL);

	ck_assert_int_eq(run_marked(value, body, 0), SESSION_ACCEPT);
	ck_assert(recorder_called("chg X-Partscan-Release 1 -"));
	ck_assert_uint_eq(logged("skip: released from the quarantine"), 1);
	ck_assert_uint_eq(released_count(), 1);
	ck_assert_int_eq(run_marked(value, body, 0), SESSION_REJECT);
	ck_assert_int_eq(run_marked(value, body, 7), SESSION_REJECT);
	ck_assert_uint_eq(logged("skip: released from the quarantine"), 1);
	ck_assert_uint_eq(logged("reject"), 2);
	g_free(value);
	g_free(marker);
	g_free(body);
	g_free(e);
}
END_TEST

/* A marker copied onto another message is not honoured (scanned, rejected), and is not used
   up by that: the message it was made for still passes with it, in any chunking and with LF
   line ends. */
START_TEST(test_release_marker_bound_to_message)
{
	char *e = eicar(), *held = body_with("minutes.txt", "the minutes\n"),
	     *other = body_with("eicar.txt", e), *marker = marker_for(held), *lf;
	GString *g = g_string_new(held);

	ck_assert_int_eq(run_marked(marker, other, 0), SESSION_REJECT);
	ck_assert_uint_eq(logged("skip: released from the quarantine"), 0);
	ck_assert_uint_eq(released_count(), 0);
	/* the marker plus the held body with one byte more: scanned (and clean: tagged) */
	g_string_insert_c(g, 8, 'x');
	ck_assert_int_eq(run_marked(marker, g->str, 0), SESSION_CONTINUE);
	ck_assert(recorder_called("chg X-Partscan-Release 1 -"));
	ck_assert(recorder_called_prefix("add X-Virus-Status: Clean"));
	ck_assert_uint_eq(logged("skip: released from the quarantine"), 0);
	/* the held body itself, with bare LF line ends and in 1-byte chunks */
	g_string_assign(g, held);
	g_string_replace(g, "\r\n", "\n", 0);
	lf = g_string_free(g, FALSE);
	ck_assert_int_eq(run_marked(marker, lf, 1), SESSION_ACCEPT);
	ck_assert_uint_eq(logged("skip: released from the quarantine"), 1);
	g_free(lf);
	g_free(marker);
	g_free(other);
	g_free(held);
	g_free(e);
}
END_TEST

/* A held copy larger than the buffer (what could be scanned of it was held): its marker still
   lets it through, the digest covers the whole body and not what was buffered of it. */
START_TEST(test_release_marker_past_the_limit)
{
	GString *text = g_string_new(NULL);
	char *body, *marker;

	while (text->len < 4096)
		g_string_append(text, "a line of the minutes\n");
	body = body_with("minutes.txt", text->str);
	marker = marker_for(body);
	publish("[limits]\nmax_message_size = 1024\n[policy]\nunscannable = quarantine\n", true);
	/* without the marker: unscannable, held */
	ck_assert_int_eq(run_marked(NULL, body, 0), SESSION_CONTINUE);
	ck_assert(recorder_called_prefix("hold "));
	ck_assert_int_eq(run_marked(marker, body, 100), SESSION_ACCEPT);
	ck_assert_uint_eq(logged("skip: released from the quarantine"), 1);
	g_free(marker);
	g_free(body);
	g_string_free(text, TRUE);
}
END_TEST

START_TEST(test_no_database_tempfails)
{
	char *body = body_with("minutes.txt", "nothing to see\n"), *log;

	publish("[policy]\nerror = accept\n", false);
	/* even with error = accept: what was not scanned is never passed */
	ck_assert_int_eq(run_message("<a@example.org>", one_rcpt, body, 0, false),
	                 SESSION_TEMPFAIL);
	log = testutil_read(logpath, NULL);
	ck_assert_ptr_nonnull(strstr(log, "\"error\":\"no signatures loaded\""));
	g_free(log);
	g_free(body);
}
END_TEST

START_TEST(test_abort_then_next)
{
	struct session *s = session_new(&ops, "localhost", NULL, false);
	char *body = body_with("minutes.txt", "nothing\n");

	session_envfrom(s, NULL, "<a@example.org>");
	session_envrcpt(s, "<b@example.net>");
	session_header(s, "Subject", "x");
	session_eoh(s, NULL);
	session_body(s, (const unsigned char *)"partial", 7);
	session_abort(s);
	/* the next message on the same connection starts clean */
	session_envfrom(s, NULL, "<a@example.org>");
	session_envrcpt(s, "<b@example.net>");
	session_header(s, "Content-Type", "multipart/mixed; boundary=\"XYZ\"");
	session_eoh(s, NULL);
	session_body(s, (const unsigned char *)body, strlen(body));
	ck_assert_int_eq(session_eom(s, NULL), SESSION_CONTINUE);
	ck_assert(recorder_called_prefix("add X-Virus-Status: Clean"));
	session_free(&s);
	ck_assert_ptr_null(s);
	g_free(body);
}
END_TEST

/* ---- the same message in any body chunking gives the same result ---- */

/* A fixture as the MTA hands it over: header fields (name, value with its leading space and
   any folding) up to the first line that is not one, then the body (after a blank line). */
struct fixture_msg {
	GPtrArray *names, *values; /* char * */
	const char *body;
	size_t body_len;
};

static void fixture_split(const char *data, size_t len, struct fixture_msg *f)
{
	const char *p = data, *end = data + len;

	f->names = g_ptr_array_new_with_free_func(g_free);
	f->values = g_ptr_array_new_with_free_func(g_free);
	while (p < end) {
		const char *colon = p, *eol;

		while (colon<end && * colon> ' ' && *colon < 127 && *colon != ':')
			colon++;
		if (colon == p || colon >= end || *colon != ':')
			break; /* not a header field: the body starts (after a blank line) */
		/* the value runs to the line end that is not followed by folding white space */
		eol = colon;
		for (;;) {
			eol = memchr(eol, '\n', (size_t)(end - eol));
			if (eol == NULL || eol + 1 >= end || (eol[1] != ' ' && eol[1] != '\t'))
				break;
			eol++;
		}
		if (eol == NULL)
			eol = end;
		g_ptr_array_add(f->names, g_strndup(p, (gsize)(colon - p)));
		g_ptr_array_add(
		        f->values,
		        g_strndup(colon + 1,
		                  (gsize)(eol - colon - 1 - (eol > colon + 1 && eol[-1] == '\r'))));
		p = eol < end ? eol + 1 : end;
	}
	if (p < end && *p == '\n')
		p++;
	else if (p + 1 < end && p[0] == '\r' && p[1] == '\n')
		p += 2;
	f->body = p;
	f->body_len = (size_t)(end - p);
}

/* The whole result of one message fed in body chunks of `chunk` bytes (0: at once): the
   answer, every operation recorded, a replaced body and the log record without its times. */
static char *chunked_result(const struct fixture_msg *f, size_t chunk)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct session *s;
	enum session_status st;
	GString *out = g_string_new(NULL);
	GRegex *times =
	        g_regex_new("\"(time|total_ms|scan_ms)\":(\"[^\"]*\"|[0-9.eE+-]+)", 0, 0, NULL);
	char *log, *log_r;

	g_ptr_array_set_size(recorder.calls, 0);
	g_byte_array_set_size(recorder.body, 0);
	ck_assert_int_eq(truncate(logpath, 0), 0);
	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	s = session_new(&ops, "client.example.org", (struct sockaddr *)&sin, true);
	session_connect(s);
	session_helo(s, "client.example.org");
	st = session_envfrom(s, NULL, "<a@example.org>");
	if (st == SESSION_CONTINUE)
		st = session_envrcpt(s, "<b@example.net>");
	for (guint i = 0; st == SESSION_CONTINUE && i < f->names->len; i++)
		st = session_header(s, f->names->pdata[i], f->values->pdata[i]);
	if (st == SESSION_CONTINUE)
		st = session_eoh(s, NULL);
	for (size_t off = 0; st == SESSION_CONTINUE && off < f->body_len;) {
		size_t n = chunk == 0 ? f->body_len : MIN(chunk, f->body_len - off);

		st = session_body(s, (const unsigned char *)f->body + off, n);
		off += n;
	}
	if (st == SESSION_CONTINUE)
		st = session_eom(s, NULL);
	session_free(&s);
	g_string_append_printf(out, "status %d\n", st);
	for (guint i = 0; i < recorder.calls->len; i++)
		g_string_append_printf(out, "%s\n", (char *)recorder.calls->pdata[i]);
	g_string_append_len(out, (const char *)recorder.body->data, recorder.body->len);
	log = testutil_read(logpath, NULL);
	log_r = g_regex_replace(times, log, -1, 0, "\"\\1\":0", 0, NULL);
	g_string_append_printf(out, "\n%s", log_r);
	g_free(log);
	g_free(log_r);
	g_regex_unref(times);
	{
		/* quarantine ids (an encrypted part is held by default) are random */
		GRegex *qid = g_regex_new("[0-9]{8}T[0-9]{6}Z-[0-9a-f]{16}", 0, 0, NULL);
		char *all = g_string_free(out, FALSE), *masked;

		masked = g_regex_replace_literal(qid, all, -1, 0, "QID", 0, NULL);
		g_free(all);
		g_regex_unref(qid);
		return masked;
	}
}

/* Every message fixture, its body in chunks of 1, 7, 4096 and 65535 bytes and at once: the
   same answer, the same operations and the same log record. */
START_TEST(test_chunk_sizes_same_result)
{
	static const size_t chunks[] = {1, 7, 4096, 65535};
	const char *dir = TEST_DATA "/msgs";
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	unsigned int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		struct fixture_msg f;
		char *path, *data, *want;
		size_t len;

		if (!g_str_has_suffix(name, ".eml"))
			continue;
		path = g_build_filename(dir, name, NULL);
		data = testutil_read(path, &len);
		fixture_split(data, len, &f);
		want = chunked_result(&f, 0);
		ck_assert_msg(strstr(want, "\"verdict\":") != NULL, "%s: not scanned:\n%s", name,
		              want);
		for (size_t i = 0; i < G_N_ELEMENTS(chunks); i++) {
			char *got = chunked_result(&f, chunks[i]);

			size_t at = 0;

			while (got[at] != '\0' && got[at] == want[at])
				at++;
			ck_assert_msg(
			        got[at] == want[at],
			        "%s in %zu-byte chunks differs at byte %zu: \"%.60s\", at once "
			        "\"%.60s\"",
			        name, chunks[i], at, got + (at > 20 ? at - 20 : 0),
			        want + (at > 20 ? at - 20 : 0));
			g_free(got);
		}
		g_free(want);
		g_ptr_array_free(f.names, TRUE);
		g_ptr_array_free(f.values, TRUE);
		g_free(data);
		g_free(path);
		n++;
	}
	g_dir_close(d);
	ck_assert_uint_ge(n, 20);
}
END_TEST

/* ---- any order of events (conn.c over session.c) ---- */

enum ev {
	EV_NEGOTIATE,    /* options: every reply wanted */
	EV_NEGOTIATE_NR, /* options: leading space, no reply for the steps that allow it */
	EV_CONNECT,
	EV_HELO,
	EV_MAIL,
	EV_RCPT,
	EV_HEADER,
	EV_EOH,
	EV_BODY, /* a body with the EICAR attachment (Content-Type from EV_HEADER) */
	EV_EOM,
	EV_ABORT,
	EV_CLOSE, /* the connection ends; the next event comes on a new one */
	EV_COUNT
};

static const char *const ev_names[] = {"negotiate", "negotiate-nr", "connect", "helo",
                                       "mail",      "rcpt",         "header",  "eoh",
                                       "body",      "eom",          "abort",   "close"};

/* What a sequence has done so far, for the invariants checked after each event. */
struct order_state {
	struct conn *conn;
	char *body;
	bool connected;       /* CONNECT since the connection began */
	bool body_since_mail; /* an EICAR body chunk since the last MAIL */
	bool noreply;         /* the last options were EV_NEGOTIATE_NR */
	GString *trail;       /* the events so far, for the failure message */
};

static enum conn_reply order_event(struct order_state *st, enum ev e)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	enum conn_reply r = CONN_CONTINUE;

	g_string_append_printf(st->trail, " %s", ev_names[e]);
	switch (e) {
	case EV_NEGOTIATE:
		conn_negotiate(st->conn, false, 0);
		st->noreply = false;
		break;
	case EV_NEGOTIATE_NR:
		conn_negotiate(st->conn, true,
		               CONN_NR_CONNECT | CONN_NR_HELO | CONN_NR_MAIL | CONN_NR_RCPT |
		                       CONN_NR_HEADER | CONN_NR_EOH | CONN_NR_BODY);
		st->noreply = true;
		break;
	case EV_CONNECT:
		inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
		r = conn_connect(st->conn, "client.example.org", (struct sockaddr *)&sin);
		st->connected = true;
		break;
	case EV_HELO:
		r = conn_helo(st->conn, "client.example.org");
		break;
	case EV_MAIL:
		r = conn_envfrom(st->conn, NULL, "<a@example.org>");
		st->body_since_mail = false;
		/* never a message from a connection we were not told of (no reply: the tempfail
		   comes at its end, see EV_EOM) */
		ck_assert_msg(st->connected || r == (st->noreply ? CONN_NOREPLY : CONN_TEMPFAIL),
		              "MAIL answered %d after%s", r, st->trail->str);
		break;
	case EV_RCPT:
		r = conn_envrcpt(st->conn, "<b@example.net>");
		break;
	case EV_HEADER:
		r = conn_header(st->conn, "Content-Type", " multipart/mixed; boundary=\"XYZ\"");
		break;
	case EV_EOH:
		r = conn_eoh(st->conn, NULL);
		break;
	case EV_BODY:
		r = conn_body(st->conn, (const unsigned char *)st->body, strlen(st->body));
		st->body_since_mail = true;
		break;
	case EV_EOM:
		g_ptr_array_set_size(recorder.calls, 0);
		r = conn_eom(st->conn, NULL);
		/* never passed unscanned: a message passes only when it was scanned and tagged,
		   and one that carried the EICAR body never does */
		ck_assert_msg(r == CONN_REJECT || r == CONN_TEMPFAIL ||
		                      (r == CONN_CONTINUE && !st->body_since_mail &&
		                       recorder_called_prefix("add X-Virus-Status: Clean")),
		              "EOM answered %d after%s", r, st->trail->str);
		break;
	case EV_ABORT:
		conn_abort(st->conn);
		break;
	case EV_CLOSE:
		conn_free(&st->conn);
		st->conn = conn_new(&ops);
		st->connected = false;
		st->noreply = false;
		break;
	default:
		break;
	}
	return r;
}

/* After any sequence, the same connection handles the next messages correctly. */
static void order_recovers(struct order_state *st)
{
	static const enum ev msg[] = {EV_MAIL, EV_RCPT, EV_HEADER, EV_EOH, EV_BODY};
	enum conn_reply r;

	order_event(st, EV_ABORT);
	order_event(st, EV_CONNECT);
	for (size_t i = 0; i < G_N_ELEMENTS(msg); i++)
		order_event(st, msg[i]);
	r = order_event(st, EV_EOM);
	ck_assert_msg(r == CONN_REJECT, "EICAR answered %d after%s", r, st->trail->str);
	/* and a clean one: headers only */
	for (size_t i = 0; i < 4; i++)
		order_event(st, msg[i]);
	r = order_event(st, EV_EOM);
	ck_assert_msg(r == CONN_CONTINUE, "clean answered %d after%s", r, st->trail->str);
}

static void order_run(const enum ev *seq, size_t n, char *body)
{
	struct order_state st = {.conn = conn_new(&ops), .body = body, .trail = g_string_new("")};

	for (size_t i = 0; i < n; i++)
		order_event(&st, seq[i]);
	order_recovers(&st);
	conn_free(&st.conn);
	g_string_free(st.trail, TRUE);
}

/*
 * Under valgrind (make check-valgrind sets PARTSCAN_VALGRIND) the exhaustive order tests run
 * one case in ORDER_VALGRIND_STRIDE: every case is a real scan of two messages, and all of
 * them take minutes there. The full set runs in make check and make check-asan.
 */
#define ORDER_VALGRIND_STRIDE 61

static bool order_sampled(size_t i)
{
	static int valgrind = -1;

	if (valgrind < 0)
		valgrind = getenv("PARTSCAN_VALGRIND") != NULL;
	return !valgrind || i % ORDER_VALGRIND_STRIDE == 0;
}

static char *order_body(void)
{
	char *e = eicar(), *body = body_with("eicar.txt", e);

	g_free(e);
	return body;
}

/* The orders the issue found crashing, and what each must answer. */
START_TEST(test_order_table)
{
	static const struct {
		enum ev seq[8];
		size_t n;
		enum conn_reply last; /* the answer of the last event */
	} cases[] = {
	        {{EV_HELO}, 1, CONN_CONTINUE},
	        {{EV_NEGOTIATE, EV_HELO}, 2, CONN_CONTINUE},
	        {{EV_NEGOTIATE_NR, EV_HELO}, 2, CONN_NOREPLY},
	        {{EV_MAIL}, 1, CONN_TEMPFAIL},
	        {{EV_NEGOTIATE, EV_MAIL}, 2, CONN_TEMPFAIL},
	        /* no reply at MAIL: the tempfail is the answer at end of message */
	        {{EV_NEGOTIATE_NR, EV_HELO, EV_MAIL}, 3, CONN_NOREPLY},
	        {{EV_NEGOTIATE_NR, EV_HELO, EV_MAIL, EV_EOH, EV_EOM}, 5, CONN_TEMPFAIL},
	        {{EV_NEGOTIATE_NR, EV_CONNECT, EV_MAIL, EV_EOH, EV_EOH}, 5, CONN_NOREPLY},
	        {{EV_NEGOTIATE_NR, EV_CONNECT, EV_MAIL, EV_EOH, EV_EOH, EV_EOM}, 6, CONN_TEMPFAIL},
	        {{EV_NEGOTIATE_NR, EV_CONNECT, EV_HELO, EV_MAIL, EV_RCPT, EV_HEADER, EV_EOH,
	          EV_EOM},
	         8,
	         CONN_CONTINUE},
	        {{EV_MAIL, EV_RCPT, EV_HEADER, EV_EOH, EV_BODY, EV_EOM}, 6, CONN_TEMPFAIL},
	        {{EV_RCPT}, 1, CONN_TEMPFAIL},
	        {{EV_HEADER}, 1, CONN_TEMPFAIL},
	        {{EV_EOH}, 1, CONN_TEMPFAIL},
	        {{EV_BODY}, 1, CONN_TEMPFAIL},
	        {{EV_EOM}, 1, CONN_TEMPFAIL},
	        {{EV_CONNECT, EV_EOM}, 2, CONN_TEMPFAIL},
	        {{EV_CONNECT, EV_MAIL, EV_EOM}, 3, CONN_TEMPFAIL},
	        {{EV_CONNECT, EV_MAIL, EV_HEADER, EV_EOM}, 4, CONN_TEMPFAIL},
	        /* a body before the end of headers: the message is not what the MTA has */
	        {{EV_CONNECT, EV_MAIL, EV_BODY, EV_EOH, EV_EOM}, 5, CONN_TEMPFAIL},
	        {{EV_CONNECT, EV_MAIL, EV_EOH, EV_HEADER}, 4, CONN_TEMPFAIL},
	        {{EV_CONNECT, EV_MAIL, EV_EOH, EV_RCPT}, 4, CONN_TEMPFAIL},
	        {{EV_CONNECT, EV_MAIL, EV_EOH, EV_EOH}, 4, CONN_TEMPFAIL},
	        {{EV_CONNECT, EV_MAIL, EV_HEADER, EV_EOH, EV_BODY, EV_EOM, EV_EOM},
	         7,
	         CONN_TEMPFAIL},
	        {{EV_CONNECT, EV_MAIL, EV_HEADER, EV_EOH, EV_BODY, EV_ABORT, EV_EOM},
	         7,
	         CONN_TEMPFAIL},
	        {{EV_CONNECT, EV_MAIL, EV_HEADER, EV_EOH, EV_BODY, EV_CLOSE, EV_EOM},
	         7,
	         CONN_TEMPFAIL},
	        /* no reply: the failure is answered at end of message */
	        {{EV_NEGOTIATE_NR, EV_CONNECT, EV_MAIL, EV_BODY, EV_HEADER, EV_EOH, EV_EOM},
	         7,
	         CONN_TEMPFAIL},
	        {{EV_CONNECT, EV_MAIL, EV_HEADER, EV_EOH, EV_BODY, EV_EOM}, 6, CONN_REJECT},
	        {{EV_CONNECT, EV_HELO, EV_MAIL, EV_RCPT, EV_HEADER, EV_EOH, EV_EOM},
	         7,
	         CONN_CONTINUE},
	        {{EV_CONNECT, EV_CONNECT, EV_MAIL, EV_HEADER, EV_EOH, EV_BODY, EV_EOM},
	         7,
	         CONN_REJECT},
	};
	char *body = order_body();

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct order_state st = {
		        .conn = conn_new(&ops), .body = body, .trail = g_string_new("")};
		enum conn_reply r = CONN_CONTINUE;

		for (size_t k = 0; k < cases[i].n; k++)
			r = order_event(&st, cases[i].seq[k]);
		ck_assert_msg(r == cases[i].last, "case %zu:%s answered %d, not %d", i,
		              st.trail->str, r, cases[i].last);
		order_recovers(&st);
		conn_free(&st.conn);
		g_string_free(st.trail, TRUE);
	}
	g_free(body);
}
END_TEST

/* Every sequence of up to three events, then each connection must still work. */
START_TEST(test_order_every_permutation)
{
	char *body = order_body();
	enum ev seq[3];

	for (size_t n = 1; n <= 3; n++) {
		size_t total = 1;

		for (size_t k = 0; k < n; k++)
			total *= EV_COUNT;
		for (size_t i = 0; i < total; i++) {
			size_t x = i;

			for (size_t k = 0; k < n; k++, x /= EV_COUNT)
				seq[k] = (enum ev)(x % EV_COUNT);
			if (order_sampled(i))
				order_run(seq, n, body);
		}
	}
	g_free(body);
}
END_TEST

/* Every order of the events of one normal transaction (8! orders), each followed by an
   EICAR and a clean message on the same connection. */
START_TEST(test_order_every_reordering)
{
	enum ev seq[] = {EV_CONNECT, EV_HELO, EV_MAIL, EV_RCPT, EV_HEADER, EV_EOH, EV_BODY, EV_EOM};
	size_t n = G_N_ELEMENTS(seq), c[G_N_ELEMENTS(seq)] = {0}, runs = 1;
	char *body = order_body();

	/* Heap's algorithm: each step swaps two events */
	order_run(seq, n, body);
	for (size_t i = 1; i < n;) {
		if (c[i] < i) {
			size_t j = i % 2 == 0 ? 0 : c[i];
			enum ev t = seq[j];

			seq[j] = seq[i];
			seq[i] = t;
			if (order_sampled(runs))
				order_run(seq, n, body);
			runs++;
			c[i]++;
			i = 1;
		} else {
			c[i++] = 0;
		}
	}
	ck_assert_uint_eq(runs, 40320);
	g_free(body);
}
END_TEST

/* Longer sequences, seeded: the message events in random order and repeated. */
START_TEST(test_order_random)
{
	GRand *rand = g_rand_new_with_seed(10);
	char *body = order_body();
	enum ev seq[16];

	for (int i = 0; i < 2000; i++) {
		size_t n = (size_t)g_rand_int_range(rand, 1, (gint32)G_N_ELEMENTS(seq) + 1);

		for (size_t k = 0; k < n; k++)
			seq[k] = (enum ev)g_rand_int_range(rand, 0, EV_COUNT);
		if (order_sampled((size_t)i))
			order_run(seq, n, body);
	}
	g_rand_free(rand);
	g_free(body);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_clean_tagged);
	tcase_add_test(tc, test_infected_rejected_any_chunking);
	tcase_add_test(tc, test_strip);
	tcase_add_test(tc, test_strip_archive_member);
	tcase_add_test(tc, test_oversize_unscannable);
	tcase_add_test(tc, test_presize_from_msg_size);
	tcase_add_test(tc, test_presize_from_esmtp_size);
	tcase_add_test(tc, test_skip_rules);
	tcase_add_test(tc, test_skip_network);
	tcase_add_test(tc, test_skip_forged_headers_and_record);
	tcase_add_test(tc, test_no_add_removes_forged);
	tcase_add_test(tc, test_release_marker_once);
	tcase_add_test(tc, test_release_marker_bound_to_message);
	tcase_add_test(tc, test_release_marker_past_the_limit);
	tcase_add_test(tc, test_no_database_tempfails);
	tcase_add_test(tc, test_abort_then_next);
	tcase_add_test(tc, test_chunk_sizes_same_result);
	suite_add_tcase(s, tc);
	tc = tcase_create("order");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_order_table);
	tcase_add_test(tc, test_order_every_permutation);
	tcase_add_test(tc, test_order_every_reordering);
	tcase_add_test(tc, test_order_random);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
