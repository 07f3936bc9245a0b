/*
 * reload: the reload thread and the snapshot builders (see reload.h).
 *
 * One thread polls an inotify descriptor and a wake-up pipe (written by the SIGHUP handler:
 * one byte, async-signal-safe). Builds are serialised by a mutex shared with reload_now().
 * inotify watches the signature directories (and the directories of signature files), and
 * is re-armed after every reload, as paths may have changed with the configuration.
 */

#include "milter/reload.h"
#include "milter/mlog.h"
#include "milter/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

static GMutex reload_lock;
static GThread *reload_thread;
static int reload_pipe[2] = {-1, -1};
static int reload_inotify = -1;
static char *reload_conf_path;
static struct reload_overrides reload_ovr;

int reload_read_conf(const char *path, const struct reload_overrides *ovr, struct conf **conf_r,
                     GError **error)
{
	struct conf *c;

	if (path != NULL) {
		if (conf_load(path, &c, error) < 0)
			return -1;
	} else {
		c = conf_defaults();
	}
	if (ovr != NULL && ovr->socket != NULL) {
		g_free(c->socket);
		c->socket = g_strdup(ovr->socket);
	}
	if (ovr != NULL && ovr->db_paths != NULL) {
		g_strfreev(c->db_paths);
		c->db_paths = g_strdupv(ovr->db_paths);
	}
	*conf_r = c;
	return 0;
}

static void reload_db_warn(void *ctx, const char *message)
{
	mlog_warn("signatures: %s", message);
}

int reload_load_db(const struct conf *conf, struct sigdb **db_r, double *seconds_r, GError **error)
{
	struct sigdb_options opts = {
	        .strict = conf->db_strict, .pua = conf->db_pua, .warn = reload_db_warn};
	gint64 t0 = g_get_monotonic_time();
	struct sigdb *db;

	*db_r = NULL;
	if (conf->db_paths == NULL || conf->db_paths[0] == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
		            "no signature path configured");
		return -1;
	}
	if (sigdb_load((const char *const *)conf->db_paths, &opts, &db, error) < 0)
		return -1;
	for (size_t i = 0; i < sigdb_source_count(db); i++) {
		const struct sigdb_source *s = sigdb_source_get(db, i);

		if (s->refused) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			            "%s (strict mode: file refused)", s->first_error);
			sigdb_unref(&db);
			return -1;
		}
	}
	if (sigdb_count(db) == 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "no signatures found in %s",
		            conf->db_paths[0]);
		sigdb_unref(&db);
		return -1;
	}
	*seconds_r = (double)(g_get_monotonic_time() - t0) / 1e6;
	*db_r = db;
	return 0;
}

static void reload_watch(const struct conf *conf);

void reload_log_loaded(const struct sigdb *db, double secs)
{
	char *containers = sigdb_containers_describe(db);

	mlog_info("signatures loaded: %zu from %zu files in %.3f s (generation %" G_GUINT64_FORMAT
	          ")%s%s",
	          sigdb_count(db), sigdb_source_count(db), secs, (guint64)sigdb_generation(db),
	          containers != NULL ? "; containers: " : "", containers != NULL ? containers : "");
	g_free(containers);
}

/* Build and publish; the caller holds reload_lock. */
static int reload_locked(bool with_conf, GError **error)
{
	struct live *cur = live_acquire();
	struct conf *conf = NULL;
	struct sigdb *db = NULL;
	double secs = 0;
	int ret = -1;

	if (with_conf || cur == NULL) {
		if (reload_read_conf(reload_conf_path, &reload_ovr, &conf, error) < 0)
			goto out;
		if (cur != NULL && g_strcmp0(conf->socket, cur->conf->socket) != 0)
			mlog_warn("milter.socket changed: it takes effect at the next restart");
		if (mlog_open(conf->json_log, error) < 0)
			goto out;
	} else {
		/* the same configuration: a private copy, as snapshots own theirs */
		char *text = conf_dump(cur->conf);
		int r = conf_parse(cur->conf->path != NULL ? cur->conf->path : "(defaults)", text,
		                   strlen(text), &conf, error);
		g_free(text);
		if (r < 0)
			goto out;
	}
	if (reload_load_db(conf, &db, &secs, error) < 0)
		goto out;
	mlog_info("signatures loaded: %zu from %zu files in %.3f s (generation %" G_GUINT64_FORMAT
	          ")",
	          sigdb_count(db), sigdb_source_count(db), secs, (guint64)sigdb_generation(db));
	reload_watch(conf);
	live_publish(live_new(conf, db, secs));
	conf = NULL;
	ret = 0;
out:
	conf_free(&conf);
	live_release(&cur);
	stats_reload(ret == 0);
	return ret;
}

