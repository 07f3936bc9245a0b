/*
 * binhex: find and decode BinHex 4.0, the Mac encoding (.hqx) that mail clients still
 * decode (Apple Mail, Thunderbird's libmime, uudeview, macutils' hexbin).
 *
 * The text between two ':' is 6-bit characters of a 64-character alphabet (line ends
 * skipped), whose bytes are run-length coded (0x90 N: the previous byte N-1 more times, 0x90
 * 0: 0x90 itself). The decoded stream is a header (name length, name, version, type,
 * creator, flags, data fork size, resource fork size, CRC), the data fork and its CRC, the
 * resource fork and its CRC (CRC-16/XMODEM). Each fork is read by running the stream up to
 * it: no allocation, input never read past its length; a fork's output is bounded by cap and
 * by the size the header declares. Thread safe.
 */

#include "mime/binhex.h"
#include "mime/decode.h"

#include <string.h>

#define BINHEX_INTRO "(This file must be converted with BinHex"

static const char binhex_alphabet[] =
        "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";

/* The decoder: characters -> 6-bit groups -> bytes -> run-length expansion. */
struct bh {
	const unsigned char *p, *end;
	uint8_t rank[256];
	uint32_t acc;
	int bits;
	int last;         /* the previous byte, for a run (-1: none) */
	unsigned int run; /* repeats of last still to give */
	unsigned int flags;
	bool done; /* the closing ':' or the end of the input */
	uint16_t crc;
};

static void bh_init(struct bh *s, const unsigned char *text, size_t len)
{
	const unsigned char *end = text + len, *p = text;
	const unsigned char *intro = memmem(text, len, BINHEX_INTRO, sizeof(BINHEX_INTRO) - 1);

	memset(s, 0, sizeof(*s));
	memset(s->rank, 0xff, sizeof(s->rank));
	for (int i = 0; i < 64; i++)
		s->rank[(unsigned char)binhex_alphabet[i]] = (uint8_t)i;
	if (intro != NULL)
		p = intro + sizeof(BINHEX_INTRO) - 1;
	/* the data starts at the first ':' at a line start (or the very start) */
	while (p < end && !(*p == ':' && (p == text || p[-1] == '\n')))
		p++;
	s->p = p < end ? p + 1 : end;
	s->end = end;
	s->last = -1;
	s->done = p >= end;
	if (s->done)
		s->flags |= MIME_DECODE_BAD;
}

/* The next raw (run-length coded) byte, or -1 at the end of the data. */
static int bh_raw(struct bh *s)
{
	while (s->bits < 8) {
		unsigned char c;

		if (s->done || s->p >= s->end) {
			s->done = true;
			return -1;
		}
		c = *s->p++;
		if (c == ':') {
			s->done = true;
			return -1;
		}
		if (s->rank[c] == 0xff) {
			if (c != '\n' && c != '\r' && c != ' ' && c != '\t')
				s->flags |= MIME_DECODE_BAD;
			continue;
		}
		s->acc = (s->acc << 6 | s->rank[c]) & 0xffffff;
		s->bits += 6;
	}
	s->bits -= 8;
	return (int)(s->acc >> s->bits) & 0xff;
}

static void bh_crc(struct bh *s, unsigned char c)
{
	uint16_t crc = s->crc ^ (uint16_t)(c << 8);

	for (int k = 0; k < 8; k++)
		crc = crc & 0x8000 ? (uint16_t)(crc << 1 ^ 0x1021) : (uint16_t)(crc << 1);
	s->crc = crc;
}

/* The next byte of the decoded stream (CRC taken), or -1 at its end. */
static int bh_byte(struct bh *s)
{
	for (;;) {
		int c, n;

		if (s->run > 0) {
			s->run--;
			bh_crc(s, (unsigned char)s->last);
			return s->last;
		}
		if ((c = bh_raw(s)) < 0)
			return -1;
		if (c == 0x90) {
			if ((n = bh_raw(s)) < 0)
				return -1;
			if (n > 0) {
				/* the previous byte n - 1 more times (a run of nothing is junk) */
				if (s->last < 0)
					s->flags |= MIME_DECODE_BAD;
				else
					s->run = (unsigned int)n - 1;
				continue;
			}
		}
		s->last = c;
		bh_crc(s, (unsigned char)c);
		return c;
	}
}

/* The stored CRC after a section: checked against the one computed over it. */
static bool bh_check(struct bh *s)
{
	uint16_t want;
	int hi, lo;

	want = s->crc;
	hi = bh_byte(s);
	lo = bh_byte(s);
	s->crc = 0;
	if (hi < 0 || lo < 0 || (uint16_t)(hi << 8 | lo) != want) {
		s->flags |= MIME_DECODE_BAD;
		return false;
	}
	return true;
}

