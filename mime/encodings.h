#ifndef PARTSCAN_MIME_ENCODINGS_H
#define PARTSCAN_MIME_ENCODINGS_H

/*
 * encodings: the other readings of a part's bytes that some mail client uses, as jobs of the
 * loop (internal to mime/; the rule is in encodings.c).
 */

#include <glib.h>

#include "mime/jobs.h"

struct mime_ctx;

/*
 * The other readings of the leaf job w (part idx, decoded with dflags): a job each, to run
 * after the part's children and be made a part ("P/altN") only when its bytes are new. NULL
 * when there is none (the common case, which costs a few byte compares); else the message is
 * deduplicated from now on (ctx->dedupe), the leaf's own scan included.
 */
GPtrArray *mime_encodings_leaf(struct mime_ctx *ctx, struct mime_work *w, int idx,
                               unsigned int dflags);

/* Append the jobs of mime_encodings_leaf() to children and free the array (NULL: nothing). */
void mime_encodings_append(GPtrArray *children, GPtrArray **readings);

/* true when a line (without its line end) starts a yEnc or a BinHex 4.0 block. */
bool mime_encodings_block_line(const unsigned char *line, size_t n);

/*
 * yEnc and BinHex 4.0 blocks in a text part (or an application/mac-binhex40 part): child
 * jobs "P/yencN", "P/binhexN" (and "P/binhexN.rsrc" for a resource fork) over data.
 */
void mime_encodings_blocks(struct mime_ctx *ctx, int idx, GBytes *data, GPtrArray *children);

#endif
