/*
 * uuencode: find "begin NNN name" blocks in text (decoding is in decode.c).
 *
 * A block runs from its begin line to its "end" line ("====" for begin-base64). Without one,
 * it stops at the first line that cannot be uuencoded data (or base64), so a forgotten "end"
 * does not swallow the rest of a message. Lines are bounded by the text; nothing is
 * allocated: thread safe.
 */

#include "mime/uuencode.h"
#include "mime/decode.h"

#include <string.h>

static size_t line_len(const unsigned char *p, const unsigned char *end, const unsigned char **next)
{
	const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t n = (size_t)((nl != NULL ? nl : end) - p);

	*next = nl != NULL ? nl + 1 : end;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return n;
}

bool mime_uu_begin_line(const unsigned char *line, size_t n)
{
	size_t i, digits = 0;

	if (n >= 13 && memcmp(line, "begin-base64 ", 13) == 0)
		i = 13;
	else if (n >= 6 && memcmp(line, "begin ", 6) == 0)
		i = 6;
	else
		return false;
	while (i < n && line[i] >= '0' && line[i] <= '7' && digits < 5) {
		i++;
		digits++;
	}
	if (digits < 3 || digits > 4 || i >= n || line[i] != ' ')
		return false;
	while (i < n && line[i] == ' ')
		i++;
	return i < n;
}

/* A line that uudecode would take: length character, then enough characters in range. */
static bool uu_data_line(const unsigned char *p, size_t n)
{
	size_t want;

	if (n == 0)
		return false;
	if (p[0] < 32 || p[0] > 96)
		return false;
	want = (size_t)((p[0] - 32) & 63);
	if (want == 0)
		return true;
	/* transports strip trailing blanks (zero bits): shorter lines are padded when decoded */
	if (n < 2 || n > 1 + (want + 2) / 3 * 4 + 4)
		return false;
	for (size_t i = 1; i < n; i++) {
		if (p[i] < 32 || p[i] > 96)
			return false;
	}
	return true;
}

static bool b64_data_line(const unsigned char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!mime_decode_is_base64(p[i]) && p[i] != '=')
			return false;
	}
	return true;
}

static void block_name(const unsigned char *line, size_t n, struct mime_uu_block *b)
{
	size_t i = b->base64 ? 13 : 6, k = 0;

	while (i < n && line[i] != ' ')
		i++;
	while (i < n && line[i] == ' ')
		i++;
	while (n > i && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	while (i < n && k < MIME_UU_MAX_NAME) {
		unsigned char c = line[i++];

		b->name[k++] = c != '\0' ? (char)c : '?';
	}
	b->name[k] = '\0';
}

/* Extend the block over its data lines, up to and including the closing line. */
static void block_body(const unsigned char *text, size_t len, struct mime_uu_block *b)
{
	const unsigned char *p = text + b->data, *end = text + len, *next;

	while (p < end) {
		size_t n = line_len(p, end, &next);

		if (!b->base64 && n >= 3 && memcmp(p, "end", 3) == 0 &&
		    (n == 3 || p[3] == ' ' || p[3] == '\t')) {
			b->closed = true;
			p = next;
			break;
		}
		if (b->base64 && n == 4 && memcmp(p, "====", 4) == 0) {
			b->closed = true;
			p = next;
			break;
		}
		if (b->base64 ? !b64_data_line(p, n) : !uu_data_line(p, n))
			break;
		p = next;
	}
	b->end = (size_t)(p - text);
}

bool mime_uu_next(const unsigned char *text, size_t len, size_t *pos, struct mime_uu_block *b)
{
	size_t at = *pos;

	while (at + 6 <= len) {
		const unsigned char *hit = memmem(text + at, len - at, "begin", 5);
		const unsigned char *next;
		size_t off, n;

		if (hit == NULL)
			break;
		off = (size_t)(hit - text);
		at = off + 5;
		if (off > 0 && text[off - 1] != '\n')
			continue;
		n = line_len(hit, text + len, &next);
		if (!mime_uu_begin_line(hit, n))
			continue;
		memset(b, 0, sizeof(*b));
		b->begin = off;
		b->base64 = hit[5] == '-';
		b->data = (size_t)(next - text);
		block_name(hit, n, b);
		block_body(text, len, b);
		*pos = b->end > at ? b->end : at;
		return true;
	}
	*pos = len;
	return false;
}
