/*
 * dashes: the lines of a message that start with "--", found in one pass (see dashes.h).
 */

#include "mime/dashes.h"
#include "mime/skeleton.h"

#include <string.h>

/* lines starting with "--" allowed per part of max_parts before GMime parses (walk.c) */
#define DASHES_PER_PART 16

uint64_t mime_dashes_max(const struct msg_limits *lim)
{
	return (uint64_t)lim->max_parts * DASHES_PER_PART;
}

void mime_dashes_init(struct mime_dashes *d, uint64_t max)
{
	memset(d, 0, sizeof(*d));
	d->max = max;
	d->at = g_array_new(FALSE, FALSE, sizeof(size_t));
}

void mime_dashes_feed(struct mime_dashes *d, const unsigned char *buf, size_t len, bool final)
{
	const unsigned char *p = buf + d->pos, *end = buf + len;

	if (d->done)
		return;
	while (p < end && (p = memchr(p, '-', (size_t)(end - p))) != NULL) {
		size_t at = (size_t)(p - buf);

		if (p + 1 >= end && !final)
			break; /* its next byte is still to come */
		if (p + 1 >= end || p[1] != '-') {
			p += 2;
			continue;
		}
		if (p != buf && p[-1] != '\n') {
			/* a CR alone before it: a line to Python's email and Thunderbird */
			if (p[-1] == '\r')
				d->cr = true;
			/* "--" inside a line, where GMime may begin a piece of it (skeleton.h) */
			if (at >= MIME_SKEL_LINE_HEAD &&
			    memrchr(p - MIME_SKEL_LINE_HEAD, '\n', MIME_SKEL_LINE_HEAD) == NULL)
				d->inner = at + 2;
			p += 2;
			continue;
		}
		if (++d->count > d->max) {
			d->cut = at;
			d->pos = d->len = at;
			d->done = true;
			return;
		}
		if (d->at != NULL && d->at->len >= MIME_DASHES_KEEP)
			g_clear_pointer(&d->at, g_array_unref);
		if (d->at != NULL)
			g_array_append_val(d->at, at);
		p += 2;
	}
	d->pos = p != NULL ? (size_t)(p - buf) : len;
	if (final) {
		d->done = true;
		d->len = len;
	}
}

void mime_dashes_clear(struct mime_dashes *d)
{
	if (d->at != NULL)
		g_array_free(d->at, TRUE);
	memset(d, 0, sizeof(*d));
}
