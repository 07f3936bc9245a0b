/*
 * index_sqlite: the SQLite driver of the index (one file, WAL, so that the CLI and the
 * retro-hunt read while the writer writes). A busy database is waited for up to
 * INDEX_SQLITE_BUSY_MS, then the write fails (the batch is dropped, counted). A file that is
 * not a database (refused at open) or fails PRAGMA quick_check (run by the writer in the
 * background) is refused with INDEX_ERROR_CORRUPT and a message that says what to do. Temporary tables stay in memory (temp_store=MEMORY).
 *
 * A connection belongs to one thread at a time (index.c serialises).
 */

#include <errno.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "index/index_private.h"

#define INDEX_SQLITE_BUSY_MS 5000

struct index_conn {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *ins_msg, *ins_rcpt, *ins_part, *rcpts;
};

/*
 * Migrations: step i brings the schema from version i to i + 1. Never edit a step once
 * released; add one.
 */
static const char *const sqlite_steps[] = {
        /* 0 -> 1 */
        "CREATE TABLE messages(key INTEGER PRIMARY KEY, time INTEGER NOT NULL, queue_id TEXT,"
        " message_id TEXT, client TEXT, sender TEXT, verdict TEXT, action TEXT);"
        "CREATE INDEX messages_time ON messages(time);"
        "CREATE TABLE rcpts(msg_key INTEGER NOT NULL, rcpt TEXT NOT NULL);"
        "CREATE INDEX rcpts_msg ON rcpts(msg_key);"
        "CREATE TABLE parts(msg_key INTEGER NOT NULL, path TEXT NOT NULL, name TEXT, type TEXT,"
        " size INTEGER NOT NULL, md5 BLOB, sha1 BLOB, sha256 BLOB);"
        "CREATE INDEX parts_msg ON parts(msg_key);"
        "CREATE INDEX parts_md5 ON parts(md5);"
        "CREATE INDEX parts_sha1 ON parts(sha1);"
        "CREATE INDEX parts_sha256 ON parts(sha256);"
        "CREATE TABLE hits(msg_key INTEGER NOT NULL, path TEXT NOT NULL, sig_name TEXT NOT NULL,"
        " hash BLOB NOT NULL, time INTEGER NOT NULL, UNIQUE(msg_key, path, sig_name, hash));",
};
G_STATIC_ASSERT(G_N_ELEMENTS(sqlite_steps) == INDEX_SCHEMA_VERSION);

static bool sqlite_is_corrupt(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

static void sqlite_error(struct index_conn *c, int rc, GError **error, const char *what)
{
	int code = INDEX_ERROR_FAILED;

	if (sqlite_is_corrupt(rc)) {
		g_set_error(error, INDEX_ERROR, INDEX_ERROR_CORRUPT,
		            "index: %s: the SQLite file is damaged or not an index (%s); move it "
		            "away and partscan starts a new one",
		            c->path, sqlite3_errstr(rc));
		return;
	}
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ||
	    (rc & 0xff) == SQLITE_CANTOPEN)
		code = INDEX_ERROR_UNAVAILABLE;
	g_set_error(error, INDEX_ERROR, code, "index: %s: %s: %s", c->path, what,
	            c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
}

static int sqlite_exec(struct index_conn *c, const char *sql, GError **error)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		sqlite_error(c, rc, error, sql);
		return -1;
	}
	return 0;
}

static int sqlite_prepare(struct index_conn *c, const char *sql, sqlite3_stmt **st_r,
                          GError **error)
{
	int rc = sqlite3_prepare_v2(c->db, sql, -1, st_r, NULL);

	if (rc != SQLITE_OK) {
		sqlite_error(c, rc, error, "prepare");
		return -1;
	}
	return 0;
}

static void sqlite_close(struct index_conn **cp)
{
	struct index_conn *c = *cp;

	if (c == NULL)
		return;
	*cp = NULL;
	sqlite3_finalize(c->ins_msg);
	sqlite3_finalize(c->ins_rcpt);
	sqlite3_finalize(c->ins_part);
	sqlite3_finalize(c->rcpts);
	sqlite3_close_v2(c->db);
	g_free(c->path);
	g_free(c);
}

