/*
 * bench_archive: the cost of looking inside archives (printed, never asserted).
 *
 * MB/s of message for msg_scan() on one core (CPU time of the scanning thread), with the
 * 2M-signature database of bench_engine (the compiled snapshot when there is one, else the
 * text files, generated if absent), SHA-256 of every part computed as the milter's log wants:
 *   a message with a 10 MB zip of 100 members (each half random bytes, half text: deflate
 *     has real work), and the MB/s of decompressed member bytes;
 *   a message with a 1 MB zip of 10,000 tiny members: with max_parts and
 *     max_archive_members raised to 20,000 (members per second), and with the defaults
 *     (the scan stops at 1000 parts: what it costs to say "unscannable");
 *   what a whole-archive verdict cache would save: SHA-256 of the zip alone (a hit's cost)
 *     against the full scan of its message.
 * Archives are made with libarchive's writer; every message is different (no cache helps).
 * TZ is set as `partscan scan` sets it (with TZ unset, glibc stats /etc/localtime for every
 * member's time: 2.5x the cost on the 10,000-member zip).
 *
 * Usage: bench_archive [DIR]   (DIR holds the signature files; default build/bench-data)
 */

#include "mime/msgscan.h"
#include "tests/bench/benchlib.c"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

static const char *const words[] = {"the",     "meeting", "budget", "report",   "quarterly",
                                    "figures", "please",  "review", "attached", "thanks",
                                    "regards", "project", "update", "schedule", "invoice"};

static void fill(unsigned char *p, size_t random, size_t text)
{
	for (size_t i = 0; i < random; i += 8) {
		uint64_t v = rng();

		memcpy(p + i, &v, MIN(8, random - i));
	}
	for (size_t i = random; i < random + text;) {
		const char *w = words[rng() % G_N_ELEMENTS(words)];
		size_t n = MIN(strlen(w), random + text - i);

		memcpy(p + i, w, n);
		i += n;
		if (i < random + text)
			p[i++] = ' ';
	}
}

