#ifndef PARTSCAN_MIME_SKELETON_H
#define PARTSCAN_MIME_SKELETON_H

/*
 * skeleton: what GMime needs to see of a big message (internal to mime/, used by walk.c).
 *
 * Inside a leaf's body GMime's parser only looks at lines that start with "--" (a boundary,
 * or an OpenPGP marker); every other line is only counted, one call per line: for a 10 MB
 * attachment in 76-column base64 that is 180,000 lines and about a third of the message's
 * CPU. The skeleton is the message with the middle of every long stretch without a "--" line
 * taken out: the stretch's first SKEL_HEAD bytes (to a line end) and its last line are kept,
 * whole lines in between are cut. GMime parses the skeleton; every offset it gives (headers,
 * bodies, warnings) is mapped back to the message, where the parts are read.
 *
 * A cut is right only where GMime would have read the lines as a leaf's body; the walk checks
 * that every cut lies inside one (mime_skel_verify) and parses the message itself when one
 * does not (a huge header block, preamble or epilogue): the tree is always the one GMime
 * gives for the whole message. Thread safety: a skeleton belongs to one walk.
 */

#include <gmime/gmime.h>
#include <stdbool.h>
#include <stddef.h>

struct mime_skel_cut {
	size_t at;      /* the skeleton's offset where bytes were cut */
	size_t removed; /* bytes cut there and at every cut before */
};

struct mime_skel {
	GByteArray *bytes; /* the skeleton */
	GArray *cuts;      /* struct mime_skel_cut, in order */
	GArray *held;      /* GMime's warnings on it (mime_skel_hold), or NULL */
};

/*
 * Make the skeleton of data[0, len) whose lines starting with "--" begin at dashes (sorted):
 * true with *s filled when it is worth parsing instead (stretches of at least the minimum,
 * mime_skel_min(), cut, and half the bytes or more in all), false and nothing made otherwise.
 * inner: the end of the last "--" inside a line, MIME_SKEL_LINE_HEAD bytes or more from its
 * start (0: none). GMime reads a line longer than what its buffer holds in pieces and checks
 * each piece as a line, so such a "--" may be a boundary or not depending on where the line
 * lies; a cut moves everything after it, so there is no skeleton when one lies after the
 * first cut. A piece starts no nearer to its line's start than GMime's scan head (128 bytes,
 * more for long boundaries), so a "--" nearer than 128 bytes is only ever inside a piece.
 */
#define MIME_SKEL_LINE_HEAD 128
bool mime_skel_build(const unsigned char *data, size_t len, const GArray *dashes, size_t inner,
                     struct mime_skel *s);
/* The message's offset of skeleton offset off (negative: as is). */
gint64 mime_skel_real(const struct mime_skel *s, gint64 off);
/* true when every cut lies inside the body of a leaf of the tree under top. */
bool mime_skel_verify(const struct mime_skel *s, GMimeObject *top);
/*
 * GMime's warnings while it parses the skeleton (a GMimeParserWarningFunc, skel the skeleton):
 * held until the skeleton is known right, then given to fn with the message's offsets by
 * mime_skel_replay (and dropped), or dropped with the skeleton by mime_skel_free.
 */
void mime_skel_hold(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer skel);
void mime_skel_replay(struct mime_skel *s, GMimeParserWarningFunc fn, gpointer data);
void mime_skel_free(struct mime_skel *s);

/*
 * The shortest stretch that is cut (default 256 KiB; SKEL_HEAD is a quarter of it): for tests,
 * which make it small so that every message of the corpus is parsed through a skeleton, and
 * 0 turns skeletons off. Returns the one before. Not for use while messages are scanned.
 */
size_t mime_skel_min(size_t min);
/* For tests: skeletons parsed instead of their message, and refused (a cut outside a body). */
void mime_skel_counts(unsigned long *used, unsigned long *refused);

#endif
