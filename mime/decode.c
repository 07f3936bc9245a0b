/*
 * decode: base64, quoted-printable and uuencode into pre-sized buffers.
 *
 * Base64 is the bulk of mail: the decoder takes 32 characters at a time with vector
 * instructions where the CPU has them (decode_simd.c), four at a time through one table
 * while they are all in the alphabet, and falls back to one character at a time around line
 * ends, padding and junk, so a 76-column body costs one slow step per line. Output never
 * exceeds cap; input is never read past len. No allocation, no state: thread safe.
 */

#include "mime/decode.h"
#include "mime/binhex.h"
#include "mime/decode_simd.h"
#include "mime/yenc.h"

#include <stdint.h>
#include <string.h>

#define B64V(c)                                                                                    \
	((c) >= 'A' && (c) <= 'Z'   ? (c) - 'A'                                                    \
	 : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26                                               \
	 : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52                                               \
	 : (c) == '+'               ? 62                                                           \
	 : (c) == '/'               ? 63                                                           \
	                            : 0xff)
#define R8(c)  ((uint8_t)B64V(c))
#define B4(n)  R8(n), R8(n + 1), R8(n + 2), R8(n + 3)
#define B16(n) B4(n), B4(n + 4), B4(n + 8), B4(n + 12)
#define B64(n) B16(n), B16(n + 16), B16(n + 32), B16(n + 48)

/* 0..63 for the alphabet, 0xff for everything else */
const uint8_t mime_decode_b64_rank[256] = {B64(0), B64(64), B64(128), B64(192)};

/*
 * The same, pre-shifted into the little-endian word of the three output bytes (plus a fourth
 * byte that the next group overwrites): a group is four loads, three ORs and one store.
 * Characters outside the alphabet set bit 24.
 */
#define BAD       0x01000000u
#define D0V(v)    ((v) == 0xff ? BAD : (uint32_t)(v) << 2)
#define D1V(v)    ((v) == 0xff ? BAD : (uint32_t)(v) >> 4 | ((uint32_t)(v)&15) << 12)
#define D2V(v)    ((v) == 0xff ? BAD : ((uint32_t)(v) >> 2) << 8 | ((uint32_t)(v)&3) << 22)
#define D3V(v)    ((v) == 0xff ? BAD : (uint32_t)(v) << 16)
#define T4(M, n)  M(B64V(n)), M(B64V(n + 1)), M(B64V(n + 2)), M(B64V(n + 3))
#define T16(M, n) T4(M, n), T4(M, n + 4), T4(M, n + 8), T4(M, n + 12)
#define T64(M, n) T16(M, n), T16(M, n + 16), T16(M, n + 32), T16(M, n + 48)
#define TABLE(M)                                                                                   \
	{                                                                                          \
		T64(M, 0), T64(M, 64), T64(M, 128), T64(M, 192)                                    \
	}
static const uint32_t b64_d0[256] = TABLE(D0V);
static const uint32_t b64_d1[256] = TABLE(D1V);
static const uint32_t b64_d2[256] = TABLE(D2V);
static const uint32_t b64_d3[256] = TABLE(D3V);

/* Whole groups of four alphabet characters, and the CRLF / LF line ends between them. */
static void b64_fast(const unsigned char **pp, const unsigned char *end, unsigned char *out,
                     size_t *op, size_t cap)
{
	const unsigned char *p = *pp;
	size_t o = *op;

	for (;;) {
		/* 32 characters at a time through the vector path, where there is one */
		mime_decode_b64_run(&p, end, out, &o, cap);
		while (end - p >= 4 && o + 3 <= cap) {
			uint32_t w = b64_d0[p[0]] | b64_d1[p[1]] | b64_d2[p[2]] | b64_d3[p[3]];

			if (w & BAD)
				break;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			memcpy(out + o, &w, 4); /* the slack takes the fourth byte */
#else
			out[o] = (unsigned char)w;
			out[o + 1] = (unsigned char)(w >> 8);
			out[o + 2] = (unsigned char)(w >> 16);
#endif
			p += 4;
			o += 3;
		}
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
			p += 2;
		else if (p < end && p[0] == '\n')
			p++;
		else
			break;
	}
	*pp = p;
	*op = o;
}

/*
 * What the lines of a uuencoded block declare (a line whose trailing blanks a transport
 * stripped declares more than its characters hold: the decoder pads it).
 */
