/*
 * walk: a message in memory -> GMime tree -> parts, decode jobs and byte ranges.
 *
 * GMime parses from a memory stream over the caller's buffer without copying it: a GByteArray
 * wraps the borrowed bytes (GMime only reads them) and is taken back before it is freed. In
 * persist mode each leaf's content is a substream of that stream, whose bounds are the body's
 * offsets in the buffer; header offsets come from GMime's headers. The walk descends into
 * multiparts and message/rfc822 / message/global parts itself (g_mime_message_foreach does not
 * enter nested messages), within max_depth (GMime's own limit is 1024 levels) and max_parts.
 * GMime's parser warnings and the walk's own checks (checks.c) become anomalies. Where other
 * clients read the header blocks otherwise (readings.c), each such reading is walked too, as a
 * job of its own after the leaves: its entities are not counted or checked again, its leaves
 * are prototypes made parts only when their bytes were not scanned before (same size and
 * SHA-256), and its copy of the message counts against max_total_bytes.
 *
 * Thread safety: GMime is initialised once per process (g_once); each walk has its own parser
 * and parser options (the warning callback writes into this walk's report only), so
 * independent messages are parsed in parallel.
 */

#include "mime/walk.h"
#include "mime/dashes.h"
#include "mime/password.h"
#include "mime/params.h"
#include "mime/readings.h"
#include "mime/sweep.h"

#include <string.h>

static gpointer walk_init_once(gpointer arg)
{
	g_mime_init();
	return NULL;
}

void mime_walk_init(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, walk_init_once, NULL);
}

static void range_add(GArray *a, size_t begin, size_t end, int part)
{
	struct mime_range r = {begin, end, part};

	g_array_append_val(a, r);
}

/* The message's offset of an offset GMime gives (of the skeleton when it parsed one). */
static gint64 walk_real(const struct mime_walk *w, gint64 off)
{
	return w->skel.cuts != NULL ? mime_skel_real(&w->skel, off) : off;
}

/* Offset of the first header of an entity, or -1. */
static gint64 hdr_begin(const struct mime_walk *w, GMimeObject *obj)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(obj);
	int n = list != NULL ? g_mime_header_list_get_count(list) : 0;
	gint64 best = -1;

	for (int i = 0; i < n; i++) {
		gint64 off = g_mime_header_get_offset(g_mime_header_list_get_header_at(list, i));

		if (off >= 0 && (best < 0 || off < best))
			best = off;
	}
	return walk_real(w, best);
}

/* End of an entity's header block when it has no content: after its last header line. */
static gint64 hdr_end(const struct mime_walk *w, GMimeObject *obj)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(obj);
	int n = list != NULL ? g_mime_header_list_get_count(list) : 0;
	gint64 end = -1;

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
		const char *name = g_mime_header_get_raw_name(h),
		           *value = g_mime_header_get_raw_value(h);
		gint64 off = g_mime_header_get_offset(h);

		if (off >= 0 && name != NULL && value != NULL)
			end = MAX(end, walk_real(w, off) + (gint64)strlen(name) + 1 +
			                       (gint64)strlen(value));
	}
	return end;
}

/*
 * The body of a leaf: [*begin, *end) of the walk's buffer, or a copy when GMime did not keep
 * it as a view of the buffer (*copy_r set, owned by the walk). false when it has no content.
 */
static bool body_range(struct mime_walk *w, GMimePart *part, size_t *begin, size_t *end,
                       const unsigned char **copy_r, bool copy_ok)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *s = dw != NULL ? g_mime_data_wrapper_get_stream(dw) : NULL;
	GByteArray *copy;

	*copy_r = NULL;
	if (s == NULL)
		return false;
	if (GMIME_IS_STREAM_MEM(s) &&
	    g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s)) == w->bytes) {
		gint64 b = walk_real(w, s->bound_start),
		       e = s->bound_end < 0 ? (gint64)w->len : walk_real(w, s->bound_end);

		*begin = (size_t)CLAMP(b, 0, (gint64)w->len);
		*end = (size_t)CLAMP(e, (gint64)*begin, (gint64)w->len);
		return true;
	}
	if (!copy_ok)
		return false;
	/* not a view of our buffer: read it (bounded by the message) */
	copy = g_byte_array_new();
	g_mime_stream_reset(s);
	for (;;) {
		guint8 chunk[4096];
		ssize_t n = g_mime_stream_read(s, (char *)chunk, sizeof(chunk));

		if (n <= 0 || copy->len + (size_t)n > w->len)
			break;
		g_byte_array_append(copy, chunk, (guint)n);
	}
	g_ptr_array_add(w->copies, copy);
	*copy_r = copy->data;
	*begin = 0;
	*end = copy->len;
	return true;
}

