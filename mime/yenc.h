#ifndef PARTSCAN_MIME_YENC_H
#define PARTSCAN_MIME_YENC_H

/*
 * yenc: yEnc blocks ("=ybegin ... name=NAME" ... "=yend") in text, and their decoding
 * (internal to mime/). Pure functions of their input: thread safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIME_YENC_MAX_NAME 255

struct mime_yenc_block {
	size_t begin; /* offset of the "=ybegin" line */
	size_t end;   /* offset after the "=yend" line, or the end of the text */
	bool closed;  /* an "=yend" line was found */
	char name[MIME_YENC_MAX_NAME + 1]; /* the name= of the begin line, NUL-terminated */
	/* a part of a multi-part file: "=ybegin part=N ... size=S" then "=ypart begin=B end=E" */
	bool part;       /* an "=ypart" line with begin= and end= follows the begin line */
	uint64_t size;   /* size= of the begin line: the whole file's (0: none) */
	uint64_t pbegin; /* begin= and end= of the "=ypart" line: the part's bytes, 1-based */
	uint64_t pend;
	bool has_crc;   /* the "=yend" line has crc32= (the whole file's) */
	uint32_t crc32; /* its value */
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

/*
 * Join the n parts of one multi-part file (blocks of text, each with part set, sorted by
 * pbegin) into out[0, size): each part decoded at its offset (pbegin - 1), at most its
 * pend - pbegin + 1 bytes and never past size, as ydecode and uudeview join them. Returns
 * how many bytes of out the parts covered (each byte once); *flags_r gets MIME_DECODE_BAD
 * when a part's offsets are impossible or a part's decoding was bad.
 */
size_t mime_yenc_join(const unsigned char *text, const struct mime_yenc_block *const *parts,
                      size_t n, unsigned char *out, size_t size, unsigned int *flags_r);

#endif
