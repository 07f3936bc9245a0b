/*
 * libcheck suite: actions and strip — the plan carried out through a recording fake of the
 * smfi_* operations, the quarantine store on disk, and the rewritten body byte for byte.
 */

#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/quarantine.h"
#include "milter/actions.h"
#include "milter/strip.h"
#include "tests/lib/recorder.h"
#include "tests/lib/testutil.h"

static struct conf *conf;
static char *tmp;

static void setup(void)
{
	conf = conf_defaults();
	tmp = testutil_tmpdir();
	g_free(conf->quarantine_dir);
	conf->quarantine_dir = g_strdup(tmp);
	recorder_init();
}

static void teardown(void)
{
	conf_free(&conf);
	testutil_rmdir(tmp);
	g_free(tmp);
	recorder_clear();
}

/*
 * A two-attachment message, with the offsets a MIME walk reports: part 1 the text body,
 * part 2 "a.pdf", part 3 "evil.exe".
 */
static const char msg_text[] = "From: a@example.org\r\n"
                               "Content-Type: multipart/mixed; boundary=\"BB\"\r\n"
                               "\r\n"
                               "preamble\r\n"
                               "--BB\r\n"
                               "Content-Type: text/plain\r\n"
                               "\r\n"
                               "hello\r\n"
                               "--BB\r\n"
                               "Content-Type: application/pdf; name=a.pdf\r\n"
                               "\r\n"
                               "PDFDATA\r\n"
                               "--BB\r\n"
                               "Content-Type: application/octet-stream; name=evil.exe\r\n"
                               "Content-Transfer-Encoding: base64\r\n"
                               "\r\n"
                               "TVqQAAMAAAAEAAAA\r\n"
                               "--BB--\r\n"
                               "epilogue\r\n";

static struct msg_report *report;
static size_t body_offset;

static struct msg_part *mkpart(const char *path, const char *name, const char *hdr_start,
                               const char *body_start, const char *end_before, unsigned int flags)
{
	struct msg_part *p = g_new0(struct msg_part, 1);
	const char *h = strstr(msg_text, hdr_start), *b = strstr(h, body_start);
	const char *e = strstr(b, end_before);

	p->path = g_strdup(path);
	p->name = g_strdup(name);
	p->parent = -1;
	p->scanned = true;
	p->flags = flags;
	p->raw_begin = (uint64_t)(h - msg_text);
	p->body_begin = (uint64_t)(b - msg_text);
	p->raw_end = (uint64_t)(e - msg_text);
	p->decoded_size = (uint64_t)(e - b);
	g_ptr_array_add(report->parts, p);
	return p;
}

static void build_report(void)
{
	struct msg_part *exe;

	report = g_new0(struct msg_report, 1);
	report->parts = g_ptr_array_new();
	report->notes = g_ptr_array_new();
	body_offset = (size_t)(strstr(msg_text, "\r\n\r\n") - msg_text) + 4;
	mkpart("1", NULL, "Content-Type: text/plain", "hello", "\r\n--BB", MSG_PART_BODY);
	mkpart("2", "a.pdf", "Content-Type: application/pdf", "PDFDATA", "\r\n--BB", 0);
	exe = mkpart("3", "evil.exe", "Content-Type: application/octet-stream", "TVqQ",
	             "\r\n--BB--", 0);
	exe->scan.type.type = FTYPE_PE;
	exe->scan.n_findings = 1;
	exe->scan.findings[0].name = "Win.Test.Evil-1-0";
}

static void free_report(void)
{
	for (guint i = 0; i < report->parts->len; i++) {
		struct msg_part *p = report->parts->pdata[i];
		g_free(p->path);
		g_free(p->name);
		g_free(p);
	}
	g_ptr_array_free(report->parts, TRUE);
	g_ptr_array_free(report->notes, TRUE);
	g_clear_pointer(&report, g_free);
}

static const char *const rcpts[] = {"<b@example.org>", "<c@example.org>", NULL};

static struct actions_message msg_of(void)
{
	struct actions_message m = {
	        .raw = (const unsigned char *)msg_text,
	        .len = sizeof(msg_text) - 1,
	        .body_offset = body_offset,
	        .queue_id = "4XyZ1",
	        .sender = "<a@example.org>",
	        .recipients = rcpts,
	        .client = "192.0.2.1",
	        .inbound_scanned = 1,
	        .inbound_status = 2,
	        .hostname = "mx.example.org",
	};
	return m;
}

/* One actions_apply run per test: its plan, store ids and error, set up with the report by
 * run_setup (the fixture of every test) and freed by run_teardown. */
static struct policy_plan run_plan;
static GPtrArray *run_ids;
static GError *run_error;