static size_t uu_size(const unsigned char *in, size_t len)
{
	const unsigned char *p = in, *end = in + len;
	size_t total = 0;

	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));

		if (*p > 32 && *p <= 96) /* "begin" and "end" lines are not: 'b', 'e' > 96 */
			total += (size_t)((*p - 32) & 63);
		p = nl != NULL ? nl + 1 : end;
	}
	return total;
}

size_t mime_decode_bound(enum mime_enc enc, const unsigned char *in, size_t len)
{
	switch (enc) {
	case MIME_ENC_BASE64:
	case MIME_ENC_BASE64_STOP:
		return len / 4 * 3 + 3;
	case MIME_ENC_UU:
		return uu_size(in, len);
	case MIME_ENC_BINHEX:
	case MIME_ENC_BINHEX_RSRC:
		return mime_binhex_bound(in, len, enc == MIME_ENC_BINHEX_RSRC);
	case MIME_ENC_YENC:
	case MIME_ENC_QP:
	case MIME_ENC_RAW:
	default:
		return len;
	}
}

const char *mime_decode_name(enum mime_enc enc)
{
	switch (enc) {
	case MIME_ENC_BASE64:
		return "base64";
	case MIME_ENC_BASE64_STOP:
		return "base64 (up to its padding)";
	case MIME_ENC_QP:
		return "quoted-printable";
	case MIME_ENC_QP_KEEP:
		return "quoted-printable (\"=\" before blanks kept)";
	case MIME_ENC_QP_RFC:
		return "quoted-printable (trailing white space deleted)";
	case MIME_ENC_QP_STRICT:
		return "quoted-printable (upper-case hex only)";
	case MIME_ENC_UU:
		return "uuencode";
	case MIME_ENC_YENC:
		return "yEnc";
	case MIME_ENC_BINHEX:
		return "BinHex 4.0";
	case MIME_ENC_BINHEX_RSRC:
		return "BinHex 4.0 resource fork";
	case MIME_ENC_RAW:
	default:
		return "data";
	}
}

/* Flush a partial group of n (2 or 3) characters at '=' or at the end. */
static size_t b64_flush(uint32_t acc, int n, unsigned char *out, size_t o, size_t cap,
                        unsigned int *flags)
{
	if (n == 1) {
		*flags |= MIME_DECODE_BAD;
		return o;
	}
	if (n < 2)
		return o;
	if (n == 2) {
		acc <<= 12; /* as if two padding characters followed */
	} else {
		acc <<= 6;
	}
	for (int k = 2; k > 3 - n; k--) {
		if (o >= cap) {
			*flags |= MIME_DECODE_FULL;
			break;
		}
		out[o++] = (unsigned char)(acc >> (8 * k));
	}
	return o;
}

size_t mime_decode_base64(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                          unsigned int *flags_r)
{
	return mime_decode_base64_each(in, len, out, cap, flags_r, NULL, NULL);
}

size_t mime_decode_base64_each(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                               unsigned int *flags_r, mime_decode_each_fn *each, void *arg)
{
	const unsigned char *p = in, *end = in + len;
	unsigned int flags = 0;
	uint32_t acc = 0;
	bool padded = false;
	size_t o = 0, told = 0;
	int n = 0;

	while (p < end) {
		unsigned char c;
		uint32_t r;

		if (n == 0) {
			size_t before = o;
			/* with each, the fast path stops every MIME_DECODE_EACH bytes of input to hand
			   on what it wrote (bytes before o are final) */
			const unsigned char *stop =
			        each != NULL && (size_t)(end - p) > MIME_DECODE_EACH
			                ? p + MIME_DECODE_EACH
			                : end;

			if (each != NULL && o - told >= MIME_DECODE_EACH / 2) {
				each(arg, out + told, o - told);
				told = o;
			}
			b64_fast(&p, stop, out, &o, cap);
			if (o != before && padded) {
				flags |= MIME_DECODE_BAD | MIME_DECODE_PAD; /* data after '=' */
				padded = false;
			}
			if (p >= end)
				break;
		}
		c = *p++;
		r = mime_decode_b64_rank[c];
		if (r < 64) {
			if (padded) {
				/* data after '=': decoded as a new run, as most clients do */
				flags |= MIME_DECODE_BAD | MIME_DECODE_PAD;
				padded = false;
			}
			acc = acc << 6 | r;
			if (++n == 4) {
				if (o + 3 > cap) {
					/* fill up to cap exactly, then stop */
					for (int k = 2; k >= 0 && o < cap; k--)
						out[o++] = (unsigned char)(acc >> (8 * k));
					flags |= MIME_DECODE_FULL;
					n = 0;
					break;
				}
				out[o++] = (unsigned char)(acc >> 16);
				out[o++] = (unsigned char)(acc >> 8);
				out[o++] = (unsigned char)acc;
				n = 0;
				acc = 0;
			}
		} else if (c == '=') {
			o = b64_flush(acc, n, out, o, cap, &flags);
			n = 0;
			acc = 0;
			padded = true;
		} else if (c != '\n' && c != '\r' && c != ' ' && c != '\t') {
			flags |= MIME_DECODE_BAD;
		}
		if (flags & MIME_DECODE_FULL)
			break;
	}
	if (n > 0)
		o = b64_flush(acc, n, out, o, cap, &flags);
	if (each != NULL && o > told)
		each(arg, out + told, o - told);
	*flags_r = flags;
	return o;
}

