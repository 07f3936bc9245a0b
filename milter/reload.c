/*
 * reload: the reload thread and the snapshot builders (see reload.h).
 *
 * One thread polls an inotify descriptor and a wake-up pipe (written by the SIGHUP handler:
 * one byte, async-signal-safe). Builds are serialised by a mutex shared with reload_now().
 * inotify watches the signature directories and the directories holding each configured
 * path (so that a directory deleted and recreated, or swapped with mv, and a snapshot renamed
 * in are seen); the watches are re-armed after every build and at every periodic check, as
 * directories come and go and paths change with the configuration. The periodic check
 * (every RELOAD_RESTAT_MS) compares a fingerprint of the disk (device, inode, size, mtime and
 * ctime in nanoseconds of every signature file) with the one taken when the last build
 * started: a change inotify missed still reloads, and a build that failed is not retried until
 * the disk changes again.
 */

#include "milter/reload.h"
#include "milter/mindex.h"
#include "milter/mlog.h"
#include "milter/retro.h"
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
static char *reload_disk_fp; /* the disk when the last build started (under reload_lock) */

static void reload_note_disk(const struct conf *conf);

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
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s (%sfile refused)",
			            s->first_error, conf->db_strict ? "strict mode: " : "");
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
	reload_note_disk(conf);
	if (reload_load_db(conf, &db, &secs, error) < 0)
		goto out;
	mlog_info("signatures loaded: %zu from %zu files in %.3f s (generation %" G_GUINT64_FORMAT
	          ")",
	          sigdb_count(db), sigdb_source_count(db), secs, (guint64)sigdb_generation(db));
	mindex_configure(conf); /* reopens the index when [index] changed */
	{
		struct live *now = live_new(conf, db, secs);

		live_publish(live_ref(now));
		/* the retro-hunt of what this generation adds, on its own thread */
		retro_after_reload(cur != NULL ? cur->db : NULL, now);
		live_release(&now);
	}
	conf = NULL;
	ret = 0;
out:
	conf_free(&conf);
	live_release(&cur);
	stats_reload(ret == 0);
	return ret;
}

/* Why the last reload failed (NULL: it did not): VERSION says it beside "reload pending". */
static char *reload_failure;
static GMutex reload_failure_lock;

int reload_now(bool with_conf, GError **error)
{
	GError *local = NULL;
	int ret;

	g_mutex_lock(&reload_lock);
	ret = reload_locked(with_conf, &local);
	g_mutex_unlock(&reload_lock);
	g_mutex_lock(&reload_failure_lock);
	g_free(reload_failure);
	reload_failure = ret < 0 ? g_strdup(local->message) : NULL;
	g_mutex_unlock(&reload_failure_lock);
	if (local != NULL)
		g_propagate_error(error, local);
	return ret;
}

