/*
 * libcheck suite: index — the SQLite driver behind the queue and writer thread: submit, flush,
 * find by each digest and size, time windows, retention, hit uniqueness, drops when the queue
 * is full or the database is locked, down, full or corrupt.
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
#include "tests/lib/testutil.h"

static char *tmpdir;
/* PARTSCAN_TEST_PG_URL (tests/cli/test_index_pg.sh starts a server): the driver-independent
   tests run against PostgreSQL too, each on emptied tables */
static const char *pg_url;

static void setup(void)
{
	tmpdir = testutil_tmpdir();
}

static void setup_pg(void)
{
	tmpdir = testutil_tmpdir();
	pg_url = getenv("PARTSCAN_TEST_PG_URL");
	PGconn *pg = PQconnectdb(pg_url);
	ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "%s", PQerrorMessage(pg));
	PGresult *res =
	        PQexec(pg, "SET client_min_messages = warning;"
	                   " DROP TABLE IF EXISTS messages, rcpts, parts, hits, schema_version");
	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
}

static void teardown(void)
{
	pg_url = NULL;
	testutil_rmdir(tmpdir);
	g_free(tmpdir);
}

/* What the index logged (the writer's messages) */
static GString *logged;
static GMutex logged_lock;

static void log_keep(const char *msg)
{
	g_mutex_lock(&logged_lock);
	if (logged == NULL)
		logged = g_string_new(NULL);
	g_string_append_printf(logged, "%s\n", msg);
	g_mutex_unlock(&logged_lock);
}

static char *db_path(void)
{
	if (pg_url != NULL)
		return g_strdup(pg_url);
	return g_build_filename(tmpdir, "index.db", NULL);
}

static struct index *open_writer(const char *path, unsigned int queue_max, unsigned int keep_days)
{
	struct index_options o = {
	        .url = path, .writer = true, .queue_max = queue_max, .keep_days = keep_days};
	struct index *idx = NULL;
	GError *err = NULL;

	if (index_open(&o, &idx, &err) < 0)
		ck_abort_msg("index_open: %s", err->message);
	return idx;
}

/* A part whose bytes are text, with every digest. */
static struct index_part *part_of(const char *path, const char *text, unsigned int mask)
{
	struct index_part *p = index_part_new();

	p->path = g_strdup(path);
	p->name = g_strdup_printf("%s.bin", path);
	p->type = g_strdup("zip");
	p->size = strlen(text);
	ck_assert_int_eq(digest_compute((const unsigned char *)text, p->size, mask, &p->digests),
	                 0);
	return p;
}

static struct index_msg *msg_of(int64_t time, const char *qid, const char *text)
{
	struct index_msg *m = index_msg_new();

	m->time = time;
	m->queue_id = g_strdup(qid);
	m->message_id = g_strdup_printf("<%s@example.org>", qid);
	m->client = g_strdup("mx.example.org [192.0.2.1]");
	m->sender = g_strdup("alice@example.org");
	g_ptr_array_add(m->rcpts, g_strdup("bob@example.net"));
	g_ptr_array_add(m->rcpts, g_strdup("carol@example.net"));
	m->verdict = g_strdup("clean");
	m->action = g_strdup("accept");
	g_ptr_array_add(m->parts, part_of("1", "a text body", DIGEST_BIT(DIGEST_SHA256)));
	g_ptr_array_add(m->parts, part_of("2/zip:a.exe", text, DIGEST_ALL));
	return m;
}

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
	char *path = db_path();
	struct index *idx = open_writer(path, 0, 0);
	struct index_stats st;
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	struct found_list fl;

	ck_assert_str_eq(index_driver_name(idx), pg_url != NULL ? "postgresql" : "sqlite");
	ck_assert(index_submit(idx, msg_of(now - 100, "Q1", "payload one")));
	ck_assert(index_submit(idx, msg_of(now - 50, "Q2", "payload two")));
	ck_assert(index_submit(idx, msg_of(now - 10, "Q3", "payload one")));
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
	ck_assert(!index_submit(idx, msg_of(now, "Q4", "x")));
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.dropped, 1);
	index_close(&idx);
	g_free(path);
}
END_TEST