size_t mime_decode_base64_stop(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                               unsigned int *flags_r)
{
	unsigned int flags = 0;
	uint32_t acc = 0;
	size_t i, o = 0;
	int n = 0, pads = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = in[i];
		uint32_t r = mime_decode_b64_rank[c];

		if (c == '=') {
			/* padding only after two characters of a group; it ends the data */
			if (n >= 2 && n + ++pads >= 4)
				break;
			continue;
		}
		if (r >= 64) {
			if (c != '\n' && c != '\r' && c != ' ' && c != '\t')
				flags |= MIME_DECODE_BAD;
			continue;
		}
		pads = 0;
		acc = acc << 6 | r;
		if (++n == 4) {
			for (int k = 2; k >= 0; k--) {
				if (o >= cap) {
					flags |= MIME_DECODE_FULL;
					break;
				}
				out[o++] = (unsigned char)(acc >> (8 * k));
			}
			n = 0;
			acc = 0;
			if (flags & MIME_DECODE_FULL)
				break;
		}
	}
	if (n > 0 && !(flags & MIME_DECODE_FULL))
		o = b64_flush(acc, n, out, o, cap, &flags);
	/* anything but blanks after the padding is a reading the other decoder differs on */
	for (i = i < len ? i + 1 : len; i < len; i++) {
		if (mime_decode_is_base64(in[i])) {
			flags |= MIME_DECODE_BAD | MIME_DECODE_PAD;
			break;
		}
	}
	*flags_r = flags;
	return o;
}

bool mime_decode_looks_base64(const unsigned char *in, size_t len)
{
	const unsigned char *p = in, *end = in + len;
	size_t first = 0, total = 0;
	bool last = false, upper = false, lower = false;

	while (p < end && (*p == '\n' || *p == '\r'))
		p++;
	while (p < end) {
		const unsigned char *s = p;
		size_t n, pad = 0;

		while (p < end && mime_decode_is_base64(*p))
			p++;
		while (p < end && *p == '=' && pad < 2) {
			p++;
			pad++;
		}
		n = (size_t)(p - s);
		for (size_t i = 0; first == 0 && i < n; i++) {
			upper |= s[i] >= 'A' && s[i] <= 'Z';
			lower |= s[i] >= 'a' && s[i] <= 'z';
		}
		if (n > 998 || (first == 0 && n > 0 && !(upper && lower)))
			return false; /* longer than a mail line, or digits and words of one case */
		if (p < end && *p == '\r')
			p++;
		if (p < end && *p != '\n')
			return false; /* a character that is not base64 */
		if (p < end)
			p++;
		if (n == 0) {
			/* blank lines only at the end */
			while (p < end && (*p == '\n' || *p == '\r'))
				p++;
			break;
		}
		if (last)
			return false; /* a line after a short or padded one */
		if (first == 0)
			first = n;
		else if (n > first)
			return false;
		last = n < first || pad > 0;
		total += n;
	}
	return p == end && first >= 16 && total % 4 == 0;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t mime_decode_qp(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                      unsigned int *flags_r)
{
	const unsigned char *p = in, *end = in + len;
	unsigned int flags = 0;
	size_t o = 0;

	while (p < end) {
		const unsigned char *eq = memchr(p, '=', (size_t)(end - p));
		size_t run = (size_t)((eq != NULL ? eq : end) - p);
		const unsigned char *q;
		int hi, lo;

		if (run > cap - o) {
			memcpy(out + o, p, cap - o);
			o = cap;
			flags |= MIME_DECODE_FULL;
			break;
		}
		memcpy(out + o, p, run);
		o += run;
		if (eq == NULL)
			break;
		p = eq + 1;
		hi = p < end ? hexval(p[0]) : -1;
		lo = p + 1 < end ? hexval(p[1]) : -1;
		if (hi >= 0 && lo >= 0) {
			if (o >= cap) {
				flags |= MIME_DECODE_FULL;
				break;
			}
			out[o++] = (unsigned char)(hi << 4 | lo);
			if (p[0] >= 'a' || p[1] >= 'a')
				flags |= MIME_DECODE_QP_LOWER;
			p += 2;
			continue;
		}
		/* a soft line break: '=', optional blanks, a line end (or the end of the part) */
		q = p;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q == end || *q == '\n' || (*q == '\r' && q + 1 < end && q[1] == '\n')) {
			if (q > p)
				flags |= MIME_DECODE_QP_EQ_BLANK;
			p = q == end ? end : q + (*q == '\r' ? 2 : 1);
			continue;
		}
		flags |= MIME_DECODE_BAD;
		if (o >= cap) {
			flags |= MIME_DECODE_FULL;
			break;
		}
		out[o++] = '=';
	}
	*flags_r = flags;
	return o;
}

