/*
 * zipx: deflate64 and implode, the zip methods libarchive lacks (ClamAV's clam.d64.zip and
 * clam.impl.zip use them), decoded into a caller-sized buffer, and the central-directory
 * lookup that finds a member's compressed bytes. Stored and deflated members too (zlib), for
 * the entries libarchive takes for directories and gives no bytes of.
 *
 * Both decoders are canonical-Huffman decoders in the manner of zlib's puff: a code is read
 * one bit at a time and looked up by the count of codes of each length, which needs no tables
 * beyond the code lengths and keeps the code short and easy to check. Deflate64 is deflate
 * (RFC 1951) with a 64 KiB window, length code 285 meaning 3 + 16 extra bits, and distance
 * codes 30 and 31 (32769 and 49153 + 14 extra bits). Implode (APPNOTE 5.x) codes literals (or
 * raw bytes), lengths and the high bits of distances with Shannon-Fano trees, whose codes are
 * the complements of the canonical codes of the same lengths.
 *
 * Limits: output at most cap bytes (the window is the output: a distance before its start is
 * an error, except in implode, where it reads zeros as PKZIP does); input never read past its
 * end; the central directory walk visits at most its declared entries, each bounds-checked.
 * Speed is some tens of MB/s, enough for methods this rare. Thread safety: no state.
 */

#include "mime/zipx.h"

#include <glib.h>
#include <limits.h>
#include <string.h>
#include <zlib.h>

#define ZX_MAXBITS 16

struct zx {
	const unsigned char *in;
	size_t len, pos;
	uint32_t bitbuf;
	int bitcnt;
	unsigned char *out;
	size_t cap, n;
	bool err;
};

struct zx_huff {
	short count[ZX_MAXBITS + 1];
	short symbol[320];
};

/* need (<= 16) bits, least significant first; 0 and err set at the end of the input. */
static unsigned int zx_bits(struct zx *s, int need)
{
	uint32_t val = s->bitbuf;

	while (s->bitcnt < need) {
		if (s->pos >= s->len) {
			s->err = true;
			return 0;
		}
		val |= (uint32_t)s->in[s->pos++] << s->bitcnt;
		s->bitcnt += 8;
	}
	s->bitbuf = val >> need;
	s->bitcnt -= need;
	return val & ((1u << need) - 1);
}

/* The next symbol of h; invert: implode's complemented codes. -1 on bad data. */
static int zx_decode(struct zx *s, const struct zx_huff *h, bool invert)
{
	int code = 0, first = 0, index = 0;

	for (int len = 1; len <= ZX_MAXBITS; len++) {
		int count = h->count[len];

		code |= (int)(zx_bits(s, 1) ^ (invert ? 1u : 0u));
		if (s->err)
			return -1;
		if (code - count < first)
			return h->symbol[index + (code - first)];
		index += count;
		first += count;
		first <<= 1;
		code <<= 1;
	}
	return -1;
}

/* Canonical codes from n lengths; < 0 when over-subscribed, > 0 when incomplete. */
static int zx_construct(struct zx_huff *h, const unsigned char *length, int n)
{
	short offs[ZX_MAXBITS + 1];
	int left = 1;

	memset(h->count, 0, sizeof(h->count));
	for (int sym = 0; sym < n; sym++)
		h->count[length[sym]]++;
	if (h->count[0] == n)
		return 0;
	for (int len = 1; len <= ZX_MAXBITS; len++) {
		left <<= 1;
		left -= h->count[len];
		if (left < 0)
			return left;
	}
	offs[1] = 0;
	for (int len = 1; len < ZX_MAXBITS; len++)
		offs[len + 1] = (short)(offs[len] + h->count[len]);
	for (int sym = 0; sym < n; sym++) {
		if (length[sym] != 0)
			h->symbol[offs[length[sym]]++] = (short)sym;
	}
	return left;
}

/* Copy len bytes from dist back; before the start: zeros when zeros_ok, else an error. */
static bool zx_copy(struct zx *s, size_t dist, size_t len, bool zeros_ok)
{
	if (dist == 0 || (dist > s->n && !zeros_ok))
		return false;
	while (len-- > 0 && s->n < s->cap) {
		s->out[s->n] = dist > s->n ? 0 : s->out[s->n - dist];
		s->n++;
	}
	return true;
}

