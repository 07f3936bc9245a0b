/*
 * bench_mime: the message pipeline's speed (printed, never asserted).
 *
 * MB/s of message for msg_scan(): parse + walk + sweep + decode + scan, on one core (CPU time
 * of the scanning thread, so that other load on the machine does not skew it), with the
 * 2M-signature database of bench_engine (1M MD5 + 1M SHA-256, random sizes; the compiled
 * snapshot when bench_engine made one, else the text files, generated if absent). Messages:
 * text only (plain + HTML), and 100 KB, 1 MB and 10 MB with one base64 attachment each; every
 * message of a run is different (unique attachments: no cache helps). Two figures each:
 * (a) no signature size matches any part (decode-bound), (b) SHA-256 of every part computed
 * as for the log. Then the base64 decoder alone on a 10 MB attachment's body (76-column CRLF
 * lines), vector path and scalar, next to GLib's g_base64_decode_step() (the peer: what GMime
 * and most readers do) and memcpy of the same bytes (the floor).
 *
 * Usage: bench_mime [DIR [CASE]]   (DIR holds the signature files, default build/bench-data;
 *                                  CASE: run only the cases whose label contains it, for perf)
 */

#include "mime/decode.h"
#include "mime/decode_simd.h"
#include "mime/msgscan.h"
#include "tests/bench/benchlib.c"

#include <stdlib.h>
#include <string.h>

#define CRLF "\r\n"

static const char *const words[] = {"the",     "meeting", "budget", "report",   "quarterly",
                                    "figures", "please",  "review", "attached", "thanks",
                                    "regards", "project", "update", "schedule", "invoice"};

/* A size no signature has: such a part is typed but never hashed. */
static size_t no_match(struct sigdb *db, size_t size)
{
	while (sigdb_digests_for_size(db, size) != 0)
		size++;
	return size;
}

static void append_prose(GString *s, size_t size)
{
	size_t line = 0;

	while (s->len < size) {
		const char *w = words[rng() % G_N_ELEMENTS(words)];

		g_string_append(s, w);
		line += strlen(w) + 1;
		if (line > 70) {
			g_string_append(s, CRLF);
			line = 0;
		} else {
			g_string_append_c(s, ' ');
		}
	}
	g_string_truncate(s, size);
}

static void append_base64(GString *s, const unsigned char *data, size_t len)
{
	char *b = g_base64_encode(data, len);
	size_t n = strlen(b);

	for (size_t i = 0; i < n; i += 76) {
		g_string_append_len(s, b + i, (gssize)MIN(76, n - i));
		g_string_append(s, CRLF);
	}
	g_free(b);
}

static void headers(GString *s, unsigned int id, const char *type)
{
	g_string_append_printf(s,
	                       "Received: from mx.example.org (mx.example.org [192.0.2.1])" CRLF
	                       "\tby mail.example.net with ESMTPS id %u; Mon, 1 Jan 2024" CRLF
	                       "From: Bench <bench@example.org>" CRLF "To: you@example.net" CRLF
	                       "Subject: bench message %u" CRLF
	                       "Message-ID: <bench-%u@example.org>" CRLF "MIME-Version: 1.0" CRLF
	                       "Content-Type: %s; boundary=\"=_b%u\"" CRLF CRLF,
	                       id, id, id, type, id);
}

/* Plain text and HTML, no attachment, about size bytes. */
static GString *text_message(struct sigdb *db, unsigned int id, size_t size)
{
	GString *s = g_string_new(NULL), *body = g_string_new(NULL);

	headers(s, id, "multipart/alternative");
	g_string_append_printf(
	        s, "--=_b%u" CRLF "Content-Type: text/plain; charset=utf-8" CRLF CRLF, id);
	append_prose(body, no_match(db, size / 2));
	g_string_append_len(s, body->str, (gssize)body->len);
	g_string_append_printf(s,
	                       CRLF "--=_b%u" CRLF
	                            "Content-Type: text/html; charset=utf-8" CRLF CRLF
	                            "<html><body><p>",
	                       id);
	g_string_truncate(body, 0);
	append_prose(body, no_match(db, size / 2 - 22) - 22);
	g_string_append_len(s, body->str, (gssize)body->len);
	g_string_append_printf(s, "</p></body></html>" CRLF "--=_b%u--" CRLF, id);
	g_string_free(body, TRUE);
	return s;
}