/* End offset of an entity (its last body byte), or -1. */
static gint64 entity_end(struct mime_walk *w, GMimeObject *obj)
{
	if (GMIME_IS_MULTIPART(obj)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));

		return n > 0 ? entity_end(w, g_mime_multipart_get_part(GMIME_MULTIPART(obj), n - 1))
		             : hdr_end(w, obj);
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		GMimeObject *top = m != NULL ? g_mime_message_get_mime_part(m) : NULL;

		return top != NULL ? entity_end(w, top) : hdr_end(w, obj);
	}
	if (GMIME_IS_PART(obj)) {
		size_t b, e;
		const unsigned char *copy;

		if (body_range(w, GMIME_PART(obj), &b, &e, &copy, false))
			return (gint64)e;
	}
	return hdr_end(w, obj);
}

static char *utf8_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? g_utf8_make_valid(s, -1) : NULL;
}

static char *mime_type_of(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *t = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	char *lower = g_ascii_strdown(t != NULL ? t : "text/plain", -1);

	g_free(t);
	return lower;
}

/* Names, types and encoding as declared in the headers. */
static void leaf_declared(struct msg_part *p, GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	GMimeContentDisposition *cd = g_mime_object_get_content_disposition(obj);
	const char *fn =
	        cd != NULL ? g_mime_content_disposition_get_parameter(cd, "filename") : NULL;
	const char *ctname = ct != NULL ? g_mime_content_type_get_parameter(ct, "name") : NULL;
	const char *cte = g_mime_object_get_header(obj, "Content-Transfer-Encoding");

	p->content_type = mime_type_of(obj);
	if (cd != NULL && g_mime_content_disposition_get_disposition(cd) != NULL)
		p->disposition =
		        g_ascii_strdown(g_mime_content_disposition_get_disposition(cd), -1);
	p->name = utf8_or_null(fn != NULL && *fn != '\0' ? fn : ctname);
	if (fn != NULL && *fn != '\0' && ctname != NULL && *ctname != '\0' &&
	    strcmp(fn, ctname) != 0)
		p->alt_name = utf8_or_null(ctname);
	if (cte != NULL) {
		char *t = g_strstrip(g_strdup(cte));

		p->encoding = g_ascii_strdown(t, -1);
		g_free(t);
	}
	if (g_str_has_prefix(p->content_type, "text/") && p->name == NULL &&
	    (p->disposition == NULL || strcmp(p->disposition, "attachment") != 0))
		p->flags |= MSG_PART_BODY;
}

static enum mime_enc leaf_encoding(GMimePart *part)
{
	switch (g_mime_part_get_content_encoding(part)) {
	case GMIME_CONTENT_ENCODING_BASE64:
		return MIME_ENC_BASE64;
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
		return MIME_ENC_QP;
	case GMIME_CONTENT_ENCODING_UUENCODE:
		return MIME_ENC_UU;
	default:
		return MIME_ENC_RAW;
	}
}

/* Start of a headerless entity: the empty line before its body, if there is one. */
static size_t blank_before(struct mime_walk *w, size_t body)
{
	const unsigned char *d = w->data;

	if (body >= 2 && d[body - 1] == '\n' && d[body - 2] == '\n')
		return body - 1;
	if (body >= 3 && d[body - 1] == '\n' && d[body - 2] == '\r' && d[body - 3] == '\n')
		return body - 2;
	return body;
}

