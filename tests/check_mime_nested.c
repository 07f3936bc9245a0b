/*
 * libcheck suite: mime_nested — what counts as a message inside a part. An attached .eml (and
 * the same inside a zip) whose header block a mail reader parses is walked, whatever its first
 * field name's length (RFC 5322 allows names up to the 998-byte line) and even when its first
 * 8 KB hold only X- fields; text that merely has colons in it (prose, short "key: value"
 * files, YAML, CSV, logs) stays text. EICAR is built at run time; zips with libarchive.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mime/msgscan.h"
#include "tests/lib/testscan.h"
#include "tests/lib/testutil.h"

static struct sigdb *db;

static void setup(void)
{
	db = testscan_sigdb_bundled();
}

static void teardown(void)
{
	sigdb_unref(&db);
}

/* EICAR, written in two halves so that this file is not itself a test file. */
static char *eicar(void)
{
	return g_strconcat("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-",
	                   "ANTIVIRUS-TEST-FILE!$H+H*", NULL);
}

/* base64 in lines of 76 columns */
/* A message: the given leading header fields, then a multipart body with EICAR attached. */
static char *nested_message(const char *lead)
{
	char *e = eicar(), *b64 = testscan_base64_lines(e, strlen(e), "\r\n");
	char *msg = g_strdup_printf("%sFrom: a@example.org\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
	                            "Content-Type: multipart/mixed; boundary=\"in\"\r\n\r\n"
	                            "--in\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
	                            "--in\r\nContent-Type: application/octet-stream; "
	                            "name=\"eicar.com\"\r\nContent-Transfer-Encoding: base64\r\n"
	                            "\r\n%s--in--\r\n",
	                            lead, b64);

	g_free(b64);
	g_free(e);
	return msg;
}

/* The outer message: a text body and the attachment (base64, application/octet-stream). */
static char *outer_message(const char *name, const void *data, size_t len)
{
	char *b64 = testscan_base64_lines(data, len, "\r\n");
	char *msg = g_strdup_printf("From: b@example.org\r\nSubject: outer\r\nMIME-Version: 1.0\r\n"
	                            "Content-Type: multipart/mixed; boundary=\"out\"\r\n\r\n"
	                            "--out\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
	                            "--out\r\nContent-Type: application/octet-stream; "
	                            "name=\"%s\"\r\nContent-Disposition: attachment; "
	                            "filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n"
	                            "\r\n%s--out--\r\n",
	                            name, name, b64);

	g_free(b64);
	return msg;
}

/* The leading fields of each nested message that must still be read as one. */
static char *lead_fields(int which)
{
	GString *s = g_string_new(NULL);

	if (which == 0) {
		/* a first field name of 100 characters */
		g_string_append(s, "X-");
		for (int i = 0; i < 98; i++)
			g_string_append_c(s, (char)('a' + i % 26));
		g_string_append(s, ": long name\r\n");
	} else {
		/* 1000 X- fields: more than the 8 KB the type heuristics look at */
		for (int i = 0; i < 1000; i++)
			g_string_append_printf(
			        s, "X-Relay-Trace-%04d: hop %d via mx.example.net\r\n", i, i);
	}
	return g_string_free(s, FALSE);
}

/* Attached as an .eml: the nested message is walked, its EICAR attachment found. */
START_TEST(test_eml_attached)
{
	char *lead = lead_fields(_i), *inner = nested_message(lead);
	char *msg = outer_message("fwd.eml", inner, strlen(inner));
	struct msg_report *r = testscan_message(db, msg);
	const struct msg_part *p = testscan_part(r, "2");

	ck_assert_msg(p->scan.type.type == FTYPE_EML, "typed %s", ftype_name(p->scan.type.type));
	ck_assert(p->flags & MSG_PART_CONTAINER);
	ck_assert(testscan_part(r, "2/2")->scan.n_findings > 0);
	ck_assert_uint_ge(msg_report_infected(r), 1);
	msg_report_free(&r);
	g_free(msg);
	g_free(inner);
	g_free(lead);
}
END_TEST

