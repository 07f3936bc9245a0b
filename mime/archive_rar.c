/*
 * archive_rar: the memory libarchive's RAR readers allocate for an archive, read from its
 * headers (part of the archive module; counted against max_decoder_memory by
 * archive_memory.c).
 *
 * RAR 5: each file header names its dictionary (128 KiB << n, at most 64 MiB in libarchive,
 * which refuses more); once a compressed file has made libarchive allocate a window, every
 * later file's header (stored ones too) grows it to its own dictionary, and each compressed
 * file allocates a filter buffer of the same size: twice the largest dictionary, with the
 * buffer a block spanning volumes takes (RAR5_EXTRA), when any file is compressed.
 *
 * RAR 4: a compressed file's window is at most 4 MiB (smaller for a smaller file); a block
 * compressed with PPMd asks for its model's memory in its own first bytes (up to 256 MiB),
 * allocated at once. The first block of each file is read; a block that switches to PPMd
 * later in a file's data cannot be seen without decoding what comes before it (not counted).
 *
 * The headers are walked as libarchive walks them (which bytes follow each kind of header),
 * from the signature at the start: a self-extracting archive is an executable to ftype, not
 * opened as an archive. Encrypted headers (RAR 5) or data (RAR 4) stop the walk: libarchive
 * reads neither.
 * Limits: at most RAR_MAX_HEADERS headers are walked. Thread safety: no state.
 */

#include "mime/archive_private.h"

#include <string.h>

#define MIB             ((uint64_t)1024 * 1024)
#define RAR_MAX_HEADERS 100000
#define RAR4_EXTRA      (512u * 1024u) /* the unpacked buffer, the filters' memory, tables */
#define RAR5_EXTRA      (16 * MIB)     /* a block spanning volumes, filters, tables */
#define RAR4_WINDOW_MAX (4 * MIB)
#define RAR5_WINDOW_MAX (64 * MIB)

/* A RAR 5 variable-length integer at d[*pos, end) (7 bits a byte, low first). */
static bool rar5_vint(const unsigned char *d, size_t end, size_t *pos, uint64_t *v_r)
{
	uint64_t v = 0;

	for (unsigned int shift = 0; shift < 64 && *pos < end; shift += 7) {
		unsigned char b = d[(*pos)++];

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v_r = v;
			return true;
		}
	}
	return false;
}

/* Twice the largest dictionary, when a file is compressed, of every header from pos. */
static uint64_t rar5_memory(const unsigned char *d, size_t len, size_t pos)
{
	uint64_t window = 0;
	bool packed = false;

	for (unsigned int n = 0; n < RAR_MAX_HEADERS && pos < len; n++) {
		uint64_t hsize, type, flags, extra = 0, data = 0, fflags, v, ci;
		size_t p = pos + 4, end; /* past the header's CRC32 */

		/* a header cut short or broken ends what libarchive reads too */
		if (len - pos < 4 || !rar5_vint(d, len, &p, &hsize) || hsize > len - p)
			break;
		end = p + (size_t)hsize;
		if (!rar5_vint(d, end, &p, &type) || !rar5_vint(d, end, &p, &flags) ||
		    ((flags & 1) && !rar5_vint(d, end, &p, &extra)) ||
		    ((flags & 2) && !rar5_vint(d, end, &p, &data)))
			break;
		if (type == 4 || type == 5) /* headers encrypted from here on, or the end */
			break;
		if (type != 2 && type != 3) { /* only a file's or a service's data follows */
			pos = end;
			continue;
		}
		if (!rar5_vint(d, end, &p, &fflags) || !rar5_vint(d, end, &p, &v) ||
		    !rar5_vint(d, end, &p, &v))
			break;
		p += (fflags & 2 ? 4 : 0) + (fflags & 4 ? 4 : 0);
		if (p > end || !rar5_vint(d, end, &p, &ci))
			break;
		v = (uint64_t)0x20000 << (ci >> 10 & 15);
		if (!(fflags & 1) && v <= RAR5_WINDOW_MAX) {
			window = MAX(window, v);
			packed = packed || (ci >> 7 & 7) != 0;
		}
		if (data > len - end)
			break; /* the data runs past the bytes: no header after it */
		pos = end + (size_t)data;
	}
	return packed ? 2 * window + RAR5_EXTRA : 0;
}