static void leaf_flags(struct mime_walk *w, struct msg_part *p, GMimeObject *obj, bool encrypted)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *smime = ct != NULL ? g_mime_content_type_get_parameter(ct, "smime-type") : NULL;

	if (encrypted)
		mime_part_flag(p, MSG_PART_ENCRYPTED, "encrypted (multipart/encrypted)");
	if (smime != NULL && (g_ascii_strcasecmp(smime, "enveloped-data") == 0 ||
	                      g_ascii_strcasecmp(smime, "authEnveloped-data") == 0))
		mime_part_flag(p, MSG_PART_ENCRYPTED, "encrypted (S/MIME %s)", smime);
	if (GMIME_IS_MESSAGE_PARTIAL(obj)) {
		GMimeMessagePartial *mp = GMIME_MESSAGE_PARTIAL(obj);

		mime_part_flag(p, MSG_PART_PARTIAL, "message/partial fragment %d of %d",
		               g_mime_message_partial_get_number(mp),
		               g_mime_message_partial_get_total(mp));
	}
}

static void walk_leaf(struct mime_walk *w, GMimeObject *obj, const char *path, unsigned int depth,
                      GMimeMessage *msg, bool encrypted)
{
	struct mime_ctx *ctx = w->ctx;
	int idx = w->reading ? (int)w->protos->len : mime_part_new(ctx, path, w->parent, depth);
	gint64 hb = hdr_begin(w, obj), mb = msg != NULL ? hdr_begin(w, GMIME_OBJECT(msg)) : -1;
	const unsigned char *copy = NULL;
	struct mime_job job = {0};
	struct msg_part *p;
	size_t b = 0, e = 0;
	bool has_body;

	if (idx < 0)
		return;
	if (w->reading)
		g_ptr_array_add(w->protos, g_new0(struct msg_part, 1));
	p = w->reading ? w->protos->pdata[idx] : mime_part_at(ctx, idx);
	leaf_declared(p, obj);
	leaf_flags(w, p, obj, encrypted);
	has_body = body_range(w, GMIME_PART(obj), &b, &e, &copy, true);
	if (!has_body) {
		gint64 he = hdr_end(w, obj);

		b = e = (size_t)CLAMP(he, 0, (gint64)w->len);
	}
	if (mb >= 0 && (hb < 0 || mb < hb))
		hb = mb;
	job.part = (unsigned int)idx;
	job.enc = leaf_encoding(GMIME_PART(obj));
	job.body = copy != NULL ? copy + b : w->data + b;
	job.body_len = e - b;
	p->encoded_size = e - b;
	if (job.enc == MIME_ENC_UU)
		p->flags |= MSG_PART_UUENCODED;
	if (copy == NULL && !w->reading) {
		size_t rb = hb >= 0 && (size_t)hb <= b ? (size_t)hb : blank_before(w, b);
		size_t base = w->in_raw ? (size_t)(w->data - ctx->raw) : 0;

		if (w->in_raw) {
			p->raw_begin = base + rb;
			p->body_begin = base + b;
			p->raw_end = base + e;
		}
		range_add(w->leaves, b, e, idx);
		mime_param_names(ctx, idx, obj);
		p = mime_part_at(ctx, idx);
		if (job.enc != MIME_ENC_RAW)
			range_add(w->skip, b, e, idx);
		else if (g_str_has_prefix(p->content_type, "text/"))
			range_add(w->uu_raw, b, e, idx);
	} else if (copy == NULL) {
		/* a reading's prototype: its body in the copy (readings.c finds it in the message) */
		size_t base =
		        (size_t)(w->data - (const unsigned char *)g_bytes_get_data(w->hold, NULL));

		p->body_begin = base + b;
		p->raw_end = base + e;
	}
	g_array_append_val(w->jobs, job);
}

/* An entity below max_depth: listed, flagged, not walked (the sweep still sees its bytes). */
static void walk_too_deep(struct mime_walk *w, GMimeObject *obj, const char *path,
                          unsigned int depth)
{
	struct mime_ctx *ctx = w->ctx;
	int idx;
	gint64 b = hdr_begin(w, obj), e = entity_end(w, obj);
	struct msg_part *p;

	if (w->reading)
		return; /* the message's own walk flags it */
	idx = mime_part_new(ctx, path, w->parent, depth);
	mime_limit(ctx, MSG_LIMIT_DEPTH, "part %s: nesting deeper than max_depth (%u): not scanned",
	           path, ctx->lim.max_depth);
	if (idx < 0)
		return;
	p = mime_part_at(ctx, idx);
	p->content_type = mime_type_of(obj);
	mime_part_flag(p, MSG_PART_LIMIT, "deeper than max_depth (%u): not scanned",
	               ctx->lim.max_depth);
	if (w->in_raw && b >= 0 && e >= b) {
		size_t base = (size_t)(w->data - ctx->raw);

		p->raw_begin = base + (size_t)b;
		p->body_begin = base + (size_t)b;
		p->raw_end = base + (size_t)e;
	}
}

