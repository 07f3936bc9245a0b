/*
 * libcheck suite: index — the SQLite driver behind the queue and writer thread: submit, flush,
 * find by each digest and size, time windows, retention, hit uniqueness, bytes that are not
 * UTF-8, long paths, url redaction. The faults (a full queue, a locked, corrupt, unreachable or
 * full database, a silent server, cancelled lookups) are check_index_faults. With
 * PARTSCAN_TEST_PG_URL the driver-independent tests run against PostgreSQL too.
 */

#include <check.h>
#include <fcntl.h>
#include <glib.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "index/index.h"
#include "tests/lib/testindex.h"
#include "tests/lib/testutil.h"

struct found_list {
	GPtrArray *qids;  /* queue ids found, in order */
	GPtrArray *paths; /* paths found */
	size_t nrcpts;
	int64_t key;
	int stop_after;
};

static int collect(void *ctx, const struct index_found *f)
{
	struct found_list *fl = ctx;

	g_ptr_array_add(fl->qids, g_strdup(f->queue_id));
	g_ptr_array_add(fl->paths, g_strdup(f->path));
	fl->nrcpts = 0;
	while (f->rcpts[fl->nrcpts] != NULL)
		fl->nrcpts++;
	fl->key = f->msg_key;
	ck_assert(f->digests->mask & DIGEST_BIT(DIGEST_SHA256));
	if (fl->stop_after > 0 && (int)fl->qids->len >= fl->stop_after)
		return 7;
	return 0;
}

static void found_init(struct found_list *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->qids = g_ptr_array_new_with_free_func(g_free);
	fl->paths = g_ptr_array_new_with_free_func(g_free);
}

static void found_free(struct found_list *fl)
{
	g_ptr_array_unref(fl->qids);
	g_ptr_array_unref(fl->paths);
}

/* Look up the digest of text of a type (size: INDEX_ANY_SIZE or a size). */
static int find_text(struct index *idx, const char *text, enum digest_type t, uint64_t size,
                     int64_t since, int64_t until, struct found_list *fl)
{
	struct index_query q = {.type = t, .size = size};
	struct digest_set d;
	GError *err = NULL;

	digest_compute((const unsigned char *)text, strlen(text), DIGEST_ALL, &d);
	memcpy(q.hash, digest_get(&d, t), digest_len(t));
	int ret = index_find(idx, &q, 1, since, until, collect, fl, &err);
	if (ret < 0)
		ck_abort_msg("index_find: %s", err->message);
	return ret;
}