int reload_now(bool with_conf, GError **error)
{
	int ret;

	g_mutex_lock(&reload_lock);
	ret = reload_locked(with_conf, error);
	g_mutex_unlock(&reload_lock);
	return ret;
}

static void reload_logged(bool with_conf)
{
	GError *error = NULL;

	if (reload_now(with_conf, &error) < 0) {
		mlog_error("reload failed, keeping the loaded signatures and configuration: %s",
		           error->message);
		g_error_free(error);
	}
}

/* ---- inotify ---- */

static void reload_watch(const struct conf *conf)
{
	const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE |
	                      IN_ATTRIB | IN_DELETE_SELF;

	if (reload_inotify >= 0)
		close(reload_inotify);
	reload_inotify = -1;
	if (!conf->db_watch || conf->db_paths == NULL)
		return;
	reload_inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (reload_inotify < 0) {
		mlog_warn("inotify: %s; signature changes need SIGHUP", g_strerror(errno));
		return;
	}
	for (char **p = conf->db_paths; *p != NULL; p++) {
		char *dir =
		        g_file_test(*p, G_FILE_TEST_IS_DIR) ? g_strdup(*p) : g_path_get_dirname(*p);

		if (inotify_add_watch(reload_inotify, dir, mask) < 0)
			mlog_warn("cannot watch %s: %s", dir, g_strerror(errno));
		g_free(dir);
	}
}

/* Does an inotify event concern a signature file? (temporary files of tools do not) */
static bool reload_relevant(const struct inotify_event *ev)
{
	if (ev->mask & (IN_DELETE_SELF | IN_Q_OVERFLOW))
		return true;
	if (ev->len == 0 || ev->name[0] == '.')
		return false;
	return sigdb_format_from_name(ev->name) != SIGDB_FORMAT_UNKNOWN;
}

static bool reload_drain_inotify(void)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool relevant = false;
	ssize_t n;

	while ((n = read(reload_inotify, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)p;

			relevant |= reload_relevant(ev);
			p += sizeof(*ev) + ev->len;
		}
	}
	return relevant;
}

static gpointer reload_main(gpointer unused)
{
	gint64 pending_since = 0, last_event = 0;

	for (;;) {
		struct pollfd fds[2] = {{reload_pipe[0], POLLIN, 0}, {reload_inotify, POLLIN, 0}};
		int timeout = pending_since != 0 ? RELOAD_SETTLE_MS / 4 : -1;
		char cmd;

		if (poll(fds, reload_inotify >= 0 ? 2 : 1, timeout) < 0 && errno != EINTR)
			break;
		if (fds[0].revents & POLLIN) {
			if (read(reload_pipe[0], &cmd, 1) != 1 || cmd == 'Q')
				break;
			if (cmd == 'L') {
				mlog_reopen();
			} else {
				mlog_info("SIGHUP: reloading configuration and signatures");
				reload_logged(true);
				pending_since = 0;
			}
		}
		if (reload_inotify >= 0 && (fds[1].revents & POLLIN) && reload_drain_inotify()) {
			last_event = g_get_monotonic_time();
			if (pending_since == 0)
				pending_since = last_event;
		}
		if (pending_since != 0) {
			gint64 now = g_get_monotonic_time();

			/* quiet for the settle time, or changing for too long: reload */
			if (now - last_event >= RELOAD_SETTLE_MS * 1000 ||
			    now - pending_since >= 4 * RELOAD_SETTLE_MS * 1000) {
				mlog_info("signature files changed: reloading");
				reload_logged(false);
				pending_since = 0;
			}
		}
	}
	return NULL;
}

int reload_start(const char *conf_path, const struct reload_overrides *ovr, GError **error)
{
	struct live *cur = live_acquire();

	reload_conf_path = g_strdup(conf_path);
	reload_ovr.socket = g_strdup(ovr->socket);
	reload_ovr.db_paths = g_strdupv(ovr->db_paths);
	if (pipe2(reload_pipe, O_CLOEXEC) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "pipe: %s",
		            g_strerror(errno));
		live_release(&cur);
		return -1;
	}
	if (cur != NULL)
		reload_watch(cur->conf);
	live_release(&cur);
	reload_thread = g_thread_new("reload", reload_main, NULL);
	return 0;
}

