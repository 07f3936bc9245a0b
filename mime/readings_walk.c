/*
 * readings_walk: the other clients' readings of a message (readings.c) as jobs of its walk
 * (walk.c): the copies that differ from GMime's reading and from each other are kept at open,
 * walked after the message's leaves one at a time, and each of their leaves becomes a part
 * "readN" when its decoded bytes are new, else a copy of the part those bytes are (msgscan.h,
 * COPIES). Limits: at most 8 copies a message (MIME_READING_* combinations), each counted
 * against max_total_bytes. Thread safety: belongs to the scan of its message.
 */

#include "mime/jobs.h"
#include "mime/readings.h"
#include "mime/walk.h"

#include <string.h>

/* ---- the readings as jobs of the walk ---- */

/* A copy kept to walk, with its map (may be NULL), unless it is one already kept (both taken
   in either case). */
static void readings_keep(struct mime_walk *w, GBytes *b, unsigned int kind, GArray *map)
{
	if (b == NULL)
		return;
	if (w->readings == NULL)
		w->readings = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (guint i = 0; i <= w->readings->len; i++) {
		if (i == w->readings->len ? i >= G_N_ELEMENTS(w->reading_of)
		                          : g_bytes_equal(b, w->readings->pdata[i])) {
			g_bytes_unref(b);
			if (map != NULL)
				g_array_free(map, TRUE);
			return;
		}
	}
	w->reading_of[w->readings->len] = kind;
	w->reading_map[w->readings->len] = map;
	g_ptr_array_add(w->readings, b);
}

/*
 * The other clients' readings of the message's header blocks that differ from GMime's and
 * from each other (readings.c), to walk after its leaves; where a CR alone breaks a header
 * block or a "--" line, the same readings of the message with such a CR ending a line. Parts
 * are then deduplicated.
 */
void mime_readings_find(struct mime_walk *w)
{
	static const unsigned int kinds[] = {MIME_READING_FIRST, MIME_READING_VALUES,
	                                     MIME_READING_BOTH};
	bool lone_cr = w->cr_dashes;
	GBytes *lines;

	if (mime_readings_differ_at(w->data, w->len, w->dashes, &lone_cr)) {
		for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
			GArray *map;
			GBytes *b =
			        mime_readings_make_at(w->data, w->len, kinds[k], w->dashes, &map);

			readings_keep(w, b, kinds[k], map);
		}
	}
	/* the copies with a LF after a CR alone are not mapped back to the message: a copy of a
	   part found there lies nowhere strip can be sure of, and strip is not trusted */
	if (lone_cr && (lines = mime_readings_cr_lines(w->data, w->len)) != NULL) {
		size_t n;
		const unsigned char *c = g_bytes_get_data(lines, &n);

		if (n != w->len)
			readings_keep(w, g_bytes_ref(lines), MIME_READING_CR, NULL);
		for (guint k = 0; k < G_N_ELEMENTS(kinds); k++)
			readings_keep(w, mime_readings_make_at(c, n, kinds[k], NULL, NULL),
			              kinds[k] | MIME_READING_CR, NULL);
		g_bytes_unref(lines);
	}
	if (w->readings != NULL && w->readings->len > 0)
		w->ctx->dedupe = true;
}

/* How a copy's finder is named (struct msg_copy.found_by). */
static const char *reading_short(unsigned int reading)
{
	static const char *const what[] = {
	        "GMime's reading",
	        "the first-header reading",
	        "the lenient Content-Type reading",
	        "the first-header reading with lenient values",
	        "the reading where a CR alone ends a line",
	        "the first-header reading where a CR alone ends a line",
	        "the lenient Content-Type reading where a CR alone ends a line",
	        "the first-header reading with lenient values where a CR alone ends a line",
	};

	return what[reading & 7];
}

static const char *reading_what(unsigned int reading)
{
	static const char *const what[] = {
	        "GMime's reading",
	        "the first-header reading (Python's email; Thunderbird's first Content-Type)",
	        "the lenient Content-Type reading (encoded words, \",\" separators, RFC 2231 "
	        "boundary, the boundary as its delimiter lines spell it)",
	        "the first-header reading with lenient Content-Type values",
	        "the reading where a CR alone ends a line (Python's email, Thunderbird)",
	        "the first-header reading where a CR alone ends a line (Python's email, "
	        "Thunderbird)",
	        "the lenient Content-Type reading where a CR alone ends a line",
	        "the first-header reading with lenient values where a CR alone ends a line",
	};

	return what[reading & 7];
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

/*
 * A leaf of a reading whose bytes were scanned before as part of: a copy there, named as the
 * reading names it, and where its body lies in the message when it lies there unchanged.
 */
static void reading_copy(struct mime_ctx *ctx, struct mime_work *job, int of)
{
	struct mime_walk *w = job->maker, *o = w->origin;
	struct msg_part *proto = w->protos->pdata[job->begin];
	struct msg_copy c = {.parent = o->parent};
	size_t from;

	c.found_by = g_strdup(reading_short(w->reading));
	c.name = g_steal_pointer(&proto->name);
	c.alt_name = g_steal_pointer(&proto->alt_name);
	c.content_type = g_steal_pointer(&proto->content_type);
	if (o->in_raw && proto->raw_end > proto->body_begin &&
	    mime_readings_source(w->map, proto->body_begin, proto->raw_end, &from)) {
		c.raw_begin = (size_t)(o->data - ctx->raw) + from;
		c.raw_end = c.raw_begin + (proto->raw_end - proto->body_begin);
	}
	mime_part_add_copy(ctx, of, &c);
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
		leaf->copy = reading_copy;
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
		const GArray *map = w->reading_map[w->next_reading];
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
		r->map = map;
		w->ctx->use.decoded += g_bytes_get_size(b);
		job = mime_work_new(g_bytes_ref(b), MIME_FROM_PART, MIME_ENC_RAW, w->parent);
		job->reader = &walk_reading_reader;
		job->state = r;
		g_ptr_array_add(children, job);
		return true;
	}
	return false;
}
