/*
 * libcheck suite: index_faults — the index when things go wrong: a full queue drops and counts,
 * a stop while another process holds the SQLite lock gives up at once, a corrupt file or a newer
 * schema is refused with the reason, two processes migrating a new file at once, a directory
 * that does not exist, a full disk, a PostgreSQL server that never answers, and lookups ended
 * by index_cancel. With PARTSCAN_TEST_PG_URL the cancel cases run against PostgreSQL too.
 */

#include <check.h>
#include <fcntl.h>
#include <glib.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "index/index.h"
#include "tests/lib/testindex.h"
#include "tests/lib/testutil.h"

/* The writer is stuck behind a lock: submit never waits, a full queue drops and counts. */
START_TEST(test_queue_full_drops)
{
	char *path = testindex_db_path();
	struct index *idx = testindex_open_writer(path, 5, 0);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	struct index_stats st;
	sqlite3 *db;
	unsigned int accepted = 0;

	index_flush(idx);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < 50; i++)
		accepted += index_submit(idx, testindex_msg_of(now, "Q", "x"));
	/* at most the queue plus the batch the writer took before the lock stopped it */
	ck_assert_uint_le(accepted, 5 + 5);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.submitted, 50);
	ck_assert_uint_eq(st.dropped, 50 - accepted);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.written + st.dropped, 50);
	ck_assert_uint_eq(st.queued, 0);
	index_close(&idx);
	g_free(path);
}
END_TEST

/*
 * The daemon stops while another process holds the SQLite file's write lock: the writer gives
 * up on what is queued after one failed write (each write waits the busy timeout: a full
 * queue took 20 of them, 100 s, past systemd's stop timeout) and says how many records it
 * dropped.
 */
START_TEST(test_stop_while_locked)
{
	char *path = testindex_db_path();
	struct index_options o = {.url = path, .writer = true, .log = testindex_log_keep};
	struct index *idx = NULL;
	GError *err = NULL;
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	unsigned int accepted = 0;
	sqlite3 *db;
	gint64 t0;

	ck_assert_int_eq(index_open(&o, &idx, &err), 0);
	index_flush(idx);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	/* the writer may still be ending what it flushed (its lock held a moment longer, under
	   a loaded machine): wait for it rather than fail with SQLITE_BUSY */
	sqlite3_busy_timeout(db, 10000);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 0);
	for (int i = 0; i < 5000; i++)
		accepted += index_submit(idx, testindex_msg_of(now, "Q", "x"));
	ck_assert_uint_gt(accepted, 2 * INDEX_BATCH_MAX);
	t0 = g_get_monotonic_time();
	index_close(&idx);
	ck_assert_int_lt(g_get_monotonic_time() - t0, 20 * G_USEC_PER_SEC);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	char *log = testindex_logged();
	ck_assert_msg(strstr(log, "5000 in all") != NULL, "%s", log);
	g_free(log);
	g_free(path);
}
END_TEST

START_TEST(test_corrupt_refused)
{
	char buf[8192];
	GError *err = NULL;
	struct index *idx = NULL;

	memset(buf, 'x', sizeof(buf));
	char *path = testutil_write_bytes(testindex_tmpdir, "garbage.db", buf, sizeof(buf));
	/* refused by the milter (writer, lazy) and by the CLI alike */
	for (int writer = 0; writer < 2; writer++) {
		struct index_options o = {.url = path, .writer = writer, .lazy = writer};
		ck_assert_int_eq(index_open(&o, &idx, &err), -1);
		ck_assert_ptr_null(idx);
		ck_assert_int_eq(err->code, INDEX_ERROR_CORRUPT);
		ck_assert_msg(strstr(err->message, "damaged or not an index") != NULL, "%s",
		              err->message);
		ck_assert_msg(strstr(err->message, "garbage.db") != NULL, "%s", err->message);
		g_clear_error(&err);
	}
	g_free(path);

	/* a real index whose pages were overwritten: quick_check finds it */
	path = testindex_db_path();
	idx = testindex_open_writer(path, 0, 0);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	for (int i = 0; i < 300; i++)
		index_submit(idx, testindex_msg_of(now, "QUEUEID", "payload"));
	index_flush(idx);
	index_close(&idx);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	int fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	memset(buf, 0x55, sizeof(buf));
	ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), 5 * 4096), (ssize_t)sizeof(buf));
	close(fd);
	/* the writer checks in the background (a large file takes long to read whole): it
	   refuses the file, says why, and drops what comes, counted; submit never waits */
	struct index_options o = {
	        .url = path, .writer = true, .lazy = true, .log = testindex_log_keep};
	struct index_stats st;
	ck_assert_int_eq(index_open(&o, &idx, &err), 0);
	ck_assert(index_submit(idx, testindex_msg_of(now, "AFTER", "payload")));
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.written, 0);
	ck_assert_uint_eq(st.dropped, 1);
	ck_assert_uint_ge(st.errors, 1);
	ck_assert(!st.up);
	char *log = testindex_logged();
	ck_assert_msg(strstr(log, "index.db: the SQLite file is damaged") != NULL, "%s", log);
	g_free(log);
	index_close(&idx);
	g_free(path);
}
END_TEST