/* The window libarchive gives a file of usize bytes: twice its highest bit, at most 4 MiB. */
static uint64_t rar4_window(uint64_t usize)
{
	uint64_t w = 1;

	if (usize >= RAR4_WINDOW_MAX)
		return RAR4_WINDOW_MAX;
	while (w <= (usize & 0xffffffffu))
		w <<= 1;
	return w;
}

/* The largest window plus the largest PPMd model of the files' first blocks, from pos. */
static uint64_t rar4_memory(const unsigned char *d, size_t len, size_t pos)
{
	uint64_t window = 0, model = 0;

	for (unsigned int n = 0; n < RAR_MAX_HEADERS && len - pos >= 7; n++) {
		const unsigned char *h = d + pos;
		unsigned int type = h[2], flags = (unsigned int)mime_archive_le(h + 3, 2);
		uint64_t size = type == 0x72 ? 7 : mime_archive_le(h + 5, 2), add = 0;

		if (size < 7 || size > len - pos)
			break;
		switch (type) {
		case 0x72: /* the marker */
		case 0x73: /* the archive's header: nothing follows it */
			break;
		case 0x74: /* a file, and its packed data */
		case 0x7a: /* a service header (comment, recovery record), the same */
			if (size < 32)
				return window + model > 0 ? window + model + RAR4_EXTRA : 0;
			add = mime_archive_le(h + 7, 4);
			if ((flags & 0x100) && size >= 40)
				add |= mime_archive_le(h + 32, 4) << 32;
			if (type == 0x74 && h[25] != 0x30 && (flags & 0xe0) != 0xe0 &&
			    !(flags & 0x4)) {
				uint64_t usize = mime_archive_le(h + 11, 4);
				size_t at = pos + (size_t)size;

				if ((flags & 0x100) && size >= 40)
					usize |= mime_archive_le(h + 36, 4) << 32;
				window = MAX(window, rar4_window(usize));
				/* the first bit says PPMd; of the 7 flag bits after it, 0x20: a size */
				if (at + 2 <= len && (d[at] & 0x80) && (d[at] & 0x20))
					model = MAX(model, ((uint64_t)d[at + 1] + 1) * MIB);
			}
			break;
		case 0x75: /* comment, extra information, subblock, recovery, signature */
		case 0x76:
		case 0x77:
		case 0x78:
		case 0x79:
			if ((flags & 0x8000) && size >= 11)
				add = mime_archive_le(h + 7, 4);
			break;
		default: /* the end, or a header libarchive refuses */
			return window + model > 0 ? window + model + RAR4_EXTRA : 0;
		}
		if (add > len - pos - size)
			break;
		pos += (size_t)(size + add);
	}
	return window + model > 0 ? window + model + RAR4_EXTRA : 0;
}

uint64_t mime_archive_rar_memory(const unsigned char *d, size_t len)
{
	static const unsigned char rar5[8] = {'R', 'a', 'r', '!', 0x1a, 0x07, 0x01, 0x00};
	static const unsigned char rar4[7] = {'R', 'a', 'r', '!', 0x1a, 0x07, 0x00};

	/* a RAR part starts with its signature (ftype): no self-extracting stub before it */
	if (len >= sizeof(rar5) && memcmp(d, rar5, sizeof(rar5)) == 0)
		return rar5_memory(d, len, sizeof(rar5));
	if (len >= sizeof(rar4) && memcmp(d, rar4, sizeof(rar4)) == 0)
		return rar4_memory(d, len, sizeof(rar4));
	return 0;
}
