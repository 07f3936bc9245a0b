/*
 * bench_index: the part-hash index on its own (printed, never asserted).
 *
 * 1. Writer throughput: messages of 3 parts (a 2 KB text body with SHA-256 only, two
 *    attachments with MD5, SHA-1 and SHA-256), submitted as fast as the queue takes them,
 *    then flushed: messages/s and part rows/s written, and the file's bytes per message with
 *    and without MD5/SHA-1 of the text bodies (the [index] body_digests choice).
 * 2. Lookups: 100,000 hashes (a third of each kind, random but for 100 SHA-256 that are in the
 *    index) against that index, in one index_find call.
 * 3. The digest cost behind body_digests: MD5+SHA-1+SHA-256 vs SHA-256 alone on 2 KB.
 *
 * SQLite in a temporary directory; PostgreSQL too when PARTSCAN_BENCH_PG_URL names a database
 * (its tables are dropped first). BENCH_INDEX_MSGS (default 200000) sets the index size.
 */

#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "index/index.h"
#include "tests/bench/benchlib.c"

/* SHA-256 of the first attachment of the first messages written: present in the index */
#define BENCH_PRESENT 100
static unsigned char present[BENCH_PRESENT][32];

static void fill(unsigned char *buf, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = rng();
		memcpy(buf + i, &v, MIN(8, n - i));
	}
}

static struct index_part *bench_part(const char *path, const char *name, size_t size,
                                     unsigned int mask)
{
	struct index_part *p = index_part_new();
	unsigned char buf[64];

	p->path = g_strdup(path);
	p->name = g_strdup(name);
	p->type = g_strdup(name != NULL ? "pdf" : "text");
	p->size = size;
	/* random digests: the index stores them, it never sees the bytes */
	fill(buf, sizeof(buf));
	memcpy(p->digests.md5, buf, 16);
	memcpy(p->digests.sha1, buf + 16, 20);
	fill(buf, sizeof(buf));
	memcpy(p->digests.sha256, buf, 32);
	p->digests.mask = mask;
	return p;
}

static struct index_msg *bench_msg(int64_t t, unsigned int i, bool body_digests)
{
	struct index_msg *m = index_msg_new();

	m->time = t;
	m->queue_id = g_strdup_printf("4Q%08X", i);
	m->message_id = g_strdup_printf("%08x.%u@mail.example.org", i * 2654435761u, i);
	m->client = g_strdup("mx.example.org [192.0.2.1]");
	m->sender = g_strdup("sender@example.org");
	g_ptr_array_add(m->rcpts, g_strdup_printf("user%u@example.net", i % 5000));
	m->verdict = g_strdup("clean");
	m->action = g_strdup("tag");
	g_ptr_array_add(
	        m->parts,
	        bench_part("1", NULL, 2000, body_digests ? DIGEST_ALL : DIGEST_BIT(DIGEST_SHA256)));
	g_ptr_array_add(m->parts, bench_part("2", "invoice.pdf", 100000 + i % 1000, DIGEST_ALL));
	if (i < BENCH_PRESENT)
		memcpy(present[i], ((struct index_part *)m->parts->pdata[1])->digests.sha256, 32);
	g_ptr_array_add(m->parts, bench_part("3", "scan.zip", 50000 + i % 777, DIGEST_ALL));
	return m;
}

/* Write n messages; returns the seconds taken (submit to flushed). */
static double bench_write(const char *url, unsigned int n, bool body_digests,
                          struct index_stats *st)
{
	struct index_options o = {.url = url, .writer = true, .queue_max = 100000};
	struct index *idx = NULL;
	GError *err = NULL;
	int64_t t0s = g_get_real_time() / G_USEC_PER_SEC - 86400;

	if (index_open(&o, &idx, &err) < 0) {
		printf("  %s: %s\n", url, err->message);
		g_error_free(err);
		return -1;
	}
	double t0 = now();
	for (unsigned int i = 0; i < n; i++) {
		while (!index_submit(idx, bench_msg(t0s + i / 100, i, body_digests))) {
			/* the queue is full: the milter would drop; the bench waits */
			index_flush(idx);
		}
	}
	index_flush(idx);
	double secs = now() - t0;
	index_get_stats(idx, st);
	index_close(&idx);
	return secs;
}

static int count_found(void *ctx, const struct index_found *f)
{
	(*(unsigned int *)ctx)++;
	return 0;
}

