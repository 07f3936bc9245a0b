/*
 * readings: the other ways real mail clients read the header blocks of a message.
 *
 * GMime (the tree partscan walks) reads a header block its own way: a line without a colon is
 * skipped and the block goes on to the empty line, a block that starts with white space is no
 * header block at all, the last of two Content-Type or Content-Transfer-Encoding headers wins,
 * a Content-Type value is taken as it is written. Other clients read the same bytes otherwise
 * (checked against Python's email; Thunderbird's libmime per its source):
 *
 *  MIME_READING_FIRST   Python's email (and Thunderbird for duplicates): the first
 *                       Content-Type and Content-Transfer-Encoding win; a header block ends at
 *                       its first line that is neither a field nor a folded line (a line
 *                       without a colon, a boundary line right after the headers: the body
 *                       starts there); white-space lines before the first field are dropped.
 *  MIME_READING_VALUES  lenient Content-Type values: RFC 2047 encoded words decoded
 *                       ("=?us-ascii?Q?multipart/mixed...?="), "," taken as a parameter
 *                       separator, an unterminated quote closed at the end of the value, and
 *                       an RFC 2231 "boundary*" preferred to a plain "boundary" beside it.
 *  MIME_READING_BOTH    both of the above.
 *
 * A reading is a copy of the message with its header blocks rewritten so that GMime reads them
 * as that client does; the walk parses it like the message and every leaf whose decoded bytes
 * were not scanned before becomes a part (walk.c). A header block is the message's own and
 * every block after a line starting with "--" and a character (not a "-- " signature
 * separator) whose first line is a field.
 *
 * Limits: a copy is at most the message plus one line end per header block; it is made only
 * when it differs from the message. One pass over the lines, no allocation per line beyond
 * the rewritten values. Thread safety: pure functions.
 */

#include "mime/readings.h"
#include "mime/walk.h"

#include <gmime/gmime.h>
#include <string.h>

/* A header line's name: printable ASCII but ':' (RFC 5322), then blanks, then ':'. */
static bool line_is_field(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] > 32 && p[i] < 127 && p[i] != ':')
		i++;
	if (i == 0)
		return false;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':';
}

static bool line_is_blank(const unsigned char *p, size_t n)
{
	return n == 0 || (n == 1 && p[0] == '\r');
}

static bool name_is(const unsigned char *p, size_t n, const char *name)
{
	size_t len = strlen(name), i;

	if (n < len || g_ascii_strncasecmp((const char *)p, name, len) != 0)
		return false;
	for (i = len; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	return i < n && p[i] == ':';
}

/* The line at *pos: its bytes without the end of line in [*b, *e), *pos moved past it. */
static void next_line(const unsigned char *d, size_t len, size_t *pos, size_t *b, size_t *e)
{
	const unsigned char *nl = memchr(d + *pos, '\n', len - *pos);

	*b = *pos;
	*e = nl != NULL ? (size_t)(nl - d) : len;
	*pos = nl != NULL ? *e + 1 : len;
}

/* The copy being made, or (a NULL) only whether it would differ. */
struct out {
	GByteArray *a;
	bool changed;
};

static void out_put(struct out *o, const void *p, size_t n)
{
	if (o->a != NULL)
		g_byte_array_append(o->a, p, (guint)n);
}

/* The end of line of the line ending at e (CRLF or LF), appended to o. */
static void put_eol(struct out *o, const unsigned char *d, size_t e)
{
	if (e > 0 && d[e - 1] == '\r')
		out_put(o, "\r\n", 2);
	else
		out_put(o, "\n", 1);
}

/* Parameters of a Content-Type value, split at ';' (and ',') outside quotes. */
static GPtrArray *split_params(const char *v, bool *changed)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GString *cur = g_string_new(NULL);
	bool quoted = false;

	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '\\' && quoted && p[1] != '\0') {
			g_string_append_c(cur, *p++);
			g_string_append_c(cur, *p);
			continue;
		}
		if (*p == '"')
			quoted = !quoted;
		if (!quoted && (*p == ';' || *p == ',')) {
			*changed |= *p == ',';
			g_ptr_array_add(out, g_strstrip(g_string_free(cur, FALSE)));
			cur = g_string_new(NULL);
			continue;
		}
		g_string_append_c(cur, *p);
	}
	if (quoted) {
		g_string_append_c(cur, '"'); /* closed at the end of the value */
		*changed = true;
	}
	g_ptr_array_add(out, g_strstrip(g_string_free(cur, FALSE)));
	return out;
}

static bool param_named(const char *param, const char *name, bool star)
{
	size_t n = strlen(name);

	if (g_ascii_strncasecmp(param, name, n) != 0)
		return false;
	param += n;
	if (star)
		return *param == '*';
	while (*param == ' ' || *param == '\t')
		param++;
	return *param == '=';
}

