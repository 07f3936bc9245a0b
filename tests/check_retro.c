/*
 * libcheck suite: retro — the retro-hunt against a real SQLite index: a new signature finds
 * the delivered part it matches, reported once (a second hunt finds it again but reports
 * nothing: the index remembers the hit); undelivered mail and allow-listed parts are not
 * reported; PE section signatures are counted as not huntable; the record in the message log
 * and the program's input are the hit as JSON; retro_run kills a program that hangs.
 */

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "milter/mindex.h"
#include "milter/mlog.h"
#include "milter/retro.h"
#include "milter/stats.h"
#include "tests/lib/testutil.h"

static char *tmp;
static struct index *idx;
static struct conf *conf;

/* Two parts per message: "1" text, "2" the attachment whose content is "attachment N". */
static void digests_of(const char *text, struct digest_set *d)
{
	ck_assert_int_eq(digest_compute((const unsigned char *)text, strlen(text), DIGEST_ALL, d),
	                 0);
}

static void submit(int n, const char *action)
{
	struct index_msg *m = index_msg_new();
	char *att = g_strdup_printf("attachment %d", n);
	struct index_part *p = index_part_new();

	m->time = (int64_t)(g_get_real_time() / G_USEC_PER_SEC) - 100 + n;
	m->queue_id = g_strdup_printf("4Q%d", n);
	m->message_id = g_strdup_printf("<m%d@example.org>", n);
	m->client = g_strdup("mx.example.org [192.0.2.1]");
	m->sender = g_strdup("<s@example.org>");
	g_ptr_array_add(m->rcpts, g_strdup_printf("<r%d@example.net>", n));
	m->verdict = g_strdup("clean");
	m->action = g_strdup(action);
	p->path = g_strdup("2");
	p->name = g_strdup_printf("a%d.bin", n);
	p->type = g_strdup("text");
	p->size = strlen(att);
	digests_of(att, &p->digests);
	g_ptr_array_add(m->parts, p);
	ck_assert(index_submit(idx, m));
	g_free(att);
}

static struct sigdb *db_of(const char *name, const char *text, const char *name2, const char *text2)
{
	static unsigned int seq;
	char *dir = g_strdup_printf("%s/db%u", tmp, seq++);
	const char *paths[] = {dir, NULL};
	struct sigdb *db = NULL;
	GError *error = NULL;

	g_mkdir(dir, 0755);
	g_free(testutil_write(dir, name, text));
	if (name2 != NULL)
		g_free(testutil_write(dir, name2, text2));
	if (sigdb_load(paths, NULL, &db, &error) < 0)
		ck_abort_msg("load: %s", error->message);
	g_free(dir);
	return db;
}

/* "HASH:SIZE:NAME\n" of "attachment N" (MD5, or SHA-256 when sha256). */
static char *sig_line(int n, bool sha256, const char *name)
{
	char *att = g_strdup_printf("attachment %d", n), hex[DIGEST_MAX_HEX];
	struct digest_set d;
	char *line;

	digests_of(att, &d);
	digest_hex(sha256 ? d.sha256 : d.md5, sha256 ? 32 : 16, hex);
	line = g_strdup_printf("%s:%zu:%s\n", hex, strlen(att), name);
	g_free(att);
	return line;
}

static void setup(void)
{
	char *url, *log, *text;
	struct index_options opts = {.writer = true};
	GError *error = NULL;

	tmp = testutil_tmpdir();
	url = g_strdup_printf("sqlite://%s/index.db", tmp);
	opts.url = url;
	if (index_open(&opts, &idx, &error) < 0)
		ck_abort_msg("index_open: %s", error->message);
	g_free(url);
	log = g_build_filename(tmp, "messages.json", NULL);
	mlog_init("check_retro", "mail", false);
	stats_init();
	ck_assert_int_eq(mlog_open(log, NULL), 0);
	g_free(log);
	g_free(testutil_write(tmp, "hook.sh", "#!/bin/sh\ncat >>\"$0.out\"\nexit 0\n"));
	text = g_strdup_printf("[retro]\nprogram = %s/hook.sh\n", tmp);
	{
		char *hook = g_build_filename(tmp, "hook.sh", NULL);
		g_chmod(hook, 0755);
		g_free(hook);
	}
	ck_assert_int_eq(conf_parse("test.conf", text, strlen(text), &conf, NULL), 0);
	g_free(text);
	for (int n = 1; n <= 4; n++)
		submit(n, n == 3 ? "reject" : "accept");
	index_flush(idx);
}

