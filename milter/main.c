/*
 * partscan-milter: start-up and shut-down of the daemon.
 *
 *   partscan-milter [-c FILE] [-p SOCKET] [-d DBPATH]... [-f] [-t] [--version]
 *
 * Order: read the configuration, load the signatures (refuse to start without, unless
 * on_no_database = tempfail), open the milter socket and put the packet gate (gate.h) in
 * front of libmilter, open the control socket, drop privileges, go to the background, write
 * the pid file, start the worker pool, the reload, control and gate threads and libmilter
 * (on its own thread), tell systemd we are ready, then take signals.
 *
 * Signals: blocked in every thread from the first line of main() on (so in every thread
 * GLib, GMime, libmilter and we start); the main thread then does nothing but take them with
 * sigtimedwait: SIGHUP reloads (a byte to the reload thread's pipe), SIGUSR1 reopens the
 * message log, SIGTERM and SIGINT call smfi_stop(). No code runs in signal context.
 * libmilter starts its own signal thread in smfi_main(), which sigwaits SIGHUP, SIGTERM and
 * SIGINT and stops the milter on any of them: for SIGTERM and SIGINT that is what we do too
 * (the milter thread then wakes the main thread), but a SIGHUP it took would stop the daemon.
 * Two threads sigwaiting the same signal is unspecified by POSIX; Linux gives a
 * process-directed signal to the thread group leader when it waits for it, which the main
 * thread always does but for the microseconds it takes to pass one on. `partscan ctl reload`
 * (the control socket) reloads without any signal.
 */

#include "milter/callbacks.h"
#include "milter/control.h"
#include "milter/gate.h"
#include "milter/live.h"
#include "milter/metrics.h"
#include "milter/mlog.h"
#include "milter/mindex.h"
#include "milter/released.h"
#include "milter/reload.h"
#include "milter/retro.h"
#include "milter/session.h"
#include "milter/stats.h"
#include "milter/workers.h"
#include "conf/quarantine.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#define MAIN_DEFAULT_CONF "/etc/partscan/partscan.conf"
/* Quarantine temporary files older than this (s) are orphans; the store is swept this often. */
#define MAIN_TMP_AGE 600

struct main_opts {
	char *conf_path;
	gboolean foreground, test, version;
	struct reload_overrides ovr;
};

static G_GNUC_NORETURN void main_die(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static bool main_log_stderr; /* mlog writes to stderr too (-f) */
/* Sockets this start created, removed by main_die() so that a failed start leaves none. */
static const char *main_created[3];

static void main_die(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (!main_log_stderr) /* else mlog_error prints it there */
		fprintf(stderr, "partscan-milter: %s\n", msg);
	mlog_error("%s", msg);
	/* start-up failed: only our sockets to remove, nothing of ours runs at exit */
	for (size_t i = 0; i < G_N_ELEMENTS(main_created); i++) {
		if (main_created[i] != NULL)
			(void)unlink(main_created[i]);
	}
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
	if (o->ovr.socket != NULL) {
		char *why = conf_socket_error(o->ovr.socket);

		if (why != NULL) {
			fprintf(stderr, "partscan-milter: -p %s: %s\n", o->ovr.socket, why);
			exit(EXIT_FAILURE);
		}
	}
	if (o->conf_path == NULL && g_file_test(MAIN_DEFAULT_CONF, G_FILE_TEST_EXISTS))
		o->conf_path = g_strdup(MAIN_DEFAULT_CONF);
	/* every reload reads them again, after main_daemonize() went to "/" */
	if (o->conf_path != NULL) {
		char *abs = g_canonicalize_filename(o->conf_path, NULL);

		g_free(o->conf_path);
		o->conf_path = abs;
	}
	for (char **p = o->ovr.db_paths; p != NULL && *p != NULL; p++) {
		char *abs = g_canonicalize_filename(*p, NULL);

		g_free(*p);
		*p = abs;
	}
}

/* Each MTA connection costs three descriptors with the gate (MTA, gate, libmilter): take
   the hard limit rather than the soft one (often 1024). */
static void main_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
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
	main_created[0] = upath;
	if (c->packet_gate && gate_open(c->socket, c->timeout, &error) < 0) {
		mlog_warn("milter socket %s: without the packet gate (%s): a connection stalled "
		          "in the middle of a packet holds a libmilter worker up to %u s",
		          c->socket, error->message, c->timeout);
		g_clear_error(&error);
	}
	main_created[1] = gate_inner_path();
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
	if (c->metrics_listen != NULL && metrics_open(c->metrics_listen, &error) < 0)
		main_die("%s", error->message);
	main_created[2] = c->control_socket;
}

