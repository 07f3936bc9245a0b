/*
 * libcheck suite: control — the control socket served for real (a socket in a temporary
 * directory, the daemon's snapshot and reload machinery behind it): PING, VERSION, STATS,
 * RELOAD, junk, long lines, NUL-ended lines, a client that closes early, idle clients that
 * must not delay others, the cap on clients served at once, and a stop with clients connected.
 */

#include <check.h>
#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "milter/control.h"
#include "milter/live.h"
#include "milter/mlog.h"
#include "milter/reload.h"
#include "milter/stats.h"
#include "tests/lib/testutil.h"

static char *tmp, *sock;

static void setup(void)
{
	char *sigs = g_build_filename(TEST_DATA, "..", "..", "contrib", "test-signatures", NULL);
	char *text, *conf_path;
	struct reload_overrides ovr = {0};
	struct conf *c;
	struct sigdb *db = NULL;
	GError *error = NULL;
	double secs = 0;

	tmp = testutil_tmpdir();
	sock = g_build_filename(tmp, "control.sock", NULL);
	text = g_strdup_printf("[database]\npath = %s\n[log]\njson = %s/messages.json\n"
	                       "syslog = no\n",
	                       sigs, tmp);
	conf_path = testutil_write(tmp, "partscan.conf", text);
	mlog_init("check_control", "mail", false);
	stats_init();
	ck_assert_int_eq(reload_read_conf(conf_path, &ovr, &c, &error), 0);
	ck_assert_int_eq(reload_load_db(c, &db, &secs, &error), 0);
	live_publish(live_new(c, db, secs));
	ck_assert_int_eq(reload_start(conf_path, &ovr, &error), 0);
	ck_assert_int_eq(control_open(sock, 0600, NULL, &error), 0);
	control_start();
	g_free(sigs);
	g_free(text);
	g_free(conf_path);
}

static void teardown(void)
{
	control_stop();
	reload_stop();
	live_shutdown();
	mlog_close();
	testutil_rmdir(tmp);
	g_free(tmp);
	g_free(sock);
}

static int client(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	g_strlcpy(sun.sun_path, sock, sizeof(sun.sun_path));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Everything the server sends on fd until it closes, waiting at most ms in all. */
static char *answer(int fd, int ms)
{
	GString *out = g_string_new(NULL);
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
	char buf[4096];

	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		int left = (int)((deadline - g_get_monotonic_time()) / 1000);
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		g_string_append_len(out, buf, n);
	}
	close(fd);
	return g_string_free(out, FALSE);
}

/* One command (bytes as given: the test chooses the terminator) and its answer. */
static char *ask_bytes(const char *line, size_t len)
{
	int fd = client();

	ck_assert_int_eq(send(fd, line, len, MSG_NOSIGNAL), (ssize_t)len);
	return answer(fd, 3000);
}

static char *ask(const char *line)
{
	return ask_bytes(line, strlen(line));
}

START_TEST(test_parse)
{
	static const struct {
		const char *line;
		enum control_cmd cmd;
	} cases[] = {
	        {"PING", CONTROL_PING},
	        {"ping", CONTROL_PING},
	        {"  Ping \t\r", CONTROL_PING},
	        {"VERSION", CONTROL_VERSION},
	        {"reload", CONTROL_RELOAD},
	        {"STATS", CONTROL_STATS},
	        {"PINGS", CONTROL_UNKNOWN},
	        {"PING PING", CONTROL_UNKNOWN},
	        {"", CONTROL_BAD},
	        {" \r", CONTROL_BAD},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		ck_assert_int_eq(control_parse(cases[i].line, strlen(cases[i].line)), cases[i].cmd);
	ck_assert_int_eq(control_parse("PI\0NG", 5), CONTROL_BAD);
	{
		char *big = g_strnfill(CONTROL_MAX_LINE + 1, 'A');
		ck_assert_int_eq(control_parse(big, strlen(big)), CONTROL_BAD);
		g_free(big);
	}
}
END_TEST

START_TEST(test_commands)
{
	char *r, *gen;

	r = ask("PING\n");
	ck_assert_str_eq(r, "PONG\n");
	g_free(r);
	r = ask_bytes("ping\0trailing", 13); /* NUL ends a line too */
	ck_assert_str_eq(r, "PONG\n");
	g_free(r);
	r = ask("VERSION\r\n");
	ck_assert_msg(g_str_has_prefix(r, "partscan " PARTSCAN_VERSION "\n"), "%s", r);
	ck_assert_ptr_nonnull(strstr(r, ", 4 signatures, at "));
	ck_assert_ptr_nonnull(strstr(r, "disk: same as loaded"));
	g_free(r);
	r = ask("STATS\n");
	ck_assert_msg(r[0] == '{' && g_str_has_suffix(r, "}\n"), "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "\"signatures\""));
	g_free(r);
	r = ask("RELOAD\n");
	ck_assert_msg(g_str_has_prefix(r, "RELOADED generation ") &&
	                      g_str_has_suffix(r, ", 4 signatures\n"),
	              "%s", r);
	gen = g_strdup_printf("loaded: generation %s", r + strlen("RELOADED generation "));
	*strchr(gen, ',') = '\0';
	g_free(r);
	r = ask("VERSION\n");
	ck_assert_msg(strstr(r, gen) != NULL, "%s lacks %s", r, gen);
	g_free(r);
	g_free(gen);
}
END_TEST

