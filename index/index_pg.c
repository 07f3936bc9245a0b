/*
 * index_pg: the PostgreSQL driver of the index (libpq), for sites where several MTAs share one
 * index. The schema is the SQLite one with PostgreSQL's types (BIGSERIAL key, BYTEA digests);
 * migrations run under an advisory lock so that instances starting together migrate once.
 * Hits are inserted with ON CONFLICT DO NOTHING on the unique key (the same statement as
 * SQLite's), so a hit found by several instances is reported by one. A connection that breaks
 * is reported dead (alive()) and index.c reconnects with a backoff. Lookups send every query
 * in one statement (arrays unnested into a derived table joined on each digest's index).
 *
 * A connection belongs to one thread at a time (index.c serialises), but for pg_cancel, which
 * any thread may call while it runs a statement.
 */

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "index/index_private.h"

/* Seconds to connect (TCP, then the server's answer) when the url does not say. */
#define INDEX_PG_CONNECT_TIMEOUT_S 10

/* The pg_advisory_lock key of the migrations: any fixed number, the same in every instance. */
#define INDEX_PG_LOCK_KEY "7089075466089418"

struct index_conn {
	PGconn *pg;
	PGcancel *cancel; /* for index_cancel, from another thread (PQcancel is thread safe) */
	bool prepared;
};

static const char *const pg_steps[] = {
        /* 0 -> 1 */
        "CREATE TABLE messages(key BIGSERIAL PRIMARY KEY, time BIGINT NOT NULL, queue_id TEXT,"
        " message_id TEXT, client TEXT, sender TEXT, verdict TEXT, action TEXT);"
        "CREATE INDEX messages_time ON messages(time);"
        "CREATE TABLE rcpts(msg_key BIGINT NOT NULL, rcpt TEXT NOT NULL);"
        "CREATE INDEX rcpts_msg ON rcpts(msg_key);"
        "CREATE TABLE parts(msg_key BIGINT NOT NULL, path TEXT NOT NULL, name TEXT, type TEXT,"
        " size BIGINT NOT NULL, md5 BYTEA, sha1 BYTEA, sha256 BYTEA);"
        "CREATE INDEX parts_msg ON parts(msg_key);"
        "CREATE INDEX parts_md5 ON parts(md5);"
        "CREATE INDEX parts_sha1 ON parts(sha1);"
        "CREATE INDEX parts_sha256 ON parts(sha256);"
        "CREATE TABLE hits(msg_key BIGINT NOT NULL, path TEXT NOT NULL, sig_name TEXT NOT NULL,"
        " hash BYTEA NOT NULL, time BIGINT NOT NULL, UNIQUE(msg_key, path, sig_name, hash));",
};
G_STATIC_ASSERT(G_N_ELEMENTS(pg_steps) == INDEX_SCHEMA_VERSION);

/* libpq's messages end in a newline: without it, one line. */
static void pg_error(struct index_conn *c, GError **error, const char *what)
{
	char *msg = g_strdup(c->pg != NULL ? PQerrorMessage(c->pg) : "out of memory");
	int code = c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK ? INDEX_ERROR_UNAVAILABLE
	                                                             : INDEX_ERROR_FAILED;

	g_strstrip(msg);
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	g_set_error(error, INDEX_ERROR, code, "index: postgresql: %s: %s", what, msg);
	g_free(msg);
}

/* Run a statement; true when its status is want. */
static bool pg_ok(struct index_conn *c, PGresult *res, ExecStatusType want, GError **error,
                  const char *what)
{
	if (res != NULL && PQresultStatus(res) == want)
		return true;
	pg_error(c, error, what);
	return false;
}

static int pg_exec(struct index_conn *c, const char *sql, GError **error)
{
	PGresult *res = PQexec(c->pg, sql);
	bool ok = pg_ok(c, res, PGRES_COMMAND_OK, error, sql);

	PQclear(res);
	return ok ? 0 : -1;
}

static void pg_quiet(void *arg, const char *message)
{
	/* NOTICEs ("relation already exists, skipping") are not news */
}

static void pg_close(struct index_conn **cp)
{
	struct index_conn *c = *cp;

	if (c == NULL)
		return;
	*cp = NULL;
	if (c->cancel != NULL)
		PQfreeCancel(c->cancel);
	if (c->pg != NULL)
		PQfinish(c->pg);
	g_free(c);
}