/* What -t checks beyond the file's syntax: the names it gives exist on this host. NULL, or
   the problem (to g_free). */
static char *main_check_host(const struct conf *c)
{
	const char *groups[] = {c->socket_group, c->control_group};

	if (c->user != NULL && getpwnam(c->user) == NULL)
		return g_strdup_printf("milter.user '%s' does not exist", c->user);
	for (size_t i = 0; i < G_N_ELEMENTS(groups); i++) {
		if (groups[i] != NULL && getgrnam(groups[i]) == NULL)
			return g_strdup_printf("group '%s' does not exist", groups[i]);
	}
	return NULL;
}

/* Create a missing directory (and its parents) for the user pw; with own, give an existing one
   owned by root to it as well. */
static void main_own_dir(const char *dir, const struct passwd *pw, bool own)
{
	struct stat st;

	if (stat(dir, &st) < 0) {
		if (g_mkdir_with_parents(dir, 0755) < 0 || chmod(dir, 0750) < 0)
			main_die("cannot create %s: %s", dir, g_strerror(errno));
		own = true;
	} else if (st.st_uid != 0) {
		own = false;
	}
	if (own && chown(dir, pw->pw_uid, pw->pw_gid) < 0)
		main_die("cannot give %s to user %s: %s", dir, pw->pw_name, g_strerror(errno));
}

