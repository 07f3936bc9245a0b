/*
 * session: per-connection and per-message state, and the end-of-message pipeline (see
 * session.h). Limits: headers beyond limits.max_header_bytes and message bytes beyond
 * limits.max_message_bytes are not buffered (the message is then unscannable: the policy
 * decides), recipients beyond SESSION_MAX_RCPTS are counted only.
 *
 * Events may come in any order (a broken or hostile client can send anything libmilter lets
 * through): each entry point accepts a NULL session, and a message follows the order
 * MAIL, RCPT..., headers..., end of headers, body..., end of message. An event out of that
 * order ends the message with a tempfail, so the end of message that may follow has nothing
 * to pass.
 */

#include "milter/session.h"
#include "milter/bufpool.h"
#include "milter/live.h"
#include "milter/mindex.h"
#include "milter/mlog.h"
#include "milter/released.h"
#include "milter/skip.h"
#include "milter/stats.h"
#include "milter/workers.h"
#include "conf/quarantine.h"
#include "mime/dashes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

/* Where a message is: what may come next. */
enum message_stage {
	MESSAGE_ENVELOPE, /* after MAIL: recipients, headers, end of headers */
	MESSAGE_HEADERS,  /* after a header: headers, end of headers */
	MESSAGE_BODY,     /* after the end of headers: body chunks, end of message */
};

struct message {
	enum message_stage stage;
	struct live *live;
	char *sender;
	GPtrArray *rcpts; /* char *, NULL-terminated for the logs */
	unsigned int rcpt_dropped;
	char *queue_id;
	bool authenticated;
	GByteArray *raw;
	size_t raw_cap;  /* what raw was sized to from the announced size; 0: not announced */
	size_t pool_cap; /* raw's capacity when it came from bufpool (goes back there); else 0 */
	size_t body_offset;
	bool header_overflow, body_overflow;
	unsigned int inbound_scanned, inbound_status, inbound_release;
	const char *skip; /* why the message is not scanned (a static string), or NULL */
	size_t bytes;     /* headers and body as received, buffered or not */
	/* release markers that came with a message not skipped otherwise (the first
	   SESSION_MAX_MARKERS), the digest of its body for them, and the item id of the one
	   honoured */
	GPtrArray *markers;
	struct quarantine_body_hash *marked_body;
	char *released_id;
	gint64 started;
	/* the lines of raw starting with "--", scanned as the body arrives (each chunk while it
	   is in the cache) for the scan's walk; dashes_on: begun */
	struct mime_dashes dashes;
	bool dashes_on;
};

struct session {
	const struct session_ops *ops;
	char *client_name, *client_addr, *helo;
	struct sockaddr_storage addr;
	bool has_addr, leadspace, skip_client;
	struct message *msg;
};

#define SESSION_PRESIZE_MIN (64 * 1024) /* smaller announced messages: the usual growth */
/* Release markers checked per message: `partscan quarantine release` adds one (a copy held
   with markers of its own carries those too) */
#define SESSION_MAX_MARKERS 8

static char *session_hostname;

void session_set_hostname(const char *hostname)
{
	g_free(session_hostname);
	session_hostname = g_strdup(hostname);
}

static void message_free(struct message **mp)
{
	struct message *m = *mp;

	if (m == NULL)
		return;
	live_release(&m->live);
	g_free(m->sender);
	g_ptr_array_free(m->rcpts, TRUE);
	g_free(m->queue_id);
	if (m->markers != NULL)
		g_ptr_array_free(m->markers, TRUE);
	quarantine_body_hash_free(&m->marked_body);
	g_free(m->released_id);
	if (m->dashes_on)
		mime_dashes_clear(&m->dashes);
	if (m->pool_cap > 0)
		bufpool_give(&m->raw, m->pool_cap);
	else if (m->raw != NULL)
		g_byte_array_free(m->raw, TRUE);
	g_free(m);
	*mp = NULL;
}