static int bh_header(struct bh *s, struct mime_binhex_info *info)
{
	unsigned char h[1 + 4 + 4 + 2 + 4 + 4]; /* version type creator flags lengths */
	int n = bh_byte(s), c;

	if (n < 1 || n > MIME_BINHEX_MAX_NAME)
		return -1;
	for (int i = 0; i < n; i++) {
		if ((c = bh_byte(s)) < 0)
			return -1;
		info->name[i] = c != 0 ? (char)c : '?';
	}
	info->name[n] = '\0';
	for (size_t i = 0; i < sizeof(h); i++) {
		if ((c = bh_byte(s)) < 0)
			return -1;
		h[i] = (unsigned char)c;
	}
	info->data_len =
	        (uint32_t)h[11] << 24 | (uint32_t)h[12] << 16 | (uint32_t)h[13] << 8 | h[14];
	info->rsrc_len =
	        (uint32_t)h[15] << 24 | (uint32_t)h[16] << 16 | (uint32_t)h[17] << 8 | h[18];
	/* a header whose CRC fails is no BinHex (hexbin refuses it too): text that looks like it */
	return bh_check(s) ? 0 : -1;
}

int mime_binhex_info(const unsigned char *text, size_t len, struct mime_binhex_info *info_r)
{
	struct bh s;

	memset(info_r, 0, sizeof(*info_r));
	bh_init(&s, text, len);
	return bh_header(&s, info_r);
}

size_t mime_binhex_bound(const unsigned char *text, size_t len, bool rsrc)
{
	struct mime_binhex_info info;
	uint32_t n;

	if (mime_binhex_info(text, len, &info) < 0)
		return 0;
	n = rsrc ? info.rsrc_len : info.data_len;
	/* 4 characters give 3 bytes, a run of 3 bytes gives at most 255 */
	if (len / 4 * 3 < (size_t)n / 85)
		return len / 4 * 3 * 85;
	return n;
}

size_t mime_binhex_decode(const unsigned char *text, size_t len, bool rsrc, unsigned char *out,
                          size_t cap, unsigned int *flags_r)
{
	struct mime_binhex_info info;
	struct bh s;
	uint32_t skip, want;
	size_t o = 0;
	int c;

	bh_init(&s, text, len);
	if (bh_header(&s, &info) < 0) {
		*flags_r = s.flags | MIME_DECODE_BAD;
		return 0;
	}
	skip = rsrc ? info.data_len : 0;
	want = rsrc ? info.rsrc_len : info.data_len;
	for (uint32_t i = 0; i < skip; i++) {
		if (bh_byte(&s) < 0) {
			*flags_r = s.flags | MIME_DECODE_BAD;
			return 0;
		}
	}
	if (rsrc) {
		bh_check(&s);
		s.flags &= ~MIME_DECODE_BAD; /* the data fork's, reported by its own reading */
	}
	while (o < want) {
		if (o >= cap) {
			s.flags |= MIME_DECODE_FULL;
			break;
		}
		if ((c = bh_byte(&s)) < 0) {
			s.flags |= MIME_DECODE_BAD; /* shorter than declared */
			break;
		}
		out[o++] = (unsigned char)c;
	}
	if (o == want)
		bh_check(&s);
	*flags_r = s.flags;
	return o;
}

bool mime_binhex_next(const unsigned char *text, size_t len, size_t *pos,
                      struct mime_binhex_block *b)
{
	size_t at = *pos;
	const unsigned char *hit, *p, *end = text + len;

	if (at == 0 && len > 64 && text[0] == ':') {
		hit = text; /* bare, as an application/mac-binhex40 body may be */
		p = text + 1;
	} else {
		if (at >= len || (hit = memmem(text + at, len - at, BINHEX_INTRO,
		                               sizeof(BINHEX_INTRO) - 1)) == NULL) {
			*pos = len;
			return false;
		}
		p = memchr(hit, ':', (size_t)(end - hit));
		while (p != NULL && p > text && p[-1] != '\n')
			p = memchr(p + 1, ':', (size_t)(end - p - 1));
		if (p == NULL) {
			*pos = len;
			return false;
		}
		p++;
	}
	memset(b, 0, sizeof(*b));
	b->begin = (size_t)(hit - text);
	p = memchr(p, ':', (size_t)(end - p));
	b->closed = p != NULL;
	b->end = p != NULL ? (size_t)(p + 1 - text) : len;
	*pos = b->end;
	return true;
}