START_TEST(test_submit_find)
{
	char *path = testindex_db_path();
	struct index *idx = testindex_open_writer(path, 0, 0);
	struct index_stats st;
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	struct found_list fl;

	ck_assert_str_eq(index_driver_name(idx),
	                 testindex_pg_url != NULL ? "postgresql" : "sqlite");
	ck_assert(index_submit(idx, testindex_msg_of(now - 100, "Q1", "payload one")));
	ck_assert(index_submit(idx, testindex_msg_of(now - 50, "Q2", "payload two")));
	ck_assert(index_submit(idx, testindex_msg_of(now - 10, "Q3", "payload one")));
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.submitted, 3);
	ck_assert_uint_eq(st.written, 3);
	ck_assert_uint_eq(st.parts, 6);
	ck_assert_uint_eq(st.dropped, 0);
	ck_assert_uint_eq(st.queued, 0);
	ck_assert(st.up);

	for (int t = 0; t < DIGEST__COUNT; t++) {
		found_init(&fl);
		ck_assert_int_eq(find_text(idx, "payload one", t, INDEX_ANY_SIZE, 0, 0, &fl), 0);
		ck_assert_uint_eq(fl.qids->len, 2);
		/* oldest first */
		ck_assert_str_eq(g_ptr_array_index(fl.qids, 0), "Q1");
		ck_assert_str_eq(g_ptr_array_index(fl.qids, 1), "Q3");
		ck_assert_str_eq(g_ptr_array_index(fl.paths, 0), "2/zip:a.exe");
		ck_assert_uint_eq(fl.nrcpts, 2);
		found_free(&fl);
	}
	/* the size must match unless any size is asked */
	found_init(&fl);
	find_text(idx, "payload two", DIGEST_MD5, strlen("payload two"), 0, 0, &fl);
	ck_assert_uint_eq(fl.qids->len, 1);
	found_free(&fl);
	found_init(&fl);
	find_text(idx, "payload two", DIGEST_MD5, 5, 0, 0, &fl);
	ck_assert_uint_eq(fl.qids->len, 0);
	found_free(&fl);
	/* the text body has only its SHA-256: found by it, not by MD5 */
	found_init(&fl);
	find_text(idx, "a text body", DIGEST_SHA256, INDEX_ANY_SIZE, 0, 0, &fl);
	ck_assert_uint_eq(fl.qids->len, 3);
	found_free(&fl);
	found_init(&fl);
	find_text(idx, "a text body", DIGEST_MD5, INDEX_ANY_SIZE, 0, 0, &fl);
	ck_assert_uint_eq(fl.qids->len, 0);
	found_free(&fl);
	/* time window: since <= time < until */
	found_init(&fl);
	find_text(idx, "payload one", DIGEST_SHA256, INDEX_ANY_SIZE, now - 60, 0, &fl);
	ck_assert_uint_eq(fl.qids->len, 1);
	ck_assert_str_eq(g_ptr_array_index(fl.qids, 0), "Q3");
	found_free(&fl);
	found_init(&fl);
	find_text(idx, "payload one", DIGEST_SHA256, INDEX_ANY_SIZE, 0, now - 10, &fl);
	ck_assert_uint_eq(fl.qids->len, 1);
	ck_assert_str_eq(g_ptr_array_index(fl.qids, 0), "Q1");
	found_free(&fl);
	/* the callback stops the walk with its value */
	found_init(&fl);
	fl.stop_after = 1;
	ck_assert_int_eq(find_text(idx, "payload one", DIGEST_SHA1, INDEX_ANY_SIZE, 0, 0, &fl), 7);
	ck_assert_uint_eq(fl.qids->len, 1);
	found_free(&fl);
	index_close(&idx);
	ck_assert_ptr_null(idx);

	/* a second open (the CLI: no writer) reads what the first wrote */
	struct index_options o = {.url = path};
	GError *err = NULL;
	ck_assert_int_eq(index_open(&o, &idx, &err), 0);
	found_init(&fl);
	find_text(idx, "payload two", DIGEST_SHA1, INDEX_ANY_SIZE, 0, 0, &fl);
	ck_assert_uint_eq(fl.qids->len, 1);
	found_free(&fl);
	/* no writer: a submit is dropped, counted */
	ck_assert(!index_submit(idx, testindex_msg_of(now, "Q4", "x")));
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.dropped, 1);
	index_close(&idx);
	g_free(path);
}
END_TEST

/* Many queries in one call, several matching the same part. */
START_TEST(test_find_many)
{
	char *path = testindex_db_path();
	struct index *idx = testindex_open_writer(path, 0, 0);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	size_t n = 20000;
	struct index_query *qs = g_new0(struct index_query, n);
	struct found_list fl;
	GError *err = NULL;

	for (int i = 0; i < 50; i++) {
		char *text = g_strdup_printf("payload %d", i);
		char *qid = g_strdup_printf("Q%d", i);
		index_submit(idx, testindex_msg_of(now - 1000 + i, qid, text));
		g_free(text);
		g_free(qid);
	}
	index_flush(idx);
	for (size_t i = 0; i < n; i++) {
		char *text = g_strdup_printf("payload %zu", i % 100);
		struct digest_set d;
		qs[i].type = (enum digest_type)(i % DIGEST__COUNT);
		qs[i].size = INDEX_ANY_SIZE;
		digest_compute((const unsigned char *)text, strlen(text), DIGEST_ALL, &d);
		memcpy(qs[i].hash, digest_get(&d, qs[i].type), digest_len(qs[i].type));
		g_free(text);
	}
	found_init(&fl);
	ck_assert_int_eq(index_find(idx, qs, n, 0, 0, collect, &fl, &err), 0);
	/* queries i with i % 100 < 50 match: half of them */
	ck_assert_uint_eq(fl.qids->len, n / 2);
	found_free(&fl);
	g_free(qs);
	index_close(&idx);
	g_free(path);
}
END_TEST

/*
 * n messages (queue ids Q0000, Q0001, ...; a second apart from t0) whose attachment is text,
 * written; *q the query of its SHA-256.
 */