char *reload_last_failure(void)
{
	char *why;

	g_mutex_lock(&reload_failure_lock);
	why = g_strdup(reload_failure);
	g_mutex_unlock(&reload_failure_lock);
	return why;
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

/* ---- what is on disk: the fingerprint ---- */

static void reload_fp_add(GString *fp, const char *path, bool whole)
{
	struct sigdb_stamp st;

	if (sigdb_stamp_path(path, &st) < 0) {
		g_string_append_printf(fp, "%s -\n", path);
		return;
	}
	if (!whole) /* a directory: which one it is, not its times (temporary files touch them) */
		st.size = 0, st.mtime_ns = st.ctime_ns = 0;
	g_string_append_printf(fp,
	                       "%s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
	                       " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
	                       path, st.dev, st.ino, st.size, st.mtime_ns, st.ctime_ns);
}

static gint reload_path_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *reload_fingerprint(char *const *paths)
{
	GString *fp = g_string_new(NULL);

	for (; paths != NULL && *paths != NULL; paths++) {
		GPtrArray *names;
		GDir *d;
		const char *name;

		if (!g_file_test(*paths, G_FILE_TEST_IS_DIR)) {
			reload_fp_add(fp, *paths, true);
			continue;
		}
		reload_fp_add(fp, *paths, false);
		d = g_dir_open(*paths, 0, NULL);
		if (d == NULL)
			continue;
		names = g_ptr_array_new_with_free_func(g_free);
		while ((name = g_dir_read_name(d)) != NULL) {
			if (name[0] != '.' && sigdb_format_from_name(name) != SIGDB_FORMAT_UNKNOWN)
				g_ptr_array_add(names, g_build_filename(*paths, name, NULL));
		}
		g_dir_close(d);
		g_ptr_array_sort(names, reload_path_cmp);
		for (guint i = 0; i < names->len; i++)
			reload_fp_add(fp, g_ptr_array_index(names, i), true);
		g_ptr_array_free(names, TRUE);
	}
	return g_string_free(fp, FALSE);
}

/* Remember what the disk held when a build started (the caller holds reload_lock). */
static void reload_note_disk(const struct conf *conf)
{
	g_free(reload_disk_fp);
	reload_disk_fp = reload_fingerprint(conf->db_paths);
}

/* Has the disk changed since the last build (successful or not)? */
static bool reload_disk_moved(void)
{
	struct live *cur = live_acquire();
	char *fp;
	bool moved;

	if (cur == NULL)
		return false;
	fp = reload_fingerprint(cur->conf->db_paths);
	g_mutex_lock(&reload_lock);
	moved = g_strcmp0(fp, reload_disk_fp) != 0;
	g_mutex_unlock(&reload_lock);
	g_free(fp);
	live_release(&cur);
	return moved;
}

/* ---- inotify ---- */

/*
 * One watch: a signature directory (name NULL: any signature file in it counts), a configured
 * path that is a file (self: its writes, cp over it, truncation) or the directory holding a
 * configured path (name: only that entry counts: a directory deleted, recreated or swapped
 * with mv, a snapshot renamed in). A holding directory is watched for its entries coming and
 * going only, never for writes: the JSON log, an index database or anything else written
 * beside the signatures must not wake the thread at each write. Watches belong to the reload
 * thread.
 */
struct reload_wd {
	int wd;
	bool self;
	char *name;
};

static GArray *reload_wds;          /* struct reload_wd */
static gint reload_inotify_wakeups; /* poll() returned for inotify (atomic) */

static void reload_wd_add(GArray *wds, const char *path, const char *name, bool self, uint32_t mask)
{
	struct reload_wd w;

	w.wd = inotify_add_watch(reload_inotify, path,
	                         mask | IN_MASK_ADD | (self ? 0u : IN_ONLYDIR));
	if (w.wd < 0)
		return; /* gone for now: the periodic check notices its return */
	w.self = self;
	w.name = g_strdup(name);
	g_array_append_val(wds, w);
}

static void reload_wds_free(GArray **wds)
{
	for (guint i = 0; *wds != NULL && i < (*wds)->len; i++)
		g_free(g_array_index(*wds, struct reload_wd, i).name);
	if (*wds != NULL)
		g_array_free(*wds, TRUE);
	*wds = NULL;
}

static bool reload_wds_has(GArray *wds, int wd)
{
	for (guint i = 0; wds != NULL && i < wds->len; i++)
		if (g_array_index(wds, struct reload_wd, i).wd == wd)
			return true;
	return false;
}

/* (Re-)arm the watches for the current configuration's paths; drop those no longer wanted. */
static void reload_arm(void)
{
	const uint32_t dir_mask = IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM |
	                          IN_DELETE | IN_CREATE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
	const uint32_t file_mask =
	        IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
	const uint32_t parent_mask = IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE |
	                             IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
	struct live *cur = live_acquire();
	GArray *wds = g_array_new(FALSE, FALSE, sizeof(struct reload_wd));

	if (reload_inotify >= 0 && cur != NULL && cur->conf->db_watch) {
		for (char **p = cur->conf->db_paths; p != NULL && *p != NULL; p++) {
			char *parent = g_path_get_dirname(*p), *base = g_path_get_basename(*p);

			if (g_file_test(*p, G_FILE_TEST_IS_DIR))
				reload_wd_add(wds, *p, NULL, false, dir_mask);
			else if (g_file_test(*p, G_FILE_TEST_IS_REGULAR))
				reload_wd_add(wds, *p, NULL, true, file_mask);
			reload_wd_add(wds, parent, base, false, parent_mask);
			g_free(parent);
			g_free(base);
		}
	}
	for (guint i = 0; reload_wds != NULL && i < reload_wds->len; i++) {
		int wd = g_array_index(reload_wds, struct reload_wd, i).wd;

		if (!reload_wds_has(wds, wd))
			inotify_rm_watch(reload_inotify, wd);
	}
	reload_wds_free(&reload_wds);
	reload_wds = wds;
	live_release(&cur);
}

/* Does an inotify event concern a signature file? (temporary files of tools do not) */
static bool reload_relevant(const struct inotify_event *ev)
{
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_Q_OVERFLOW))
		return true;
	for (guint i = 0; reload_wds != NULL && i < reload_wds->len; i++) {
		const struct reload_wd *w = &g_array_index(reload_wds, struct reload_wd, i);

		if (w->wd != ev->wd)
			continue;
		if (w->self && !(ev->mask & IN_IGNORED))
			return true;
		if (ev->len == 0)
			continue;
		if (w->name != NULL ? strcmp(w->name, ev->name) == 0
		                    : ev->name[0] != '.' && sigdb_format_from_name(ev->name) !=
		                                                    SIGDB_FORMAT_UNKNOWN)
			return true;
	}
	return false;
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

