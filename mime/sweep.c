/*
 * sweep: every base64 run and uuencoded block of a message buffer, whatever the tree says.
 *
 * One pass over the lines of the buffer. Bodies the parsed tree decodes itself (base64,
 * quoted-printable, uuencode) are jumped over by byte range; a run that only partly lies in
 * one is decoded (the parsers disagree there). A jumped body is swept after all when the tree
 * found it odd (base64 that did not decode cleanly, quoted-printable with "--" lines): another
 * parser may see a part inside it (mime_sweep_find_range, called by the walk).
 *
 * A base64 run is a sequence of lines made only of the base64 alphabet (from column 0,
 * trailing blanks allowed, '=' padding ending it) of at least SWEEP_MIN_CHARS characters;
 * lines starting with "--" (boundary-like), headers, blank lines and text end it. The whole
 * body of a segment whose headers declare base64 is a candidate too, decoded as a client
 * would (junk lines inside cannot split it). "-----BEGIN ...-----" armour (PGP, PEM) is not
 * decoded: clients do not show it as attachments. A "begin NNN name" block is taken unless it
 * lies in a text body the tree searches for uuencode itself. The name of a find comes from
 * the nearest Content-Type / Content-Disposition header before it in the same segment.
 *
 * The same pass notes LF-only lines mixed with CRLF lines, and boundary lines with trailing
 * text (a delimiter to some parsers, content to others).
 *
 * Limits: candidates are decoded one at a time within max_part_bytes and max_total_bytes and
 * counted against max_parts; what was already scanned in the message is dropped by size and
 * SHA-256 (taken in the pass that scans the find, mime_part_digest).
 * Thread safety: per call.
 */

#include "mime/encodings.h"
#include "mime/sweep.h"
#include "mime/uuencode.h"

#include <stdint.h>
#include <string.h>

/* 33 decoded bytes: below this a run of "words" from prose is more likely than a file */
#define SWEEP_MIN_CHARS    44
#define SWEEP_MAX_HEADER   2048 /* bytes of a Content-* header read for a name */
#define SWEEP_MAX_BOUNDARY 64   /* boundaries compared with "--" lines */

struct mime_sweep_cand {
	size_t begin, end; /* the encoded lines in the walk's buffer */
	enum mime_enc enc;
	char *name;
};

struct sweep {
	struct mime_walk *w;
	GArray *cands;
	GArray *skip, *uu; /* sorted copies of the walk's ranges */
	guint si;
	size_t run_begin, run_end, run_chars;
	bool in_run;
	char *name; /* from the last Content-* header of the segment */
	unsigned int crlf, lf;
	bool bad_boundary;
	/* the segment since the last "--" line: headers, then a body declared base64 */
	bool seg_headers, seg_b64;
	size_t seg_body;  /* where that body starts, or SIZE_MAX */
	size_t next_skip; /* where the next skipped body may start (0: look it up) */
};

static gint range_cmp(gconstpointer a, gconstpointer b)
{
	const struct mime_range *x = a, *y = b;

	return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : 0;
}

static GArray *sorted_copy(GArray *ranges)
{
	GArray *c = g_array_sized_new(FALSE, FALSE, sizeof(struct mime_range), ranges->len);

	g_array_append_vals(c, ranges->data, ranges->len);
	g_array_sort(c, range_cmp);
	return c;
}

/* [begin, end) lies inside one of the sorted, disjoint ranges (binary search). */
static bool inside(GArray *ranges, size_t begin, size_t end)
{
	guint lo = 0, hi = ranges->len;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;

		if (g_array_index(ranges, struct mime_range, mid).begin <= begin)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && g_array_index(ranges, struct mime_range, lo - 1).end >= end;
}

static void sweep_add(struct sweep *s, size_t begin, size_t end, enum mime_enc enc,
                      const char *name)
{
	struct mime_sweep_cand c = {begin, end, enc, g_strdup(name)};
	struct mime_use use = {.parts = s->cands->len};

	/* more candidates than parts allowed: they could not be reported anyway */
	if (mime_jobs_budget(&s->w->ctx->lim, &use, MIME_RES_PARTS, 1, NULL) != MIME_BOUND_NONE) {
		mime_limit(s->w->ctx, MSG_LIMIT_PARTS,
		           "the raw sweep found more than %u encoded runs: the rest is not scanned",
		           s->w->ctx->lim.max_parts);
		g_free(c.name);
		return;
	}
	g_array_append_val(s->cands, c);
}

