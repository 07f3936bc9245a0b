/*
 * mlog: JSON message log and syslog (see mlog.h). A record is built outside the lock (its
 * recipient list bounded: MLOG_MAX_RCPTS and MLOG_RCPT_BYTES), then written whole under the
 * lock, which only orders writes and guards the descriptor (swapped on reopen). A write that
 * fails part-way (a full disk, a file size limit) is cut back off the file with ftruncate, so
 * a reader never meets half a record glued to the next one; lost records are counted in
 * STATS (stats_log_lost).
 */

#include "milter/mlog.h"
#include "engine/json.h"
#include "milter/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static GMutex mlog_lock;
static int mlog_fd = -1;
static char *mlog_path;
static bool mlog_stderr;
static gint mlog_on;      /* a JSON log is open: read without the lock */
static bool mlog_failing; /* the last write failed: say so once, not once per record */

int mlog_facility(const char *name)
{
	static const struct {
		const char *name;
		int facility;
	} map[] = {
	        {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},
	        {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
	        {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
	        {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(map); i++) {
		if (name != NULL && g_ascii_strcasecmp(name, map[i].name) == 0)
			return map[i].facility;
	}
	return -1;
}

void mlog_init(const char *ident, const char *facility, bool foreground)
{
	int f = mlog_facility(facility);

	openlog(ident != NULL ? ident : "partscan-milter", LOG_PID | LOG_NDELAY,
	        f >= 0 ? f : LOG_MAIL);
	mlog_stderr = foreground;
}

static void mlog_event(int prio, const char *fmt, va_list ap)
{
	char *msg = g_strdup_vprintf(fmt, ap);

	syslog(prio, "%s", msg);
	if (mlog_stderr)
		fprintf(stderr, "partscan-milter: %s\n", msg);
	g_free(msg);
}

void mlog_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mlog_event(LOG_INFO, fmt, ap);
	va_end(ap);
}

void mlog_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mlog_event(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void mlog_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mlog_event(LOG_ERR, fmt, ap);
	va_end(ap);
}

static int mlog_open_locked(const char *path, GError **error)
{
	int fd = -1;

	if (path != NULL) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd < 0) {
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s",
			            path, g_strerror(errno));
			return -1;
		}
	}
	if (mlog_fd >= 0)
		close(mlog_fd);
	mlog_fd = fd;
	g_atomic_int_set(&mlog_on, fd >= 0);
	if (path != mlog_path) {
		g_free(mlog_path);
		mlog_path = g_strdup(path);
	}
	return 0;
}

int mlog_open(const char *path, GError **error)
{
	int ret;

	g_mutex_lock(&mlog_lock);
	ret = mlog_open_locked(path, error);
	g_mutex_unlock(&mlog_lock);
	return ret;
}

/* Why the last reopen failed (records still go to the file that was open), or NULL. */
static char *mlog_reopen_failure;

void mlog_reopen(void)
{
	GError *error = NULL;

	g_mutex_lock(&mlog_lock);
	g_clear_pointer(&mlog_reopen_failure, g_free);
	if (mlog_path != NULL && mlog_open_locked(mlog_path, &error) < 0) {
		mlog_reopen_failure = g_strdup(error->message);
		g_mutex_unlock(&mlog_lock);
		mlog_error("cannot reopen the message log, still writing to the file it had open: "
		           "%s",
		           error->message);
		g_error_free(error);
		return;
	}
	g_mutex_unlock(&mlog_lock);
}

char *mlog_reopen_failed(void)
{
	char *why;

	g_mutex_lock(&mlog_lock);
	why = g_strdup(mlog_reopen_failure);
	g_mutex_unlock(&mlog_lock);
	return why;
}

void mlog_close(void)
{
	g_mutex_lock(&mlog_lock);
	if (mlog_fd >= 0)
		close(mlog_fd);
	mlog_fd = -1;
	g_atomic_int_set(&mlog_on, 0);
	g_clear_pointer(&mlog_path, g_free);
	g_mutex_unlock(&mlog_lock);
}

