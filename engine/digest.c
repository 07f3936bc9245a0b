/*
 * digest: MD5 / SHA-1 / SHA-256 with OpenSSL EVP, only the set asked for, in one pass.
 *
 * When several digests are wanted the buffer is walked once in 64 KB blocks and each block is
 * fed to every context while it is still in the CPU cache. The EVP_MD objects are fetched once
 * (OpenSSL 3 fetching is not free) and shared read-only by all threads.
 */

#include "engine/digest.h"

#include <glib.h>
#include <openssl/evp.h>
#include <string.h>

#define DIGEST_BLOCK (64 * 1024)

static const char *const digest_names[DIGEST__COUNT] = {"md5", "sha1", "sha256"};
static const size_t digest_lens[DIGEST__COUNT] = {16, 20, 32};

/* The contexts of one digest_compute() (the thread's own, see digest_thread_ctx). */
struct digest_ctx {
	unsigned int mask;
	EVP_MD_CTX *ctx[DIGEST__COUNT];
};

static EVP_MD *digest_md_cache[DIGEST__COUNT];

static gpointer digest_fetch_all(gpointer unused)
{
	static const char *const algos[DIGEST__COUNT] = {"MD5", "SHA1", "SHA256"};

	for (int i = 0; i < DIGEST__COUNT; i++)
		digest_md_cache[i] = EVP_MD_fetch(NULL, algos[i], NULL);
	return NULL;
}

static const EVP_MD *digest_md(enum digest_type type)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, digest_fetch_all, NULL);
	return digest_md_cache[type];
}

size_t digest_len(enum digest_type type)
{
	return digest_lens[type];
}

const char *digest_name(enum digest_type type)
{
	return digest_names[type];
}

int digest_type_from_hexlen(size_t hexlen, enum digest_type *type_r)
{
	for (int i = 0; i < DIGEST__COUNT; i++) {
		if (digest_lens[i] * 2 == hexlen) {
			*type_r = (enum digest_type)i;
			return 0;
		}
	}
	return -1;
}

const unsigned char *digest_get(const struct digest_set *set, enum digest_type type)
{
	switch (type) {
	case DIGEST_MD5:
		return set->md5;
	case DIGEST_SHA1:
		return set->sha1;
	default:
		return set->sha256;
	}
}

static int digest_ctx_update(struct digest_ctx *ctx, const unsigned char *data, size_t size)
{
	while (size > 0) {
		size_t n = size < DIGEST_BLOCK ? size : DIGEST_BLOCK;

		for (int i = 0; i < DIGEST__COUNT; i++) {
			if (ctx->ctx[i] != NULL && EVP_DigestUpdate(ctx->ctx[i], data, n) != 1)
				return -1;
		}
		data += n;
		size -= n;
	}
	return 0;
}

static int digest_ctx_final(struct digest_ctx *ctx, struct digest_set *set_r)
{
	memset(set_r, 0, sizeof(*set_r));
	for (int i = 0; i < DIGEST__COUNT; i++) {
		unsigned char *out = (unsigned char *)digest_get(set_r, (enum digest_type)i);

		if (ctx->ctx[i] == NULL)
			continue;
		if (EVP_DigestFinal_ex(ctx->ctx[i], out, NULL) != 1) {
			set_r->mask = 0;
			return -1;
		}
		set_r->mask |= DIGEST_BIT(i);
	}
	return 0;
}

/*
 * Each thread keeps one EVP_MD_CTX per digest type for digest_compute(): a part costs no
 * context allocation (that was a third of the time of tiny archive members). Freed when the
 * thread ends.
 */
struct digest_tls {
	EVP_MD_CTX *ctx[DIGEST__COUNT];
};

static void digest_tls_free(gpointer p)
{
	struct digest_tls *tls = p;

	for (int i = 0; i < DIGEST__COUNT; i++)
		EVP_MD_CTX_free(tls->ctx[i]);
	g_free(tls);
}