struct session *session_new(const struct session_ops *ops, const char *hostname,
                            const struct sockaddr *addr, bool leadspace)
{
	struct session *s = g_new0(struct session, 1);
	char buf[INET6_ADDRSTRLEN] = "";

	s->ops = ops;
	s->client_name = g_strdup(hostname);
	s->leadspace = leadspace;
	if (addr != NULL && (addr->sa_family == AF_INET || addr->sa_family == AF_INET6)) {
		size_t len = addr->sa_family == AF_INET ? sizeof(struct sockaddr_in)
		                                        : sizeof(struct sockaddr_in6);
		const void *in =
		        addr->sa_family == AF_INET
		                ? (const void *)&((const struct sockaddr_in *)(const void *)addr)
		                          ->sin_addr
		                : (const void *)&((const struct sockaddr_in6 *)(const void *)addr)
		                          ->sin6_addr;

		memcpy(&s->addr, addr, len);
		s->has_addr = true;
		inet_ntop(addr->sa_family, in, buf, sizeof(buf));
		s->client_addr = g_strdup(buf);
	}
	stats_connection(1);
	return s;
}

void session_free(struct session **sp)
{
	struct session *s = *sp;

	if (s == NULL)
		return;
	message_free(&s->msg);
	g_free(s->client_name);
	g_free(s->client_addr);
	g_free(s->helo);
	g_free(s);
	stats_connection(-1);
	*sp = NULL;
}

enum session_status session_connect(struct session *s)
{
	struct live *l;

	if (s == NULL)
		return SESSION_TEMPFAIL;
	l = live_acquire();
	s->skip_client =
	        l != NULL &&
	        skip_client(l->conf, s->has_addr ? (const struct sockaddr *)&s->addr : NULL);
	live_release(&l);
	return SESSION_CONTINUE;
}

void session_helo(struct session *s, const char *helo)
{
	if (s == NULL)
		return;
	g_free(s->helo);
	s->helo = g_strdup(helo);
}

static const char *const *session_rcpts(const struct message *m)
{
	return (const char *const *)m->rcpts->pdata;
}

/* The log record's envelope part: who sent what to whom, and how long it took. */
static struct mlog_record session_record(const struct session *s, const struct message *m,
                                         const char *result)
{
	struct mlog_record rec = {
	        .queue_id = m->queue_id,
	        .client_addr = s->client_addr,
	        .client_name = s->client_name,
	        .helo = s->helo,
	        .sender = m->sender,
	        .recipients = session_rcpts(m),
	        .rcpt_dropped = m->rcpt_dropped,
	        .size = m->raw != NULL ? m->raw->len : 0,
	        .result = result,
	        .total_ms = (double)(g_get_monotonic_time() - m->started) / 1000.0,
	        .db_generation = m->live->db != NULL ? sigdb_generation(m->live->db) : 0,
	        .db_signatures = m->live->db != NULL ? sigdb_count(m->live->db) : 0,
	};

	return rec;
}

/*
 * A message a [skip] rule lets pass unscanned, at its end: copies of our status headers that
 * came with it are removed (they would vouch for what was never scanned), whatever [headers]
 * add says, and it is logged
 * with its queue id and recipients (known only by now) so that the MTA's log can be matched.
 */
static enum session_status session_skip(struct session *s, void *ctx)
{
	struct message *m = s->msg;
	const struct conf *c = m->live->conf;
	struct mlog_record rec = session_record(s, m, m->skip);
	const char *qid = s->ops->macro(ctx, "i");
	int ret = 0;

	if (qid != NULL && m->queue_id == NULL)
		rec.queue_id = m->queue_id = g_strdup(qid);
	rec.size = m->bytes;
	for (unsigned int i = m->inbound_status; i > 0 && ret == 0; i--)
		ret = s->ops->actions.change_header(ctx, c->header_status, (int)i, NULL);
	for (unsigned int i = m->inbound_scanned; i > 0 && ret == 0; i--)
		ret = s->ops->actions.change_header(ctx, c->header_scanned, (int)i, NULL);
	for (unsigned int i = m->inbound_release; i > 0 && ret == 0; i--)
		ret = s->ops->actions.change_header(ctx, QUARANTINE_RELEASE_HEADER, (int)i, NULL);
	if (ret < 0) {
		rec.result = "tempfail";
		rec.error = "header update refused";
		if (m->released_id != NULL) /* not let through: it may come again */
			released_forget(m->released_id);
	}
	stats_skipped();
	mlog_message(&rec, c->syslog);
	message_free(&s->msg);
	return ret < 0 ? SESSION_TEMPFAIL : SESSION_ACCEPT;
}

/* The raw buffer sized once from the size the MTA announces ({msg_size}), so a large message
   is not copied from buffer to buffer as it grows. Headroom for our CRLF line ends; never more
   than the limit allows buffering (an announcement is the client's word: untouched pages
   cost address space, not memory). Without an announcement the buffer doubles as it grows. */
