/*
 * control: the control socket server (see control.h). Commands are parsed by
 * control_reply(), which sees only the bounded line; a slow or silent client is dropped
 * after CONTROL_TIMEOUT_MS. One thread accepts; each client is served on a thread of its own,
 * at most CONTROL_MAX_CLIENTS at once (one more is told "ERROR busy"), so idle clients
 * neither delay others nor hold more than that many threads and descriptors.
 */

#include "milter/control.h"
#include "milter/mindex.h"
#include "milter/live.h"
#include "milter/mlog.h"
#include "milter/reload.h"
#include "milter/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int control_fd = -1;
static int control_wake[2] = {-1, -1};
static char *control_path;
static struct stat control_st; /* of the socket we bound: unlink only that one at the end */
static GThread *control_thread;

/* The clients being served: their sockets, so that control_stop() can end them. */
static GMutex control_lock;
static GCond control_idle;
static int control_clients[CONTROL_MAX_CLIENTS];
static unsigned int control_nclients;

static void control_time(GString *out, int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
	g_string_append(out, buf);
}

/* "index: sqlite, up, N written, N dropped, N queued" or "index: off". */
static void control_index_text(GString *out)
{
	struct index *idx = mindex_acquire();
	struct index_stats st;

	if (idx == NULL) {
		g_string_append(out, "index: off\n");
		return;
	}
	index_get_stats(idx, &st);
	g_string_append_printf(out,
	                       "index: %s, %s, %" G_GUINT64_FORMAT " written, %" G_GUINT64_FORMAT
	                       " dropped, %" G_GUINT64_FORMAT " errors, %u queued\n",
	                       index_driver_name(idx), st.up ? "up" : "down", st.written,
	                       st.dropped, st.errors, st.queued);
	mindex_release(&idx);
}

char *control_version_text(void)
{
	GString *out = g_string_new(NULL);
	struct live *l = live_acquire();
	char *differs;

	g_string_append_printf(out, "partscan %s\n", PARTSCAN_VERSION);
	if (l == NULL || l->db == NULL) {
		g_string_append(out, "loaded: no signatures\n");
		live_release(&l);
		return g_string_free(out, FALSE);
	}
	g_string_append_printf(out, "loaded: generation %" G_GUINT64_FORMAT ", %zu signatures, at ",
	                       (guint64)sigdb_generation(l->db), sigdb_count(l->db));
	control_time(out, l->loaded_at / G_USEC_PER_SEC);
	g_string_append_printf(out, " in %.3f s%s%s\n", l->load_seconds,
	                       sigdb_snapshot_path(l->db) != NULL ? ", snapshot " : "",
	                       sigdb_snapshot_path(l->db) != NULL ? sigdb_snapshot_path(l->db)
	                                                          : "");
	g_string_append(out, "kinds: ");
	sigdb_describe_targets(l->db, out); /* "file N, pe-section N, pe-imports N\n" */
	for (size_t i = 0; i < sigdb_source_count(l->db); i++) {
		const struct sigdb_source *s = sigdb_source_get(l->db, i);
		unsigned int n = 0;

		for (int k = 0; k < SIGDB_KIND__COUNT; k++)
			for (int t = 0; t < DIGEST__COUNT; t++)
				n += s->counts[k][t];
		g_string_append_printf(out, "  %s: %s%s%u signatures, modified ", s->path,
		                       s->version != NULL ? s->version : "",
		                       s->version != NULL ? ", " : "", n);
		control_time(out, s->mtime);
		g_string_append_c(out, '\n');
	}
	differs = reload_disk_differs(l);
	if (differs == NULL)
		g_string_append(out, "disk: same as loaded\n");
	else
		g_string_append_printf(out, "disk: reload pending (%s)\n", differs);
	g_free(differs);
	differs = reload_last_failure();
	if (differs != NULL)
		g_string_append_printf(out, "last reload failed: %s\n", differs);
	g_free(differs);
	control_index_text(out);
	differs = mlog_reopen_failed();
	if (differs != NULL)
		g_string_append_printf(out,
		                       "message log: cannot reopen (%s): still writing to the "
		                       "file it had open\n",
		                       differs);
	g_free(differs);
	live_release(&l);
	return g_string_free(out, FALSE);
}