START_TEST(test_newer_schema_refused)
{
	char *path = testindex_db_path();
	struct index *idx = testindex_open_writer(path, 0, 0);
	GError *err = NULL;
	sqlite3 *db;

	index_close(&idx);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(
	        sqlite3_exec(db, "INSERT INTO schema_version VALUES (99)", NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	struct index_options o = {.url = path};
	ck_assert_int_eq(index_open(&o, &idx, &err), -1);
	ck_assert_int_eq(err->code, INDEX_ERROR_VERSION);
	g_clear_error(&err);
	g_free(path);
}
END_TEST

static gpointer open_thread(gpointer data)
{
	struct index_options o = {.url = data, .writer = true};
	struct index *idx = NULL;
	GError *err = NULL;

	if (index_open(&o, &idx, &err) < 0) {
		char *msg = g_strdup(err->message);
		g_error_free(err);
		return msg;
	}
	index_close(&idx);
	return NULL;
}

/*
 * Two processes open a new SQLite index at once (the milter starting, partscan hunt): the one
 * that finds the schema migrated by the other once it holds the write lock goes on with it
 * (it ran the migration again: "table messages already exists", and the open failed).
 */
START_TEST(test_migrate_concurrent)
{
	char *path = testindex_db_path();
	sqlite3 *db;
	GThread *th;
	char *failed;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
	                              "PRAGMA journal_mode=WAL;"
	                              " CREATE TABLE schema_version(version INTEGER NOT NULL);"
	                              " BEGIN IMMEDIATE",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	/* the other reads version 0, then waits for the write lock this one holds */
	th = g_thread_new("open", open_thread, path);
	g_usleep(500000);
	ck_assert_int_eq(sqlite3_exec(db,
	                              "CREATE TABLE messages(key INTEGER PRIMARY KEY);"
	                              " INSERT INTO schema_version VALUES (1); COMMIT",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	failed = g_thread_join(th);
	ck_assert_msg(failed == NULL, "%s", failed);
	sqlite3_close(db);
	g_free(path);
}
END_TEST

/* A directory that does not exist: the CLI is told why; the milter opens lazily and drops. */
START_TEST(test_unreachable)
{
	char *path = g_build_filename(testindex_tmpdir, "no", "such", "dir", "index.db", NULL);
	struct index *idx = NULL;
	struct index_stats st;
	GError *err = NULL;

	struct index_options cli = {.url = path};
	ck_assert_int_eq(index_open(&cli, &idx, &err), -1);
	ck_assert_int_eq(err->code, INDEX_ERROR_UNAVAILABLE);
	ck_assert_msg(strstr(err->message, "index.db") != NULL, "%s", err->message);
	g_clear_error(&err);
	struct index_options strict = {.url = path, .writer = true};
	ck_assert_int_eq(index_open(&strict, &idx, &err), -1);
	g_clear_error(&err);

	struct index_options lazy = {.url = path, .writer = true, .lazy = true};
	ck_assert_int_eq(index_open(&lazy, &idx, &err), 0);
	for (int i = 0; i < 10; i++)
		ck_assert(index_submit(idx, testindex_msg_of(0, "Q", "x")));
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.submitted, 10);
	ck_assert_uint_eq(st.written, 0);
	ck_assert_uint_eq(st.dropped, 10);
	ck_assert(!st.up);
	index_close(&idx);
	g_free(path);
}
END_TEST

/* The disk fills up (RLIMIT_FSIZE): writes fail, counted, submit goes on; space back, it writes. */
START_TEST(test_disk_full)
{
	char *path = testindex_db_path();
	struct index *idx = testindex_open_writer(path, 0, 0);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	struct index_stats st;
	struct rlimit old, lim;

	index_flush(idx);
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 256 * 1024;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (int i = 0; i < 40; i++) {
		struct index_msg *m = testindex_msg_of(now, "Q", "x");
		for (int j = 0; j < 200; j++) {
			char *p = g_strdup_printf("3/%d/%d", i, j);
			g_ptr_array_add(m->parts, testindex_part_of(p, p, DIGEST_ALL));
			g_free(p);
		}
		ck_assert(index_submit(idx, m));
		g_usleep(2000);
	}
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_gt(st.errors, 0);
	ck_assert_uint_gt(st.dropped, 0);
	ck_assert_uint_eq(st.written + st.dropped, 40);
	ck_assert(!st.up);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	uint64_t written = st.written;
	ck_assert(index_submit(idx, testindex_msg_of(now, "AFTER", "x")));
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.written, written + 1);
	ck_assert(st.up);
	index_close(&idx);
	g_free(path);
}
END_TEST

/*
 * A PostgreSQL server that takes the connection and never answers (hung, or a firewall that
 * swallows packets): opening the index gives up after the connect timeout (the url's, or
 * partscan's default of 10 s) instead of holding the milter's start, a reload or `partscan
 * hunt` for ever.
 */
START_TEST(test_pg_silent_server)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct index *idx = NULL;
	GError *err = NULL;
	char *url;
	gint64 t0;

	g_snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/.s.PGSQL.5432", testindex_tmpdir);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 8), 0); /* connections wait in the backlog, unanswered */
	url = g_strdup_printf("postgresql:///partscan?host=%s&connect_timeout=2", testindex_tmpdir);
	struct index_options o = {.url = url};
	t0 = g_get_monotonic_time();
	ck_assert_int_eq(index_open(&o, &idx, &err), -1);
	ck_assert_int_lt(g_get_monotonic_time() - t0, 10 * G_USEC_PER_SEC);
	g_clear_error(&err);
	g_free(url);
	/* without connect_timeout in the url */
	url = g_strdup_printf("postgresql:///partscan?host=%s", testindex_tmpdir);
	o.url = url;
	t0 = g_get_monotonic_time();
	ck_assert_int_eq(index_open(&o, &idx, &err), -1);
	ck_assert_int_lt(g_get_monotonic_time() - t0, 20 * G_USEC_PER_SEC);
	ck_assert_msg(strstr(err->message, "timeout") != NULL, "%s", err->message);
	g_clear_error(&err);
	g_free(url);
	close(fd);
}
END_TEST

struct find_thread {
	struct index *idx;
	struct index_query q;
	GMutex lock;
	GCond done_cond;
	bool done;
	int ret;
	char *error;
};

static int count_found(void *ctx, const struct index_found *f)
{
	return 0;
}

static gpointer find_thread_main(gpointer data)
{
	struct find_thread *ft = data;
	GError *err = NULL;
	int ret = index_find(ft->idx, &ft->q, 1, 0, 0, count_found, NULL, &err);

	g_mutex_lock(&ft->lock);
	ft->ret = ret;
	ft->error = err != NULL ? g_strdup(err->message) : NULL;
	ft->done = true;
	g_cond_signal(&ft->done_cond);
	g_mutex_unlock(&ft->lock);
	g_clear_error(&err);
	return NULL;
}

/*
 * A lookup waits on the server (here for a table lock another session holds): index_cancel
 * ends it (it fails, "canceling statement"), and every lookup after it fails at once, so that
 * the daemon's stop does not wait for a retro-hunt's query. Before, the lookup waited until the
 * lock was released.
 */
START_TEST(test_pg_cancel_find)
{
	struct index *idx = testindex_open_writer(testindex_pg_url, 0, 0);
	struct find_thread ft = {.idx = idx, .q = {.type = DIGEST_SHA256, .size = INDEX_ANY_SIZE}};
	struct digest_set d;
	GError *err = NULL;
	bool ended;

	ck_assert(index_submit(idx,
	                       testindex_msg_of(g_get_real_time() / G_USEC_PER_SEC, "QLOCK", "x")));
	index_flush(idx);
	digest_compute((const unsigned char *)"x", 1, DIGEST_ALL, &d);
	memcpy(ft.q.hash, d.sha256, 32);
	PGconn *pg = PQconnectdb(testindex_pg_url);
	PGresult *res = PQexec(pg, "BEGIN; LOCK TABLE parts IN ACCESS EXCLUSIVE MODE");
	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(pg));
	PQclear(res);
	g_mutex_init(&ft.lock);
	g_cond_init(&ft.done_cond);
	GThread *t = g_thread_new("find", find_thread_main, &ft);
	g_usleep(500 * 1000); /* the lookup is waiting for the lock */
	g_mutex_lock(&ft.lock);
	ck_assert_msg(!ft.done, "the lookup did not wait for the lock");
	g_mutex_unlock(&ft.lock);
	index_cancel(idx);
	/* not a timing: with the lock held for ever, a lookup not cancelled never ends */
	gint64 until = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	g_mutex_lock(&ft.lock);
	while (!ft.done && g_cond_wait_until(&ft.done_cond, &ft.lock, until))
		;
	ended = ft.done;
	g_mutex_unlock(&ft.lock);
	PQclear(PQexec(pg, "ROLLBACK"));
	PQfinish(pg);
	g_thread_join(t);
	ck_assert_msg(ended, "index_find still waiting for the lock after index_cancel");
	ck_assert_int_eq(ft.ret, -1);
	ck_assert_msg(ft.error != NULL && strstr(ft.error, "cancel") != NULL, "%s", ft.error);
	ck_assert_int_eq(index_find(idx, &ft.q, 1, 0, 0, count_found, NULL, &err), -1);
	ck_assert_msg(strstr(err->message, "cancel") != NULL, "%s", err->message);
	g_clear_error(&err);
	g_free(ft.error);
	g_mutex_clear(&ft.lock);
	g_cond_clear(&ft.done_cond);
	index_close(&idx);
}
END_TEST