static int pg_open(const char *target, bool create, struct index_conn **conn_r, GError **error)
{
	struct index_conn *c = g_new0(struct index_conn, 1);

	/*
	 * A server that takes the connection and never answers would hold the milter's start, a
	 * reload or the writer's stop for ever: connect_timeout unless the url sets its own (the
	 * url comes after it, and a later keyword wins).
	 */
	static const char *const keys[] = {"connect_timeout", "dbname", NULL};
	const char *values[] = {G_STRINGIFY(INDEX_PG_CONNECT_TIMEOUT_S), target, NULL};

	c->pg = PQconnectdbParams(keys, values, 1);
	if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
		pg_error(c, error, "connect");
		pg_close(&c);
		return -1;
	}
	PQsetNoticeProcessor(c->pg, pg_quiet, NULL);
	c->cancel = PQgetCancel(c->pg);
	*conn_r = c;
	return 0;
}

/* The server keeps its own pages whole (checksums, WAL): nothing to check here. */
static int pg_verify(struct index_conn *c, GError **error)
{
	return 0;
}

static int pg_version(struct index_conn *c, int *version_r, GError **error)
{
	PGresult *res = PQexec(c->pg, "SELECT coalesce(max(version), 0) FROM schema_version");
	bool ok = pg_ok(c, res, PGRES_TUPLES_OK, error, "schema_version");

	if (ok)
		*version_r = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return ok ? 0 : -1;
}

static int pg_migrate(struct index_conn *c, GError **error)
{
	int version = 0, ret = -1;

	PGresult *res = PQexec(c->pg, "SELECT pg_advisory_lock(" INDEX_PG_LOCK_KEY ")");
	bool locked = pg_ok(c, res, PGRES_TUPLES_OK, error, "migration lock");

	PQclear(res);
	if (!locked)
		return -1;
	if (pg_exec(c, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)",
	            error) < 0 ||
	    pg_version(c, &version, error) < 0)
		goto out;
	if (version > INDEX_SCHEMA_VERSION) {
		g_set_error(
		        error, INDEX_ERROR, INDEX_ERROR_VERSION,
		        "index: postgresql: schema version %d is newer than this partscan's (%d)",
		        version, INDEX_SCHEMA_VERSION);
		goto out;
	}
	while (version < INDEX_SCHEMA_VERSION) {
		char *sql =
		        g_strdup_printf("BEGIN; %s INSERT INTO schema_version VALUES (%d); COMMIT",
		                        pg_steps[version], version + 1);
		int r = pg_exec(c, sql, error);
		g_free(sql);
		if (r < 0) {
			PQclear(PQexec(c->pg, "ROLLBACK"));
			goto out;
		}
		version++;
	}
	ret = 0;
out:
	PQclear(PQexec(c->pg, "SELECT pg_advisory_unlock(" INDEX_PG_LOCK_KEY ")"));
	return ret;
}

static int pg_prepare(struct index_conn *c, GError **error)
{
	static const struct {
		const char *name, *sql;
	} stmts[] = {
	        {"ins_msg",
	         "INSERT INTO messages(time, queue_id, message_id, client, sender, verdict,"
	         " action) VALUES ($1, $2, $3, $4, $5, $6, $7)"},
	        {"ins_rcpt",
	         "INSERT INTO rcpts(msg_key, rcpt) VALUES (currval('messages_key_seq'), $1)"},
	        {"ins_part", "INSERT INTO parts(msg_key, path, name, type, size, md5, sha1, sha256)"
	                     " VALUES (currval('messages_key_seq'), $1, $2, $3, $4, $5, $6, $7)"},
	        {"rcpts", "SELECT rcpt FROM rcpts WHERE msg_key = $1 ORDER BY ctid"},
	};

	if (c->prepared)
		return 0;
	for (size_t i = 0; i < G_N_ELEMENTS(stmts); i++) {
		PGresult *res = PQprepare(c->pg, stmts[i].name, stmts[i].sql, 0, NULL);
		bool ok = pg_ok(c, res, PGRES_COMMAND_OK, error, stmts[i].name);
		PQclear(res);
		if (!ok)
			return -1;
	}
	c->prepared = true;
	return 0;
}

