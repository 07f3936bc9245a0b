/*
 * libcheck suite: reload — what is on disk against what is loaded, and the reload thread
 * following a signature directory that is rewritten, deleted and recreated, or swapped.
 * Driven without libmilter: the thread publishes into milter/live as in the daemon.
 */

#include <check.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "milter/live.h"
#include "milter/mlog.h"
#include "milter/reload.h"
#include "tests/lib/testutil.h"

#define EICAR_LINE   "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n"
#define CLAMEXE_LINE "aa15bcf478d165efd2065190eb473bcb:544:Clamav.Test.File-6\n"
#define OTHER_LINE   "900150983cd24fb0d6963f7d28e17f72:3:Test.Abc-1-0\n"

static char *tmp;

static void setup(void)
{
	tmp = testutil_tmpdir();
}

static void teardown(void)
{
	live_shutdown();
	testutil_rmdir(tmp);
	g_free(tmp);
}

/* Load paths as the daemon does and publish the result; returns its generation. */
static uint64_t publish(char **paths)
{
	struct reload_overrides ovr = {.db_paths = paths};
	struct conf *conf;
	struct sigdb *db;
	GError *error = NULL;
	double secs;

	ck_assert_int_eq(reload_read_conf(NULL, &ovr, &conf, &error), 0);
	if (reload_load_db(conf, &db, &secs, &error) < 0)
		ck_abort_msg("load: %s", error->message);
	live_publish(live_new(conf, db, secs));
	return sigdb_generation(db);
}

static char *differs(void)
{
	struct live *l = live_acquire();
	char *d = reload_disk_differs(l);

	live_release(&l);
	return d;
}