static void teardown(void)
{
	index_close(&idx);
	conf_free(&conf);
	mlog_close();
	testutil_rmdir(tmp);
	g_free(tmp);
}

static char *read_in(const char *name)
{
	char *path = g_build_filename(tmp, name, NULL), *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		text = g_strdup("");
	g_free(path);
	return text;
}

START_TEST(test_hunt_reports_once)
{
	char *l2 = sig_line(2, false, "Retro.Two-1-0"), *l1 = sig_line(1, false, "Old.One-1-0");
	char *both = g_strconcat(l1, l2, NULL);
	struct sigdb *old = db_of("a.hdb", l1, NULL, NULL), *nw = db_of("a.hdb", both, NULL, NULL);
	struct retro_result r;
	GError *error = NULL;
	JsonParser *p = json_parser_new();
	JsonObject *o;
	char *log, *hook, **lines;

	ck_assert_int_eq(retro_hunt(idx, conf, old, nw, &r, &error), 0);
	ck_assert_uint_eq(r.signatures, 1);
	ck_assert_uint_eq(r.found, 1);
	ck_assert_uint_eq(r.hits, 1);
	log = read_in("messages.json");
	lines = g_strsplit(log, "\n", -1);
	ck_assert_uint_eq(g_strv_length(lines), 2);
	ck_assert(json_parser_load_from_data(p, lines[0], -1, NULL));
	o = json_node_get_object(json_parser_get_root(p));
	ck_assert_str_eq(json_object_get_string_member(o, "type"), "retro");
	ck_assert_str_eq(json_object_get_string_member(o, "queue_id"), "4Q2");
	ck_assert_str_eq(
	        json_array_get_string_element(json_object_get_array_member(o, "recipients"), 0),
	        "<r2@example.net>");
	ck_assert_str_eq(
	        json_object_get_string_member(json_object_get_object_member(o, "part"), "name"),
	        "a2.bin");
	o = json_object_get_object_member(o, "signature");
	ck_assert_str_eq(json_object_get_string_member(o, "name"), "Retro.Two-1-0");
	ck_assert_str_eq(json_object_get_string_member(o, "source"), "a.hdb");
	hook = read_in("hook.sh.out");
	ck_assert_str_eq(hook, log);
	g_free(hook);
	g_free(log);
	g_strfreev(lines);

	/* again (another reload, another milter on the same index): known, not reported */
	ck_assert_int_eq(retro_hunt(idx, conf, old, nw, &r, &error), 0);
	ck_assert_uint_eq(r.found, 1);
	ck_assert_uint_eq(r.hits, 0);
	ck_assert_uint_eq(r.known, 1);
	log = read_in("messages.json");
	lines = g_strsplit(log, "\n", -1);
	ck_assert_uint_eq(g_strv_length(lines), 2); /* still the one record */
	g_strfreev(lines);
	g_free(log);
	/* the same generation twice: nothing to hunt */
	ck_assert_int_eq(retro_hunt(idx, conf, nw, nw, &r, &error), 0);
	ck_assert_uint_eq(r.signatures, 0);
	g_object_unref(p);
	sigdb_unref(&old);
	sigdb_unref(&nw);
	g_free(l1);
	g_free(l2);
	g_free(both);
}
END_TEST