static char *mlog_json(const struct mlog_record *r)
{
	GString *out = g_string_new(NULL);
	char when[40];
	gint64 now = g_get_real_time();
	time_t secs = (time_t)(now / G_USEC_PER_SEC);
	struct json j;
	struct tm tm;
	unsigned int not_listed = r->rcpt_dropped;
	size_t rcpt_bytes = 0, n = 0;
	char *stamp;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", gmtime_r(&secs, &tm));
	stamp = g_strdup_printf("%s.%03dZ", when, (int)(now % G_USEC_PER_SEC / 1000));
	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_string(&j, "time", stamp);
	g_free(stamp);
	json_string(&j, "queue_id", r->queue_id);
	json_begin_object(&j, "client");
	json_string(&j, "addr", r->client_addr);
	json_string(&j, "name", r->client_name);
	json_string(&j, "helo", r->helo);
	json_end_object(&j);
	json_string(&j, "sender", r->sender);
	json_begin_array(&j, "recipients");
	for (const char *const *p = r->recipients; p != NULL && *p != NULL; p++) {
		size_t len = strlen(*p);

		if (n >= MLOG_MAX_RCPTS || len > MLOG_RCPT_BYTES - rcpt_bytes) {
			not_listed++;
			continue;
		}
		json_string(&j, NULL, *p);
		rcpt_bytes += len;
		n++;
	}
	json_end_array(&j);
	if (not_listed > 0)
		json_uint(&j, "recipients_not_listed", not_listed);
	json_string(&j, "verdict", r->plan != NULL ? policy_class_name(r->plan->cls) : "skipped");
	json_string(&j, "status", r->plan != NULL ? r->plan->status : NULL);
	json_string(&j, "action", r->plan != NULL ? conf_action_name(r->plan->action) : "accept");
	json_string(&j, "result", r->result);
	json_string(&j, "reasons",
	            r->plan != NULL && r->plan->cls != POLICY_CLEAN ? r->plan->summary : NULL);
	if (r->error != NULL)
		json_string(&j, "error", r->error);
	if (r->quarantine_ids != NULL && r->quarantine_ids->len > 0) {
		json_begin_array(&j, "quarantine");
		for (guint i = 0; i < r->quarantine_ids->len; i++)
			json_string(&j, NULL, r->quarantine_ids->pdata[i]);
		json_end_array(&j);
	}
	json_double(&j, "total_ms", r->total_ms);
	json_uint(&j, "db_generation", r->db_generation);
	json_uint(&j, "db_signatures", r->db_signatures);
	if (r->report != NULL) {
		json_double(&j, "scan_ms", r->report->scan_ms);
		msg_report_json(r->report, &j);
	} else {
		json_uint(&j, "size", r->size);
	}
	json_end_object(&j);
	g_string_append_c(out, '\n');
	return g_string_free(out, FALSE);
}

static void mlog_syslog_line(const struct mlog_record *r)
{
	unsigned int nrcpt = 0, parts = r->report != NULL ? r->report->parts->len : 0;
	char *status = policy_sanitize(r->plan != NULL ? r->plan->status : "Skipped", 200, false);
	char *from = policy_sanitize(r->sender, 200, false);

	for (const char *const *p = r->recipients; p != NULL && *p != NULL; p++)
		nrcpt++;
	syslog(LOG_INFO,
	       "%s: from=<%s>, nrcpt=%u, size=%" G_GUINT64_FORMAT
	       ", parts=%u, status=%s, action=%s, result=%s, ms=%.1f%s%s",
	       r->queue_id != NULL ? r->queue_id : "NOQUEUE", from, nrcpt + r->rcpt_dropped,
	       (guint64)r->size, parts, status,
	       r->plan != NULL ? conf_action_name(r->plan->action) : "accept", r->result,
	       r->total_ms, r->error != NULL ? ", error=" : "", r->error != NULL ? r->error : "");
	g_free(status);
	g_free(from);
}

/* Append one record whole, or nothing: a failed write is cut back off. Under mlog_lock. */
static int mlog_append_locked(const char *line, size_t len)
{
	struct stat st;
	size_t done = 0;
	int err = EIO;

	if (fstat(mlog_fd, &st) < 0)
		return -1;
	while (done < len) {
		ssize_t n = write(mlog_fd, line + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		done += (size_t)n;
	}
	if (done == len)
		return 0;
	if (done > 0 && ftruncate(mlog_fd, st.st_size) < 0)
		syslog(LOG_ERR, "message log: cannot remove a partial record: %s",
		       g_strerror(errno));
	errno = err;
	return -1;
}

void mlog_message(const struct mlog_record *r, bool to_syslog)
{
	char *line;

	if (to_syslog)
		mlog_syslog_line(r);
	if (!g_atomic_int_get(&mlog_on))
		return;
	line = mlog_json(r); /* outside the lock: records of other threads do not wait */
	mlog_record_line(line);
	g_free(line);
}

char *mlog_timestamp(int64_t usec)
{
	char when[40];
	time_t secs = (time_t)(usec / G_USEC_PER_SEC);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", gmtime_r(&secs, &tm));
	return g_strdup_printf("%s.%03dZ", when, (int)(usec % G_USEC_PER_SEC / 1000));
}

void mlog_record_line(const char *line)
{
	size_t len = strlen(line);

	if (!g_atomic_int_get(&mlog_on))
		return;
	g_mutex_lock(&mlog_lock);
	if (mlog_fd >= 0) {
		if (mlog_append_locked(line, len) < 0) {
			stats_log_lost();
			if (!mlog_failing)
				syslog(LOG_ERR,
				       "message log: a record could not be written (%s); "
				       "lost records are counted in STATS",
				       g_strerror(errno));
			mlog_failing = true;
		} else {
			mlog_failing = false;
		}
	}
	g_mutex_unlock(&mlog_lock);
}
