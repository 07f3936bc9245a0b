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
 * The second half of the file runs the readings as jobs of the walk (walk.c): each differing
 * copy is walked after the message's leaves, and its leaves become parts "readN" only when
 * their decoded bytes were not scanned before.
 *
 * Limits: a copy is at most the message plus one line end per header block; it is made only
 * when it differs from the message (a dry pass first), and counted against max_total_bytes. One pass over the lines, no allocation per line beyond
 * the rewritten values. Thread safety: pure functions.
 */

#include "mime/readings.h"
#include "mime/jobs.h"
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
 * The offsets of the lines starting with "--" when the walk has them (sorted; a cursor, as
 * pos only grows), so that the bytes are not searched a second time.
 */
struct dashes {
	const GArray *at;
	guint i;
};

/*
 * Where the next line starting with "--" after pos begins, or len. memchr for '-' (base64
 * has none, prose few) is several times faster than a search for "\n--".
 */
static size_t next_dash_line(const unsigned char *d, size_t len, size_t pos, struct dashes *ds)
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
		pos = (size_t)(p - d);
	}
	return len;
}

/* The message under reading r into o (dashes: its "--" lines, or NULL to search). */
static void rewrite(struct out *o, const unsigned char *d, size_t len, unsigned int r,
                    const GArray *dashes)
{
	struct dashes ds = {dashes, 0};
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
			size_t to = next_dash_line(d, len, pos, &ds);

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

static bool readings_differ(const unsigned char *d, size_t len, const GArray *dashes)
{
	struct out dry = {NULL, false};

	rewrite(&dry, d, len, MIME_READING_BOTH, dashes);
	return dry.changed;
}

bool mime_readings_differ(const unsigned char *d, size_t len)
{
	return readings_differ(d, len, NULL);
}

static GBytes *readings_make(const unsigned char *d, size_t len, unsigned int r,
                             const GArray *dashes)
{
	struct out o = {NULL, false};

	if (len >= G_MAXUINT / 4)
		return NULL;
	o.a = g_byte_array_sized_new((guint)(len + 64));
	rewrite(&o, d, len, r, dashes);
	if (!o.changed || (o.a->len == len && memcmp(o.a->data, d, len) == 0)) {
		g_byte_array_unref(o.a);
		return NULL;
	}
	return g_byte_array_free_to_bytes(o.a);
}

GBytes *mime_readings_make(const unsigned char *d, size_t len, unsigned int r)
{
	return readings_make(d, len, r, NULL);
}

/* ---- the readings as jobs of the walk ---- */

/*
 * The other clients' readings of the message's header blocks that differ from GMime's and
 * from each other (readings.c), to walk after its leaves. Parts are then deduplicated.
 */
void mime_readings_find(struct mime_walk *w)
{
	static const unsigned int kinds[] = {MIME_READING_FIRST, MIME_READING_VALUES,
	                                     MIME_READING_BOTH};

	if (!readings_differ(w->data, w->len, w->dashes))
		return;
	for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
		GBytes *b = readings_make(w->data, w->len, kinds[k], w->dashes);
		bool dup = false;

		if (b == NULL)
			continue;
		if (w->readings == NULL)
			w->readings = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
		for (guint i = 0; i < w->readings->len && !dup; i++)
			dup = g_bytes_equal(b, w->readings->pdata[i]);
		if (dup) {
			g_bytes_unref(b);
			continue;
		}
		w->reading_of[w->readings->len] = kinds[k];
		g_ptr_array_add(w->readings, b);
	}
	if (w->readings != NULL && w->readings->len > 0)
		w->ctx->dedupe = true;
}

static const char *reading_what(unsigned int reading)
{
	switch (reading) {
	case MIME_READING_FIRST:
		return "the first-header reading (Python's email; Thunderbird's first "
		       "Content-Type)";
	case MIME_READING_VALUES:
		return "the lenient Content-Type reading (encoded words, \",\" separators, RFC "
		       "2231 "
		       "boundary)";
	default:
		return "the first-header reading with lenient Content-Type values";
	}
}