static void walk_entity(struct mime_walk *w, GMimeObject *obj, const char *path,
                        const char *child_prefix, unsigned int depth, const struct mime_frame *up,
                        GMimeMessage *msg, bool encrypted);

static void walk_multipart(struct mime_walk *w, GMimeMultipart *mp, const char *path,
                           const char *child_prefix, unsigned int depth,
                           const struct mime_frame *up, bool top)
{
	int n = g_mime_multipart_get_count(mp);
	/* the parameter as read: g_mime_multipart_get_boundary() makes one up when there is none
	   and re-encodes the header for it (2 GB for a parameter name of odd bytes, fuzz_msgscan) */
	struct mime_frame f = {
	        up, g_mime_object_get_content_type_parameter((GMimeObject *)mp, "boundary")};
	bool encrypted = GMIME_IS_MULTIPART_ENCRYPTED(mp);
	/* a message's top multipart has no number of its own */
	const char *what = !top ? path : *child_prefix != '\0' ? child_prefix : "(top)";
	gint64 last_end = n > 0 ? entity_end(w, g_mime_multipart_get_part(mp, n - 1)) : -1;

	if (!w->reading)
		mime_check_multipart(w, mp, what, up, n, last_end);
	for (int i = 0; i < n; i++) {
		GMimeObject *child = g_mime_multipart_get_part(mp, i);
		char *cpath = g_strdup_printf("%s%d", child_prefix, i + 1);
		char *cprefix = g_strconcat(cpath, ".", NULL);
		gint64 hb = hdr_begin(w, child);
		/* in multipart/encrypted, every part but the control part is ciphertext */
		bool enc = encrypted && i > 0;

		if (hb >= 0 && !w->reading)
			mime_check_headers(w, (size_t)hb, cpath);
		walk_entity(w, child, cpath, cprefix, depth + 1, &f, NULL, enc);
		g_free(cprefix);
		g_free(cpath);
		if (w->ctx->report->flags & MSG_LIMIT_PARTS)
			break;
	}
}

static void walk_message_part(struct mime_walk *w, GMimeMessagePart *mpart, const char *path,
                              unsigned int depth, const struct mime_frame *up)
{
	GMimeMessage *m = g_mime_message_part_get_message(mpart);
	GMimeObject *top = m != NULL ? g_mime_message_get_mime_part(m) : NULL;
	char *tpath, *tprefix;
	gint64 hb;

	if (top == NULL) {
		int idx = w->reading ? -1 : mime_part_new(w->ctx, path, w->parent, depth);

		if (idx >= 0) {
			mime_part_at(w->ctx, idx)->content_type = mime_type_of(GMIME_OBJECT(mpart));
			mime_part_flag(mime_part_at(w->ctx, idx), 0, "empty nested message");
		}
		return;
	}
	hb = hdr_begin(w, GMIME_OBJECT(m));
	if (hb >= 0 && !w->reading)
		mime_check_headers(w, (size_t)hb, path);
	tpath = g_strconcat(path, "/1", NULL);
	tprefix = g_strconcat(path, "/", NULL);
	walk_entity(w, top, tpath, tprefix, depth + 1, up, m, false);
	g_free(tprefix);
	g_free(tpath);
}

