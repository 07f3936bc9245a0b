/*
 * pdf_crypt: the standard security handler of PDF, with the empty user password only.
 *
 * Many PDFs are encrypted with an owner password alone ("no printing, no copying"): every
 * reader opens them without asking, so their embedded files are what the recipient sees.
 * This opens them as a reader does: revisions 2 to 4 (RC4 40 to 128 bits, AES-128: the key
 * from MD5 of the padded empty password, /O, /P and the first /ID, checked against /U),
 * revision 5 and 6 (AES-256: the key unwrapped from /UE with the hash of the empty password,
 * checked against /U), crypt filters /V2, /AESV2, /AESV3 and /Identity for streams and
 * strings. A document that needs a user password, or another handler, is not opened:
 * pdf_crypt_new() says why and its embedded files stay "encrypted" (unscannable).
 *
 * Digests and AES are OpenSSL's EVP (libcrypto); RC4, which OpenSSL 3 keeps in its legacy
 * provider, is the twelve lines below. Limits: a stream or string is decrypted into one
 * buffer of at most its own size. Thread safety: no state.
 */

#include "mime/pdf_private.h"

#include <openssl/evp.h>
#include <string.h>

enum pdf_cfm { PDF_CFM_NONE, PDF_CFM_RC4, PDF_CFM_AES128, PDF_CFM_AES256 };

struct pdf_crypt {
	unsigned char key[32];
	size_t keylen;
	enum pdf_cfm stm, str;
};

static const unsigned char pad32[32] = {0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41,
                                        0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01, 0x08,
                                        0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80,
                                        0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a};

static void rc4(const unsigned char *key, size_t klen, const unsigned char *in, size_t n,
                unsigned char *out)
{
	unsigned char s[256], t;
	unsigned int i, j = 0;

	for (i = 0; i < 256; i++)
		s[i] = (unsigned char)i;
	for (i = 0; i < 256; i++) {
		j = (j + s[i] + key[i % klen]) & 255;
		t = s[i], s[i] = s[j], s[j] = t;
	}
	i = j = 0;
	for (size_t k = 0; k < n; k++) {
		i = (i + 1) & 255;
		j = (j + s[i]) & 255;
		t = s[i], s[i] = s[j], s[j] = t;
		out[k] = in[k] ^ s[(s[i] + s[j]) & 255];
	}
}

/* One digest over up to three pieces; false on a failure of libcrypto. */
static bool digest(const EVP_MD *md, const void *a, size_t an, const void *b, size_t bn,
                   const void *c, size_t cn, unsigned char *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	          EVP_DigestUpdate(ctx, a, an) == 1 && EVP_DigestUpdate(ctx, b, bn) == 1 &&
	          EVP_DigestUpdate(ctx, c, cn) == 1 && EVP_DigestFinal_ex(ctx, out, NULL) == 1;

	EVP_MD_CTX_free(ctx);
	return ok;
}

/* AES-CBC over n bytes (a multiple of 16 when pad is false); the bytes written, or -1. */
static long aes_cbc(bool enc, const unsigned char *key, size_t klen, const unsigned char *iv,
                    const unsigned char *in, size_t n, bool pad, unsigned char *out)
{
	const EVP_CIPHER *cipher = klen == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc();
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, fin = 0;
	bool ok;

	if (ctx == NULL || n > INT32_MAX)
		return -1;
	ok = EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, enc ? 1 : 0) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, pad ? 1 : 0) == 1 &&
	     EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1 &&
	     EVP_CipherFinal_ex(ctx, out + len, &fin) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? (long)len + fin : -1;
}

/* Revision 6's hash of the (empty) password with a salt (ISO 32000-2, algorithm 2.B). */
static bool hash_r6(const unsigned char *salt, unsigned char out[32])
{
	unsigned char k[64], *k1 = g_malloc(64 * (64 + 48)), *e = g_malloc(64 * (64 + 48));
	size_t klen = 32;
	bool ok = digest(EVP_sha256(), salt, 8, "", 0, "", 0, k);

	for (unsigned int round = 0; ok; round++) {
		size_t n = 0, elen;
		unsigned int sum = 0;
		long got;

		for (int i = 0; i < 64; i++) { /* (password "" + K + user data "") x 64 */
			memcpy(k1 + n, k, klen);
			n += klen;
		}
		got = aes_cbc(true, k, 16, k + 16, k1, n, false, e);
		if (got != (long)n) {
			ok = false;
			break;
		}
		elen = n;
		for (int i = 0; i < 16; i++)
			sum += e[i];
		klen = sum % 3 == 0 ? 32 : sum % 3 == 1 ? 48 : 64;
		ok = digest(klen == 32   ? EVP_sha256()
		            : klen == 48 ? EVP_sha384()
		                         : EVP_sha512(),
		            e, elen, "", 0, "", 0, k);
		/* after 64 rounds (0 to 63), stop once E's last byte is at most the number of
		   rounds done less 32: round + 1 - 32 (qpdf, pdf.js and Acrobat agree) */
		if (round >= 63 && e[elen - 1] <= round - 31)
			break;
	}
	memcpy(out, k, 32);
	g_free(k1);
	g_free(e);
	return ok;
}