static char *control_reload(void)
{
	GError *error = NULL;
	struct live *l;
	char *reply;

	if (reload_now(true, &error) < 0) {
		reply = g_strdup_printf("ERROR reload failed, still using the loaded signatures: "
		                        "%s\n",
		                        error->message);
		g_error_free(error);
		return reply;
	}
	l = live_acquire();
	reply = g_strdup_printf("RELOADED generation %" G_GUINT64_FORMAT ", %zu signatures\n",
	                        (guint64)sigdb_generation(l->db), sigdb_count(l->db));
	live_release(&l);
	return reply;
}

static char *control_stats(void)
{
	struct live *l = live_acquire();
	char *json, *reply;

	json = stats_json(l != NULL && l->db != NULL ? sigdb_count(l->db) : 0,
	                  l != NULL && l->db != NULL ? sigdb_generation(l->db) : 0);
	live_release(&l);
	reply = g_strconcat(json, "\n", NULL);
	g_free(json);
	return reply;
}

enum control_cmd control_parse(const char *line, size_t len)
{
	static const char *const names[] = {[CONTROL_PING] = "PING",
	                                    [CONTROL_VERSION] = "VERSION",
	                                    [CONTROL_RELOAD] = "RELOAD",
	                                    [CONTROL_STATS] = "STATS"};

	/* the command word, case-insensitive, surrounding blanks and CR ignored */
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (len == 0 || len > CONTROL_MAX_LINE || memchr(line, '\0', len) != NULL)
		return CONTROL_BAD;
	for (int c = CONTROL_PING; c <= CONTROL_STATS; c++) {
		if (strlen(names[c]) == len && g_ascii_strncasecmp(line, names[c], len) == 0)
			return (enum control_cmd)c;
	}
	return CONTROL_UNKNOWN;
}

char *control_reply(const char *line, size_t len)
{
	switch (control_parse(line, len)) {
	case CONTROL_PING:
		return g_strdup("PONG\n");
	case CONTROL_VERSION:
		return control_version_text();
	case CONTROL_RELOAD:
		return control_reload();
	case CONTROL_STATS:
		return control_stats();
	case CONTROL_UNKNOWN:
		return g_strdup(
		        "ERROR unknown command (expected PING, VERSION, RELOAD or STATS)\n");
	default:
		return g_strdup("ERROR expected PING, VERSION, RELOAD or STATS\n");
	}
}

int control_read_line(int fd, char *buf, size_t size, size_t *len_r)
{
	gint64 deadline = g_get_monotonic_time() + CONTROL_TIMEOUT_MS * 1000;
	size_t len = 0;

	while (len < size) {
		struct pollfd p = {fd, POLLIN, 0};
		int left = (int)((deadline - g_get_monotonic_time()) / 1000);
		const char *end;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		n = read(fd, buf + len, size - len);
		if (n <= 0) {
			*len_r = len; /* the peer closed: what came is the line */
			return len > 0 ? 0 : -1;
		}
		len += (size_t)n;
		end = memchr(buf, '\n', len);
		if (end == NULL)
			end = memchr(buf, '\0', len);
		if (end != NULL) {
			*len_r = (size_t)(end - buf);
			return 0;
		}
	}
	*len_r = SIZE_MAX; /* no end within size bytes: too long */
	return 0;
}

