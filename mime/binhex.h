#ifndef PARTSCAN_MIME_BINHEX_H
#define PARTSCAN_MIME_BINHEX_H

/*
 * binhex: BinHex 4.0 (.hqx, application/mac-binhex40) blocks in text and their decoding
 * (internal to mime/). Pure functions of their input: thread safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIME_BINHEX_MAX_NAME 63

struct mime_binhex_block {
	size_t begin; /* offset of the "(This file must be converted with BinHex" line, or ':' */
	size_t end;   /* offset after the closing ':', or the end of the text */
	bool closed;  /* a closing ':' was found */
};

/* What a BinHex header says. */
struct mime_binhex_info {
	char name[MIME_BINHEX_MAX_NAME + 1]; /* the Mac file name (bytes, NUL-terminated) */
	uint32_t data_len, rsrc_len;         /* the forks' sizes as declared */
};

/*
 * The next block in text[0, len) at or after *pos: after a "(This file must be converted
 * with BinHex 4.0)" line, or (bare, when text starts with one) a line starting with ':'.
 * Returns true and sets *pos past it, or false. One memmem() pass over text without a block.
 */
bool mime_binhex_next(const unsigned char *text, size_t len, size_t *pos,
                      struct mime_binhex_block *b);

/*
 * The header of the block in text (see mime_binhex_decode): 0, or -1 when it is not read or
 * its CRC does not match (then no fork is decoded either).
 */
int mime_binhex_info(const unsigned char *text, size_t len, struct mime_binhex_info *info_r);

/* The declared size of a fork (the resource fork when rsrc), at most what len can hold. */
size_t mime_binhex_bound(const unsigned char *text, size_t len, bool rsrc);

/*
 * One fork of the BinHex block in text (from its first ':' after the optional header line to
 * the closing ':'): 6-bit characters, run-length decoded (0x90), the header skipped. At most
 * cap bytes; *flags_r gets MIME_DECODE_* bits (BAD: characters outside the alphabet, a
 * CRC that does not match, data short of the declared size).
 */
size_t mime_binhex_decode(const unsigned char *text, size_t len, bool rsrc, unsigned char *out,
                          size_t cap, unsigned int *flags_r);

#endif
