/*
 * jobs: the work of one msg_scan() call, and the one budget function every limit goes through.
 *
 * Where this is going (the job loop), and where it stands.
 *
 * The call graph it replaces. msg_scan() -> mime_walk_message() (walk.c: GMime parse, tree
 * walk, raw sweep) -> mime_job_run() per leaf (part.c: budget, decode) -> mime_part_scan()
 * (scan_bytes, dedupe record) -> mime_expand() (expand.c) -> uuencode / TNEF children ->
 * mime_job_run() again; nested messages -> mime_walk_message() again; archives ->
 * mime_archive_expand() (archive.c) -> arch_read() -> mime_part_scan() again; the sweep's finds
 * (sweep.c) -> mime_part_scan() too. Every reader calls back into part scanning, children are
 * scanned while their container's buffer is alive on the C stack, and the nesting is bounded
 * by max_depth only.
 *
 * The limits and where they were checked: max_parts (part.c count_one, sweep.c sweep_add),
 * max_depth (walk.c walk_entity, expand.c expand_depth_ok), max_part_bytes and
 * max_total_bytes (part.c mime_budget and job_truncated, sweep.c mime_sweep_scan, archive.c
 * arch_cut and arch_symlink), max_member_bytes (archive.c mime_archive_read, arch_cut), max_ratio
 * (archive.c arch_ratio_over), max_archive_depth, max_archive_members (archive.c),
 * max_password_trials (archive_password.c arch_trial). They now all ask mime_jobs_budget() (below);
 * the callers only word the flag and the note. max_message_bytes and max_header_bytes are
 * cuts of the input, made once (msgscan.c, checks.c).
 *
 * The target, in steps that each keep the reports identical:
 *  1. one budget function (done: mime_jobs_budget, tested by check_jobs);
 *  2. msg_scan() as one loop over a work list of jobs (struct mime_work in jobs.h: the bytes
 *     held by reference as a GBytes over the message, a decoded buffer or a member; how they
 *     were found; how they are encoded; the part, or the path, parent and depth of the part to
 *     make when the job runs). mime_jobs_run() pops a job, makes its part, decodes it within
 *     the budget, scans it once, and asks the readers of its type for child jobs
 *     (mime_expand), pushed in front: depth first, so that report order and peak memory stay
 *     as they were. Done: the decoders (base64, quoted-printable, uuencode, as they are) and
 *     the readers are producers: uuencode and TNEF (all children at once, views of the
 *     container), and the readers of struct mime_reader (open, next, close): the MIME walk
 *     (walk.c: open parses and makes the parts; next hands back the leaves, then the raw
 *     sweep's finds, each a job that becomes a part only when its bytes are new), S/MIME
 *     signed content (a walk), archives (archive.c: libarchive's reader kept open in the job,
 *     one member handed back at a time, then the members a password opens). Part scanning
 *     happens here only, and mime_jobs_run() is called once per msg_scan().
 *     Each job carries its own depth and archive depth (struct mime_use in struct
 *     mime_work): a reader's children get one archive level more than the reader's job
 *     when the reader is a level (archives, the container readers), so the count holds in
 *     any order of the work list, and a reader may hand back a job at its own level (the
 *     zips found inside the bytes of a zip). Not done: the walk still makes all of a
 *     message's leaf parts when it is opened (GMime builds the whole tree first).
 *  3. digests once per part, reused for dedupe (done: the key is size + SHA-256 taken in
 *     the part's own scan_bytes pass, mime_part_digest; no 64-bit hash pass, no decoding
 *     again to confirm, and bytes that cannot be decoded again, such as archive members,
 *     count too);
 *  4. the password search reads the text bodies as they are decoded for scanning (done:
 *     plain bodies in place, encoded ones as kept by their scan; a body the search meets
 *     before its scan is decoded there and the scan takes that text, password.c). With the
 *     loop of step 2 the search becomes a pass over the text jobs of the message.
 *
 * Thread safety: mime_jobs_budget() is a pure function; the loop and its jobs belong to one
 * msg_scan() call.
 */

#include "mime/jobs.h"
#include "mime/ctx.h"
#include "mime/password.h"
#include "mime/encodings.h"

