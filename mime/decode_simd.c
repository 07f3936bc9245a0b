/*
 * decode_simd: base64 blocks of 32 characters at once with AVX2 (see decode_simd.h).
 *
 * A block is classified by its nibbles: each character's low nibble selects from one table a
 * set of "high nibbles under which this low nibble is not in the alphabet", its high nibble
 * selects from another the one bit of its own class (0x2x: '+' '/', 0x3x: digits, 0x4x 0x6x:
 * letters from A/a, 0x5x 0x7x: letters to Z/z, anything else: never). The character is in the
 * alphabet when the two share no bit. A valid block then takes a per-class offset to its
 * 6-bit value (one more class for '/', which shares its high nibble with '+'), and two
 * multiply-adds pack each group of four 6-bit values into three bytes, which a shuffle and a
 * permutation line up: 24 bytes out per block. A block with a character outside the alphabet
 * gives the whole groups before it; when that character starts a line end (CRLF or LF)
 * between groups, the line end is skipped and the next block starts after it, so a
 * 76-column body never leaves the vector path. Anything else (padding, junk, a group cut by a
 * line end) is left to the scalar decoder: nothing here is a reading of its own, and the
 * output is that of the scalar decoder byte for byte (check_mime_decode compares the two).
 */

#include "mime/decode_simd.h"

#include <stdatomic.h>
#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define SIMD_TARGET __attribute__((target("avx2")))

/* bit per high-nibble class: 1 '+'/'/', 2 digits, 4 A-O a-o, 8 P-Z p-z, 0x10 never valid */
#define NIBBLE_HI                                                                                  \
	0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,  \
	        0x10
/* per low nibble: the classes in which it is outside the alphabet */
#define NIBBLE_LO                                                                                  \
	0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b,  \
	        0x1a
/* value offset per high nibble ('/' is moved to index 1: 47 + 16 = 63; '+' 43 + 19 = 62) */
#define NIBBLE_ROLL 0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0
/* the three bytes of each 32-bit group, high first */
#define PACK 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1

struct simd_tables {
	__m256i lut_hi, lut_lo, lut_roll, pack, low4, slash, merge2, merge4, lanes;
};

SIMD_TARGET
static inline void tables_init(struct simd_tables *t)
{
	t->lut_hi = _mm256_setr_epi8(NIBBLE_HI, NIBBLE_HI);
	t->lut_lo = _mm256_setr_epi8(NIBBLE_LO, NIBBLE_LO);
	t->lut_roll = _mm256_setr_epi8(NIBBLE_ROLL, NIBBLE_ROLL);
	t->pack = _mm256_setr_epi8(PACK, PACK);
	t->low4 = _mm256_set1_epi8(0x0f);
	t->slash = _mm256_set1_epi8('/');
	t->merge2 = _mm256_set1_epi32(0x01400140);
	t->merge4 = _mm256_set1_epi32(0x00011000);
	t->lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
}

/*
 * One block of 32 characters at p: returns the mask of those outside the alphabet (bit i for
 * p[i]) and writes the 24 bytes that 32 alphabet characters give at out (those of characters
 * past the first outsider are meaningless: the caller counts only what it keeps).
 */
SIMD_TARGET
static inline uint32_t block_avx2(const struct simd_tables *t, const unsigned char *p,
                                  unsigned char *out)
{
	__m256i s = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i hi = _mm256_and_si256(_mm256_srli_epi16(s, 4), t->low4);
	__m256i lo = _mm256_and_si256(s, t->low4);
	__m256i bad = _mm256_and_si256(_mm256_shuffle_epi8(t->lut_lo, lo),
	                               _mm256_shuffle_epi8(t->lut_hi, hi));
	__m256i v;

	/* '/' is 0x2f: its class index 2 becomes 1 (the comparison gives -1 there) */
	v = _mm256_add_epi8(
	        s, _mm256_shuffle_epi8(t->lut_roll,
	                               _mm256_add_epi8(hi, _mm256_cmpeq_epi8(s, t->slash))));
	v = _mm256_maddubs_epi16(v, t->merge2); /* a * 64 + b, c * 64 + d */
	v = _mm256_madd_epi16(v, t->merge4);    /* (a * 64 + b) * 4096 + c * 64 + d */
	v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, t->pack), t->lanes);
	_mm_storeu_si128((__m128i *)(void *)out, _mm256_castsi256_si128(v));
	_mm_storel_epi64((__m128i *)(void *)(out + 16), _mm256_extracti128_si256(v, 1));
	return ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(bad, _mm256_setzero_si256()));
}

