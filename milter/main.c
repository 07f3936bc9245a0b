/*
 * partscan-milter: start-up and shut-down of the daemon.
 *
 *   partscan-milter [-c FILE] [-p SOCKET] [-d DBPATH]... [-f] [-t] [--version]
 *
 * Order: read the configuration, load the signatures (refuse to start without, unless
 * on_no_database = tempfail), open the milter and control sockets, drop privileges, go to
 * the background, write the pid file, start the worker pool, the reload and control threads
 * and libmilter (on its own thread), tell systemd we are ready, then wait.
 *
 * Signals: libmilter's own thread takes SIGTERM and SIGINT (a clean stop). SIGHUP (reload)
 * and SIGUSR1 (reopen the message log) are blocked in every thread but this one, whose
 * handlers only write a byte to the reload thread's pipe; Linux gives a process-directed
 * signal to the main thread first when it does not block it, so libmilter never sees SIGHUP.
 */

#include "milter/callbacks.h"
#include "milter/control.h"
#include "milter/live.h"
#include "milter/mlog.h"
#include "milter/reload.h"
#include "milter/session.h"
#include "milter/stats.h"
#include "milter/workers.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#define MAIN_DEFAULT_CONF "/etc/partscan/partscan.conf"

struct main_opts {
	char *conf_path;
	gboolean foreground, test, version;
	struct reload_overrides ovr;
};

static G_GNUC_NORETURN void main_die(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void main_die(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "partscan-milter: %s\n", msg);
	mlog_error("%s", msg);
	/* start-up failed: nothing to clean, and nothing of ours runs at exit */
	_exit(EXIT_FAILURE);
}

static void main_parse_args(int argc, char **argv, struct main_opts *o)
{
	GOptionEntry entries[] = {
	        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &o->conf_path,
	         "configuration file (default " MAIN_DEFAULT_CONF ")", "FILE"},
	        {"socket", 'p', 0, G_OPTION_ARG_STRING, &o->ovr.socket,
	         "milter socket, overrides milter.socket (unix:PATH, inet:PORT@HOST)", "SOCKET"},
	        {"database", 'd', 0, G_OPTION_ARG_FILENAME_ARRAY, &o->ovr.db_paths,
	         "signature path, overrides database.path (repeatable)", "DBPATH"},
	        {"foreground", 'f', 0, G_OPTION_ARG_NONE, &o->foreground,
	         "stay in the foreground, log to stderr too", NULL},
	        {"test", 't', 0, G_OPTION_ARG_NONE, &o->test,
	         "check the configuration, print the effective one, exit", NULL},
	        {"version", 'V', 0, G_OPTION_ARG_NONE, &o->version,
	         "print the version and the signatures on disk, exit", NULL},
	        {NULL}};
	GOptionContext *ctx = g_option_context_new("- partscan's milter for Postfix and Sendmail");
	GError *error = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "partscan-milter: %s (see --help)\n", error->message);
		exit(EXIT_FAILURE);
	}
	g_option_context_free(ctx);
	if (argc > 1) {
		fprintf(stderr, "partscan-milter: unexpected argument '%s'\n", argv[1]);
		exit(EXIT_FAILURE);
	}
	if (o->conf_path == NULL && g_file_test(MAIN_DEFAULT_CONF, G_FILE_TEST_EXISTS))
		o->conf_path = g_strdup(MAIN_DEFAULT_CONF);
}

static void main_free_opts(struct main_opts *o)
{
	g_free(o->conf_path);
	g_free(o->ovr.socket);
	g_strfreev(o->ovr.db_paths);
}

static void main_version(const struct conf *c)
{
	GString *out = g_string_new(NULL);

	printf("partscan-milter %s (ClamAV functionality level %u)\n", PARTSCAN_VERSION,
	       SIGDB_FLEVEL);
	printf("signatures on disk (what a start would load; not loaded by this command):\n");
	sigdb_describe_disk((const char *const *)c->db_paths, out);
	fputs(out->str, stdout);
	g_string_free(out, TRUE);
}

/* The path of a unix milter socket ("unix:/x", "local:/x", "/x"), or NULL for inet. */
static const char *main_unix_path(const char *socket)
{
	if (g_str_has_prefix(socket, "unix:"))
		return socket + 5;
	if (g_str_has_prefix(socket, "local:"))
		return socket + 6;
	return socket[0] == '/' ? socket : NULL;
}

static void main_open_sockets(const struct conf *c)
{
	const char *upath = main_unix_path(c->socket);
	GError *error = NULL;

	if (smfi_setconn(c->socket) != MI_SUCCESS)
		main_die("bad milter socket '%s'", c->socket);
	smfi_settimeout((int)c->timeout);
	if (callbacks_register() < 0)
		main_die("smfi_register failed");
	if (smfi_opensocket(1) != MI_SUCCESS)
		main_die("cannot open milter socket %s (in use, or no permission?)", c->socket);
	if (upath != NULL) {
		if (chmod(upath, c->socket_mode) < 0)
			main_die("chmod %s: %s", upath, g_strerror(errno));
		if (c->socket_group != NULL) {
			struct group *gr = getgrnam(c->socket_group);
			if (gr == NULL || chown(upath, (uid_t)-1, gr->gr_gid) < 0)
				main_die("cannot give %s to group %s", upath, c->socket_group);
		}
	}
	if (c->control_socket != NULL &&
	    control_open(c->control_socket, c->control_mode, c->control_group, &error) < 0)
		main_die("%s", error->message);
}

