/*
 * msgscan: one message -> one report (see msgscan.h): limits, the report's life, verdicts.
 *
 * msg_scan() sets up the per-call context (effective limits, budgets, deduplication state),
 * runs the job loop (jobs.c) on one job, the message read by the MIME walk (walk.c), then
 * fills in the totals. The buffer is borrowed and only read; decoded buffers never outlive the call;
 * the report holds metadata and scan results only, plus a reference on the database so that
 * finding names stay valid.
 *
 * Limits: max_message_bytes is applied here (the rest is not parsed); the others where they
 * are spent. Thread safety: no global state besides GMime's one-time initialisation; many
 * msg_scan() calls may run at once with a shared sigdb and cache.
 */

#include "mime/msgscan.h"
#include "mime/archive.h"
#include "mime/ole2.h"
#include "mime/ctx.h"
#include "mime/password.h"
#include "mime/sfx.h"
#include "mime/walk.h"

#include <string.h>

#define MIB (1024ull * 1024ull)

void msg_limits_effective(const struct msg_limits *in, struct msg_limits *out)
{
	static const struct msg_limits none;

	*out = in != NULL ? *in : none;
	if (out->max_message_bytes == 0)
		out->max_message_bytes = 100 * MIB;
	if (out->max_header_bytes == 0)
		out->max_header_bytes = 1 * MIB;
	if (out->max_depth == 0)
		out->max_depth = 64;
	if (out->max_parts == 0)
		out->max_parts = 1000;
	if (out->max_part_bytes == 0)
		out->max_part_bytes = 50 * MIB;
	if (out->max_total_bytes == 0)
		out->max_total_bytes = 200 * MIB;
	if (out->max_archive_depth == 0)
		out->max_archive_depth = 32;
	if (out->max_archive_members == 0)
		out->max_archive_members = 1000;
	if (out->max_member_bytes == 0)
		out->max_member_bytes = 50 * MIB;
	if (out->max_ratio == 0)
		out->max_ratio = 200;
	if (out->max_decoder_memory == 0)
		out->max_decoder_memory = 256 * MIB;
	if (out->max_password_trials == 0)
		out->max_password_trials = 500;
}

static void copy_free(gpointer data)
{
	struct msg_copy *c = data;

	g_free(c->found_by);
	g_free(c->name);
	g_free(c->alt_name);
	g_free(c->content_type);
	g_free(c);
}

GPtrArray *msg_part_copies_new(void)
{
	return g_ptr_array_new_with_free_func(copy_free);
}

static void part_free(gpointer data)
{
	struct msg_part *p = data;

	g_free(p->path);
	g_free(p->name);
	g_free(p->alt_name);
	g_free(p->content_type);
	g_free(p->disposition);
	g_free(p->encoding);
	g_free(p->note);
	if (p->copies != NULL)
		g_ptr_array_free(p->copies, TRUE);
	g_free(p);
}

void msg_report_free(struct msg_report **report)
{
	struct msg_report *r = report != NULL ? *report : NULL;

	if (r == NULL)
		return;
	g_ptr_array_free(r->parts, TRUE);
	g_ptr_array_free(r->notes, TRUE);
	g_free(r->message_id);
	g_free(r->subject);
	g_free(r->from);
	sigdb_unref(&r->db);
	g_free(r);
	*report = NULL;
}

static void ctx_open(struct mime_ctx *ctx, struct sigdb *db, const unsigned char *raw, size_t len,
                     const struct msg_scan_options *opts)
{
	static const struct msg_scan_options defaults;
	struct msg_report *r = g_new0(struct msg_report, 1);

	if (opts == NULL)
		opts = &defaults;
	memset(ctx, 0, sizeof(*ctx));
	msg_limits_effective(opts->limits, &ctx->lim);
	r->db = sigdb_ref(db);
	r->size = len;
	r->parts = g_ptr_array_new_with_free_func(part_free);
	r->notes = g_ptr_array_new_with_free_func(g_free);
	ctx->db = db;
	ctx->scan = &opts->scan;
	ctx->want_attached = opts->want_attached;
	ctx->dashes = opts->dashes;
	ctx->report = r;
	ctx->raw = raw;
	ctx->len = len;
	ctx->seen = g_array_new(FALSE, FALSE, sizeof(struct mime_seen));
	ctx->seen_last = -1;
	ctx->walks = g_ptr_array_new();
}

static int ctx_close(struct mime_ctx *ctx, gint64 t0, struct msg_report **report_r, GError **error)
{
	struct msg_report *r = ctx->report;

	if (ctx->dropped_notes > 0)
		g_ptr_array_add(r->notes,
		                g_strdup_printf("... and %u more notes", ctx->dropped_notes));
	g_array_free(ctx->seen, TRUE);
	g_ptr_array_free(ctx->walks, TRUE);
	if (ctx->passwords != NULL)
		g_ptr_array_free(ctx->passwords, TRUE);
	r->scan_ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
	if (ctx->error != NULL) {
		g_propagate_error(error, ctx->error);
		msg_report_free(&r);
		return -1;
	}
	*report_r = r;
	return 0;
}

