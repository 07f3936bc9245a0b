#ifndef PARTSCAN_MIME_YENC_H
#define PARTSCAN_MIME_YENC_H

/*
 * yenc: yEnc blocks ("=ybegin ... name=NAME" ... "=yend") in text, and their decoding
 * (internal to mime/). Pure functions of their input: thread safe.
 */

#include <stdbool.h>
#include <stddef.h>

#define MIME_YENC_MAX_NAME 255

struct mime_yenc_block {
	size_t begin; /* offset of the "=ybegin" line */
	size_t end;   /* offset after the "=yend" line, or the end of the text */
	bool closed;  /* an "=yend" line was found */
	char name[MIME_YENC_MAX_NAME + 1]; /* the name= of the begin line, NUL-terminated */
};

/*
 * The next block at a line start at or after *pos in text[0, len). Returns true and sets *pos
 * past it, or false when there is none. One memmem() pass over text without a block.
 */
bool mime_yenc_next(const unsigned char *text, size_t len, size_t *pos, struct mime_yenc_block *b);

/*
 * Decode a block: its "=ybegin" and "=ypart" lines are skipped (bytes without one are all
 * data), decoding stops at an "=yend" line. Line ends are dropped, "=" escapes the next byte
 * (minus 64), every byte is minus 42. At most cap bytes; *flags_r gets MIME_DECODE_* bits
 * (BAD: no "=yend", or an escape at the very end).
 */
size_t mime_yenc_decode(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                        unsigned int *flags_r);

#endif