static void session_presize(struct message *m, const char *announced)
{
	const struct msg_limits *l = &m->live->conf->limits;
	uint64_t size, cap;
	char *end;

	if (announced == NULL || !g_ascii_isdigit(announced[0]))
		return;
	errno = 0;
	size = g_ascii_strtoull(announced, &end, 10);
	if (errno != 0 || *end != '\0' || size <= SESSION_PRESIZE_MIN)
		return;
	cap = MIN(l->max_header_bytes, G_MAXUINT - 2) + 2;
	cap += MIN(l->max_message_bytes, G_MAXUINT - cap);
	size = MIN(size + size / 32 + 4096, cap);
	if (size >= BUFPOOL_MIN)
		m->raw = bufpool_take((size_t)size, &m->pool_cap); /* pages already faulted in */
	else
		m->raw = g_byte_array_sized_new((guint)size);
	m->raw_cap = (size_t)size;
}

size_t session_buffer_capacity(const struct session *s)
{
	/* GByteArray does not tell its capacity: a GArray of bytes keeps it beside len */
	if (s == NULL || s->msg == NULL || s->msg->raw == NULL)
		return 0;
	return s->msg->raw_cap;
}

enum session_status session_envfrom(struct session *s, void *ctx, const char *sender)
{
	struct message *m;
	const char *v;

	if (s == NULL)
		return SESSION_TEMPFAIL; /* MAIL before CONNECT: we do not know the client */
	message_free(&s->msg);
	m = s->msg = g_new0(struct message, 1);
	m->started = g_get_monotonic_time();
	m->live = live_acquire();
	m->sender = g_strdup(sender);
	m->rcpts = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(m->rcpts, NULL);
	v = s->ops->macro(ctx, "i");
	m->queue_id = g_strdup(v);
	v = s->ops->macro(ctx, "{auth_authen}");
	m->authenticated = v != NULL && v[0] != '\0';
	if (m->live == NULL) {
		message_free(&s->msg);
		return SESSION_TEMPFAIL; /* not started yet: cannot happen after start-up */
	}
	/* a skipped message still goes to its end: see session_skip() */
	if (s->skip_client)
		m->skip = "skip: client network";
	else if (skip_sender(m->live->conf, sender, m->authenticated))
		m->skip = m->authenticated && m->live->conf->skip_authenticated
		                  ? "skip: authenticated"
		                  : "skip: sender";
	if (m->skip == NULL)
		session_presize(m, s->ops->macro(ctx, "{msg_size}"));
	return SESSION_CONTINUE;
}

void session_esmtp_args(struct session *s, const char *const *args)
{
	struct message *m = s != NULL ? s->msg : NULL;

	if (m == NULL || m->stage != MESSAGE_ENVELOPE || m->raw != NULL || m->skip != NULL ||
	    m->live == NULL)
		return;
	for (; args != NULL && *args != NULL; args++)
		if (g_ascii_strncasecmp(*args, "SIZE=", 5) == 0) {
			session_presize(m, *args + 5);
			return;
		}
}

/* The message, if it may take an event of stage from..to; otherwise the message (if any) ends
   and NULL is returned: the caller answers tempfail. */
static struct message *session_message(struct session *s, enum message_stage from,
                                       enum message_stage to)
{
	if (s == NULL || s->msg == NULL)
		return NULL;
	if (s->msg->stage < from || s->msg->stage > to) {
		message_free(&s->msg);
		return NULL;
	}
	return s->msg;
}

enum session_status session_envrcpt(struct session *s, const char *rcpt)
{
	struct message *m = session_message(s, MESSAGE_ENVELOPE, MESSAGE_ENVELOPE);

	if (m == NULL)
		return SESSION_TEMPFAIL;
	if (m->rcpts->len > SESSION_MAX_RCPTS) {
		m->rcpt_dropped++;
		return SESSION_CONTINUE;
	}
	m->rcpts->pdata[m->rcpts->len - 1] = g_strdup(rcpt);
	g_ptr_array_add(m->rcpts, NULL);
	return SESSION_CONTINUE;
}

/* Append bytes to the buffer unless that passes limit; false when it would. */
static bool session_append(struct message *m, const void *data, size_t len, uint64_t limit)
{
	if (m->raw == NULL)
		m->raw = g_byte_array_sized_new(16384);
	if (len > limit || m->raw->len > limit - len)
		return false;
	g_byte_array_append(m->raw, data, (guint)len);
	return true;
}