/* A leaf of a reading whose bytes are new: a part of the message, after its own. */
static int reading_part(struct mime_ctx *ctx, struct mime_work *job, size_t n, unsigned int dflags)
{
	struct mime_walk *w = job->maker, *o = w->origin;
	struct msg_part *proto = w->protos->pdata[job->begin], *p;
	char *path = g_strdup_printf("%sread%u", o->prefix, o->reads + 1);
	int idx = mime_part_new(ctx, path, w->parent, w->depth);

	g_free(path);
	if (idx < 0)
		return -1;
	o->reads++;
	p = mime_part_at(ctx, idx);
	p->content_type = g_steal_pointer(&proto->content_type);
	p->disposition = g_steal_pointer(&proto->disposition);
	p->name = g_steal_pointer(&proto->name);
	p->alt_name = g_steal_pointer(&proto->alt_name);
	p->encoding = g_steal_pointer(&proto->encoding);
	p->encoded_size = g_bytes_get_size(job->bytes);
	p->flags |= proto->flags | MSG_PART_SWEEP;
	if (proto->note != NULL)
		mime_part_flag(p, 0, "%s", proto->note);
	mime_part_flag(p, 0, "shown only by %s", reading_what(w->reading));
	if (dflags & MIME_DECODE_FULL)
		mime_part_flag(p, MSG_PART_TRUNCATED, "only the first %zu decoded bytes scanned",
		               n);
	mime_anomaly(ctx, MSG_ANOM_READING, "part %s: shown only by %s", p->path,
	             reading_what(w->reading));
	return idx;
}

/* A reading's leaves: jobs that become parts only when their bytes are new. */
static int reading_next(void *state, GPtrArray *children)
{
	struct mime_walk *w = state;

	if (w->phase != MIME_WALK_LEAVES)
		return 0;
	w->phase = MIME_WALK_SWEEP;
	for (guint i = 0; i < w->jobs->len; i++) {
		const struct mime_job *job = &g_array_index(w->jobs, struct mime_job, i);
		GBytes *body = g_bytes_new_static(job->body, job->body_len);
		struct mime_work *leaf = mime_work_new(body, MIME_FROM_SWEEP, job->enc, -1);

		leaf->make = reading_part;
		leaf->maker = w;
		leaf->begin = job->part; /* its prototype */
		g_ptr_array_add(children, leaf);
	}
	return children->len > 0;
}

static void *reading_open(struct mime_ctx *ctx, int idx, GBytes *bytes)
{
	return NULL; /* opened by the walk of the message (mime_readings_next) */
}

static const struct mime_reader walk_reading_reader = {"reading", reading_open, reading_next,
                                                       mime_walk_close};

/* The next reading of the message as a job (its copy counted as decoded bytes). */
bool mime_readings_next(struct mime_walk *w, GPtrArray *children)
{
	while (w->readings != NULL && w->next_reading < w->readings->len) {
		unsigned int kind = w->reading_of[w->next_reading];
		GBytes *b = w->readings->pdata[w->next_reading++];
		uint64_t grant;
		struct mime_walk *r;
		struct mime_work *job;

		mime_jobs_budget(&w->ctx->lim, &w->ctx->use, MIME_RES_BYTES, g_bytes_get_size(b),
		                 &grant);
		if (grant < g_bytes_get_size(b)) {
			mime_limit(w->ctx, MSG_LIMIT_TOTAL,
			           "max_total_bytes (%" G_GUINT64_FORMAT
			           ") reached: other readings of the headers not scanned",
			           w->ctx->lim.max_total_bytes);
			return false;
		}
		r = mime_walk_message_as(w->ctx, b, false, w->prefix, w->depth, w->parent, w, kind);
		if (r == NULL)
			continue;
		w->ctx->use.decoded += g_bytes_get_size(b);
		job = mime_work_new(g_bytes_ref(b), MIME_FROM_PART, MIME_ENC_RAW, w->parent);
		job->reader = &walk_reading_reader;
		job->state = r;
		g_ptr_array_add(children, job);
		return true;
	}
	return false;
}