#include <string.h>

/* All or nothing: want more of a count with used spent of max. */
static enum mime_bound count_check(uint64_t used, uint64_t want, uint64_t max,
                                   enum mime_bound bound, uint64_t *grant_r)
{
	bool ok = used <= max && want <= max - used;

	*grant_r = ok ? want : 0;
	return ok ? MIME_BOUND_NONE : bound;
}

/* A buffer of at most want bytes: cut by the member, part and message byte limits. */
static enum mime_bound bytes_check(const struct msg_limits *lim, const struct mime_use *use,
                                   bool member, uint64_t want, uint64_t *grant_r)
{
	uint64_t left =
	        lim->max_total_bytes > use->decoded ? lim->max_total_bytes - use->decoded : 0;
	uint64_t cap = left;
	enum mime_bound bound = MIME_BOUND_TOTAL_BYTES;

	if (lim->max_part_bytes <= cap) {
		cap = lim->max_part_bytes;
		bound = MIME_BOUND_PART_BYTES;
	}
	if (member && lim->max_member_bytes <= cap) {
		cap = lim->max_member_bytes;
		bound = MIME_BOUND_MEMBER_BYTES;
	}
	if (want <= cap) {
		*grant_r = want;
		return MIME_BOUND_NONE;
	}
	*grant_r = cap;
	return bound;
}

static enum mime_bound ratio_check(const struct msg_limits *lim, const struct mime_use *use,
                                   uint64_t want, uint64_t *grant_r)
{
	uint64_t out = use->arch_out + want, max = use->arch_in * lim->max_ratio;
	bool over = out > MIME_ARCHIVE_RATIO_FLOOR && out > max;

	if (lim->max_ratio != 0 && use->arch_in > UINT64_MAX / lim->max_ratio)
		over = false; /* in * ratio is past any count of bytes */
	if (want > UINT64_MAX - use->arch_out)
		over = true; /* past any count of bytes */
	*grant_r = over ? 0 : want;
	return over ? MIME_BOUND_RATIO : MIME_BOUND_NONE;
}

enum mime_bound mime_jobs_budget(const struct msg_limits *lim, const struct mime_use *use,
                                 enum mime_res res, uint64_t want, uint64_t *grant_r)
{
	uint64_t grant;
	enum mime_bound b = MIME_BOUND_NONE;

	switch (res) {
	case MIME_RES_PARTS:
		b = count_check(use->parts, want, lim->max_parts, MIME_BOUND_PARTS, &grant);
		break;
	case MIME_RES_DEPTH:
		b = count_check(use->depth, want, lim->max_depth, MIME_BOUND_DEPTH, &grant);
		break;
	case MIME_RES_BYTES:
	case MIME_RES_MEMBER_BYTES:
		b = bytes_check(lim, use, res == MIME_RES_MEMBER_BYTES, want, &grant);
		break;
	case MIME_RES_MEMBER_SIZE:
		b = count_check(0, want, lim->max_member_bytes, MIME_BOUND_MEMBER_BYTES, &grant);
		break;
	case MIME_RES_ARCHIVE_DEPTH:
		b = count_check(use->archive_depth, want, lim->max_archive_depth,
		                MIME_BOUND_ARCHIVE_DEPTH, &grant);
		break;
	case MIME_RES_MEMBERS:
		b = count_check(use->entries, want, lim->max_archive_members, MIME_BOUND_MEMBERS,
		                &grant);
		break;
	case MIME_RES_RATIO:
		b = ratio_check(lim, use, want, &grant);
		break;
	case MIME_RES_DECODER_MEMORY:
		b = use->decoder_memory <= lim->max_decoder_memory &&
		                    want <= lim->max_decoder_memory - use->decoder_memory
		            ? MIME_BOUND_NONE
		            : MIME_BOUND_DECODER_MEMORY;
		grant = b == MIME_BOUND_NONE ? want : 0;
		break;
	case MIME_RES_TRIALS:
		b = count_check(use->trials, want, lim->max_password_trials, MIME_BOUND_TRIALS,
		                &grant);
		break;
	default:
		grant = 0;
		b = MIME_BOUND_PARTS;
		break;
	}
	if (grant_r != NULL)
		*grant_r = grant;
	return b;
}