/* The same .eml inside a zip. */
START_TEST(test_eml_in_zip)
{
	char *lead = lead_fields(_i), *inner = nested_message(lead);
	GBytes *z = testscan_zip("fwd.eml", inner, strlen(inner));
	char *msg = outer_message("fwd.zip", g_bytes_get_data(z, NULL), g_bytes_get_size(z));
	struct msg_report *r = testscan_message(db, msg);
	const struct msg_part *p = testscan_part(r, "2/zip:fwd.eml");

	ck_assert_msg(p->scan.type.type == FTYPE_EML, "typed %s", ftype_name(p->scan.type.type));
	ck_assert(testscan_part(r, "2/zip:fwd.eml/2")->scan.n_findings > 0);
	ck_assert_uint_ge(msg_report_infected(r), 1);
	msg_report_free(&r);
	g_free(msg);
	g_bytes_unref(z);
	g_free(inner);
	g_free(lead);
}
END_TEST

/* Messages a reader parses, given as files: typed eml. */
static const char *const mails[] = {
        /* a long first name, then well-known fields */
        "X-Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaa: 1\nFrom: a@b\n\nbody\n",
        /* a known name after many unknown ones */
        "X-A: 1\nX-B: 2\nX-C: 3\nX-D: 4\nTo: c@d\n\nbody\n",
        /* no well-known name, but a header block of a dozen mail-like fields and a body */
        "X-Spam-Flag: NO\nX-Spam-Score: 0.1\nX-Spam-Level: \nX-Virus-Scanned: yes\n"
        "X-Original-To: a@b\nX-Mailer: x\nX-Priority: 3\nX-Trace: 1\nThread-Index: 2\n"
        "List-Id: <l.example.org>\n\nbody\n",
};

/* Text with colons in it: not a message. */
static const char *const texts[] = {
        "Subject line of the report: all fine\nThe rest is prose.\n",
        "host: mail.example.org\nport: 25\nuser: bob\n",
        "Note: one\nTodo: two\n\nbody\n",
        "time,level,message\n12:00:01,info,started\n12:00:02,warn,disk: 91%\n",
        "Dec  2 01:34:44 mx postfix/smtpd[123]: connect from a[192.0.2.1]\n"
        "Dec  2 01:34:45 mx postfix/smtpd[123]: disconnect from a[192.0.2.1]\n",
        /* YAML: nested keys indented (they look like folded lines), names without hyphens */
        "server:\n  name: mx\n  port: 25\nlimits:\n  max_size: 10\n  max_depth: 5\n"
        "logging:\n  level: info\n  file: /var/log/x\nusers:\n  - bob\n  - alice\n"
        "timeout: 30\nretries: 3\n\nextra: 1\n",
        /* hyphenated keys ending at the end of the file: a config, not a message */
        "max-size: 10\nmax-depth: 5\nlog-level: info\nlog-file: x\nbind-addr: ::1\n"
        "bind-port: 25\nread-timeout: 30\nwrite-timeout: 30\nretry-count: 3\n",
};

START_TEST(test_typing)
{
	for (size_t i = 0; i < G_N_ELEMENTS(mails) + G_N_ELEMENTS(texts); i++) {
		bool mail = i < G_N_ELEMENTS(mails);
		const char *s = mail ? mails[i] : texts[i - G_N_ELEMENTS(mails)];
		struct msg_report *r = NULL;
		enum ftype t;

		ck_assert_int_eq(msg_scan_attachment(db, "a.txt", (const unsigned char *)s,
		                                     strlen(s), NULL, &r, NULL),
		                 0);
		t = testscan_part(r, "1")->scan.type.type;
		ck_assert_msg(mail ? t == FTYPE_EML : t == FTYPE_TEXT, "%s case %zu typed %s",
		              mail ? "mail" : "text", i, ftype_name(t));
		msg_report_free(&r);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mime_nested");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_eml_attached, 0, 2);
	tcase_add_loop_test(tc, test_eml_in_zip, 0, 2);
	tcase_add_test(tc, test_typing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