static void control_send(int fd, const char *text)
{
	for (size_t off = 0, total = strlen(text); off < total;) {
		ssize_t n = send(fd, text + off, total - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

static void control_serve(int fd)
{
	char buf[CONTROL_MAX_LINE + 2];
	size_t len;
	char *reply;

	if (control_read_line(fd, buf, sizeof(buf), &len) < 0)
		return;
	if (len > CONTROL_MAX_LINE)
		reply = g_strdup("ERROR line too long\n");
	else
		reply = control_reply(buf, len);
	control_send(fd, reply);
	g_free(reply);
}

static gpointer control_client(gpointer data)
{
	int fd = GPOINTER_TO_INT(data);

	control_serve(fd);
	g_mutex_lock(&control_lock);
	for (unsigned int i = 0; i < control_nclients; i++) {
		if (control_clients[i] == fd) {
			control_clients[i] = control_clients[--control_nclients];
			break;
		}
	}
	close(fd); /* under the lock: control_stop() never shuts down a reused number */
	if (control_nclients == 0)
		g_cond_broadcast(&control_idle);
	g_mutex_unlock(&control_lock);
	return NULL;
}

/* Serve the accepted client c on a thread of its own, or turn it away when at the cap. */
static void control_dispatch(int c)
{
	GThread *t = NULL;

	g_mutex_lock(&control_lock);
	if (control_nclients < CONTROL_MAX_CLIENTS) {
		control_clients[control_nclients++] = c;
		t = g_thread_try_new("control-client", control_client, GINT_TO_POINTER(c), NULL);
		if (t == NULL)
			control_nclients--;
	}
	g_mutex_unlock(&control_lock);
	if (t != NULL) {
		g_thread_unref(t);
		return;
	}
	control_send(c, "ERROR busy, try again\n");
	close(c);
}

static gpointer control_main(gpointer unused)
{
	for (;;) {
		struct pollfd fds[2] = {{control_fd, POLLIN, 0}, {control_wake[0], POLLIN, 0}};
		int c;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents != 0)
			break;
		c = accept4(control_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			control_dispatch(c);
	}
	return NULL;
}

int control_open(const char *path, unsigned int mode, const char *group, GError **error)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG, "%s: path too long",
		            path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	(void)unlink(path); /* a stale socket of an earlier run */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 16) < 0)
		goto fail;
	if (chmod(path, mode) < 0)
		goto fail;
	if (group != NULL) {
		struct group *gr = getgrnam(group);

		if (gr == NULL || chown(path, (uid_t)-1, gr->gr_gid) < 0) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			            "%s: cannot give it to group %s", path, group);
			close(fd);
			return -1;
		}
	}
	control_fd = fd;
	control_path = g_strdup(path);
	if (stat(path, &control_st) < 0)
		memset(&control_st, 0, sizeof(control_st));
	return 0;
fail:
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "control socket %s: %s",
	            path, g_strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

void control_start(void)
{
	if (control_fd < 0 || pipe2(control_wake, O_CLOEXEC) < 0)
		return;
	control_thread = g_thread_new("control", control_main, NULL);
}

void control_stop(void)
{
	struct stat st;

	if (control_thread != NULL) {
		(void)!write(control_wake[1], "q", 1);
		g_thread_join(control_thread);
		control_thread = NULL;
		/* end the clients still served (a RELOAD in progress finishes first) */
		g_mutex_lock(&control_lock);
		for (unsigned int i = 0; i < control_nclients; i++)
			(void)shutdown(control_clients[i], SHUT_RDWR);
		while (control_nclients > 0)
			g_cond_wait(&control_idle, &control_lock);
		g_mutex_unlock(&control_lock);
		close(control_wake[0]);
		close(control_wake[1]);
		control_wake[0] = control_wake[1] = -1;
	}
	if (control_fd >= 0) {
		close(control_fd);
		control_fd = -1;
		/* a newer instance may already listen on the same path: leave its socket alone */
		if (stat(control_path, &st) == 0 && st.st_ino == control_st.st_ino &&
		    st.st_dev == control_st.st_dev)
			(void)unlink(control_path);
	}
	g_clear_pointer(&control_path, g_free);
}
