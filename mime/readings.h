#ifndef PARTSCAN_MIME_READINGS_H
#define PARTSCAN_MIME_READINGS_H

/*
 * readings: a message's header blocks as other mail clients read them (internal to mime/; the
 * readings and the clients they stand for are described at the top of readings.c).
 */

#include <glib.h>
#include <stdbool.h>

#define MIME_READING_FIRST  (1u << 0) /* first Content-Type / -Transfer-Encoding; strict block end */
#define MIME_READING_VALUES (1u << 1) /* lenient Content-Type values */
#define MIME_READING_BOTH   (MIME_READING_FIRST | MIME_READING_VALUES)
#define MIME_READING_CR     (1u << 2) /* a CR alone ends a line (Python's email, Thunderbird) */

/*
 * The message d (len bytes) with its header blocks rewritten as reading r (MIME_READING_*)
 * reads them, for GMime to parse; NULL when the copy would be the message itself (or the
 * message is too large for one copy). The caller owns the result.
 */
GBytes *mime_readings_make(const unsigned char *d, size_t len, unsigned int r);

/* A stretch of a copy taken unchanged from the message: copy[to, to + len) is d[from, ...). */
struct mime_readings_seg {
	size_t to, from, len;
};

/*
 * As mime_readings_make(), and *map_r (NULL with no copy; else the caller's) the stretches of
 * the copy taken unchanged from d (struct mime_readings_seg, in order; stretches that follow
 * on in both are one), so that a leaf of the copy can be found in the message.
 */
GBytes *mime_readings_make_mapped(const unsigned char *d, size_t len, unsigned int r,
                                  GArray **map_r);
/*
 * Where [begin, end) of a copy lies in the message: true with *from_r its offset when one
 * stretch of map holds it whole; false when some of it was rewritten (or map is NULL).
 */
bool mime_readings_source(const GArray *map, size_t begin, size_t end, size_t *from_r);

/*
 * The bytes d with a LF after every CR alone (but a last byte): their lines as Python's email
 * and Thunderbird (mimebuf.cpp) split them. NULL: too large for one copy.
 */
GBytes *mime_readings_cr_lines(const unsigned char *d, size_t len);

/*
 * Whether some reading differs from the message at all: one pass over its header blocks and
 * a search for "--" lines, no copy (what well-formed mail costs).
 */
bool mime_readings_differ(const unsigned char *d, size_t len);

/*
 * For readings_walk.c: whether some reading of d differs (*lone_cr: in: a CR alone is already
 * known of, out: one breaks a header block or a "--" line), and the copy under reading r (no
 * MIME_READING_CR) with map_r (may be NULL) its stretches taken unchanged from d; dashes: the
 * offsets of d's "--" lines, or NULL to search.
 */
bool mime_readings_differ_at(const unsigned char *d, size_t len, const GArray *dashes,
                             bool *lone_cr);
GBytes *mime_readings_make_at(const unsigned char *d, size_t len, unsigned int r,
                              const GArray *dashes, GArray **map_r);

struct mime_walk;

/*
 * The readings of a walked message that differ from GMime's and from each other, kept in the
 * walk (w->readings) to be walked after its leaves; the message is deduplicated from then on.
 */
void mime_readings_find(struct mime_walk *w);
/*
 * The next of them as a job in children (its copy counted against max_total_bytes, or noted
 * when it does not fit): false when none is left.
 */
bool mime_readings_next(struct mime_walk *w, GPtrArray *children);

#endif
