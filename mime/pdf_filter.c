/*
 * pdf_filter: the stream filters of pdf.c besides FlateDecode (which is zlib in reader.c):
 * ASCIIHexDecode, ASCII85Decode, RunLengthDecode, LZWDecode, and the PNG predictors of
 * FlateDecode and LZWDecode.
 * Every output is bounded by the cap its caller gives (*cut set when reached); the
 * predictor's output is never larger than its input. Thread safety: no state.
 */

#include "mime/pdf_filter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

GBytes *pdf_filter_ahx(const unsigned char *s, size_t n, size_t cap, bool *cut)
{
	GByteArray *out = g_byte_array_new();
	int hi = -1;

	for (size_t i = 0; i < n && s[i] != '>'; i++) {
		int h = pdf_hexval(s[i]);

		if (h < 0)
			continue;
		if (hi < 0) {
			hi = h;
			continue;
		}
		if (out->len >= cap) {
			*cut = true;
			break;
		}
		g_byte_array_append(out, &(unsigned char){(unsigned char)(hi << 4 | h)}, 1);
		hi = -1;
	}
	if (hi >= 0 && out->len < cap)
		g_byte_array_append(out, &(unsigned char){(unsigned char)(hi << 4)}, 1);
	return g_byte_array_free_to_bytes(out);
}

GBytes *pdf_filter_a85(const unsigned char *s, size_t n, size_t cap, bool *cut)
{
	GByteArray *out = g_byte_array_new();
	uint32_t acc = 0;
	int k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '~')
			break;
		if (c == 'z' && k == 0) {
			if (out->len + 4 > cap) {
				*cut = true;
				break;
			}
			g_byte_array_append(out, (const guint8 *)"\0\0\0\0", 4);
			continue;
		}
		if (c < '!' || c > 'u')
			continue;
		acc = acc * 85 + (c - '!');
		if (++k == 5) {
			unsigned char b[4] = {acc >> 24, acc >> 16, acc >> 8, acc};

			if (out->len + 4 > cap) {
				*cut = true;
				break;
			}
			g_byte_array_append(out, b, 4);
			acc = 0;
			k = 0;
		}
	}
	if (k > 1 && !*cut) {
		unsigned char b[4];

		for (int j = k; j < 5; j++)
			acc = acc * 85 + 84;
		b[0] = acc >> 24, b[1] = acc >> 16, b[2] = acc >> 8, b[3] = acc;
		g_byte_array_append(out, b, (guint)MIN((size_t)(k - 1), cap - out->len));
	}
	return g_byte_array_free_to_bytes(out);
}

GBytes *pdf_filter_rl(const unsigned char *s, size_t n, size_t cap, bool *cut)
{
	GByteArray *out = g_byte_array_new();
	size_t i = 0;

	while (i < n && s[i] != 128) {
		unsigned int l = s[i++];

		if (l < 128) {
			size_t c = MIN((size_t)l + 1, n - i);

			if (out->len + c > cap) {
				*cut = true;
				break;
			}
			g_byte_array_append(out, s + i, (guint)c);
			i += c;
		} else if (i < n) {
			size_t c = 257 - l;

			if (out->len + c > cap) {
				*cut = true;
				break;
			}
			for (size_t j = 0; j < c; j++)
				g_byte_array_append(out, s + i, 1);
			i++;
		}
	}
	return g_byte_array_free_to_bytes(out);
}

/*
 * PNG predictors (10-15) undone: rows of 1 + columns * bytes per pixel bytes. A last row cut
 * short is completed the way poppler does it: the bytes it lacks are those of the row above
 * (zeros for a first row), so a stream's last row always comes out whole. Only what the
 * output can hold is ever allocated: a row claiming gigabytes over a few bytes of data costs
 * the cap, not the claim.
 */