START_TEST(test_not_reported)
{
	/* message 3 was rejected; message 4's part is allow-listed by its SHA-256 while the new
	   signature is its MD5; a section signature cannot be hunted */
	char *l3 = sig_line(3, false, "Was.Rejected-1-0"), *l4 = sig_line(4, false, "Fp.Four-1-0");
	char *fp4 = sig_line(4, true, "Good.Four");
	char *det = g_strconcat(l3, l4, NULL);
	struct sigdb *old = db_of("a.hdb", "0123456789abcdef0123456789abcdef:9:Base\n", NULL, NULL);
	struct sigdb *nw = db_of("a.hdb", det, "b.sfp", fp4);
	struct sigdb *sect =
	        db_of("a.mdb", "512:0123456789abcdef0123456789abcdef:Sect\n", NULL, NULL);
	struct retro_result r;
	GError *error = NULL;
	char *log;

	ck_assert_int_eq(retro_hunt(idx, conf, old, nw, &r, &error), 0);
	ck_assert_uint_eq(r.signatures, 2);
	ck_assert_uint_eq(r.found, 2);
	ck_assert_uint_eq(r.undelivered, 1);
	ck_assert_uint_eq(r.allowed, 1);
	ck_assert_uint_eq(r.hits, 0);
	ck_assert_int_eq(retro_hunt(idx, conf, old, sect, &r, &error), 0);
	ck_assert_uint_eq(r.signatures, 0);
	ck_assert_uint_eq(r.other, 1);
	log = read_in("messages.json");
	ck_assert_str_eq(log, "");
	g_free(log);
	sigdb_unref(&old);
	sigdb_unref(&nw);
	sigdb_unref(&sect);
	g_free(l3);
	g_free(l4);
	g_free(fp4);
	g_free(det);
}
END_TEST

/* A program that hangs is killed after [retro] timeout, and not run again after a few. */
START_TEST(test_hanging_program_given_up)
{
	GString *sigs = g_string_new(NULL);
	struct conf *hang = NULL;
	struct sigdb *old, *nw;
	struct retro_result r;
	GError *error = NULL;
	char *text, *runs, **lines;
	gint64 t0;

	for (int n = 5; n <= 9; n++) {
		char *l = sig_line(n, false, "Hang.Test-1-0");
		submit(n, "accept");
		g_string_append(sigs, l);
		g_free(l);
	}
	index_flush(idx);
	g_free(testutil_write(tmp, "hang.sh",
	                      "#!/bin/sh\necho run >>\"$0.runs\"\nexec sleep 30\n"));
	text = g_strdup_printf("%s/hang.sh", tmp);
	g_chmod(text, 0755);
	g_free(text);
	text = g_strdup_printf("[retro]\nprogram = %s/hang.sh\ntimeout = 1\n", tmp);
	ck_assert_int_eq(conf_parse("test.conf", text, strlen(text), &hang, NULL), 0);
	old = db_of("a.hdb", "0123456789abcdef0123456789abcdef:9:Base\n", NULL, NULL);
	nw = db_of("a.hdb", sigs->str, NULL, NULL);
	t0 = g_get_monotonic_time();
	ck_assert_int_eq(retro_hunt(idx, hang, old, nw, &r, &error), 0);
	ck_assert_uint_eq(r.hits, 5); /* all reported in the log */
	ck_assert_int_lt(g_get_monotonic_time() - t0, 8 * G_USEC_PER_SEC);
	runs = read_in("hang.sh.runs");
	lines = g_strsplit(runs, "\n", -1);
	ck_assert_uint_eq(g_strv_length(lines) - 1, RETRO_PROGRAM_FAILURES);
	g_strfreev(lines);
	g_free(runs);
	g_free(text);
	conf_free(&hang);
	sigdb_unref(&old);
	sigdb_unref(&nw);
	g_string_free(sigs, TRUE);
}
END_TEST

