/*
 * yenc: find and decode yEnc blocks (the encoding of Usenet binaries, also sent in mail as
 * "Content-Transfer-Encoding: x-yencode" or inline in a text body).
 *
 * A block is "=ybegin line=N size=N name=NAME", an optional "=ypart begin=N end=N", data
 * lines, and "=yend size=N ...". Without "=yend" the block runs to the end of the text (as
 * uudeview reads it). The data is every byte minus 42, "=" escaping the next one (minus 64
 * more); a line starting "=y" is a keyword line, never data (no encoder escapes '9'). Lines
 * are bounded by the input; nothing is allocated: thread safe.
 *
 * A file sent in several parts ("=ybegin part=N size=S", "=ypart begin=B end=E") is joined
 * by the offsets of its parts, in whatever order they come (mime_yenc_join), into a buffer
 * of the file's size that the caller sizes within its limits.
 */

#include "mime/yenc.h"
#include "mime/decode.h"

#include <glib.h>

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

static bool keyword(const unsigned char *p, size_t n, const char *word)
{
	size_t k = strlen(word);

	return n >= k && memcmp(p, word, k) == 0 && (n == k || p[k] == ' ' || p[k] == '\t');
}

/* name= is the last field of the begin line: the rest of the line, blanks trimmed. */
static void block_name(const unsigned char *line, size_t n, struct mime_yenc_block *b)
{
	const unsigned char *at = NULL;
	size_t k = 0, i;

	for (i = 6; i + 5 <= n; i++) {
		if ((line[i - 1] == ' ' || line[i - 1] == '\t') &&
		    memcmp(line + i, "name=", 5) == 0) {
			at = line + i + 5;
			break;
		}
	}
	if (at == NULL) {
		b->name[0] = '\0';
		return;
	}
	i = (size_t)(at - line);
	while (n > i && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	while (i < n && k < MIME_YENC_MAX_NAME) {
		unsigned char c = line[i++];

		b->name[k++] = c != '\0' ? (char)c : '?';
	}
	b->name[k] = '\0';
}

/* The number after " key=" in a keyword line (base 10, or 16 for crc32): false without. */
static bool field_num(const unsigned char *line, size_t n, const char *key, int base, uint64_t *v)
{
	size_t k = strlen(key);
	bool any = false;

	for (size_t i = 1; i + k < n; i++) {
		if ((line[i - 1] != ' ' && line[i - 1] != '\t') || memcmp(line + i, key, k) != 0 ||
		    line[i + k] != '=')
			continue;
		*v = 0;
		for (i += k + 1; i < n && g_ascii_isxdigit(line[i]); i++) {
			int d = g_ascii_xdigit_value(line[i]);

			if (d >= base || *v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
				return false;
			*v = *v * (uint64_t)base + (uint64_t)d;
			any = true;
		}
		return any;
	}
	return false;
}

/* The begin line's size= and the "=ypart" line after it, if there is one. */
static void block_part(const unsigned char *begin, size_t bn, const unsigned char *next,
                       const unsigned char *end, struct mime_yenc_block *b)
{
	const unsigned char *after;
	size_t n;

	if (!field_num(begin, bn, "size", 10, &b->size))
		b->size = 0;
	if (next >= end)
		return;
	n = line_len(next, end, &after);
	b->part = keyword(next, n, "=ypart") && field_num(next, n, "begin", 10, &b->pbegin) &&
	          field_num(next, n, "end", 10, &b->pend);
}

bool mime_yenc_next(const unsigned char *text, size_t len, size_t *pos, struct mime_yenc_block *b)
{
	size_t at = *pos;

	while (at < len) {
		const unsigned char *hit = memmem(text + at, len - at, "=ybegin", 7);
		const unsigned char *p, *next, *end = text + len;
		size_t off, n;

		if (hit == NULL)
			break;
		off = (size_t)(hit - text);
		at = off + 7;
		if (off > 0 && text[off - 1] != '\n')
			continue;
		n = line_len(hit, end, &next);
		if (!keyword(hit, n, "=ybegin"))
			continue;
		memset(b, 0, sizeof(*b));
		b->begin = off;
		block_name(hit, n, b);
		block_part(hit, n, next, end, b);
		for (p = next; p < end; p = next) {
			n = line_len(p, end, &next);
			if (keyword(p, n, "=yend")) {
				uint64_t crc;

				b->closed = true;
				b->has_crc =
				        field_num(p, n, "crc32", 16, &crc) && crc <= UINT32_MAX;
				b->crc32 = b->has_crc ? (uint32_t)crc : 0;
				p = next;
				break;
			}
		}
		b->end = (size_t)(p - text);
		*pos = b->end > at ? b->end : at;
		return true;
	}
	*pos = len;
	return false;
}

size_t mime_yenc_decode(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                        unsigned int *flags_r)
{
	const unsigned char *p = in, *end = in + len, *next;
	unsigned int flags = MIME_DECODE_BAD; /* until "=yend" */
	bool header = len >= 7 && memcmp(in, "=ybegin", 7) == 0;
	size_t o = 0;

	while (p < end) {
		size_t n = line_len(p, end, &next);
		const unsigned char *q = p, *e = p + n;

		if (n >= 2 && p[0] == '=' && p[1] == 'y') {
			if (keyword(p, n, "=yend")) {
				flags &= ~MIME_DECODE_BAD;
				break;
			}
			if (header || keyword(p, n, "=ybegin"))
				header = true;
			p = next;
			continue; /* =ybegin, =ypart, a keyword line */
		}
		for (; q < e; q++) {
			unsigned char c = *q;

			if (c == '=') {
				if (++q >= e) {
					flags |= MIME_DECODE_BAD; /* nothing escaped */
					break;
				}
				c = (unsigned char)(*q - 64);
			}
			if (o >= cap) {
				*flags_r = flags | MIME_DECODE_FULL;
				return o;
			}
			out[o++] = (unsigned char)(c - 42);
		}
		p = next;
	}
	if (!header)
		flags &= ~MIME_DECODE_BAD; /* bare data: no end line to expect */
	*flags_r = flags;
	return o;
}

size_t mime_yenc_join(const unsigned char *text, const struct mime_yenc_block *const *parts,
                      size_t n, unsigned char *out, size_t size, unsigned int *flags_r)
{
	size_t covered = 0, reach = 0;
	unsigned int flags = 0;

	for (size_t i = 0; i < n; i++) {
		const struct mime_yenc_block *b = parts[i];
		uint64_t off = b->pbegin - 1, want;
		unsigned int f = 0;
		size_t got;

		if (!b->part || b->pbegin == 0 || b->pend < b->pbegin || off >= size) {
			flags |= MIME_DECODE_BAD;
			continue;
		}
		want = b->pend - off;
		if (want > size - off)
			want = size - off;
		got = mime_yenc_decode(text + b->begin, b->end - b->begin, out + off, (size_t)want,
		                       &f);
		if (f & MIME_DECODE_BAD)
			flags |= MIME_DECODE_BAD;
		/* sorted by offset: what reaches past the bytes covered so far is new */
		if (off + got > reach) {
			covered += off + got - (off > reach ? off : reach);
			reach = off + got;
		}
	}
	*flags_r = flags;
	return covered;
}