static void run_setup(void)
{
	setup();
	build_report();
	memset(&run_plan, 0, sizeof(run_plan));
	run_ids = g_ptr_array_new_with_free_func(g_free);
	run_error = NULL;
}

static void run_teardown(void)
{
	policy_plan_clear(&run_plan);
	g_ptr_array_free(run_ids, TRUE);
	g_clear_error(&run_error);
	free_report();
	teardown();
}

/* The action for both infected and blocked parts. */
static void both_actions(enum conf_action a)
{
	conf->on_infected = a;
	conf->on_blocked = a;
}

/* Decide on the report, then apply the plan to the recorder. */
static enum actions_result run(void)
{
	struct actions_message m = msg_of();

	policy_decide(conf, &(struct policy_input){.report = report}, &run_plan);
	return actions_apply(&recorder_ops, NULL, conf, report, &run_plan, &m, run_ids, &run_error);
}

START_TEST(test_reject)
{
	ck_assert_int_eq(run(), ACTIONS_REJECT);
	ck_assert_ptr_null(run_error);
	ck_assert_uint_eq(recorder.calls->len, 1);
	ck_assert_str_eq(recorder.calls->pdata[0],
	                 "reply 550 5.7.1 Message rejected: Win.Test.Evil-1-0 (evil.exe)");
}
END_TEST

START_TEST(test_tag_removes_forged_headers)
{
	char *scanned;

	both_actions(CONF_ACTION_TAG);
	ck_assert_int_eq(run(), ACTIONS_ACCEPT);
	/* the two inbound X-Virus-Status and one X-Virus-Scanned go first, last index first */
	ck_assert_str_eq(recorder.calls->pdata[0], "chg X-Virus-Status 2 -");
	ck_assert_str_eq(recorder.calls->pdata[1], "chg X-Virus-Status 1 -");
	ck_assert_str_eq(recorder.calls->pdata[2], "chg X-Virus-Scanned 1 -");
	scanned = g_strdup_printf("add X-Virus-Scanned: partscan %s at mx.example.org",
	                          PARTSCAN_VERSION);
	ck_assert(recorder_called(scanned));
	ck_assert(recorder_called("add X-Virus-Status: Infected (Win.Test.Evil-1-0)"));
	ck_assert_uint_eq(recorder.calls->len, 5);
	g_free(scanned);
}
END_TEST

START_TEST(test_accept_untouched)
{
	both_actions(CONF_ACTION_ACCEPT);
	ck_assert_int_eq(run(), ACTIONS_ACCEPT);
	/* forged status headers still go; nothing is added */
	ck_assert_uint_eq(recorder.calls->len, 3);
	ck_assert(!recorder_called("add X-Virus-Status: Infected (Win.Test.Evil-1-0)"));
}
END_TEST

/* [headers] add = no stops only our own headers: the inbound copies still go, or a forged
   "Clean" would reach the recipient on a message that was found infected and tagged */
START_TEST(test_no_add_still_removes_forged)
{
	conf->headers = false;
	both_actions(CONF_ACTION_TAG);
	ck_assert_int_eq(run(), ACTIONS_ACCEPT);
	ck_assert_uint_eq(recorder.calls->len, 3);
	ck_assert_str_eq(recorder.calls->pdata[0], "chg X-Virus-Status 2 -");
	ck_assert_str_eq(recorder.calls->pdata[1], "chg X-Virus-Status 1 -");
	ck_assert_str_eq(recorder.calls->pdata[2], "chg X-Virus-Scanned 1 -");
}
END_TEST

/* a release marker the milter did not honour (forged, used before) is not delivered */
START_TEST(test_release_marker_removed)
{
	struct actions_message m = msg_of();

	m.inbound_release = 2;
	both_actions(CONF_ACTION_TAG);
	policy_decide(conf, &(struct policy_input){.report = report}, &run_plan);
	ck_assert_int_eq(actions_apply(&recorder_ops, NULL, conf, report, &run_plan, &m, run_ids,
	                               &run_error),
	                 ACTIONS_ACCEPT);
	ck_assert(recorder_called("chg X-Partscan-Release 2 -"));
	ck_assert(recorder_called("chg X-Partscan-Release 1 -"));
}
END_TEST