int msg_scan(struct sigdb *db, const unsigned char *raw, size_t len,
             const struct msg_scan_options *opts, struct msg_report **report_r, GError **error)
{
	gint64 t0 = g_get_monotonic_time();
	struct mime_work *job;
	struct mime_ctx ctx;
	uint64_t max;

	ctx_open(&ctx, db, raw, len, opts);
	/* GMime's memory stream counts in guint */
	max = MIN(ctx.lim.max_message_bytes, (uint64_t)G_MAXUINT - 1);
	if (len > max) {
		ctx.len = (size_t)max;
		mime_limit(&ctx, MSG_LIMIT_MESSAGE,
		           "message of %zu bytes larger than max_message_bytes (%" G_GUINT64_FORMAT
		           "): only the first bytes are parsed",
		           len, max);
	}
	job = mime_work_new(g_bytes_new_static(raw, ctx.len), MIME_FROM_PART, MIME_ENC_RAW, -1);
	job->reader = &mime_walk_reader;
	mime_jobs_run(&ctx, job);
	return ctx_close(&ctx, t0, report_r, error);
}

int msg_scan_attachment(struct sigdb *db, const char *name, const unsigned char *data, size_t len,
                        const struct msg_scan_options *opts, struct msg_report **report_r,
                        GError **error)
{
	gint64 t0 = g_get_monotonic_time();
	struct mime_ctx ctx;
	struct msg_part *p;
	int idx;

	/* not a message: no offsets, no sweep */
	ctx_open(&ctx, db, NULL, 0, opts);
	ctx.report->size = len;
	idx = mime_part_new(&ctx, "1", -1, 0);
	p = mime_part_at(&ctx, idx);
	p->name = name != NULL ? g_utf8_make_valid(name, -1) : NULL;
	p->content_type = g_strdup("application/octet-stream");
	p->encoded_size = len;
	mime_jobs_run(&ctx, mime_work_new(g_bytes_new_static(data, len), MIME_FROM_LEAF,
	                                  MIME_ENC_RAW, idx));
	return ctx_close(&ctx, t0, report_r, error);
}

bool msg_type_expanded(enum ftype type)
{
	return mime_archive_type(type) || mime_ole2_type(type) || mime_reader_type(type) ||
	       type == FTYPE_TNEF || type == FTYPE_EML || type == FTYPE_MBOX || type == FTYPE_ARJ ||
	       type == FTYPE_ACE || type == FTYPE_PKCS7;
}

bool msg_bytes_expanded(const unsigned char *data, size_t len, enum ftype type)
{
	return msg_type_expanded(type) || mime_archive_zip_inside(data, len) ||
	       ((type == FTYPE_PE || type == FTYPE_ELF) && sfx_probe(data, len));
}

unsigned int msg_report_infected(const struct msg_report *report)
{
	unsigned int n = 0;

	for (guint i = 0; i < report->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(report->parts, i);

		n += p->scanned && scan_result_infected(&p->scan);
	}
	return n;
}

/* Part flags that mean "not (entirely) scanned", in the order their names are preferred. */
static const unsigned int unscannable_bits[] = {MSG_PART_ENCRYPTED, MSG_PART_PARTIAL,
                                                MSG_PART_LIMIT,     MSG_PART_TRUNCATED,
                                                MSG_PART_OPAQUE,    MSG_PART_SCAN_ERROR};

bool msg_part_unscannable(const struct msg_part *part, const char **reason_r)
{
	for (size_t i = 0; i < G_N_ELEMENTS(unscannable_bits); i++) {
		if (part->flags & unscannable_bits[i]) {
			if (reason_r != NULL)
				*reason_r = msg_part_flag_name(unscannable_bits[i]);
			return true;
		}
	}
	if (!part->scanned) {
		if (reason_r != NULL)
			*reason_r = "not-scanned";
		return true;
	}
	return false;
}

const char *msg_part_result(const struct msg_part *part)
{
	if (part->scanned && scan_result_infected(&part->scan))
		return "infected";
	return msg_part_unscannable(part, NULL) ? "unscannable" : "clean";
}

bool msg_report_unscannable(const struct msg_report *report, const char **reason_r)
{
	for (unsigned int bit = 1; bit != 0 && bit <= report->flags; bit <<= 1) {
		if (report->flags & bit) {
			if (reason_r != NULL)
				*reason_r = msg_flag_name(bit);
			return true;
		}
	}
	for (guint i = 0; i < report->parts->len; i++) {
		if (msg_part_unscannable(g_ptr_array_index(report->parts, i), reason_r))
			return true;
	}
	return false;
}

static const char *bit_name(const char *const *names, size_t n, unsigned int bit)
{
	for (size_t i = 0; i < n; i++) {
		if (bit == 1u << i)
			return names[i];
	}
	return NULL;
}

const char *msg_part_flag_name(unsigned int bit)
{
	static const char *const names[] = {
	        "body",           "encrypted", "truncated",          "bad-encoding",
	        "partial",        "sweep",     "uuencoded",          "tnef",
	        "archive-member", "container", "extension-mismatch", "scan-error",
	        "limit",          "opaque",    "decrypted",          "html-smuggling"};

	return bit_name(names, G_N_ELEMENTS(names), bit);
}

const char *msg_flag_name(unsigned int bit)
{
	static const char *const names[] = {"limit-message", "limit-header", "limit-depth",
	                                    "limit-parts",   "limit-total",  "limit-archive"};

	return bit_name(names, G_N_ELEMENTS(names), bit);
}

const char *msg_anomaly_name(unsigned int bit)
{
	static const char *const names[] = {"missing-boundary", "duplicate-content-type",
	                                    "bad-boundary",     "bad-encoding",
	                                    "no-header-end",    "bad-header",
	                                    "empty-multipart",  "bare-lf",
	                                    "sweep-extra",      "duplicate-boundary",
	                                    "garbage",          "not-mime",
	                                    "other-reading"};

	return bit_name(names, G_N_ELEMENTS(names), bit);
}