/* A Content-Type value as the lenient reading takes it; NULL when it reads as written. */
static char *lenient_value(const char *value)
{
	char *v = g_strstrip(g_strdup(value)), *dec = NULL;
	bool changed = false, star = false;
	GPtrArray *params;
	GString *out;

	if (strstr(v, "=?") != NULL) {
		mime_walk_init(); /* GMime's charset tables */
		dec = g_mime_utils_header_decode_text(NULL, v);
		if (dec != NULL && strcmp(dec, v) != 0) {
			g_free(v);
			v = dec;
			changed = true;
		} else {
			g_free(dec);
		}
	}
	params = split_params(v, &changed);
	for (guint i = 1; i < params->len; i++)
		star |= param_named(params->pdata[i], "boundary", true);
	out = g_string_new(params->pdata[0]);
	for (guint i = 1; i < params->len; i++) {
		const char *p = params->pdata[i];

		if (*p == '\0')
			continue; /* "a/b; c=d;": as GMime reads it */
		if (star && param_named(p, "boundary", false)) {
			changed = true;
			continue;
		}
		g_string_append(out, "; ");
		g_string_append(out, p);
	}
	g_ptr_array_free(params, TRUE);
	g_free(v);
	if (!changed) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

/* One field (its first line at [b, e), folded lines up to fe) read under reading r. */
static void put_field(struct out *o, const unsigned char *d, size_t b, size_t e, size_t fe,
                      unsigned int r)
{
	char *value, *lenient;
	size_t colon;

	if (!(r & MIME_READING_VALUES) || !name_is(d + b, e - b, "Content-Type")) {
		out_put(o, d + b, fe - b);
		return;
	}
	colon = (size_t)((const unsigned char *)memchr(d + b, ':', e - b) - d);
	value = g_strndup((const char *)d + colon + 1, fe - colon - 1);
	for (char *p = value; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	lenient = lenient_value(value);
	g_free(value);
	if (lenient == NULL) {
		out_put(o, d + b, fe - b);
		return;
	}
	o->changed = true;
	out_put(o, "Content-Type: ", 14);
	out_put(o, lenient, strlen(lenient));
	put_eol(o, d, fe - 1);
	g_free(lenient);
}

/*
 * The header block at pos (top: the message's own) under reading r, appended to o. Returns
 * where the body starts (the block's end).
 */
static size_t put_block(struct out *o, const unsigned char *d, size_t len, size_t pos,
                        unsigned int r)
{
	bool seen_ct = false, seen_cte = false;
	unsigned int fields = 0;
	size_t b, e;

	if (r & MIME_READING_FIRST) {
		/* white space before the first field: dropped (Python's email) */
		size_t q = pos;

		while (q < len && (d[q] == ' ' || d[q] == '\t'))
			next_line(d, len, &q, &b, &e);
		if (q != pos && q < len && line_is_field(d + q, len - q)) {
			pos = q;
			o->changed = true;
		}
	}
	while (pos < len) {
		size_t fb = pos, fe;
		bool drop = false;

		next_line(d, len, &pos, &b, &e);
		if (line_is_blank(d + b, e - b))
			return fb;
		if (!line_is_field(d + b, e - b)) {
			if (!(r & MIME_READING_FIRST)) {
				/* GMime skips it and reads on */
				out_put(o, d + fb, pos - fb);
				continue;
			}
			/* the body starts here: the empty line GMime needs to see that */
			if (fields > 0) {
				put_eol(o, d, e);
				o->changed = true;
			}
			return fb;
		}
		/* its folded lines */
		while (pos < len && (d[pos] == ' ' || d[pos] == '\t')) {
			size_t cb, ce;

			next_line(d, len, &pos, &cb, &ce);
		}
		fe = pos;
		fields++;
		if (r & MIME_READING_FIRST) {
			if (name_is(d + b, e - b, "Content-Type")) {
				drop = seen_ct;
				seen_ct = true;
			} else if (name_is(d + b, e - b, "Content-Transfer-Encoding")) {
				drop = seen_cte;
				seen_cte = true;
			}
		}
		if (!drop)
			put_field(o, d, fb, e, fe, r);
		o->changed |= drop;
	}
	return pos;
}

/*
 * Where the next line starting with "--" after pos begins, or len. memchr for '-' (base64
 * has none, prose few) is several times faster than a search for "\n--".
 */
static size_t next_dash_line(const unsigned char *d, size_t len, size_t pos)
{
	while (pos < len) {
		const unsigned char *p = memchr(d + pos + 1, '-', len - pos - 1);

		if (p == NULL || (size_t)(p - d) + 1 >= len)
			return len;
		if (p[-1] == '\n' && p[1] == '-')
			return (size_t)(p - d);
		pos = (size_t)(p - d);
	}
	return len;
}

/* The message under reading r into o. */
static void rewrite(struct out *o, const unsigned char *d, size_t len, unsigned int r)
{
	size_t pos = 0;

	/* an mbox "From " line is not a header */
	if (len > 5 && memcmp(d, "From ", 5) == 0) {
		size_t b, e;

		next_line(d, len, &pos, &b, &e);
		out_put(o, d, pos);
	}
	pos = put_block(o, d, len, pos, r);
	while (pos < len) {
		size_t b, e;

		if (pos == 0 || d[pos - 1] != '\n' || d[pos] != '-' || pos + 1 >= len ||
		    d[pos + 1] != '-') {
			/* copy up to the next "--" line */
			size_t to = next_dash_line(d, len, pos);

			out_put(o, d + pos, to - pos);
			pos = to;
			continue;
		}
		next_line(d, len, &pos, &b, &e);
		out_put(o, d + b, pos - b);
		/* a boundary has a character: "-- " is a signature separator, not a delimiter */
		if (e - b > 2 && d[b + 2] > ' ' && pos < len && line_is_field(d + pos, len - pos))
			pos = put_block(o, d, len, pos, r);
	}
}

bool mime_reading_differs(const unsigned char *d, size_t len)
{
	struct out dry = {NULL, false};

	rewrite(&dry, d, len, MIME_READING_BOTH);
	return dry.changed;
}

GBytes *mime_reading_make(const unsigned char *d, size_t len, unsigned int r)
{
	struct out o = {NULL, false};

	if (len >= G_MAXUINT / 4)
		return NULL;
	o.a = g_byte_array_sized_new((guint)(len + 64));
	rewrite(&o, d, len, r);
	if (!o.changed || (o.a->len == len && memcmp(o.a->data, d, len) == 0)) {
		g_byte_array_unref(o.a);
		return NULL;
	}
	return g_byte_array_free_to_bytes(o.a);
}
