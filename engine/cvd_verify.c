/*
 * cvd_verify: the signatures of ClamAV containers, checked with OpenSSL.
 *
 * Legacy header signature ("dsig"): a number written little-endian in base 64 with ClamAV's
 * own alphabet (a-z A-Z 0-9 + /); raised to ClamAV's public exponent modulo its published
 * 1024-bit modulus it must give exactly the 16 bytes of the body's MD5 (ClamAV compares only
 * the low 16 bytes; a genuine signature has nothing above them, and we require that).
 * .info signature: the same encoding, with ClamAV's 2048-bit key; the result is a PSS-like
 * block (mask || hash || 0xbc, MGF1 with SHA-256, 32-byte salt) over the SHA-256 of the .info
 * bytes before the "DSIG:" line — what ClamAV's cli_versig2 checks.
 * Detached .sign files: PKCS#7 over the container's whole file, verified by PKCS7_verify
 * against a store made of the *.crt / *.pem files of a directory (no CRLs, as ClamAV).
 * The keys are public constants from ClamAV's source. Reentrant; OpenSSL's error queue is
 * per thread.
 */

#include "engine/cvd.h"

#include "engine/digest.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <string.h>

/* ClamAV's legacy CVD key (libclamav/dsig.c) */
#define CVD_LEGACY_N                                                                               \
	"1186409955516453426030700016584531897515277744120277437465994057432431426074641447673610" \
	"6"                                                                                        \
	"0640655844749760788890022283424922762488917565551002467771109669598189410434699034532232" \
	"2"                                                                                        \
	"2862159108950817859142845622079684162163717556759047666692869877014332813738395282038319" \
	"7"                                                                                        \
	"532047771780196576957695822641224262693037"
#define CVD_LEGACY_E "100001027"

/* ClamAV's .info key (libclamav/readdb.c) */
#define CVD_INFO_N                                                                                 \
	"1108889498304854547365955610662719492392894179179504762059165869741358104332271591217249" \
	"6"                                                                                        \
	"8065253810558809645206184002243333205346602992339837553417406795028668299096799557343913" \
	"9"                                                                                        \
	"2668378361221524205396631090105151641270857277080310734320951653700508941717419168723942" \
	"5"                                                                                        \
	"0789070290470270758745162169105075430785038339986534648720379846417853739221140278648135" \
	"9"                                                                                        \
	"8244611972311028954150937703942166663244845939357624084685168266331921408266679234948220" \
	"4"                                                                                        \
	"5805347809932848454845886971706424360558667862775876072059437703365380209101697738577515" \
	"4"                                                                                        \
	"76935085469455279994113145977994084618328482151013142393373316337519977244732747977"
#define CVD_INFO_E "100002049"

#define CVD_PSS_LEN  256
#define CVD_HASH_LEN 32
#define CVD_SALT_LEN 32
#define CVD_BLK_LEN  (CVD_PSS_LEN - CVD_HASH_LEN - 1)

#define CVD_SIGN_MAX_FILE (1024 * 1024)

/* plain_r (plen bytes, big-endian) = decode(dsig) ^ e mod n; false on any error or overflow */
static bool cvd_rsa_public(const char *dsig, const char *n_dec, const char *e_dec,
                           unsigned char *plain_r, size_t plen)
{
	BIGNUM *c = BN_new(), *n = NULL, *e = NULL, *p = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	size_t len = strlen(dsig);
	bool ok = c != NULL && p != NULL && ctx != NULL && len > 0 && BN_dec2bn(&n, n_dec) != 0 &&
	          BN_dec2bn(&e, e_dec) != 0;

	for (size_t i = len; ok && i > 0; i--) {
		static const char alphabet[] =
		        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
		const char *pos = dsig[i - 1] != '\0' ? strchr(alphabet, dsig[i - 1]) : NULL;

		/* the first character is the least significant 6-bit digit */
		ok = pos != NULL && BN_lshift(c, c, 6) != 0 &&
		     BN_add_word(c, (BN_ULONG)(pos - alphabet)) != 0;
	}
	ok = ok && BN_cmp(c, n) < 0 && BN_mod_exp(p, c, e, n, ctx) != 0 &&
	     BN_num_bytes(p) <= (int)plen && BN_bn2binpad(p, plain_r, (int)plen) == (int)plen;
	BN_free(c);
	BN_free(n);
	BN_free(e);
	BN_free(p);
	BN_CTX_free(ctx);
	return ok;
}