struct mime_use mime_jobs_use(const struct mime_ctx *ctx)
{
	struct mime_use use = ctx->use;

	use.depth = ctx->job != NULL ? ctx->job->use.depth : 0;
	use.archive_depth = ctx->job != NULL ? ctx->job->use.archive_depth : 0;
	return use;
}

void mime_jobs_level(struct mime_ctx *ctx)
{
	if (ctx->job != NULL)
		ctx->job->level = true;
}

struct mime_work *mime_work_new(GBytes *bytes, enum mime_origin origin, enum mime_enc enc, int part)
{
	struct mime_work *w = g_new0(struct mime_work, 1);

	w->bytes = bytes;
	w->origin = origin;
	w->enc = enc;
	w->part = part;
	w->parent = -1;
	return w;
}

void mime_work_free(struct mime_work **work)
{
	struct mime_work *w = work != NULL ? *work : NULL;

	if (w == NULL)
		return;
	g_bytes_unref(w->bytes);
	if (w->state != NULL && w->reader->close != NULL)
		w->reader->close(w->state);
	g_free(w->path);
	g_free(w->name);
	g_free(w->scanned_note);
	g_free(w);
	*work = NULL;
}

/* The part of a job found by a reader, made now (depth first order); -1 past max_parts. */
static int work_part(struct mime_ctx *ctx, struct mime_work *w)
{
	int idx = mime_part_new(ctx, w->path, w->parent, w->depth);
	struct msg_part *c;

	if (idx < 0)
		return -1;
	c = mime_part_at(ctx, idx);
	c->content_type = g_strdup("application/octet-stream");
	c->disposition = g_strdup("attachment");
	c->encoding = g_strdup(w->encoding);
	c->flags |= w->flags;
	c->name = w->name;
	w->name = NULL;
	c->encoded_size = w->encoded_size;
	if (w->container_of)
		mime_part_at(ctx, w->parent)->flags |= MSG_PART_CONTAINER;
	if (w->note != NULL)
		mime_part_flag(c, 0, "%s", w->note);
	return idx;
}

static void work_bad_encoding(struct mime_ctx *ctx, struct msg_part *part, enum mime_enc enc)
{
	mime_part_flag(part, MSG_PART_BAD_ENCODING, "invalid %s", mime_decode_name(enc));
	if (!(ctx->report->anomalies & MSG_ANOM_BAD_ENCODING))
		mime_anomaly(ctx, MSG_ANOM_BAD_ENCODING, "part %s: invalid %s", part->path,
		             mime_decode_name(enc));
}

/* Bytes as they are, within the budget: the same bytes, or their first ones. */
static GBytes *work_raw(struct mime_ctx *ctx, struct mime_work *w, struct msg_part *part,
                        size_t len)
{
	enum mime_bound bound = MIME_BOUND_NONE;
	size_t n = mime_bytes_budget(ctx, part, MIME_RES_BYTES, len, &bound);

	if (n == 0)
		return NULL;
	ctx->use.decoded += n;
	if (n == len)
		return g_bytes_ref(w->bytes);
	mime_part_truncated(ctx, part, n, bound);
	w->hints &= ~MIME_HINT_NO_UU;
	return g_bytes_new_from_bytes(w->bytes, 0, n);
}

/* Encoded bytes, decoded within the budget (or as the password search decoded them). */
static void work_hash_piece(void *arg, const unsigned char *bytes, size_t n)
{
	(void)digest_stream_update(arg, bytes, n);
}

/*
 * Decode into buf; a big base64 body is hashed as it is decoded (the digests every scan of
 * the part computes, into w->pre), each piece while it is still in the cache, instead of in a
 * second pass over the part from memory.
 */