static bool reload_watching(void)
{
	struct live *cur = live_acquire();
	bool on = cur != NULL && cur->conf->db_watch;

	live_release(&cur);
	return on;
}

/*
 * The thread: SIGHUP and stop requests by the pipe, changes by inotify (collected for the
 * settle time), and every RELOAD_RESTAT_MS a fingerprint of the disk, which catches what
 * inotify cannot see (a watched directory replaced before its watch was re-armed, a file
 * system without inotify). After every build the watches are re-armed.
 */
static gpointer reload_main(gpointer unused)
{
	gint64 pending_since = 0, last_event = 0, next_check = 0;

	reload_arm();
	for (;;) {
		struct pollfd fds[2] = {{reload_pipe[0], POLLIN, 0}, {reload_inotify, POLLIN, 0}};
		gint64 now = g_get_monotonic_time();
		int timeout;
		char cmd;

		if (next_check == 0)
			next_check = now + RELOAD_RESTAT_MS * 1000;
		timeout = (int)MAX(0, (next_check - now) / 1000 + 1);
		if (pending_since != 0)
			timeout = MIN(timeout, RELOAD_SETTLE_MS / 4);
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
				reload_arm();
				pending_since = 0;
			}
		}
		now = g_get_monotonic_time();
		if (reload_inotify >= 0 && (fds[1].revents & POLLIN))
			g_atomic_int_inc(&reload_inotify_wakeups);
		if (reload_inotify >= 0 && (fds[1].revents & POLLIN) && reload_drain_inotify()) {
			last_event = now;
			if (pending_since == 0)
				pending_since = last_event;
		}
		if (now >= next_check) {
			next_check = now + RELOAD_RESTAT_MS * 1000;
			reload_arm();
			if (pending_since == 0 && reload_watching() && reload_disk_moved())
				pending_since = last_event = now;
		}
		/* quiet for the settle time, or changing for too long: reload */
		if (pending_since != 0 && (now - last_event >= RELOAD_SETTLE_MS * 1000 ||
		                           now - pending_since >= 4 * RELOAD_SETTLE_MS * 1000)) {
			mlog_info("signature files changed: reloading");
			reload_logged(false);
			reload_arm();
			pending_since = 0;
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
	reload_inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (reload_inotify < 0)
		mlog_warn("inotify: %s; signature changes are seen every %d s", g_strerror(errno),
		          RELOAD_RESTAT_MS / 1000);
	g_mutex_lock(&reload_lock);
	if (cur != NULL && reload_disk_fp == NULL)
		reload_note_disk(cur->conf);
	g_mutex_unlock(&reload_lock);
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
	reload_wds_free(&reload_wds);
	if (reload_inotify >= 0)
		close(reload_inotify);
	reload_inotify = -1;
	for (int i = 0; i < 2; i++) {
		if (reload_pipe[i] >= 0)
			close(reload_pipe[i]);
		reload_pipe[i] = -1;
	}
	g_clear_pointer(&reload_disk_fp, g_free);
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
		struct sigdb_stamp now;
		/* a snapshot: compare the one file */
		if (sigdb_stamp_path(snap, &now) < 0)
			g_string_append_printf(what, "%s is gone", snap);
		else if (!sigdb_stamp_equal(&now, sigdb_snapshot_stamp(live->db)))
			g_string_append_printf(what, "%s changed", snap);
		goto out;
	}
	reload_disk_files(live->conf->db_paths, disk);
	for (size_t i = 0; i < sigdb_source_count(live->db); i++) {
		const struct sigdb_source *s = sigdb_source_get(live->db, i);
		char *file = reload_source_file(s);
		struct sigdb_stamp now;

		if (g_hash_table_contains(seen, file)) {
			g_free(file);
			continue;
		}
		if (sigdb_stamp_path(file, &now) < 0)
			g_string_append_printf(what, "%s%s is gone", what->len ? ", " : "", file);
		else if (s->stamp.ino != 0 ? !sigdb_stamp_equal(&now, &s->stamp)
		                           : (int64_t)(now.mtime_ns / 1000000000) != s->mtime ||
		                                     now.size != s->size)
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

unsigned int reload_wakeups(void)
{
	return (unsigned int)g_atomic_int_get(&reload_inotify_wakeups);
}