/* ---- deflate64 ---- */

static const short d64_lbase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 3};
static const short d64_lext[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                   2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 16};
static const unsigned int d64_dbase[32] = {1,    2,    3,    4,     5,     7,     9,     13,
                                           17,   25,   33,   49,    65,    97,    129,   193,
                                           257,  385,  513,  769,   1025,  1537,  2049,  3073,
                                           4097, 6145, 8193, 12289, 16385, 24577, 32769, 49153};
static const short d64_dext[32] = {0, 0, 0, 0, 1, 1, 2,  2,  3,  3,  4,  4,  5,  5,  6,  6,
                                   7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14};

/* The symbols of one compressed block; false on bad data. */
static bool d64_codes(struct zx *s, const struct zx_huff *lencode, const struct zx_huff *distcode)
{
	for (;;) {
		int sym = zx_decode(s, lencode, false);
		unsigned int len, dist;

		if (sym < 0)
			return false;
		if (sym < 256) {
			if (s->n < s->cap)
				s->out[s->n++] = (unsigned char)sym;
		} else if (sym == 256) {
			return true;
		} else {
			sym -= 257;
			if (sym >= 29)
				return false;
			len = (unsigned int)d64_lbase[sym] + zx_bits(s, d64_lext[sym]);
			sym = zx_decode(s, distcode, false);
			if (sym < 0 || sym >= 32)
				return false;
			dist = d64_dbase[sym] + zx_bits(s, d64_dext[sym]);
			if (s->err || !zx_copy(s, dist, len, false))
				return false;
		}
		if (s->n >= s->cap)
			return true; /* the caller's limit: stop here */
	}
}

static bool d64_stored(struct zx *s)
{
	unsigned int len;

	s->bitbuf = 0;
	s->bitcnt = 0;
	if (s->len - s->pos < 4)
		return false;
	len = s->in[s->pos] | (unsigned int)s->in[s->pos + 1] << 8;
	if ((s->in[s->pos + 2] | (unsigned int)s->in[s->pos + 3] << 8) != (~len & 0xffff))
		return false;
	s->pos += 4;
	if (s->len - s->pos < len)
		return false;
	while (len-- > 0 && s->n < s->cap)
		s->out[s->n++] = s->in[s->pos++];
	return true;
}

static bool d64_fixed(struct zx *s)
{
	unsigned char l[320];
	struct zx_huff lencode, distcode;
	int sym;

	for (sym = 0; sym < 144; sym++)
		l[sym] = 8;
	for (; sym < 256; sym++)
		l[sym] = 9;
	for (; sym < 280; sym++)
		l[sym] = 7;
	for (; sym < 288; sym++)
		l[sym] = 8;
	zx_construct(&lencode, l, 288);
	memset(l, 5, 32);
	zx_construct(&distcode, l, 32);
	return d64_codes(s, &lencode, &distcode);
}

static bool d64_dynamic(struct zx *s)
{
	static const unsigned char order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
	                                        11, 4,  12, 3, 13, 2, 14, 1, 15};
	unsigned char l[320];
	struct zx_huff lencode, distcode;
	int nlen = (int)zx_bits(s, 5) + 257, ndist = (int)zx_bits(s, 5) + 1;
	int ncode = (int)zx_bits(s, 4) + 4, index = 0, err;

	if (s->err || nlen > 286)
		return false;
	memset(l, 0, sizeof(l));
	for (int i = 0; i < ncode; i++)
		l[order[i]] = (unsigned char)zx_bits(s, 3);
	if (zx_construct(&lencode, l, 19) != 0)
		return false;
	while (index < nlen + ndist) {
		int sym = zx_decode(s, &lencode, false), rep;
		unsigned char v = 0;

		if (sym < 0)
			return false;
		if (sym < 16) {
			l[index++] = (unsigned char)sym;
			continue;
		}
		if (sym == 16) {
			if (index == 0)
				return false;
			v = l[index - 1];
			rep = 3 + (int)zx_bits(s, 2);
		} else {
			rep = sym == 17 ? 3 + (int)zx_bits(s, 3) : 11 + (int)zx_bits(s, 7);
		}
		if (s->err || index + rep > nlen + ndist)
			return false;
		while (rep-- > 0)
			l[index++] = v;
	}
	if (l[256] == 0)
		return false;
	/* incomplete codes only when a single code of one bit (as zlib) */
	err = zx_construct(&lencode, l, nlen);
	if (err < 0 || (err > 0 && nlen - lencode.count[0] != 1))
		return false;
	err = zx_construct(&distcode, l + nlen, ndist);
	if (err < 0 || (err > 0 && ndist - distcode.count[0] != 1))
		return false;
	return d64_codes(s, &lencode, &distcode);
}

