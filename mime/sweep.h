#ifndef PARTSCAN_MIME_SWEEP_H
#define PARTSCAN_MIME_SWEEP_H

/*
 * sweep: the raw sweep (internal to mime/). Parsers disagree on crafted messages (a boundary
 * declared twice, two Content-Type headers, junk after a boundary, continuations in the
 * boundary parameter, no closing boundary, LF-only lines), so besides the parsed tree every
 * base64 run and uuencoded block of the message buffer is decoded and scanned too, unless it
 * lies inside a body the tree decodes itself; what was already scanned is dropped by size and
 * SHA-256. Finds get MSG_PART_SWEEP and the message MSG_ANOM_SWEEP_EXTRA.
 */

#include <glib.h>

#include "mime/walk.h"

/* Candidate runs (struct mime_sweep_cand) of w's buffer; never NULL. */
GArray *mime_sweep_find(struct mime_walk *w);

/* The same over [from, to) of w's buffer, skipping nothing (a body the tree decoded badly). */
GArray *mime_sweep_find_range(struct mime_walk *w, size_t from, size_t to);

/*
 * The candidates of w->cands not handed back yet, as jobs of the loop (after the tree's
 * parts have run): each is decoded, scanned, and made a part only when it is new. false when
 * there were none left.
 */
bool mime_sweep_next(struct mime_walk *w, GPtrArray *children);
/* Free the candidates not decoded (w->cands). */
void mime_sweep_free(struct mime_walk *w);

#endif
