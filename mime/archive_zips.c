/*
 * archive_zips: where the zips in a part's bytes lie, for the archive reader (archive.c).
 *
 * What the extractors see in the same bytes differs: unzip and Python read the central
 * directory named by the last end-of-central-directory record (bytes in front allowed),
 * 7-Zip and streaming readers the local headers from the first one, and 7-Zip's parser
 * ("7z l -t#") every zip of a concatenation, the middle ones too. mime_archive_zips() finds
 * each zip a reader could open: every end-of-central-directory record of the bytes whose
 * directory lies before it and starts with a central header, and whose first local header
 * is where the directory's offset puts it.
 *
 * Limits: one pass over the bytes (memmem), at most MIME_ARCHIVE_ZIPS_MAX zips kept; a zip
 * that lies inside another one found (a zip stored uncompressed as a member: a fat jar's
 * nested jars) is not counted: it is read as that member. Thread safety: no state.
 */

#include "mime/archive_private.h"

#include <string.h>

static uint32_t arch_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Where the zip that a reader of the central directory sees starts: the last valid
 * end-of-central-directory record in the last 64 KiB (its comment within the bytes, its
 * directory before it and starting with a central header), minus the directory's offset.
 * false when there is none; a zip64 directory (offsets 0xffffffff) counts as starting at 0.
 */
bool mime_archive_zip_start(const unsigned char *d, size_t len, size_t *start_r)
{
	size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;

	if (len < 22)
		return false;
	for (size_t e = len - 22 + 1; e-- > lo;) {
		uint32_t cd_size, cd_off;
		size_t clen;

		if (d[e] != 'P' || memcmp(d + e, "PK\005\006", 4) != 0)
			continue;
		clen = (size_t)d[e + 20] | (size_t)d[e + 21] << 8;
		if (clen > len - e - 22)
			continue;
		cd_size = arch_le32(d + e + 12);
		cd_off = arch_le32(d + e + 16);
		if (cd_off == 0xffffffffu || cd_size == 0xffffffffu) {
			*start_r = 0;
			return true;
		}
		if ((uint64_t)cd_size + cd_off > e)
			continue;
		if (cd_size > 0 && memcmp(d + e - cd_size, "PK\001\002", 4) != 0)
			continue;
		*start_r = e - cd_size - cd_off;
		return true;
	}
	return false;
}

/* The offset of the first local file header ("PK\3\4"), or len. */
size_t mime_archive_zip_first(const unsigned char *d, size_t len)
{
	const unsigned char *p = len >= 4 ? memmem(d, len, "PK\003\004", 4) : NULL;

	return p != NULL ? (size_t)(p - d) : len;
}

bool mime_archive_zip_inside(const unsigned char *data, size_t len)
{
	size_t start;

	return mime_archive_zip_start(data, len, &start) && start > 0 && start < len &&
	       memcmp(data + start, "PK\003\004", 4) == 0;
}

/* The zip whose end-of-central-directory record is at e, or false (zip64 is not followed). */
static bool zip_at(const unsigned char *d, size_t len, size_t e, struct mime_archive_zip *z)
{
	uint32_t cd_size, cd_off;
	size_t clen;

	if (len - e < 22)
		return false;
	clen = (size_t)d[e + 20] | (size_t)d[e + 21] << 8;
	if (clen > len - e - 22)
		return false;
	cd_size = arch_le32(d + e + 12);
	cd_off = arch_le32(d + e + 16);
	if (cd_size == 0 || cd_off == 0xffffffffu || cd_size == 0xffffffffu ||
	    (uint64_t)cd_size + cd_off > e || memcmp(d + e - cd_size, "PK\001\002", 4) != 0)
		return false;
	z->start = e - cd_size - cd_off;
	z->end = e + 22 + clen;
	return memcmp(d + z->start, "PK\003\004", 4) == 0;
}

guint mime_archive_zips(const unsigned char *d, size_t len, struct mime_archive_zip *zips,
                        guint max, bool *more_r)
{
	GArray *all = g_array_new(FALSE, FALSE, sizeof(struct mime_archive_zip));
	size_t off = 0;
	guint n = 0;

	*more_r = false;
	while (len - off >= 22) {
		const unsigned char *p = memmem(d + off, len - off, "PK\005\006", 4);
		struct mime_archive_zip z;

		if (p == NULL)
			break;
		if (zip_at(d, len, (size_t)(p - d), &z))
			g_array_append_val(all, z);
		off = (size_t)(p - d) + 1;
	}
	/* from the last: a zip that ends after the start of one kept lies inside it */
	for (guint i = all->len; i > 0; i--) {
		const struct mime_archive_zip *z =
		        &g_array_index(all, struct mime_archive_zip, i - 1);

		if (n > 0 && z->end > zips[n - 1].start)
			continue;
		if (n == max) {
			*more_r = true;
			break;
		}
		zips[n++] = *z;
	}
	g_array_free(all, TRUE);
	/* in the order of the bytes */
	for (guint i = 0; i < n / 2; i++) {
		struct mime_archive_zip t = zips[i];

		zips[i] = zips[n - 1 - i];
		zips[n - 1 - i] = t;
	}
	return n;
}
