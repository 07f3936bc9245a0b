/*
 * mailcorpus: the messages of bench_milter, built in memory: text only, or a short text and
 * ONE base64 attachment of random bytes. Every message is different (its serial number in the
 * headers, and the attachment's first 57 bytes) while the rest of the attachment's base64 is
 * shared by all the messages of a kind, so building one costs a few hundred bytes. Headers are
 * realistic (Received, DKIM-Signature folded as an MTA hands them over), lines end in CRLF.
 * Sizes are chosen so that no signature of the database has the size of a part.
 *
 * Included by bench_milter.c after benchlib.c and milterclient.c. bmsg_build is thread safe
 * (an atomic serial); kind_init is not (benchlib's generator).
 */

#include "engine/sigdb.h"

#include <inttypes.h>
#include <stdatomic.h>

#define CRLF "\r\n"

struct kind {
	const char *name, *label;
	size_t size; /* nominal message size */
	bool text;
	unsigned char *data; /* attachment bytes, or the prose of a text message */
	size_t n;
	char *b64; /* base64 lines of data[57..n] (every message's first line is its own) */
	size_t b64_len;
};

/* One message of a kind, built on the sending thread. */
struct bmsg {
	char qid[16], received[200], subject[48], msgid[48], ctype[64], head[1024];
	const char *headers[10][2];
	struct iovec body[3];
	struct mc_message m;
	size_t size;
};

static const char bench_dkim[] =
        "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=bench;\n"
        "\th=from:to:subject:date:message-id:mime-version:content-type;\n"
        "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n"
        "\tb=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSwganVzdCBieXRlcyBvZiB0aGUgcmlnaHQgbGVu\n"
        "\t Z3RoIGZvciBhIGJlbmNobWFyayBvZiBhIG1pbHRlciwgbm90aGluZyBtb3JlIHRvIHNlZSBoZXJl";

static atomic_uint_fast64_t bench_serial;
static uint64_t bench_seed;

/* Bytes of a header as the milter buffers it: "Name: value" CRLF, folds as CRLF. */
static size_t header_size(const char *name, const char *value)
{
	size_t n = strlen(name) + 2 + strlen(value) + 2;

	for (const char *p = value; *p != '\0'; p++)
		n += *p == '\n';
	return n;
}

