/*
 * bench_ole2: the cost of reading Outlook .msg files (printed, never asserted).
 *
 * A 10 MB .msg with ten 1 MB attachments (half random bytes, half text), written here with
 * libgsf's compound file writer, each run's file different (no cache helps):
 *   the reader alone (mime_ole2_read: libgsf, the checks before it, the copies out), MB/s;
 *   the whole pipeline on a message carrying the .msg as a base64 attachment (msg_scan:
 *     decode, type, SHA-256 of every part, the .msg's attachments as parts), MB/s of
 *     message, on one core (CPU time of the scanning thread), with the 2M-signature database
 *     of bench_engine (the compiled snapshot when there is one, else the text files).
 *
 * Usage: bench_ole2 [DIR]   (DIR holds the signature files; default build/bench-data)
 */

#include "mime/msgscan.h"
#include "mime/ole2.h"
#include "tests/bench/benchlib.c"

#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-utils.h>
#include <stdlib.h>
#include <string.h>

static void put(GsfOutfile *dir, const char *name, const void *data, size_t n)
{
	GsfOutput *o = gsf_outfile_new_child(dir, name, FALSE);

	gsf_output_write(o, n, data);
	gsf_output_close(o);
	g_object_unref(o);
}

/* A UTF-16LE string property. */
static void put_string(GsfOutfile *dir, const char *name, const char *s)
{
	glong n = 0;
	gunichar2 *u = g_utf8_to_utf16(s, -1, NULL, &n, NULL);

	put(dir, name, u, (size_t)n * 2);
	g_free(u);
}

static GBytes *make_msg(unsigned int id, unsigned int atts, size_t size)
{
	GsfOutput *mem = gsf_output_memory_new();
	GsfOutfile *root = gsf_outfile_msole_new(mem);
	unsigned char *buf = g_malloc(size), zero[32] = {0};
	GBytes *out;

	put(root, "__properties_version1.0", zero, 32);
	put_string(root, "__substg1.0_0037001F", "bench");
	put_string(root, "__substg1.0_1000001F", "The files, as promised.\r\n");
	for (unsigned int i = 0; i < atts; i++) {
		char name[64];
		GsfOutput *a;

		g_snprintf(name, sizeof(name), "__attach_version1.0_#%08X", i);
		a = gsf_outfile_new_child(root, name, TRUE);
		for (size_t k = 0; k < size / 2; k++)
			buf[k] = (unsigned char)rng();
		for (size_t k = size / 2; k < size; k++)
			buf[k] = (unsigned char)("the quarterly figures attached "[k % 31]);
		memcpy(buf, &id, sizeof(id));
		put(GSF_OUTFILE(a), "__properties_version1.0", zero, 8);
		g_snprintf(name, sizeof(name), "file-%u-%u.bin", id, i);
		put_string(GSF_OUTFILE(a), "__substg1.0_3707001F", name);
		put(GSF_OUTFILE(a), "__substg1.0_37010102", buf, size);
		gsf_output_close(a);
		g_object_unref(a);
	}
	gsf_output_close(GSF_OUTPUT(root));
	g_object_unref(root);
	out = g_bytes_new(gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem)),
	                  (gsize)gsf_output_size(mem));
	g_object_unref(mem);
	g_free(buf);
	return out;
}

static GString *message(unsigned int id, GBytes *msg)
{
	GString *s = g_string_new(NULL);
	char *b = g_base64_encode(g_bytes_get_data(msg, NULL), g_bytes_get_size(msg));
	size_t n = strlen(b);

	g_string_append_printf(s,
	                       "From: Bench <bench@example.org>\r\nTo: you@example.net\r\n"
	                       "Subject: msg %u\r\nMIME-Version: 1.0\r\n"
	                       "Content-Type: multipart/mixed; boundary=\"b%u\"\r\n\r\n"
	                       "--b%u\r\nContent-Type: text/plain\r\n\r\nForwarded.\r\n"
	                       "--b%u\r\nContent-Type: application/vnd.ms-outlook; "
	                       "name=\"fwd-%u.msg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
	                       id, id, id, id, id);
	for (size_t i = 0; i < n; i += 76) {
		g_string_append_len(s, b + i, (gssize)MIN(76, n - i));
		g_string_append(s, "\r\n");
	}
	g_string_append_printf(s, "--b%u--\r\n", id);
	g_free(b);
	return s;
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
	struct msg_scan_options o = {.scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
	GBytes *msgs[2];
	GString *mails[2];
	struct sigdb *db;
	double t0, t;
	unsigned int i = 0;
	guint parts = 0;

	if (argc > 1 && argv[1][0] == '-') {
		fprintf(stderr, "usage: %s [BENCH-DATA-DIRECTORY]\n", argv[0]);
		return 2;
	}
	gsf_init();
	db = open_db(argc > 1 ? argv[1] : "build/bench-data");
	for (unsigned int k = 0; k < 2; k++) {
		msgs[k] = make_msg(k, 10, 1024 * 1024);
		mails[k] = message(k, msgs[k]);
	}
	t0 = cpu_now();
	do {
		struct mime_ole2 *ole = NULL;
		gsize n;
		const unsigned char *d = g_bytes_get_data(msgs[i % 2], &n);

		if (mime_ole2_read(d, n, NULL, &ole, NULL) < 0 || ole->members->len != 11) {
			fprintf(stderr, "mime_ole2_read failed\n");
			return 1;
		}
		mime_ole2_free(&ole);
		i++;
		t = cpu_now() - t0;
	} while (t < 1.5);
	printf("ole2 %-40s %7.1f MB/s, %6.2f ms/file (%.2f MB)\n",
	       "reader: 10 MB .msg, 10 attachments",
	       (double)g_bytes_get_size(msgs[0]) * i / t / 1e6, t / i * 1e3,
	       (double)g_bytes_get_size(msgs[0]) / 1e6);
	i = 0;
	t0 = cpu_now();
	do {
		struct msg_report *r = NULL;

		if (msg_scan(db, (unsigned char *)mails[i % 2]->str, mails[i % 2]->len, &o, &r,
		             NULL) < 0) {
			fprintf(stderr, "msg_scan failed\n");
			return 1;
		}
		parts = r->parts->len;
		msg_report_free(&r);
		i++;
		t = cpu_now() - t0;
	} while (t < 1.5);
	printf("ole2 %-40s %7.1f MB/s of message, %6.2f ms/msg (%u parts)\n",
	       "msg_scan: mail with the 10 MB .msg", (double)mails[0]->len * i / t / 1e6,
	       t / i * 1e3, parts);
	for (unsigned int k = 0; k < 2; k++) {
		g_bytes_unref(msgs[k]);
		g_string_free(mails[k], TRUE);
	}
	sigdb_unref(&db);
	return 0;
}