static inline void run_flush(struct sweep *s)
{
	if (!s->in_run)
		return;
	if (s->in_run && s->run_chars >= SWEEP_MIN_CHARS &&
	    !inside(s->skip, s->run_begin, s->run_end))
		sweep_add(s, s->run_begin, s->run_end, MIME_ENC_BASE64, s->name);
	s->in_run = false;
}

static bool blank_bytes(const unsigned char *p, const unsigned char *end)
{
	for (; p < end; p++) {
		if (*p != '\r' && *p != '\n' && *p != ' ' && *p != '\t')
			return false;
	}
	return true;
}

/*
 * The body of a segment whose headers say base64, up to the next "--" line, decoded whole as
 * a client would (skipping what is not base64): junk lines cut runs but not this. Not when it
 * is the last run and blank lines (the same bytes decoded again).
 */
static void seg_flush(struct sweep *s, size_t end)
{
	const struct mime_sweep_cand *last =
	        s->cands->len > 0
	                ? &g_array_index(s->cands, struct mime_sweep_cand, s->cands->len - 1)
	                : NULL;

	if (s->seg_body != SIZE_MAX && end > s->seg_body && end - s->seg_body >= SWEEP_MIN_CHARS &&
	    !(last != NULL && last->begin == s->seg_body &&
	      blank_bytes(s->w->data + last->end, s->w->data + end))) {
		/* the runs inside it are pieces of it: drop them */
		while (s->cands->len > 0 &&
		       g_array_index(s->cands, struct mime_sweep_cand, s->cands->len - 1).begin >=
		               s->seg_body) {
			g_free(g_array_index(s->cands, struct mime_sweep_cand, s->cands->len - 1)
			               .name);
			g_array_set_size(s->cands, s->cands->len - 1);
		}
		sweep_add(s, s->seg_body, end, MIME_ENC_BASE64, s->name);
	}
	s->seg_body = SIZE_MAX;
}

/* A header line "Content-Transfer-Encoding: base64" (any case, blanks). */
static bool cte_base64(const unsigned char *p, size_t n)
{
	char *v;
	bool yes;

	if (n < 26 || g_ascii_strncasecmp((const char *)p, "content-transfer-encoding:", 26) != 0)
		return false;
	v = g_ascii_strdown((const char *)p + 26, (gssize)(n - 26));
	yes = strstr(v, "base64") != NULL;
	g_free(v);
	return yes;
}

/* A base64 line: alphabet from column 0, then '=' padding, then blanks. Returns its chars. */
static inline size_t b64_line(const unsigned char *p, size_t n, bool *padded)
{
	const unsigned char *sp = n > 1 ? memchr(p, ' ', n - 1) : NULL;
	size_t i = 0, core;

	/*
	 * A space with something other than blanks after it: not a base64 line (prose). One
	 * vectorised search instead of a loop per character whose end no branch predicts.
	 */
	*padded = false;
	if (sp != NULL && sp[1] != ' ' && sp[1] != '\t')
		return 0;
	while (i < n && mime_decode_is_base64(p[i]))
		i++;
	core = i;
	while (i < n && p[i] == '=' && i - core < 2)
		i++;
	*padded = i > core;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i == n ? core + (*padded ? 1 : 0) : 0;
}

/* A file name from a Content-Type / Content-Disposition header (folded lines included). */
static void header_name(struct sweep *s, const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p, *nl;
	GString *v = g_string_new(NULL);
	bool disp = g_ascii_strncasecmp((const char *)p, "content-disposition:", 20) == 0;
	const char *name = NULL;

	q = (const unsigned char *)memchr(p, ':', (size_t)(end - p)) + 1;
	while (q < end && v->len < SWEEP_MAX_HEADER) {
		nl = memchr(q, '\n', (size_t)(end - q));
		g_string_append_len(v, (const char *)q, (nl != NULL ? nl : end) - q);
		if (nl == NULL || nl + 1 >= end || (nl[1] != ' ' && nl[1] != '\t'))
			break;
		q = nl + 1;
	}
	g_strdelimit(v->str, "\r\n", ' ');
	if (disp) {
		GMimeContentDisposition *d = g_mime_content_disposition_parse(NULL, v->str);

		name = d != NULL ? g_mime_content_disposition_get_parameter(d, "filename") : NULL;
		if (name != NULL && *name != '\0') {
			g_free(s->name);
			s->name = g_utf8_make_valid(name, -1);
		}
		if (d != NULL)
			g_object_unref(d);
	} else {
		GMimeContentType *t = g_mime_content_type_parse(NULL, v->str);

		name = t != NULL ? g_mime_content_type_get_parameter(t, "name") : NULL;
		if (name != NULL && *name != '\0' && s->name == NULL)
			s->name = g_utf8_make_valid(name, -1);
		if (t != NULL)
			g_object_unref(t);
	}
	g_string_free(v, TRUE);
}