static bool qp_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* The length of the line end at p (LF or CRLF), or 0. */
static size_t qp_eol(const unsigned char *p, const unsigned char *end)
{
	if (p < end && *p == '\n')
		return 1;
	return p + 1 < end && p[0] == '\r' && p[1] == '\n' ? 2 : 0;
}

static int qp_hex(unsigned char c, unsigned int mode)
{
	return (mode & MIME_QP_UPPER) && c >= 'a' && c <= 'f' ? -1 : hexval(c);
}

size_t mime_decode_qp_as(const unsigned char *in, size_t len, unsigned int mode, unsigned char *out,
                         size_t cap, unsigned int *flags_r)
{
	const unsigned char *p = in, *end = in + len, *q;
	unsigned int flags = 0;
	size_t o = 0, k;

	while (p < end) {
		int hi, lo;

		if (qp_blank(*p) && (mode & MIME_QP_STRIP)) {
			for (q = p; q < end && qp_blank(*q); q++)
				;
			if (q == end || qp_eol(q, end) > 0) {
				p = q; /* trailing white space: deleted */
				continue;
			}
		}
		if (*p != '=') {
			if (o >= cap)
				goto full;
			out[o++] = *p++;
			continue;
		}
		hi = p + 1 < end ? qp_hex(p[1], mode) : -1;
		lo = p + 2 < end ? qp_hex(p[2], mode) : -1;
		if (hi >= 0 && lo >= 0) {
			if (o >= cap)
				goto full;
			out[o++] = (unsigned char)(hi << 4 | lo);
			p += 3;
			continue;
		}
		/* a soft line break: "=" and a line end, or "=", blanks and a line end */
		q = p + 1;
		if (!(mode & MIME_QP_KEEP_EQ_BLANK))
			while (q < end && qp_blank(*q))
				q++;
		k = qp_eol(q, end);
		if (q == end || k > 0) {
			p = q + k;
			continue;
		}
		flags |= MIME_DECODE_BAD;
		if (o >= cap)
			goto full;
		out[o++] = *p++;
	}
	*flags_r = flags;
	return o;
full:
	*flags_r = flags | MIME_DECODE_FULL;
	return o;
}

unsigned int mime_decode_qp_variants(const unsigned char *in, size_t len)
{
	const unsigned char *p = in, *end = in + len, *q;
	unsigned int v = 0;

	while (p < end && (p = memchr(p, '=', (size_t)(end - p))) != NULL) {
		if (p + 2 < end && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			if ((p[1] >= 'a' && p[1] <= 'f') || (p[2] >= 'a' && p[2] <= 'f'))
				v |= MIME_QP_UPPER;
			p += 3;
			continue;
		}
		for (q = p + 1; q < end && qp_blank(*q); q++)
			;
		if (q > p + 1 && (q == end || qp_eol(q, end) > 0))
			v |= MIME_QP_KEEP_EQ_BLANK;
		p = q;
	}
	return v | (mime_decode_qp_trailing(in, len) ? MIME_QP_STRIP : 0);
}

bool mime_decode_qp_trailing(const unsigned char *in, size_t len)
{
	const unsigned char *p, *q, *end = in + len;

	/* blanks before a line end (not after a "=": a soft break either way) */
	for (p = in; p < end; p++) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		const unsigned char *e = nl != NULL ? nl : end;

		if (e > p && nl != NULL && e[-1] == '\r')
			e--;
		for (q = e; q > p && qp_blank(q[-1]); q--)
			;
		if (q < e && !(q > p && q[-1] == '='))
			return true;
		if (nl == NULL)
			break;
		p = nl;
	}
	return false;
}

