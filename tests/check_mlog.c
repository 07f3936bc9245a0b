/*
 * libcheck suite: mlog — the JSON message log: one record per line whatever the record, the
 * recipient list bounded (the rest counted), the UTC time stamp, reopen after a rename, and a
 * full disk (a file size limit: RLIMIT_FSIZE with SIGXFSZ ignored) that loses whole records,
 * counted in STATS, never leaving half of one.
 */

#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "milter/mlog.h"
#include "milter/stats.h"
#include "tests/lib/testutil.h"

static char *tmp, *logpath;

static void setup(void)
{
	tmp = testutil_tmpdir();
	logpath = g_build_filename(tmp, "messages.json", NULL);
	mlog_init("check_mlog", "mail", false);
	stats_init();
	ck_assert_int_eq(mlog_open(logpath, NULL), 0);
}

static void teardown(void)
{
	mlog_close();
	testutil_rmdir(tmp);
	g_free(tmp);
	g_free(logpath);
}

/* A skipped message's record with the given recipients. */
static void log_one(const char *const *rcpts, unsigned int dropped)
{
	struct mlog_record r = {
	        .queue_id = "4QID",
	        .client_addr = "192.0.2.1",
	        .sender = "<a@example.org>",
	        .recipients = rcpts,
	        .rcpt_dropped = dropped,
	        .size = 100,
	        .result = "skip",
	};

	mlog_message(&r, false);
}

/* The log's lines, each checked to be one JSON object. */
static gchar **lines_checked(void)
{
	char *text = testutil_read(logpath, NULL);
	gchar **lines;

	ck_assert_msg(text[0] == '\0' || g_str_has_suffix(text, "\n"),
	              "log ends in a partial line");
	lines = g_strsplit(text, "\n", -1);
	g_free(text);
	for (gchar **l = lines; *l != NULL && **l != '\0'; l++) {
		JsonParser *p = json_parser_new();
		GError *error = NULL;

		ck_assert_msg(json_parser_load_from_data(p, *l, -1, &error), "not JSON: %.200s",
		              *l);
		ck_assert(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)));
		g_object_unref(p);
	}
	return lines;
}

static JsonObject *parse(JsonParser *p, const char *line)
{
	ck_assert(json_parser_load_from_data(p, line, -1, NULL));
	return json_node_get_object(json_parser_get_root(p));
}

START_TEST(test_record)
{
	const char *rcpts[] = {"<b@example.net>", "<c@example.net>", NULL};
	JsonParser *p = json_parser_new();
	JsonObject *o;
	gchar **lines;
	const char *t;

	log_one(rcpts, 0);
	lines = lines_checked();
	ck_assert_uint_eq(g_strv_length(lines), 2);
	o = parse(p, lines[0]);
	ck_assert_int_eq(json_array_get_length(json_object_get_array_member(o, "recipients")), 2);
	ck_assert(!json_object_has_member(o, "recipients_not_listed"));
	t = json_object_get_string_member(o, "time");
	ck_assert_msg(g_regex_match_simple("^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:"
	                                   "[0-6][0-9]\\.[0-9]{3}Z$",
	                                   t, 0, 0),
	              "time %s", t);
	g_object_unref(p);
	g_strfreev(lines);
}
END_TEST

/* A ready record (a retro-hunt hit) is appended as one line between the others. */
START_TEST(test_record_line)
{
	const char *rcpts[] = {"<b@example.net>", NULL};
	JsonParser *p = json_parser_new();
	char *stamp = mlog_timestamp((int64_t)1700000000 * G_USEC_PER_SEC + 123456);
	gchar **lines;

	ck_assert_str_eq(stamp, "2023-11-14T22:13:20.123Z");
	log_one(rcpts, 0);
	mlog_record_line("{\"type\":\"retro\",\"queue_id\":\"4R\"}\n");
	log_one(rcpts, 0);
	lines = lines_checked();
	ck_assert_uint_eq(g_strv_length(lines), 4);
	ck_assert_str_eq(json_object_get_string_member(parse(p, lines[1]), "type"), "retro");
	ck_assert_str_eq(json_object_get_string_member(parse(p, lines[2]), "queue_id"), "4QID");
	g_object_unref(p);
	g_strfreev(lines);
	g_free(stamp);
}
END_TEST

