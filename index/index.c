/*
 * index: the queue, the writer thread and the choice of driver (see index.h).
 *
 * index_submit() appends to a bounded GQueue under one mutex and signals the writer; it never
 * waits on the database. The writer takes up to INDEX_BATCH_MAX records at a time and writes
 * them in one transaction on its own connection; a batch the database refuses on a connection
 * that is still up is written again one message per transaction, so that a record it refuses
 * costs that record alone. While the database is down the writer drops
 * what arrives (counted) and retries the connection with a backoff of 1 to 30 seconds, so the
 * queue never holds more than queue_max records and memory stays bounded. Retention runs on
 * the writer between batches, at most INDEX_PRUNE_CHUNK messages per transaction so that
 * writes never wait long behind it.
 *
 * Queries (index_find, index_hit_record) run on a second connection, opened on first use and
 * serialised by its own mutex, so the writer and a retro-hunt never share a connection.
 */

#include "index/index.h"

#include <string.h>

#include "index/index_private.h"

#define INDEX_PRUNE_CHUNK   5000u
#define INDEX_PRUNE_EVERY_S 3600
#define INDEX_RETRY_MIN_S   1
#define INDEX_RETRY_MAX_S   30
#define INDEX_LOG_EVERY_S   60
/*
 * The writer gathers records for up to this long before a transaction: every transaction
 * rewrites the index pages it touches, so one per message at a few hundred messages a second
 * costs several times the CPU and disk writes of one per INDEX_BATCH_MAX (make bench).
 */
#define INDEX_GATHER_MS 250

struct index {
	const struct index_driver *drv;
	char *target; /* path or URI handed to the driver */
	unsigned int keep_days, queue_max;
	void (*log)(const char *msg);

	GMutex lock; /* the queue, the flags and the stats below */
	GCond wake;  /* writer: work, prune request or stop */
	GCond idle;  /* index_flush: queue drained */
	GQueue queue;
	bool stopping, prune_req, busy;
	unsigned int flushing; /* index_flush callers waiting: write now, do not gather */
	struct index_stats st;
	GThread *writer;
	struct index_conn *wconn; /* the writer's (writer thread only) */
	bool refused;             /* verify found the database damaged (writer thread only) */
	int64_t log_next;         /* rate limit of drop messages (writer and submit) */
	uint64_t log_dropped;     /* drops since the last message */
	int64_t err_log_next;     /* rate limit of write failure messages */

	GMutex qlock; /* the query connection */
	struct index_conn *qconn;
	bool qcreate; /* the query connection may create the database (milter) */

	/*
	 * index_cancel: clock guards qbusy (a lookup runs on qconn, which stays open meanwhile)
	 * and cancelled (sticky: every later lookup fails at once); cidle: qbusy went false.
	 */
	GMutex clock;
	GCond cidle;
	bool qbusy, cancelled;
};

GQuark index_error_quark(void)
{
	return g_quark_from_static_string("partscan-index-error-quark");
}

struct index_part *index_part_new(void)
{
	return g_new0(struct index_part, 1);
}

void index_part_free(struct index_part *part)
{
	if (part == NULL)
		return;
	g_free(part->path);
	g_free(part->name);
	g_free(part->type);
	g_free(part);
}

struct index_msg *index_msg_new(void)
{
	struct index_msg *msg = g_new0(struct index_msg, 1);

	msg->rcpts = g_ptr_array_new_with_free_func(g_free);
	msg->parts = g_ptr_array_new_with_free_func((GDestroyNotify)index_part_free);
	return msg;
}

void index_msg_free(struct index_msg *msg)
{
	if (msg == NULL)
		return;
	g_free(msg->queue_id);
	g_free(msg->message_id);
	g_free(msg->client);
	g_free(msg->sender);
	g_free(msg->verdict);
	g_free(msg->action);
	if (msg->rcpts != NULL)
		g_ptr_array_unref(msg->rcpts);
	if (msg->parts != NULL)
		g_ptr_array_unref(msg->parts);
	g_free(msg);
}