static bool d64_inflate(struct zx *s)
{
	bool last;

	do {
		unsigned int type;
		bool ok;

		last = zx_bits(s, 1);
		type = zx_bits(s, 2);
		if (s->err)
			return false;
		ok = type == 0   ? d64_stored(s)
		     : type == 1 ? d64_fixed(s)
		                 : type == 2 && d64_dynamic(s);
		if (!ok)
			return false;
	} while (!last && s->n < s->cap);
	return true;
}

/* ---- implode ---- */

/* One Shannon-Fano tree of n codes: a byte count, then (count-1, length-1) nibble pairs. */
static bool imp_tree(struct zx *s, struct zx_huff *h, int n)
{
	unsigned char l[256];
	int bytes, k = 0;

	if (s->pos >= s->len)
		return false;
	bytes = s->in[s->pos++] + 1;
	while (bytes-- > 0) {
		int len, count;

		if (s->pos >= s->len)
			return false;
		len = (s->in[s->pos] & 15) + 1;
		count = (s->in[s->pos++] >> 4) + 1;
		if (k + count > n)
			return false;
		while (count-- > 0)
			l[k++] = (unsigned char)len;
	}
	return k == n && zx_construct(h, l, n) >= 0;
}

static bool imp_explode(struct zx *s, unsigned int flags, uint64_t usize)
{
	struct zx_huff lit, len, dist;
	bool lits = flags & 4;
	int dbits = flags & 2 ? 7 : 6, minmatch = lits ? 3 : 2;
	size_t end = usize < s->cap ? (size_t)usize : s->cap;

	if ((lits && !imp_tree(s, &lit, 256)) || !imp_tree(s, &len, 64) || !imp_tree(s, &dist, 64))
		return false;
	while (s->n < end) {
		if (zx_bits(s, 1)) {
			int c = lits ? zx_decode(s, &lit, true) : (int)zx_bits(s, 8);

			if (c < 0 || s->err)
				return false;
			s->out[s->n++] = (unsigned char)c;
		} else {
			unsigned int low = zx_bits(s, dbits);
			int high = zx_decode(s, &dist, true), l = zx_decode(s, &len, true);

			if (high < 0 || l < 0 || s->err)
				return false;
			if (l == 63)
				l += (int)zx_bits(s, 8);
			if (s->err || !zx_copy(s, ((size_t)high << dbits | low) + 1,
			                       (size_t)(l + minmatch), true))
				return false;
			if (s->n > end)
				s->n = end;
		}
		if (s->err)
			return false;
	}
	return true;
}

/* Stored (0) and deflate (8), for the entries libarchive gives no bytes of (zipx.h). */
static size_t zx_plain(const struct mime_zipx_entry *entry, unsigned char *out, size_t cap,
                       bool *ok_r)
{
	z_stream z = {0};
	size_t n;
	int r;

	if (entry->method == MIME_ZIPX_STORED) {
		n = MIN(entry->csize, cap);
		memcpy(out, entry->data, n);
		*ok_r = n == cap || n == entry->usize;
		return n;
	}
	if (inflateInit2(&z, -15) != Z_OK) {
		*ok_r = false;
		return 0;
	}
	z.next_in = (unsigned char *)entry->data;
	z.avail_in = (uInt)MIN(entry->csize, UINT_MAX);
	z.next_out = out;
	z.avail_out = (uInt)MIN(cap, UINT_MAX);
	r = inflate(&z, Z_FINISH);
	n = (size_t)(z.next_out - out);
	*ok_r = r == Z_STREAM_END || (n == cap && (r == Z_OK || r == Z_BUF_ERROR));
	inflateEnd(&z);
	return n;
}

