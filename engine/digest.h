#ifndef PARTSCAN_DIGEST_H
#define PARTSCAN_DIGEST_H

/*
 * digest: MD5, SHA-1 and SHA-256 through OpenSSL EVP, computing only the set asked for, in one
 * pass over the bytes (the buffer is walked once in cache-sized blocks, each block fed to every
 * requested hash). Thread safe: the algorithm objects are fetched once and shared read-only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum digest_type { DIGEST_MD5 = 0, DIGEST_SHA1, DIGEST_SHA256, DIGEST__COUNT };

#define DIGEST_BIT(t)  (1u << (t))
#define DIGEST_ALL     (DIGEST_BIT(DIGEST_MD5) | DIGEST_BIT(DIGEST_SHA1) | DIGEST_BIT(DIGEST_SHA256))
#define DIGEST_MAX_LEN 32
#define DIGEST_MAX_HEX (DIGEST_MAX_LEN * 2 + 1)

struct digest_set {
	unsigned int mask; /* DIGEST_BIT()s of the digests below that are valid */
	unsigned char md5[16];
	unsigned char sha1[20];
	unsigned char sha256[32];
};

/* Byte length of a digest type (16, 20, 32). */
size_t digest_len(enum digest_type type);
/* "md5", "sha1", "sha256". */
const char *digest_name(enum digest_type type);
/* The digest type whose hex form has this many characters; -1 when none. */
int digest_type_from_hexlen(size_t hexlen, enum digest_type *type_r);

/* Pointer to the digest of a type inside a set (valid or not: check set->mask). */
const unsigned char *digest_get(const struct digest_set *set, enum digest_type type);

/*
 * Compute the digests in mask over data, in one pass. Returns 0, or -1 when OpenSSL fails
 * (set->mask is then 0).
 */
int digest_compute(const unsigned char *data, size_t size, unsigned int mask,
                   struct digest_set *set_r);

/*
 * The same digests over bytes that come in pieces (a part hashed while it is decoded, each
 * piece while it is still in the cache): digest_stream_new(mask), digest_stream_update() for
 * each piece in order, digest_stream_end() to get them (and free the stream). NULL or -1 when
 * OpenSSL fails (end then gives a set of mask 0). A stream has contexts of its own: it may be
 * open while digest_compute() runs on the same thread.
 */
struct digest_stream;
struct digest_stream *digest_stream_new(unsigned int mask);
int digest_stream_update(struct digest_stream *s, const unsigned char *data, size_t size);
int digest_stream_end(struct digest_stream *s, struct digest_set *set_r);

/* Lower-case hex of len bytes into out (2 * len + 1 bytes). Returns out. */
char *digest_hex(const unsigned char *bytes, size_t len, char *out);
/*
 * Decode 2 * len hex characters (either case) into out. Returns 0, or -1 on a non-hex
 * character.
 */
int digest_unhex(const char *hex, size_t len, unsigned char *out);

#endif