static void submit_texts(struct index *idx, int n, int64_t t0, const char *text,
                         struct index_query *q)
{
	struct digest_set d;

	for (int i = 0; i < n; i++) {
		char *qid = g_strdup_printf("Q%04d", i);

		ck_assert(index_submit(idx, testindex_msg_of(t0 + i, qid, text)));
		g_free(qid);
		if (i % 500 == 499)
			index_flush(idx);
	}
	index_flush(idx);
	digest_compute((const unsigned char *)text, strlen(text), DIGEST_ALL, &d);
	*q = (struct index_query){.type = DIGEST_SHA256, .size = INDEX_ANY_SIZE};
	memcpy(q->hash, d.sha256, 32);
}

struct paused {
	struct index *idx;
	const char *path;
	int64_t now;
	unsigned int rows;
	int rc, busy, log; /* of the checkpoint taken while the first row is handled */
};

static int checkpoint_row(void *data, int n, char **v, char **names)
{
	struct paused *p = data;

	(void)names;
	if (n == 3) {
		p->busy = atoi(v[0]);
		p->log = atoi(v[1]);
	}
	return 0;
}

/*
 * The first row found waits (as `partscan hunt | less` does while the pager is paused) while
 * the milter writes another message and the WAL is checkpointed and truncated.
 */
static int paused_row(void *ctx, const struct index_found *f)
{
	struct paused *p = ctx;
	sqlite3 *db;

	(void)f;
	if (p->rows++ > 0)
		return 0;
	ck_assert(index_submit(p->idx, testindex_msg_of(p->now, "QLATER", "other")));
	index_flush(p->idx);
	ck_assert_int_eq(sqlite3_open(p->path, &db), SQLITE_OK);
	p->rc = sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", checkpoint_row, p, NULL);
	sqlite3_close(db);
	return 0;
}

/*
 * A lookup whose caller waits between rows holds no read transaction on the index: the WAL
 * the milter keeps writing can be checkpointed and reset meanwhile. Before, the statement
 * stayed open across the caller's rows, and a hunt paused in a pager kept the WAL growing
 * for as long as it was paused (the checkpoint was busy).
 */
START_TEST(test_find_paused)
{
	char *path = testindex_db_path();
	struct index *idx = testindex_open_writer(path, 0, 0);
	struct paused p = {.idx = idx,
	                   .path = path,
	                   .now = g_get_real_time() / G_USEC_PER_SEC,
	                   .rc = -1,
	                   .busy = -1,
	                   .log = -1};
	struct index_query q;
	GError *err = NULL;

	submit_texts(idx, 3, p.now - 10, "x", &q);
	ck_assert_int_eq(index_find(idx, &q, 1, 0, 0, paused_row, &p, &err), 0);
	ck_assert_uint_eq(p.rows, 3);
	ck_assert_int_eq(p.rc, SQLITE_OK);
	ck_assert_msg(p.busy == 0 && p.log == 0, "checkpoint: busy %d, WAL frames left %d", p.busy,
	              p.log);
	index_close(&idx);
	g_free(path);
}
END_TEST

static int paused_row_pg(void *ctx, const struct index_found *f)
{
	struct paused *p = ctx;
	PGconn *pg;
	PGresult *res;

	(void)f;
	if (p->rows++ > 0)
		return 0;
	pg = PQconnectdb(testindex_pg_url);
	res = PQexec(pg, "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
	                 " AND datname = current_database() AND state LIKE 'idle in transaction%'");
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(pg));
	p->busy = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(pg);
	return 0;
}

/*
 * The same on PostgreSQL: while the callback runs, the lookup's session holds no transaction
 * (before, the rows came through a cursor, and a hunt paused in a pager sat "idle in
 * transaction", its snapshot keeping VACUUM from what pruning deletes). Pages of 1000 rows:
 * 2500 parts found come whole and in order.
 */