static void walk_entity(struct mime_walk *w, GMimeObject *obj, const char *path,
                        const char *child_prefix, unsigned int depth, const struct mime_frame *up,
                        GMimeMessage *msg, bool encrypted)
{
	struct mime_use use = w->ctx->use;

	use.depth = 0;
	if (mime_jobs_budget(&w->ctx->lim, &use, MIME_RES_DEPTH, depth, NULL) != MIME_BOUND_NONE) {
		walk_too_deep(w, obj, path, depth);
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		/* a reading's entities were counted in the message's own walk */
		if (w->reading || mime_count_entity(w->ctx))
			walk_multipart(w, GMIME_MULTIPART(obj), path, child_prefix, depth, up,
			               msg != NULL);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		if (w->reading || mime_count_entity(w->ctx))
			walk_message_part(w, GMIME_MESSAGE_PART(obj), path, depth, up);
	} else if (GMIME_IS_PART(obj)) {
		walk_leaf(w, obj, path, depth, msg, encrypted);
	}
}

/* No header block at all: the whole buffer is one text part (the sweep still runs). */
static void walk_not_mime(struct mime_walk *w)
{
	struct mime_ctx *ctx = w->ctx;
	char *path = g_strconcat(w->prefix, "1", NULL);
	int idx = mime_part_new(ctx, path, w->parent, w->depth);
	struct mime_job job = {0};
	struct msg_part *p;

	mime_anomaly(ctx, MSG_ANOM_NOT_MIME, "no header block: scanned as one text part");
	g_free(path);
	if (idx < 0)
		return;
	p = mime_part_at(ctx, idx);
	p->content_type = g_strdup("text/plain");
	p->flags |= MSG_PART_BODY;
	p->encoded_size = w->len;
	if (w->in_raw) {
		p->raw_begin = p->body_begin = (size_t)(w->data - ctx->raw);
		p->raw_end = p->raw_begin + w->len;
	}
	range_add(w->leaves, 0, w->len, idx);
	range_add(w->uu_raw, 0, w->len, idx);
	job.part = (unsigned int)idx;
	job.enc = MIME_ENC_RAW;
	job.body = w->data;
	job.body_len = w->len;
	g_array_append_val(w->jobs, job);
}

