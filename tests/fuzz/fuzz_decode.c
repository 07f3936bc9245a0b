/*
 * fuzz_decode: a libFuzzer target over the transfer decoders and block finders of mime/ —
 * base64 (both readings; the vector path checked byte for byte against the scalar one), quoted-printable (every reading), the "clearly base64" test,
 * uuencoded blocks in text (every form), yEnc blocks, their decoder and the joining of
 * multi-part files, BinHex 4.0 blocks, headers and forks.
 * The first byte chooses the decoder; the rest is its input. Every output buffer is exactly
 * as large as the decoder may write (cap, plus the slack base64 needs), so ASan catches a
 * byte written past it; every result must stay within cap and within the input.
 *
 * Build and run: make fuzz; build-fuzz/fuzz_decode -max_len=65536 CORPUS_DIR tests/data/msgs
 */

#include "mime/binhex.h"
#include "mime/decode.h"
#include "mime/decode_simd.h"
#include "mime/uuencode.h"
#include "mime/yenc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decode in with enc into a buffer of exactly cap (+ slack) bytes, cap from the bound. */
static void decode(enum mime_enc enc, const unsigned char *in, size_t len, size_t cap_max)
{
	size_t bound = mime_decode_bound(enc, in, len), cap = bound < cap_max ? bound : cap_max;
	unsigned char *out = malloc(cap + MIME_DECODE_SLACK);
	unsigned int flags = 0;
	size_t n;

	if (out == NULL)
		return;
	n = mime_decode(enc, in, len, out, cap, &flags);
	/* past cap, or cut by a bound that should hold all (base64, uuencode) */
	if (n > cap ||
	    ((flags & MIME_DECODE_FULL) && cap == bound &&
	     (enc == MIME_ENC_BASE64 || enc == MIME_ENC_BASE64_STOP || enc == MIME_ENC_UU)))
		abort();
	free(out);
}

/* base64 with the vector path and without: the same bytes and flags (within cap). */
static void base64_both(const unsigned char *in, size_t len, size_t cap_max)
{
	size_t bound = mime_decode_bound(MIME_ENC_BASE64, in, len);
	size_t cap = bound < cap_max ? bound : cap_max, n1, n2;
	unsigned char *o1 = malloc(cap + MIME_DECODE_SLACK), *o2 = malloc(cap + MIME_DECODE_SLACK);
	unsigned int f1 = 0, f2 = 0;

	if (o1 != NULL && o2 != NULL && mime_decode_simd(-1)) {
		n1 = mime_decode_base64(in, len, o1, cap, &f1);
		mime_decode_simd(0);
		n2 = mime_decode_base64(in, len, o2, cap, &f2);
		mime_decode_simd(1);
		if (n1 != n2 || f1 != f2 || memcmp(o1, o2, n1) != 0)
			abort();
	}
	free(o1);
	free(o2);
}

/* The multi-part yEnc blocks of a text joined as one file (of at most 64 KB here). */
static void join(const unsigned char *in, const struct mime_yenc_block *parts, size_t n)
{
	const struct mime_yenc_block *ptr[8];
	size_t size = n > 0 && parts[0].size < 65536 ? (size_t)parts[0].size : 0, got;
	unsigned char *out = size > 0 ? malloc(size) : NULL;
	unsigned int flags;

	if (out == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		ptr[i] = &parts[i];
	got = mime_yenc_join(in, ptr, n, out, size, &flags);
	if (got > size)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *in = data + 1;
	size_t len = size > 0 ? size - 1 : 0, pos = 0;
	size_t cap = size > 1 ? (size_t)(data[1] * 37u) : 0; /* a small cap, sometimes */
	struct mime_uu_block ub;
	struct mime_yenc_block yb, parts[8];
	size_t nparts = 0;
	struct mime_binhex_block bb;
	struct mime_binhex_info info;

	if (size == 0)
		return 0;
	switch (data[0] % 8) {
	case 0:
		decode(MIME_ENC_BASE64, in, len, SIZE_MAX);
		decode(MIME_ENC_BASE64, in, len, cap);
		base64_both(in, len, SIZE_MAX);
		base64_both(in, len, cap);
		break;
	case 1:
		decode(MIME_ENC_BASE64_STOP, in, len, SIZE_MAX);
		decode(MIME_ENC_BASE64_STOP, in, len, cap);
		break;
	case 2:
		if (mime_decode_looks_base64(in, len))
			decode(MIME_ENC_BASE64, in, len, SIZE_MAX);
		decode(MIME_ENC_QP, in, len, cap);
		/* the other quoted-printable readings, called for by the bytes or not */
		mime_decode_qp_variants(in, len);
		decode(MIME_ENC_QP_KEEP, in, len, cap);
		decode(MIME_ENC_QP_RFC, in, len, SIZE_MAX);
		decode(MIME_ENC_QP_STRICT, in, len, cap);
		break;
	case 3:
		while (mime_uu_next(in, len, &pos, &ub)) {
			if (ub.begin > ub.end || ub.end > len || ub.data > len)
				abort();
			decode(ub.base64 ? MIME_ENC_BASE64 : MIME_ENC_UU, in + ub.begin,
			       ub.end - ub.begin, SIZE_MAX);
		}
		break;
	case 4:
		while (mime_yenc_next(in, len, &pos, &yb)) {
			if (yb.begin >= yb.end || yb.end > len)
				abort();
			decode(MIME_ENC_YENC, in + yb.begin, yb.end - yb.begin, SIZE_MAX);
			if (yb.part && nparts < 8)
				parts[nparts++] = yb;
		}
		join(in, parts, nparts);
		break;
	case 5:
		decode(MIME_ENC_YENC, in, len, SIZE_MAX);
		decode(MIME_ENC_YENC, in, len, cap);
		break;
	case 6:
		while (mime_binhex_next(in, len, &pos, &bb)) {
			if (bb.begin >= bb.end || bb.end > len)
				abort();
			if (mime_binhex_info(in + bb.begin, bb.end - bb.begin, &info) == 0) {
				decode(MIME_ENC_BINHEX, in + bb.begin, bb.end - bb.begin, 1u << 20);
				decode(MIME_ENC_BINHEX_RSRC, in + bb.begin, bb.end - bb.begin,
				       1u << 20);
			}
		}
		break;
	default:
		/* a bare BinHex stream, as the body of an application/mac-binhex40 part */
		decode(MIME_ENC_BINHEX, in, len, cap);
		decode(MIME_ENC_BINHEX_RSRC, in, len, 1u << 20);
		break;
	}
	return 0;
}