/*
 * Lines of len characters (a multiple of 4, at least 32) each followed by the same line end
 * (eol: 1 for LF, 2 for CRLF), from p, which starts a line: each line's blocks are decoded at
 * fixed offsets and the line is kept only when all its characters are in the alphabet and its
 * line end follows, so no block waits for the one before it to be classified. Stops before the
 * first line that is not such a line (it is left to the block loop), or when the input or the
 * room runs short.
 */
SIMD_TARGET
static void lines_avx2(const struct simd_tables *t, const unsigned char **pp,
                       const unsigned char *end, unsigned char *out, size_t *op, size_t cap,
                       size_t len, size_t eol)
{
	const unsigned char *p = *pp;
	size_t o = *op, whole = len & ~(size_t)31, tail = len & 31, produced = len / 4 * 3;
	/* the tail block's load reaches 32 characters past its start */
	size_t last = tail != 0 ? whole + 32 : whole, reach = last > len + eol ? last : len + eol;
	uint32_t tail_mask = tail != 0 ? (uint32_t)((1ull << tail) - 1) : 0;

	while ((size_t)(end - p) >= reach && cap - o >= produced + 24) {
		uint32_t outside = 0;
		size_t j = 0;

		for (; j < whole; j += 32)
			outside |= block_avx2(t, p + j, out + o + j / 4 * 3);
		if (tail != 0)
			outside |= block_avx2(t, p + j, out + o + j / 4 * 3) & tail_mask;
		if (outside != 0 || p[len] != (eol == 2 ? '\r' : '\n') ||
		    (eol == 2 && p[len + 1] != '\n'))
			break;
		p += len + eol;
		o += produced;
	}
	*pp = p;
	*op = o;
}

SIMD_TARGET
static void run_avx2(const unsigned char **pp, const unsigned char *end, unsigned char *out,
                     size_t *op, size_t cap)
{
	struct simd_tables t;
	const unsigned char *p = *pp, *line = NULL;
	size_t o = *op;

	tables_init(&t);
	while (end - p >= 32 && cap - o >= 24) {
		uint32_t outside = block_avx2(&t, p, out + o);
		unsigned int k = outside != 0 ? (unsigned int)__builtin_ctz(outside) : 32,
		             whole = k & ~3u;
		size_t eol;

		/* all 24 bytes were written: those of groups past the first outsider are
		   overwritten later or lie past the end returned (within cap: checked above) */
		p += whole;
		o += whole / 4 * 3;
		if (k == 32)
			continue;
		if (k != whole) /* a group cut by the outsider: the scalar decoder's */
			break;
		/* a line end between groups is skipped here as the scalar decoder skips it */
		if (p[0] == '\r' && end - p >= 2 && p[1] == '\n')
			eol = 2;
		else if (p[0] == '\n')
			eol = 1;
		else
			break;
		/* the line just ended, if it began where this loop saw one begin, sets the length
		   of the lines that follow (the line mode keeps only lines that agree) */
		if (line != NULL && (size_t)(p - line) >= 32 && (p - line) % 4 == 0) {
			size_t len = (size_t)(p - line);

			p += eol;
			lines_avx2(&t, &p, end, out, &o, cap, len, eol);
		} else
			p += eol;
		line = p;
	}
	*pp = p;
	*op = o;
}

static atomic_int simd_state = -1; /* -1 not yet known, 0 off, 1 AVX2 */

static int simd_known(void)
{
	int s = atomic_load_explicit(&simd_state, memory_order_relaxed);

	if (s < 0) {
		__builtin_cpu_init();
		s = __builtin_cpu_supports("avx2") ? 1 : 0;
		atomic_store_explicit(&simd_state, s, memory_order_relaxed);
	}
	return s;
}

void mime_decode_b64_run(const unsigned char **pp, const unsigned char *end, unsigned char *out,
                         size_t *op, size_t cap)
{
	if (simd_known() == 1)
		run_avx2(pp, end, out, op, cap);
}

bool mime_decode_simd(int on)
{
	int was = simd_known();

	if (on == 0)
		atomic_store_explicit(&simd_state, 0, memory_order_relaxed);
	else if (on > 0) {
		__builtin_cpu_init();
		atomic_store_explicit(&simd_state, __builtin_cpu_supports("avx2") ? 1 : 0,
		                      memory_order_relaxed);
	}
	return was == 1;
}

#else

void mime_decode_b64_run(const unsigned char **pp, const unsigned char *end, unsigned char *out,
                         size_t *op, size_t cap)
{
	(void)pp;
	(void)end;
	(void)out;
	(void)op;
	(void)cap;
}

bool mime_decode_simd(int on)
{
	(void)on;
	return false;
}

#endif
