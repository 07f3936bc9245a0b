/*
 * bench_retro: the retro-hunt's cost against a large SQLite index (figures, never asserted).
 *
 *   building: BENCH_RETRO_DAYS (30) days x BENCH_RETRO_PER_DAY (100,000) messages, each with
 *     a text body and an attachment (MD5, SHA-1, SHA-256 of each), written through the index
 *     API (index_submit, the writer thread batching) into a fresh SQLite file: rows per second
 *   the hunt: BENCH_RETRO_SIGS (100,000) new signatures (half MD5, half SHA-256; 100 of them
 *     hashes of attachments in the index, the rest random) looked up with index_find, each
 *     part found recorded with index_hit_record: seconds; then the same hunt again (every hit
 *     already recorded: nothing new)
 *
 * The index is kept in DIR (default build/bench-data/retro-DAYSxPER_DAY.db) and reused by
 * later runs: building 3M messages takes minutes.
 *
 * Usage: bench_retro [DIR]
 */

#include "index/index.h"
#include "tests/bench/benchlib.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_KNOWN 100u

static size_t env_size(const char *name, size_t def)
{
	const char *v = getenv(name);

	return v != NULL ? (size_t)strtoull(v, NULL, 10) : def;
}

/* The digests of message m's part p: derived from (m, p), so that a later run can name them. */
static void bench_digests(uint64_t m, unsigned int p, struct digest_set *d)
{
	uint64_t x = (m << 1 | p) * 0x9e3779b97f4a7c15ull + 0x1234567;

	d->mask = DIGEST_ALL;
	for (size_t i = 0; i < sizeof(d->sha256); i += 8) {
		x ^= x >> 31;
		x *= 0xbf58476d1ce4e5b9ull;
		x ^= x >> 27;
		memcpy(d->sha256 + i, &x, 8);
	}
	memcpy(d->md5, d->sha256 + 7, sizeof(d->md5));
	memcpy(d->sha1, d->sha256 + 3, sizeof(d->sha1));
}

static struct index_msg *bench_msg(uint64_t m, int64_t time)
{
	struct index_msg *msg = index_msg_new();

	msg->time = time;
	msg->queue_id = g_strdup_printf("4Q%010" G_GUINT64_FORMAT, (guint64)m);
	msg->message_id = g_strdup_printf("<%" G_GUINT64_FORMAT "@bench.example.org>", (guint64)m);
	msg->client = g_strdup("mx.example.org [192.0.2.1]");
	msg->sender = g_strdup("<sender@example.org>");
	g_ptr_array_add(msg->rcpts, g_strdup_printf("<user%u@example.net>", (unsigned)(m % 5000)));
	msg->verdict = g_strdup("clean");
	msg->action = g_strdup("accept");
	for (unsigned int p = 0; p < 2; p++) {
		struct index_part *part = index_part_new();

		part->path = g_strdup(p == 0 ? "1" : "2");
		part->name = p == 0 ? NULL : g_strdup_printf("invoice-%u.pdf", (unsigned)(m % 977));
		part->type = g_strdup(p == 0 ? "text" : "pdf");
		part->size = p == 0 ? 2000 + m % 1000 : 50000 + m % 100000;
		bench_digests(m, p, &part->digests);
		g_ptr_array_add(msg->parts, part);
	}
	return msg;
}

static int bench_build(struct index *idx, size_t days, size_t per_day)
{
	int64_t epoch = (int64_t)(g_get_real_time() / G_USEC_PER_SEC);
	size_t total = days * per_day;
	double t0 = now(), secs;
	struct index_stats st;

	for (size_t m = 0; m < total; m++) {
		int64_t t = epoch - (int64_t)days * 86400 + (int64_t)(m * 86400 / per_day) + 60;

		for (;;) {
			index_get_stats(idx, &st);
			if (st.queued < INDEX_QUEUE_MAX / 2)
				break;
			g_usleep(2000);
		}
		if (!index_submit(idx, bench_msg(m, t))) {
			fprintf(stderr, "bench_retro: a message was dropped at %zu\n", m);
			return -1;
		}
	}
	index_flush(idx);
	secs = now() - t0;
	index_get_stats(idx, &st);
	printf("index build: %zu messages (%" G_GUINT64_FORMAT " part rows) in %.1f s: %.0f "
	       "messages/s, %.0f part rows/s (dropped %" G_GUINT64_FORMAT ")\n",
	       total, (guint64)st.parts, secs, (double)total / secs, (double)st.parts / secs,
	       (guint64)st.dropped);
	return st.dropped == 0 ? 0 : -1;
}