/* The header value with every line end as CRLF (MTAs hand folded values with bare LF). */
static GString *session_header_line(const struct session *s, const char *name, const char *value)
{
	GString *line = g_string_new(name);

	g_string_append_c(line, ':');
	if (!s->leadspace)
		g_string_append_c(line, ' ');
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			g_string_append_c(line, '\r');
		g_string_append_c(line, *p);
	}
	g_string_append(line, "\r\n");
	return line;
}

enum session_status session_header(struct session *s, const char *name, const char *value)
{
	struct message *m = session_message(s, MESSAGE_ENVELOPE, MESSAGE_HEADERS);
	const struct conf *c;
	GString *line;

	if (m == NULL)
		return SESSION_TEMPFAIL;
	m->stage = MESSAGE_HEADERS;
	c = m->live->conf;
	if (g_ascii_strcasecmp(name, c->header_status) == 0)
		m->inbound_status++;
	else if (g_ascii_strcasecmp(name, c->header_scanned) == 0)
		m->inbound_scanned++;
	else if (g_ascii_strcasecmp(name, QUARANTINE_RELEASE_HEADER) == 0 &&
	         ++m->inbound_release <= SESSION_MAX_MARKERS && m->skip == NULL) {
		/* judged at the end, with the body it must have been made for */
		if (m->markers == NULL)
			m->markers = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(m->markers, g_strdup(value));
	}
	m->bytes += strlen(name) + strlen(value) + 4;
	if (m->header_overflow || m->skip != NULL)
		return SESSION_CONTINUE;
	line = session_header_line(s, name, value);
	if (!session_append(m, line->str, line->len, c->limits.max_header_bytes))
		m->header_overflow = true;
	g_string_free(line, TRUE);
	return SESSION_CONTINUE;
}

enum session_status session_eoh(struct session *s, void *ctx)
{
	struct message *m = session_message(s, MESSAGE_ENVELOPE, MESSAGE_HEADERS);
	const char *qid;

	if (m == NULL)
		return SESSION_TEMPFAIL;
	m->stage = MESSAGE_BODY;
	if (m->raw == NULL)
		m->raw = g_byte_array_sized_new(16384);
	g_byte_array_append(m->raw, (const guint8 *)"\r\n", 2);
	m->body_offset = m->raw->len;
	qid = s->ops->macro(ctx, "i");
	if (qid != NULL && m->queue_id == NULL)
		m->queue_id = g_strdup(qid);
	if (m->skip == NULL && skip_recipients(m->live->conf, session_rcpts(m)))
		m->skip = "skip: recipients";
	if (m->skip == NULL && m->markers != NULL)
		m->marked_body = quarantine_body_hash_new();
	return SESSION_CONTINUE;
}

/* Scan what is new in raw for lines starting with "--" (final: raw is whole). */
static void session_dashes(struct message *m, bool final)
{
	if (!m->dashes_on) {
		struct msg_limits lim;

		msg_limits_effective(&m->live->conf->limits, &lim);
		mime_dashes_init(&m->dashes, mime_dashes_max(&lim));
		m->dashes_on = true;
	}
	mime_dashes_feed(&m->dashes, m->raw->data, m->raw->len, final);
}

enum session_status session_body(struct session *s, const unsigned char *chunk, size_t len)
{
	struct message *m = session_message(s, MESSAGE_BODY, MESSAGE_BODY);

	if (m == NULL)
		return SESSION_TEMPFAIL;
	m->bytes += len;
	if (m->marked_body != NULL) /* the whole body, also past the buffer's limit */
		quarantine_body_hash_feed(m->marked_body, chunk, len);
	if (m->skip != NULL || m->body_overflow)
		return SESSION_CONTINUE; /* not buffered: never scanned */
	if (!session_append(m, chunk, len, m->live->conf->limits.max_message_bytes))
		m->body_overflow = true;
	else
		session_dashes(m, false);
	return SESSION_CONTINUE;
}

void session_abort(struct session *s)
{
	if (s != NULL)
		message_free(&s->msg);
}

static const char *session_overflow(const struct message *m, char *buf, size_t size)
{
	const struct msg_limits *lim = &m->live->conf->limits;

	if (m->header_overflow)
		g_snprintf(buf, size, "headers larger than %" G_GUINT64_FORMAT " bytes",
		           (guint64)lim->max_header_bytes);
	else if (m->body_overflow)
		g_snprintf(buf, size, "message larger than %" G_GUINT64_FORMAT " bytes",
		           (guint64)lim->max_message_bytes);
	else
		return NULL;
	return buf;
}