START_TEST(test_quarantine_store)
{
	GPtrArray *list;
	char *meta, *path;
	GBytes *data;
	struct stat st;

	both_actions(CONF_ACTION_QUARANTINE);
	ck_assert_int_eq(run(), ACTIONS_ACCEPT);
	ck_assert_uint_eq(run_ids->len, 1);
	ck_assert(recorder_called("add X-Virus-Status: Infected (Win.Test.Evil-1-0)"));
	{
		char *hold = g_strdup_printf("hold %s", run_plan.summary);
		ck_assert(recorder_called(hold));
		g_free(hold);
	}
	list = quarantine_list(tmp, NULL);
	ck_assert_uint_eq(list->len, 1);
	ck_assert_str_eq(list->pdata[0], run_ids->pdata[0]);
	data = quarantine_read_data(tmp, run_ids->pdata[0], NULL);
	ck_assert_uint_eq(g_bytes_get_size(data), sizeof(msg_text) - 1);
	ck_assert_mem_eq(g_bytes_get_data(data, NULL), msg_text, sizeof(msg_text) - 1);
	meta = quarantine_read_meta(tmp, run_ids->pdata[0], NULL);
	ck_assert_ptr_nonnull(strstr(meta, "\"kind\":\"message\""));
	ck_assert_ptr_nonnull(strstr(meta, "\"queue_id\":\"4XyZ1\""));
	ck_assert_ptr_nonnull(
	        strstr(meta, "\"recipients\":[\"<b@example.org>\",\"<c@example.org>\"]"));
	ck_assert_ptr_nonnull(strstr(meta, "\"signature\":\"Win.Test.Evil-1-0\""));
	/* private to the daemon's user */
	path = g_strdup_printf("%s/%s.data", tmp, (char *)run_ids->pdata[0]);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	g_free(path);
	g_free(meta);
	g_bytes_unref(data);
	g_ptr_array_free(list, TRUE);
}
END_TEST

START_TEST(test_quarantine_unwritable_tempfails)
{
	both_actions(CONF_ACTION_QUARANTINE);
	g_free(conf->quarantine_dir);
	conf->quarantine_dir = g_strdup("/nonexistent/quarantine");
	ck_assert_int_eq(run(), ACTIONS_TEMPFAIL);
	ck_assert_ptr_nonnull(run_error);
	ck_assert_ptr_nonnull(strstr(run_error->message, "quarantine"));
	ck_assert(g_error_matches(run_error, ACTIONS_ERROR, ACTIONS_ERROR_QUARANTINE));
	ck_assert(g_str_has_prefix(recorder.calls->pdata[recorder.calls->len - 1],
	                           "reply 451 4.7.1"));
	ck_assert(!recorder_called("hold"));
	ck_assert_uint_eq(run_ids->len, 0);
	g_clear_error(&run_error);
}
END_TEST

START_TEST(test_strip_keeps_every_other_byte)
{
	const struct msg_part *exe;
	const char *notice_start;
	GBytes *stored;
	size_t prefix, suffix;

	both_actions(CONF_ACTION_STRIP);
	ck_assert_int_eq(run(), ACTIONS_ACCEPT);
	ck_assert_ptr_null(run_error);
	ck_assert_uint_eq(run_ids->len, 1);
	exe = report->parts->pdata[2];
	/* everything before the removed entity and after it is identical */
	prefix = exe->raw_begin - body_offset;
	suffix = sizeof(msg_text) - 1 - exe->raw_end;
	ck_assert_mem_eq(recorder.body->data, msg_text + body_offset, prefix);
	ck_assert_mem_eq(recorder.body->data + recorder.body->len - suffix, msg_text + exe->raw_end,
	                 suffix);
	/* and in its place a notice naming the file, the reason and the quarantine id */
	g_byte_array_append(recorder.body, (const guint8 *)"", 1);
	notice_start = (const char *)recorder.body->data + prefix;
	ck_assert(g_str_has_prefix(notice_start, "Content-Type: text/plain; charset=us-ascii\r\n"));
	ck_assert_ptr_nonnull(strstr(notice_start, "\"evil.exe\""));
	ck_assert_ptr_nonnull(strstr(notice_start, "Win.Test.Evil-1-0"));
	ck_assert_ptr_nonnull(strstr(notice_start, (char *)run_ids->pdata[0]));
	ck_assert_ptr_nonnull(strstr(notice_start, "\r\n--BB--\r\nepilogue\r\n"));
	/* the removed entity is what the store holds */
	stored = quarantine_read_data(tmp, run_ids->pdata[0], NULL);
	ck_assert_uint_eq(g_bytes_get_size(stored), exe->raw_end - exe->raw_begin);
	ck_assert_mem_eq(g_bytes_get_data(stored, NULL), msg_text + exe->raw_begin,
	                 exe->raw_end - exe->raw_begin);
	ck_assert(recorder_called("add X-Virus-Status: Infected (Win.Test.Evil-1-0)"));
	g_bytes_unref(stored);
}
END_TEST