START_TEST(test_pg_find_paused)
{
	struct index *idx = testindex_open_writer(testindex_pg_url, 0, 0);
	struct paused p = {.busy = -1};
	struct index_query q;
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	struct found_list fl;
	GError *err = NULL;

	submit_texts(idx, 2500, now - 5000, "paused", &q);
	ck_assert_int_eq(index_find(idx, &q, 1, 0, 0, paused_row_pg, &p, &err), 0);
	ck_assert_uint_eq(p.rows, 2500);
	ck_assert_msg(p.busy == 0, "%d session(s) idle in transaction", p.busy);
	found_init(&fl);
	ck_assert_int_eq(index_find(idx, &q, 1, 0, 0, collect, &fl, &err), 0);
	ck_assert_uint_eq(fl.qids->len, 2500);
	for (guint i = 0; i < fl.qids->len; i++) {
		char *want = g_strdup_printf("Q%04u", i);

		ck_assert_str_eq(g_ptr_array_index(fl.qids, i), want);
		g_free(want);
	}
	found_free(&fl);
	index_close(&idx);
}
END_TEST

START_TEST(test_retention)
{
	char *path = testindex_db_path();
	struct index *idx = testindex_open_writer(path, 0, 2);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	struct index_stats st;
	struct found_list fl;

	index_submit(idx, testindex_msg_of(now - 3 * 86400, "OLD", "old payload"));
	index_submit(idx, testindex_msg_of(now - 1 * 86400, "NEW", "new payload"));
	index_flush(idx);
	index_prune_request(idx);
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.written, 2);
	ck_assert_uint_eq(st.pruned, 1);
	found_init(&fl);
	find_text(idx, "old payload", DIGEST_SHA256, INDEX_ANY_SIZE, 0, 0, &fl);
	ck_assert_uint_eq(fl.qids->len, 0);
	find_text(idx, "new payload", DIGEST_SHA256, INDEX_ANY_SIZE, 0, 0, &fl);
	ck_assert_uint_eq(fl.qids->len, 1);
	found_free(&fl);
	index_close(&idx);

	/* the rows of the pruned message are gone too */
	if (testindex_pg_url != NULL) {
		PGconn *pg = PQconnectdb(testindex_pg_url);
		PGresult *res = PQexec(pg, "SELECT (SELECT count(*) FROM parts),"
		                           " (SELECT count(*) FROM rcpts)");
		ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
		ck_assert_str_eq(PQgetvalue(res, 0, 0), "2");
		ck_assert_str_eq(PQgetvalue(res, 0, 1), "2");
		PQclear(res);
		PQfinish(pg);
		g_free(path);
		return;
	}
	sqlite3 *db;
	sqlite3_stmt *st2;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db,
	                                    "SELECT (SELECT count(*) FROM parts),"
	                                    " (SELECT count(*) FROM rcpts)",
	                                    -1, &st2, NULL),
	                 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st2), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st2, 0), 2);
	ck_assert_int_eq(sqlite3_column_int(st2, 1), 2);
	sqlite3_finalize(st2);
	sqlite3_close(db);
	g_free(path);
}
END_TEST

START_TEST(test_hit_once)
{
	char *path = testindex_db_path();
	struct index *idx = testindex_open_writer(path, 0, 0);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	struct index_stats st;
	struct found_list fl;
	GError *err = NULL;
	unsigned char h[32];

	index_submit(idx, testindex_msg_of(now, "Q1", "evil"));
	index_flush(idx);
	found_init(&fl);
	find_text(idx, "evil", DIGEST_MD5, INDEX_ANY_SIZE, 0, 0, &fl);
	ck_assert_uint_eq(fl.qids->len, 1);
	memset(h, 0xab, sizeof(h));
	ck_assert_int_eq(
	        index_hit_record(idx, fl.key, "2/zip:a.exe", "Test.Sig", DIGEST_MD5, h, &err), 1);
	ck_assert_int_eq(
	        index_hit_record(idx, fl.key, "2/zip:a.exe", "Test.Sig", DIGEST_MD5, h, &err), 0);
	ck_assert_int_eq(
	        index_hit_record(idx, fl.key, "2/zip:a.exe", "Other.Sig", DIGEST_MD5, h, &err), 1);
	ck_assert_int_eq(index_hit_record(idx, fl.key, "1", "Test.Sig", DIGEST_MD5, h, &err), 1);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.retro_hits, 3);
	index_close(&idx);

	/* another process (a second instance) sees the same hit as already recorded */
	struct index_options o = {.url = path};
	ck_assert_int_eq(index_open(&o, &idx, &err), 0);
	ck_assert_int_eq(
	        index_hit_record(idx, fl.key, "2/zip:a.exe", "Test.Sig", DIGEST_MD5, h, &err), 0);
	found_free(&fl);
	index_close(&idx);
	g_free(path);
}
END_TEST