/* A short text and one attachment of random bytes: the message is about size bytes. */
static GString *attach_message(struct sigdb *db, unsigned int id, size_t size)
{
	GString *s = g_string_new(NULL);
	size_t n = no_match(db, size / 4 * 3 - 600);
	unsigned char *data = g_malloc(n);

	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = rng();

		memcpy(data + i, &v, MIN(8, n - i));
	}
	headers(s, id, "multipart/mixed");
	g_string_append_printf(s,
	                       "--=_b%u" CRLF "Content-Type: text/plain; charset=utf-8" CRLF CRLF
	                       "The file is attached." CRLF "--=_b%u" CRLF
	                       "Content-Type: application/octet-stream; name=\"file-%u.bin\"" CRLF
	                       "Content-Disposition: attachment; filename=\"file-%u.bin\"" CRLF
	                       "Content-Transfer-Encoding: base64" CRLF CRLF,
	                       id, id, id, id);
	append_base64(s, data, n);
	g_string_append_printf(s, "--=_b%u--" CRLF, id);
	g_free(data);
	return s;
}

/* MB/s over the messages, cycled for at least a second; *hashed_r: parts with a digest. */
static double run(struct sigdb *db, GPtrArray *msgs, unsigned int want, unsigned int *hashed_r,
                  unsigned int *sweeps_r)
{
	struct msg_scan_options o = {.scan = {.want = want}};
	double t0 = cpu_now(), t;
	uint64_t bytes = 0;
	unsigned int i = 0;

	*hashed_r = *sweeps_r = 0;
	do {
		GString *m = g_ptr_array_index(msgs, i % msgs->len);
		struct msg_report *r = NULL;

		if (msg_scan(db, (unsigned char *)m->str, m->len, &o, &r, NULL) < 0) {
			fprintf(stderr, "msg_scan failed\n");
			exit(1);
		}
		for (guint k = 0; i < msgs->len && k < r->parts->len; k++) {
			const struct msg_part *p = g_ptr_array_index(r->parts, k);

			*hashed_r += p->scan.digests.mask != 0;
			*sweeps_r += (p->flags & MSG_PART_SWEEP) != 0;
		}
		msg_report_free(&r);
		bytes += m->len;
		i++;
		t = cpu_now() - t0;
	} while (t < 1.5 || i < msgs->len);
	return (double)bytes / t / 1e6;
}

static const char *only; /* CASE of the command line */

static void bench(struct sigdb *db, const char *label, size_t size, unsigned int count, bool text)
{
	GPtrArray *msgs;
	unsigned int hashed, sweeps;
	double a, b;

	if (only != NULL && strstr(label, only) == NULL)
		return;
	msgs = g_ptr_array_new();
	for (unsigned int i = 0; i < count; i++)
		g_ptr_array_add(msgs,
		                text ? text_message(db, i, size) : attach_message(db, i, size));
	a = run(db, msgs, 0, &hashed, &sweeps);
	printf("mime %-28s %8.1f MB/s no size match (parts hashed: %u, sweep finds: %u)\n", label,
	       a, hashed, sweeps);
	b = run(db, msgs, DIGEST_BIT(DIGEST_SHA256), &hashed, &sweeps);
	printf("mime %-28s %8.1f MB/s SHA-256 of every part (parts hashed: %u)\n", label, b,
	       hashed);
	for (guint i = 0; i < msgs->len; i++)
		g_string_free(g_ptr_array_index(msgs, i), TRUE);
	g_ptr_array_free(msgs, TRUE);
}