static const struct pdf_val *str_of(const struct pdf_val *v, size_t min)
{
	return v != NULL && v->kind == PDF_STR && v->s->len >= min ? v : NULL;
}

/* The method of crypt filter name in /CF (V 4 and 5); /Identity and absent: none. */
static enum pdf_cfm cfm_of(const struct pdf_val *enc, const struct pdf_val *name)
{
	const struct pdf_val *cf, *cfm;
	char *key;

	if (name == NULL || name->kind != PDF_NAME || pdf_name_is(name, "Identity"))
		return PDF_CFM_NONE;
	key = g_strndup((const char *)name->s->data, name->s->len);
	cf = pdf_dict_get(pdf_dict_get(enc, "CF"), key);
	g_free(key);
	cfm = pdf_dict_get(cf, "CFM");
	if (pdf_name_is(cfm, "V2"))
		return PDF_CFM_RC4;
	if (pdf_name_is(cfm, "AESV2"))
		return PDF_CFM_AES128;
	if (pdf_name_is(cfm, "AESV3"))
		return PDF_CFM_AES256;
	return PDF_CFM_NONE;
}

/* Revisions 2 to 4: the file key of the empty user password, checked against /U. */
static bool key_r4(struct pdf_crypt *c, const struct pdf_val *enc, const struct pdf_val *id0,
                   long long r, long long p, long long bits)
{
	const struct pdf_val *o = str_of(pdf_dict_get(enc, "O"), 32),
	                     *u = str_of(pdf_dict_get(enc, "U"), 32),
	                     *em = pdf_dict_get(enc, "EncryptMetadata");
	unsigned char h[16], pb[4] = {(unsigned char)p, (unsigned char)(p >> 8),
	                              (unsigned char)(p >> 16), (unsigned char)(p >> 24)};
	unsigned char x[32];
	EVP_MD_CTX *ctx;
	bool ok;

	if (o == NULL || u == NULL)
		return false;
	c->keylen = r == 2 ? 5 : (size_t)MIN(MAX(bits, 40), 128) / 8;
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, pad32, 32) == 1 && EVP_DigestUpdate(ctx, o->s->data, 32) == 1 &&
	     EVP_DigestUpdate(ctx, pb, 4) == 1 &&
	     EVP_DigestUpdate(ctx, id0 != NULL ? id0->s->data : (const guint8 *)"",
	                      id0 != NULL ? id0->s->len : 0) == 1 &&
	     (r < 4 || em == NULL || em->kind != PDF_BOOL || em->num != 0 ||
	      EVP_DigestUpdate(ctx, "\xff\xff\xff\xff", 4) == 1) &&
	     EVP_DigestFinal_ex(ctx, h, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	for (int i = 0; ok && r >= 3 && i < 50; i++)
		ok = digest(EVP_md5(), h, c->keylen, "", 0, "", 0, h);
	if (!ok)
		return false;
	memcpy(c->key, h, c->keylen);
	if (r == 2) {
		rc4(c->key, c->keylen, pad32, 32, x);
		return memcmp(x, u->s->data, 32) == 0;
	}
	if (!digest(EVP_md5(), pad32, 32, id0 != NULL ? id0->s->data : (const guint8 *)"",
	            id0 != NULL ? id0->s->len : 0, "", 0, x))
		return false;
	for (unsigned int i = 0; i < 20; i++) {
		unsigned char k[16];

		for (size_t j = 0; j < c->keylen; j++)
			k[j] = c->key[j] ^ (unsigned char)i;
		rc4(k, c->keylen, x, 16, x);
	}
	return memcmp(x, u->s->data, 16) == 0;
}