static int pg_run(struct index_conn *c, const char *stmt, int n, const char *const *values,
                  const int *lengths, const int *formats, GError **error)
{
	PGresult *res = PQexecPrepared(c->pg, stmt, n, values, lengths, formats, 0);
	bool ok = pg_ok(c, res, PGRES_COMMAND_OK, error, stmt);

	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * Text fit for PostgreSQL, which refuses what is not UTF-8: what came with the mail (a raw
 * 8-bit Message-ID, file name or address) gets U+FFFD for its bad bytes, instead of rolling
 * back the whole batch. A copy, when one is needed, is kept in keep to be freed.
 */
static const char *pg_text(const char *s, GPtrArray *keep)
{
	if (s == NULL || g_utf8_validate(s, -1, NULL))
		return s;
	char *valid = g_utf8_make_valid(s, -1);
	g_ptr_array_add(keep, valid);
	return valid;
}

static int pg_insert_msg(struct index_conn *c, const struct index_msg *m, uint64_t *parts,
                         GError **error)
{
	GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
	char time[32], size[32];
	const char *mv[7] = {time,
	                     pg_text(m->queue_id, keep),
	                     pg_text(m->message_id, keep),
	                     pg_text(m->client, keep),
	                     pg_text(m->sender, keep),
	                     pg_text(m->verdict, keep),
	                     pg_text(m->action, keep)};
	int ret = -1;

	g_snprintf(time, sizeof(time), "%" G_GINT64_FORMAT, m->time);
	if (pg_run(c, "ins_msg", 7, mv, NULL, NULL, error) < 0)
		goto out;
	for (guint i = 0; m->rcpts != NULL && i < m->rcpts->len; i++) {
		const char *rv[1] = {pg_text(g_ptr_array_index(m->rcpts, i), keep)};
		if (pg_run(c, "ins_rcpt", 1, rv, NULL, NULL, error) < 0)
			goto out;
	}
	for (guint i = 0; m->parts != NULL && i < m->parts->len; i++) {
		const struct index_part *p = g_ptr_array_index(m->parts, i);
		const char *pv[7] = {p->path != NULL ? pg_text(p->path, keep) : "",
		                     pg_text(p->name, keep), pg_text(p->type, keep), size};
		int len[7] = {0}, fmt[7] = {0};
		g_snprintf(size, sizeof(size), "%" G_GUINT64_FORMAT, p->size);
		for (int t = 0; t < DIGEST__COUNT; t++) {
			if (!(p->digests.mask & DIGEST_BIT(t)))
				continue;
			pv[4 + t] = (const char *)digest_get(&p->digests, t);
			len[4 + t] = (int)digest_len(t);
			fmt[4 + t] = 1; /* binary: the bytes themselves */
		}
		if (pg_run(c, "ins_part", 7, pv, len, fmt, error) < 0)
			goto out;
		(*parts)++;
	}
	ret = 0;
out:
	g_ptr_array_unref(keep);
	return ret;
}

static int pg_insert(struct index_conn *c, struct index_msg *const *msgs, size_t n,
                     uint64_t *parts_r, GError **error)
{
	uint64_t parts = 0;

	if (pg_prepare(c, error) < 0 || pg_exec(c, "BEGIN", error) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (pg_insert_msg(c, msgs[i], &parts, error) < 0) {
			PQclear(PQexec(c->pg, "ROLLBACK"));
			return -1;
		}
	}
	if (pg_exec(c, "COMMIT", error) < 0) {
		PQclear(PQexec(c->pg, "ROLLBACK"));
		return -1;
	}
	*parts_r = parts;
	return 0;
}

#define FIND_COLS                                                                                  \
	"SELECT q.qi, m.key, m.time, m.queue_id, m.message_id, m.client, m.sender, m.verdict,"     \
	" m.action, p.path, p.name, p.type, p.size, p.md5, p.sha1, p.sha256 FROM q JOIN parts p "  \
	"ON "
#define FIND_WHERE                                                                                 \
	" JOIN messages m ON m.key = p.msg_key WHERE (q.size IS NULL OR p.size = q.size)"          \
	" AND m.time >= $5 AND m.time < $6"
/* one SELECT per digest column, so that each uses its index */
static const char pg_find_sql[] =
        "WITH q AS MATERIALIZED (SELECT qi, type, decode(hex, 'hex') AS hash, size FROM"
        " unnest($1::bigint[], $2::int[], $3::text[], $4::bigint[]) AS u(qi, type, hex, "
        "size)) " FIND_COLS "q.type = 0 AND p.md5 = q.hash" FIND_WHERE " UNION ALL " FIND_COLS
        "q.type = 1 AND p.sha1 = q.hash" FIND_WHERE " UNION ALL " FIND_COLS
        "q.type = 2 AND p.sha256 = q.hash" FIND_WHERE " ORDER BY 3, 2, 10";

/* The four arrays of the queries, as PostgreSQL array literals. */
static void pg_query_arrays(const struct index_query *queries, size_t n, GString *a[4])
{
	char hex[DIGEST_MAX_HEX];

	for (int k = 0; k < 4; k++)
		g_string_assign(a[k], "{");
	for (size_t i = 0; i < n; i++) {
		const struct index_query *q = &queries[i];
		if ((unsigned int)q->type >= DIGEST__COUNT)
			continue;
		const char *sep = a[0]->len > 1 ? "," : "";
		g_string_append_printf(a[0], "%s%zu", sep, i);
		g_string_append_printf(a[1], "%s%d", sep, (int)q->type);
		g_string_append_printf(a[2], "%s%s", sep,
		                       digest_hex(q->hash, digest_len(q->type), hex));
		if (q->size == INDEX_ANY_SIZE)
			g_string_append_printf(a[3], "%sNULL", sep);
		else
			g_string_append_printf(a[3], "%s%" G_GUINT64_FORMAT, sep, q->size);
	}
	for (int k = 0; k < 4; k++)
		g_string_append_c(a[k], '}');
}

static const char *pg_value(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* A bytea column in text form ("\x0123...") into a digest of the set. */
static void pg_digest(const PGresult *res, int row, int col, struct digest_set *d,
                      enum digest_type t)
{
	const char *v = pg_value(res, row, col);

	if (v != NULL && strlen(v) == 2 + 2 * digest_len(t) && v[0] == '\\' && v[1] == 'x' &&
	    digest_unhex(v + 2, digest_len(t), (unsigned char *)digest_get(d, t)) == 0)
		d->mask |= DIGEST_BIT(t);
}

static int pg_rcpts(struct index_conn *c, const char *key, GPtrArray *out, GError **error)
{
	const char *v[1] = {key};
	PGresult *res = PQexecPrepared(c->pg, "rcpts", 1, v, NULL, NULL, 0);
	bool ok = pg_ok(c, res, PGRES_TUPLES_OK, error, "recipients");

	g_ptr_array_set_size(out, 0);
	for (int i = 0; ok && i < PQntuples(res); i++)
		g_ptr_array_add(out, g_strdup(PQgetvalue(res, i, 0)));
	g_ptr_array_add(out, NULL);
	PQclear(res);
	return ok ? 0 : -1;
}

/* One row of the lookup to the callback; rcpts: the recipients of *rcpts_key's message. */
static int pg_find_row(struct index_conn *c, const PGresult *res, int r, int64_t *rcpts_key,
                       GPtrArray *rcpts, index_found_cb cb, void *ctx, GError **error)
{
	struct index_found f = {0};
	struct digest_set d = {0};

	f.query = (size_t)g_ascii_strtoull(PQgetvalue(res, r, 0), NULL, 10);
	f.msg_key = g_ascii_strtoll(PQgetvalue(res, r, 1), NULL, 10);
	f.time = g_ascii_strtoll(PQgetvalue(res, r, 2), NULL, 10);
	f.queue_id = pg_value(res, r, 3);
	f.message_id = pg_value(res, r, 4);
	f.client = pg_value(res, r, 5);
	f.sender = pg_value(res, r, 6);
	f.verdict = pg_value(res, r, 7);
	f.action = pg_value(res, r, 8);
	f.path = pg_value(res, r, 9);
	f.name = pg_value(res, r, 10);
	f.type = pg_value(res, r, 11);
	f.size = g_ascii_strtoull(PQgetvalue(res, r, 12), NULL, 10);
	pg_digest(res, r, 13, &d, DIGEST_MD5);
	pg_digest(res, r, 14, &d, DIGEST_SHA1);
	pg_digest(res, r, 15, &d, DIGEST_SHA256);
	f.digests = &d;
	if (*rcpts_key != f.msg_key) {
		if (pg_rcpts(c, PQgetvalue(res, r, 1), rcpts, error) < 0)
			return -1;
		*rcpts_key = f.msg_key;
	}
	f.rcpts = (const char *const *)rcpts->pdata;
	return cb(ctx, &f);
}

/*
 * The rows found are copied into the temporary table partscan_found, numbered in their order,
 * and read PG_FIND_FETCH at a time, each page a statement of its own: while the callback
 * runs no transaction is open, so a caller that waits (a hunt paused in a pager) holds no
 * snapshot that keeps VACUUM from the rows the writer's pruning deletes, and does not sit
 * "idle in transaction"; and a hash found in a million parts is never held in memory whole
 * (PQexec keeps every row of a result).
 */
#define PG_FIND_FETCH 1000

static const char pg_found_table[] =
        "CREATE TEMP TABLE IF NOT EXISTS partscan_found(n BIGINT PRIMARY KEY, qi BIGINT,"
        " key BIGINT, time BIGINT, queue_id TEXT, message_id TEXT, client TEXT, sender TEXT,"
        " verdict TEXT, action TEXT, path TEXT, name TEXT, type TEXT, size BIGINT, md5 BYTEA,"
        " sha1 BYTEA, sha256 BYTEA); TRUNCATE partscan_found";
static const char pg_found_page[] =
        "SELECT qi, key, time, queue_id, message_id, client, sender, verdict, action, path, name,"
        " type, size, md5, sha1, sha256, n FROM partscan_found WHERE n > $1 ORDER BY n "
        "LIMIT " G_STRINGIFY(PG_FIND_FETCH);

static int pg_find(struct index_conn *c, const struct index_query *queries, size_t n, int64_t since,
                   int64_t until, index_found_cb cb, void *ctx, GError **error)
{
	GString *a[4] = {g_string_new(NULL), g_string_new(NULL), g_string_new(NULL),
	                 g_string_new(NULL)};
	GPtrArray *rcpts = g_ptr_array_new_with_free_func(g_free);
	char s_since[32], s_until[32], s_last[32] = "0";
	const char *v[6], *last = s_last;
	PGresult *res = NULL;
	int64_t rcpts_key = -1;
	char *sql;
	bool made = false;
	int ret = -1, rows;

	if (pg_prepare(c, error) < 0)
		goto out;
	pg_query_arrays(queries, n, a);
	g_snprintf(s_since, sizeof(s_since), "%" G_GINT64_FORMAT, since != 0 ? since : INT64_MIN);
	g_snprintf(s_until, sizeof(s_until), "%" G_GINT64_FORMAT, until != 0 ? until : INT64_MAX);
	for (int k = 0; k < 4; k++)
		v[k] = a[k]->str;
	v[4] = s_since;
	v[5] = s_until;
	if (pg_exec(c, pg_found_table, error) < 0)
		goto out;
	made = true;
	sql = g_strconcat("INSERT INTO partscan_found SELECT row_number() OVER (ORDER BY f.time,"
	                  " f.key, f.path), f.* FROM (",
	                  pg_find_sql, ") f", NULL);
	res = PQexecParams(c->pg, sql, 6, NULL, v, NULL, NULL, 0);
	g_free(sql);
	if (!pg_ok(c, res, PGRES_COMMAND_OK, error, "find"))
		goto out;
	do {
		PQclear(res);
		res = PQexecParams(c->pg, pg_found_page, 1, NULL, &last, NULL, NULL, 0);
		if (!pg_ok(c, res, PGRES_TUPLES_OK, error, "find"))
			goto out;
		rows = PQntuples(res);
		for (int r = 0; r < rows; r++) {
			if ((ret = pg_find_row(c, res, r, &rcpts_key, rcpts, cb, ctx, error)) != 0)
				goto out;
		}
		ret = -1;
		if (rows > 0)
			g_strlcpy(s_last, PQgetvalue(res, rows - 1, 16), sizeof(s_last));
	} while (rows == PG_FIND_FETCH);
	ret = 0;
out:
	PQclear(res);
	if (made) /* the rows found go at once, not at the session's end */
		PQclear(PQexec(c->pg, "TRUNCATE partscan_found"));
	for (int k = 0; k < 4; k++)
		g_string_free(a[k], TRUE);
	g_ptr_array_unref(rcpts);
	return ret;
}

/*
 * A value of the hits table's unique key, short enough for its btree (PostgreSQL refuses
 * index rows over ~2.7 KB: a part path of nested archive member names can be far longer):
 * beyond max bytes, the first bytes (whole UTF-8 characters) and the SHA-256 of the whole, so
 * that the same hit gives the same key in every instance. s is valid UTF-8 (pg_text).
 */
static const char *pg_key_text(const char *s, size_t max, GPtrArray *keep)
{
	size_t len = strlen(s), cut = max - 70;

	if (len <= max)
		return s;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, s, (gssize)len);
	char *key = g_strdup_printf("%.*s...%s", (int)cut, s, sum);
	g_free(sum);
	g_ptr_array_add(keep, key);
	return key;
}

static int pg_hit_record(struct index_conn *c, int64_t msg_key, const char *path,
                         const char *sig_name, const unsigned char *hash, size_t hash_len,
                         int64_t now, GError **error)
{
	GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
	char key[32], time[32];
	const char *v[5] = {key, path != NULL ? pg_key_text(pg_text(path, keep), 1024, keep) : "",
	                    sig_name != NULL ? pg_key_text(pg_text(sig_name, keep), 512, keep) : "",
	                    (const char *)hash, time};
	int len[5] = {0, 0, 0, (int)hash_len, 0}, fmt[5] = {0, 0, 0, 1, 0};

	g_snprintf(key, sizeof(key), "%" G_GINT64_FORMAT, msg_key);
	g_snprintf(time, sizeof(time), "%" G_GINT64_FORMAT, now);
	/* the same statement text as SQLite's */
	PGresult *res = PQexecParams(c->pg,
	                             "INSERT INTO hits(msg_key, path, sig_name, hash, time)"
	                             " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
	                             5, NULL, v, len, fmt, 0);
	bool ok = pg_ok(c, res, PGRES_COMMAND_OK, error, "hit");
	int ret = ok ? (atoi(PQcmdTuples(res)) > 0 ? 1 : 0) : -1;

	PQclear(res);
	g_ptr_array_unref(keep);
	return ret;
}

static int pg_prune(struct index_conn *c, int64_t before, unsigned int limit, uint64_t *pruned_r,
                    GError **error)
{
	char b[32], l[32];
	const char *v[2] = {b, l};

	g_snprintf(b, sizeof(b), "%" G_GINT64_FORMAT, before);
	g_snprintf(l, sizeof(l), "%u", limit);
	PGresult *res = PQexecParams(
	        c->pg,
	        "WITH old AS (SELECT key FROM messages WHERE time < $1 ORDER BY time LIMIT $2),"
	        " dp AS (DELETE FROM parts WHERE msg_key IN (SELECT key FROM old)),"
	        " dr AS (DELETE FROM rcpts WHERE msg_key IN (SELECT key FROM old)),"
	        " dh AS (DELETE FROM hits WHERE msg_key IN (SELECT key FROM old))"
	        " DELETE FROM messages WHERE key IN (SELECT key FROM old)",
	        2, NULL, v, NULL, NULL, 0);
	bool ok = pg_ok(c, res, PGRES_COMMAND_OK, error, "retention");

	if (ok)
		*pruned_r = g_ascii_strtoull(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * A cancel request on a connection of its own to the server (PQcancel: thread safe, and what
 * psql's ^C sends): the statement running fails ("canceling statement due to user request"),
 * the connection stays usable. Nothing happens when none runs.
 */
static void pg_cancel(struct index_conn *c)
{
	char why[256];

	if (c->cancel != NULL)
		(void)PQcancel(c->cancel, why, sizeof(why));
}

static bool pg_alive(struct index_conn *c)
{
	return c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK;
}

const struct index_driver index_driver_pg = {
        .name = "postgresql",
        .open = pg_open,
        .verify = pg_verify,
        .migrate = pg_migrate,
        .insert = pg_insert,
        .find = pg_find,
        .hit_record = pg_hit_record,
        .prune = pg_prune,
        .cancel = pg_cancel,
        .alive = pg_alive,
        .close = pg_close,
};
