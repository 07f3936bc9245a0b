/*
 * libcheck suite: metrics — the Prometheus exposition text of milter/metrics.c over the
 * counters of milter/stats.c: every line well formed and typed, label values escaped
 * (backslash, quote, line feed), names of any bytes made valid UTF-8 and cut short, the
 * bounds on label sets (a flood of signature and database names gives a fixed number of
 * series), the top signatures of the day in order, cumulative histograms, readiness (no
 * signatures, saturated workers) and the listen address parser.
 */

#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "milter/live.h"
#include "milter/metrics.h"
#include "milter/reload.h"
#include "milter/stats.h"
#include "tests/lib/testutil.h"

static char *tmp;

static void setup(void)
{
	tmp = testutil_tmpdir();
	stats_reset();
}

static void teardown(void)
{
	testutil_rmdir(tmp);
	g_free(tmp);
}

/* A snapshot of the default configuration (quarantine in tmp), with the test signatures
   when with_db. */
static struct live *make_live(bool with_db)
{
	char *sigs = g_build_filename(TEST_DATA, "..", "..", "contrib", "test-signatures", NULL);
	char *text =
	        g_strdup_printf("[database]\npath = %s\n[quarantine]\ndirectory = %s\n", sigs, tmp);
	char *path = testutil_write(tmp, "partscan.conf", text);
	struct reload_overrides ovr = {0};
	struct conf *c = NULL;
	struct sigdb *db = NULL;
	GError *error = NULL;
	double secs = 0;
	struct live *l;

	ck_assert_int_eq(reload_read_conf(path, &ovr, &c, &error), 0);
	if (with_db)
		ck_assert_int_eq(reload_load_db(c, &db, &secs, &error), 0);
	l = live_new(c, db, secs);
	if (!with_db)
		l->load_error = g_strdup("nothing here");
	g_free(sigs);
	g_free(text);
	g_free(path);
	return l;
}

static char *render(struct live *l)
{
	GString *out = g_string_new(NULL);

	metrics_render(out, l);
	return g_string_free(out, FALSE);
}

/* Every sample line is NAME[{LABELS}] VALUE with NAME declared by a # TYPE line before it
   (or its family's, for _bucket/_sum/_count); returns the number of sample lines. */
static unsigned int check_wellformed(const char *text)
{
	GRegex *sample = g_regex_new("^([a-zA-Z_:][a-zA-Z0-9_:]*)"
	                             "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\""
	                             "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\")*"
	                             "\\})? (-?[0-9.e+-]+|\\+Inf)$",
	                             0, 0, NULL);
	GHashTable *typed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char **lines = g_strsplit(text, "\n", -1);
	unsigned int samples = 0;

	ck_assert(g_utf8_validate(text, -1, NULL));
	ck_assert(g_str_has_suffix(text, "\n"));
	for (char **l = lines; *l != NULL; l++) {
		GMatchInfo *m = NULL;
		char *name, *family;

		if (**l == '\0')
			continue;
		if (g_str_has_prefix(*l, "# TYPE ")) {
			char **w = g_strsplit(*l + 7, " ", 2);

			ck_assert_msg(!g_hash_table_contains(typed, w[0]), "typed twice: %s", *l);
			g_hash_table_add(typed, g_strdup(w[0]));
			g_strfreev(w);
			continue;
		}
		if (g_str_has_prefix(*l, "# HELP "))
			continue;
		ck_assert_msg(g_regex_match(sample, *l, 0, &m), "malformed line: %s", *l);
		name = g_match_info_fetch(m, 1);
		family = g_strdup(name);
		if (!g_hash_table_contains(typed, family)) {
			char *us = strrchr(family, '_');

			if (us != NULL)
				*us = '\0';
		}
		ck_assert_msg(g_hash_table_contains(typed, family), "untyped: %s", *l);
		samples++;
		g_free(name);
		g_free(family);
		g_match_info_free(m);
	}
	g_strfreev(lines);
	g_hash_table_destroy(typed);
	g_regex_unref(sample);
	return samples;
}

