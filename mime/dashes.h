#ifndef PARTSCAN_MIME_DASHES_H
#define PARTSCAN_MIME_DASHES_H

/*
 * dashes: the lines of a message that start with "--" (walk.c's cap on boundary-like lines,
 * the readings' header blocks, the skeleton's stretches), found in one pass that may be fed
 * as the message arrives: partscan-milter scans each body chunk just after copying it, while
 * it is in the cache, instead of reading a 10 MB message again from memory before parsing.
 * Thread safety: a scan belongs to one thread at a time.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mime/msgscan.h"

#define MIME_DASHES_KEEP 65536 /* offsets kept (512 KiB); past it they are dropped */

struct mime_dashes {
	uint64_t max;   /* lines past which the message is cut (MSG_LIMIT_PARTS) */
	uint64_t count; /* lines starting with "--" seen (at most max + 1) */
	GArray *at;     /* size_t: their offsets, NULL once more than MIME_DASHES_KEEP */
	size_t inner;   /* the end of the last "--" inside a line where GMime may cut it, or 0 */
	size_t cut;     /* count > max: the offset of the line past the limit */
	size_t pos;     /* where the scan goes on */
	size_t len;     /* done: the bytes scanned */
	bool done;      /* the end was seen, or the limit */
	bool cr;        /* a "--" right after a CR alone, where a CR ends a line (readings.c) */
};

/* The cap of a message scanned with these (effective) limits. */
uint64_t mime_dashes_max(const struct msg_limits *lim);
void mime_dashes_init(struct mime_dashes *d, uint64_t max);
/*
 * Scan what is new in buf[0, len) (the whole message so far: bytes before are never changed);
 * final: there is no more.
 */
void mime_dashes_feed(struct mime_dashes *d, const unsigned char *buf, size_t len, bool final);
void mime_dashes_clear(struct mime_dashes *d);

#endif