GBytes *pdf_png_unpredict(GBytes *in, long long colors, long long bpc, long long columns,
                          size_t cap, bool *cut, const char **why)
{
	size_t n, bpp, row, rows, total, lim;
	const unsigned char *s = g_bytes_get_data(in, &n);
	unsigned char *out, *prev;

	if (colors <= 0)
		colors = 1;
	if (bpc <= 0)
		bpc = 8;
	if (columns <= 0)
		columns = 1;
	if (colors > 64 || bpc > 16 || columns > (1 << 24)) {
		*why = "predictor parameters out of range";
		return in;
	}
	bpp = (size_t)((colors * bpc + 7) / 8);
	row = (size_t)((colors * bpc * columns + 7) / 8);
	/* a last piece of the type byte alone is no row (poppler stops there too) */
	rows = n / (row + 1) + (n % (row + 1) >= 2 ? 1 : 0);
	total = rows * row; /* rows <= n and row < 2^31: no overflow */
	lim = MIN(total, cap);
	if (lim < total)
		*cut = true;
	out = g_malloc(lim + 1);
	prev = g_malloc0(MIN(row, lim) + 1);
	for (size_t r = 0; r < rows && r * row < lim; r++) {
		const unsigned char *src = s + r * (row + 1) + 1;
		unsigned char *dst = out + r * row, type = s[r * (row + 1)];
		size_t w = MIN(row, lim - r * row), have = MIN(w, n - r * (row + 1) - 1);

		for (size_t i = 0; i < have; i++) {
			unsigned int a = i >= bpp ? dst[i - bpp] : 0, b = prev[i],
			             c = i >= bpp ? prev[i - bpp] : 0, x = src[i];
			int p, pa, pb, pc;

			switch (type) {
			case 1:
				x += a;
				break;
			case 2:
				x += b;
				break;
			case 3:
				x += (a + b) / 2;
				break;
			case 4:
				p = (int)a + (int)b - (int)c;
				pa = abs(p - (int)a), pb = abs(p - (int)b), pc = abs(p - (int)c);
				x += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
				break;
			default:
				break;
			}
			dst[i] = (unsigned char)x;
		}
		memcpy(dst + have, prev + have, w - have);
		memcpy(prev, dst, w);
	}
	g_free(prev);
	g_bytes_unref(in);
	return g_bytes_new_take(out, lim);
}

/*
 * LZWDecode: codes of 9 to 12 bits, most significant bit first, 256 clears the table, 257
 * ends the data; the code width grows one code early when early is 1 (/EarlyChange, the
 * default). The table is fixed (4096 entries of prefix, last byte, first byte, length), a
 * string is written backwards from its last byte: no recursion, no allocation but the output.
 */
GBytes *pdf_filter_lzw(const unsigned char *s, size_t n, int early, size_t cap, bool *cut,
                       const char **why)
{
	enum { LZW_CLEAR = 256, LZW_EOD = 257, LZW_FIRST = 258, LZW_MAX = 4096 };
	uint16_t *prefix = g_new(uint16_t, LZW_MAX), *len = g_new(uint16_t, LZW_MAX);
	unsigned char *last = g_malloc(LZW_MAX), *first = g_malloc(LZW_MAX);
	GByteArray *out = g_byte_array_new();
	unsigned int bits = 9, next = LZW_FIRST, nacc = 0;
	int prev = -1;
	uint32_t acc = 0;
	size_t i = 0;

	early = early != 0;
	for (unsigned int c = 0; c < 256; c++) {
		prefix[c] = 0;
		len[c] = 1;
		last[c] = first[c] = (unsigned char)c;
	}
	for (;;) {
		unsigned int code;

		while (nacc < bits && i < n) {
			acc = acc << 8 | s[i++];
			nacc += 8;
		}
		if (nacc < bits)
			break; /* the data ends without EOD: what was decoded stands */
		code = (acc >> (nacc - bits)) & ((1u << bits) - 1);
		nacc -= bits;
		acc &= (1u << nacc) - 1;
		if (code == LZW_CLEAR) {
			bits = 9;
			next = LZW_FIRST;
			prev = -1;
			continue;
		}
		if (code == LZW_EOD)
			break;
		if (prev < 0 ? code > 255 : code > next || (code == next && next == LZW_MAX)) {
			*why = "invalid LZW code";
			break;
		}
		if (prev >= 0 && next < LZW_MAX) {
			/* the new entry: prev's string and the first byte of code's (prev's own when
			 * code is the entry being made) */
			prefix[next] = (uint16_t)prev;
			first[next] = first[prev];
			last[next] = code == next ? first[prev] : first[code];
			len[next] = (uint16_t)(len[prev] + 1);
			next++;
		}
		if ((size_t)len[code] > cap - out->len) {
			*cut = true;
			break;
		}
		g_byte_array_set_size(out, out->len + len[code]);
		for (unsigned int c = code, k = out->len; k-- > out->len - len[code];) {
			out->data[k] = last[c];
			c = prefix[c];
		}
		prev = (int)code;
		if (next + (unsigned int)early >= (1u << bits) && bits < 12)
			bits++;
	}
	g_free(prefix);
	g_free(len);
	g_free(last);
	g_free(first);
	return g_byte_array_free_to_bytes(out);
}