/* "--" + a boundary of the message + trailing text that is not "--" or blanks. */
static void boundary_line(struct sweep *s, const unsigned char *p, size_t n)
{
	GPtrArray *bs = s->w->boundaries;
	bool prefix = false;

	for (guint i = 0; i < bs->len && i < SWEEP_MAX_BOUNDARY; i++) {
		const char *b = bs->pdata[i];
		size_t bl = strlen(b), k;

		if (n < bl + 2 || memcmp(p + 2, b, bl) != 0)
			continue;
		k = bl + 2;
		if (n - k >= 2 && p[k] == '-' && p[k + 1] == '-')
			k += 2;
		while (k < n && (p[k] == ' ' || p[k] == '\t'))
			k++;
		if (k == n)
			return; /* a delimiter of some multipart */
		prefix = true;
	}
	if (prefix && !s->bad_boundary) {
		s->bad_boundary = true;
		mime_anomaly(s->w->ctx, MSG_ANOM_BAD_BOUNDARY,
		             "%sboundary line with trailing text at offset %zu",
		             s->w->parent >= 0 ? "in a nested message: " : "",
		             (size_t)(p - s->w->data));
	}
}

/*
 * Past an armoured block ("-----BEGIN ...": PGP, PEM) starting at p: its armour headers,
 * base64 lines, blank lines and checksum, up to its "-----END" line. Any other line ends it,
 * so a stray BEGIN line cannot hide what follows.
 */
static const unsigned char *armour_end(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));

	p = nl != NULL ? nl + 1 : end;
	while (p < end) {
		const unsigned char *next;
		size_t n;
		bool padded;

		nl = memchr(p, '\n', (size_t)(end - p));
		next = nl != NULL ? nl + 1 : end;
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n >= 9 && memcmp(p, "-----END ", 9) == 0)
			return next;
		if (n > 0 && b64_line(p, n, &padded) == 0 && p[0] != '=' &&
		    (memchr(p, ':', n) == NULL || p[0] == ' ' || p[0] == '\t'))
			return p;
		p = next;
	}
	return end;
}

/*
 * A "begin" line: the block is a candidate unless the tree searches this text body for
 * uuencode itself; either way the sweep continues after it. NULL when it is no block.
 */
static const unsigned char *uu_block(struct sweep *s, const unsigned char *p)
{
	struct mime_walk *w = s->w;
	size_t pos = (size_t)(p - w->data);
	struct mime_uu_block b;

	g_array_append_val(w->uu_lines, pos);
	if (!mime_uu_at(w->data, w->len, pos, &b))
		return NULL;
	if (!inside(s->uu, b.begin, b.begin + 1) && !inside(s->skip, b.begin, b.end)) {
		if (b.base64)
			sweep_add(s, b.data, b.end, MIME_ENC_BASE64, b.name);
		else
			sweep_add(s, b.begin, b.end, MIME_ENC_UU, b.name);
	}
	return w->data + (b.end > b.begin ? b.end : b.begin + 1);
}

/* Jump over a body the tree decodes, when not inside a run. */
static const unsigned char *skip_decoded(struct sweep *s, const unsigned char *p)
{
	size_t pos = (size_t)(p - s->w->data);

	while (s->si < s->skip->len && g_array_index(s->skip, struct mime_range, s->si).end <= pos)
		s->si++;
	s->next_skip = SIZE_MAX;
	if (s->si < s->skip->len) {
		const struct mime_range *r = &g_array_index(s->skip, struct mime_range, s->si);

		s->next_skip = r->begin;
		if (r->begin <= pos && r->end > pos)
			return s->w->data + r->end;
	}
	return p;
}