/* A "begin" line in [off, end): the offsets are in increasing order (binary search). */
static bool uu_line_in(GArray *lines, size_t off, size_t end)
{
	guint lo = 0, hi = lines->len;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;

		if (g_array_index(lines, size_t, mid) < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < lines->len && g_array_index(lines, size_t, lo) < end;
}

/*
 * The sweep has read every line of the raw text bodies: those without a "begin" line need no
 * uuencode search of their own (the search is the same on the same bytes).
 */
static void walk_uu_hints(struct mime_walk *w)
{
	for (guint i = 0; i < w->jobs->len; i++) {
		struct mime_job *job = &g_array_index(w->jobs, struct mime_job, i);
		size_t off = (size_t)(job->body - w->data), end = off + job->body_len;
		bool raw_text = false, seen = false;

		if (job->enc != MIME_ENC_RAW || job->body < w->data || end > w->len)
			continue;
		for (guint k = 0; k < w->uu_raw->len && !raw_text; k++) {
			const struct mime_range *r =
			        &g_array_index(w->uu_raw, struct mime_range, k);

			raw_text = r->begin == off && r->end == end;
		}
		seen = uu_line_in(w->uu_lines, off, end);
		job->no_uu = raw_text && !seen;
	}
}

/*
 * GMime builds its whole tree before the walk can count parts, and each entity costs it some
 * microseconds and kilobytes: a message of many tiny parts is cut before parsing, after 16
 * lines starting with "--" per allowed part (MSG_LIMIT_PARTS, dashes.c). The offsets of those
 * lines are kept (at most MIME_DASHES_KEEP) for the readings' search of the header blocks
 * after each (readings.c) and the skeleton (skeleton.c), which would otherwise pass over the
 * bytes again. The message msg_scan() was given may come with them, found as it arrived.
 */
static void walk_cap(struct mime_walk *w)
{
	const struct mime_dashes *pre = w->ctx->dashes;
	struct mime_dashes own;
	uint64_t max = mime_dashes_max(&w->ctx->lim);

	if (pre == NULL || w->parent >= 0 || w->reading || !w->in_raw || w->data != w->ctx->raw ||
	    !pre->done || pre->max != max || pre->len != w->len) {
		mime_dashes_init(&own, max);
		mime_dashes_feed(&own, w->data, w->len, true);
		pre = &own;
	}
	if (pre->count > max) {
		mime_limit(w->ctx, MSG_LIMIT_PARTS,
		           "more than %" G_GUINT64_FORMAT " boundary-like lines: parsed up to "
		           "offset %zu only",
		           max, pre->cut);
		w->len = pre->cut;
	}
	w->inner_dashes = pre->inner;
	w->cr_dashes = pre->cr;
	if (pre == &own) {
		w->dashes = own.at; /* taken */
	} else if (pre->at != NULL) {
		w->dashes = g_array_sized_new(FALSE, FALSE, sizeof(size_t), pre->at->len);
		g_array_append_vals(w->dashes, pre->at->data, pre->at->len);
	}
}

static void walk_header_values(struct mime_walk *w)
{
	struct msg_report *r = w->ctx->report;
	InternetAddressList *from = g_mime_message_get_from(w->message);

	r->message_id = utf8_or_null(g_mime_message_get_message_id(w->message));
	r->subject = utf8_or_null(g_mime_message_get_subject(w->message));
	if (from != NULL && internet_address_list_length(from) > 0) {
		char *s = internet_address_list_to_string(from, NULL, FALSE);

		r->from = utf8_or_null(s);
		g_free(s);
	}
}

static void walk_arrays(struct mime_walk *w)
{
	w->jobs = g_array_new(FALSE, FALSE, sizeof(struct mime_job));
	w->skip = g_array_new(FALSE, FALSE, sizeof(struct mime_range));
	w->uu_raw = g_array_new(FALSE, FALSE, sizeof(struct mime_range));
	w->leaves = g_array_new(FALSE, FALSE, sizeof(struct mime_range));
	w->uu_lines = g_array_new(FALSE, FALSE, sizeof(size_t));
	w->boundaries = g_ptr_array_new();
	w->copies = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
	w->texts = g_array_new(FALSE, FALSE, sizeof(struct mime_text));
	g_array_set_clear_func(w->texts, mime_password_text_clear);
}

/* GMime's parse of bytes: the message's, or its skeleton's (its warnings held there). */
static void walk_parse(struct mime_walk *w, GByteArray *bytes)
{
	w->bytes = bytes;
	w->stream = g_mime_stream_mem_new_with_byte_array(w->bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(w->stream), FALSE);
	w->parser = g_mime_parser_new_with_stream(w->stream);
	g_mime_parser_set_persist_stream(w->parser, TRUE);
	w->options = g_mime_parser_options_new();
	if (bytes == w->skel.bytes)
		g_mime_parser_options_set_warning_callback(w->options, mime_skel_hold, &w->skel);
	else if (!w->reading)
		g_mime_parser_options_set_warning_callback(w->options, mime_check_warning, w);
	w->message = g_mime_parser_construct_message(w->parser, w->options);
}

static void walk_unparse(struct mime_walk *w)
{
	if (w->message != NULL)
		g_object_unref(w->message);
	g_object_unref(w->parser);
	g_object_unref(w->stream);
	g_mime_parser_options_free(w->options);
	w->message = NULL;
	w->parser = NULL;
	w->stream = NULL;
	w->options = NULL;
	if (w->skel.bytes == NULL || w->bytes != w->skel.bytes) {
		g_byte_array_steal(w->bytes, NULL); /* the bytes are the caller's */
		g_byte_array_unref(w->bytes);
	}
	w->bytes = NULL;
}

static void walk_open(struct mime_walk *w)
{
	static const guint8 empty[1];

	mime_walk_init();
	walk_arrays(w);
	/* a big message: its skeleton, when GMime's tree of it is the tree of the message */
	if (mime_skel_build(w->data, w->len, w->dashes, w->inner_dashes, &w->skel)) {
		walk_parse(w, w->skel.bytes);
		if (w->message != NULL &&
		    mime_skel_verify(&w->skel, g_mime_message_get_mime_part(w->message))) {
			if (!w->reading)
				mime_skel_replay(&w->skel, mime_check_warning, w);
			return;
		}
		walk_unparse(w);
		mime_skel_free(&w->skel);
	}
	/* borrowed bytes: GMime reads them, the array is taken back in walk_unparse() */
	walk_parse(w, g_byte_array_new_take((guint8 *)(w->len > 0 ? w->data : empty), w->len));
}

static void walk_close(struct mime_walk *w)
{
	if (w->parser != NULL)
		walk_unparse(w);
	mime_skel_free(&w->skel);
	g_array_free(w->jobs, TRUE);
	g_array_free(w->skip, TRUE);
	g_array_free(w->uu_raw, TRUE);
	g_array_free(w->leaves, TRUE);
	g_array_free(w->uu_lines, TRUE);
	if (w->dashes != NULL)
		g_array_free(w->dashes, TRUE);
	g_ptr_array_free(w->boundaries, TRUE);
	g_ptr_array_free(w->copies, TRUE);
	g_array_free(w->texts, TRUE);
	if (w->readings != NULL) {
		for (guint i = 0; i < w->readings->len; i++)
			if (w->reading_map[i] != NULL)
				g_array_free(w->reading_map[i], TRUE);
		g_ptr_array_free(w->readings, TRUE);
	}
	if (w->protos != NULL)
		g_ptr_array_free(w->protos, TRUE);
}

/*
 * Bodies the tree decoded but that may hold a part another parser sees: a base64 (or
 * uuencoded) body that did not decode cleanly (it has headers or boundary lines in it), a
 * quoted-printable body with lines starting with "--" (quoted-printable leaves base64 and
 * boundary lines as they are). They are swept after all, with no skip.
 */
static void walk_dirty(struct mime_walk *w, GArray *cands)
{
	for (guint i = 0; i < w->jobs->len; i++) {
		const struct mime_job *job = &g_array_index(w->jobs, struct mime_job, i);
		size_t off = (size_t)(job->body - w->data);
		GArray *more;

		bool bad = mime_part_at(w->ctx, (int)job->part)->flags & MSG_PART_BAD_ENCODING;

		if (job->body < w->data || off + job->body_len > w->len)
			continue;
		if (!((job->enc == MIME_ENC_BASE64 || job->enc == MIME_ENC_UU) && bad) &&
		    !(job->enc == MIME_ENC_QP && memmem(job->body, job->body_len, "\n--", 3)))
			continue;
		more = mime_sweep_find_range(w, off, off + job->body_len);
		if (more->len > 0)
			w->ctx->dedupe = true;
		g_array_append_vals(cands, more->data, more->len);
		g_array_free(more, TRUE);
	}
}

static void proto_free(gpointer data)
{
	struct msg_part *p = data;

	g_free(p->name);
	g_free(p->alt_name);
	g_free(p->content_type);
	g_free(p->disposition);
	g_free(p->encoding);
	g_free(p->note);
	g_free(p);
}

/*
 * Parse and walk: the parts made, the sweep's candidates found. NULL: not a message. A
 * reading of origin's message (reading: MIME_READING_*) makes prototypes, not parts.
 */
struct mime_walk *mime_walk_message_as(struct mime_ctx *ctx, GBytes *bytes, bool in_raw,
                                       const char *prefix, unsigned int depth, int parent,
                                       struct mime_walk *origin, unsigned int reading)
{
	struct mime_walk *w = g_new0(struct mime_walk, 1);
	size_t len;
	const unsigned char *data = g_bytes_get_data(bytes, &len);
	GMimeObject *top;

	w->origin = origin;
	w->reading = reading;
	if (reading)
		w->protos = g_ptr_array_new_with_free_func(proto_free);
	w->ctx = ctx;
	w->hold = g_bytes_ref(bytes);
	w->data = data;
	w->len = len;
	w->in_raw = in_raw;
	w->prefix = g_strdup(prefix);
	w->depth = depth;
	w->parent = parent;
	/* an mbox "From " line before the headers is not part of the message */
	if (len > 5 && memcmp(data, "From ", 5) == 0) {
		const unsigned char *nl = memchr(data, '\n', len);

		if (nl != NULL) {
			w->len -= (size_t)(nl + 1 - data);
			w->data = nl + 1;
		}
	}
	walk_cap(w);
	walk_open(w);
	top = w->message != NULL ? g_mime_message_get_mime_part(w->message) : NULL;
	if (w->message == NULL && (parent >= 0 || reading)) {
		walk_close(w);
		g_bytes_unref(w->hold);
		g_free(w->prefix);
		g_free(w);
		return NULL;
	}
	if (reading) {
		if (top != NULL)
			walk_entity(w, top, "", prefix, depth, NULL, w->message, false);
		return w;
	}
	if (w->message == NULL) {
		walk_not_mime(w);
	} else {
		char *path = g_strconcat(prefix, "1", NULL);
		gint64 hb = hdr_begin(w, GMIME_OBJECT(w->message));

		if (parent < 0)
			walk_header_values(w);
		mime_check_headers(w, hb >= 0 ? (size_t)hb : 0, parent < 0 ? "message" : prefix);
		if (top != NULL)
			walk_entity(w, top, path, prefix, depth, NULL, w->message, false);
		g_free(path);
	}
	mime_readings_find(w);
	w->cands = mime_sweep_find(w);
	if (w->cands->len > 0)
		ctx->dedupe = true;
	walk_uu_hints(w);
	/* its text bodies may hold the password of an encrypted attachment (password.c) */
	g_ptr_array_add(ctx->walks, w);
	return w;
}

static struct mime_walk *walk_message(struct mime_ctx *ctx, GBytes *bytes, bool in_raw,
                                      const char *prefix, unsigned int depth, int parent)
{
	return mime_walk_message_as(ctx, bytes, in_raw, prefix, depth, parent, NULL, 0);
}

void *mime_walk_open_part(struct mime_ctx *ctx, int idx, GBytes *bytes, const char *what)
{
	struct msg_part *p = mime_part_at(ctx, idx);
	struct mime_walk *w;
	char *prefix;

	if (!mime_expand_depth_ok(ctx, p))
		return NULL;
	prefix = g_strconcat(p->path, "/", NULL);
	p->flags |= MSG_PART_CONTAINER;
	w = walk_message(ctx, bytes, false, prefix, p->depth + 1, idx);
	if (w == NULL)
		mime_part_flag(mime_part_at(ctx, idx), MSG_PART_OPAQUE,
		               "%s is not a readable message", what);
	g_free(prefix);
	return w;
}

static void *walk_reader_open(struct mime_ctx *ctx, int idx, GBytes *bytes)
{
	if (idx < 0)
		return walk_message(ctx, bytes, true, "", 0, -1);
	return mime_walk_open_part(ctx, idx, bytes, "the attached message");
}

int mime_walk_next(void *state, GPtrArray *children)
{
	struct mime_walk *w = state;

	switch (w->phase) {
	case MIME_WALK_LEAVES:
		/* the leaves, as views of the walk's buffers (alive until it is closed) */
		for (guint i = 0; i < w->jobs->len; i++) {
			const struct mime_job *job = &g_array_index(w->jobs, struct mime_job, i);
			GBytes *body = g_bytes_new_static(job->body, job->body_len);
			struct mime_work *leaf =
			        mime_work_new(body, MIME_FROM_LEAF, job->enc, (int)job->part);

			leaf->hints = job->no_uu ? MIME_HINT_NO_UU : 0;
			g_ptr_array_add(children, leaf);
		}
		w->phase = MIME_WALK_READINGS;
		if (children->len > 0)
			return 1;
		/* fall through */
	case MIME_WALK_READINGS:
		/* other clients' readings of the headers: one at a time, before the sweep */
		if (mime_readings_next(w, children))
			return 1;
		w->phase = MIME_WALK_DIRTY;
		/* fall through */
	case MIME_WALK_DIRTY:
		/* bodies that decoded badly are known now */
		walk_dirty(w, w->cands);
		w->phase = MIME_WALK_SWEEP;
		/* fall through */
	default:
		return mime_sweep_next(w, children) ? 1 : 0;
	}
}

void mime_walk_close(void *state)
{
	struct mime_walk *w = state;

	g_ptr_array_remove(w->ctx->walks, w);
	mime_sweep_free(w);
	walk_close(w);
	g_bytes_unref(w->hold);
	g_free(w->prefix);
	g_free(w);
}

const struct mime_reader mime_walk_reader = {"message", walk_reader_open, mime_walk_next,
                                             mime_walk_close};