/* A file the daemon writes once it is pw: created if missing, given to pw if root's. */
static void main_own_file(const char *path, const struct passwd *pw, mode_t mode)
{
	char *dir = g_path_get_dirname(path);
	struct stat st;
	int fd;

	main_own_dir(dir, pw, false);
	g_free(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		main_die("%s: %s", path, g_strerror(errno));
	if (fstat(fd, &st) == 0 && st.st_uid == 0 && fchown(fd, pw->pw_uid, pw->pw_gid) < 0)
		main_die("cannot give %s to user %s: %s", path, pw->pw_name, g_strerror(errno));
	close(fd);
}

/*
 * Started as root with milter.user set: what the daemon writes after it has become that user
 * (message log, pid file, quarantine store) is made ready while still root, as the systemd
 * unit's directories would be: missing directories are created for the user, the log and pid
 * files and a quarantine directory owned by root are given to it.
 */
static void main_prepare_paths(const struct conf *c)
{
	struct passwd *pw;

	if (geteuid() != 0 || c->user == NULL)
		return;
	pw = getpwnam(c->user);
	if (pw == NULL)
		main_die("milter.user '%s' does not exist", c->user);
	if (pw->pw_uid == 0)
		return;
	if (c->quarantine_dir != NULL)
		main_own_dir(c->quarantine_dir, pw, true);
	if (c->json_log != NULL)
		main_own_file(c->json_log, pw, 0640);
	if (c->pid_file != NULL)
		main_own_file(c->pid_file, pw, 0644);
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
	if (main_unix_path(c->socket) != NULL) /* ours: main_wake_listener() connects to it */
		(void)!chown(main_unix_path(c->socket), pw->pw_uid, (gid_t)-1);
	if (gate_inner_path() != NULL)
		(void)!chown(gate_inner_path(), pw->pw_uid, (gid_t)-1);
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

/* The pid file, mode 0644 whatever the umask (monitors and init scripts of other users read
   it). */
static void main_write_pid(const char *path)
{
	char text[32];
	int fd, len = snprintf(text, sizeof(text), "%ld\n", (long)getpid());

	if (path == NULL)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || fchmod(fd, 0644) < 0 || write(fd, text, (size_t)len) != len)
		mlog_warn("pid file %s: %s", path, g_strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Temporary files of quarantine writes that never finished (a kill -9 in the middle). */
static void main_sweep_quarantine(void)
{
	struct live *l = live_acquire();
	GError *error = NULL;
	unsigned int removed = 0;

	if (l != NULL && l->conf->quarantine_dir != NULL &&
	    g_file_test(l->conf->quarantine_dir, G_FILE_TEST_IS_DIR)) {
		if (quarantine_clean_tmp(l->conf->quarantine_dir, MAIN_TMP_AGE, &removed, &error) <
		    0) {
			mlog_warn("quarantine store: %s", error->message);
			g_error_free(error);
		} else if (removed > 0) {
			mlog_info("quarantine store: removed %u unfinished temporary file%s",
			          removed, removed == 1 ? "" : "s");
		}
	}
	live_release(&l);
}

static gpointer main_sweep_thread(gpointer unused)
{
	main_sweep_quarantine();
	return NULL;
}

static pthread_t main_thread;
static gint main_milter_done;
static char *main_socket; /* the milter socket, for main_wake_listener() */

/*
 * A connection of our own to the milter socket, to wake libmilter's listener from its poll.
 * Best effort: unix and IPv4 inet sockets.
 */
static void main_wake_listener(void)
{
	const char *upath = main_unix_path(main_socket);
	struct sockaddr_storage ss = {0};
	socklen_t sslen = 0;
	int fd;

	if (upath != NULL) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		if (strlen(upath) >= sizeof(sun->sun_path))
			return;
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, upath);
		sslen = sizeof(*sun);
	} else if (g_str_has_prefix(main_socket, "inet:")) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		const char *at = strchr(main_socket, '@');
		unsigned long port = strtoul(main_socket + 5, NULL, 10);

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (at == NULL || inet_pton(AF_INET, at + 1, &sin->sin_addr) != 1 ||
		    sin->sin_addr.s_addr == htonl(INADDR_ANY))
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sslen = sizeof(*sin);
	} else {
		return;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	(void)connect(fd, (struct sockaddr *)&ss, sslen);
	close(fd);
}

static gpointer main_milter_thread(gpointer unused)
{
	int ret = smfi_main();

	g_atomic_int_set(&main_milter_done, 1);
	if (ret != MI_SUCCESS)
		mlog_error("libmilter stopped with an error");
	/* stopped by libmilter's own signal thread, or by an error: wake the signal loop */
	pthread_kill(main_thread, SIGTERM);
	return GINT_TO_POINTER(ret);
}

static gpointer main_stop_thread(gpointer unused)
{
	(void)smfi_stop();
	return NULL;
}

/*
 * Stop libmilter. smfi_stop() waits for a lock that libmilter's listener holds while it polls
 * the listening socket, up to 5 s when no MTA connects: connections of our own wake it until
 * smfi_main() has returned, so a stop takes milliseconds.
 */
static void main_stop(void)
{
	GThread *stop = g_thread_new("stop", main_stop_thread, NULL);

	for (int i = 0; i < 200 && !g_atomic_int_get(&main_milter_done); i++) {
		main_wake_listener();
		g_usleep(10000);
	}
	g_thread_join(stop);
}

static void main_signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

/*
 * The stack of every thread started after (libmilter's one per MTA connection, the scan pool,
 * the gate): 2 MiB where the default is the stack limit (8 MiB). glibc keeps the stacks of
 * threads that ended, up to 40 MiB, for the next threads; at 8 MiB, sixteen connections at once
 * left most of theirs to be unmapped and mapped again for every new connection, each unmapping
 * a TLB shootdown on every core: 9% of the CPU of a text message on new connections (make
 * bench). Nothing partscan does recurses without a bound; the deepest is a message nested to
 * max_depth at its highest (1000 levels of multipart or message/rfc822), which takes between
 * 256 and 512 KiB; the unit tests pass with 256 KiB stacks.
 */
#define MAIN_THREAD_STACK (2u << 20)

static void main_thread_stacks(void)
{
	pthread_attr_t a;

	if (pthread_attr_init(&a) != 0)
		return;
	if (pthread_attr_setstacksize(&a, MAIN_THREAD_STACK) == 0)
		(void)pthread_setattr_default_np(&a);
	pthread_attr_destroy(&a);
}

/* Block the signals in this thread, and so in every thread started after: they are taken
   by main_signal_loop() alone (and by libmilter's own signal thread, see the top). */
static void main_block_signals(void)
{
	sigset_t set;

	main_signal_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * The main thread's only work once running: take SIGHUP (reload), SIGUSR1 (reopen the
 * message log), SIGTERM and SIGINT (stop) with sigwait, nothing run in signal context; and
 * every MAIN_TMP_AGE seconds sweep the quarantine store. Returns when the milter stops.
 */
static void main_signal_loop(void)
{
	struct timespec tick = {.tv_sec = MAIN_TMP_AGE};
	sigset_t set;

	main_signal_set(&set);
	for (;;) {
		int sig = sigtimedwait(&set, NULL, &tick);

		if (sig == SIGHUP) {
			reload_signal();
		} else if (sig == SIGUSR1) {
			reload_signal_logs();
		} else if (sig == SIGTERM || sig == SIGINT) {
			main_stop();
			return;
		} else if (sig < 0 && errno == EAGAIN) {
			/* on a thread of its own: this one goes straight back to sigwait */
			g_thread_unref(g_thread_new("sweep", main_sweep_thread, NULL));
		}
	}
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
	main_raise_nofile();
	main_block_signals(); /* before any thread starts (GLib's, GMime's, ours, libmilter's) */
	main_thread_stacks();
	main_thread = pthread_self();
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
		char *bad = o.test ? main_check_host(c) : NULL;

		if (bad != NULL) {
			fprintf(stderr, "partscan-milter: %s: %s\n",
			        c->path != NULL ? c->path : "built-in defaults", bad);
			g_free(bad);
			g_free(dump);
			conf_free(&c);
			main_free_opts(&o);
			return EXIT_FAILURE;
		}
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
	main_log_stderr = o.foreground;
	if (c->user == NULL && geteuid() == 0 && !c->allow_root)
		main_die("refusing to run as root: set milter.user, or allow_root = yes");
	(void)gethostname(host, sizeof(host) - 1);
	session_set_hostname(c->hostname != NULL ? c->hostname : host);
	stats_init();
	first = main_first_snapshot(c);
	main_prepare_paths(c);
	main_open_sockets(c);
	main_drop_privileges(c);
	if (mlog_open(c->json_log, &error) < 0)
		main_die("message log: %s", error->message);
	if (!o.foreground)
		main_daemonize();
	main_write_pid(c->pid_file);
	main_thread = pthread_self(); /* (a new process after main_daemonize) */
	/* what start-up needs of c, copied: a reload may free c once it is published */
	socket = g_strdup(c->socket);
	main_socket = socket;
	pid_file = g_strdup(c->pid_file);
	workers = c->workers;
	/* after dropping privileges: an index file is created as the milter's user */
	mindex_configure(c);
	live_publish(live_ref(first));
	retro_at_start(first); /* with [retro] state: what arrived while the daemon was down */
	live_release(&first);
	c = NULL;
	main_sweep_quarantine();

	if (workers_init(workers, &error) < 0 || reload_start(o.conf_path, &o.ovr, &error) < 0)
		main_die("%s", error->message);
	control_start();
	if (metrics_start(&error) < 0)
		main_die("%s", error->message);
	gate_start();
	milter = g_thread_new("milter", main_milter_thread, NULL);
	mlog_info("partscan-milter %s ready on %s", PARTSCAN_VERSION, socket);
	sd_notify(0, "READY=1\nSTATUS=scanning");

	main_signal_loop();
	ret = GPOINTER_TO_INT(g_thread_join(milter));
	sd_notify(0, "STOPPING=1");
	mlog_info("stopping");
	gate_stop();
	metrics_stop();
	control_stop();
	reload_stop();
	retro_stop();
	workers_shutdown();
	mindex_shutdown();
	if (pid_file != NULL)
		(void)unlink(pid_file);
	live_shutdown();
	released_clear();
	g_free(socket);
	g_free(pid_file);
	main_free_opts(&o);
	mlog_close();
	return ret == MI_SUCCESS ? EXIT_SUCCESS : EXIT_FAILURE;
}
