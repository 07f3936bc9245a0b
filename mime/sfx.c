/*
 * sfx: the archive a self-extracting executable carries (see sfx.h).
 *
 * Limits: one pass over the bytes per signature (memmem); each candidate costs a CRC of its
 * first header (at most 64 KiB); the member is a copy of at most max_member_bytes. Thread
 * safety: no state.
 */

#include "mime/sfx.h"

#include <string.h>
#include <zlib.h>

struct sfx_kind {
	const char *sig;
	size_t sig_len;
	const char *name;
	bool (*valid)(const unsigned char *d, size_t len);
};

static uint32_t sfx_le(const unsigned char *p, unsigned int n)
{
	uint32_t v = 0;

	for (unsigned int i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

/* RAR 5: the CRC32 of the main header (its size, a vint, and its fields) after the signature. */
static bool sfx_rar5(const unsigned char *d, size_t len)
{
	size_t p = 12, size = 0;
	unsigned int shift = 0;

	while (p < len && shift < 21) {
		size |= (size_t)(d[p] & 0x7f) << shift;
		shift += 7;
		if (!(d[p++] & 0x80))
			break;
	}
	if (p >= len || size == 0 || size > 65536 || size > len - p || (d[p - 1] & 0x80))
		return false;
	return crc32(0, d + 12, (uInt)(p - 12 + size)) == sfx_le(d + 8, 4);
}

/* RAR 4: the archive header (type 0x73) and its CRC16 (the CRC32's low half) after the marker. */
static bool sfx_rar4(const unsigned char *d, size_t len)
{
	size_t size;

	if (len < 7 + 13 || d[9] != 0x73)
		return false;
	size = sfx_le(d + 12, 2);
	if (size < 13 || size > len - 7)
		return false;
	return (crc32(0, d + 9, (uInt)(size - 2)) & 0xffff) == sfx_le(d + 7, 2);
}

/* 7z: the start header's CRC32 (over the next header's offset, size and CRC). */
static bool sfx_7z(const unsigned char *d, size_t len)
{
	return len >= 32 && crc32(0, d + 12, 20) == sfx_le(d + 8, 4);
}

static const struct sfx_kind sfx_kinds[] = {
        {"Rar!\x1a\x07\x01\x00", 8, "sfx.rar", sfx_rar5},
        {"Rar!\x1a\x07\x00", 7, "sfx.rar", sfx_rar4},
        {"7z\xbc\xaf\x27\x1c", 6, "sfx.7z", sfx_7z},
};

/* The first archive appended to an executable: its offset and kind, or false. */
static bool sfx_find(const unsigned char *data, size_t len, size_t *at_r,
                     const struct sfx_kind **kind_r)
{
	bool found = false;

	if (len < 64 || !((data[0] == 'M' && data[1] == 'Z') || memcmp(data, "\177ELF", 4) == 0))
		return false;
	for (size_t k = 0; k < G_N_ELEMENTS(sfx_kinds); k++) {
		const struct sfx_kind *kind = &sfx_kinds[k];
		size_t from = 1;
		const unsigned char *p;

		while (from < len &&
		       (p = memmem(data + from, len - from, kind->sig, kind->sig_len)) != NULL) {
			size_t at = (size_t)(p - data);

			if (found && at >= *at_r)
				break;
			if (kind->valid(p, len - at)) {
				*at_r = at;
				*kind_r = kind;
				found = true;
				break;
			}
			from = at + 1;
		}
	}
	return found;
}

bool sfx_probe(const unsigned char *data, size_t len)
{
	const struct sfx_kind *kind;
	size_t at;

	return sfx_find(data, len, &at, &kind);
}

int sfx_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
             GPtrArray *members, GError **error)
{
	struct reader_budget b;
	const struct sfx_kind *kind;
	size_t at, cap, n;
	bool cut;

	if (!sfx_find(data, len, &at, &kind)) {
		g_set_error(error, READER_ERROR, READER_ERROR_MALFORMED,
		            "no archive appended to the executable");
		return -1;
	}
	reader_budget_init(&b, lim, len);
	cap = reader_budget_cap(&b);
	n = len - at;
	cut = n > cap;
	if (cut)
		n = cap;
	b.out += n;
	reader_member_add(&b, members, kind->name, g_bytes_new(data + at, n),
	                  cut ? READER_MEMBER_TRUNCATED : 0,
	                  cut ? "archive larger than max_member_bytes: cut there" : NULL);
	return 0;
}