/* PRAGMA quick_check: "ok", or the first problem. */
static int sqlite_check(struct index_conn *c, GError **error)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite_prepare(c, "PRAGMA quick_check(1)", &st, error) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *res = (const char *)sqlite3_column_text(st, 0);
		if (res == NULL || strcmp(res, "ok") != 0) {
			g_set_error(
			        error, INDEX_ERROR, INDEX_ERROR_CORRUPT,
			        "index: %s: the SQLite file is damaged (quick_check: %s); move it "
			        "away and partscan starts a new one",
			        c->path, res != NULL ? res : "?");
			sqlite3_finalize(st);
			return -1;
		}
	} else if (rc != SQLITE_DONE) {
		sqlite_error(c, rc, error, "quick_check");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int sqlite_open(const char *target, bool create, struct index_conn **conn_r, GError **error)
{
	struct index_conn *c = g_new0(struct index_conn, 1);
	struct stat sb;
	int rc;

	c->path = g_strdup(target);
	if (!create && stat(target, &sb) < 0) {
		g_set_error(error, INDEX_ERROR, INDEX_ERROR_UNAVAILABLE, "index: %s: %s", target,
		            g_strerror(errno));
		sqlite_close(&c);
		return -1;
	}
	rc = sqlite3_open_v2(target, &c->db,
	                     SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
	                             SQLITE_OPEN_NOMUTEX,
	                     NULL);
	if (rc != SQLITE_OK) {
		sqlite_error(c, rc, error, "open");
		sqlite_close(&c);
		return -1;
	}
	sqlite3_busy_timeout(c->db, INDEX_SQLITE_BUSY_MS);
	sqlite3_extended_result_codes(c->db, 0);
	/* the first read of the file: a file that is not a database fails here */
	if (sqlite_exec(c,
	                "PRAGMA temp_store=MEMORY; PRAGMA journal_mode=WAL;"
	                " PRAGMA synchronous=NORMAL",
	                error) < 0) {
		sqlite_close(&c);
		return -1;
	}
	*conn_r = c;
	return 0;
}

/* The version recorded in schema_version (0 when the table does not exist yet). */
static int sqlite_version(struct index_conn *c, int *version_r, GError **error)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*version_r = 0;
	if (sqlite_exec(c, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)",
	                error) < 0 ||
	    sqlite_prepare(c, "SELECT max(version) FROM schema_version", &st, error) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version_r = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite_error(c, rc, error, "schema_version");
		return -1;
	}
	return 0;
}

