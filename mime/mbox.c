/*
 * mbox: the messages of an mbox buffer, in place (no copy, no ">From " unescaping: the
 * message bytes are what the mailbox holds).
 *
 * A message starts after a "From " line at the start of the buffer or after an empty line;
 * a "From " line inside a paragraph is content. A buffer that does not start with "From " is
 * one message. Thread safety: an iterator is used by one thread.
 */

#include "mime/msgscan.h"

#include <string.h>

void msg_mbox_init(struct msg_mbox_iter *it, const unsigned char *data, size_t len)
{
	it->data = data;
	it->len = len;
	it->pos = 0;
	it->index = 0;
}

/* Offset of the next separator's "From " at or after pos (it->len when none). */
static size_t mbox_next_from(const struct msg_mbox_iter *it, size_t pos)
{
	const unsigned char *d = it->data;

	while (pos < it->len) {
		const unsigned char *hit = memmem(d + pos, it->len - pos, "\nFrom ", 6);
		size_t at;

		if (hit == NULL)
			break;
		at = (size_t)(hit - d);
		if (at >= 1 &&
		    (d[at - 1] == '\n' || (at >= 2 && d[at - 1] == '\r' && d[at - 2] == '\n')))
			return at + 1;
		pos = at + 1;
	}
	return it->len;
}

int msg_mbox_next(struct msg_mbox_iter *it, const unsigned char **msg_r, size_t *len_r)
{
	const unsigned char *d = it->data;

	while (it->pos < it->len) {
		size_t start = it->pos, end;

		if (it->len - start >= 5 && memcmp(d + start, "From ", 5) == 0) {
			const unsigned char *nl = memchr(d + start, '\n', it->len - start);

			start = nl != NULL ? (size_t)(nl - d) + 1 : it->len;
		}
		end = mbox_next_from(it, start);
		it->pos = end;
		/* the empty line before the next "From " belongs to the mbox, not the message */
		if (end < it->len) {
			end--; /* its '\n' */
			if (end > start && d[end - 1] == '\r')
				end--;
		}
		if (end <= start)
			continue;
		*msg_r = d + start;
		*len_r = end - start;
		it->index++;
		return 1;
	}
	return 0;
}