/* Many queries in one call, several matching the same part. */
START_TEST(test_find_many)
{
	char *path = db_path();
	struct index *idx = open_writer(path, 0, 0);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	size_t n = 20000;
	struct index_query *qs = g_new0(struct index_query, n);
	struct found_list fl;
	GError *err = NULL;

	for (int i = 0; i < 50; i++) {
		char *text = g_strdup_printf("payload %d", i);
		char *qid = g_strdup_printf("Q%d", i);
		index_submit(idx, msg_of(now - 1000 + i, qid, text));
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

START_TEST(test_retention)
{
	char *path = db_path();
	struct index *idx = open_writer(path, 0, 2);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	struct index_stats st;
	struct found_list fl;

	index_submit(idx, msg_of(now - 3 * 86400, "OLD", "old payload"));
	index_submit(idx, msg_of(now - 1 * 86400, "NEW", "new payload"));
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
	if (pg_url != NULL) {
		PGconn *pg = PQconnectdb(pg_url);
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
	char *path = db_path();
	struct index *idx = open_writer(path, 0, 0);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	struct index_stats st;
	struct found_list fl;
	GError *err = NULL;
	unsigned char h[32];

	index_submit(idx, msg_of(now, "Q1", "evil"));
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

/* The writer is stuck behind a lock: submit never waits, a full queue drops and counts. */
START_TEST(test_queue_full_drops)
{
	char *path = db_path();
	struct index *idx = open_writer(path, 5, 0);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	struct index_stats st;
	sqlite3 *db;
	unsigned int accepted = 0;

	index_flush(idx);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < 50; i++)
		accepted += index_submit(idx, msg_of(now, "Q", "x"));
	/* at most the queue plus the batch the writer took before the lock stopped it */
	ck_assert_uint_le(accepted, 5 + 5);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.submitted, 50);
	ck_assert_uint_eq(st.dropped, 50 - accepted);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.written + st.dropped, 50);
	ck_assert_uint_eq(st.queued, 0);
	index_close(&idx);
	g_free(path);
}
END_TEST

/*
 * The daemon stops while another process holds the SQLite file's write lock: the writer gives
 * up on what is queued after one failed write (each write waits the busy timeout: a full
 * queue took 20 of them, 100 s, past systemd's stop timeout) and says how many records it
 * dropped.
 */
START_TEST(test_stop_while_locked)
{
	char *path = db_path();
	struct index_options o = {.url = path, .writer = true, .log = log_keep};
	struct index *idx = NULL;
	GError *err = NULL;
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	unsigned int accepted = 0;
	sqlite3 *db;
	gint64 t0;

	ck_assert_int_eq(index_open(&o, &idx, &err), 0);
	index_flush(idx);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < 5000; i++)
		accepted += index_submit(idx, msg_of(now, "Q", "x"));
	ck_assert_uint_gt(accepted, 2 * INDEX_BATCH_MAX);
	t0 = g_get_monotonic_time();
	index_close(&idx);
	ck_assert_int_lt(g_get_monotonic_time() - t0, 20 * G_USEC_PER_SEC);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	g_mutex_lock(&logged_lock);
	ck_assert_msg(logged != NULL && strstr(logged->str, "5000 in all") != NULL, "%s",
	              logged != NULL ? logged->str : "(nothing logged)");
	g_mutex_unlock(&logged_lock);
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
	char *path = db_path();
	struct index *idx = open_writer(path, 0, 0);
	struct index_msg *bad = msg_of(g_get_real_time() / G_USEC_PER_SEC, "Q8BIT", "eight bit");
	struct index_stats st;
	struct found_list fl;

	g_free(bad->message_id);
	bad->message_id = g_strdup("<caf\xe9\xff@example.org>");
	g_free(bad->sender);
	bad->sender = g_strdup("j\xfcrgen@example.org");
	g_ptr_array_add(bad->rcpts, g_strdup("r\xe9mi@example.net"));
	index_part_free(g_ptr_array_index(bad->parts, 1));
	bad->parts->pdata[1] = part_of("2/zip:factur\xe9.exe", "eight bit", DIGEST_ALL);
	ck_assert(index_submit(idx, msg_of(g_get_real_time() / G_USEC_PER_SEC, "QPLAIN", "plain")));
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
	char *path = db_path();
	struct index *idx = open_writer(path, 0, 0);
	struct index_msg *m = msg_of(g_get_real_time() / G_USEC_PER_SEC, "QLONG", "long path");
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

START_TEST(test_corrupt_refused)
{
	char buf[8192];
	GError *err = NULL;
	struct index *idx = NULL;

	memset(buf, 'x', sizeof(buf));
	char *path = testutil_write_bytes(tmpdir, "garbage.db", buf, sizeof(buf));
	/* refused by the milter (writer, lazy) and by the CLI alike */
	for (int writer = 0; writer < 2; writer++) {
		struct index_options o = {.url = path, .writer = writer, .lazy = writer};
		ck_assert_int_eq(index_open(&o, &idx, &err), -1);
		ck_assert_ptr_null(idx);
		ck_assert_int_eq(err->code, INDEX_ERROR_CORRUPT);
		ck_assert_msg(strstr(err->message, "damaged or not an index") != NULL, "%s",
		              err->message);
		ck_assert_msg(strstr(err->message, "garbage.db") != NULL, "%s", err->message);
		g_clear_error(&err);
	}
	g_free(path);

	/* a real index whose pages were overwritten: quick_check finds it */
	path = db_path();
	idx = open_writer(path, 0, 0);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	for (int i = 0; i < 300; i++)
		index_submit(idx, msg_of(now, "QUEUEID", "payload"));
	index_flush(idx);
	index_close(&idx);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	int fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	memset(buf, 0x55, sizeof(buf));
	ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), 5 * 4096), (ssize_t)sizeof(buf));
	close(fd);
	/* the writer checks in the background (a large file takes long to read whole): it
	   refuses the file, says why, and drops what comes, counted; submit never waits */
	struct index_options o = {.url = path, .writer = true, .lazy = true, .log = log_keep};
	struct index_stats st;
	ck_assert_int_eq(index_open(&o, &idx, &err), 0);
	ck_assert(index_submit(idx, msg_of(now, "AFTER", "payload")));
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.written, 0);
	ck_assert_uint_eq(st.dropped, 1);
	ck_assert_uint_ge(st.errors, 1);
	ck_assert(!st.up);
	ck_assert_msg(strstr(logged->str, "index.db: the SQLite file is damaged") != NULL, "%s",
	              logged->str);
	index_close(&idx);
	g_free(path);
}
END_TEST