static void bench_find(const char *url)
{
	struct index_options o = {.url = url};
	struct index *idx = NULL;
	GError *err = NULL;
	size_t n = 100000;
	struct index_query *qs = g_new0(struct index_query, n);
	unsigned int found = 0;

	for (size_t i = 0; i < n; i++) {
		qs[i].type = (enum digest_type)(i % 3);
		qs[i].size = INDEX_ANY_SIZE;
		fill(qs[i].hash, DIGEST_MAX_LEN);
	}
	for (size_t i = 0; i < BENCH_PRESENT; i++) {
		qs[i * 997].type = DIGEST_SHA256;
		memcpy(qs[i * 997].hash, present[i], 32);
	}
	if (index_open(&o, &idx, &err) == 0) {
		double t0 = now();
		int r = index_find(idx, qs, n, 0, 0, count_found, &found, &err);
		double secs = now() - t0;
		if (r < 0)
			printf("  find: %s\n", err->message);
		else
			printf("  find: %zu hashes (MD5, SHA-1, SHA-256 alike) in one call: %.2f "
			       "s, "
			       "%u found\n",
			       n, secs, found);
	} else {
		printf("  find: %s\n", err->message);
	}
	g_clear_error(&err);
	index_close(&idx);
	g_free(qs);
}

static void bench_driver(const char *label, const char *url, const char *file, unsigned int n)
{
	struct index_stats st;
	struct stat sb;

	printf("== %s, %u messages of 3 parts\n", label, n);
	for (int body = 0; body < 2; body++) {
		if (file != NULL) {
			char *wal = g_strdup_printf("%s-wal", file);
			g_unlink(file);
			g_unlink(wal);
			g_free(wal);
		}
		rng_state = 0x5DEECE66Dull;
		double secs = bench_write(url, n, body, &st);
		if (secs < 0)
			return;
		printf("  write (body_digests = %s): %.1f s: %.0f messages/s, %.0f part rows/s "
		       "(%" G_GUINT64_FORMAT " written, %" G_GUINT64_FORMAT " dropped)",
		       body ? "yes" : "no ", secs, st.written / secs, st.parts / secs, st.written,
		       st.dropped);
		if (file != NULL && stat(file, &sb) == 0)
			printf(", %.0f bytes/message on disk", (double)sb.st_size / n);
		printf("\n");
		if (!body)
			bench_find(url);
	}
}

static void bench_digests(void)
{
	unsigned char buf[2000];
	struct digest_set d;
	unsigned int n = 200000;

	fill(buf, sizeof(buf));
	for (int k = 0; k < 2; k++) {
		unsigned int mask = k == 0 ? DIGEST_BIT(DIGEST_SHA256) : DIGEST_ALL;
		double t0 = now();
		for (unsigned int i = 0; i < n; i++)
			digest_compute(buf, sizeof(buf), mask, &d);
		printf("  digests of a 2 KB body, %s: %.2f us\n",
		       k == 0 ? "SHA-256 alone       " : "MD5 + SHA-1 + SHA-256",
		       (now() - t0) / n * 1e6);
	}
}

int main(void)
{
	unsigned int n = 200000;
	char *dir = g_dir_make_tmp("partscan-bench-index-XXXXXX", NULL);
	const char *pg = getenv("PARTSCAN_BENCH_PG_URL");

	(void)gen_file; /* benchlib's signature generator: not needed here */

	if (getenv("BENCH_INDEX_MSGS") != NULL)
		n = (unsigned int)strtoul(getenv("BENCH_INDEX_MSGS"), NULL, 10);
	if (dir == NULL)
		return 1;
	char *file = g_build_filename(dir, "index.db", NULL);
	bench_driver("SQLite", file, file, n);
	if (pg != NULL) {
		PGconn *c = PQconnectdb(pg);
		PQclear(PQexec(c,
		               "SET client_min_messages = warning; DROP TABLE IF EXISTS messages,"
		               " rcpts, parts, hits, schema_version"));
		bench_driver("PostgreSQL", pg, NULL, n);
		PQclear(PQexec(
		        c, "DROP TABLE IF EXISTS messages, rcpts, parts, hits, schema_version"));
		PQfinish(c);
	}
	bench_digests();
	char *wal = g_strdup_printf("%s-wal", file), *shm = g_strdup_printf("%s-shm", file);
	g_unlink(file);
	g_unlink(wal);
	g_unlink(shm);
	g_rmdir(dir);
	g_free(wal);
	g_free(shm);
	g_free(file);
	g_free(dir);
	return 0;
}