/* GB/s of encoded input through one decoder, repeated for at least half a second. */
static double decoder_rate(int which, const unsigned char *in, size_t len, unsigned char *out)
{
	double t0 = cpu_now(), t;
	uint64_t bytes = 0;

	do {
		unsigned int flags = 0;
		gint state = 0;
		guint save = 0;

		if (which == 2)
			(void)g_base64_decode_step((const char *)in, len, out, &state, &save);
		else if (which == 3)
			memcpy(out, in, len);
		else
			(void)mime_decode_base64(in, len, out, len / 4 * 3, &flags);
		bytes += len;
		t = cpu_now() - t0;
	} while (t < 0.5);
	return (double)bytes / t / 1e9;
}

static void bench_decoder(void)
{
	size_t n = 10 * 1000 * 1000;
	unsigned char *raw = g_malloc(n), *out;
	GString *s = g_string_new(NULL);
	bool vector = mime_decode_simd(-1);
	double rate[4];

	if (only != NULL && strstr("base64 decoder", only) == NULL) {
		g_free(raw);
		g_string_free(s, TRUE);
		return;
	}
	for (size_t i = 0; i < n; i++)
		raw[i] = (unsigned char)rng();
	append_base64(s, raw, n);
	out = g_malloc(s->len + MIME_DECODE_SLACK);
	rate[0] = decoder_rate(0, (unsigned char *)s->str, s->len, out);
	if (memcmp(out, raw, n) != 0) {
		fprintf(stderr, "base64 decoder: wrong bytes\n");
		exit(1);
	}
	mime_decode_simd(0);
	rate[1] = decoder_rate(1, (unsigned char *)s->str, s->len, out);
	mime_decode_simd(1);
	rate[2] = decoder_rate(2, (unsigned char *)s->str, s->len, out);
	rate[3] = decoder_rate(3, (unsigned char *)s->str, s->len, out);
	printf("base64 decoder, %.1f MB in 76-column lines, GB/s of input on one core:\n"
	       "  partscan %s %.2f, scalar %.2f; peer GLib g_base64_decode_step %.2f; "
	       "floor memcpy %.2f\n",
	       s->len / 1e6, vector ? "vector (AVX2)" : "(no vector path on this CPU)", rate[0],
	       rate[1], rate[2], rate[3]);
	g_free(out);
	g_free(raw);
	g_string_free(s, TRUE);
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

	if (access(snap, R_OK) == 0 && sigdb_load(snap_paths, NULL, &db, &error) == 0) {
		printf("signatures: %zu from %s (%.3f s)\n", sigdb_count(db), snap, now() - t0);
	} else {
		if (error != NULL)
			printf("snapshot %s not used: %s\n", snap, error->message);
		g_clear_error(&error);
		g_mkdir_with_parents(dir, 0755);
		if (gen_file(md5, 1000000, 32) < 0 || gen_file(sha, 1000000, 64) < 0 ||
		    sigdb_load(text_paths, NULL, &db, &error) < 0) {
			fprintf(stderr, "signatures: %s\n", error != NULL ? error->message : dir);
			exit(1);
		}
		printf("signatures: %zu from %s, %s (%.3f s)\n", sigdb_count(db), md5, sha,
		       now() - t0);
	}
	g_free(snap);
	g_free(md5);
	g_free(sha);
	return db;
}

int main(int argc, char **argv)
{
	/* the directory must exist: a case name given first would get 170 MB of signatures */
	if ((argc > 1 && argv[1][0] == '-') ||
	    (argc > 1 && !g_file_test(argv[1], G_FILE_TEST_IS_DIR))) {
		fprintf(stderr, "usage: %s [BENCH-DATA-DIRECTORY [CASE]] (an existing directory)\n",
		        argv[0]);
		return 2;
	}
	struct sigdb *db = open_db(argc > 1 ? argv[1] : "build/bench-data");

	only = argc > 2 ? argv[2] : NULL;

	printf("cores: %d (figures are for one core)\n", g_get_num_processors());
	bench(db, "text only, 100 KB", 100 * 1000, 32, true);
	bench(db, "100 KB, 1 attachment", 100 * 1000, 32, false);
	bench(db, "1 MB, 1 attachment", 1000 * 1000, 16, false);
	bench(db, "10 MB, 1 attachment", 10 * 1000 * 1000, 4, false);
	bench_decoder();
	sigdb_unref(&db);
	return 0;
}