/* The driver and its target for a URL: "postgresql://", "postgres://", "sqlite://", a path. */
static int index_parse_url(const char *url, const struct index_driver **drv_r, char **target_r,
                           GError **error)
{
	if (url == NULL || *url == '\0') {
		g_set_error(error, INDEX_ERROR, INDEX_ERROR_FAILED, "index: no url");
		return -1;
	}
	if (g_str_has_prefix(url, "postgresql://") || g_str_has_prefix(url, "postgres://")) {
		*drv_r = &index_driver_pg;
		*target_r = g_strdup(url);
		return 0;
	}
	const char *path = url;
	if (g_str_has_prefix(url, "sqlite://"))
		path = url + strlen("sqlite://");
	else if (g_str_has_prefix(url, "sqlite:"))
		path = url + strlen("sqlite:");
	else if (strstr(url, "://") != NULL) {
		g_set_error(
		        error, INDEX_ERROR, INDEX_ERROR_FAILED,
		        "index: %s: unknown kind of url (sqlite:///path, a path, or postgresql://)",
		        url);
		return -1;
	}
	if (*path == '\0') {
		g_set_error(error, INDEX_ERROR, INDEX_ERROR_FAILED, "index: %s: no file name", url);
		return -1;
	}
	*drv_r = &index_driver_sqlite;
	*target_r = g_strdup(path);
	return 0;
}