static GPrivate digest_tls_key = G_PRIVATE_INIT(digest_tls_free);

static EVP_MD_CTX *digest_thread_ctx(enum digest_type type)
{
	struct digest_tls *tls = g_private_get(&digest_tls_key);

	if (tls == NULL) {
		tls = g_new0(struct digest_tls, 1);
		g_private_set(&digest_tls_key, tls);
	}
	if (tls->ctx[type] == NULL)
		tls->ctx[type] = EVP_MD_CTX_new();
	return tls->ctx[type];
}

/*
 * Each context of c->mask set up for a new digest: the thread's own (own false) or a new one
 * (own true, freed by the caller, also after a failure).
 */
static int digest_ctx_init(struct digest_ctx *c, bool own)
{
	for (int i = 0; i < DIGEST__COUNT; i++) {
		const EVP_MD *md;

		if (!(c->mask & DIGEST_BIT(i)))
			continue;
		md = digest_md((enum digest_type)i);
		c->ctx[i] = own ? EVP_MD_CTX_new() : digest_thread_ctx((enum digest_type)i);
		if (md == NULL || c->ctx[i] == NULL || EVP_DigestInit_ex(c->ctx[i], md, NULL) != 1)
			return -1;
	}
	return 0;
}

int digest_compute(const unsigned char *data, size_t size, unsigned int mask,
                   struct digest_set *set_r)
{
	struct digest_ctx ctx = {.mask = mask & DIGEST_ALL};
	int ret;

	memset(set_r, 0, sizeof(*set_r));
	ret = digest_ctx_init(&ctx, false);
	if (ret == 0)
		ret = digest_ctx_update(&ctx, data, size);
	if (ret == 0)
		ret = digest_ctx_final(&ctx, set_r);
	if (ret < 0)
		set_r->mask = 0;
	return ret; /* the contexts stay with the thread */
}

struct digest_stream {
	struct digest_ctx c;
	bool failed;
};

struct digest_stream *digest_stream_new(unsigned int mask)
{
	struct digest_stream *s = g_new0(struct digest_stream, 1);

	s->c.mask = mask & DIGEST_ALL;
	if (digest_ctx_init(&s->c, true) < 0) {
		struct digest_set unused;

		s->failed = true;
		(void)digest_stream_end(s, &unused);
		return NULL;
	}
	return s;
}

int digest_stream_update(struct digest_stream *s, const unsigned char *data, size_t size)
{
	if (!s->failed && digest_ctx_update(&s->c, data, size) < 0)
		s->failed = true;
	return s->failed ? -1 : 0;
}

int digest_stream_end(struct digest_stream *s, struct digest_set *set_r)
{
	int ret = s->failed ? -1 : digest_ctx_final(&s->c, set_r);

	if (ret < 0)
		memset(set_r, 0, sizeof(*set_r));
	for (int i = 0; i < DIGEST__COUNT; i++)
		EVP_MD_CTX_free(s->c.ctx[i]);
	g_free(s);
	return ret;
}

char *digest_hex(const unsigned char *bytes, size_t len, char *out)
{
	static const char hexdigits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hexdigits[bytes[i] >> 4];
		out[2 * i + 1] = hexdigits[bytes[i] & 15];
	}
	out[2 * len] = '\0';
	return out;
}

/* -1 for a non-hex character; built once, read by every thread */
static const signed char digest_hexval[256] = {
        ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
        ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
        ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
        ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

int digest_unhex(const char *hex, size_t len, unsigned char *out)
{
	/* the table holds value + 1 so that 0 means "not hex" */
	int bad = 0;

	for (size_t i = 0; i < len; i++) {
		int hi = digest_hexval[(unsigned char)hex[2 * i]];
		int lo = digest_hexval[(unsigned char)hex[2 * i + 1]];

		bad |= (hi == 0) | (lo == 0);
		out[i] = (unsigned char)(((unsigned)hi - 1u) << 4 | ((unsigned)lo - 1u));
	}
	return bad ? -1 : 0;
}