/* Overwrite path in place (same inode, same size) and give it back its mtime's second. */
static void rewrite_in_place(const char *path, const char *text)
{
	struct stat st;
	struct timespec ts[2];
	int fd;

	ck_assert_int_eq(stat(path, &st), 0);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
	ts[0] = st.st_atim;
	ts[1].tv_sec = st.st_mtim.tv_sec; /* the second a coarse check compares */
	ts[1].tv_nsec = 0;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Wait (at most 10 s) until the published database has want signatures. */
static bool wait_count(size_t want)
{
	for (int i = 0; i < 200; i++) {
		struct live *l = live_acquire();
		size_t n = l != NULL && l->db != NULL ? sigdb_count(l->db) : 0;

		live_release(&l);
		if (n == want)
			return true;
		g_usleep(50000);
	}
	return false;
}

/* A signature file rewritten in place within the same second, same size: still seen. */
START_TEST(test_rewritten_in_place_is_pending)
{
	char *dir = g_build_filename(tmp, "db", NULL);
	char *paths[] = {dir, NULL};
	char *file, *d;

	g_mkdir(dir, 0755);
	file = testutil_write(dir, "a.hdb", EICAR_LINE);
	publish(paths);
	ck_assert_ptr_null(differs());
	/* the same length: a different hash of the same size */
	rewrite_in_place(file, "55d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n");
	d = differs();
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(strstr(d, "a.hdb changed"));
	g_free(d);
	g_free(file);
	g_free(dir);
}
END_TEST

/* A compiled snapshot copied over in place, or replaced by rename: "changed". */
START_TEST(test_snapshot_replaced_is_pending)
{
	char *src = testutil_write(tmp, "src.hdb", EICAR_LINE CLAMEXE_LINE);
	char *snap = g_build_filename(tmp, "current", NULL), *d, *other;
	char *paths[] = {snap, NULL};
	const char *srcs[] = {src, NULL};
	struct sigdb *db;
	GError *error = NULL;
	gchar *bytes;
	gsize len;

	ck_assert_int_eq(sigdb_load(srcs, NULL, &db, &error), 0);
	ck_assert_int_eq(sigdb_compile(db, snap, &error), 0);
	sigdb_unref(&db);
	publish(paths);
	ck_assert_ptr_null(differs());
	ck_assert(g_file_get_contents(snap, &bytes, &len, NULL));
	rewrite_in_place(snap, bytes); /* the same bytes, written again */
	d = differs();
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(strstr(d, "current changed"));
	g_free(d);
	publish(paths);
	ck_assert_ptr_null(differs());
	other = testutil_write_bytes(tmp, "other", bytes, len);
	ck_assert_int_eq(rename(other, snap), 0);
	d = differs();
	ck_assert_ptr_nonnull(d);
	g_free(d);
	g_free(other);
	g_free(bytes);
	g_free(snap);
	g_free(src);
}
END_TEST

/* The fingerprint follows a directory swapped with mv, and ignores temporary files. */
START_TEST(test_fingerprint)
{
	char *dir = g_build_filename(tmp, "db", NULL), *new = g_build_filename(tmp, "db.new", NULL);
	char *old = g_build_filename(tmp, "db.old", NULL), *paths[] = {dir, NULL};
	char *f1, *f2, *f3;
	char *a, *b, *c;

	g_mkdir(dir, 0755);
	g_mkdir(new, 0755);
	f1 = testutil_write(dir, "a.hdb", EICAR_LINE);
	f2 = testutil_write(new, "a.hdb", EICAR_LINE);
	for (int i = 0; i < 8; i++) {
		char name[16];

		g_snprintf(name, sizeof(name), "%c.hsb", 'z' - i);
		g_free(testutil_write(dir, name, ""));
	}
	a = reload_fingerprint(paths);
	f3 = testutil_write(dir, ".a.hdb.tmp123", "partial");
	b = reload_fingerprint(paths);
	ck_assert_str_eq(a, b); /* the same files: the same string, whatever the listing order */
	ck_assert_ptr_nonnull(strstr(a, "/y.hsb "));
	ck_assert(strstr(a, "/y.hsb ") < strstr(a, "/z.hsb "));
	ck_assert_int_eq(rename(dir, old), 0);
	ck_assert_int_eq(rename(new, dir), 0);
	c = reload_fingerprint(paths);
	ck_assert_str_ne(a, c);
	g_free(a);
	g_free(b);
	g_free(c);
	g_free(f1);
	g_free(f2);
	g_free(f3);
	g_free(dir);
	g_free(new);
	g_free(old);
}
END_TEST

/* The reload thread: a file added, the directory deleted and recreated, then swapped. */
START_TEST(test_thread_follows_directory)
{
	char *dir = g_build_filename(tmp, "db", NULL), *new = g_build_filename(tmp, "db.new", NULL);
	char *old = g_build_filename(tmp, "db.old", NULL), *paths[] = {dir, NULL};
	struct reload_overrides ovr = {.db_paths = paths};
	GError *error = NULL;
	char *f;

	g_mkdir(dir, 0755);
	g_free(testutil_write(dir, "a.hdb", EICAR_LINE));
	publish(paths);
	ck_assert_int_eq(reload_start(NULL, &ovr, &error), 0);

	g_free(testutil_write(dir, "b.hdb", CLAMEXE_LINE));
	ck_assert_msg(wait_count(2), "a new file was not loaded");

	testutil_rmdir(dir);
	g_mkdir(dir, 0755);
	g_free(testutil_write(dir, "a.hdb", EICAR_LINE CLAMEXE_LINE OTHER_LINE));
	ck_assert_msg(wait_count(3), "the recreated directory was not loaded");

	g_mkdir(new, 0755);
	g_free(testutil_write(new, "a.hdb", OTHER_LINE));
	ck_assert_int_eq(rename(dir, old), 0);
	ck_assert_int_eq(rename(new, dir), 0);
	ck_assert_msg(wait_count(1), "the swapped-in directory was not loaded");

	/* and the swapped-in directory is watched in its turn */
	f = testutil_write(dir, "b.hdb", EICAR_LINE);
	ck_assert_msg(wait_count(2), "a file in the swapped-in directory was not loaded");
	reload_stop();
	g_free(f);
	g_free(dir);
	g_free(new);
	g_free(old);
}
END_TEST

/*
 * A busy file beside the signature directory (an index database, the JSON log) does not wake
 * the reload thread; a signature file written does.
 */
START_TEST(test_busy_neighbour_no_wakeups)
{
	char *dir = g_build_filename(tmp, "db", NULL), *paths[] = {dir, NULL};
	char *busy = g_build_filename(tmp, "index.db", NULL), *f;
	struct reload_overrides ovr = {.db_paths = paths};
	GError *error = NULL;
	unsigned int before;
	int fd;

	g_mkdir(dir, 0755);
	g_free(testutil_write(dir, "a.hdb", EICAR_LINE));
	fd = open(busy, O_WRONLY | O_CREAT | O_APPEND, 0644);
	ck_assert_int_ge(fd, 0);
	publish(paths);
	ck_assert_int_eq(reload_start(NULL, &ovr, &error), 0);
	g_usleep(200000); /* the thread has armed its watches */
	before = reload_wakeups();
	for (int i = 0; i < 200; i++) {
		ck_assert_int_eq(write(fd, "0123456789abcdef", 16), 16);
		if (i % 20 == 0)
			g_usleep(10000);
	}
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(close(fd), 0);
	g_usleep(300000);
	ck_assert_uint_eq(reload_wakeups(), before);

	f = testutil_write(dir, "b.hdb", CLAMEXE_LINE);
	ck_assert_msg(wait_count(2), "a new file was not loaded");
	ck_assert_uint_gt(reload_wakeups(), before);
	reload_stop();
	g_free(f);
	g_free(busy);
	g_free(dir);
}
END_TEST

/* A configured path that is a file: written in place, inotify sees it and it is reloaded. */
START_TEST(test_file_path_rewritten)
{
	char *dir = g_build_filename(tmp, "db", NULL), *f, *paths[] = {NULL, NULL};
	struct reload_overrides ovr = {.db_paths = paths};
	GError *error = NULL;
	unsigned int before;
	FILE *fp;

	g_mkdir(dir, 0755);
	f = testutil_write(dir, "a.hdb", EICAR_LINE);
	paths[0] = f;
	publish(paths);
	ck_assert_int_eq(reload_start(NULL, &ovr, &error), 0);
	g_usleep(200000);
	before = reload_wakeups();
	fp = fopen(f, "a");
	ck_assert_ptr_nonnull(fp);
	fputs(CLAMEXE_LINE, fp);
	fclose(fp);
	ck_assert_msg(wait_count(2), "the file written in place was not loaded");
	ck_assert_msg(reload_wakeups() > before, "seen by the periodic check only, not inotify");
	reload_stop();
	g_free(f);
	g_free(dir);
}
END_TEST

/* A reload that meets a garbage file keeps the loaded signatures. */
START_TEST(test_garbage_keeps_old)
{
	char *dir = g_build_filename(tmp, "db", NULL), *paths[] = {dir, NULL};
	struct reload_overrides ovr = {.db_paths = paths};
	GError *error = NULL;
	uint64_t gen;
	struct live *l;

	g_mkdir(dir, 0755);
	g_free(testutil_write(dir, "a.hdb", EICAR_LINE));
	g_free(testutil_write(dir, "b.hdb", CLAMEXE_LINE));
	gen = publish(paths);
	ck_assert_int_eq(reload_start(NULL, &ovr, &error), 0);
	g_free(testutil_write(dir, "b.hdb", "<html>Not Found</html>\n"));
	ck_assert_int_eq(reload_now(false, &error), -1);
	ck_assert_ptr_nonnull(strstr(error->message, "no valid line"));
	g_clear_error(&error);
	l = live_acquire();
	ck_assert_uint_eq(sigdb_generation(l->db), gen);
	ck_assert_uint_eq(sigdb_count(l->db), 2);
	live_release(&l);
	reload_stop();
	g_free(dir);
}
END_TEST

static Suite *reload_suite(void)
{
	Suite *s = suite_create("reload");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_rewritten_in_place_is_pending);
	tcase_add_test(tc, test_snapshot_replaced_is_pending);
	tcase_add_test(tc, test_fingerprint);
	tcase_add_test(tc, test_thread_follows_directory);
	tcase_add_test(tc, test_garbage_keeps_old);
	tcase_add_test(tc, test_busy_neighbour_no_wakeups);
	tcase_add_test(tc, test_file_path_rewritten);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reload_suite());
	int failed;

	mlog_init("check_reload", "mail", true);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