bool cvd_dsig_verify_md5(const char *md5_hex, const char *dsig)
{
	unsigned char want[16], got[16];

	if (strlen(md5_hex) != 32 || digest_unhex(md5_hex, 16, want) < 0)
		return false;
	if (!cvd_rsa_public(dsig, CVD_LEGACY_N, CVD_LEGACY_E, got, sizeof(got)))
		return false;
	return memcmp(want, got, sizeof(got)) == 0;
}

static bool cvd_sha256(const unsigned char *data, size_t len, unsigned char *out)
{
	unsigned int n = 0;

	return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == CVD_HASH_LEN;
}

bool cvd_dsig_verify_sha256(const unsigned char sha256[32], const char *dsig)
{
	unsigned char dec[CVD_PSS_LEN], db[CVD_BLK_LEN + CVD_HASH_LEN], in[CVD_HASH_LEN + 4];
	unsigned char m[8 + 2 * CVD_HASH_LEN], h[CVD_HASH_LEN];
	const unsigned char *hash = dec + CVD_BLK_LEN;
	size_t i;

	if (!cvd_rsa_public(dsig, CVD_INFO_N, CVD_INFO_E, dec, sizeof(dec)) ||
	    dec[CVD_PSS_LEN - 1] != 0xbc)
		return false;
	/* MGF1(hash) with SHA-256 unmasks the data block */
	memcpy(in, hash, CVD_HASH_LEN);
	for (i = 0; i * CVD_HASH_LEN < CVD_BLK_LEN; i++) {
		in[CVD_HASH_LEN] = in[CVD_HASH_LEN + 1] = 0;
		in[CVD_HASH_LEN + 2] = (unsigned char)(i >> 8);
		in[CVD_HASH_LEN + 3] = (unsigned char)i;
		if (!cvd_sha256(in, sizeof(in), db + i * CVD_HASH_LEN))
			return false;
	}
	for (i = 0; i < CVD_BLK_LEN; i++)
		db[i] ^= dec[i];
	db[0] &= 0x7f;
	/* zeros, 0x01, then exactly the salt */
	for (i = 0; i < CVD_BLK_LEN - CVD_SALT_LEN - 1; i++) {
		if (db[i] != 0)
			return false;
	}
	if (db[i] != 0x01)
		return false;
	memset(m, 0, 8);
	memcpy(m + 8, sha256, CVD_HASH_LEN);
	memcpy(m + 8 + CVD_HASH_LEN, db + i + 1, CVD_SALT_LEN);
	return cvd_sha256(m, sizeof(m), h) && CRYPTO_memcmp(h, hash, CVD_HASH_LEN) == 0;
}

int cvd_verify_legacy(const struct cvd_header *hdr, const unsigned char *body, size_t len,
                      GError **error)
{
	struct digest_set d;
	char md5[33];

	if (hdr->md5[0] == '\0' || hdr->dsig[0] == '\0') {
		g_set_error(error, CVD_ERROR, CVD_ERROR_VERIFY,
		            "the header carries no MD5 and digital signature");
		return -1;
	}
	if (digest_compute(body, len, DIGEST_BIT(DIGEST_MD5), &d) < 0) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_VERIFY, "MD5 failed");
		return -1;
	}
	digest_hex(d.md5, 16, md5);
	if (strcmp(md5, hdr->md5) != 0) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_VERIFY,
		            "the body's MD5 %s is not the header's %s (corrupt or tampered)", md5,
		            hdr->md5);
		return -1;
	}
	if (!cvd_dsig_verify_md5(md5, hdr->dsig)) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_VERIFY,
		            "the header's digital signature does not verify with ClamAV's key");
		return -1;
	}
	return 0;
}

/* ---- .info ---- */

static void cvd_info_entry_free(gpointer p)
{
	struct cvd_info_entry *e = p;

	g_free(e->name);
	g_free(e);
}

void cvd_info_clear(struct cvd_info *info)
{
	if (info->entries != NULL)
		g_ptr_array_unref(info->entries);
	memset(info, 0, sizeof(*info));
}