static void bmsg_build(struct bmsg *b, const struct kind *k)
{
	uint64_t id = atomic_fetch_add(&bench_serial, 1);
	size_t nh = 0, hlen;

	snprintf(b->qid, sizeof(b->qid), "B%010" PRIu64, id);
	snprintf(b->received, sizeof(b->received),
	         "from client.example.org (client.example.org [192.0.2.10])\n\tby mail.example.net "
	         "(Postfix) with ESMTPS id %s\n\tfor <rcpt@example.net>; Mon, 1 Jan 2024 10:00:00 "
	         "+0000 (UTC)",
	         b->qid);
	snprintf(b->subject, sizeof(b->subject), "bench message %" PRIu64, id);
	snprintf(b->msgid, sizeof(b->msgid), "<bench-%" PRIu64 "@example.org>", id);
	if (k->text)
		snprintf(b->ctype, sizeof(b->ctype), "text/plain; charset=utf-8");
	else
		snprintf(b->ctype, sizeof(b->ctype), "multipart/mixed; boundary=\"=_b%" PRIu64 "\"",
		         id);
#define H(n, v) (b->headers[nh][0] = (n), b->headers[nh][1] = (v), nh++)
	H("Received", b->received);
	H("DKIM-Signature", bench_dkim);
	H("From", "Bench Sender <sender@example.org>");
	H("To", "Recipient <rcpt@example.net>");
	H("Subject", b->subject);
	H("Date", "Mon, 1 Jan 2024 10:00:00 +0000");
	H("Message-ID", b->msgid);
	H("MIME-Version", "1.0");
	H("Content-Type", b->ctype);
#undef H
	if (k->text) {
		/* a line of its own, fixed width: the part's size is the kind's */
		hlen = (size_t)snprintf(b->head, sizeof(b->head), "Message %020" PRIu64 "." CRLF,
		                        id ^ bench_seed);
		b->body[1] = (struct iovec){.iov_base = k->data, .iov_len = k->n};
		b->body[2] = (struct iovec){.iov_base = CRLF, .iov_len = 2};
	} else {
		unsigned char first[57];
		uint64_t u[2] = {id, bench_seed};
		gchar *line;

		memcpy(first, u, sizeof(u));
		memcpy(first + sizeof(u), k->data + sizeof(u), sizeof(first) - sizeof(u));
		line = g_base64_encode(first, sizeof(first));
		hlen = (size_t)snprintf(
		        b->head, sizeof(b->head),
		        "This is a multi-part message in MIME format." CRLF CRLF
		        "--=_b%" PRIu64 CRLF "Content-Type: text/plain; charset=utf-8" CRLF CRLF
		        "Hello," CRLF CRLF "the file you asked for is attached." CRLF CRLF
		        "Regards," CRLF "Bench" CRLF CRLF "--=_b%" PRIu64 CRLF
		        "Content-Type: application/octet-stream; name=\"file-%" PRIu64 ".bin\"" CRLF
		        "Content-Disposition: attachment; filename=\"file-%" PRIu64 ".bin\"" CRLF
		        "Content-Transfer-Encoding: base64" CRLF CRLF "%s" CRLF,
		        id, id, id, id, line);
		g_free(line);
		b->body[1] = (struct iovec){.iov_base = k->b64, .iov_len = k->b64_len};
		b->body[2].iov_base = b->head + hlen + 1;
		b->body[2].iov_len =
		        (size_t)snprintf(b->head + hlen + 1, sizeof(b->head) - hlen - 1,
		                         "--=_b%" PRIu64 "--" CRLF, id);
	}
	b->body[0] = (struct iovec){.iov_base = b->head, .iov_len = hlen};
	b->size = 2 + b->body[0].iov_len + b->body[1].iov_len + b->body[2].iov_len;
	for (size_t i = 0; i < nh; i++)
		b->size += header_size(b->headers[i][0], b->headers[i][1]);
	b->m = (struct mc_message){
	        .queue_id = b->qid,
	        .sender = "<sender@example.org>",
	        .rcpt = "<rcpt@example.net>",
	        .headers = (const char *const(*)[2])b->headers,
	        .nheaders = nh,
	        .body = b->body,
	        .nbody = 3,
	};
}

/* The first size from size on that no signature has. */
static size_t no_match(struct sigdb *db, size_t size)
{
	while (db != NULL && sigdb_digests_for_size(db, size) != 0)
		size++;
	return size;
}

static void kind_init(struct kind *k, struct sigdb *db)
{
	static const char *const words[] = {"the",      "meeting", "budget",   "report", "figures",
	                                    "please",   "review",  "attached", "thanks", "regards",
	                                    "schedule", "project", "update",   "invoice"};

	if (k->text) {
		GString *s = g_string_new(NULL);
		/* the part: its own first line (31 bytes), the prose, CRLF */
		size_t want = no_match(db, k->size + 33) - 33, line = 0;

		while (s->len < want) {
			const char *w = words[rng() % G_N_ELEMENTS(words)];

			g_string_append(s, w);
			line += strlen(w) + 1;
			g_string_append(s, line > 70 ? CRLF : " ");
			line = line > 70 ? 0 : line;
		}
		g_string_truncate(s, want);
		k->n = s->len;
		k->data = (unsigned char *)g_string_free(s, FALSE);
		return;
	}
	/* base64 lines of 76 characters + CRLF carry 57 bytes; ~1.5 KB of headers and text */
	k->n = no_match(db, (k->size - 1500) / 78 * 57);
	k->data = g_malloc(k->n);
	for (size_t i = 0; i < k->n; i++)
		k->data[i] = (unsigned char)(rng() >> 56);
	{
		gchar *enc = g_base64_encode(k->data + 57, k->n - 57);
		size_t len = strlen(enc);
		GString *s = g_string_sized_new(len / 76 * 78 + 80);

		for (size_t i = 0; i < len; i += 76) {
			g_string_append_len(s, enc + i, (gssize)MIN(76, len - i));
			g_string_append(s, CRLF);
		}
		g_free(enc);
		k->b64_len = s->len;
		k->b64 = g_string_free(s, FALSE);
	}
}
