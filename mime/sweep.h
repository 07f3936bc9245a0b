#ifndef PARTSCAN_MIME_SWEEP_H
#define PARTSCAN_MIME_SWEEP_H

/*
 * sweep: the raw sweep (internal to mime/). Parsers disagree on crafted messages (a boundary
 * declared twice, two Content-Type headers, junk after a boundary, continuations in the
 * boundary parameter, no closing boundary, LF-only lines), so besides the parsed tree every
 * base64 run and uuencoded block of the message buffer is decoded and scanned too, unless it
 * lies inside a body the tree decodes itself; what the tree already scanned is dropped by
 * (size, hash, bytes). Finds get MSG_PART_SWEEP and the message MSG_ANOM_SWEEP_EXTRA.
 */

#include <glib.h>

#include "mime/walk.h"

/* Candidate runs (struct mime_sweep_cand) of w's buffer; never NULL. */
GArray *mime_sweep_find(struct mime_walk *w);

/* The same over [from, to) of w's buffer, skipping nothing (a body the tree decoded badly). */
GArray *mime_sweep_find_range(struct mime_walk *w, size_t from, size_t to);

/* Decode, deduplicate and scan the candidates (after the tree's parts). */
void mime_sweep_scan(struct mime_walk *w, GArray *cands);

#endif