const struct cvd_info_entry *cvd_info_find(const struct cvd_info *info, const char *name)
{
	for (guint i = 0; info->entries != NULL && i < info->entries->len; i++) {
		const struct cvd_info_entry *e = info->entries->pdata[i];
		if (strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

/* "name:size:sha256" */
static bool cvd_info_entry_parse(const char *line, size_t len, struct cvd_info_entry *e)
{
	const char *c1 = memchr(line, ':', len), *c2;
	uint64_t size = 0;

	if (c1 == NULL || c1 == line)
		return false;
	c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line));
	if (c2 == NULL || c2 == c1 + 1 || (size_t)(line + len - (c2 + 1)) != 64 ||
	    digest_unhex(c2 + 1, 32, e->sha256) < 0)
		return false;
	for (const char *p = c1 + 1; p < c2; p++) {
		if (*p < '0' || *p > '9' || size > UINT64_MAX / 10 - 9)
			return false;
		size = size * 10 + (uint64_t)(*p - '0');
	}
	e->size = size;
	e->name = g_strndup(line, (gsize)(c1 - line));
	return true;
}

static int cvd_info_line(struct cvd_info *info, const char *line, size_t len, unsigned int lineno,
                         GError **error)
{
	struct cvd_info_entry e = {0};

	if (lineno == 1) {
		if (cvd_header_parse(line, len, &info->hdr, error) < 0) {
			g_prefix_error(error, "line 1: ");
			return -1;
		}
		return 0;
	}
	if (!cvd_info_entry_parse(line, len, &e)) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_FORMAT,
		            "line %u: expected NAME:SIZE:SHA256 or DSIG:", lineno);
		return -1;
	}
	g_ptr_array_add(info->entries, g_memdup2(&e, sizeof(e)));
	return 0;
}

int cvd_info_parse(const unsigned char *data, size_t len, struct cvd_info *info, GError **error)
{
	const char *text = (const char *)data;
	size_t pos = 0;
	unsigned int lineno = 0;

	memset(info, 0, sizeof(*info));
	info->entries = g_ptr_array_new_with_free_func(cvd_info_entry_free);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - text) : len, l = end - pos;

		lineno++;
		if (l >= 5 && memcmp(text + pos, "DSIG:", 5) == 0 && lineno > 1) {
			unsigned char sha[CVD_HASH_LEN];
			char *sig = g_strndup(text + pos + 5, l - 5);

			g_strstrip(sig);
			info->has_dsig = true;
			info->dsig_ok =
			        cvd_sha256(data, pos, sha) && cvd_dsig_verify_sha256(sha, sig);
			g_free(sig);
			return 0;
		}
		if (l > 0 && text[end - 1] == '\r')
			l--;
		if (cvd_info_line(info, text + pos, l, lineno, error) < 0) {
			cvd_info_clear(info);
			return -1;
		}
		pos = nl != NULL ? end + 1 : len;
	}
	if (lineno == 0) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_FORMAT, "empty");
		cvd_info_clear(info);
		return -1;
	}
	return 0;
}

/* ---- detached .sign files ---- */

/* A store of the CA certificates in dir's *.crt / *.pem files; NULL when there are none. */
static X509_STORE *cvd_ca_store(const char *dir, int64_t at, GError **error)
{
	X509_STORE *store = X509_STORE_new();
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	unsigned int n = 0;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *path;
		BIO *bio;
		X509 *x;

		if (!g_str_has_suffix(name, ".crt") && !g_str_has_suffix(name, ".pem"))
			continue;
		path = g_build_filename(dir, name, NULL);
		bio = BIO_new_file(path, "r");
		while (bio != NULL && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			if (X509_STORE_add_cert(store, x) == 1)
				n++;
			X509_free(x);
		}
		BIO_free(bio);
		g_free(path);
	}
	ERR_clear_error(); /* the end of each PEM file */
	if (d != NULL)
		g_dir_close(d);
	if (n == 0) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_VERIFY, "no CA certificate in %s", dir);
		X509_STORE_free(store);
		return NULL;
	}
	if (at != 0)
		X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), (time_t)at);
	return store;
}

/* OpenSSL's last error, with its data ("Verify error:..."), or a fallback. */
static char *cvd_openssl_reason(void)
{
	const char *data = NULL;
	int flags = 0;
	unsigned long e, last = 0;
	char buf[256], *reason;

	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		last = e;
		if (data != NULL && (flags & ERR_TXT_STRING) && data[0] != '\0')
			break;
		data = NULL;
	}
	if (last == 0)
		return g_strdup("verification failure");
	ERR_error_string_n(last, buf, sizeof(buf));
	reason = g_strdup_printf(
	        "%s%s%s",
	        ERR_reason_error_string(last) != NULL ? ERR_reason_error_string(last) : buf,
	        data != NULL ? ": " : "", data != NULL ? data : "");
	ERR_clear_error();
	return reason;
}