/*
 * What comes with the mail is bytes, not always UTF-8 (a raw 8-bit Message-ID or file name,
 * a Latin-1 envelope address): such a message is indexed, and the other messages of its batch
 * with it. PostgreSQL refuses text that is not UTF-8, which rolled back the whole batch: one
 * such mail every few hundred milliseconds kept a shared index from recording anything.
 */
START_TEST(test_not_utf8_indexed)
{
	char *path = testindex_db_path();
	struct index *idx = testindex_open_writer(path, 0, 0);
	struct index_msg *bad =
	        testindex_msg_of(g_get_real_time() / G_USEC_PER_SEC, "Q8BIT", "eight bit");
	struct index_stats st;
	struct found_list fl;

	g_free(bad->message_id);
	bad->message_id = g_strdup("<caf\xe9\xff@example.org>");
	g_free(bad->sender);
	bad->sender = g_strdup("j\xfcrgen@example.org");
	g_ptr_array_add(bad->rcpts, g_strdup("r\xe9mi@example.net"));
	index_part_free(g_ptr_array_index(bad->parts, 1));
	bad->parts->pdata[1] = testindex_part_of("2/zip:factur\xe9.exe", "eight bit", DIGEST_ALL);
	ck_assert(index_submit(
	        idx, testindex_msg_of(g_get_real_time() / G_USEC_PER_SEC, "QPLAIN", "plain")));
	ck_assert(index_submit(idx, bad));
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.written, 2);
	ck_assert_uint_eq(st.dropped, 0);
	found_init(&fl);
	find_text(idx, "plain", DIGEST_SHA256, INDEX_ANY_SIZE, 0, 0, &fl);
	ck_assert_uint_eq(fl.qids->len, 1);
	find_text(idx, "eight bit", DIGEST_SHA256, INDEX_ANY_SIZE, 0, 0, &fl);
	ck_assert_uint_eq(fl.qids->len, 2);
	ck_assert_str_eq(g_ptr_array_index(fl.qids, 1), "Q8BIT");
	ck_assert_uint_eq(fl.nrcpts, 3);
	/* a signature named in Latin-1 (a local hash list): its hit is recorded, once */
	static const unsigned char hash[32] = {1, 2, 3};
	GError *err = NULL;
	ck_assert_int_eq(index_hit_record(idx, fl.key, "2/zip:factur\xe9.exe", "Local.Factur\xe9",
	                                  DIGEST_SHA256, hash, &err),
	                 1);
	ck_assert_int_eq(index_hit_record(idx, fl.key, "2/zip:factur\xe9.exe", "Local.Factur\xe9",
	                                  DIGEST_SHA256, hash, &err),
	                 0);
	found_free(&fl);
	index_close(&idx);
	g_free(path);
}
END_TEST

/*
 * A part path of several KB (archive member names can be 64 KB each, nested): its hit is
 * recorded, once. PostgreSQL's unique index on hits refused keys over ~2.7 KB, so such a hit
 * failed its hunt, and every later hunt failed on it again (each starts from the last that
 * worked).
 */
START_TEST(test_hit_long_path)
{
	char *path = testindex_db_path();
	struct index *idx = testindex_open_writer(path, 0, 0);
	struct index_msg *m =
	        testindex_msg_of(g_get_real_time() / G_USEC_PER_SEC, "QLONG", "long path");
	GString *p = g_string_new("2/zip:");
	static const unsigned char hash[32] = {4, 5, 6};
	struct found_list fl;
	GError *err = NULL;

	/* not compressible: hex of a digest chain */
	struct digest_set d;
	digest_compute((const unsigned char *)"seed", 4, DIGEST_ALL, &d);
	for (int i = 0; i < 100; i++) {
		char hex[DIGEST_MAX_HEX];
		unsigned char prev[32];
		g_string_append(p, digest_hex(d.sha256, 32, hex));
		memcpy(prev, d.sha256, 32);
		digest_compute(prev, 32, DIGEST_ALL, &d);
	}
	g_string_append(p, ".exe");
	g_free(((struct index_part *)g_ptr_array_index(m->parts, 1))->path);
	((struct index_part *)g_ptr_array_index(m->parts, 1))->path = g_strdup(p->str);
	ck_assert(index_submit(idx, m));
	index_flush(idx);
	found_init(&fl);
	find_text(idx, "long path", DIGEST_SHA256, INDEX_ANY_SIZE, 0, 0, &fl);
	ck_assert_uint_eq(fl.qids->len, 1);
	ck_assert_str_eq(g_ptr_array_index(fl.paths, 0), p->str);
	int r = index_hit_record(idx, fl.key, p->str, "Long.Path-1", DIGEST_SHA256, hash, &err);
	ck_assert_msg(r == 1, "%s", err != NULL ? err->message : "recorded before");
	ck_assert_int_eq(
	        index_hit_record(idx, fl.key, p->str, "Long.Path-1", DIGEST_SHA256, hash, &err), 0);
	found_free(&fl);
	g_string_free(p, TRUE);
	index_close(&idx);
	g_free(path);
}
END_TEST

