/* Fixtures shared by the index suites (see testindex.h). Not thread-safe except
 * testindex_log_keep, which the writer thread calls. */

#include "tests/lib/testindex.h"

#include <check.h>
#include <glib.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/testutil.h"

char *testindex_tmpdir;
const char *testindex_pg_url;

/* What the index logged (the writer's messages) */
static GString *logged;
static GMutex logged_lock;

void testindex_setup(void)
{
	testindex_tmpdir = testutil_tmpdir();
}

void testindex_setup_pg(void)
{
	testindex_tmpdir = testutil_tmpdir();
	testindex_pg_url = getenv("PARTSCAN_TEST_PG_URL");
	PGconn *pg = PQconnectdb(testindex_pg_url);
	ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "%s", PQerrorMessage(pg));
	PGresult *res =
	        PQexec(pg, "SET client_min_messages = warning;"
	                   " DROP TABLE IF EXISTS messages, rcpts, parts, hits, schema_version");
	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
}

void testindex_teardown(void)
{
	testindex_pg_url = NULL;
	testutil_rmdir(testindex_tmpdir);
	g_free(testindex_tmpdir);
	testindex_tmpdir = NULL;
}

void testindex_log_keep(const char *msg)
{
	g_mutex_lock(&logged_lock);
	if (logged == NULL)
		logged = g_string_new(NULL);
	g_string_append_printf(logged, "%s\n", msg);
	g_mutex_unlock(&logged_lock);
}

char *testindex_logged(void)
{
	char *copy;

	g_mutex_lock(&logged_lock);
	copy = g_strdup(logged != NULL ? logged->str : "");
	g_mutex_unlock(&logged_lock);
	return copy;
}

char *testindex_db_path(void)
{
	if (testindex_pg_url != NULL)
		return g_strdup(testindex_pg_url);
	return g_build_filename(testindex_tmpdir, "index.db", NULL);
}

struct index *testindex_open_writer(const char *path, unsigned int queue_max,
                                    unsigned int keep_days)
{
	struct index_options o = {
	        .url = path, .writer = true, .queue_max = queue_max, .keep_days = keep_days};
	struct index *idx = NULL;
	GError *err = NULL;

	if (index_open(&o, &idx, &err) < 0)
		ck_abort_msg("index_open: %s", err->message);
	return idx;
}

struct index_part *testindex_part_of(const char *path, const char *text, unsigned int mask)
{
	struct index_part *p = index_part_new();

	p->path = g_strdup(path);
	p->name = g_strdup_printf("%s.bin", path);
	p->type = g_strdup("zip");
	p->size = strlen(text);
	/* (no ck_assert when it works: each passing one appends to libcheck's message file,
	   and test_disk_full makes thousands of parts under a 256 KiB RLIMIT_FSIZE) */
	if (digest_compute((const unsigned char *)text, p->size, mask, &p->digests) != 0)
		ck_abort_msg("digest_compute failed for %s", path);
	return p;
}

struct index_msg *testindex_msg_of(int64_t time, const char *qid, const char *text)
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
	g_ptr_array_add(m->parts, testindex_part_of("1", "a text body", DIGEST_BIT(DIGEST_SHA256)));
	g_ptr_array_add(m->parts, testindex_part_of("2/zip:a.exe", text, DIGEST_ALL));
	return m;
}