static char *cvd_signer_names(PKCS7 *p7)
{
	STACK_OF(X509) *signers = PKCS7_get0_signers(p7, NULL, PKCS7_BINARY);
	GString *s = g_string_new(NULL);

	for (int i = 0; signers != NULL && i < sk_X509_num(signers); i++) {
		char cn[256];
		X509_NAME *subject = X509_get_subject_name(sk_X509_value(signers, i));

		if (X509_NAME_get_text_by_NID(subject, NID_commonName, cn, sizeof(cn)) < 0)
			g_strlcpy(cn, "(no common name)", sizeof(cn));
		g_string_append_printf(s, "%s%s", s->len > 0 ? ", " : "", cn);
	}
	sk_X509_free(signers);
	ERR_clear_error();
	return g_string_free(s, FALSE);
}

/* Verify one "MIN:MAX:pkcs7-pem:BASE64" line. */
static enum cvd_sign_result cvd_sign_line(const char *line, const unsigned char *file, size_t len,
                                          X509_STORE *store, char **signer_r, GError **error)
{
	char **f = g_strsplit(line, ":", 4);
	enum cvd_sign_result res = CVD_SIGN_ABSENT;
	const unsigned char *p;
	unsigned char *der = NULL;
	gsize der_len = 0;
	PKCS7 *p7 = NULL;
	BIO *data;

	if (g_strv_length(f) != 4 || strcmp(f[2], "pkcs7-pem") != 0) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_VERIFY, "unsupported signature line");
		g_strfreev(f);
		return CVD_SIGN_ABSENT;
	}
	der = g_base64_decode(f[3], &der_len);
	p = der;
	if (der_len > 0 && der_len < LONG_MAX)
		p7 = d2i_PKCS7(NULL, &p, (long)der_len);
	if (p7 == NULL || !PKCS7_type_is_signed(p7)) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_VERIFY, "not a PKCS#7 signature");
	} else {
		data = BIO_new_mem_buf(file, (int)MIN(len, (size_t)INT_MAX));
		if (len <= INT_MAX &&
		    PKCS7_verify(p7, NULL, store, data, NULL,
		                 PKCS7_BINARY | PKCS7_DETACHED | PKCS7_NOCRL) == 1) {
			*signer_r = cvd_signer_names(p7);
			res = CVD_SIGN_OK;
		} else {
			char *why = cvd_openssl_reason();
			g_set_error(error, CVD_ERROR, CVD_ERROR_VERIFY, "%s", why);
			g_free(why);
			res = CVD_SIGN_INVALID;
		}
		BIO_free(data);
	}
	ERR_clear_error();
	PKCS7_free(p7);
	g_free(der);
	g_strfreev(f);
	return res;
}

/* The signature lines of a .sign file, or NULL (error set) when it is unusable. */
static char **cvd_sign_lines(const char *sign_path, GError **error)
{
	char *text = NULL;
	gsize len = 0;
	char **lines;

	if (!g_file_get_contents(sign_path, &text, &len, NULL)) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_VERIFY, "no signature file");
		return NULL;
	}
	if (len > CVD_SIGN_MAX_FILE || !g_str_has_prefix(text, "#clamsign-1.0") ||
	    (text[13] != '\n' && text[13] != '\r' && text[13] != '\0')) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_VERIFY,
		            "not a #clamsign-1.0 signature file");
		g_free(text);
		return NULL;
	}
	lines = g_strsplit(text, "\n", -1);
	g_free(text);
	return lines;
}

enum cvd_sign_result cvd_sign_verify(const char *sign_path, const unsigned char *file, size_t len,
                                     const char *cert_dir, int64_t at, char **signer_r,
                                     GError **error)
{
	char **lines = cvd_sign_lines(sign_path, error);
	enum cvd_sign_result res = CVD_SIGN_ABSENT;
	X509_STORE *store;

	*signer_r = NULL;
	if (lines == NULL)
		return CVD_SIGN_ABSENT;
	store = cvd_ca_store(cert_dir, at, error);
	for (size_t i = 1; store != NULL && lines[i] != NULL; i++) {
		GError *err = NULL;

		g_strstrip(lines[i]);
		if (lines[i][0] == '\0' || lines[i][0] == '#')
			continue;
		res = cvd_sign_line(lines[i], file, len, store, signer_r, &err);
		/* keep the reason of the last line tried */
		g_clear_error(error);
		if (err != NULL)
			g_propagate_error(error, err);
		if (res != CVD_SIGN_ABSENT)
			break;
	}
	if (store != NULL && res == CVD_SIGN_ABSENT && error != NULL && *error == NULL)
		g_set_error(error, CVD_ERROR, CVD_ERROR_VERIFY, "no signature line");
	X509_STORE_free(store);
	g_strfreev(lines);
	return res;
}