static int sqlite_migrate(struct index_conn *c, GError **error)
{
	int version;

	if (sqlite_version(c, &version, error) < 0)
		return -1;
	if (version > INDEX_SCHEMA_VERSION) {
		g_set_error(error, INDEX_ERROR, INDEX_ERROR_VERSION,
		            "index: %s: schema version %d is newer than this partscan's (%d)",
		            c->path, version, INDEX_SCHEMA_VERSION);
		return -1;
	}
	while (version < INDEX_SCHEMA_VERSION) {
		/* another process may have migrated since the version was read: read it again
		   under the write lock, and run the step only if it is still to do */
		if (sqlite_exec(c, "BEGIN IMMEDIATE", error) < 0)
			return -1;
		if (sqlite_version(c, &version, error) < 0)
			goto fail;
		if (version >= INDEX_SCHEMA_VERSION) {
			if (sqlite_exec(c, "COMMIT", error) < 0)
				goto fail;
			break; /* newer than this partscan's: refused below */
		}
		char *sql = g_strdup_printf("%s INSERT INTO schema_version VALUES (%d); COMMIT",
		                            sqlite_steps[version], version + 1);
		int ret = sqlite_exec(c, sql, error);
		g_free(sql);
		if (ret < 0)
			goto fail;
		version++;
	}
	if (version > INDEX_SCHEMA_VERSION) {
		g_set_error(error, INDEX_ERROR, INDEX_ERROR_VERSION,
		            "index: %s: schema version %d is newer than this partscan's (%d)",
		            c->path, version, INDEX_SCHEMA_VERSION);
		return -1;
	}
	return 0;
fail:
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_digest(sqlite3_stmt *st, int i, const struct digest_set *d, enum digest_type t)
{
	if (d->mask & DIGEST_BIT(t))
		sqlite3_bind_blob(st, i, digest_get(d, t), (int)digest_len(t), SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Run a bound insert statement once and reset it. */
static int sqlite_run(struct index_conn *c, sqlite3_stmt *st, GError **error)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		sqlite_error(c, rc, error, "insert");
		return -1;
	}
	return 0;
}

static int sqlite_insert_msg(struct index_conn *c, const struct index_msg *m, uint64_t *parts_r,
                             GError **error)
{
	sqlite3_bind_int64(c->ins_msg, 1, m->time);
	bind_text(c->ins_msg, 2, m->queue_id);
	bind_text(c->ins_msg, 3, m->message_id);
	bind_text(c->ins_msg, 4, m->client);
	bind_text(c->ins_msg, 5, m->sender);
	bind_text(c->ins_msg, 6, m->verdict);
	bind_text(c->ins_msg, 7, m->action);
	if (sqlite_run(c, c->ins_msg, error) < 0)
		return -1;
	sqlite3_int64 key = sqlite3_last_insert_rowid(c->db);
	for (guint i = 0; m->rcpts != NULL && i < m->rcpts->len; i++) {
		sqlite3_bind_int64(c->ins_rcpt, 1, key);
		bind_text(c->ins_rcpt, 2, g_ptr_array_index(m->rcpts, i));
		if (sqlite_run(c, c->ins_rcpt, error) < 0)
			return -1;
	}
	for (guint i = 0; m->parts != NULL && i < m->parts->len; i++) {
		const struct index_part *p = g_ptr_array_index(m->parts, i);
		sqlite3_bind_int64(c->ins_part, 1, key);
		bind_text(c->ins_part, 2, p->path != NULL ? p->path : "");
		bind_text(c->ins_part, 3, p->name);
		bind_text(c->ins_part, 4, p->type);
		sqlite3_bind_int64(c->ins_part, 5, (sqlite3_int64)p->size);
		bind_digest(c->ins_part, 6, &p->digests, DIGEST_MD5);
		bind_digest(c->ins_part, 7, &p->digests, DIGEST_SHA1);
		bind_digest(c->ins_part, 8, &p->digests, DIGEST_SHA256);
		if (sqlite_run(c, c->ins_part, error) < 0)
			return -1;
		(*parts_r)++;
	}
	return 0;
}

static int sqlite_insert(struct index_conn *c, struct index_msg *const *msgs, size_t n,
                         uint64_t *parts_r, GError **error)
{
	if ((c->ins_msg == NULL &&
	     sqlite_prepare(c,
	                    "INSERT INTO messages(time, queue_id, message_id, client, sender,"
	                    " verdict, action) VALUES (?, ?, ?, ?, ?, ?, ?)",
	                    &c->ins_msg, error) < 0) ||
	    (c->ins_rcpt == NULL &&
	     sqlite_prepare(c, "INSERT INTO rcpts(msg_key, rcpt) VALUES (?, ?)", &c->ins_rcpt,
	                    error) < 0) ||
	    (c->ins_part == NULL &&
	     sqlite_prepare(c,
	                    "INSERT INTO parts(msg_key, path, name, type, size, md5, sha1, sha256)"
	                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	                    &c->ins_part, error) < 0))
		return -1;
	if (sqlite_exec(c, "BEGIN IMMEDIATE", error) < 0)
		return -1;
	uint64_t parts = 0;
	for (size_t i = 0; i < n; i++) {
		if (sqlite_insert_msg(c, msgs[i], &parts, error) < 0) {
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	if (sqlite_exec(c, "COMMIT", error) < 0) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	*parts_r = parts;
	return 0;
}

/* Load the queries into the in-memory temporary table q. */
static int sqlite_load_queries(struct index_conn *c, const struct index_query *queries, size_t n,
                               GError **error)
{
	sqlite3_stmt *st = NULL;

	if (sqlite_exec(c,
	                "CREATE TEMP TABLE IF NOT EXISTS q(qi INTEGER, type INTEGER, hash BLOB,"
	                " size INTEGER); DELETE FROM temp.q; BEGIN",
	                error) < 0)
		return -1;
	if (sqlite_prepare(c, "INSERT INTO temp.q VALUES (?, ?, ?, ?)", &st, error) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct index_query *qr = &queries[i];
		if ((unsigned int)qr->type >= DIGEST__COUNT)
			continue;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
		sqlite3_bind_int(st, 2, (int)qr->type);
		sqlite3_bind_blob(st, 3, qr->hash, (int)digest_len(qr->type), SQLITE_STATIC);
		if (qr->size == INDEX_ANY_SIZE)
			sqlite3_bind_null(st, 4);
		else
			sqlite3_bind_int64(st, 4, (sqlite3_int64)qr->size);
		if (sqlite_run(c, st, error) < 0)
			goto fail;
	}
	sqlite3_finalize(st);
	return sqlite_exec(c, "COMMIT", error);
fail:
	sqlite3_finalize(st);
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

#define FIND_COLS                                                                                  \
	"SELECT q.qi, m.key, m.time, m.queue_id, m.message_id, m.client, m.sender, m.verdict,"     \
	" m.action, p.path, p.name, p.type, p.size, p.md5, p.sha1, p.sha256"                       \
	" FROM temp.q AS q CROSS JOIN parts AS p ON "
#define FIND_WHERE                                                                                 \
	" CROSS JOIN messages AS m ON m.key = p.msg_key WHERE (q.size IS NULL OR p.size = q.size)" \
	" AND m.time >= ?1 AND m.time < ?2"
/*
 * One SELECT per digest column, so that each uses its index. CROSS JOIN fixes the order of
 * the loops (SQLite's planner has no statistics for the temporary table and otherwise walks
 * every message in the time window first): each query is looked up in the digest's index,
 * then its message by key. 100,000 queries against 3M messages: about 2 s instead of 20.
 */
/*
 * The rows found are first copied into the temporary table found, in their order: the
 * caller's callback runs while they are read from there, with no read transaction open on
 * the index, so a caller that waits (a hunt paused in a pager) holds no snapshot that would
 * keep the WAL from being checkpointed and reset while the milter writes.
 */
static const char find_sql[] =
        "CREATE TEMP TABLE found AS " FIND_COLS "q.type = 0 AND p.md5 = q.hash" FIND_WHERE
        " UNION ALL " FIND_COLS "q.type = 1 AND p.sha1 = q.hash" FIND_WHERE " UNION ALL " FIND_COLS
        "q.type = 2 AND p.sha256 = q.hash" FIND_WHERE " ORDER BY 3, 2, 10";

static void column_digest(sqlite3_stmt *st, int col, struct digest_set *d, enum digest_type t)
{
	const void *b = sqlite3_column_blob(st, col);

	if (b != NULL && (size_t)sqlite3_column_bytes(st, col) == digest_len(t)) {
		memcpy((unsigned char *)digest_get(d, t), b, digest_len(t));
		d->mask |= DIGEST_BIT(t);
	}
}

static const char *column_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* The recipients of a message, NULL-terminated. */
static int sqlite_rcpts(struct index_conn *c, int64_t key, GPtrArray *out, GError **error)
{
	int rc;

	g_ptr_array_set_size(out, 0);
	if (c->rcpts == NULL &&
	    sqlite_prepare(c, "SELECT rcpt FROM rcpts WHERE msg_key = ? ORDER BY rowid", &c->rcpts,
	                   error) < 0)
		return -1;
	sqlite3_bind_int64(c->rcpts, 1, key);
	while ((rc = sqlite3_step(c->rcpts)) == SQLITE_ROW)
		g_ptr_array_add(out, g_strdup(column_text(c->rcpts, 0)));
	sqlite3_reset(c->rcpts);
	g_ptr_array_add(out, NULL);
	if (rc != SQLITE_DONE) {
		sqlite_error(c, rc, error, "recipients");
		return -1;
	}
	return 0;
}

/* A row of temp.found, its text copied (a page of them is read before any is handed on). */
struct found_row {
	struct index_found f;
	struct digest_set d;
};

static char *column_dup(sqlite3_stmt *st, int col)
{
	return g_strdup(column_text(st, col));
}

static void found_row_read(sqlite3_stmt *st, struct found_row *r)
{
	struct index_found *f = &r->f;

	memset(r, 0, sizeof(*r));
	f->query = (size_t)sqlite3_column_int64(st, 0);
	f->msg_key = sqlite3_column_int64(st, 1);
	f->time = sqlite3_column_int64(st, 2);
	f->queue_id = column_dup(st, 3);
	f->message_id = column_dup(st, 4);
	f->client = column_dup(st, 5);
	f->sender = column_dup(st, 6);
	f->verdict = column_dup(st, 7);
	f->action = column_dup(st, 8);
	f->path = column_dup(st, 9);
	f->name = column_dup(st, 10);
	f->type = column_dup(st, 11);
	f->size = (uint64_t)sqlite3_column_int64(st, 12);
	column_digest(st, 13, &r->d, DIGEST_MD5);
	column_digest(st, 14, &r->d, DIGEST_SHA1);
	column_digest(st, 15, &r->d, DIGEST_SHA256);
}

static void found_row_clear(gpointer data)
{
	struct index_found *f = &((struct found_row *)data)->f;
	const char *s[] = {f->queue_id, f->message_id, f->client, f->sender, f->verdict,
	                   f->action,   f->path,       f->name,   f->type};

	for (size_t i = 0; i < G_N_ELEMENTS(s); i++)
		g_free((char *)s[i]);
}

/*
 * The rows found are first copied into the temporary table found, in their order, and then
 * read FIND_PAGE at a time, each page's statement reset before its rows (and their
 * recipients) go to the callback: while the callback runs, no statement is open and no read
 * transaction holds a snapshot of the index, so a caller that waits (a hunt paused in a
 * pager) does not keep the WAL the milter writes from being checkpointed and reset.
 */
#define FIND_PAGE 256

static int sqlite_find_page(struct index_conn *c, sqlite3_stmt *st, GArray *rows, int64_t *last_r,
                            GError **error)
{
	int rc;

	g_array_set_size(rows, 0);
	sqlite3_bind_int64(st, 1, *last_r);
	while (rows->len < FIND_PAGE && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		g_array_set_size(rows, rows->len + 1);
		found_row_read(st, &g_array_index(rows, struct found_row, rows->len - 1));
		*last_r = sqlite3_column_int64(st, 16);
	}
	sqlite3_reset(st);
	if (rows->len < FIND_PAGE && rc != SQLITE_DONE) {
		sqlite_error(c, rc, error, "find");
		return -1;
	}
	return 0;
}

static int sqlite_find(struct index_conn *c, const struct index_query *queries, size_t n,
                       int64_t since, int64_t until, index_found_cb cb, void *ctx, GError **error)
{
	sqlite3_stmt *st = NULL;
	GPtrArray *rcpts = g_ptr_array_new_with_free_func(g_free);
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(struct found_row));
	int64_t rcpts_key = -1, last = 0;
	int ret = -1, stop = 0, rc;

	g_array_set_clear_func(rows, found_row_clear);
	if (sqlite_load_queries(c, queries, n, error) < 0 ||
	    sqlite_exec(c, "DROP TABLE IF EXISTS temp.found", error) < 0 ||
	    sqlite_prepare(c, find_sql, &st, error) < 0)
		goto out;
	sqlite3_bind_int64(st, 1, since != 0 ? since : INT64_MIN);
	sqlite3_bind_int64(st, 2, until != 0 ? until : INT64_MAX);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		sqlite_error(c, rc, error, "find");
		goto out;
	}
	if (sqlite_prepare(c, "SELECT *, rowid FROM temp.found WHERE rowid > ? ORDER BY rowid", &st,
	                   error) < 0)
		goto out;
	do {
		if (sqlite_find_page(c, st, rows, &last, error) < 0)
			goto out;
		for (guint i = 0; i < rows->len; i++) {
			struct found_row *r = &g_array_index(rows, struct found_row, i);

			if (r->f.msg_key != rcpts_key) {
				if (sqlite_rcpts(c, r->f.msg_key, rcpts, error) < 0)
					goto out;
				rcpts_key = r->f.msg_key;
			}
			r->f.rcpts = (const char *const *)rcpts->pdata;
			r->f.digests = &r->d;
			if ((stop = cb(ctx, &r->f)) != 0)
				break;
		}
	} while (stop == 0 && rows->len == FIND_PAGE);
	ret = stop;
out:
	sqlite3_finalize(st);
	g_ptr_array_unref(rcpts);
	g_array_free(rows, TRUE);
	sqlite3_exec(c->db, "DELETE FROM temp.q; DROP TABLE IF EXISTS temp.found", NULL, NULL,
	             NULL);
	return ret;
}

static int sqlite_hit_record(struct index_conn *c, int64_t msg_key, const char *path,
                             const char *sig_name, const unsigned char *hash, size_t hash_len,
                             int64_t now, GError **error)
{
	sqlite3_stmt *st = NULL;

	/* the same statement text as PostgreSQL's */
	if (sqlite_prepare(c,
	                   "INSERT INTO hits(msg_key, path, sig_name, hash, time)"
	                   " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
	                   &st, error) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, msg_key);
	bind_text(st, 2, path != NULL ? path : "");
	bind_text(st, 3, sig_name != NULL ? sig_name : "");
	sqlite3_bind_blob(st, 4, hash, (int)hash_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlite_error(c, rc, error, "hit");
		return -1;
	}
	return sqlite3_changes(c->db) > 0 ? 1 : 0;
}

static int sqlite_prune(struct index_conn *c, int64_t before, unsigned int limit,
                        uint64_t *pruned_r, GError **error)
{
	char *sql = g_strdup_printf(
	        "BEGIN IMMEDIATE;"
	        " CREATE TEMP TABLE IF NOT EXISTS old(key INTEGER PRIMARY KEY); DELETE FROM "
	        "temp.old;"
	        " INSERT INTO temp.old SELECT key FROM messages WHERE time < %" G_GINT64_FORMAT
	        " ORDER BY time LIMIT %u;"
	        " DELETE FROM parts WHERE msg_key IN temp.old;"
	        " DELETE FROM rcpts WHERE msg_key IN temp.old;"
	        " DELETE FROM hits WHERE msg_key IN temp.old;"
	        " DELETE FROM messages WHERE key IN temp.old;",
	        before, limit);
	int ret = sqlite_exec(c, sql, error);
	g_free(sql);
	if (ret < 0) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	*pruned_r = (uint64_t)sqlite3_changes(c->db);
	if (sqlite_exec(c, "DELETE FROM temp.old; COMMIT", error) < 0) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* sqlite3_interrupt is the one call meant for another thread: the statement running fails
   (SQLITE_INTERRUPT) at its next step. */
static void sqlite_cancel(struct index_conn *c)
{
	if (c->db != NULL)
		sqlite3_interrupt(c->db);
}

static bool sqlite_alive(struct index_conn *c)
{
	return c->db != NULL;
}

const struct index_driver index_driver_sqlite = {
        .name = "sqlite",
        .open = sqlite_open,
        .verify = sqlite_check,
        .migrate = sqlite_migrate,
        .insert = sqlite_insert,
        .find = sqlite_find,
        .hit_record = sqlite_hit_record,
        .prune = sqlite_prune,
        .cancel = sqlite_cancel,
        .alive = sqlite_alive,
        .close = sqlite_close,
};