START_TEST(test_run_timeout_and_status)
{
	const char *ok[] = {"/bin/sh", "-c", "read x; test \"$x\" = hello", NULL};
	const char *bad[] = {"/bin/sh", "-c", "exit 7", NULL};
	const char *hang[] = {"/bin/sleep", "30", NULL};
	const char *none[] = {"/nonexistent/program", NULL};
	GError *error = NULL;
	gint64 t0;
	int status = -1;

	ck_assert_int_eq(retro_run(ok, "hello\n", 5, &status, &error), 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(retro_run(bad, "hello\n", 5, &status, &error), 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	t0 = g_get_monotonic_time();
	ck_assert_int_eq(retro_run(hang, "", 1, &status, &error), -1);
	ck_assert_ptr_nonnull(strstr(error->message, "killed after 1 s"));
	ck_assert_int_lt(g_get_monotonic_time() - t0, 5 * G_USEC_PER_SEC);
	g_clear_error(&error);
	ck_assert_int_eq(retro_run(none, "", 1, &status, &error), -1);
	g_clear_error(&error);
}
END_TEST

/*
 * The program starts with nothing of the milter's but the pipe: no other descriptor (the
 * milter's sockets, its log, the index) and none of the signals the milter blocks or ignores.
 */
START_TEST(test_run_clean_descriptors)
{
	int fd = open("/dev/null", O_RDONLY); /* as a listening socket not marked close-on-exec */
	char *script;
	const char *argv[] = {"/bin/sh", "-c", NULL, NULL};
	GError *error = NULL;
	int status = -1;

	ck_assert_int_ge(fd, 3);
	script = g_strdup_printf("test ! -e /proc/$$/fd/%d", fd);
	argv[2] = script;
	ck_assert_int_eq(retro_run(argv, "", 5, &status, &error), 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	              "the program inherited descriptor %d", fd);
	close(fd);
	g_free(script);
}
END_TEST

/* The mask word of /proc/PID/status's line "name:\tHEX" in text. */
static guint64 status_mask(const char *text, const char *name)
{
	const char *l = strstr(text, name);

	ck_assert_ptr_nonnull(l);
	return g_ascii_strtoull(l + strlen(name), NULL, 16);
}

START_TEST(test_run_default_signals)
{
	char *out = g_build_filename(tmp, "sig.out", NULL), *script, *text = NULL;
	const char *argv[] = {"/bin/sh", "-c", NULL, NULL};
	sigset_t set, saved;
	GError *error = NULL;
	int status = -1;

	/* the program's own view, once exec'd (grep reads its own status) */
	script = g_strdup_printf("exec grep -E '^Sig(Blk|Ign):' /proc/self/status >%s", out);
	argv[2] = script;
	/* as partscan-milter's threads: HUP, TERM, INT blocked (sigwait), PIPE ignored (main) */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &saved);
	ck_assert_int_eq(retro_run(argv, "", 5, &status, &error), 0);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert(g_file_get_contents(out, &text, NULL, NULL));
	ck_assert_msg((status_mask(text, "SigBlk:") &
	               ((1u << (SIGHUP - 1)) | (1u << (SIGTERM - 1)) | (1u << (SIGINT - 1)))) == 0,
	              "the program started with HUP, TERM or INT blocked: %s", text);
	ck_assert_msg((status_mask(text, "SigIgn:") & (1u << (SIGPIPE - 1))) == 0,
	              "the program started with PIPE ignored: %s", text);
	g_free(text);
	g_free(script);
	g_free(out);
}
END_TEST

/* A program killed at its timeout takes what it started with it (a script's sleep). */
/* A program killed at its timeout takes what it started with it (a script's sleep). */
START_TEST(test_run_timeout_kills_children)
{
	char *pidfile = g_build_filename(tmp, "child.pid", NULL), *script, *text = NULL;
	const char *argv[] = {"/bin/sh", "-c", NULL, NULL};
	GError *error = NULL;
	int status = -1;
	pid_t child;

	script = g_strdup_printf("sleep 30 & echo $! >%s; wait", pidfile);
	argv[2] = script;
	ck_assert_int_eq(retro_run(argv, "", 1, &status, &error), -1);
	g_clear_error(&error);
	ck_assert(g_file_get_contents(pidfile, &text, NULL, NULL));
	child = (pid_t)atoi(text);
	ck_assert_int_gt(child, 1);
	/* gone, or a zombie waiting for whoever adopted it */
	for (int i = 0; i < 100 && kill(child, 0) == 0; i++) {
		char *stat = g_strdup_printf("/proc/%d/stat", (int)child), *st = NULL;
		bool zombie =
		        g_file_get_contents(stat, &st, NULL, NULL) && strstr(st, ") Z ") != NULL;
		g_free(stat);
		g_free(st);
		if (zombie)
			break;
		g_usleep(10000);
		if (i == 99) {
			kill(child, SIGKILL);
			ck_abort_msg("the program's child %d outlived its timeout", (int)child);
		}
	}
	g_free(text);
	g_free(script);
	g_free(pidfile);
}
END_TEST

/*
 * A PostgreSQL url's password is not logged: the milter says which index it uses with the
 * password as "***" (the server is not there: the writer retries, mail flows).
 */
START_TEST(test_index_password_not_logged)
{
	char *err_path = g_build_filename(tmp, "stderr", NULL), *text = NULL;
	const char *cf = "[index]\nurl = postgresql://partscan:s3cret@/partscan?host=/nonexistent"
	                 "&password=t0psecret&connect_timeout=1\n";
	struct conf *pg = NULL;
	int saved = dup(2), fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_eq(conf_parse("test.conf", cf, strlen(cf), &pg, NULL), 0);
	mlog_init("check_retro", "mail", true); /* daemon events to stderr too */
	dup2(fd, 2);
	mindex_configure(pg);
	mindex_shutdown();
	dup2(saved, 2);
	close(saved);
	close(fd);
	ck_assert(g_file_get_contents(err_path, &text, NULL, NULL));
	ck_assert_msg(strstr(text, "index: postgresql index") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "s3cret") == NULL && strstr(text, "t0psecret") == NULL,
	              "the password was logged: %s", text);
	ck_assert_msg(strstr(text, "partscan:***@") != NULL, "%s", text);
	g_free(text);
	g_free(err_path);
	conf_free(&pg);
}
END_TEST