static unsigned int count_lines(const char *text, const char *prefix)
{
	unsigned int n = 0;
	char **lines = g_strsplit(text, "\n", -1);

	for (char **l = lines; *l != NULL; l++)
		n += g_str_has_prefix(*l, prefix);
	g_strfreev(lines);
	return n;
}

START_TEST(test_escape)
{
	GString *out = g_string_new(NULL);

	metrics_escape(out, "a\\b\"c\nd\te");
	ck_assert_str_eq(out->str, "a\\\\b\\\"c\\nd\te");
	g_string_free(out, TRUE);
}
END_TEST

/* Names with the three special characters come out escaped in a well-formed text. */
START_TEST(test_render_escaped)
{
	struct live *l = make_live(true);
	char *text;

	stats_detection(STATS_DETECT_FILE, "db\"quoted\\", "Sig.With\"Quote\\And\nNewline");
	text = render(l);
	check_wellformed(text);
	ck_assert_ptr_nonnull(strstr(text, "partscan_signature_detections_last_day{signature="
	                                   "\"Sig.With\\\"Quote\\\\And\\nNewline\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_detections_total{kind=\"file\",database="
	                                   "\"db\\\"quoted\\\\\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_signatures_loaded 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_signatures{kind=\"detect\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_ready 1\n"));
	g_free(text);
	live_release(&l);
}
END_TEST

/* A finding's target is its kind: a PE section or import-table match is counted as such. */
START_TEST(test_detection_kinds)
{
	struct live *l = make_live(true);
	struct msg_report r = {.parts = g_ptr_array_new()};
	struct msg_part p = {.scanned = true};
	char *text;

	p.scan.size = 100;
	p.scan.n_findings = 3;
	p.scan.findings[0] = (struct scan_finding){
	        .name = "Pe.Section-1", .section = 2, .target = SIGDB_TARGET_PE_SECTION};
	p.scan.findings[1] = (struct scan_finding){
	        .name = "Pe.Imports-1", .section = -1, .target = SIGDB_TARGET_PE_IMPORTS};
	p.scan.findings[2] = (struct scan_finding){
	        .name = "Whole.File-1", .section = -1, .target = SIGDB_TARGET_FILE};
	g_ptr_array_add(r.parts, &p);
	stats_report(&r);
	text = render(l);
	check_wellformed(text);
	ck_assert_ptr_nonnull(strstr(text, "partscan_detections_total{kind=\"pe-section\","));
	ck_assert_ptr_nonnull(strstr(text, "partscan_detections_total{kind=\"pe-imports\","));
	ck_assert_ptr_nonnull(strstr(text, "partscan_detections_total{kind=\"file\","));
	g_free(text);
	g_ptr_array_free(r.parts, TRUE);
	live_release(&l);
}
END_TEST

/* The retro-hunt's counters: hunts, signatures hunted, hits, the last hunt's time. */
START_TEST(test_retro_counters)
{
	struct live *l = make_live(true);
	char *text, *json;

	stats_retro(12, 3, 0.25, true);
	stats_retro(5, 0, 0.5, false);
	text = render(l);
	check_wellformed(text);
	ck_assert_ptr_nonnull(strstr(text, "partscan_retro_hunts_total 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_retro_hunts_failed_total 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_retro_signatures_total 17\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_retro_hits_total 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_retro_last_hunt_duration_seconds 0.5\n"));
	ck_assert_ptr_null(strstr(text, "partscan_retro_last_hunt_timestamp_seconds 0\n"));
	json = stats_json(0, 0);
	ck_assert_ptr_nonnull(
	        strstr(json, "\"retro\":{\"hunts\":2,\"signatures\":17,\"hits\":3,\"failed\":1,"));
	g_free(json);
	g_free(text);
	live_release(&l);
}
END_TEST