/* Revisions 5 and 6: the file key unwrapped from /UE with the empty password's hash. */
static bool key_r6(struct pdf_crypt *c, const struct pdf_val *enc, long long r)
{
	const struct pdf_val *u = str_of(pdf_dict_get(enc, "U"), 48),
	                     *ue = str_of(pdf_dict_get(enc, "UE"), 32);
	unsigned char h[64], iv[16] = {0};

	if (u == NULL || ue == NULL)
		return false;
	if (!(r == 5 ? digest(EVP_sha256(), u->s->data + 32, 8, "", 0, "", 0, h)
	             : hash_r6(u->s->data + 32, h)) ||
	    memcmp(h, u->s->data, 32) != 0)
		return false; /* the user password is not empty */
	if (!(r == 5 ? digest(EVP_sha256(), u->s->data + 40, 8, "", 0, "", 0, h)
	             : hash_r6(u->s->data + 40, h)))
		return false;
	c->keylen = 32;
	return aes_cbc(false, h, 32, iv, ue->s->data, 32, false, c->key) == 32;
}

/* A number of the dictionary as an integer (a value out of range, or none: def). */
static long long int_of(const struct pdf_val *dict, const char *key, long long def)
{
	const struct pdf_val *v = pdf_dict_get(dict, key);

	if (v == NULL || v->kind != PDF_NUM || !(v->num >= -4294967296.0 && v->num <= 4294967296.0))
		return def;
	return (long long)v->num;
}

struct pdf_crypt *pdf_crypt_new(const struct pdf_val *enc, const struct pdf_val *id,
                                const char **why_r)
{
	struct pdf_crypt c = {0};
	const struct pdf_val *id0 = id != NULL && id->kind == PDF_ARRAY && id->items->len > 0
	                                    ? str_of(g_ptr_array_index(id->items, 0), 0)
	                                    : NULL;
	long long v, r, bits;
	bool ok;

	if (enc == NULL || enc->kind != PDF_DICT ||
	    !pdf_name_is(pdf_dict_get(enc, "Filter"), "Standard")) {
		*why_r = "not the standard security handler";
		return NULL;
	}
	v = int_of(enc, "V", 0);
	r = int_of(enc, "R", 0);
	bits = int_of(enc, "Length", 40);
	if (v == 4 || v == 5) {
		c.stm = cfm_of(enc, pdf_dict_get(enc, "StmF"));
		c.str = cfm_of(enc, pdf_dict_get(enc, "StrF"));
	} else if (v == 1 || v == 2) {
		c.stm = c.str = PDF_CFM_RC4;
	} else {
		*why_r = "unknown encryption (V)";
		return NULL;
	}
	if (r >= 2 && r <= 4)
		ok = key_r4(&c, enc, id0, r, int_of(enc, "P", 0), v == 4 ? 128 : bits);
	else if (r == 5 || r == 6)
		ok = key_r6(&c, enc, r);
	else {
		*why_r = "unknown revision of the standard security handler";
		return NULL;
	}
	if (!ok) {
		*why_r = "a user password is needed";
		return NULL;
	}
	return g_memdup2(&c, sizeof(c));
}

void pdf_crypt_free(struct pdf_crypt **c)
{
	if (c == NULL || *c == NULL)
		return;
	memset(*c, 0, sizeof(**c));
	g_free(*c);
	*c = NULL;
}

GBytes *pdf_crypt_decrypt(const struct pdf_crypt *c, bool string, unsigned int num,
                          unsigned int gen, const unsigned char *d, size_t n)
{
	enum pdf_cfm m = string ? c->str : c->stm;
	unsigned char okey[32], h[16], *out;
	size_t klen = c->keylen;
	long got;

	if (m == PDF_CFM_NONE)
		return g_bytes_new(d, n);
	if (m == PDF_CFM_AES256) {
		memcpy(okey, c->key, 32);
	} else {
		unsigned char ng[5] = {(unsigned char)num, (unsigned char)(num >> 8),
		                       (unsigned char)(num >> 16), (unsigned char)gen,
		                       (unsigned char)(gen >> 8)};

		if (!digest(EVP_md5(), c->key, c->keylen, ng, 5, m == PDF_CFM_AES128 ? "sAlT" : "",
		            m == PDF_CFM_AES128 ? 4 : 0, h))
			return NULL;
		klen = MIN(c->keylen + 5, 16);
		memcpy(okey, h, klen);
	}
	if (m == PDF_CFM_RC4) {
		out = g_malloc(n > 0 ? n : 1);
		rc4(okey, klen, d, n, out);
		return g_bytes_new_take(out, n);
	}
	/* AES: the first 16 bytes are the IV, the rest is padded to 16 */
	if (n < 16 || (n - 16) % 16 != 0)
		return NULL;
	out = g_malloc(n);
	got = aes_cbc(false, okey, m == PDF_CFM_AES256 ? 32 : 16, d, d + 16, n - 16, true, out);
	if (got < 0) {
		g_free(out);
		return NULL;
	}
	return g_bytes_new_take(out, (size_t)got);
}