START_TEST(test_junk)
{
	char *big = g_strnfill(5000, 'x'), *r;

	r = ask("HELO there\n");
	ck_assert_str_eq(r, "ERROR unknown command (expected PING, VERSION, RELOAD or STATS)\n");
	g_free(r);
	r = ask("\n");
	ck_assert_str_eq(r, "ERROR expected PING, VERSION, RELOAD or STATS\n");
	g_free(r);
	r = ask("\x01\x02\xff\xfe\n");
	ck_assert_msg(g_str_has_prefix(r, "ERROR"), "%s", r);
	g_free(r);
	r = ask(big); /* no end of line within the bound */
	ck_assert_str_eq(r, "ERROR line too long\n");
	g_free(r);
	g_free(big);
	/* a client that writes and closes its half: what came is the line */
	{
		int fd = client();
		ck_assert_int_eq(send(fd, "PING", 4, MSG_NOSIGNAL), 4);
		shutdown(fd, SHUT_WR);
		r = answer(fd, 3000);
		ck_assert_str_eq(r, "PONG\n");
		g_free(r);
	}
	/* a client that connects and goes away at once */
	close(client());
	r = ask("PING\n");
	ck_assert_str_eq(r, "PONG\n");
	g_free(r);
}
END_TEST

/* Idle clients (each would hold a serial server for CONTROL_TIMEOUT_MS) delay no one. */
START_TEST(test_idle_clients)
{
	int idle[8];
	gint64 t0;
	char *r;

	for (size_t i = 0; i < G_N_ELEMENTS(idle); i++)
		idle[i] = client();
	g_usleep(100000);
	t0 = g_get_monotonic_time();
	r = ask("PING\n");
	ck_assert_str_eq(r, "PONG\n");
	ck_assert_int_lt(g_get_monotonic_time() - t0, CONTROL_TIMEOUT_MS * 1000 / 2);
	g_free(r);
	for (size_t i = 0; i < G_N_ELEMENTS(idle); i++)
		close(idle[i]);
}
END_TEST

/* At most CONTROL_MAX_CLIENTS are served at once; one more is told so, not queued. */
START_TEST(test_cap)
{
	int idle[CONTROL_MAX_CLIENTS];
	gint64 deadline;
	char *r = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(idle); i++)
		idle[i] = client();
	/* one more is told it is busy (and closed at once: it sends nothing, it only reads);
	   the server may take a while to accept the idle ones under a slow build */
	deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	do {
		g_free(r);
		r = answer(client(), 500);
	} while (strcmp(r, "ERROR busy, try again\n") != 0 && g_get_monotonic_time() < deadline);
	ck_assert_str_eq(r, "ERROR busy, try again\n");
	g_free(r);
	for (size_t i = 0; i < G_N_ELEMENTS(idle); i++)
		close(idle[i]);
	/* the slots come back as the server sees the idle clients go */
	r = NULL;
	deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	do {
		int fd;

		g_free(r);
		fd = client();
		r = send(fd, "PING\n", 5, MSG_NOSIGNAL) == 5 ? answer(fd, 3000)
		                                             : (close(fd), g_strdup("send failed"));
	} while (strcmp(r, "PONG\n") != 0 && g_get_monotonic_time() < deadline);
	ck_assert_str_eq(r, "PONG\n");
	g_free(r);
}
END_TEST

/* A stop does not wait for idle clients to time out. */
START_TEST(test_stop_with_clients)
{
	int idle[4];
	gint64 t0;

	for (size_t i = 0; i < G_N_ELEMENTS(idle); i++)
		idle[i] = client();
	g_usleep(100000);
	t0 = g_get_monotonic_time();
	control_stop();
	ck_assert_int_lt(g_get_monotonic_time() - t0, CONTROL_TIMEOUT_MS * 1000 / 2);
	for (size_t i = 0; i < G_N_ELEMENTS(idle); i++)
		close(idle[i]);
	ck_assert(access(sock, F_OK) < 0);
}
END_TEST

/* control_read_line over a socketpair: the end of a line, and a line without one. */
START_TEST(test_read_line)
{
	int sv[2];
	char buf[CONTROL_MAX_LINE + 2];
	size_t len = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(write(sv[1], "STATS\nmore", 10), 10);
	ck_assert_int_eq(control_read_line(sv[0], buf, sizeof(buf), &len), 0);
	ck_assert_uint_eq(len, 5);
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	ck_assert_int_eq(control_read_line(sv[0], buf, sizeof(buf), &len), -1);
	close(sv[0]);
}
END_TEST

static Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_commands);
	tcase_add_test(tc, test_junk);
	tcase_add_test(tc, test_idle_clients);
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_stop_with_clients);
	tcase_add_test(tc, test_read_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(control_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
