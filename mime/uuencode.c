/*
 * uuencode: find "begin NNN name" blocks in text (decoding is in decode.c).
 *
 * A block runs from its begin line to its "end" line ("====" for begin-base64). Without one,
 * it stops at the first line that cannot be uuencoded data (or base64), so a forgotten "end"
 * does not swallow the rest of a message. Blank lines inside a block (double-spaced blocks)
 * are skipped when data follows them. A begin line without its mode or its name is a block
 * when a full data line follows, as uudeview takes it. Lines are bounded by the text; nothing is
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

/*
 * "begin" with the mode or the name missing ("begin 644", "begin name"), as uudeview reads
 * it: taken only when the next line that is not blank is a full data line. A bare "begin" is
 * not a block for uudeview either.
 */
static bool uu_loose_begin(const unsigned char *line, size_t n)
{
	size_t i = 6;

	if (n < 7 || memcmp(line, "begin ", 6) != 0)
		return false;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
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

/* A data line exactly as an encoder writes it: the length character matches the line. */
static bool uu_full_line(const unsigned char *p, size_t n)
{
	size_t want;

	if (!uu_data_line(p, n) || p[0] == '`' || p[0] == ' ')
		return false;
	want = (size_t)((p[0] - 32) & 63);
	return want >= 3 && n >= 1 + (want + 2) / 3 * 4 && n <= 1 + (want + 2) / 3 * 4 + 1;
}

/* The first line after the blank ones from p: its length, *at its start. */
static size_t next_filled(const unsigned char *p, const unsigned char *end,
                          const unsigned char **at)
{
	const unsigned char *next;
	size_t n;

	for (;;) {
		*at = p;
		if (p >= end)
			return 0;
		n = line_len(p, end, &next);
		if (n > 0)
			return n;
		p = next;
	}
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
	size_t i = b->base64 ? 13 : 5, k = 0;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < n && line[i] >= '0' && line[i] <= '7') {
		size_t m = i;

		while (m < n && line[m] >= '0' && line[m] <= '7')
			m++;
		if (m == n || line[m] == ' ' || line[m] == '\t')
			i = m; /* the mode: the name follows */
	}
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
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
		if (n == 0 && !b->base64) {
			/* blank lines inside a block (double-spaced): on when data or "end" follows */
			const unsigned char *at;
			size_t m = next_filled(next, end, &at);

			if (m == 0 ||
			    !(uu_data_line(at, m) || (m >= 3 && memcmp(at, "end", 3) == 0)))
				break;
			p = at;
			continue;
		}
		if (b->base64 ? !b64_data_line(p, n) : !uu_data_line(p, n))
			break;
		p = next;
	}
	b->end = (size_t)(p - text);
}

bool mime_uu_at(const unsigned char *text, size_t len, size_t off, struct mime_uu_block *b)
{
	const unsigned char *hit = text + off, *next;
	size_t n;

	if (off >= len || (off > 0 && text[off - 1] != '\n'))
		return false;
	n = line_len(hit, text + len, &next);
	if (!mime_uu_begin_line(hit, n)) {
		const unsigned char *at;
		size_t m;

		if (!uu_loose_begin(hit, n))
			return false;
		m = next_filled(next, text + len, &at);
		if (!uu_full_line(at, m))
			return false;
	}
	memset(b, 0, sizeof(*b));
	b->begin = off;
	b->base64 = hit[5] == '-';
	b->data = (size_t)(next - text);
	block_name(hit, n, b);
	block_body(text, len, b);
	return true;
}

bool mime_uu_next(const unsigned char *text, size_t len, size_t *pos, struct mime_uu_block *b)
{
	size_t at = *pos;

	while (at + 6 <= len) {
		const unsigned char *hit = memmem(text + at, len - at, "begin", 5);
		size_t off;

		if (hit == NULL)
			break;
		off = (size_t)(hit - text);
		at = off + 5;
		if (!mime_uu_at(text, len, off, b))
			continue;
		*pos = b->end > at ? b->end : at;
		return true;
	}
	*pos = len;
	return false;
}