/* One uuencoded line (without its line end) into out; returns the bytes written. */
static size_t uu_line(const unsigned char *line, size_t n, unsigned char *out, size_t room,
                      unsigned int *flags)
{
	size_t want = (size_t)((line[0] - 32) & 63), o = 0, i = 1;

	if (want > room) {
		*flags |= MIME_DECODE_FULL;
		want = room;
	}
	while (o < want) {
		uint32_t v = 0;

		for (int k = 0; k < 4; k++, i++) {
			unsigned char c = i < n ? line[i] : ' ';

			if (i >= n || c < 32 || c > 96)
				*flags |= MIME_DECODE_BAD;
			v = v << 6 | (uint32_t)((c - 32) & 63);
		}
		for (int k = 2; k >= 0 && o < want; k--)
			out[o++] = (unsigned char)(v >> (8 * k));
	}
	return o;
}

size_t mime_decode_uu(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                      unsigned int *flags_r)
{
	const unsigned char *p = in, *end = in + len;
	unsigned int flags = 0;
	bool ended = false;
	size_t o = 0;

	while (p < end && !(flags & MIME_DECODE_FULL)) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		const unsigned char *eol = nl != NULL ? nl : end;
		size_t n = (size_t)(eol - p);

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n >= 3 && memcmp(p, "end", 3) == 0 && (n == 3 || p[3] == ' ' || p[3] == '\t')) {
			ended = true;
			break;
		}
		if (n > 0 && (p[0] == '`' || p[0] == ' ')) {
			/* a zero-length line ends the data ("end" is a formality after it) */
			ended = true;
			break;
		}
		if (n > 0 && p[0] > 32 && p[0] <= 96)
			o += uu_line(p, n, out + o, cap - o, &flags);
		else if (n > 0)
			flags |= MIME_DECODE_BAD;
		p = nl != NULL ? nl + 1 : end;
	}
	if (!ended)
		flags |= MIME_DECODE_BAD;
	*flags_r = flags;
	return o;
}

/* Skip to the line after a "begin" line, if the body has one before any uu data. */
static const unsigned char *uu_skip_begin(const unsigned char *in, size_t len)
{
	const unsigned char *p = in, *end = in + len;

	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p);

		if (n >= 6 && memcmp(p, "begin ", 6) == 0)
			return nl != NULL ? nl + 1 : end;
		if (n > 0 && !(n == 1 && p[0] == '\r'))
			return in; /* data first: no begin line */
		p = nl != NULL ? nl + 1 : end;
	}
	return in;
}

size_t mime_decode(enum mime_enc enc, const unsigned char *in, size_t len, unsigned char *out,
                   size_t cap, unsigned int *flags_r)
{
	const unsigned char *p;

	switch (enc) {
	case MIME_ENC_BASE64:
		return mime_decode_base64(in, len, out, cap, flags_r);
	case MIME_ENC_BASE64_STOP:
		return mime_decode_base64_stop(in, len, out, cap, flags_r);
	case MIME_ENC_QP:
		return mime_decode_qp(in, len, out, cap, flags_r);
	case MIME_ENC_QP_KEEP:
		return mime_decode_qp_as(in, len, MIME_QP_KEEP_EQ_BLANK, out, cap, flags_r);
	case MIME_ENC_QP_RFC:
		return mime_decode_qp_as(in, len, MIME_QP_STRIP, out, cap, flags_r);
	case MIME_ENC_QP_STRICT:
		return mime_decode_qp_as(in, len, MIME_QP_STRIP | MIME_QP_UPPER, out, cap, flags_r);
	case MIME_ENC_YENC:
		return mime_yenc_decode(in, len, out, cap, flags_r);
	case MIME_ENC_BINHEX:
	case MIME_ENC_BINHEX_RSRC:
		return mime_binhex_decode(in, len, enc == MIME_ENC_BINHEX_RSRC, out, cap, flags_r);
	case MIME_ENC_UU:
		p = uu_skip_begin(in, len);
		return mime_decode_uu(p, len - (size_t)(p - in), out, cap, flags_r);
	case MIME_ENC_RAW:
	default:
		*flags_r = len > cap ? MIME_DECODE_FULL : 0;
		len = len > cap ? cap : len;
		memcpy(out, in, len);
		return len;
	}
}
