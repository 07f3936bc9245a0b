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
	MIME_ENC_UU,          /* a "begin NNN name" ... "end" block */
	MIME_ENC_BASE64_STOP, /* base64 read up to its first padding, as Python's email does */
	MIME_ENC_YENC,        /* a "=ybegin" ... "=yend" block (yenc.c) */
	MIME_ENC_BINHEX,      /* BinHex 4.0: its data fork (binhex.c) */
	MIME_ENC_BINHEX_RSRC, /* BinHex 4.0: its resource fork */
	MIME_ENC_QP_KEEP,     /* quoted-printable as GMime and Python read it ("=" + blanks kept) */
	MIME_ENC_QP_RFC,      /* quoted-printable, trailing white space of lines deleted */
	MIME_ENC_QP_STRICT,   /* the same, and only upper-case "=XX" decoded */
};

#define MIME_DECODE_BAD  (1u << 0) /* characters outside the encoding, or a malformed end */
#define MIME_DECODE_FULL (1u << 1) /* output stopped at cap: more input was left */
#define MIME_DECODE_PAD  (1u << 2) /* base64: data after a padding '=' (readers disagree) */
/* quoted-printable: a "=" before blanks and a line end (a soft break here; others keep it) */
#define MIME_DECODE_QP_EQ_BLANK (1u << 3)
/* quoted-printable: a "=xx" with a lower-case hex digit (decoded here; strict readers keep it) */
#define MIME_DECODE_QP_LOWER (1u << 4)

/* Slack the base64 decoder needs after cap in the output buffer (it stores 4 bytes at once). */
#define MIME_DECODE_SLACK 4

/*
 * Upper bound of the decoded size of the len encoded bytes at in (without the slack). BinHex
 * (run-length coded) is bounded by the fork sizes its header declares, when it has one.
 */
size_t mime_decode_bound(enum mime_enc enc, const unsigned char *in, size_t len);

/* The name of an encoding, for notes ("base64", "yEnc", ...). */
const char *mime_decode_name(enum mime_enc enc);

/*
 * Base64 (RFC 2045): whitespace and line ends are skipped; other characters outside the
 * alphabet are skipped and flagged; '=' ends a group, and data after it is decoded as a new
 * run (concatenated base64, as Thunderbird and GMime do) and flagged (BAD and PAD).
 * out must hold cap + MIME_DECODE_SLACK bytes. Returns the bytes written; *flags_r gets
 * MIME_DECODE_* bits.
 */
size_t mime_decode_base64(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                          unsigned int *flags_r);

/*
 * The same, handing each stretch of the output on to each(arg, bytes, n) as soon as it is
 * final, in order, about every MIME_DECODE_EACH bytes of input and at the end (all n bytes
 * returned, once): the caller hashes a big part while its bytes are still in the cache.
 */
#define MIME_DECODE_EACH (192 * 1024)
typedef void mime_decode_each_fn(void *arg, const unsigned char *bytes, size_t n);
size_t mime_decode_base64_each(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                               unsigned int *flags_r, mime_decode_each_fn *each, void *arg);

/*
 * Base64 the way Python's binascii (and so its email package) reads it: characters outside
 * the alphabet skipped, a '=' that cannot be padding ignored, and decoding stopped at the
 * padding that completes a group; what follows is not read (flagged BAD and PAD when there
 * is data).
 */
size_t mime_decode_base64_stop(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                               unsigned int *flags_r);

/*
 * true when bytes declared 7bit, 8bit or binary are clearly base64: lines of the alphabet
 * only (padding at the end), all as long as the first but the last, at least 16 and at most
 * 998 characters on the first line, upper and lower case letters in it, a multiple of 4 in
 * all. Costs a few bytes on anything else: it stops
 * at the first character that does not fit.
 */
bool mime_decode_looks_base64(const unsigned char *in, size_t len);

/*
 * Quoted-printable (RFC 2045): "=XX" (either case) is a byte, "=" before a line end (blanks
 * between them allowed) is a soft break; a "=" followed by anything else is kept as is and
 * flagged BAD. What other readers read otherwise is flagged as met: MIME_DECODE_QP_EQ_BLANK,
 * MIME_DECODE_QP_LOWER.
 */
size_t mime_decode_qp(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                      unsigned int *flags_r);

/* How a quoted-printable reading differs from mime_decode_qp()'s. */
#define MIME_QP_KEEP_EQ_BLANK (1u << 0) /* "=" then blanks then a line end: kept as it is */
#define MIME_QP_STRIP         (1u << 1) /* blanks before a line end deleted (RFC 2045 6.7) */
#define MIME_QP_UPPER         (1u << 2) /* only "=XX" with upper-case hex is a byte */

/*
 * Quoted-printable read with the MIME_QP_* differences in mode (0: as mime_decode_qp()).
 * One byte at a time: for the other readings only.
 */
size_t mime_decode_qp_as(const unsigned char *in, size_t len, unsigned int mode, unsigned char *out,
                         size_t cap, unsigned int *flags_r);

/*
 * Which MIME_QP_* readings of the quoted-printable bytes in could give other bytes than
 * mime_decode_qp(): a "=" before blanks and a line end (KEEP_EQ_BLANK), blanks before a line
 * end (STRIP), a "=XX" with a lower-case hex digit (UPPER). 0 for most text.
 */
unsigned int mime_decode_qp_variants(const unsigned char *in, size_t len);

/*
 * true when a line of in ends in blanks that are not a soft break's (MIME_QP_STRIP): one
 * memchr() per line. (mime_decode_qp() flags the other two as it decodes.)
 */
bool mime_decode_qp_trailing(const unsigned char *in, size_t len);

/*
 * The lines of a uuencoded block (after its "begin" line): each line's first character gives
 * its byte count; decoding stops at an "end" line or at the end of the input.
 */
size_t mime_decode_uu(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                      unsigned int *flags_r);

/*
 * Decode with enc (MIME_ENC_UU: the whole block, begin line included; MIME_ENC_YENC from
 * its "=ybegin" line, or the data itself; MIME_ENC_BINHEX* the text holding a BinHex block)
 * into out. For MIME_ENC_RAW the bytes are copied.
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