/* What may be shown of a url: the password of a PostgreSQL URI is "***", the rest as written. */
START_TEST(test_url_redacted)
{
	static const char *const cases[][2] = {
	        {"postgresql://u:pw@db.example.org:5432/idx",
	         "postgresql://u:***@db.example.org:5432/idx"},
	        {"postgres://u@db/idx?password=pw&sslmode=require",
	         "postgres://u@db/idx?password=***&sslmode=require"},
	        {"postgresql://u:p%40w@/idx?host=/run/pg&PASSWORD=x",
	         "postgresql://u:***@/idx?host=/run/pg&password=***"},
	        {"postgresql:///idx?host=/run/pg", "postgresql:///idx?host=/run/pg"},
	        {"postgresql://u:pw@db", "postgresql://u:***@db"},
	        {"sqlite:///var/lib/partscan/a:b@c.db", "sqlite:///var/lib/partscan/a:b@c.db"},
	        /* libpq ends the user info at '@' or '/' only; a key may be percent-encoded */
	        {"postgresql://u:pa?ss@db/idx", "postgresql://u:***@db/idx"},
	        {"postgresql://u@db/idx?pass%77ord=pw&x=1",
	         "postgresql://u@db/idx?password=***&x=1"},
	        {"postgresql://db/idx?x=a@b&password=pw", "postgresql://db/idx?x=a@b&password=***"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *r = index_url_redacted(cases[i][0]), *s = g_strdup(cases[i][0]);

		ck_assert_str_eq(r, cases[i][1]);
		/* the command line's copy: the same passwords starred, the length kept */
		index_url_scrub(s);
		ck_assert_uint_eq(strlen(s), strlen(cases[i][0]));
		ck_assert_msg(strstr(s, "pw") == NULL && strstr(s, "pa?ss") == NULL &&
		                      (strchr(cases[i][1], '*') == NULL) ==
		                              (strchr(s, '*') == NULL),
		              "%s -> %s", cases[i][0], s);
		g_free(r);
		g_free(s);
	}
}
END_TEST

/* Resident memory of this process, in bytes. */
static uint64_t rss_bytes(void)
{
	char *text = NULL;
	unsigned long long size = 0, resident = 0;

	ck_assert(g_file_get_contents("/proc/self/statm", &text, NULL, NULL));
	ck_assert_int_eq(sscanf(text, "%llu %llu", &size, &resident), 2);
	g_free(text);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

struct rss_ctx {
	uint64_t before, first;
};

static int rss_at_first(void *ctx, const struct index_found *f)
{
	struct rss_ctx *r = ctx;

	r->first = rss_bytes();
	return 1; /* enough */
}

/*
 * A hash found in a great many parts (a campaign, or a signature of an empty file): the
 * lookup hands the parts over as they come and does not hold them all in memory first.
 */
START_TEST(test_pg_find_bounded)
{
	struct index *idx = testindex_open_writer(testindex_pg_url, 0, 0);
	struct index_query q = {.type = DIGEST_SHA256, .size = INDEX_ANY_SIZE};
	struct rss_ctx r = {0};
	struct digest_set d;
	GError *err = NULL;
	char hex[DIGEST_MAX_HEX], *sql;

	ck_assert(index_submit(
	        idx, testindex_msg_of(g_get_real_time() / G_USEC_PER_SEC, "4QMANY", "x")));
	index_flush(idx);
	ck_assert_int_eq(digest_compute((const unsigned char *)"many", 4, DIGEST_ALL, &d), 0);
	memcpy(q.hash, d.sha256, 32);
	PGconn *pg = PQconnectdb(testindex_pg_url);
	sql = g_strdup_printf("INSERT INTO parts(msg_key, path, name, type, size, sha256)"
	                      " SELECT m.key, 'p' || g, repeat('n', 200) || g, 'zip', 4,"
	                      " decode('%s', 'hex') FROM messages m, generate_series(1, 300000) g",
	                      digest_hex(d.sha256, 32, hex));
	PGresult *res = PQexec(pg, sql);
	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
	g_free(sql);
	r.before = rss_bytes();
	ck_assert_int_eq(index_find(idx, &q, 1, 0, 0, rss_at_first, &r, &err), 1);
	ck_assert_msg(r.first - r.before < 32u * 1024 * 1024,
	              "%" G_GUINT64_FORMAT " MB held before the first part was handed over",
	              (r.first - r.before) >> 20);
	index_close(&idx);
}
END_TEST

/*
 * One record PostgreSQL refuses (here a part size beyond BIGINT, which the driver does not
 * clamp) among a batch: the batch is written again message by message, so that record alone is
 * dropped (counted) and the others of its batch are written. Before, the whole batch (up to
 * INDEX_BATCH_MAX messages) was rolled back and dropped.
 */
START_TEST(test_pg_bad_record_alone)
{
	struct index_options o = {
	        .url = testindex_pg_url, .writer = true, .log = testindex_log_keep};
	struct index *idx = NULL;
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	struct index_msg *bad = testindex_msg_of(now, "QBAD", "bad size");
	struct index_stats st;
	struct found_list fl;
	GError *err = NULL;

	ck_assert_int_eq(index_open(&o, &idx, &err), 0);
	index_flush(idx);
	((struct index_part *)g_ptr_array_index(bad->parts, 1))->size = UINT64_MAX;
	/* one batch: nothing is written before the writer gathers them (flush not yet called) */
	ck_assert(index_submit(idx, testindex_msg_of(now, "QOK1", "good one")));
	ck_assert(index_submit(idx, bad));
	ck_assert(index_submit(idx, testindex_msg_of(now, "QOK2", "good two")));
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.written, 2);
	ck_assert_uint_eq(st.dropped, 1);
	ck_assert_uint_eq(st.parts, 4);
	found_init(&fl);
	find_text(idx, "good one", DIGEST_SHA256, INDEX_ANY_SIZE, 0, 0, &fl);
	find_text(idx, "good two", DIGEST_MD5, INDEX_ANY_SIZE, 0, 0, &fl);
	find_text(idx, "bad size", DIGEST_SHA256, INDEX_ANY_SIZE, 0, 0, &fl);
	ck_assert_uint_eq(fl.qids->len, 2);
	ck_assert_str_eq(g_ptr_array_index(fl.qids, 0), "QOK1");
	ck_assert_str_eq(g_ptr_array_index(fl.qids, 1), "QOK2");
	ck_assert_uint_eq(fl.nrcpts, 2);
	found_free(&fl);
	index_close(&idx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("index");
	TCase *tc = tcase_create("sqlite");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, testindex_setup, testindex_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_submit_find);
	tcase_add_test(tc, test_find_many);
	tcase_add_test(tc, test_find_paused);
	tcase_add_test(tc, test_retention);
	tcase_add_test(tc, test_hit_once);
	tcase_add_test(tc, test_not_utf8_indexed);
	tcase_add_test(tc, test_hit_long_path);
	tcase_add_test(tc, test_url_redacted);
	suite_add_tcase(s, tc);
	if (getenv("PARTSCAN_TEST_PG_URL") != NULL) {
		TCase *pg = tcase_create("postgresql");
		tcase_add_checked_fixture(pg, testindex_setup_pg, testindex_teardown);
		tcase_set_timeout(pg, 60);
		tcase_add_test(pg, test_submit_find);
		tcase_add_test(pg, test_find_many);
		tcase_add_test(pg, test_pg_find_paused);
		tcase_add_test(pg, test_retention);
		tcase_add_test(pg, test_hit_once);
		tcase_add_test(pg, test_pg_find_bounded);
		tcase_add_test(pg, test_not_utf8_indexed);
		tcase_add_test(pg, test_hit_long_path);
		tcase_add_test(pg, test_pg_bad_record_alone);
		suite_add_tcase(s, pg);
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
