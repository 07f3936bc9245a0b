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
 *                       separator, an unterminated quote closed at the end of the value, an
 *                       RFC 2231 "boundary*" preferred to a plain "boundary" beside it, and a
 *                       multipart's boundary as its "--" lines spell it when GMime's is not
 *                       there (boundary_value(): Python's email strips blanks and <>, ends a
 *                       token at a blank, quote or comment, keeps encoded words, joins RFC
 *                       2231 pieces up to a gap; NULs dropped from the value and those lines).
 *  MIME_READING_BOTH    both of the above.
 *  MIME_READING_CR      with any of the above: a CR alone ends a line (Python's email;
 *                       Thunderbird's mimebuf.cpp), made when one breaks a header block or a
 *                       "--" line or comes right before one (dashes.c sees those).
 *
 * A reading is a copy of the message with its header blocks rewritten so that GMime reads them
 * as that client does; the walk parses it like the message and every leaf whose decoded bytes
 * were not scanned before becomes a part (walk.c). A header block is the message's own and
 * every block after a line starting with "--" and a character (not a "-- " signature
 * separator) whose first line is a field.
 *
 * readings_walk.c runs the readings as jobs of the walk (walk.c): each differing
 * copy is walked after the message's leaves, and its leaves become parts "readN" only when
 * their decoded bytes were not scanned before. A leaf whose bytes were scanned is a copy of
 * the part they are (msgscan.h, COPIES), with its names and where its body lies in the
 * message: the copy keeps a map of the stretches it took unchanged from the message, and a
 * body inside one stretch is found there (a rewritten header block is in none).
 *
 * Limits: a copy is at most four times the message (a rewritten Content-Type writes its
 * boundary back %-encoded; a LF after each CR alone at most doubles it); it is made only when
 * it differs from the message (a dry pass first), and counted against max_total_bytes. One
 * pass over the lines, no allocation per line beyond the rewritten values and the words of
 * the "--" lines (made once a multipart's boundary is not plain). Thread safety: pure
 * functions.
 */

#include "mime/readings.h"
#include "mime/dashes.h"
#include "mime/params.h"
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

/*
 * The copy being made, or (a NULL) only whether it would differ; map (may be NULL): the
 * stretches of it taken unchanged from the message (struct mime_readings_seg).
 */
struct out {
	GByteArray *a;
	bool changed;
	bool lone_cr; /* a CR alone in a header block, in a "--" line or right before one */
	/* the message being read, and the words of its "--" lines (made when first needed) */
	const unsigned char *d;
	size_t len;
	const GArray *dashes;
	GHashTable *keys;
	GArray *map;
};

/* Whether the line [b, e) (its LF, if any, at e) holds a CR that no LF follows: a line end to
   Python's email and Thunderbird, not to GMime. */
static bool has_lone_cr(const unsigned char *d, size_t b, size_t e)
{
	const unsigned char *cr = e > b ? memchr(d + b, '\r', e - b) : NULL;

	return cr != NULL && (size_t)(cr - d) + 1 < e;
}

static void out_put(struct out *o, const void *p, size_t n)
{
	if (o->a != NULL)
		g_byte_array_append(o->a, p, (guint)n);
}

/* d[from, from + n) copied as it is: a stretch of the map (joined to the last one when both
   sides follow on). */
static void out_copy(struct out *o, const unsigned char *d, size_t from, size_t n)
{
	struct mime_readings_seg seg = {0, from, n};

	if (o->a == NULL || n == 0)
		return;
	seg.to = o->a->len;
	if (o->map != NULL) {
		struct mime_readings_seg *last =
		        o->map->len > 0
		                ? &g_array_index(o->map, struct mime_readings_seg, o->map->len - 1)
		                : NULL;

		if (last != NULL && last->to + last->len == seg.to &&
		    last->from + last->len == from)
			last->len += n;
		else
			g_array_append_val(o->map, seg);
	}
	out_put(o, d + from, n);
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

/*
 * The offsets of the lines starting with "--" when the walk has them (sorted; a cursor, as
 * pos only grows), so that the bytes are not searched a second time.
 */
struct dashes {
	const GArray *at;
	guint i;
};

/*
 * Where the next line starting with "--" after pos begins, or len. memchr for '-' (base64
 * has none, prose few) is several times faster than a search for "\n--". *cr is set when the
 * search passes a "--" right after a CR alone (with the offsets, dashes.c has seen those).
 */
static size_t next_dash_line(const unsigned char *d, size_t len, size_t pos, struct dashes *ds,
                             bool *cr)
{
	if (ds->at != NULL) {
		while (ds->i < ds->at->len && g_array_index(ds->at, size_t, ds->i) <= pos)
			ds->i++;
		if (ds->i < ds->at->len && g_array_index(ds->at, size_t, ds->i) + 1 < len)
			return g_array_index(ds->at, size_t, ds->i);
		return len;
	}
	while (pos < len) {
		const unsigned char *p = memchr(d + pos + 1, '-', len - pos - 1);

		if (p == NULL || (size_t)(p - d) + 1 >= len)
			return len;
		if (p[-1] == '\n' && p[1] == '-')
			return (size_t)(p - d);
		if (p[-1] == '\r' && p[1] == '-')
			*cr = true;
		pos = (size_t)(p - d);
	}
	return len;
}

/*
 * A "--" line's word: what follows the dashes without trailing blanks and CR, and that again
 * without a closing "--" (a delimiter and a close-delimiter name the same boundary). NULs are
 * dropped, as the lenient reading drops them from the line (GMime would end the line there).
 */
static void add_key(GHashTable *keys, const unsigned char *p, size_t n)
{
	GString *k;

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	if (n == 0 || n > MIME_PARAM_MAX) /* longer than any boundary considered */
		return;
	k = g_string_sized_new(n);
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\0')
			g_string_append_c(k, (char)p[i]);
	g_hash_table_add(keys, g_string_free(k, FALSE));
	if (n > 2 && p[n - 1] == '-' && p[n - 2] == '-')
		add_key(keys, p, n - 2);
}

/* The words of the message's "--" lines: the boundaries its body is split at. */
static GHashTable *dash_keys(struct out *o)
{
	struct dashes ds = {o->dashes, 0};
	bool cr = false;
	size_t at;

	if (o->keys != NULL)
		return o->keys;
	o->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	at = (o->len >= 2 && o->d[0] == '-' && o->d[1] == '-')
	             ? 0
	             : next_dash_line(o->d, o->len, 0, &ds, &cr);
	/* as many as the walk keeps the offsets of (a message of more is cut before that) */
	while (at < o->len && g_hash_table_size(o->keys) < MIME_DASHES_KEEP) {
		const unsigned char *nl = memchr(o->d + at, '\n', o->len - at);
		size_t e = nl != NULL ? (size_t)(nl - o->d) : o->len;

		add_key(o->keys, o->d + at + 2, e - at - 2);
		at = next_dash_line(o->d, o->len, at, &ds, &cr);
	}
	return o->keys;
}

/* A media subtype GMime gave that can be written back as it is. */
static bool token_ok(const char *t)
{
	if (t == NULL || *t == '\0')
		return false;
	for (; *t != '\0'; t++)
		if (!g_ascii_isalnum(*t) && strchr("-+._", *t) == NULL)
			return false;
	return true;
}

/*
 * Whether v names its boundary once, plainly: "boundary=" then a quoted string of printable
 * characters but quotes and backslashes, or a token, without blanks or angle brackets around
 * it and without "=?". Every reader takes that value as it is (what nearly all mail has), so
 * no other reading of it is looked for.
 */
static bool boundary_plain(const char *v)
{
	const char *b = NULL, *p;
	bool quoted;

	for (p = v; (p = strchr(p, '=')) != NULL; p++) {
		if (p - v >= 8 && g_ascii_strncasecmp(p - 8, "boundary", 8) == 0) {
			if (b != NULL)
				return false;
			b = p + 1;
		}
	}
	for (p = v; (p = strchr(p, '*')) != NULL; p++)
		if (p - v >= 8 && g_ascii_strncasecmp(p - 8, "boundary", 8) == 0)
			return false;
	if (b == NULL || (b - v >= 10 && b[-10] != ' ' && b[-10] != ';' && b[-10] != '\t'))
		return false;
	quoted = *b == '"';
	for (p = b + quoted; *p != '\0' && *p != (quoted ? '"' : ';'); p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x21 || c > 0x7e || c == '\\' || (c == '=' && p[1] == '?') ||
		    (!quoted && (c == '"' || c == '(' || c == ',')))
			if (!(quoted && c == ' '))
				return false;
	}
	if (p == b + quoted || (quoted && *p != '"') || b[quoted] == '<' || b[quoted] == ' ' ||
	    p[-1] == ' ')
		return false;
	p += quoted;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' || *p == ';';
}

/*
 * A multipart's Content-Type value v (NULs dropped) with the boundary its delimiter lines
 * spell, when GMime (which read the value as gm) splits the body at another one or not at
 * all: Python's email strips blanks and angle brackets from a boundary, ends a token at a
 * blank or a comment, keeps an encoded word as it is written, joins RFC 2231 pieces up to a
 * gap, reads "multipart/" and a type with a NUL after it as multipart. Every reading of the
 * parameter that some "--" line of the message spells is a boundary some reader splits at;
 * the first of them (Python's way first) is taken. NULL: none.
 */
static char *boundary_value(struct out *o, const char *gm, const char *v)
{
	GMimeContentType *ct;
	const char *gb, *sub;
	GPtrArray *cands;
	GString *out = NULL;
	bool multi;
	size_t t;

	while (*v == ' ' || *v == '\t')
		v++;
	while (*gm == ' ' || *gm == '\t')
		gm++;
	t = strcspn(v, "/; \t");
	if (t != 9 || g_ascii_strncasecmp(v, "multipart", 9) != 0)
		return NULL;
	if (v[9] == '/' && g_ascii_isalnum(v[10]) && strcmp(gm, v) == 0 && boundary_plain(v))
		return NULL;
	mime_walk_init(); /* GMime's tables */
	ct = g_mime_content_type_parse(NULL, gm);
	multi = ct != NULL && g_mime_content_type_is_type(ct, "multipart", "*");
	gb = multi ? g_mime_content_type_get_parameter(ct, "boundary") : NULL;
	sub = multi ? g_mime_content_type_get_media_subtype(ct) : NULL;
	cands = mime_param_readings(v, "boundary");
	for (guint i = 0; i < cands->len && out == NULL; i++) {
		const char *c = cands->pdata[i];
		bool plain = strstr(c, "=?") == NULL;

		if ((gb != NULL && strcmp(c, gb) == 0) || !g_hash_table_contains(dash_keys(o), c))
			continue;
		out = g_string_new("multipart/");
		g_string_append(out, token_ok(sub) ? sub : "mixed");
		for (const char *q = c; *q != '\0' && plain; q++)
			plain = (unsigned char)*q >= 0x20 && *q != 0x7f && *q != '"' && *q != '\\';
		if (plain) {
			g_string_append_printf(out, "; boundary=\"%s\"", c);
		} else {
			/* RFC 2231: GMime takes it byte for byte, decoding no encoded word */
			g_string_append(out, "; boundary*=us-ascii''");
			for (const unsigned char *q = (const unsigned char *)c; *q != '\0'; q++)
				if (g_ascii_isalnum(*q) || *q == '-' || *q == '_' || *q == '.')
					g_string_append_c(out, (char)*q);
				else
					g_string_append_printf(out, "%%%02X", *q);
		}
	}
	g_ptr_array_free(cands, TRUE);
	if (ct != NULL)
		g_object_unref(ct);
	return out != NULL ? g_string_free(out, FALSE) : NULL;
}

/* One field (its first line at [b, e), folded lines up to fe) read under reading r. */
static void put_field(struct out *o, const unsigned char *d, size_t b, size_t e, size_t fe,
                      unsigned int r)
{
	char *value, *lenient, *bnd;
	GString *all;
	size_t colon;

	if (!(r & MIME_READING_VALUES) || !name_is(d + b, e - b, "Content-Type")) {
		out_copy(o, d, b, fe - b);
		return;
	}
	colon = (size_t)((const unsigned char *)memchr(d + b, ':', e - b) - d);
	/* GMime reads the value up to a NUL; the boundary's readers read on past it */
	value = g_strndup((const char *)d + colon + 1, fe - colon - 1);
	all = g_string_sized_new(fe - colon);
	for (size_t i = colon + 1; i < fe; i++)
		if (d[i] != '\0')
			g_string_append_c(all, (char)d[i]);
	for (char *p = value; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	for (char *p = all->str; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	lenient = lenient_value(value);
	bnd = boundary_value(o, lenient != NULL ? lenient : value, all->str);
	if (bnd != NULL) {
		g_free(lenient);
		lenient = bnd;
	}
	g_free(value);
	g_string_free(all, TRUE);
	if (lenient == NULL) {
		out_copy(o, d, b, fe - b);
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
		o->lone_cr |= has_lone_cr(d, b, e);
		if (line_is_blank(d + b, e - b))
			return fb;
		if (!line_is_field(d + b, e - b)) {
			if (!(r & MIME_READING_FIRST)) {
				/* GMime skips it and reads on */
				out_copy(o, d, fb, pos - fb);
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
			o->lone_cr |= has_lone_cr(d, cb, ce);
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

/* The message under reading r into o (dashes: its "--" lines, or NULL to search). */
static void rewrite(struct out *o, const unsigned char *d, size_t len, unsigned int r,
                    const GArray *dashes)
{
	struct dashes ds = {dashes, 0};
	size_t pos = 0;

	o->d = d;
	o->len = len;
	o->dashes = dashes;

	/* an mbox "From " line is not a header */
	if (len > 5 && memcmp(d, "From ", 5) == 0) {
		size_t b, e;

		next_line(d, len, &pos, &b, &e);
		out_copy(o, d, 0, pos);
	}
	pos = put_block(o, d, len, pos, r);
	while (pos < len) {
		size_t b, e;

		if (pos == 0 || d[pos - 1] != '\n' || d[pos] != '-' || pos + 1 >= len ||
		    d[pos + 1] != '-') {
			/* copy up to the next "--" line */
			size_t to = next_dash_line(d, len, pos, &ds, &o->lone_cr);

			out_copy(o, d, pos, to - pos);
			pos = to;
			continue;
		}
		next_line(d, len, &pos, &b, &e);
		o->lone_cr |= has_lone_cr(d, b, e);
		if ((r & MIME_READING_VALUES) && memchr(d + b, '\0', e - b) != NULL) {
			/* the lenient reading drops NULs here as from the Content-Type */
			for (size_t i = b; i < pos; i++)
				if (d[i] != '\0')
					out_put(o, d + i, 1);
			o->changed = true;
		} else {
			out_copy(o, d, b, pos - b);
		}
		/* a boundary has a character: "-- " is a signature separator, not a delimiter */
		if (e - b > 2 && d[b + 2] > ' ' && pos < len && line_is_field(d + pos, len - pos))
			pos = put_block(o, d, len, pos, r);
	}
	if (o->keys != NULL)
		g_hash_table_destroy(o->keys);
	o->keys = NULL;
}

bool mime_readings_differ_at(const unsigned char *d, size_t len, const GArray *dashes,
                             bool *lone_cr)
{
	struct out dry = {.lone_cr = *lone_cr};

	rewrite(&dry, d, len, MIME_READING_BOTH, dashes);
	*lone_cr = dry.lone_cr;
	return dry.changed;
}

GBytes *mime_readings_cr_lines(const unsigned char *d, size_t len)
{
	GByteArray *a;
	size_t s = 0;
	const unsigned char *cr;

	if (len >= G_MAXUINT / 4)
		return NULL;
	a = g_byte_array_sized_new((guint)(len + 64));
	while (s < len && (cr = memchr(d + s, '\r', len - s)) != NULL) {
		size_t i = (size_t)(cr - d) + 1;

		g_byte_array_append(a, d + s, (guint)(i - s));
		if (i < len && d[i] != '\n')
			g_byte_array_append(a, (const guint8 *)"\n", 1);
		s = i;
	}
	g_byte_array_append(a, d + s, (guint)(len - s));
	return g_byte_array_free_to_bytes(a);
}

bool mime_readings_differ(const unsigned char *d, size_t len)
{
	bool lone_cr = false;

	return mime_readings_differ_at(d, len, NULL, &lone_cr) || lone_cr;
}

GBytes *mime_readings_make_at(const unsigned char *d, size_t len, unsigned int r,
                              const GArray *dashes, GArray **map_r)
{
	struct out o = {.a = NULL};

	if (map_r != NULL)
		*map_r = NULL;
	if (len >= G_MAXUINT / 4)
		return NULL;
	o.a = g_byte_array_sized_new((guint)(len + 64));
	if (map_r != NULL)
		o.map = g_array_new(FALSE, FALSE, sizeof(struct mime_readings_seg));
	rewrite(&o, d, len, r, dashes);
	if (!o.changed || (o.a->len == len && memcmp(o.a->data, d, len) == 0)) {
		g_byte_array_unref(o.a);
		if (o.map != NULL)
			g_array_free(o.map, TRUE);
		return NULL;
	}
	if (map_r != NULL)
		*map_r = o.map;
	return g_byte_array_free_to_bytes(o.a);
}

GBytes *mime_readings_make(const unsigned char *d, size_t len, unsigned int r)
{
	GBytes *lines, *out;
	size_t n;
	const unsigned char *c;

	if (!(r & MIME_READING_CR))
		return mime_readings_make_at(d, len, r, NULL, NULL);
	if ((lines = mime_readings_cr_lines(d, len)) == NULL)
		return NULL;
	c = g_bytes_get_data(lines, &n);
	out = (r & MIME_READING_BOTH)
	              ? mime_readings_make_at(c, n, r & MIME_READING_BOTH, NULL, NULL)
	              : NULL;
	if (out == NULL && n != len)
		out = g_bytes_ref(lines);
	g_bytes_unref(lines);
	return out;
}

GBytes *mime_readings_make_mapped(const unsigned char *d, size_t len, unsigned int r,
                                  GArray **map_r)
{
	return mime_readings_make_at(d, len, r, NULL, map_r);
}

bool mime_readings_source(const GArray *map, size_t begin, size_t end, size_t *from_r)
{
	const struct mime_readings_seg *s;
	guint lo = 0, hi = map != NULL ? map->len : 0;

	/* the last stretch starting at or before begin (they are in order and disjoint) */
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;

		if (g_array_index(map, struct mime_readings_seg, mid).to <= begin)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || end < begin)
		return false;
	s = &g_array_index(map, struct mime_readings_seg, lo - 1);
	if (end - s->to > s->len)
		return false;
	*from_r = s->from + (begin - s->to);
	return true;
}
