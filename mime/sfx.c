/*
 * sfx: the archive a self-extracting executable carries (see sfx.h).
 *
 * Limits: one pass over the bytes for all signatures; each candidate costs a CRC of its first
 * header (at most 64 KiB), and all of them together at most SFX_CHECK_BUDGET plus twice the
 * file's size (signatures planted every few bytes, each before a header claiming 64 KiB,
 * cost seconds a megabyte): past that the file is unscannable, never called clean. The
 * member is a copy of at most max_member_bytes. Thread safety: no state.
 */

#include "mime/sfx.h"

#include <string.h>
#include <zlib.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define SFX_CHECK_BUDGET (4u << 20) /* bytes of first headers checked, beside 2 x the file */

struct sfx_kind {
	const char *sig;
	size_t sig_len;
	const char *name;
	/* the bytes of d whose CRC the first header's check takes (0: it cannot hold) */
	size_t (*extent)(const unsigned char *d, size_t len);
	bool (*valid)(const unsigned char *d, size_t extent);
};

static uint32_t sfx_le(const unsigned char *p, unsigned int n)
{
	uint32_t v = 0;

	for (unsigned int i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

/* RAR 5: the main header (its size, a vint, and its fields) after the signature and CRC32. */
static size_t sfx_rar5_extent(const unsigned char *d, size_t len)
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
		return 0;
	return p + size;
}

static bool sfx_rar5(const unsigned char *d, size_t extent)
{
	return crc32(0, d + 12, (uInt)(extent - 12)) == sfx_le(d + 8, 4);
}

/* RAR 4: the archive header (type 0x73) and its CRC16 (the CRC32's low half) after the marker. */
static size_t sfx_rar4_extent(const unsigned char *d, size_t len)
{
	size_t size;

	if (len < 7 + 13 || d[9] != 0x73)
		return 0;
	size = sfx_le(d + 12, 2);
	if (size < 13 || size > len - 7)
		return 0;
	return 7 + size;
}

static bool sfx_rar4(const unsigned char *d, size_t extent)
{
	return (crc32(0, d + 9, (uInt)(extent - 9)) & 0xffff) == sfx_le(d + 7, 2);
}

/* 7z: the start header's CRC32 (over the next header's offset, size and CRC). */
static size_t sfx_7z_extent(const unsigned char *d, size_t len)
{
	(void)d;
	return len >= 32 ? 32 : 0;
}

static bool sfx_7z(const unsigned char *d, size_t extent)
{
	(void)extent;
	return crc32(0, d + 12, 20) == sfx_le(d + 8, 4);
}

static const struct sfx_kind sfx_kinds[] = {
        {"Rar!\x1a\x07\x01\x00", 8, "sfx.rar", sfx_rar5_extent, sfx_rar5},
        {"Rar!\x1a\x07\x00", 7, "sfx.rar", sfx_rar4_extent, sfx_rar4},
        {"7z\xbc\xaf\x27\x1c", 6, "sfx.7z", sfx_7z_extent, sfx_7z},
};

/*
 * The first place at or after p where a signature may start ("Ra" or "7z"), or NULL: one pass
 * over the bytes for every kind (three memmem passes cost as much as a SHA-256 of the file).
 */
static const unsigned char *sfx_next(const unsigned char *p, const unsigned char *end)
{
#if defined(__SSE2__)
	const __m128i r = _mm_set1_epi8('R'), a = _mm_set1_epi8('a'), seven = _mm_set1_epi8('7'),
	              z = _mm_set1_epi8('z');

	while (end - p >= 17) {
		__m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)p),
		        v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
		__m128i hit = _mm_or_si128(
		        _mm_and_si128(_mm_cmpeq_epi8(v0, r), _mm_cmpeq_epi8(v1, a)),
		        _mm_and_si128(_mm_cmpeq_epi8(v0, seven), _mm_cmpeq_epi8(v1, z)));
		unsigned int m = (unsigned int)_mm_movemask_epi8(hit);

		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
	for (; end - p >= 2; p++)
		if ((p[0] == 'R' && p[1] == 'a') || (p[0] == '7' && p[1] == 'z'))
			return p;
	return NULL;
}

enum sfx_found { SFX_NONE, SFX_FOUND, SFX_TOO_MANY };

/* The first archive appended to an executable: its offset and kind; or none; or too many
   candidates to check them all within the budget (not known). */
static enum sfx_found sfx_find(const unsigned char *data, size_t len, size_t *at_r,
                               const struct sfx_kind **kind_r)
{
	const unsigned char *end = data + len, *p = data + 1;
	size_t budget = SFX_CHECK_BUDGET + (len > SIZE_MAX / 4 ? SIZE_MAX / 2 : 2 * len);

	if (len < 64 || !((data[0] == 'M' && data[1] == 'Z') || memcmp(data, "\177ELF", 4) == 0))
		return SFX_NONE;
	/* in order of offset: the first whose signature and first header hold */
	while ((p = sfx_next(p, end)) != NULL) {
		for (size_t k = 0; k < G_N_ELEMENTS(sfx_kinds); k++) {
			const struct sfx_kind *kind = &sfx_kinds[k];
			size_t extent;

			if ((size_t)(end - p) < kind->sig_len ||
			    memcmp(p, kind->sig, kind->sig_len) != 0 ||
			    (extent = kind->extent(p, (size_t)(end - p))) == 0)
				continue;
			if (extent > budget)
				return SFX_TOO_MANY;
			budget -= extent;
			if (kind->valid(p, extent)) {
				*at_r = (size_t)(p - data);
				*kind_r = kind;
				return SFX_FOUND;
			}
		}
		p++;
	}
	return SFX_NONE;
}

bool sfx_probe(const unsigned char *data, size_t len)
{
	const struct sfx_kind *kind;
	size_t at;

	/* too many to check: the reader says so (the file is not called clean) */
	return sfx_find(data, len, &at, &kind) != SFX_NONE;
}

int sfx_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
             GPtrArray *members, GError **error)
{
	struct reader_budget b;
	const struct sfx_kind *kind;
	size_t at, cap, n;
	bool cut;

	switch (sfx_find(data, len, &at, &kind)) {
	case SFX_NONE:
		g_set_error(error, READER_ERROR, READER_ERROR_MALFORMED,
		            "no archive appended to the executable");
		return -1;
	case SFX_TOO_MANY:
		g_set_error(error, READER_ERROR, READER_ERROR_LIMIT,
		            "too many archive signatures to check for a self-extracting archive");
		return -1;
	default:
		break;
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
