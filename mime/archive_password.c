/*
 * archive_password: the password phase of the archive reader (archive.c).
 *
 * Encrypted members (libarchive decrypts zip's traditional and AES encryption of stored and
 * deflated members; not 7z or RAR, not zip's bzip2, LZMA, xz, zstd or PPMd, whose decoders it
 * feeds the ciphertext): flagged MSG_PART_ENCRYPTED; those it cannot decrypt stay so, with the
 * reason, and are never tried (a PPMd model sized from ciphertext is up to 256 MiB, which no
 * max_decoder_memory claim could count); after the first pass each password candidate of the message
 * (password.c) opens the archive again and reads the members still locked; one that opens is
 * scanned, flagged MSG_PART_DECRYPTED, and its note names which candidate (by number and
 * where it was found, not its text: the log holds no message content). The tries of a message
 * are bounded by max_password_trials (one per candidate per member: AES derives a key each
 * time); the members not tried with every candidate when they run out stay encrypted, flagged
 * as a limit ("password trials exhausted").
 *
 * Thread safety: one libarchive reader per call, no shared state.
 */

#include "mime/archive_private.h"
#include "mime/password.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

void mime_archive_lock(struct arch *st, struct archive *a, int child)
{
	struct arch_locked l = {st->entries, child, 0};
	const char *fmt = archive_format_name(a), *method;

	st->zip = (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
	if (st->zip && (method = mime_archive_zipx_method(fmt)) != NULL) {
		mime_part_flag(
		        mime_part_at(st->ctx, child), MSG_PART_ENCRYPTED,
		        "encrypted; the reader decrypts stored and deflated zip members only, "
		        "not %s (%s)",
		        method, fmt);
		return;
	}
	mime_part_flag(mime_part_at(st->ctx, child), MSG_PART_ENCRYPTED, "encrypted");
	g_array_append_val(st->locked, l);
}

/* One more password trial for the message; false when max_password_trials are used up. */
static bool arch_trial(struct mime_ctx *ctx)
{
	struct mime_use use = ctx->use;

	use.trials = ctx->report->password_trials;
	if (mime_jobs_budget(&ctx->lim, &use, MIME_RES_TRIALS, 1, NULL) != MIME_BOUND_NONE)
		return false;
	ctx->report->password_trials++;
	return true;
}

/*
 * Candidate k on the members still locked (a reader of its own, the same entry numbers), up
 * to a member it opens, handed back; false when it opens no more (st->more false: the
 * message's password trials ran out).
 */
static bool arch_try(struct arch *st)
{
	const struct mime_password *pw = st->pw->pdata[st->k];
	unsigned int last =
	        g_array_index(st->locked, struct arch_locked, st->locked->len - 1).entry;
	struct archive_entry *e;

	if (st->ua == NULL) {
		char *error;

		st->ua = mime_archive_open(st, pw->text, &error);
		g_free(error);
		st->li = 0;
		st->entry = 0;
		if (st->ua == NULL)
			return false;
	}
	while (st->li < st->locked->len && st->entry < last && st->ctx->error == NULL &&
	       archive_read_next_header(st->ua, &e) >= ARCHIVE_WARN) {
		struct arch_locked *l = &g_array_index(st->locked, struct arch_locked, st->li);
		guint before = st->jobs->len;
		struct mime_work *w;

		if (++st->entry != l->entry)
			continue;
		if (!arch_trial(st->ctx)) {
			st->more = false;
			return false;
		}
		l->tried++;
		if (!mime_archive_read(st, st->ua, e, l->part, true)) {
			st->li++;
			continue;
		}
		mime_part_at(st->ctx, l->part)->flags &= ~MSG_PART_ENCRYPTED;
		g_array_remove_index(st->locked, st->li);
		if (st->jobs->len == before)
			continue;
		/* flagged once it is scanned */
		w = st->jobs->pdata[st->jobs->len - 1];
		w->scanned_flag = MSG_PART_DECRYPTED;
		w->scanned_note = g_strdup_printf("opened with password candidate %u (from %s)",
		                                  st->k + 1, pw->source);
		return true;
	}
	return false;
}

/* What stays locked, and why. */
static void arch_locked_notes(struct arch *st)
{
	struct mime_ctx *ctx = st->ctx;
	const GPtrArray *pw = st->pw;
	const char *why = !st->zip       ? "the reader decrypts zip only"
	                  : pw->len == 0 ? "no password found in the message"
	                                 : "no password found in the message opens it";

	for (guint i = 0; i < st->locked->len; i++) {
		const struct arch_locked *l = &g_array_index(st->locked, struct arch_locked, i);
		struct msg_part *c = mime_part_at(ctx, l->part);

		if (!st->zip || l->tried >= pw->len) {
			mime_part_flag(c, 0, "%s", why);
			continue;
		}
		mime_part_flag(c, MSG_PART_LIMIT,
		               "password trials exhausted (max_password_trials %u per message): "
		               "%u of %u candidates tried",
		               ctx->lim.max_password_trials, l->tried, pw->len);
		mime_limit(ctx, MSG_LIMIT_ARCHIVE,
		           "part %s: password trials exhausted (max_password_trials %u per "
		           "message): encrypted members not tried with every candidate",
		           mime_part_at(ctx, st->idx)->path, ctx->lim.max_password_trials);
	}
}

/*
 * The encrypted members: the message's passwords, candidate by candidate (within
 * max_password_trials), up to a member one opens; false when they are done (noted).
 */
bool mime_archive_unlock(struct arch *st)
{
	if (!st->unlocking) {
		if (st->locked->len == 0)
			return false;
		st->unlocking = true;
		st->more = true;
		st->pw = mime_passwords(st->ctx);
	}
	while (st->more && st->zip && st->k < st->pw->len && st->locked->len > 0) {
		if (arch_try(st))
			return true;
		if (st->ua != NULL)
			archive_read_free(st->ua);
		st->ua = NULL;
		if (st->more)
			st->k++;
	}
	arch_locked_notes(st);
	g_array_set_size(st->locked, 0);
	return false;
}