void reload_stop(void)
{
	char q = 'Q';

	if (reload_thread == NULL)
		return;
	if (write(reload_pipe[1], &q, 1) != 1)
		mlog_warn("reload thread: cannot signal stop");
	g_thread_join(reload_thread);
	reload_thread = NULL;
	if (reload_inotify >= 0)
		close(reload_inotify);
	reload_inotify = -1;
	g_clear_pointer(&reload_conf_path, g_free);
	g_clear_pointer(&reload_ovr.socket, g_free);
	g_clear_pointer(&reload_ovr.db_paths, g_strfreev);
}

static void reload_poke(char c)
{
	int saved = errno;

	if (reload_pipe[1] >= 0)
		(void)!write(reload_pipe[1], &c, 1);
	errno = saved;
}

void reload_signal(void)
{
	reload_poke('H');
}

void reload_signal_logs(void)
{
	reload_poke('L');
}

/* ---- loaded vs disk ---- */

/* The file a source came from (a container member's source names its container). */
static char *reload_source_file(const struct sigdb_source *s)
{
	const char *colon;

	if (g_file_test(s->path, G_FILE_TEST_EXISTS))
		return g_strdup(s->path);
	colon = strrchr(s->path, ':');
	return colon != NULL ? g_strndup(s->path, (gsize)(colon - s->path)) : g_strdup(s->path);
}

static void reload_disk_files(char **paths, GHashTable *out)
{
	for (; paths != NULL && *paths != NULL; paths++) {
		GDir *d;
		const char *name;

		if (!g_file_test(*paths, G_FILE_TEST_IS_DIR)) {
			g_hash_table_add(out, g_strdup(*paths));
			continue;
		}
		d = g_dir_open(*paths, 0, NULL);
		while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
			char *p;

			if (name[0] == '.' ||
			    sigdb_format_from_name(name) == SIGDB_FORMAT_UNKNOWN ||
			    sigdb_format_from_name(name) == SIGDB_FORMAT_SNAPSHOT)
				continue;
			p = g_build_filename(*paths, name, NULL);
			if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
				g_hash_table_add(out, p);
			else
				g_free(p);
		}
		if (d != NULL)
			g_dir_close(d);
	}
}

char *reload_disk_differs(const struct live *live)
{
	GHashTable *disk = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GString *what = g_string_new(NULL);
	const char *snap;

	if (live->db == NULL) {
		g_string_append(what, "no signatures loaded");
		goto out;
	}
	snap = sigdb_snapshot_path(live->db);
	if (snap != NULL) {
		struct stat st;
		/* a snapshot: compare the one file */
		if (stat(snap, &st) < 0)
			g_string_append_printf(what, "%s is gone", snap);
		goto out;
	}
	reload_disk_files(live->conf->db_paths, disk);
	for (size_t i = 0; i < sigdb_source_count(live->db); i++) {
		const struct sigdb_source *s = sigdb_source_get(live->db, i);
		char *file = reload_source_file(s);
		struct stat st;

		if (g_hash_table_contains(seen, file)) {
			g_free(file);
			continue;
		}
		if (stat(file, &st) < 0)
			g_string_append_printf(what, "%s%s is gone", what->len ? ", " : "", file);
		else if ((int64_t)st.st_mtime != s->mtime || (uint64_t)st.st_size != s->size)
			g_string_append_printf(what, "%s%s changed", what->len ? ", " : "", file);
		g_hash_table_remove(disk, file);
		g_hash_table_add(seen, file);
	}
	{
		GHashTableIter it;
		gpointer key;

		g_hash_table_iter_init(&it, disk);
		while (g_hash_table_iter_next(&it, &key, NULL))
			g_string_append_printf(what, "%s%s is new", what->len ? ", " : "",
			                       (char *)key);
	}
out:
	g_hash_table_destroy(disk);
	g_hash_table_destroy(seen);
	if (what->len == 0) {
		g_string_free(what, TRUE);
		return NULL;
	}
	return g_string_free(what, FALSE);
}
