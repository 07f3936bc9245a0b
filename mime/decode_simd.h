#ifndef PARTSCAN_MIME_DECODE_SIMD_H
#define PARTSCAN_MIME_DECODE_SIMD_H

/*
 * decode_simd: whole base64 blocks with the CPU's vector instructions (internal to decode.c).
 *
 * Used where the processor has them (AVX2 on x86-64, known at run time), and nowhere else:
 * elsewhere every call decodes nothing and the scalar decoder does it all. Thread safe.
 */

#include <stdbool.h>
#include <stddef.h>

/*
 * Decode up to nblocks blocks of 32 characters at in (all read) into 24 bytes each at out (all
 * written: out must hold nblocks * 24), stopping before the first block with a character
 * outside the base64 alphabet (a line end, padding, anything). Returns the blocks decoded.
 */
size_t mime_decode_b64_blocks(const unsigned char *in, size_t nblocks, unsigned char *out);

/*
 * For tests and benchmarks: on 0 turns the vector path off, 1 back on (where the CPU has it),
 * -1 only asks. Returns whether it was in use before.
 */
bool mime_decode_simd(int on);

#endif