/* Invalid UTF-8 is made valid; a long name is cut at a character boundary. */
START_TEST(test_names_utf8)
{
	GString *longname = g_string_new(NULL);
	char *text, *names = g_malloc(4 * STATS_NAME_MAX);
	uint64_t counts[4], other;
	unsigned int n;

	for (int i = 0; i < 200; i++)
		g_string_append(longname, "\xc3\xa9"); /* é: 2 bytes */
	stats_detection(STATS_DETECT_FILE, "x.hdb", "bad\xff\xfe name");
	stats_detection(STATS_DETECT_FILE, "x.hdb", longname->str);
	n = stats_top_signatures(4, names, counts, &other);
	ck_assert_uint_eq(n, 2);
	for (unsigned int i = 0; i < n; i++) {
		const char *name = names + i * STATS_NAME_MAX;

		ck_assert(g_utf8_validate(name, -1, NULL));
		ck_assert_uint_lt(strlen(name), STATS_NAME_MAX);
		ck_assert_uint_gt(strlen(name), 5);
	}
	text = render(NULL);
	check_wellformed(text);
	g_free(text);
	g_free(names);
	g_string_free(longname, TRUE);
}
END_TEST

/* A flood of distinct names: a fixed number of series, the rest counted as other. */
START_TEST(test_label_bounds)
{
	char *text;
	unsigned int dbs;

	for (int i = 0; i < 20000; i++) {
		char sig[64], db[64];

		g_snprintf(sig, sizeof(sig), "Flood.Sig-%d", i);
		g_snprintf(db, sizeof(db), "db%d.hdb", i % 500);
		stats_detection(STATS_DETECT_FILE, db, sig);
	}
	/* one name seen more than any other leads the list */
	for (int i = 0; i < 5; i++)
		stats_detection(STATS_DETECT_FILE, "db1.hdb", "Flood.Sig-77");
	text = render(NULL);
	check_wellformed(text);
	ck_assert_uint_eq(count_lines(text, "partscan_signature_detections_last_day{"),
	                  METRICS_TOP_SIGNATURES);
	ck_assert_ptr_nonnull(strstr(text, "partscan_signature_detections_last_day{signature="
	                                   "\"Flood.Sig-77\"} 6\n"));
	ck_assert_ptr_null(strstr(text, "partscan_signature_detections_other_last_day 0\n"));
	dbs = count_lines(text, "partscan_detections_total{kind=\"file\"");
	ck_assert_uint_le(dbs, STATS_DB_SLOTS + 1);
	ck_assert_uint_ge(dbs, STATS_DB_SLOTS / 2);
	ck_assert_ptr_null(strstr(text, "kind=\"file\",database=\"other\"} 0\n"));
	ck_assert_uint_lt(strlen(text), 64 * 1024);
	g_free(text);
}
END_TEST

/* The top list: most first, then by name; fewer names than asked gives fewer. */
START_TEST(test_top_order)
{
	char names[3 * STATS_NAME_MAX];
	uint64_t counts[3], other = 99;

	for (int i = 0; i < 3; i++)
		stats_detection(STATS_DETECT_FILE, "a.hdb", "Beta");
	for (int i = 0; i < 5; i++)
		stats_detection(STATS_DETECT_FILE, "a.hdb", "Alpha");
	stats_detection(STATS_DETECT_FILE, "a.hdb", "Gamma");
	stats_detection(STATS_DETECT_FILE, "a.hdb", "Delta");
	stats_detection(STATS_DETECT_ALLOWLISTED, "a.fp", "NotCounted");
	ck_assert_uint_eq(stats_top_signatures(3, names, counts, &other), 3);
	ck_assert_str_eq(names, "Alpha");
	ck_assert_uint_eq(counts[0], 5);
	ck_assert_str_eq(names + STATS_NAME_MAX, "Beta");
	ck_assert_uint_eq(counts[1], 3);
	ck_assert_str_eq(names + 2 * STATS_NAME_MAX, "Delta");
	ck_assert_uint_eq(counts[2], 1);
	ck_assert_uint_eq(other, 0);
}
END_TEST

