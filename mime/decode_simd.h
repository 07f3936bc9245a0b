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
 * Decode from *pp (before end) while it can: whole groups of base64 alphabet characters,
 * 32 characters at a time, and the line ends (CRLF or LF) between groups; writes at *op
 * (never past cap: out must hold cap bytes) and moves both on. Stops at anything else (a
 * '=', a character outside the alphabet, a group cut short, fewer than 32 characters left,
 * or less than 24 bytes of room), leaving it to the scalar decoder.
 */
void mime_decode_b64_run(const unsigned char **pp, const unsigned char *end, unsigned char *out,
                         size_t *op, size_t cap);

/*
 * For tests and benchmarks: on 0 turns the vector path off, 1 back on (where the CPU has it),
 * -1 only asks. Returns whether it was in use before.
 */
bool mime_decode_simd(int on);

#endif