/*
 * The build time of the signatures that age: the loaded daily container (freshclam's updates),
 * else the newest loaded container; 0 when none. A main or bytecode container is rebuilt
 * rarely (bytecode.cvd of 2010 is current) and says nothing about freshness.
 */
static int64_t session_db_built(const struct sigdb *db)
{
	const struct sigdb_source *daily = sigdb_container_find(db, "daily");
	int64_t newest = 0;

	if (daily != NULL)
		return daily->built;
	for (size_t i = 0; i < sigdb_source_count(db); i++) {
		const struct sigdb_source *src = sigdb_source_get(db, i);

		if (src->format == SIGDB_FORMAT_CONTAINER && !src->rejected && !src->superseded)
			newest = MAX(newest, src->built);
	}
	return newest;
}

/* Why the loaded signatures count as stale (database.max_age_days), or NULL. */
static const char *session_stale(const struct live *l, char *buf, size_t size)
{
	unsigned int days = l->conf->db_max_age_days;
	int64_t built, age;

	if (days == 0 || l->db == NULL)
		return NULL;
	built = session_db_built(l->db);
	age = (int64_t)(g_get_real_time() / G_USEC_PER_SEC) - built;
	if (built <= 0 || age <= (int64_t)days * 86400)
		return NULL;
	g_snprintf(buf, size, "signatures built %" G_GINT64_FORMAT " days ago", age / 86400);
	return buf;
}

static void session_log(const struct session *s, const struct message *m,
                        const struct msg_report *report, const struct policy_plan *plan,
                        enum actions_result result, const char *error, const GPtrArray *ids)
{
	static const char *const results[] = {"accept", "reject", "tempfail", "discard"};
	struct mlog_record rec = session_record(s, m, results[result]);

	rec.report = report;
	rec.plan = plan;
	rec.error = error;
	rec.quarantine_ids = ids;
	mlog_message(&rec, m->live->conf->syslog);
}

/* Hand the message's part hashes to the index writer (a queue push: never waits). */
static void session_index(const struct session *s, const struct message *m,
                          const struct msg_report *report, const struct policy_plan *plan,
                          enum actions_result result)
{
	static const char *const results[] = {"accept", "reject", "tempfail", "discard"};
	char *client = g_strdup_printf("%s [%s]", s->client_name != NULL ? s->client_name : "",
	                               s->client_addr != NULL ? s->client_addr : "");
	/* delivered: how (accept, tag, strip, quarantine); else what the MTA was told */
	const char *action =
	        result == ACTIONS_ACCEPT ? conf_action_name(plan->action) : results[result];
	struct mindex_envelope env = {
	        .queue_id = m->queue_id,
	        .message_id = report->message_id,
	        .client = client,
	        .sender = m->sender,
	        .rcpts = session_rcpts(m),
	        .verdict = policy_class_name(plan->cls),
	        .action = action,
	};

	mindex_submit(&env, report, m->live->conf->index_body_digests);
	g_free(client);
}

/* Scan on a worker: 0 with *report_r, or -1 with error set when the scan could not be done. */
static int session_scan(struct session *s, void *ctx, struct message *m,
                        struct msg_report **report_r, GError **error)
{
	struct msg_scan_options opts = {
	        .limits = &m->live->conf->limits,
	        /* the index keeps MD5 and SHA-1 too, of text bodies only with body_digests:
	           computed in the part's one pass */
	        .scan = {.want = DIGEST_BIT(DIGEST_SHA256), .cache = live_cache()},
	};
	unsigned int index_want = mindex_want();

	if (m->live->conf->index_body_digests)
		opts.scan.want |= index_want;
	else
		opts.want_attached = index_want;

	*report_r = NULL;
	if (m->live->db == NULL) {
		g_set_error_literal(error, g_quark_from_static_string("session"), 0,
		                    m->live->load_error != NULL ? m->live->load_error
		                                                : "no signatures loaded");
		return -1;
	}
	if (m->dashes_on && !m->body_overflow) {
		session_dashes(m, true);
		opts.dashes = &m->dashes;
	}
	if (workers_scan(m->live->db, m->raw->data, m->raw->len, &opts, report_r, error,
	                 s->ops->progress, ctx) < 0) {
		g_prefix_error(error, "scan failed: ");
		return -1;
	}
	return 0;
}