static void index_log(struct index *idx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void index_log(struct index *idx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (idx->log != NULL)
		idx->log(msg);
	else
		g_warning("%s", msg);
	g_free(msg);
}

/* Count n dropped records; say so at most once a minute. Called with idx->lock held. */
static void index_drop_locked(struct index *idx, uint64_t n, const char *why)
{
	idx->st.dropped += n;
	idx->log_dropped += n;
	int64_t now = g_get_monotonic_time() / G_USEC_PER_SEC;
	if (now < idx->log_next)
		return;
	idx->log_next = now + INDEX_LOG_EVERY_S;
	index_log(idx,
	          "index: %" G_GUINT64_FORMAT " record(s) dropped (%s); %" G_GUINT64_FORMAT
	          " in all",
	          idx->log_dropped, why, idx->st.dropped);
	idx->log_dropped = 0;
}

/* Open and migrate a connection. */
static int index_connect(struct index *idx, bool create, struct index_conn **conn_r, GError **error)
{
	struct index_conn *conn = NULL;

	if (idx->drv->open(idx->target, create, &conn, error) < 0)
		return -1;
	if (idx->drv->migrate(conn, error) < 0) {
		idx->drv->close(&conn);
		return -1;
	}
	*conn_r = conn;
	return 0;
}

static void index_prune_step(struct index *idx, int64_t *next_prune)
{
	GError *err = NULL;
	int64_t before = g_get_real_time() / G_USEC_PER_SEC - (int64_t)idx->keep_days * 86400;
	uint64_t pruned = 0, n;

	for (;;) {
		n = 0;
		if (idx->drv->prune(idx->wconn, before, INDEX_PRUNE_CHUNK, &n, &err) < 0) {
			index_log(idx, "retention: %s", err->message);
			g_clear_error(&err);
			g_mutex_lock(&idx->lock);
			idx->st.errors++;
			g_mutex_unlock(&idx->lock);
			break;
		}
		pruned += n;
		g_mutex_lock(&idx->lock);
		idx->st.pruned += n;
		bool stop = idx->stopping || idx->queue.length > 0;
		g_mutex_unlock(&idx->lock);
		/* a full chunk means more to do: go on unless records are waiting */
		if (n < INDEX_PRUNE_CHUNK || stop)
			break;
	}
	int64_t wait_s = n < INDEX_PRUNE_CHUNK ? INDEX_PRUNE_EVERY_S : 1;
	*next_prune = g_get_monotonic_time() + wait_s * G_USEC_PER_SEC;
	(void)pruned;
}

/*
 * Check the writer's database once connected (in the background: PRAGMA quick_check reads
 * every page of a file that may hold gigabytes). A damaged one is refused for good: the
 * writer drops what comes (counted) until the index is reopened.
 */
static int index_verify(struct index *idx)
{
	GError *err = NULL;

	if (idx->drv->verify(idx->wconn, &err) == 0)
		return 0;
	g_mutex_lock(&idx->lock);
	idx->st.errors++;
	idx->st.up = false;
	g_mutex_unlock(&idx->lock);
	if (err->code == INDEX_ERROR_CORRUPT) {
		index_log(idx, "%s; nothing is indexed until then", err->message);
		idx->refused = true;
		idx->drv->close(&idx->wconn);
		g_error_free(err);
		return -1;
	}
	index_log(idx, "%s", err->message); /* could not check (I/O): write on */
	g_error_free(err);
	return 0;
}

/*
 * The batch failed on a connection that is still up: most likely one record the database
 * refuses. Each message is written again in a transaction of its own, so that only the
 * refused ones are dropped (counted), not the whole batch. A connection lost meanwhile drops
 * the rest (the writer reconnects). A database busy or down (INDEX_ERROR_UNAVAILABLE) is not
 * tried again: each try would wait as long as the first. false (the database is failing) when
 * none was written or the connection was lost.
 */
static bool index_write_each(struct index *idx, GPtrArray *batch)
{
	guint written = 0, refused = 0, i;
	uint64_t parts = 0;

	for (i = 0; i < batch->len && idx->drv->alive(idx->wconn); i++) {
		GError *err = NULL;
		uint64_t n = 0;

		if (idx->drv->insert(idx->wconn, (struct index_msg *const *)&batch->pdata[i], 1, &n,
		                     &err) == 0) {
			written++;
			parts += n;
		} else {
			refused++;
			g_clear_error(&err);
		}
	}
	g_mutex_lock(&idx->lock);
	idx->st.written += written;
	idx->st.parts += parts;
	idx->st.up = refused == 0 && i == batch->len; /* the last write worked */
	if (refused > 0)
		index_drop_locked(idx, refused, "refused by the index database");
	if (i < batch->len)
		index_drop_locked(idx, batch->len - i, "index database unavailable or failing");
	g_mutex_unlock(&idx->lock);
	if (!idx->drv->alive(idx->wconn))
		idx->drv->close(&idx->wconn);
	return written > 0 && i == batch->len;
}

/* Write one batch on the writer's connection (connecting first if needed); false: dropped. */
static bool index_write_batch(struct index *idx, GPtrArray *batch, int64_t *retry_at, int *backoff)
{
	GError *err = NULL;
	uint64_t parts = 0;
	int64_t now = g_get_monotonic_time();

	if (idx->wconn == NULL) {
		if (idx->refused || now < *retry_at)
			goto drop;
		if (index_connect(idx, true, &idx->wconn, &err) < 0) {
			*retry_at = now + (int64_t)*backoff * G_USEC_PER_SEC;
			index_log(idx, "%s (retrying in %d s)", err->message, *backoff);
			*backoff = MIN(*backoff * 2, INDEX_RETRY_MAX_S);
			g_clear_error(&err);
			goto drop;
		}
		*backoff = INDEX_RETRY_MIN_S;
		g_mutex_lock(&idx->lock);
		idx->st.up = true;
		g_mutex_unlock(&idx->lock);
		index_log(idx, "index: %s index connected", idx->drv->name);
		if (index_verify(idx) < 0)
			goto drop;
	}
	if (batch->len == 0)
		return true;
	if (idx->drv->insert(idx->wconn, (struct index_msg *const *)batch->pdata, batch->len,
	                     &parts, &err) == 0) {
		g_mutex_lock(&idx->lock);
		idx->st.written += batch->len;
		idx->st.parts += parts;
		idx->st.up = true;
		g_mutex_unlock(&idx->lock);
		return true;
	}
	g_mutex_lock(&idx->lock);
	idx->st.errors++;
	int64_t now_s = now / G_USEC_PER_SEC;
	if (now_s >= idx->err_log_next) {
		idx->err_log_next = now_s + INDEX_LOG_EVERY_S;
		index_log(idx,
		          "index: write of %u message(s) failed: %s (%" G_GUINT64_FORMAT
		          " failed write(s) in all; said at most once a minute)",
		          batch->len, err->message, idx->st.errors);
	}
	g_mutex_unlock(&idx->lock);
	bool refused = err->domain == INDEX_ERROR && err->code == INDEX_ERROR_FAILED;
	g_clear_error(&err);
	if (refused && batch->len > 1 && idx->drv->alive(idx->wconn))
		return index_write_each(idx, batch);
	if (!idx->drv->alive(idx->wconn)) {
		idx->drv->close(&idx->wconn);
		*retry_at = now + (int64_t)*backoff * G_USEC_PER_SEC;
	}
drop:
	g_mutex_lock(&idx->lock);
	idx->st.up = false;
	if (batch->len > 0)
		index_drop_locked(idx, batch->len, "index database unavailable or failing");
	g_mutex_unlock(&idx->lock);
	return false;
}

static gpointer index_writer_main(gpointer data)
{
	struct index *idx = data;
	GPtrArray *batch = g_ptr_array_new_with_free_func((GDestroyNotify)index_msg_free);
	int64_t retry_at = 0, next_prune = 0;
	int backoff = INDEX_RETRY_MIN_S;
	bool failing = false; /* the last batch was dropped */

	if (idx->wconn != NULL)
		(void)index_verify(idx);
	g_mutex_lock(&idx->lock);
	for (;;) {
		while (!idx->stopping && idx->queue.length == 0 && !idx->prune_req) {
			/* not connected: wake to retry; connected: wake for the next retention pass */
			int64_t until = idx->wconn == NULL ? retry_at : next_prune;
			if (idx->refused)
				until = G_MAXINT64; /* nothing to retry: records are dropped */
			if (!g_cond_wait_until(&idx->wake, &idx->lock, until))
				break;
		}
		if (idx->stopping && idx->queue.length == 0)
			break;
		if (idx->stopping && failing) {
			/* each try waits (a busy file, a connect timeout): the stop must not wait
			   that long once per batch */
			uint64_t n = idx->queue.length;

			g_queue_clear_full(&idx->queue, (GDestroyNotify)index_msg_free);
			idx->st.queued = 0;
			index_drop_locked(idx, n, "the index stops and its database is failing");
			break;
		}
		int64_t gather_until = g_get_monotonic_time() + INDEX_GATHER_MS * 1000;
		while (!idx->stopping && idx->flushing == 0 && idx->wconn != NULL &&
		       idx->queue.length > 0 && idx->queue.length < INDEX_BATCH_MAX) {
			if (!g_cond_wait_until(&idx->wake, &idx->lock, gather_until))
				break;
		}
		while (batch->len < INDEX_BATCH_MAX && idx->queue.length > 0)
			g_ptr_array_add(batch, g_queue_pop_head(&idx->queue));
		idx->st.queued = idx->queue.length;
		bool prune = idx->prune_req;
		idx->prune_req = false;
		idx->busy = true;
		g_mutex_unlock(&idx->lock);

		failing = !index_write_batch(idx, batch, &retry_at, &backoff);
		g_ptr_array_set_size(batch, 0);
		if (idx->wconn != NULL && (prune || g_get_monotonic_time() >= next_prune))
			index_prune_step(idx, &next_prune);

		g_mutex_lock(&idx->lock);
		idx->busy = false;
		g_cond_broadcast(&idx->idle);
	}
	g_cond_broadcast(&idx->idle);
	g_mutex_unlock(&idx->lock);
	g_ptr_array_unref(batch);
	if (idx->wconn != NULL)
		idx->drv->close(&idx->wconn);
	return NULL;
}

int index_open(const struct index_options *opts, struct index **idx_r, GError **error)
{
	const struct index_driver *drv;
	char *target = NULL;

	*idx_r = NULL;
	if (index_parse_url(opts->url, &drv, &target, error) < 0)
		return -1;
	struct index *idx = g_new0(struct index, 1);
	idx->drv = drv;
	idx->target = target;
	idx->keep_days = opts->keep_days != 0 ? opts->keep_days : INDEX_KEEP_DAYS;
	idx->queue_max = opts->queue_max != 0 ? opts->queue_max : INDEX_QUEUE_MAX;
	idx->log = opts->log;
	idx->qcreate = opts->writer;
	g_mutex_init(&idx->lock);
	g_mutex_init(&idx->qlock);
	g_mutex_init(&idx->clock);
	g_cond_init(&idx->cidle);
	g_cond_init(&idx->wake);
	g_cond_init(&idx->idle);
	g_queue_init(&idx->queue);

	/*
	 * Connect once now, so that a wrong setting or a file that is not a database is said at
	 * start. With a writer this connection becomes the writer's, which checks the file's
	 * pages in the background; a database that is only unreachable is retried later when
	 * lazy.
	 */
	GError *err = NULL;
	struct index_conn *conn = NULL;
	if (index_connect(idx, opts->writer, &conn, &err) < 0) {
		if (!(opts->writer && opts->lazy && err->code == INDEX_ERROR_UNAVAILABLE)) {
			g_propagate_error(error, err);
			index_close(&idx);
			return -1;
		}
		index_log(idx, "%s (the writer retries; records are dropped until then)",
		          err->message);
		g_clear_error(&err);
	}
	if (opts->writer) {
		idx->wconn = conn;
		idx->st.up = conn != NULL;
		idx->writer = g_thread_new("index-writer", index_writer_main, idx);
	} else {
		idx->qconn = conn;
		idx->st.up = true;
	}
	*idx_r = idx;
	return 0;
}

void index_close(struct index **idxp)
{
	struct index *idx = *idxp;

	if (idx == NULL)
		return;
	*idxp = NULL;
	if (idx->writer != NULL) {
		g_mutex_lock(&idx->lock);
		idx->stopping = true;
		g_cond_signal(&idx->wake);
		g_mutex_unlock(&idx->lock);
		g_thread_join(idx->writer);
	}
	if (idx->log_dropped > 0) /* what the once-a-minute message has not said yet */
		index_log(idx,
		          "index: %" G_GUINT64_FORMAT
		          " record(s) dropped since last said; %" G_GUINT64_FORMAT " in all",
		          idx->log_dropped, idx->st.dropped);
	g_queue_clear_full(&idx->queue, (GDestroyNotify)index_msg_free);
	if (idx->wconn != NULL)
		idx->drv->close(&idx->wconn);
	if (idx->qconn != NULL)
		idx->drv->close(&idx->qconn);
	g_mutex_clear(&idx->lock);
	g_mutex_clear(&idx->qlock);
	g_mutex_clear(&idx->clock);
	g_cond_clear(&idx->cidle);
	g_cond_clear(&idx->wake);
	g_cond_clear(&idx->idle);
	g_free(idx->target);
	g_free(idx);
}

bool index_submit(struct index *idx, struct index_msg *msg)
{
	bool ok = false;

	if (msg == NULL)
		return false;
	g_mutex_lock(&idx->lock);
	idx->st.submitted++;
	if (idx->writer == NULL || idx->stopping) {
		index_drop_locked(idx, 1, "the index has no writer");
	} else if (idx->queue.length >= idx->queue_max) {
		index_drop_locked(idx, 1, "queue full: the index writer is behind");
	} else {
		g_queue_push_tail(&idx->queue, msg);
		msg = NULL;
		ok = true;
		/* the writer wants to know of the first record and of a full batch */
		if (idx->queue.length == 1 || idx->queue.length >= INDEX_BATCH_MAX)
			g_cond_signal(&idx->wake);
	}
	idx->st.queued = idx->queue.length;
	g_mutex_unlock(&idx->lock);
	index_msg_free(msg);
	return ok;
}

void index_get_stats(struct index *idx, struct index_stats *stats_r)
{
	g_mutex_lock(&idx->lock);
	*stats_r = idx->st;
	stats_r->queued = idx->queue.length;
	g_mutex_unlock(&idx->lock);
}

void index_flush(struct index *idx)
{
	if (idx->writer == NULL)
		return;
	g_mutex_lock(&idx->lock);
	idx->flushing++;
	g_cond_signal(&idx->wake);
	while (idx->queue.length > 0 || idx->busy || idx->prune_req)
		g_cond_wait(&idx->idle, &idx->lock);
	idx->flushing--;
	g_mutex_unlock(&idx->lock);
}

void index_prune_request(struct index *idx)
{
	if (idx->writer == NULL)
		return;
	g_mutex_lock(&idx->lock);
	idx->prune_req = true;
	g_cond_signal(&idx->wake);
	g_mutex_unlock(&idx->lock);
}

static bool index_cancelled(struct index *idx, GError **error)
{
	g_mutex_lock(&idx->clock);
	bool cancelled = idx->cancelled;
	g_mutex_unlock(&idx->clock);
	if (cancelled)
		g_set_error(error, INDEX_ERROR, INDEX_ERROR_FAILED,
		            "index: lookup canceled (the index stops)");
	return cancelled;
}

/*
 * The query connection, opened on first use, marked busy for index_cancel; NULL when it
 * cannot be opened or the index is cancelled. Called with qlock held; index_qdone after.
 */
static struct index_conn *index_qconn(struct index *idx, GError **error)
{
	if (index_cancelled(idx, error))
		return NULL;
	if (idx->qconn != NULL && !idx->drv->alive(idx->qconn))
		idx->drv->close(&idx->qconn);
	if (idx->qconn == NULL && index_connect(idx, idx->qcreate, &idx->qconn, error) < 0)
		return NULL;
	g_mutex_lock(&idx->clock);
	bool cancelled = idx->cancelled;
	idx->qbusy = !cancelled;
	g_mutex_unlock(&idx->clock);
	if (cancelled) { /* while connecting */
		(void)index_cancelled(idx, error);
		return NULL;
	}
	return idx->qconn;
}

static void index_qdone(struct index *idx)
{
	g_mutex_lock(&idx->clock);
	idx->qbusy = false;
	g_cond_broadcast(&idx->cidle);
	g_mutex_unlock(&idx->clock);
}

/*
 * A cancel request that reaches the server between two statements of a lookup (or before the
 * first) cancels nothing: it is sent again every INDEX_CANCEL_EVERY_MS until the lookup ends,
 * for at most INDEX_CANCEL_MAX_MS (a server that does not answer at all is the connect
 * timeout's business).
 */
#define INDEX_CANCEL_EVERY_MS 100
#define INDEX_CANCEL_MAX_MS   3000

void index_cancel(struct index *idx)
{
	gint64 end = g_get_monotonic_time() + INDEX_CANCEL_MAX_MS * 1000;

	g_mutex_lock(&idx->clock);
	idx->cancelled = true;
	while (idx->qbusy && g_get_monotonic_time() < end) {
		idx->drv->cancel(idx->qconn);
		g_cond_wait_until(&idx->cidle, &idx->clock,
		                  MIN(end, g_get_monotonic_time() + INDEX_CANCEL_EVERY_MS * 1000));
	}
	g_mutex_unlock(&idx->clock);
}

int index_find(struct index *idx, const struct index_query *queries, size_t n, int64_t since,
               int64_t until, index_found_cb cb, void *ctx, GError **error)
{
	int ret = -1;

	if (n == 0)
		return 0;
	g_mutex_lock(&idx->qlock);
	struct index_conn *conn = index_qconn(idx, error);
	if (conn != NULL) {
		ret = idx->drv->find(conn, queries, n, since, until, cb, ctx, error);
		index_qdone(idx);
	}
	g_mutex_unlock(&idx->qlock);
	return ret;
}

int index_hit_record(struct index *idx, int64_t msg_key, const char *path, const char *sig_name,
                     enum digest_type type, const unsigned char *hash, GError **error)
{
	int ret = -1;

	if ((unsigned int)type >= DIGEST__COUNT) {
		g_set_error(error, INDEX_ERROR, INDEX_ERROR_FAILED, "index: bad digest type");
		return -1;
	}
	g_mutex_lock(&idx->qlock);
	struct index_conn *conn = index_qconn(idx, error);
	if (conn != NULL) {
		ret = idx->drv->hit_record(conn, msg_key, path, sig_name, hash, digest_len(type),
		                           g_get_real_time() / G_USEC_PER_SEC, error);
		index_qdone(idx);
	}
	g_mutex_unlock(&idx->qlock);
	if (ret == 1) {
		g_mutex_lock(&idx->lock);
		idx->st.retro_hits++;
		g_mutex_unlock(&idx->lock);
	}
	return ret;
}

const char *index_driver_name(const struct index *idx)
{
	return idx->drv->name;
}

/*
 * Where a PostgreSQL URI's user info lies, as libpq reads it: from past "://" to an '@' met
 * before any '/' (a '?' does not end it: "u:pa?ss@host" has the password "pa?ss").
 */
static void index_url_userinfo(const char *url, const char **auth_r, const char **at_r)
{
	const char *auth = strstr(url, "://") + 3, *p = auth + strcspn(auth, "@/");

	*auth_r = auth;
	*at_r = *p == '@' ? p : NULL;
}

/* A query key (key_len bytes, percent-encoding decoded) that is libpq's "password". */
static bool index_url_is_password(const char *key, size_t key_len)
{
	char *raw = g_strndup(key, key_len), *plain = g_uri_unescape_string(raw, NULL);
	bool yes = plain != NULL && g_ascii_strcasecmp(plain, "password") == 0;

	g_free(raw);
	g_free(plain);
	return yes;
}

void index_url_scrub(char *url)
{
	const char *cauth, *cat;
	char *auth, *end, *at, *colon, *p;

	if (url == NULL ||
	    (!g_str_has_prefix(url, "postgresql://") && !g_str_has_prefix(url, "postgres://")))
		return;
	index_url_userinfo(url, &cauth, &cat);
	auth = url + (cauth - url);
	at = cat != NULL ? url + (cat - url) : NULL;
	colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon != NULL)
		memset(colon + 1, '*', (size_t)(at - colon - 1));
	end = at != NULL ? at : auth;
	for (p = strchr(end, '?'); p != NULL; p = strchr(p, '&')) {
		size_t key = strcspn(++p, "=&");

		if (p[key] == '=' && index_url_is_password(p, key))
			memset(p + key + 1, '*', strcspn(p + key + 1, "&"));
	}
}

char *index_url_redacted(const char *url)
{
	GString *out;
	const char *auth, *at, *colon, *rest, *query;

	if (url == NULL)
		return NULL;
	if (!g_str_has_prefix(url, "postgresql://") && !g_str_has_prefix(url, "postgres://"))
		return g_strdup(url);
	out = g_string_new(NULL);
	index_url_userinfo(url, &auth, &at);
	colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	rest = url;
	if (colon != NULL) {
		g_string_append_len(out, url, colon + 1 - url);
		g_string_append(out, "***");
		rest = at;
	}
	query = strchr(at != NULL ? at : auth, '?');
	if (query == NULL) {
		g_string_append(out, rest);
		return g_string_free(out, FALSE);
	}
	g_string_append_len(out, rest, query + 1 - rest);
	char **params = g_strsplit(query + 1, "&", -1);
	for (char **p = params; *p != NULL; p++) {
		size_t key = strcspn(*p, "=");

		if (p != params)
			g_string_append_c(out, '&');
		if ((*p)[key] == '=' && index_url_is_password(*p, key)) {
			g_string_append(out, "password=***");
		} else {
			g_string_append(out, *p);
		}
	}
	g_strfreev(params);
	return g_string_free(out, FALSE);
}
