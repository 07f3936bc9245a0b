#ifndef PARTSCAN_MIME_TNEF_H
#define PARTSCAN_MIME_TNEF_H

/*
 * tnef: the attachments of a TNEF stream (winmail.dat, application/ms-tnef), read in place
 * (internal to mime/). Attachment data are views of the TNEF buffer. Bounded: every length is
 * checked against the buffer, MAPI property lists are walked for at most TNEF_MAX_PROPS
 * properties; a malformed stream ends the iteration with what was complete.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TNEF_SIGNATURE 0x223e9f78u
#define TNEF_MAX_PROPS 4096

struct mime_tnef_iter {
	const unsigned char *data;
	size_t len, pos;
	unsigned int codepage; /* attOemCodepage, 0 when absent */
	const char *error;     /* why the stream ended early, or NULL */
};

struct mime_tnef_att {
	const unsigned char *data; /* attAttachData (or PR_ATTACH_DATA_BIN / _OBJ), a view */
	size_t size;
	const unsigned char *title; /* attAttachTitle or PR_ATTACH_LONG_FILENAME, not terminated */
	size_t title_len;
	bool title_utf16; /* the title is UTF-16LE (PT_UNICODE) */
};

/* true when data starts with the TNEF signature; the iterator is then ready. */
bool mime_tnef_init(struct mime_tnef_iter *it, const unsigned char *data, size_t len);

/* 1 with the next attachment that has data, 0 at the end, -1 when malformed (it->error). */
int mime_tnef_next(struct mime_tnef_iter *it, struct mime_tnef_att *att_r);

#endif