size_t mime_zipx_decode(const struct mime_zipx_entry *entry, unsigned char *out, size_t cap,
                        bool *ok_r)
{
	struct zx s = {.in = entry->data, .len = entry->csize, .out = out, .cap = cap};

	if (entry->method == MIME_ZIPX_STORED || entry->method == MIME_ZIPX_DEFLATE)
		return zx_plain(entry, out, cap, ok_r);
	if (entry->method == MIME_ZIPX_DEFLATE64)
		*ok_r = d64_inflate(&s);
	else if (entry->method == MIME_ZIPX_IMPLODE)
		*ok_r = imp_explode(&s, entry->flags, entry->usize);
	else
		*ok_r = false;
	return s.n;
}

/* ---- central directory ---- */

static uint32_t rd16(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
	return rd16(p) | rd16(p + 2) << 16;
}

static uint64_t rd64(const unsigned char *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* The central directory: offset and entries, from the end records (zip64 too). */
static bool zx_cd(const unsigned char *z, size_t len, uint64_t *off_r, uint64_t *count_r)
{
	size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;

	for (size_t i = len >= 22 ? len - 22 + 1 : 0; i-- > lo;) {
		if (rd32(z + i) != 0x06054b50)
			continue;
		*off_r = rd32(z + i + 16);
		*count_r = rd16(z + i + 10);
		if ((*off_r == 0xffffffff || *count_r == 0xffff) && i >= 20 &&
		    rd32(z + i - 20) == 0x07064b50) {
			uint64_t z64 = rd64(z + i - 20 + 8);

			if (z64 > len || len - z64 < 56 || rd32(z + z64) != 0x06064b50)
				return false;
			*count_r = rd64(z + z64 + 32);
			*off_r = rd64(z + z64 + 48);
		}
		return *off_r < len;
	}
	return false;
}

void mime_zipx_extra64(const unsigned char *x, size_t n, uint64_t *usize, uint64_t *csize,
                       uint64_t *off)
{
	while (n >= 4) {
		size_t id = rd16(x), sz = rd16(x + 2), k = 4;

		if (sz > n - 4)
			return;
		if (id == 1) {
			uint64_t *f[3] = {usize, csize, off};

			for (int i = 0; i < 3; i++) {
				if (*f[i] == 0xffffffff && k + 8 <= 4 + sz) {
					*f[i] = rd64(x + k);
					k += 8;
				}
			}
			return;
		}
		x += 4 + sz;
		n -= 4 + sz;
	}
}

bool mime_zipx_find(const unsigned char *z, size_t len, const char *name, size_t n, uint64_t usize,
                    struct mime_zipx_entry *e)
{
	uint64_t pos, count;

	if (!zx_cd(z, len, &pos, &count))
		return false;
	for (uint64_t i = 0; i < count && pos <= len && len - pos >= 46; i++) {
		const unsigned char *c = z + pos;
		size_t nl = rd16(c + 28), xl = rd16(c + 30), cl = rd16(c + 32);
		uint64_t us = rd32(c + 24), cs = rd32(c + 20), off = rd32(c + 42), data;

		if (rd32(c) != 0x02014b50 || len - pos - 46 < nl + xl + cl)
			return false;
		mime_zipx_extra64(c + 46 + nl, xl, &us, &cs, &off);
		pos += 46 + nl + xl + cl;
		if (nl != n || memcmp(c + 46, name, n) != 0 || us != usize)
			continue;
		if ((rd16(c + 8) & 1) || off > len || len - off < 30 || rd32(z + off) != 0x04034b50)
			return false;
		data = off + 30 + rd16(z + off + 26) + rd16(z + off + 28);
		if (data > len || len - data < cs)
			return false;
		e->method = rd16(c + 10);
		e->flags = rd16(c + 8);
		e->usize = us;
		e->data = z + data;
		e->csize = (size_t)cs;
		return true;
	}
	return false;
}