/* Histograms are cumulative, in seconds, with a +Inf bucket equal to _count. */
START_TEST(test_histogram)
{
	char *text;

	stats_message(POLICY_CLEAN, CONF_ACTION_TAG, 2, 1000, 3.0);
	stats_message(POLICY_INFECTED, CONF_ACTION_REJECT, 2, 500, 9000.0);
	text = render(NULL);
	check_wellformed(text);
	ck_assert_ptr_nonnull(
	        strstr(text, "partscan_scan_duration_seconds_bucket{le=\"0.002\"} 0\n"));
	ck_assert_ptr_nonnull(
	        strstr(text, "partscan_scan_duration_seconds_bucket{le=\"0.005\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_scan_duration_seconds_bucket{le=\"5\"} 1\n"));
	ck_assert_ptr_nonnull(
	        strstr(text, "partscan_scan_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_scan_duration_seconds_count 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_scan_duration_seconds_sum 9.003\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_messages_total{verdict=\"clean\"} 1\n"));
	ck_assert_ptr_nonnull(
	        strstr(text, "partscan_message_actions_total{action=\"reject\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_message_bytes_total 1500\n"));
	g_free(text);
}
END_TEST

/* Not ready without signatures, nor with a backlog of a round of scans; ready otherwise. */
START_TEST(test_ready)
{
	struct live *none = make_live(false), *l;
	GString *why = g_string_new(NULL);
	char *text;

	ck_assert(!metrics_ready(NULL, NULL));
	ck_assert(!metrics_ready(none, why));
	ck_assert_str_eq(why->str, "no signatures loaded: nothing here");
	text = render(none);
	check_wellformed(text);
	ck_assert_ptr_nonnull(strstr(text, "partscan_signatures_loaded 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_ready 0\n"));
	g_free(text);
	live_release(&none);

	l = make_live(true);
	ck_assert(metrics_ready(l, NULL));
	stats_workers(2);
	stats_scan_begin();
	stats_scan_begin();
	stats_wait_begin();
	ck_assert(metrics_ready(l, NULL)); /* one waiting: not a backlog */
	stats_wait_begin();
	g_string_truncate(why, 0);
	ck_assert(!metrics_ready(l, why));
	ck_assert_str_eq(why->str, "workers saturated: 2 scans waiting for 2 workers");
	stats_wait_end(0.5);
	stats_wait_end(0.01);
	stats_scan_end();
	stats_scan_end();
	ck_assert(metrics_ready(l, NULL));
	text = render(l);
	ck_assert_ptr_nonnull(strstr(text, "partscan_queue_wait_seconds_count 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "partscan_queue_wait_seconds_bucket{le=\"0.01\"} 1\n"));
	g_free(text);
	live_release(&l);
	g_string_free(why, TRUE);
}
END_TEST

START_TEST(test_listen_parse)
{
	static const char *const bad[] = {
	        "", "0", "70000", "localhost:", "host.example:9309", "1.2.3:9309", "[::1]:x"};
	GError *error = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		ck_assert_msg(metrics_open(bad[i], &error) == -1, "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(strstr(error->message, "[metrics] listen"));
		g_clear_error(&error);
	}
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_render_escaped);
	tcase_add_test(tc, test_names_utf8);
	tcase_add_test(tc, test_label_bounds);
	tcase_add_test(tc, test_top_order);
	tcase_add_test(tc, test_histogram);
	tcase_add_test(tc, test_ready);
	tcase_add_test(tc, test_listen_parse);
	tcase_add_test(tc, test_detection_kinds);
	tcase_add_test(tc, test_retro_counters);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(metrics_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
