/*
 * lzfu: compressed RTF (MS-OXRTFCP 2.2 and 3.2), as Outlook stores a message's rich text.
 *
 * The dictionary is 4096 bytes, primed with a fixed 207-byte RTF preamble; each control byte
 * says, low bit first, whether the next item is a literal byte or a 16-bit reference (12-bit
 * dictionary offset, 4-bit length - 2). A reference to the current write position ends the
 * data. Limits: the output never exceeds cap nor the raw size of the header (a reference is
 * at most 17 bytes, so the work is linear in the output); no allocation but the output.
 * Thread safety: no state.
 */

#include "mime/lzfu.h"

#include <stdint.h>
#include <string.h>

static const char preamble[] =
        "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
        "\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
        "{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

GBytes *lzfu_decode(const unsigned char *d, size_t n, size_t cap, bool *cut_r, const char **why_r)
{
	unsigned char dict[4096];
	unsigned int w = sizeof(preamble) - 1;
	uint32_t csize, rsize, type;
	GByteArray *out;
	size_t p = LZFU_HEADER, end;

	*cut_r = false;
	*why_r = NULL;
	if (n < LZFU_HEADER) {
		*why_r = "compressed RTF shorter than its header";
		return NULL;
	}
	csize = le32(d);
	rsize = le32(d + 4);
	type = le32(d + 8);
	end = csize <= n - 4 ? (size_t)csize + 4 : n;
	if (end < LZFU_HEADER)
		end = LZFU_HEADER; /* a size too small for its own header: no data */
	if (type == 0x414c454du) { /* "MELA": stored */
		size_t k = MIN(end - LZFU_HEADER, MIN((size_t)rsize, cap));

		*cut_r = k < end - LZFU_HEADER && k == cap;
		return g_bytes_new(d + LZFU_HEADER, k);
	}
	if (type != 0x75465a4cu) {
		*why_r = "compressed RTF of an unknown type";
		return NULL;
	}
	if (rsize < cap)
		cap = rsize;
	memset(dict, 0, sizeof(dict));
	memcpy(dict, preamble, w);
	out = g_byte_array_new();
	while (p < end) {
		unsigned int control = d[p++];

		for (int bit = 0; bit < 8; bit++, control >>= 1) {
			if (!(control & 1)) {
				if (p >= end)
					break; /* no end marker */
				if (out->len >= cap) {
					*cut_r = out->len < rsize;
					goto done;
				}
				dict[w] = d[p];
				w = (w + 1) & 4095;
				g_byte_array_append(out, d + p, 1);
				p++;
				continue;
			}
			if (end - p < 2) {
				*why_r = "compressed RTF ends in a reference";
				goto done;
			}
			{
				unsigned int ref = (unsigned int)d[p] << 8 | d[p + 1];
				unsigned int off = ref >> 4, len = (ref & 15) + 2;

				p += 2;
				if (off == w)
					goto done; /* the end */
				for (unsigned int k = 0; k < len; k++) {
					unsigned char c = dict[(off + k) & 4095];

					if (out->len >= cap) {
						*cut_r = out->len < rsize;
						goto done;
					}
					dict[w] = c;
					w = (w + 1) & 4095;
					g_byte_array_append(out, &c, 1);
				}
			}
		}
	}
	*why_r = "compressed RTF without its end";
done:
	return g_byte_array_free_to_bytes(out);
}