/* One line [p, p + n) (without its line end): returns where the next line starts. */
static const unsigned char *sweep_line(struct sweep *s, const unsigned char *p, size_t n,
                                       const unsigned char *next)
{
	const unsigned char *end = s->w->data + s->w->len, *q;
	bool padded;
	size_t chars;

	if (n >= 2 && p[0] == '-' && p[1] == '-') {
		run_flush(s);
		seg_flush(s, (size_t)(p - s->w->data));
		s->seg_headers = true;
		s->seg_b64 = false;
		g_free(s->name);
		s->name = NULL;
		if (n >= 11 && memcmp(p, "-----BEGIN ", 11) == 0)
			return armour_end(p, end);
		boundary_line(s, p, n);
		return next;
	}
	chars = b64_line(p, n, &padded);
	if (chars > 0) {
		if (!s->in_run) {
			s->in_run = true;
			s->run_begin = (size_t)(p - s->w->data);
			s->run_chars = 0;
		}
		s->run_chars += chars;
		s->run_end = (size_t)(next - s->w->data);
		if (padded)
			run_flush(s);
		return next;
	}
	run_flush(s);
	if (n == 0 && s->seg_headers) {
		s->seg_headers = false;
		if (s->seg_b64)
			s->seg_body = (size_t)(next - s->w->data);
	}
	/* mime_uu_next() decides (a begin line may lack its mode or name) */
	if (n >= 6 && p[0] == 'b' && memcmp(p, "begin", 5) == 0 && (p[5] == ' ' || p[5] == '-') &&
	    (q = uu_block(s, p)) != NULL)
		return q;
	if (n >= 7 && (p[0] == '=' || p[0] == '(') && mime_encodings_block_line(p, n)) {
		size_t pos = (size_t)(p - s->w->data); /* a yEnc or BinHex block: searched later */

		g_array_append_val(s->w->uu_lines, pos);
	}
	if (s->seg_headers && (p[0] == 'C' || p[0] == 'c') && cte_base64(p, n))
		s->seg_b64 = true;
	if (n > 13 && (p[0] == 'C' || p[0] == 'c') &&
	    g_ascii_strncasecmp((const char *)p, "content-", 8) == 0 &&
	    (g_ascii_strncasecmp((const char *)p, "content-type:", 13) == 0 ||
	     (n > 20 && g_ascii_strncasecmp((const char *)p, "content-disposition:", 20) == 0)))
		header_name(s, p, end);
	return next;
}

static GArray *sweep_find(struct mime_walk *w, size_t from, size_t to, bool whole)
{
	struct sweep s = {.w = w, .seg_headers = whole, .seg_body = SIZE_MAX};
	const unsigned char *p = w->data + from, *end = w->data + to;

	s.cands = g_array_new(FALSE, FALSE, sizeof(struct mime_sweep_cand));
	s.skip =
	        whole ? sorted_copy(w->skip) : g_array_new(FALSE, FALSE, sizeof(struct mime_range));
	s.uu = sorted_copy(w->uu_raw);
	while (p < end) {
		const unsigned char *nl, *next;
		size_t n;

		if (!s.in_run && (size_t)(p - w->data) >= s.next_skip) {
			const unsigned char *q = skip_decoded(&s, p);

			if (q != p)
				s.seg_body = SIZE_MAX; /* the tree decodes that body */
			p = q;
			if (p >= end)
				break;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		next = nl != NULL ? nl + 1 : end;
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r') {
			n--;
			s.crlf += nl != NULL;
		} else {
			s.lf += nl != NULL;
		}
		p = sweep_line(&s, p, n, next);
	}
	run_flush(&s);
	seg_flush(&s, to);
	if (whole && s.crlf > 0 && s.lf > 0)
		mime_anomaly(w->ctx, MSG_ANOM_BARE_LF, "%s%u LF-only line ends among %u CRLF ones",
		             w->parent >= 0 ? "in a nested message: " : "", s.lf, s.crlf);
	g_free(s.name);
	g_array_free(s.skip, TRUE);
	g_array_free(s.uu, TRUE);
	return s.cands;
}

GArray *mime_sweep_find(struct mime_walk *w)
{
	return sweep_find(w, 0, w->len, true);
}

GArray *mime_sweep_find_range(struct mime_walk *w, size_t from, size_t to)
{
	return sweep_find(w, from, to, false);
}

