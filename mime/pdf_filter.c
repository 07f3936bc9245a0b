/*
 * pdf_filter: the stream filters of pdf.c besides FlateDecode (which is zlib in reader.c):
 * ASCIIHexDecode, ASCII85Decode, RunLengthDecode, and the PNG predictors of FlateDecode.
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

/* PNG predictors (10-15) undone in place: rows of 1 + columns * bytes per pixel bytes. */
GBytes *pdf_png_unpredict(GBytes *in, long long colors, long long bpc, long long columns,
                          const char **why)
{
	size_t n, bpp, row, rows;
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
	rows = n / (row + 1);
	out = g_malloc(rows * row + 1);
	prev = g_malloc0(row);
	for (size_t r = 0; r < rows; r++) {
		const unsigned char *src = s + r * (row + 1) + 1;
		unsigned char *dst = out + r * row, type = s[r * (row + 1)];

		for (size_t i = 0; i < row; i++) {
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
		memcpy(prev, dst, row);
	}
	g_free(prev);
	g_bytes_unref(in);
	return g_bytes_new_take(out, rows * row);
}