static void main_drop_privileges(const struct conf *c)
{
	struct passwd *pw;

	if (getuid() != 0 && geteuid() != 0)
		return; /* not root: nothing to drop */
	if (c->user == NULL) {
		if (!c->allow_root)
			main_die("refusing to run as root: set milter.user, or allow_root = yes");
		return;
	}
	pw = getpwnam(c->user);
	if (pw == NULL)
		main_die("milter.user '%s' does not exist", c->user);
	if (c->control_socket != NULL)
		(void)!chown(c->control_socket, pw->pw_uid, (gid_t)-1);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		main_die("cannot become user %s: %s", c->user, g_strerror(errno));
	if (setuid(0) == 0)
		main_die("privileges could not be dropped");
}

static void main_daemonize(void)
{
	pid_t pid = fork();
	int null;

	if (pid < 0)
		main_die("fork: %s", g_strerror(errno));
	if (pid > 0)
		_exit(EXIT_SUCCESS);
	setsid();
	if (chdir("/") < 0)
		main_die("chdir /: %s", g_strerror(errno));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
}

static void main_write_pid(const char *path)
{
	char *text = g_strdup_printf("%ld\n", (long)getpid());
	GError *error = NULL;

	if (path != NULL && !g_file_set_contents(path, text, -1, &error)) {
		mlog_warn("pid file: %s", error->message);
		g_error_free(error);
	}
	g_free(text);
}

static gpointer main_milter_thread(gpointer unused)
{
	int ret = smfi_main();

	if (ret != MI_SUCCESS)
		mlog_error("libmilter stopped with an error");
	return GINT_TO_POINTER(ret);
}

static void main_on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_signal();
	else
		reload_signal_logs();
}

/* Block the signals in this thread (and so in every thread it starts). */
static void main_block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* This thread alone takes SIGHUP and SIGUSR1, with handlers that only write a byte. */
static void main_take_signals(void)
{
	struct sigaction sa = {.sa_handler = main_on_signal, .sa_flags = SA_RESTART};
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static struct live *main_first_snapshot(struct conf *c)
{
	struct sigdb *db = NULL;
	GError *error = NULL;
	double secs = 0;
	struct live *l;

	if (reload_load_db(c, &db, &secs, &error) < 0) {
		if (c->on_no_database == CONF_NO_DB_REFUSE)
			main_die("no signatures: %s (refusing to start; on_no_database = "
			         "tempfail starts anyway and tempfails every message)",
			         error->message);
		mlog_error("no signatures: %s; every message is tempfailed until a reload "
		           "succeeds",
		           error->message);
	}
	if (db != NULL)
		reload_log_loaded(db, secs);
	l = live_new(c, db, secs);
	if (error != NULL) {
		l->load_error = g_strdup(error->message);
		g_error_free(error);
	}
	return l;
}

int main(int argc, char **argv)
{
	struct main_opts o = {0};
	struct conf *c;
	struct live *first;
	GError *error = NULL;
	GThread *milter;
	char host[256] = "localhost", *socket, *pid_file;
	unsigned int workers;
	int ret;

	main_parse_args(argc, argv, &o);
	/* libc reads /etc/localtime at every local-time conversion without TZ (archive members'
	   times): once is enough */
	if (getenv("TZ") == NULL)
		setenv("TZ", ":/etc/localtime", 0);
	if (reload_read_conf(o.conf_path, &o.ovr, &c, &error) < 0) {
		fprintf(stderr, "partscan-milter: %s\n", error->message);
		g_error_free(error);
		main_free_opts(&o);
		return EXIT_FAILURE;
	}
	if (o.test || o.version) {
		char *dump = o.test ? conf_dump(c) : NULL;

		if (o.test)
			fputs(dump, stdout);
		else
			main_version(c);
		g_free(dump);
		conf_free(&c);
		main_free_opts(&o);
		return EXIT_SUCCESS;
	}
	mlog_init(c->syslog_ident, c->syslog_facility, o.foreground);
	if (c->user == NULL && geteuid() == 0 && !c->allow_root)
		main_die("refusing to run as root: set milter.user, or allow_root = yes");
	(void)gethostname(host, sizeof(host) - 1);
	session_set_hostname(c->hostname != NULL ? c->hostname : host);
	stats_init();
	first = main_first_snapshot(c);
	main_open_sockets(c);
	main_drop_privileges(c);
	if (mlog_open(c->json_log, &error) < 0)
		main_die("message log: %s", error->message);
	if (!o.foreground)
		main_daemonize();
	main_write_pid(c->pid_file);
	/* what start-up needs of c, copied: a reload may free c once it is published */
	socket = g_strdup(c->socket);
	pid_file = g_strdup(c->pid_file);
	workers = c->workers;
	live_publish(first);
	c = NULL;

	main_block_signals();
	if (workers_init(workers, &error) < 0 || reload_start(o.conf_path, &o.ovr, &error) < 0)
		main_die("%s", error->message);
	control_start();
	milter = g_thread_new("milter", main_milter_thread, NULL);
	main_take_signals();
	mlog_info("partscan-milter %s ready on %s", PARTSCAN_VERSION, socket);
	sd_notify(0, "READY=1\nSTATUS=scanning");

	ret = GPOINTER_TO_INT(g_thread_join(milter));
	sd_notify(0, "STOPPING=1");
	mlog_info("stopping");
	control_stop();
	reload_stop();
	workers_shutdown();
	if (pid_file != NULL)
		(void)unlink(pid_file);
	live_shutdown();
	g_free(socket);
	g_free(pid_file);
	main_free_opts(&o);
	mlog_close();
	return ret == MI_SUCCESS ? EXIT_SUCCESS : EXIT_FAILURE;
}