START_TEST(test_strip_whole_message)
{
	/* a message that is one attachment: the body becomes the notice, the type text/plain */
	static const char one[] = "From: a@example.org\r\n"
	                          "Content-Type: application/x-msdownload; name=\"x.exe\"\r\n"
	                          "Content-Transfer-Encoding: base64\r\n"
	                          "\r\n"
	                          "TVqQAAMAAAAEAAAA\r\n";
	struct msg_report r = {0};
	struct msg_part p = {.path = "1", .name = "x.exe", .parent = -1, .scanned = true};
	struct strip_notice n = {.part = 0, .reason = "extension .exe", .quarantine_id = NULL};
	size_t off = (size_t)(strstr(one, "\r\n\r\n") - one) + 4;
	GByteArray *body;
	bool whole;

	r.parts = g_ptr_array_new();
	g_ptr_array_add(r.parts, &p);
	p.raw_begin = 0;
	p.body_begin = off;
	p.raw_end = sizeof(one) - 1;
	body = strip_body((const unsigned char *)one, sizeof(one) - 1, off, &r, &n, 1, &whole);
	ck_assert(whole);
	g_byte_array_append(body, (const guint8 *)"", 1);
	ck_assert(g_str_has_prefix((char *)body->data, "The attachment \"x.exe\""));
	ck_assert_ptr_nonnull(strstr((char *)body->data, "extension .exe"));
	g_byte_array_free(body, TRUE);
	g_ptr_array_free(r.parts, TRUE);
}
END_TEST

START_TEST(test_strip_body_refused_tempfails)
{
	both_actions(CONF_ACTION_STRIP);
	recorder.fail_body = true;
	ck_assert_int_eq(run(), ACTIONS_TEMPFAIL);
	ck_assert_ptr_nonnull(run_error);
	g_clear_error(&run_error);
}
END_TEST

/*
 * The raw sweep found an attachment in the preamble: no MIME entity holds it, so strip
 * cannot remove it. The message is held (quarantine, the next safer action) instead of
 * going out with the other attachment removed and the found one left in.
 */
START_TEST(test_strip_fallback_quarantine)
{
	struct msg_part *sweep = g_new0(struct msg_part, 1);

	sweep->path = g_strdup("sweep1");
	sweep->name = g_strdup("pre.exe");
	sweep->parent = -1;
	sweep->scanned = true;
	sweep->flags = MSG_PART_SWEEP;
	sweep->scan.type.type = FTYPE_PE;
	sweep->scan.n_findings = 1;
	sweep->scan.findings[0].name = "Win.Test.Pre-1-0";
	g_ptr_array_add(report->parts, sweep);
	both_actions(CONF_ACTION_STRIP);
	ck_assert_int_eq(run(), ACTIONS_ACCEPT);
	ck_assert_ptr_null(run_error);
	ck_assert_int_eq(run_plan.action, CONF_ACTION_QUARANTINE);
	ck_assert_ptr_nonnull(run_plan.fallback);
	ck_assert_ptr_nonnull(strstr(run_plan.summary, "strip"));
	ck_assert(recorder_called_prefix("hold "));
	ck_assert(!recorder_called_prefix("body "));
	ck_assert_uint_eq(run_ids->len, 1); /* the whole message in the store */
}
END_TEST

/* gmtime()'s buffer is shared by all threads: the quarantine metadata must not use it. */
START_TEST(test_item_json_leaves_gmtime_alone)
{
	struct policy_plan plan;
	struct actions_message m = msg_of();
	time_t zero = 0;
	struct tm *tm = gmtime(&zero);
	char *json;

	policy_decide(conf, &(struct policy_input){.report = report}, &plan);
	json = actions_item_json("id1", conf, report, &plan, &m, -1);
	ck_assert_int_eq(tm->tm_year, 70); /* another thread's result is still its own */
	ck_assert_ptr_nonnull(strstr(json, "\"time\""));
	g_free(json);
	policy_plan_clear(&plan);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("actions");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, run_setup, run_teardown);
	tcase_add_test(tc, test_reject);
	tcase_add_test(tc, test_tag_removes_forged_headers);
	tcase_add_test(tc, test_accept_untouched);
	tcase_add_test(tc, test_no_add_still_removes_forged);
	tcase_add_test(tc, test_release_marker_removed);
	tcase_add_test(tc, test_quarantine_store);
	tcase_add_test(tc, test_quarantine_unwritable_tempfails);
	tcase_add_test(tc, test_strip_keeps_every_other_byte);
	tcase_add_test(tc, test_strip_whole_message);
	tcase_add_test(tc, test_strip_body_refused_tempfails);
	tcase_add_test(tc, test_strip_fallback_quarantine);
	tcase_add_test(tc, test_item_json_leaves_gmtime_alone);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
