#ifndef PARTSCAN_MIME_UUENCODE_H
#define PARTSCAN_MIME_UUENCODE_H

/*
 * uuencode: "begin NNN name" ... "end" blocks inside text (internal to mime/). Also the
 * base64 form of the same, "begin-base64 NNN name" ... "====". Finding blocks costs one
 * memmem() pass over the text; decoding is decode.c's.
 */

#include <stdbool.h>
#include <stddef.h>

#define MIME_UU_MAX_NAME 255

struct mime_uu_block {
	size_t begin; /* offset of the "begin" line */
	size_t data;  /* offset of the first encoded line */
	size_t end;   /* offset after the closing line, or where the encoded lines stop */
	bool base64;  /* "begin-base64" */
	bool closed;  /* an "end" (or "====") line was found */
	char name[MIME_UU_MAX_NAME + 1]; /* as written (bytes, NUL-terminated, cut if longer) */
};

/*
 * true when the line (without its line end) is "begin MODE NAME" or "begin-base64 MODE NAME":
 * MODE of 3 or 4 octal digits, a name.
 */
bool mime_uu_begin_line(const unsigned char *line, size_t n);

/*
 * The block whose begin line starts at off (a line start) in text[0, len): true and *b, or
 * false when there is none there. A begin line without its mode or its name ("begin 644",
 * "begin name") counts when the next line that is not blank is a full data line.
 */
bool mime_uu_at(const unsigned char *text, size_t len, size_t off, struct mime_uu_block *b);

/*
 * The next block at a line start at or after *pos in text[0, len). Returns true and sets
 * *pos past the block, or false when there is none.
 */
bool mime_uu_next(const unsigned char *text, size_t len, size_t *pos, struct mime_uu_block *b);

#endif