START_TEST(test_newer_schema_refused)
{
	char *path = db_path();
	struct index *idx = open_writer(path, 0, 0);
	GError *err = NULL;
	sqlite3 *db;

	index_close(&idx);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(
	        sqlite3_exec(db, "INSERT INTO schema_version VALUES (99)", NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	struct index_options o = {.url = path};
	ck_assert_int_eq(index_open(&o, &idx, &err), -1);
	ck_assert_int_eq(err->code, INDEX_ERROR_VERSION);
	g_clear_error(&err);
	g_free(path);
}
END_TEST

static gpointer open_thread(gpointer data)
{
	struct index_options o = {.url = data, .writer = true};
	struct index *idx = NULL;
	GError *err = NULL;

	if (index_open(&o, &idx, &err) < 0) {
		char *msg = g_strdup(err->message);
		g_error_free(err);
		return msg;
	}
	index_close(&idx);
	return NULL;
}

/*
 * Two processes open a new SQLite index at once (the milter starting, partscan hunt): the one
 * that finds the schema migrated by the other once it holds the write lock goes on with it
 * (it ran the migration again: "table messages already exists", and the open failed).
 */
START_TEST(test_migrate_concurrent)
{
	char *path = db_path();
	sqlite3 *db;
	GThread *th;
	char *failed;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
	                              "PRAGMA journal_mode=WAL;"
	                              " CREATE TABLE schema_version(version INTEGER NOT NULL);"
	                              " BEGIN IMMEDIATE",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	/* the other reads version 0, then waits for the write lock this one holds */
	th = g_thread_new("open", open_thread, path);
	g_usleep(500000);
	ck_assert_int_eq(sqlite3_exec(db,
	                              "CREATE TABLE messages(key INTEGER PRIMARY KEY);"
	                              " INSERT INTO schema_version VALUES (1); COMMIT",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	failed = g_thread_join(th);
	ck_assert_msg(failed == NULL, "%s", failed);
	sqlite3_close(db);
	g_free(path);
}
END_TEST

/* A directory that does not exist: the CLI is told why; the milter opens lazily and drops. */
START_TEST(test_unreachable)
{
	char *path = g_build_filename(tmpdir, "no", "such", "dir", "index.db", NULL);
	struct index *idx = NULL;
	struct index_stats st;
	GError *err = NULL;

	struct index_options cli = {.url = path};
	ck_assert_int_eq(index_open(&cli, &idx, &err), -1);
	ck_assert_int_eq(err->code, INDEX_ERROR_UNAVAILABLE);
	ck_assert_msg(strstr(err->message, "index.db") != NULL, "%s", err->message);
	g_clear_error(&err);
	struct index_options strict = {.url = path, .writer = true};
	ck_assert_int_eq(index_open(&strict, &idx, &err), -1);
	g_clear_error(&err);

	struct index_options lazy = {.url = path, .writer = true, .lazy = true};
	ck_assert_int_eq(index_open(&lazy, &idx, &err), 0);
	for (int i = 0; i < 10; i++)
		ck_assert(index_submit(idx, msg_of(0, "Q", "x")));
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.submitted, 10);
	ck_assert_uint_eq(st.written, 0);
	ck_assert_uint_eq(st.dropped, 10);
	ck_assert(!st.up);
	index_close(&idx);
	g_free(path);
}
END_TEST

/* The disk fills up (RLIMIT_FSIZE): writes fail, counted, submit goes on; space back, it writes. */
START_TEST(test_disk_full)
{
	char *path = db_path();
	struct index *idx = open_writer(path, 0, 0);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	struct index_stats st;
	struct rlimit old, lim;

	index_flush(idx);
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 256 * 1024;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (int i = 0; i < 40; i++) {
		struct index_msg *m = msg_of(now, "Q", "x");
		for (int j = 0; j < 200; j++) {
			char *p = g_strdup_printf("3/%d/%d", i, j);
			g_ptr_array_add(m->parts, part_of(p, p, DIGEST_ALL));
			g_free(p);
		}
		ck_assert(index_submit(idx, m));
		g_usleep(2000);
	}
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_gt(st.errors, 0);
	ck_assert_uint_gt(st.dropped, 0);
	ck_assert_uint_eq(st.written + st.dropped, 40);
	ck_assert(!st.up);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	uint64_t written = st.written;
	ck_assert(index_submit(idx, msg_of(now, "AFTER", "x")));
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.written, written + 1);
	ck_assert(st.up);
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
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *r = index_url_redacted(cases[i][0]);
		ck_assert_str_eq(r, cases[i][1]);
		g_free(r);
	}
}
END_TEST

/*
 * A PostgreSQL server that takes the connection and never answers (hung, or a firewall that
 * swallows packets): opening the index gives up after the connect timeout (the url's, or
 * partscan's default of 10 s) instead of holding the milter's start, a reload or `partscan
 * hunt` for ever.
 */
START_TEST(test_pg_silent_server)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct index *idx = NULL;
	GError *err = NULL;
	char *url;
	gint64 t0;

	g_snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/.s.PGSQL.5432", tmpdir);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 8), 0); /* connections wait in the backlog, unanswered */
	url = g_strdup_printf("postgresql:///partscan?host=%s&connect_timeout=2", tmpdir);
	struct index_options o = {.url = url};
	t0 = g_get_monotonic_time();
	ck_assert_int_eq(index_open(&o, &idx, &err), -1);
	ck_assert_int_lt(g_get_monotonic_time() - t0, 10 * G_USEC_PER_SEC);
	g_clear_error(&err);
	g_free(url);
	/* without connect_timeout in the url */
	url = g_strdup_printf("postgresql:///partscan?host=%s", tmpdir);
	o.url = url;
	t0 = g_get_monotonic_time();
	ck_assert_int_eq(index_open(&o, &idx, &err), -1);
	ck_assert_int_lt(g_get_monotonic_time() - t0, 20 * G_USEC_PER_SEC);
	ck_assert_msg(strstr(err->message, "timeout") != NULL, "%s", err->message);
	g_clear_error(&err);
	g_free(url);
	close(fd);
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
	struct index *idx = open_writer(pg_url, 0, 0);
	struct index_query q = {.type = DIGEST_SHA256, .size = INDEX_ANY_SIZE};
	struct rss_ctx r = {0};
	struct digest_set d;
	GError *err = NULL;
	char hex[DIGEST_MAX_HEX], *sql;

	ck_assert(index_submit(idx, msg_of(g_get_real_time() / G_USEC_PER_SEC, "4QMANY", "x")));
	index_flush(idx);
	ck_assert_int_eq(digest_compute((const unsigned char *)"many", 4, DIGEST_ALL, &d), 0);
	memcpy(q.hash, d.sha256, 32);
	PGconn *pg = PQconnectdb(pg_url);
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
	struct index_options o = {.url = pg_url, .writer = true, .log = log_keep};
	struct index *idx = NULL;
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	struct index_msg *bad = msg_of(now, "QBAD", "bad size");
	struct index_stats st;
	struct found_list fl;
	GError *err = NULL;

	ck_assert_int_eq(index_open(&o, &idx, &err), 0);
	index_flush(idx);
	((struct index_part *)g_ptr_array_index(bad->parts, 1))->size = UINT64_MAX;
	/* one batch: nothing is written before the writer gathers them (flush not yet called) */
	ck_assert(index_submit(idx, msg_of(now, "QOK1", "good one")));
	ck_assert(index_submit(idx, bad));
	ck_assert(index_submit(idx, msg_of(now, "QOK2", "good two")));
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

struct find_thread {
	struct index *idx;
	struct index_query q;
	GMutex lock;
	GCond done_cond;
	bool done;
	int ret;
	char *error;
};

static int count_found(void *ctx, const struct index_found *f)
{
	return 0;
}

static gpointer find_thread_main(gpointer data)
{
	struct find_thread *ft = data;
	GError *err = NULL;
	int ret = index_find(ft->idx, &ft->q, 1, 0, 0, count_found, NULL, &err);

	g_mutex_lock(&ft->lock);
	ft->ret = ret;
	ft->error = err != NULL ? g_strdup(err->message) : NULL;
	ft->done = true;
	g_cond_signal(&ft->done_cond);
	g_mutex_unlock(&ft->lock);
	g_clear_error(&err);
	return NULL;
}

/*
 * A lookup waits on the server (here for a table lock another session holds): index_cancel
 * ends it (it fails, "canceling statement"), and every lookup after it fails at once, so that
 * the daemon's stop does not wait for a retro-hunt's query. Before, the lookup waited until the
 * lock was released.
 */
START_TEST(test_pg_cancel_find)
{
	struct index *idx = open_writer(pg_url, 0, 0);
	struct find_thread ft = {.idx = idx, .q = {.type = DIGEST_SHA256, .size = INDEX_ANY_SIZE}};
	struct digest_set d;
	GError *err = NULL;
	bool ended;

	ck_assert(index_submit(idx, msg_of(g_get_real_time() / G_USEC_PER_SEC, "QLOCK", "x")));
	index_flush(idx);
	digest_compute((const unsigned char *)"x", 1, DIGEST_ALL, &d);
	memcpy(ft.q.hash, d.sha256, 32);
	PGconn *pg = PQconnectdb(pg_url);
	PGresult *res = PQexec(pg, "BEGIN; LOCK TABLE parts IN ACCESS EXCLUSIVE MODE");
	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(pg));
	PQclear(res);
	g_mutex_init(&ft.lock);
	g_cond_init(&ft.done_cond);
	GThread *t = g_thread_new("find", find_thread_main, &ft);
	g_usleep(500 * 1000); /* the lookup is waiting for the lock */
	g_mutex_lock(&ft.lock);
	ck_assert_msg(!ft.done, "the lookup did not wait for the lock");
	g_mutex_unlock(&ft.lock);
	index_cancel(idx);
	/* not a timing: with the lock held for ever, a lookup not cancelled never ends */
	gint64 until = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	g_mutex_lock(&ft.lock);
	while (!ft.done && g_cond_wait_until(&ft.done_cond, &ft.lock, until))
		;
	ended = ft.done;
	g_mutex_unlock(&ft.lock);
	PQclear(PQexec(pg, "ROLLBACK"));
	PQfinish(pg);
	g_thread_join(t);
	ck_assert_msg(ended, "index_find still waiting for the lock after index_cancel");
	ck_assert_int_eq(ft.ret, -1);
	ck_assert_msg(ft.error != NULL && strstr(ft.error, "cancel") != NULL, "%s", ft.error);
	ck_assert_int_eq(index_find(idx, &ft.q, 1, 0, 0, count_found, NULL, &err), -1);
	ck_assert_msg(strstr(err->message, "cancel") != NULL, "%s", err->message);
	g_clear_error(&err);
	g_free(ft.error);
	g_mutex_clear(&ft.lock);
	g_cond_clear(&ft.done_cond);
	index_close(&idx);
}
END_TEST

