#ifndef PARTSCAN_STRIP_H
#define PARTSCAN_STRIP_H

/*
 * strip: a message body with some MIME entities replaced by short text/plain notices. Every
 * byte outside the replaced entities stays exactly as it was (boundaries, other parts,
 * preamble and epilogue), so signatures of the rest of the message still verify where they
 * covered it. Pure: no I/O.
 */

#include <glib.h>
#include <stdbool.h>

#include "mime/msgscan.h"

struct strip_notice {
	int part;                  /* index of the entity in report->parts */
	const char *reason;        /* why it was removed */
	const char *quarantine_id; /* where it is kept, or NULL */
};

/*
 * Build the new body of raw (the whole message; its body starts at body_offset) with the
 * entities of notices (sorted by position, not overlapping) replaced. *whole_r is set when
 * the one entity is the message itself: the returned body is then the notice alone, and the
 * caller must make the top-level Content-Type text/plain.
 */
GByteArray *strip_body(const unsigned char *raw, size_t len, size_t body_offset,
                       const struct msg_report *report, const struct strip_notice *notices,
                       size_t n, bool *whole_r);

/* The notice text for one entity (line ends: eol). */
char *strip_notice_text(const struct msg_part *part, const char *reason, const char *quarantine_id,
                        const char *eol);

#endif