/* 1000 recipients of 2000 bytes each: 2 MB unbounded; the record lists what fits. */
START_TEST(test_recipients_bounded)
{
	GPtrArray *rcpts = g_ptr_array_new_with_free_func(g_free);
	JsonParser *p = json_parser_new();
	JsonObject *o;
	gchar **lines;
	guint listed;

	for (int i = 0; i < 1000; i++) {
		char *local = g_strnfill(1980, 'a' + i % 26);
		g_ptr_array_add(rcpts, g_strdup_printf("<%s%d@example.net>", local, i));
		g_free(local);
	}
	g_ptr_array_add(rcpts, NULL);
	log_one((const char *const *)rcpts->pdata, 7);
	lines = lines_checked();
	ck_assert_uint_eq(g_strv_length(lines), 2);
	ck_assert_uint_le(strlen(lines[0]), MLOG_RCPT_BYTES + 4096);
	o = parse(p, lines[0]);
	listed = json_array_get_length(json_object_get_array_member(o, "recipients"));
	ck_assert_uint_gt(listed, 0);
	ck_assert_int_eq(json_object_get_int_member(o, "recipients_not_listed"), 1000 - listed + 7);
	g_object_unref(p);
	g_strfreev(lines);
	g_ptr_array_free(rcpts, TRUE);
}
END_TEST

/* Many short recipients: at most MLOG_MAX_RCPTS listed. */
START_TEST(test_recipients_count_bounded)
{
	GPtrArray *rcpts = g_ptr_array_new_with_free_func(g_free);
	JsonParser *p = json_parser_new();
	JsonObject *o;
	gchar **lines;

	for (int i = 0; i < MLOG_MAX_RCPTS + 50; i++)
		g_ptr_array_add(rcpts, g_strdup_printf("<%d@x>", i));
	g_ptr_array_add(rcpts, NULL);
	log_one((const char *const *)rcpts->pdata, 0);
	lines = lines_checked();
	o = parse(p, lines[0]);
	ck_assert_int_eq(json_array_get_length(json_object_get_array_member(o, "recipients")),
	                 MLOG_MAX_RCPTS);
	ck_assert_int_eq(json_object_get_int_member(o, "recipients_not_listed"), 50);
	g_object_unref(p);
	g_strfreev(lines);
	g_ptr_array_free(rcpts, TRUE);
}
END_TEST

/* The file cannot grow (a full disk): whole records or none, the lost ones counted. */
START_TEST(test_full_disk)
{
	GPtrArray *rcpts = g_ptr_array_new_with_free_func(g_free);
	struct rlimit old, lim;
	struct stat st;
	gchar **lines;
	char *stats;
	void (*old_xfsz)(int) = signal(SIGXFSZ, SIG_IGN);

	for (int i = 0; i < 40; i++)
		g_ptr_array_add(rcpts, g_strdup_printf("<recipient-number-%04d@example.net>", i));
	g_ptr_array_add(rcpts, NULL);
	log_one((const char *const *)rcpts->pdata, 0);
	ck_assert_int_eq(stat(logpath, &st), 0);
	/* room for one more record and a half */
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)(st.st_size * 5 / 2);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (int i = 0; i < 4; i++)
		log_one((const char *const *)rcpts->pdata, 0);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_xfsz);
	lines = lines_checked();
	ck_assert_uint_eq(g_strv_length(lines), 3); /* two records, then "" */
	stats = stats_json(0, 0);
	ck_assert_msg(strstr(stats, "\"log_records_lost\":3") != NULL, "%s", stats);
	/* the disk has room again: records are written again */
	log_one((const char *const *)rcpts->pdata, 0);
	g_strfreev(lines);
	lines = lines_checked();
	ck_assert_uint_eq(g_strv_length(lines), 4);
	g_strfreev(lines);
	g_free(stats);
	g_ptr_array_free(rcpts, TRUE);
}
END_TEST

/* logrotate: renamed away, reopened, the next record in a new file. */
START_TEST(test_reopen)
{
	const char *rcpts[] = {"<b@example.net>", NULL};
	char *old = g_strconcat(logpath, ".1", NULL);
	gchar **lines;

	log_one(rcpts, 0);
	ck_assert_int_eq(rename(logpath, old), 0);
	mlog_reopen();
	log_one(rcpts, 0);
	lines = lines_checked();
	ck_assert_uint_eq(g_strv_length(lines), 2);
	g_strfreev(lines);
	g_free(old);
}
END_TEST

static Suite *mlog_suite(void)
{
	Suite *s = suite_create("mlog");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_record);
	tcase_add_test(tc, test_recipients_bounded);
	tcase_add_test(tc, test_recipients_count_bounded);
	tcase_add_test(tc, test_full_disk);
	tcase_add_test(tc, test_reopen);
	tcase_add_test(tc, test_record_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mlog_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