/*
 * The notification mail stays a mail: values that came with the message (a Message-ID, a
 * recipient list, a path) are bounded as on the syslog line, so no line passes SMTP's 998
 * bytes and a campaign of huge Message-IDs does not make a huge mail.
 */
START_TEST(test_notify_bounded)
{
	char *sig = sig_line(10, false, "Long.Ids-1-0"), *text, *mail, **lines;
	struct sigdb *old = db_of("a.hdb", "0123456789abcdef0123456789abcdef:9:Base\n", NULL, NULL);
	struct sigdb *nw = db_of("a.hdb", sig, NULL, NULL);
	struct index_msg *m = index_msg_new();
	struct index_part *p = index_part_new();
	struct conf *nc = NULL;
	struct retro_result r;
	GError *error = NULL;
	GString *mid = g_string_new("<");

	for (int i = 0; i < 2000; i++)
		g_string_append(mid, "0123456789");
	g_string_append(mid, "@example.org>");
	m->time = g_get_real_time() / G_USEC_PER_SEC;
	m->queue_id = g_strdup("4QLONG");
	m->message_id = g_string_free(mid, FALSE);
	m->sender = g_strdup("s@example.org");
	for (int i = 0; i < 500; i++)
		g_ptr_array_add(m->rcpts, g_strdup_printf("recipient%03d@example.net", i));
	m->verdict = g_strdup("clean");
	m->action = g_strdup("accept");
	p->path = g_strdup("2");
	p->name = g_strdup("a10.bin");
	p->size = strlen("attachment 10");
	digests_of("attachment 10", &p->digests);
	g_ptr_array_add(m->parts, p);
	ck_assert(index_submit(idx, m));
	index_flush(idx);
	g_free(testutil_write(tmp, "sendmail.sh", "#!/bin/sh\ncat >\"$0.mail\"\n"));
	text = g_build_filename(tmp, "sendmail.sh", NULL);
	g_chmod(text, 0755);
	g_free(text);
	text = g_strdup_printf("[retro]\nnotify = admin@example.org\n"
	                       "[quarantine]\nsendmail = %s/sendmail.sh\n",
	                       tmp);
	ck_assert_int_eq(conf_parse("test.conf", text, strlen(text), &nc, NULL), 0);
	ck_assert_int_eq(retro_hunt(idx, nc, old, nw, &r, &error), 0);
	ck_assert_uint_eq(r.hits, 1);
	mail = read_in("sendmail.sh.mail");
	ck_assert_ptr_nonnull(strstr(mail, "4QLONG"));
	ck_assert_ptr_nonnull(strstr(mail, "<0123456789"));
	lines = g_strsplit(mail, "\n", -1);
	for (char **l = lines; *l != NULL; l++)
		ck_assert_msg(strlen(*l) <= 998, "a line of %zu bytes", strlen(*l));
	ck_assert_uint_lt(strlen(mail), 4096);
	g_strfreev(lines);
	g_free(mail);
	g_free(text);
	conf_free(&nc);
	sigdb_unref(&old);
	sigdb_unref(&nw);
	g_free(sig);
}
END_TEST

