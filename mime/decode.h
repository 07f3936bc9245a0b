#ifndef PARTSCAN_MIME_DECODE_H
#define PARTSCAN_MIME_DECODE_H

/*
 * decode: MIME transfer decodings into caller-sized buffers (internal to mime/).
 *
 * Every decoder writes at most cap bytes, never reads past len, and reports what it met:
 * characters outside the encoding (skipped, as mail clients do), a truncated end, or output
 * cut at cap. Pure functions of their input: thread safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mime_enc {
	MIME_ENC_RAW = 0, /* 7bit, 8bit, binary, unknown: the bytes as they are */
	MIME_ENC_BASE64,
	MIME_ENC_QP,
	MIME_ENC_UU, /* a "begin NNN name" ... "end" block */
};

#define MIME_DECODE_BAD  (1u << 0) /* characters outside the encoding, or a malformed end */
#define MIME_DECODE_FULL (1u << 1) /* output stopped at cap: more input was left */

/* Slack the base64 decoder needs after cap in the output buffer (it stores 4 bytes at once). */
#define MIME_DECODE_SLACK 4

/* Upper bound of the decoded size of len encoded bytes (without the slack). */
size_t mime_decode_bound(enum mime_enc enc, size_t len);

/*
 * Base64 (RFC 2045): whitespace and line ends are skipped; other characters outside the
 * alphabet are skipped and flagged; '=' ends a group, and data after it is decoded as a new
 * run (concatenated base64) and flagged. out must hold cap + MIME_DECODE_SLACK bytes.
 * Returns the bytes written; *flags_r gets MIME_DECODE_* bits.
 */
size_t mime_decode_base64(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                          unsigned int *flags_r);

/*
 * Quoted-printable (RFC 2045): "=XX" (either case) is a byte, "=" before a line end is a soft
 * break; a "=" followed by anything else is kept as is and flagged.
 */
size_t mime_decode_qp(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                      unsigned int *flags_r);

/*
 * The lines of a uuencoded block (after its "begin" line): each line's first character gives
 * its byte count; decoding stops at an "end" line or at the end of the input.
 */
size_t mime_decode_uu(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                      unsigned int *flags_r);

/*
 * Decode with enc (MIME_ENC_UU: the whole block, begin line included) into out. For
 * MIME_ENC_RAW the bytes are copied.
 */
size_t mime_decode(enum mime_enc enc, const unsigned char *in, size_t len, unsigned char *out,
                   size_t cap, unsigned int *flags_r);

/* 0..63 for the characters of the base64 alphabet, 0xff for every other byte. */
extern const uint8_t mime_decode_b64_rank[256];

/* true when the character is in the base64 alphabet (not '='). */
static inline bool mime_decode_is_base64(unsigned char c)
{
	return mime_decode_b64_rank[c] < 64;
}

#endif