static size_t work_decode_hashed(struct mime_ctx *ctx, struct mime_work *w,
                                 const struct msg_part *part, const unsigned char *body, size_t len,
                                 unsigned char *buf, size_t cap, unsigned int *flags)
{
	unsigned int want = mime_part_wanted(ctx, (part->flags & MSG_PART_BODY) != 0);
	struct digest_stream *ds = NULL;
	size_t n;

	w->pre.mask = 0;
	if (w->enc == MIME_ENC_BASE64 && want != 0 && cap >= MIME_JOBS_HASHED_MIN)
		ds = digest_stream_new(want);
	if (ds == NULL)
		return mime_decode(w->enc, body, len, buf, cap, flags);
	n = mime_decode_base64_each(body, len, buf, cap, flags, work_hash_piece, ds);
	if (digest_stream_end(ds, &w->pre) < 0)
		w->pre.mask = 0; /* hashed again by the scan, which reports a failure */
	return n;
}

static GBytes *work_decode(struct mime_ctx *ctx, struct mime_work *w, struct msg_part *part,
                           const unsigned char *body, size_t len)
{
	enum mime_bound bound = MIME_BOUND_NONE;
	const struct mime_text *text;
	unsigned int flags = 0;
	unsigned char *buf;
	GBytes *out;
	size_t cap, n;

	cap = mime_bytes_budget(ctx, part, MIME_RES_BYTES, mime_decode_bound(w->enc, body, len),
	                        &bound);
	if (cap == 0)
		return NULL;
	text = w->origin == MIME_FROM_LEAF ? mime_password_text(ctx, w->part, w->enc) : NULL;
	if (text != NULL && text->whole && g_bytes_get_size(text->bytes) <= cap) {
		/* decoded already, whole, by the password search */
		out = g_bytes_ref(text->bytes);
		flags = text->flags;
		n = g_bytes_get_size(out);
	} else {
		buf = g_try_malloc(cap + MIME_DECODE_SLACK);
		if (buf == NULL) {
			mime_part_flag(part, MSG_PART_SCAN_ERROR, "out of memory (%zu bytes)", cap);
			if (ctx->error == NULL)
				g_set_error(&ctx->error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
				            "out of memory decoding part %s", part->path);
			return NULL;
		}
		n = work_decode_hashed(ctx, w, part, body, len, buf, cap, &flags);
		out = g_bytes_new_take(buf, n);
	}
	if (flags & MIME_DECODE_FULL)
		mime_part_truncated(ctx, part, n, bound);
	if (flags & MIME_DECODE_BAD)
		work_bad_encoding(ctx, part, w->enc);
	w->dflags = flags;
	ctx->use.decoded += n;
	return out;
}

/* A reader's job: open it, its next children; true when it is to run again after them. */
static bool work_read(struct mime_ctx *ctx, struct mime_work *w, GPtrArray *children)
{
	const struct mime_reader *r = w->reader;

	if (w->state == NULL) {
		w->state = r->open(ctx, w->part, w->bytes);
		if (w->state == NULL)
			return false;
	}
	if (r->next(w->state, children) > 0)
		return true;
	r->close(w->state);
	w->state = NULL;
	return false;
}

/*
 * A find of the raw sweep: decoded, scanned once, and made a part (its readers' children in
 * children) only when the same bytes were not scanned before in the message; otherwise a
 * copy of the part they are.
 */
static void work_find(struct mime_ctx *ctx, struct mime_work *w, GPtrArray *children)
{
	size_t len, n;
	const unsigned char *body = g_bytes_get_data(w->bytes, &len);
	unsigned int flags = 0;
	struct scan_result r;
	unsigned char *buf;
	uint64_t cap;
	GBytes *data;
	bool seen;
	int idx, of;

	if (ctx->report->flags & MSG_LIMIT_PARTS)
		return;
	mime_jobs_budget(&ctx->lim, &ctx->use, MIME_RES_BYTES, mime_decode_bound(w->enc, body, len),
	                 &cap);
	if (cap == 0) {
		mime_limit(ctx, MSG_LIMIT_TOTAL,
		           "max_total_bytes (%" G_GUINT64_FORMAT ") reached: the raw sweep stopped",
		           ctx->lim.max_total_bytes);
		return;
	}
	buf = g_try_malloc(cap + MIME_DECODE_SLACK);
	n = buf != NULL ? mime_decode(w->enc, body, len, buf, (size_t)cap, &flags) : 0;
	data = g_bytes_new_take(buf, buf != NULL ? n : 0);
	if (n > 0 && mime_part_digest(ctx, buf, n, false, &r, &seen, &of, NULL) == 0) {
		if (!seen && (idx = w->make(ctx, w, n, flags)) >= 0) {
			ctx->use.decoded += n;
			mime_part_scanned(ctx, idx, n, &r);
			mime_expand(ctx, idx, data, 0, children);
		} else if (seen && of >= 0 && w->copy != NULL) {
			w->copy(ctx, w, of);
		}
	}
	g_bytes_unref(data);
}