static gint reopened;

static gpointer configure_thread(gpointer data)
{
	mindex_configure(data);
	g_atomic_int_set(&reopened, 1);
	return NULL;
}

/*
 * A reload that reopens the index (another [index] url) while a retro-hunt holds the old one
 * does not wait for the hunt to end (a hunt that runs [retro] program for each of thousands of
 * hits takes hours, and the reload thread, later reloads and the daemon's stop waited with
 * it): the new index is in use at once, the old one is closed when the hunt lets go.
 */
START_TEST(test_reopen_during_hunt)
{
	char *text = g_strdup_printf("[index]\nurl = %s/one.db\n", tmp);
	char *text2 = g_strdup_printf("[index]\nurl = %s/two.db\n", tmp);
	struct conf *one = NULL, *two = NULL;
	struct index *held, *now;
	GThread *th;

	ck_assert_int_eq(conf_parse("test.conf", text, strlen(text), &one, NULL), 0);
	ck_assert_int_eq(conf_parse("test.conf", text2, strlen(text2), &two, NULL), 0);
	mindex_configure(one);
	held = mindex_acquire(); /* as a hunt does */
	ck_assert_ptr_nonnull(held);
	g_atomic_int_set(&reopened, 0);
	th = g_thread_new("reload", configure_thread, two);
	for (int i = 0; i < 300 && !g_atomic_int_get(&reopened); i++)
		g_usleep(10000);
	ck_assert_msg(g_atomic_int_get(&reopened), "the reload waited for the hunt");
	now = mindex_acquire();
	ck_assert_ptr_nonnull(now);
	ck_assert_ptr_ne(now, held);
	mindex_release(&now);
	/* the hunt goes on with the old index, then lets go (which closes it) */
	index_flush(held);
	mindex_release(&held);
	g_thread_join(th);
	mindex_shutdown();
	conf_free(&one);
	conf_free(&two);
	g_free(text);
	g_free(text2);
}
END_TEST

static Suite *retro_suite(void)
{
	Suite *s = suite_create("retro");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_hunt_reports_once);
	tcase_add_test(tc, test_not_reported);
	tcase_add_test(tc, test_run_timeout_and_status);
	tcase_add_test(tc, test_hanging_program_given_up);
	tcase_add_test(tc, test_run_clean_descriptors);
	tcase_add_test(tc, test_run_default_signals);
	tcase_add_test(tc, test_run_timeout_kills_children);
	tcase_add_test(tc, test_index_password_not_logged);
	tcase_add_test(tc, test_notify_bounded);
	tcase_add_test(tc, test_reopen_during_hunt);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;

	signal(SIGPIPE, SIG_IGN); /* as partscan-milter: a program may exit without reading */
	sr = srunner_create(retro_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