/* After index_cancel (the daemon stops), a lookup fails at once, on either driver; the writer
   still writes what is queued. */
START_TEST(test_cancel_later_lookups)
{
	char *path = testindex_db_path();
	struct index *idx = testindex_open_writer(path, 0, 0);
	struct index_query q = {.type = DIGEST_SHA256, .size = INDEX_ANY_SIZE};
	struct index_stats st;
	GError *err = NULL;
	static const unsigned char hash[32] = {1};

	index_cancel(idx);
	ck_assert_int_eq(index_find(idx, &q, 1, 0, 0, count_found, NULL, &err), -1);
	ck_assert_msg(strstr(err->message, "cancel") != NULL, "%s", err->message);
	g_clear_error(&err);
	ck_assert_int_eq(index_hit_record(idx, 1, "1", "Sig", DIGEST_SHA256, hash, &err), -1);
	g_clear_error(&err);
	ck_assert(index_submit(
	        idx, testindex_msg_of(g_get_real_time() / G_USEC_PER_SEC, "QAFTER", "x")));
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.written, 1);
	index_close(&idx);
	g_free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("index_faults");
	TCase *tc = tcase_create("sqlite");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, testindex_setup, testindex_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_queue_full_drops);
	tcase_add_test(tc, test_stop_while_locked);
	tcase_add_test(tc, test_corrupt_refused);
	tcase_add_test(tc, test_newer_schema_refused);
	tcase_add_test(tc, test_migrate_concurrent);
	tcase_add_test(tc, test_unreachable);
	tcase_add_test(tc, test_disk_full);
	tcase_add_test(tc, test_pg_silent_server);
	tcase_add_test(tc, test_cancel_later_lookups);
	suite_add_tcase(s, tc);
	if (getenv("PARTSCAN_TEST_PG_URL") != NULL) {
		TCase *pg = tcase_create("postgresql");
		tcase_add_checked_fixture(pg, testindex_setup_pg, testindex_teardown);
		tcase_set_timeout(pg, 60);
		tcase_add_test(pg, test_pg_cancel_find);
		tcase_add_test(pg, test_cancel_later_lookups);
		suite_add_tcase(s, pg);
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
