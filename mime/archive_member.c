/*
 * archive_member: one archive member's bytes, read under the limits (see archive.c for the
 * reader as a whole).
 *
 * A member declaring more than max_member_bytes is not read; one whose declared size would put
 * the archive over max_ratio is not read and stops the archive; otherwise it is read into one
 * buffer sized from its declared size (or grown by doubling) up to what the message's byte
 * limits leave, in steps of ARCH_READ_STEP so that max_ratio stops a bomb within one step, and
 * cut there (flagged) when larger. Its decoder's claim (archive_memory.c) is counted against
 * max_decoder_memory while it is read. A zip member libarchive gives no bytes (deflate64,
 * implode, an entry it took for a directory) is decoded by zipx.c from the central directory.
 *
 * Thread safety: one libarchive reader per call, no shared state.
 */

#include "mime/archive_private.h"
#include "mime/zipx.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

#define ARCH_READ_STEP (256u * 1024u)

struct mime_use mime_archive_use(const struct arch *st)
{
	struct mime_use use = mime_jobs_use(st->ctx);

	use.entries = st->entries;
	use.arch_in = st->len;
	use.arch_out = st->out;
	use.trials = st->ctx->report->password_trials;
	return use;
}

/* true (and flagged) when extra more decompressed bytes put the archive over max_ratio. */
static bool arch_ratio_over(struct arch *st, int child, uint64_t extra)
{
	struct mime_use use = mime_archive_use(st);
	uint64_t out = st->out + extra;
	char *what;

	if (mime_jobs_budget(&st->ctx->lim, &use, MIME_RES_RATIO, extra, NULL) == MIME_BOUND_NONE)
		return false;
	what = g_strdup_printf("max_ratio: %" G_GUINT64_FORMAT " bytes from an archive of %zu "
	                       "(more than %u:1): the rest is not read",
	                       out, st->len, st->ctx->lim.max_ratio);
	mime_archive_limit(st, child, what);
	g_free(what);
	return true;
}

enum mime_archive_fill mime_archive_fill(struct arch *st, struct archive *a, int child, size_t size,
                                         size_t cap, unsigned char **buf_r, size_t *n_r,
                                         int *code_r)
{
	unsigned char *buf = g_try_malloc(size > 0 ? size : 1);
	size_t n = 0;

	*buf_r = buf;
	*n_r = 0;
	*code_r = ARCHIVE_OK;
	if (buf == NULL) {
		*code_r = ARCHIVE_FATAL;
		return MIME_ARCHIVE_FILL_ERROR;
	}
	for (;;) {
		la_ssize_t got;

		if (n == size) {
			unsigned char probe;

			if (size == cap) {
				got = archive_read_data(a, &probe, 1);
				*n_r = n;
				if (got < 0)
					*code_r = (int)got;
				return got > 0    ? MIME_ARCHIVE_FILL_CUT
				       : got == 0 ? MIME_ARCHIVE_FILL_OK
				                  : MIME_ARCHIVE_FILL_ERROR;
			}
			size = size > cap / 2 ? cap : MAX(size * 2, (size_t)MIME_ARCHIVE_FIRST_BUF);
			if (size > cap)
				size = cap;
			buf = g_try_realloc(*buf_r, size);
			if (buf == NULL) {
				*code_r = ARCHIVE_FATAL;
				*n_r = n;
				return MIME_ARCHIVE_FILL_ERROR;
			}
			*buf_r = buf;
		}
		/* in steps, so that max_ratio stops a bomb within one step */
		got = archive_read_data(a, buf + n, MIN(size - n, ARCH_READ_STEP));
		if (got == 0)
			break;
		if (got < 0) {
			*code_r = (int)got;
			*n_r = n;
			return MIME_ARCHIVE_FILL_ERROR;
		}
		n += (size_t)got;
		st->out += (uint64_t)got;
		if (arch_ratio_over(st, child, 0)) {
			*n_r = n;
			return MIME_ARCHIVE_FILL_RATIO;
		}
	}
	*n_r = n;
	return MIME_ARCHIVE_FILL_OK;
}

/* Why a member was cut at cap: max_member_bytes, or the message's byte limits. */
static void arch_cut(struct arch *st, int child, size_t cap, enum mime_bound bound)
{
	struct mime_ctx *ctx = st->ctx;
	struct msg_part *c = mime_part_at(ctx, child);
	char *what;

	if (bound == MIME_BOUND_MEMBER_BYTES) {
		what = g_strdup_printf("max_member_bytes: member larger than %" G_GUINT64_FORMAT
		                       " bytes: only its first bytes scanned",
		                       ctx->lim.max_member_bytes);
		mime_part_flag(c, MSG_PART_LIMIT, "%s", what);
		mime_limit(ctx, MSG_LIMIT_ARCHIVE, "part %s: %s", c->path, what);
		g_free(what);
		return;
	}
	mime_part_truncated(ctx, c, cap, bound);
}

