#ifndef PARTSCAN_MIME_PDF_FILTER_H
#define PARTSCAN_MIME_PDF_FILTER_H

/*
 * pdf_filter: PDF stream filters (internal to pdf.c). Each decodes s[0..n) into new bytes of
 * at most cap, *cut set to true when cap stopped it.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* 0-15 for a hex digit, else -1. */
int pdf_hexval(unsigned char c);

GBytes *pdf_filter_ahx(const unsigned char *s, size_t n, size_t cap, bool *cut);
GBytes *pdf_filter_a85(const unsigned char *s, size_t n, size_t cap, bool *cut);
GBytes *pdf_filter_rl(const unsigned char *s, size_t n, size_t cap, bool *cut);
/*
 * LZWDecode with /EarlyChange early (0 or 1, the default). Data ending without the end code
 * or an invalid code end it (*why set for the latter): what was decoded before is returned.
 */
GBytes *pdf_filter_lzw(const unsigned char *s, size_t n, int early, size_t cap, bool *cut,
                       const char **why);

/*
 * PNG predictors (Predictor 10-15) undone: rows of 1 + Columns * Colors * BitsPerComponent / 8
 * bytes (values <= 0 take the defaults 1, 8, 1); a last row cut short is completed with the
 * row above, as poppler does. At most cap bytes come out (*cut set when more would). Takes
 * in; returns the result, or in itself with *why set when the parameters are out of range.
 */
GBytes *pdf_png_unpredict(GBytes *in, long long colors, long long bpc, long long columns,
                          size_t cap, bool *cut, const char **why);

#endif
