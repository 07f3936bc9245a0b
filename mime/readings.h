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
