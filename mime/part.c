/*
 * part: what the job loop (jobs.c) does to a part — its byte budget, its one scan (digests
 * reused for dedupe), its record — and the bookkeeping every module shares (notes, flags,
 * limits, part creation).
 *
 * Limits: a part's buffer holds at most max_part_bytes and never more than what is left of
 * max_total_bytes; the loop runs depth first, so the buffers alive are those of one chain of
 * containers (a part, and the parts inside it while they run), bounded by the limits. Notes are bounded
 * (MIME_MAX_NOTES per report, MIME_MAX_NOTE_LEN per part). Thread safety: one context per call.
 */

#include "mime/archive.h"
#include "mime/ctx.h"

#include <stdarg.h>
#include <string.h>

void mime_note(struct mime_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->report->notes->len >= MIME_MAX_NOTES) {
		ctx->dropped_notes++;
		return;
	}
	va_start(ap, fmt);
	g_ptr_array_add(ctx->report->notes, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

void mime_anomaly(struct mime_ctx *ctx, unsigned int bit, const char *fmt, ...)
{
	va_list ap;
	char *text;

	ctx->report->anomalies |= bit;
	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	mime_note(ctx, "%s", text);
	g_free(text);
}

void mime_limit(struct mime_ctx *ctx, unsigned int flag, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (ctx->report->flags & flag)
		return;
	ctx->report->flags |= flag;
	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	mime_note(ctx, "%s", text);
	g_free(text);
}

void mime_part_flag(struct msg_part *part, unsigned int flag, const char *fmt, ...)
{
	va_list ap;
	char *text, *joined;

	part->flags |= flag;
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (part->note == NULL) {
		part->note = text;
		return;
	}
	if (strlen(part->note) + strlen(text) + 2 > MIME_MAX_NOTE_LEN) {
		g_free(text);
		return;
	}
	joined = g_strconcat(part->note, "; ", text, NULL);
	g_free(part->note);
	g_free(text);
	part->note = joined;
}

static bool count_one(struct mime_ctx *ctx)
{
	if (mime_jobs_budget(&ctx->lim, &ctx->use, MIME_RES_PARTS, 1, NULL) != MIME_BOUND_NONE) {
		mime_limit(ctx, MSG_LIMIT_PARTS, "more than %u parts: the rest is not scanned",
		           ctx->lim.max_parts);
		return false;
	}
	ctx->use.parts++;
	return true;
}

bool mime_count_entity(struct mime_ctx *ctx)
{
	return count_one(ctx);
}

int mime_part_new(struct mime_ctx *ctx, const char *path, int parent, unsigned int depth)
{
	struct msg_part *p;

	if (!count_one(ctx))
		return -1;
	p = g_new0(struct msg_part, 1);
	p->path = g_strdup(path);
	p->parent = parent;
	p->depth = depth;
	g_ptr_array_add(ctx->report->parts, p);
	return (int)ctx->report->parts->len - 1;
}

size_t mime_bytes_budget(struct mime_ctx *ctx, struct msg_part *part, enum mime_res res,
                         uint64_t want, enum mime_bound *bound_r)
{
	uint64_t grant;
	enum mime_bound bound = mime_jobs_budget(&ctx->lim, &ctx->use, res, want, &grant);

	if (bound_r != NULL)
		*bound_r = bound;
	if (grant == 0 && want > 0) {
		mime_part_flag(part, MSG_PART_LIMIT,
		               "not scanned: max_total_bytes (%" G_GUINT64_FORMAT
		               ") decoded in this message",
		               ctx->lim.max_total_bytes);
		mime_limit_total(ctx, part);
		return 0;
	}
	return grant > SIZE_MAX - MIME_DECODE_SLACK ? SIZE_MAX - MIME_DECODE_SLACK : (size_t)grant;
}

void mime_limit_total(struct mime_ctx *ctx, const struct msg_part *part)
{
	mime_limit(ctx, MSG_LIMIT_TOTAL,
	           "max_total_bytes (%" G_GUINT64_FORMAT ") reached at part %s: later parts "
	           "are not scanned",
	           ctx->lim.max_total_bytes, part->path);
}

void mime_part_truncated(struct mime_ctx *ctx, struct msg_part *part, size_t got,
                         enum mime_bound bound)
{
	bool by_total = bound == MIME_BOUND_TOTAL_BYTES;

	mime_part_flag(part, MSG_PART_TRUNCATED, "only the first %zu decoded bytes scanned (%s)",
	               got, by_total ? "max_total_bytes" : "max_part_bytes");
	if (by_total)
		mime_limit_total(ctx, part);
}

static void part_names_mismatch(struct msg_part *p)
{
	if (p->name != NULL && ftype_ext_mismatch(p->name, &p->scan.type))
		p->flags |= MSG_PART_EXT_MISMATCH;
	if (p->alt_name != NULL && ftype_ext_mismatch(p->alt_name, &p->scan.type))
		p->flags |= MSG_PART_EXT_MISMATCH;
}

/* Bytes of this size and SHA-256 scanned before in this message (the latest), or NULL. */
static const struct mime_seen *seen_has(const struct mime_ctx *ctx, uint64_t size,
                                        const unsigned char *sha256)
{
	for (guint i = ctx->seen->len; i > 0; i--) {
		const struct mime_seen *s = &g_array_index(ctx->seen, struct mime_seen, i - 1);

		if (s->size == size && memcmp(s->sha256, sha256, sizeof(s->sha256)) == 0)
			return s;
	}
	return NULL;
}

unsigned int mime_part_wanted(const struct mime_ctx *ctx, bool body)
{
	return (ctx->scan->want | (body ? 0 : ctx->want_attached)) & DIGEST_ALL;
}

int mime_part_digest(struct mime_ctx *ctx, const unsigned char *data, size_t len, bool body,
                     struct scan_result *r, bool *seen_r, int *of_r, const struct digest_set *pre)
{
	struct scan_options opts = *ctx->scan;
	unsigned int need, sha = DIGEST_BIT(DIGEST_SHA256);
	const struct mime_seen *before;
	bool shown;

	if (seen_r != NULL)
		*seen_r = false;
	if (of_r != NULL)
		*of_r = -1;
	ctx->seen_last = -1;
	if (ctx->error != NULL)
		return -1;
	opts.want = mime_part_wanted(ctx, body) | (opts.want & ~DIGEST_ALL);
	/* only digests this scan computes anyway: the report is the same with them or not */
	opts.pre = pre != NULL && (pre->mask & ~opts.want) == 0 ? pre : NULL;
	if (!ctx->dedupe)
		return scan_bytes(ctx->db, data, len, &opts, r, &ctx->error);
	/*
	 * Dedupe is keyed by size and SHA-256, taken in the one pass that computes the digests
	 * the signatures need. The report shows SHA-256 only where it would have been computed
	 * anyway (wanted, needed by a signature of this size, or the cache key).
	 */
	need = sigdb_digests_for_size(ctx->db, len) | opts.want;
	shown = (need & sha) || (opts.cache != NULL && (need & ~sha) != 0);
	opts.want |= sha;
	if (scan_bytes(ctx->db, data, len, &opts, r, &ctx->error) < 0)
		return -1;
	before = seen_r != NULL ? seen_has(ctx, len, r->digests.sha256) : NULL;
	if (before != NULL) {
		*seen_r = true;
		if (of_r != NULL)
			*of_r = before->part;
	} else {
		struct mime_seen seen = {.size = len, .part = -1};

		memcpy(seen.sha256, r->digests.sha256, sizeof(seen.sha256));
		ctx->seen_last = (int)ctx->seen->len;
		g_array_append_val(ctx->seen, seen);
	}
	if (!shown && !r->cached) {
		r->digests.mask &= ~sha;
		memset(r->digests.sha256, 0, sizeof(r->digests.sha256));
	}
	return 0;
}

void mime_part_scanned(struct mime_ctx *ctx, int idx, size_t len, const struct scan_result *r)
{
	struct msg_part *p = mime_part_at(ctx, idx);

	p->scan = *r;
	p->scanned = true;
	p->decoded_size = len;
	part_names_mismatch(p);
	/* the bytes the last digest recorded as seen are this part's */
	if (ctx->seen_last >= 0 && (guint)ctx->seen_last < ctx->seen->len)
		g_array_index(ctx->seen, struct mime_seen, ctx->seen_last).part = idx;
	ctx->seen_last = -1;
	/*
	 * an archive's encrypted members are flagged one by one (archive.c), and may open; a PDF
	 * encrypted with the owner password only opens (pdf.c says when it does not)
	 */
	if ((p->scan.type.flags & FTYPE_FLAG_ENCRYPTED) && !mime_archive_type(p->scan.type.type) &&
	    p->scan.type.type != FTYPE_PDF)
		mime_part_flag(p, MSG_PART_ENCRYPTED, "encrypted %s: contents not scanned",
		               ftype_name(p->scan.type.type));
}

/*
 * A copy that tells nothing the part does not: named as the part is (and declared the same
 * when its reading declares a type) and lying within the part's own entity, which strip
 * removes whenever it removes the part or anything in it. The readings of well-formed parts
 * of a message whose headers read otherwise elsewhere are all such copies.
 */
static bool copy_adds_nothing(const struct msg_part *p, const struct msg_copy *c)
{
	return g_strcmp0(c->name, p->name) == 0 && g_strcmp0(c->alt_name, p->alt_name) == 0 &&
	       (c->content_type == NULL || g_strcmp0(c->content_type, p->content_type) == 0) &&
	       c->raw_end > c->raw_begin && p->raw_begin <= c->raw_begin &&
	       c->raw_end <= p->raw_end;
}

void mime_part_add_copy(struct mime_ctx *ctx, int of, const struct msg_copy *copy)
{
	struct msg_part *p = mime_part_at(ctx, of);
	bool nothing = copy_adds_nothing(p, copy);
	struct msg_copy *c;

	if (!nothing && ctx->copies >= ctx->lim.max_parts)
		mime_limit(ctx, MSG_LIMIT_PARTS,
		           "more than %u copies of scanned parts found by other readings and the "
		           "raw sweep: the rest is not judged",
		           ctx->lim.max_parts);
	if (nothing || ctx->copies >= ctx->lim.max_parts) {
		g_free(copy->found_by);
		g_free(copy->name);
		g_free(copy->alt_name);
		g_free(copy->content_type);
		return;
	}
	ctx->copies++;
	c = g_new(struct msg_copy, 1);
	*c = *copy;
	if (p->copies == NULL)
		p->copies = msg_part_copies_new();
	g_ptr_array_add(p->copies, c);
	if (!p->scanned)
		return;
	if ((c->name != NULL && ftype_ext_mismatch(c->name, &p->scan.type)) ||
	    (c->alt_name != NULL && ftype_ext_mismatch(c->alt_name, &p->scan.type)))
		p->flags |= MSG_PART_EXT_MISMATCH;
}