/* After index_cancel (the daemon stops), a lookup fails at once, on either driver; the writer
   still writes what is queued. */
START_TEST(test_cancel_later_lookups)
{
	char *path = db_path();
	struct index *idx = open_writer(path, 0, 0);
	struct index_query q = {.type = DIGEST_SHA256, .size = INDEX_ANY_SIZE};
	struct index_stats st;
	GError *err = NULL;
	static const unsigned char hash[32] = {1};

	index_cancel(idx);
	ck_assert_int_eq(index_find(idx, &q, 1, 0, 0, count_found, NULL, &err), -1);
	ck_assert_msg(strstr(err->message, "cancel") != NULL, "%s", err->message);
	g_clear_error(&err);
	ck_assert_int_eq(index_hit_record(idx, 1, "1", "Sig", DIGEST_SHA256, hash, &err), -1);
	g_clear_error(&err);
	ck_assert(index_submit(idx, msg_of(g_get_real_time() / G_USEC_PER_SEC, "QAFTER", "x")));
	index_flush(idx);
	index_get_stats(idx, &st);
	ck_assert_uint_eq(st.written, 1);
	index_close(&idx);
	g_free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("index");
	TCase *tc = tcase_create("sqlite");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_submit_find);
	tcase_add_test(tc, test_find_many);
	tcase_add_test(tc, test_retention);
	tcase_add_test(tc, test_hit_once);
	tcase_add_test(tc, test_queue_full_drops);
	tcase_add_test(tc, test_stop_while_locked);
	tcase_add_test(tc, test_not_utf8_indexed);
	tcase_add_test(tc, test_hit_long_path);
	tcase_add_test(tc, test_corrupt_refused);
	tcase_add_test(tc, test_newer_schema_refused);
	tcase_add_test(tc, test_migrate_concurrent);
	tcase_add_test(tc, test_unreachable);
	tcase_add_test(tc, test_disk_full);
	tcase_add_test(tc, test_url_redacted);
	tcase_add_test(tc, test_pg_silent_server);
	tcase_add_test(tc, test_cancel_later_lookups);
	suite_add_tcase(s, tc);
	if (getenv("PARTSCAN_TEST_PG_URL") != NULL) {
		TCase *pg = tcase_create("postgresql");
		tcase_add_checked_fixture(pg, setup_pg, teardown);
		tcase_set_timeout(pg, 60);
		tcase_add_test(pg, test_submit_find);
		tcase_add_test(pg, test_find_many);
		tcase_add_test(pg, test_retention);
		tcase_add_test(pg, test_hit_once);
		tcase_add_test(pg, test_pg_find_bounded);
		tcase_add_test(pg, test_not_utf8_indexed);
		tcase_add_test(pg, test_hit_long_path);
		tcase_add_test(pg, test_pg_bad_record_alone);
		tcase_add_test(pg, test_pg_cancel_find);
		tcase_add_test(pg, test_cancel_later_lookups);
		suite_add_tcase(s, pg);
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