/* The leaf whose body holds offset pos, or the walk's parent. */
static int cand_parent(struct mime_walk *w, size_t pos)
{
	for (guint i = 0; i < w->leaves->len; i++) {
		const struct mime_range *r = &g_array_index(w->leaves, struct mime_range, i);

		if (r->begin <= pos && pos < r->end)
			return r->part;
	}
	return w->parent;
}

/* A new find as a part (its decoded bytes counted by the loop), or -1 past max_parts. */
static int cand_part(struct mime_ctx *ctx, struct mime_work *job, size_t n, unsigned int dflags)
{
	struct mime_walk *w = job->maker;
	size_t begin = (size_t)job->begin, end = begin + g_bytes_get_size(job->bytes);
	int parent = cand_parent(w, begin);
	unsigned int depth = parent >= 0 ? mime_part_at(ctx, parent)->depth + 1 : w->depth;
	char *path = g_strdup_printf("%ssweep%u", w->prefix, ++w->sweeps);
	size_t base = w->in_raw ? (size_t)(w->data - ctx->raw) : 0;
	int idx = mime_part_new(ctx, path, parent, depth);
	struct msg_part *p;

	g_free(path);
	if (idx < 0)
		return -1;
	p = mime_part_at(ctx, idx);
	p->name = job->name != NULL ? g_utf8_make_valid(job->name, -1) : NULL;
	p->content_type = g_strdup("application/octet-stream");
	p->encoding = g_strdup(job->enc == MIME_ENC_UU ? "uuencode" : "base64");
	p->encoded_size = end - begin;
	mime_part_flag(p, MSG_PART_SWEEP | (job->enc == MIME_ENC_UU ? MSG_PART_UUENCODED : 0),
	               "found by the raw sweep at %s offset %zu-%zu",
	               w->in_raw ? "message" : "nested message", base + begin, base + end);
	if (dflags & MIME_DECODE_FULL)
		mime_part_flag(p, MSG_PART_TRUNCATED, "only the first %zu decoded bytes scanned",
		               n);
	mime_anomaly(ctx, MSG_ANOM_SWEEP_EXTRA,
	             "part %s: encoded content the parsed tree did not decode (%zu bytes)", p->path,
	             n);
	return idx;
}

/*
 * A find whose bytes were scanned before as part of: a copy there, with where it lies (strip
 * must remove it too) and the name its headers give (judged as the part's).
 */
static void cand_copy(struct mime_ctx *ctx, struct mime_work *job, int of)
{
	struct mime_walk *w = job->maker;
	size_t begin = (size_t)job->begin, end = begin + g_bytes_get_size(job->bytes);
	struct msg_copy c = {.found_by = g_strdup("the raw sweep"),
	                     .parent = cand_parent(w, begin)};

	c.name = job->name != NULL ? g_utf8_make_valid(job->name, -1) : NULL;
	/* the run's last line end belongs to the boundary after it, as for a part's body */
	if (end > begin && w->data[end - 1] == '\n')
		end--;
	if (end > begin && w->data[end - 1] == '\r')
		end--;
	if (w->in_raw) {
		size_t base = (size_t)(w->data - ctx->raw);

		c.raw_begin = base + begin;
		c.raw_end = base + end;
	}
	mime_part_add_copy(ctx, of, &c);
}

bool mime_sweep_next(struct mime_walk *w, GPtrArray *children)
{
	guint before = children->len;

	/* views of the walk's buffer, alive until the walk is closed (after them) */
	for (; w->next_cand < w->cands->len; w->next_cand++) {
		struct mime_sweep_cand *c =
		        &g_array_index(w->cands, struct mime_sweep_cand, w->next_cand);
		GBytes *run = g_bytes_new_static(w->data + c->begin, c->end - c->begin);
		struct mime_work *job = mime_work_new(run, MIME_FROM_SWEEP, c->enc, -1);

		job->make = cand_part;
		job->copy = cand_copy;
		job->maker = w;
		job->begin = c->begin;
		job->name = c->name;
		c->name = NULL;
		g_ptr_array_add(children, job);
	}
	return children->len > before;
}

void mime_sweep_free(struct mime_walk *w)
{
	if (w->cands == NULL)
		return;
	for (guint i = w->next_cand; i < w->cands->len; i++)
		g_free(g_array_index(w->cands, struct mime_sweep_cand, i).name);
	g_array_free(w->cands, TRUE);
	w->cands = NULL;
}
