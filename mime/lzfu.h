#ifndef PARTSCAN_MIME_LZFU_H
#define PARTSCAN_MIME_LZFU_H

/*
 * lzfu: compressed RTF (MS-OXRTFCP), the PR_RTF_COMPRESSED body of an Outlook message:
 * "LZFu" (a 4 KiB dictionary primed with an RTF preamble, one control byte per eight
 * literals or references) or "MELA" (stored). Bytes in, RTF out, bounded.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* The header: compressed size, raw size, type, CRC. */
#define LZFU_HEADER 16

/*
 * Decompress d[0..n) into at most cap bytes (and at most the raw size the header declares).
 * Returns the RTF, or NULL with *why_r set (static text) when the header is not one; data
 * that ends early or refers past what was written is what was decoded so far, *why_r set
 * too, and *cut_r set when cap stopped it.
 */
GBytes *lzfu_decode(const unsigned char *d, size_t n, size_t cap, bool *cut_r, const char **why_r);

#endif