struct bench_hunt {
	struct index *idx;
	const struct index_query *q;
	uint64_t found, recorded;
	GArray *keys; /* int64_t msg_key per part found */
	GPtrArray *paths;
};

static int bench_found(void *ctx, const struct index_found *f)
{
	struct bench_hunt *h = ctx;

	h->found++;
	g_array_append_val(h->keys, f->msg_key);
	g_ptr_array_add(h->paths, g_strdup(f->path));
	return 0;
}

static void bench_hunt(struct index *idx, const struct index_query *q, size_t n, const char *what)
{
	struct bench_hunt h = {.idx = idx, .q = q};
	GError *error = NULL;
	double t0 = now(), t_find, t_rec;

	h.keys = g_array_new(FALSE, FALSE, sizeof(int64_t));
	h.paths = g_ptr_array_new_with_free_func(g_free);
	if (index_find(idx, q, n, 0, 0, bench_found, &h, &error) < 0) {
		fprintf(stderr, "bench_retro: index_find: %s\n", error->message);
		g_clear_error(&error);
	}
	t_find = now() - t0;
	t0 = now();
	for (guint i = 0; i < h.keys->len; i++) {
		int r = index_hit_record(idx, g_array_index(h.keys, int64_t, i), h.paths->pdata[i],
		                         "Bench.Retro-1-0", DIGEST_MD5, q[0].hash, &error);
		if (r < 0) {
			fprintf(stderr, "bench_retro: index_hit_record: %s\n", error->message);
			g_clear_error(&error);
			break;
		}
		h.recorded += (uint64_t)r;
	}
	t_rec = now() - t0;
	printf("retro-hunt (%s): %zu signatures: %" G_GUINT64_FORMAT " parts found in %.2f s, "
	       "%" G_GUINT64_FORMAT " new hits recorded in %.3f s: %.2f s in all\n",
	       what, n, (guint64)h.found, t_find, (guint64)h.recorded, t_rec, t_find + t_rec);
	g_array_free(h.keys, TRUE);
	g_ptr_array_free(h.paths, TRUE);
}

int main(int argc, char **argv)
{
	size_t days = env_size("BENCH_RETRO_DAYS", 30),
	       per_day = env_size("BENCH_RETRO_PER_DAY", 100000);
	size_t nsig = env_size("BENCH_RETRO_SIGS", 100000), total = days * per_day;
	const char *dir = argc > 1 ? argv[1] : "build/bench-data";
	char *path = g_strdup_printf("%s/retro-%zux%zu.db", dir, days, per_day);
	char *url = g_strdup_printf("sqlite://%s", path);
	struct index_options opts = {.url = url, .writer = true, .keep_days = (unsigned)days + 2};
	struct index_query *q = g_new0(struct index_query, nsig);
	bool fresh = access(path, R_OK) != 0;
	struct index *idx = NULL;
	GError *error = NULL;

	if (argc > 1 && argv[1][0] == '-') {
		fprintf(stderr, "usage: %s [BENCH-DATA-DIRECTORY]\n", argv[0]);
		return 2;
	}
	(void)gen_file; /* benchlib's signature generator: not needed here */
	g_mkdir_with_parents(dir, 0755);
	if (index_open(&opts, &idx, &error) < 0) {
		fprintf(stderr, "bench_retro: %s\n", error->message);
		return 1;
	}
	printf("index: %s (%s)\n", path, fresh ? "building" : "reused");
	if (fresh && bench_build(idx, days, per_day) < 0)
		return 1;
	for (size_t i = 0; i < nsig; i++) {
		struct digest_set d;

		q[i].size = INDEX_ANY_SIZE;
		if (i < BENCH_KNOWN && total > 0) {
			/* the attachment of a message spread over the whole window */
			bench_digests((uint64_t)(i * (total / BENCH_KNOWN)), 1, &d);
		} else {
			for (size_t k = 0; k < sizeof(d.sha256); k++)
				d.sha256[k] = (unsigned char)(rng() >> 56);
			memcpy(d.md5, d.sha256 + 16, sizeof(d.md5));
		}
		q[i].type = i % 2 == 0 ? DIGEST_MD5 : DIGEST_SHA256;
		memcpy(q[i].hash, q[i].type == DIGEST_MD5 ? d.md5 : d.sha256,
		       digest_len(q[i].type));
	}
	bench_hunt(idx, q, nsig, "first");
	bench_hunt(idx, q, nsig, "again: every hit known");
	index_close(&idx);
	g_free(q);
	g_free(url);
	g_free(path);
	return 0;
}