/* A zip of n members of (random + text) bytes each; the size of what they hold in *out_r. */
static GBytes *make_zip(unsigned int n, size_t random, size_t text, uint64_t *out_r)
{
	size_t cap = (size_t)n * (random + text + 256) + (1 << 20), used = 0;
	unsigned char *buf = g_malloc(cap), *m = g_malloc(random + text + 1);
	struct archive *a = archive_write_new();

	archive_write_set_format_zip(a);
	archive_write_open_memory(a, buf, cap, &used);
	for (unsigned int i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		char name[64];

		if (random > 0)
			g_snprintf(name, sizeof(name), "dir%u/file-%03u.bin", i % 7, i);
		else
			g_snprintf(name, sizeof(name), "%05u.txt", i);
		fill(m, random, text);
		archive_entry_set_pathname(e, name);
		archive_entry_set_size(e, (la_int64_t)(random + text));
		archive_entry_set_filetype(e, AE_IFREG);
		archive_write_header(a, e);
		archive_write_data(a, m, random + text);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	g_free(m);
	*out_r = (uint64_t)n * (random + text);
	return g_bytes_new_take(buf, used);
}

static GString *message(unsigned int id, GBytes *zip)
{
	GString *s = g_string_new(NULL);
	char *b = g_base64_encode(g_bytes_get_data(zip, NULL), g_bytes_get_size(zip));
	size_t n = strlen(b);

	g_string_append_printf(
	        s,
	        "From: Bench <bench@example.org>\r\nTo: you@example.net\r\n"
	        "Subject: archive %u\r\nMessage-ID: <arch-%u@example.org>\r\n"
	        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b%u\""
	        "\r\n\r\n--b%u\r\nContent-Type: text/plain\r\n\r\nThe files.\r\n"
	        "--b%u\r\nContent-Type: application/zip; name=\"files-%u.zip\"\r\n"
	        "Content-Transfer-Encoding: base64\r\n\r\n",
	        id, id, id, id, id, id);
	for (size_t i = 0; i < n; i += 76) {
		g_string_append_len(s, b + i, (gssize)MIN(76, n - i));
		g_string_append(s, "\r\n");
	}
	g_string_append_printf(s, "--b%u--\r\n", id);
	g_free(b);
	return s;
}

/* Seconds of CPU per message, cycling the messages for at least a second. */
static double run(struct sigdb *db, GPtrArray *msgs, const struct msg_limits *lim, guint *parts_r,
                  const char **reason_r)
{
	struct msg_scan_options o = {.limits = lim, .scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
	double t0 = cpu_now(), t;
	unsigned int i = 0;

	do {
		GString *m = g_ptr_array_index(msgs, i % msgs->len);
		struct msg_report *r = NULL;

		if (msg_scan(db, (unsigned char *)m->str, m->len, &o, &r, NULL) < 0) {
			fprintf(stderr, "msg_scan failed\n");
			exit(1);
		}
		*parts_r = r->parts->len;
		*reason_r = msg_report_unscannable(r, reason_r) ? *reason_r : "none";
		msg_report_free(&r);
		i++;
		t = cpu_now() - t0;
	} while (t < 1.5 || i < msgs->len);
	return t / i;
}

/* CPU seconds of SHA-256 over the zip alone: what a whole-archive cache hit still costs. */
static double hash_only(struct sigdb *db, GBytes *zip)
{
	struct scan_options o = {.want = DIGEST_BIT(DIGEST_SHA256)};
	struct scan_result res;
	double t0 = cpu_now();
	unsigned int i = 0;

	do {
		scan_bytes(db, g_bytes_get_data(zip, NULL), g_bytes_get_size(zip), &o, &res, NULL);
		i++;
	} while (cpu_now() - t0 < 0.5);
	return (cpu_now() - t0) / i;
}

static void bench(struct sigdb *db, const char *label, unsigned int members, size_t random,
                  size_t text, const struct msg_limits *lim)
{
	GPtrArray *msgs = g_ptr_array_new();
	GBytes *zip = NULL;
	uint64_t inside = 0;
	guint parts;
	const char *reason = NULL;
	double per, hash;

	for (unsigned int i = 0; i < 2; i++) {
		if (zip != NULL)
			g_bytes_unref(zip);
		zip = make_zip(members, random, text, &inside);
		g_ptr_array_add(msgs, message(i, zip));
	}
	per = run(db, msgs, lim, &parts, &reason);
	hash = hash_only(db, zip);
	printf("archive %-44s %7.1f MB/s of message, %7.1f MB/s of members, %6.2f ms/msg "
	       "(zip %.2f MB, %u parts, unscannable: %s)\n",
	       label, (double)((GString *)msgs->pdata[0])->len / per / 1e6,
	       (double)inside / per / 1e6, per * 1e3, (double)g_bytes_get_size(zip) / 1e6, parts,
	       reason);
	printf("archive %-44s whole-archive cache hit would cost %.3f ms (SHA-256 of the zip): "
	       "%.0fx less\n",
	       "", hash * 1e3, per / hash);
	for (guint i = 0; i < msgs->len; i++)
		g_string_free(g_ptr_array_index(msgs, i), TRUE);
	g_ptr_array_free(msgs, TRUE);
	g_bytes_unref(zip);
}

static struct sigdb *open_db(const char *dir)
{
	char *snap = g_strdup_printf("%s/bench-1000000.psdb", dir);
	char *md5 = g_strdup_printf("%s/bench-1000000.hdb", dir);
	char *sha = g_strdup_printf("%s/bench-1000000.hsb", dir);
	const char *snap_paths[] = {snap, NULL}, *text_paths[] = {md5, sha, NULL};
	struct sigdb *db = NULL;
	GError *error = NULL;
	double t0 = now();

	if (access(snap, R_OK) != 0 || sigdb_load(snap_paths, NULL, &db, &error) < 0) {
		g_clear_error(&error);
		g_mkdir_with_parents(dir, 0755);
		if (gen_file(md5, 1000000, 32) < 0 || gen_file(sha, 1000000, 64) < 0 ||
		    sigdb_load(text_paths, NULL, &db, &error) < 0) {
			fprintf(stderr, "signatures: %s\n", error != NULL ? error->message : dir);
			exit(1);
		}
	}
	printf("signatures: %zu (loaded in %.3f s)\n", sigdb_count(db), now() - t0);
	g_free(snap);
	g_free(md5);
	g_free(sha);
	return db;
}

int main(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] == '-') {
		fprintf(stderr, "usage: %s [BENCH-DATA-DIRECTORY]\n", argv[0]);
		return 2;
	}
	struct sigdb *db;

	/* as `partscan scan` does (and the milter should): no stat of /etc/localtime per member */
	if (getenv("TZ") == NULL)
		setenv("TZ", ":/etc/localtime", 0);
	db = open_db(argc > 1 ? argv[1] : "build/bench-data");
	struct msg_limits wide = {.max_parts = 20000, .max_archive_members = 20000};

	printf("cores: %d (figures are for one core, SHA-256 of every part)\n",
	       g_get_num_processors());
	bench(db, "10 MB zip, 100 members", 100, 92 * 1024, 64 * 1024, NULL);
	bench(db, "1 MB zip, 10,000 tiny members (limits 20,000)", 10000, 0, 8, &wide);
	bench(db, "1 MB zip, 10,000 tiny members (default limits)", 10000, 0, 8, NULL);
	sigdb_unref(&db);
	return 0;
}