/* A zip member libarchive cannot decompress (deflate64, implode), decoded by zipx.c. */
static bool arch_zipx(struct arch *st, struct archive *a, struct archive_entry *e, size_t cap,
                      unsigned char **buf_r, size_t *n_r)
{
	const char *name = archive_entry_pathname(e);
	int64_t usize = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
	/* an entry libarchive made a directory: named with a '/' the directory does not have */
	bool dir = archive_entry_filetype(e) == AE_IFDIR;
	size_t len = name != NULL ? strlen(name) - (dir && g_str_has_suffix(name, "/") ? 1 : 0) : 0;
	struct mime_zipx_entry z;
	unsigned char *buf;
	size_t want, n;
	bool ok;

	if (st->raw || (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_ZIP ||
	    name == NULL || usize < 0 ||
	    !mime_zipx_find(st->data, st->len, name, len, (uint64_t)usize, &z) ||
	    (z.method != MIME_ZIPX_DEFLATE64 && z.method != MIME_ZIPX_IMPLODE &&
	     (!dir || (z.method != MIME_ZIPX_STORED && z.method != MIME_ZIPX_DEFLATE))))
		return false;
	want = (uint64_t)usize < cap ? (size_t)usize : cap;
	buf = g_try_realloc(*buf_r, want > 0 ? want : 1);
	if (buf == NULL)
		return false;
	*buf_r = buf;
	n = mime_zipx_decode(&z, buf, want, &ok);
	st->out += n;
	if (!ok || n != want)
		return false;
	*n_r = n;
	return true;
}

void mime_archive_member_job(struct arch *st, int child, GBytes *bytes)
{
	struct mime_work *w = mime_work_new(bytes, MIME_FROM_MEMBER, MIME_ENC_RAW, child);

	w->decoded = true;
	g_ptr_array_add(st->jobs, w);
}

bool mime_archive_read(struct arch *st, struct archive *a, struct archive_entry *e, int child,
                       bool quiet)
{
	struct mime_ctx *ctx = st->ctx;
	struct msg_part *c = mime_part_at(ctx, child);
	int64_t declared = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
	enum mime_bound bound;
	size_t cap, n;
	unsigned char *buf;
	enum mime_archive_fill r;
	uint64_t claim;
	int code;

	if (declared >= 0 && mime_jobs_budget(&ctx->lim, &ctx->use, MIME_RES_MEMBER_SIZE,
	                                      (uint64_t)declared, NULL) != MIME_BOUND_NONE) {
		char *what = g_strdup_printf("max_member_bytes: member of %" G_GINT64_FORMAT
		                             " bytes (limit %" G_GUINT64_FORMAT "): not read",
		                             declared, ctx->lim.max_member_bytes);

		mime_part_flag(c, MSG_PART_LIMIT, "%s", what);
		mime_limit(ctx, MSG_LIMIT_ARCHIVE, "part %s: %s", c->path, what);
		g_free(what);
		return true;
	}
	if (declared >= 0 && arch_ratio_over(st, child, (uint64_t)declared))
		return true;
	/* what a buffer may hold: the member is cut there when it turns out larger */
	cap = mime_bytes_budget(ctx, c, MIME_RES_MEMBER_BYTES, UINT64_MAX, &bound);
	if (cap == 0) {
		st->stop = true;
		return true;
	}
	if (!mime_archive_member_memory_ok(st, a, e, child, &claim))
		return true;
	ctx->use.decoder_memory += claim;
	r = mime_archive_fill(st, a, child,
	                      declared >= 0 ? MIN((size_t)declared, cap)
	                                    : MIN(MIME_ARCHIVE_FIRST_BUF, cap),
	                      cap, &buf, &n, &code);
	ctx->use.decoder_memory -= claim;
	/*
	 * No bytes where the entry has some: a method libarchive lacks, or a zip entry it took
	 * for a directory (unzip and Python extract a file)
	 */
	if (n == 0 && declared > 0 &&
	    (r == MIME_ARCHIVE_FILL_ERROR || archive_entry_filetype(e) != AE_IFREG) &&
	    arch_zipx(st, a, e, cap, &buf, &n)) {
		r = (uint64_t)declared > cap ? MIME_ARCHIVE_FILL_CUT : MIME_ARCHIVE_FILL_OK;
		if (arch_ratio_over(st, child, 0))
			r = MIME_ARCHIVE_FILL_RATIO;
	} else if (r == MIME_ARCHIVE_FILL_OK && n == 0 && declared > 0) {
		mime_part_flag(c, MSG_PART_OPAQUE,
		               "an entry of %" G_GINT64_FORMAT " bytes that came out empty (%s)",
		               declared,
		               archive_entry_filetype(e) == AE_IFDIR ? "taken for a directory"
		                                                     : "not a regular file");
	}
	if (r == MIME_ARCHIVE_FILL_ERROR && quiet) {
		g_free(buf);
		return false;
	}
	if (r == MIME_ARCHIVE_FILL_CUT)
		arch_cut(st, child, cap, bound);
	if (r == MIME_ARCHIVE_FILL_ERROR) {
		const char *why = archive_error_string(a);

		mime_part_flag(c, MSG_PART_OPAQUE, "member could not be read: %s",
		               why != NULL ? why : "out of memory");
		if (code == ARCHIVE_FATAL)
			st->stop = true;
	}
	ctx->use.decoded += n;
	if (buf != NULL && (r != MIME_ARCHIVE_FILL_ERROR || n > 0))
		mime_archive_member_job(st, child, g_bytes_new_take(buf, n));
	else
		g_free(buf);
	return true;
}