/*
 * The release markers that came with a message no rule skips: it passes unscanned when one
 * was made for this very body (its digest is in the marker's HMAC) and was not honoured
 * before; otherwise it is scanned as any other, and the log says why.
 */
static void session_release(struct message *m)
{
	char *digest = quarantine_body_hash_end(&m->marked_body);
	const char *qid = m->queue_id != NULL ? m->queue_id : "NOQUEUE";
	gint64 now = g_get_real_time() / G_USEC_PER_SEC, expires = 0;
	bool valid = false;

	for (guint i = 0; i < m->markers->len && m->skip == NULL; i++) {
		char *id = NULL;

		if (!quarantine_release_valid(m->live->conf->quarantine_dir, m->markers->pdata[i],
		                              digest, &id, &expires))
			continue;
		valid = true;
		switch (released_claim(id, expires, now)) {
		case RELEASED_NEW:
			m->skip = "skip: released from the quarantine"; /* `partscan quarantine` */
			m->released_id = g_steal_pointer(&id);
			break;
		case RELEASED_USED:
			mlog_warn("%s: the release marker of %s was used before: scanned", qid, id);
			break;
		case RELEASED_FULL:
			mlog_warn("%s: %u release markers remembered, no room for the one of %s: "
			          "scanned",
			          qid, (unsigned int)RELEASED_MAX, id);
			break;
		}
		g_free(id);
	}
	if (!valid)
		mlog_info("%s: release marker not valid for this message (forged, expired or "
		          "made for another): scanned",
		          qid);
	g_free(digest);
}

enum session_status session_eom(struct session *s, void *ctx)
{
	static const enum session_status map[] = {SESSION_CONTINUE, SESSION_REJECT,
	                                          SESSION_TEMPFAIL, SESSION_DISCARD};
	struct message *m = session_message(s, MESSAGE_BODY, MESSAGE_BODY);
	struct policy_plan plan;
	struct msg_report *report;
	GPtrArray *ids;
	GError *scan_fail = NULL, *act_error = NULL;
	char why[128], stale[160];
	const char *scan_error;
	const char *qid;
	enum actions_result result;

	if (m == NULL)
		return SESSION_TEMPFAIL; /* no message, or not a whole one: never passed */
	qid = s->ops->macro(ctx, "i");
	if (qid != NULL && m->queue_id == NULL)
		m->queue_id = g_strdup(qid);
	if (m->marked_body != NULL)
		session_release(m);
	if (m->skip != NULL)
		return session_skip(s, ctx);
	ids = g_ptr_array_new_with_free_func(g_free);
	scan_error = session_scan(s, ctx, m, &report, &scan_fail) < 0 ? scan_fail->message : NULL;
	{
		struct policy_input in = {
		        .report = report,
		        .error = scan_error,
		        .unscannable = session_overflow(m, why, sizeof(why)),
		        .stale = session_stale(m->live, stale, sizeof(stale)),
		};
		policy_decide(m->live->conf, &in, &plan);
	}
	if (m->live->db == NULL)
		plan.action = CONF_ACTION_TEMPFAIL; /* never pass what could not be scanned */
	{
		struct actions_message am = {
		        .raw = m->raw->data,
		        .len = m->raw->len,
		        .body_offset = m->body_offset,
		        .queue_id = m->queue_id,
		        .sender = m->sender,
		        .recipients = session_rcpts(m),
		        .client = s->client_addr,
		        .inbound_scanned = m->inbound_scanned,
		        .inbound_status = m->inbound_status,
		        .inbound_release = m->inbound_release,
		        .hostname = session_hostname,
		};
		result = actions_apply(&s->ops->actions, ctx, m->live->conf, report, &plan, &am,
		                       ids, &act_error);
	}
	if (act_error != NULL || scan_error != NULL) {
		stats_error();
		mlog_error("%s: %s", m->queue_id != NULL ? m->queue_id : "NOQUEUE",
		           act_error != NULL ? act_error->message : scan_error);
	}
	stats_message(plan.cls, plan.action, report != NULL ? report->parts->len : 0, m->raw->len,
	              report != NULL ? report->scan_ms : 0);
	session_log(s, m, report, &plan, result,
	            act_error != NULL ? act_error->message : scan_error, ids);
	if (report != NULL)
		session_index(s, m, report, &plan, result);
	policy_plan_clear(&plan);
	msg_report_free(&report);
	g_ptr_array_free(ids, TRUE);
	g_clear_error(&scan_fail);
	g_clear_error(&act_error);
	message_free(&s->msg);
	return map[result];
}