/*
 * One job: its part, its bytes decoded, scanned once, its readers' children in children.
 * true when the job is to run again after its children (a reader with more to hand back).
 */
static bool work_run(struct mime_ctx *ctx, struct mime_work *w, GPtrArray *children)
{
	const unsigned char *body;
	GPtrArray *readings = NULL;
	struct scan_result r;
	struct msg_part *part;
	GBytes *data;
	size_t len;
	int idx;

	if (w->origin == MIME_FROM_PART)
		return work_read(ctx, w, children);
	if (w->origin == MIME_FROM_SWEEP || w->origin == MIME_FROM_READING) {
		work_find(ctx, w, children);
		return false;
	}
	idx = w->part >= 0 ? w->part : work_part(ctx, w);
	if (idx < 0)
		return false;
	w->part = idx;
	part = mime_part_at(ctx, idx);
	w->use.depth = part->depth;
	body = g_bytes_get_data(w->bytes, &len);
	if (w->decoded || len == 0)
		data = g_bytes_ref(w->bytes);
	else if (w->enc == MIME_ENC_RAW)
		data = work_raw(ctx, w, part, len);
	else
		data = work_decode(ctx, w, part, body, len);
	if (data == NULL)
		return false;
	body = g_bytes_get_data(data, &len);
	if (w->origin == MIME_FROM_LEAF) /* before the scan: it may turn dedupe on */
		readings = mime_encodings_leaf(ctx, w, idx, w->dflags);
	if (mime_part_digest(ctx, body, len, (part->flags & MSG_PART_BODY) != 0, &r, NULL, NULL,
	                     w->pre.mask != 0 ? &w->pre : NULL) < 0) {
		mime_part_flag(part, MSG_PART_SCAN_ERROR, "not scanned: %s",
		               ctx->error != NULL ? ctx->error->message : "digest failure");
	} else {
		mime_part_scanned(ctx, idx, len, &r);
		if (w->scanned_note != NULL)
			mime_part_flag(part, w->scanned_flag, "%s", w->scanned_note);
		mime_expand(ctx, idx, data, w->hints, children);
		if (w->origin == MIME_FROM_LEAF && w->enc != MIME_ENC_RAW)
			mime_password_keep(ctx, idx, w->enc, data);
	}
	mime_encodings_append(children, &readings);
	g_bytes_unref(data);
	return false;
}

void mime_jobs_run(struct mime_ctx *ctx, struct mime_work *job)
{
	GPtrArray *stack = g_ptr_array_new(), *children = g_ptr_array_new();

	g_ptr_array_add(stack, job);
	while (stack->len > 0) {
		struct mime_work *w = g_ptr_array_remove_index(stack, stack->len - 1);
		unsigned int level;
		bool again;

		ctx->job = w;
		again = ctx->error == NULL && work_run(ctx, w, children);
		ctx->job = NULL;
		/* the children's budget: their job's, one archive level deeper below a level */
		level = w->use.archive_depth + (w->level ? 1 : 0);
		for (guint i = 0; i < children->len; i++) {
			struct mime_work *c = children->pdata[i];

			if (!c->keep_use)
				c->use.archive_depth = level;
		}
		/* again after its children: under them */
		if (again)
			g_ptr_array_add(stack, w);
		else
			mime_work_free(&w);
		/* pushed last first: the first child runs next */
		for (guint i = children->len; i > 0; i--)
			g_ptr_array_add(stack, children->pdata[i - 1]);
		g_ptr_array_set_size(children, 0);
	}
	g_ptr_array_free(children, TRUE);
	g_ptr_array_free(stack, TRUE);
}
