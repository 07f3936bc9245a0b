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
 * arch_cut and arch_symlink), max_member_bytes (archive.c arch_read, arch_cut), max_ratio
 * (archive.c arch_ratio_over), max_archive_depth, max_archive_members (archive.c),
 * max_password_trials (archive.c arch_trial). They now all ask mime_jobs_budget() (below);
 * the callers only word the flag and the note. max_message_bytes and max_header_bytes are
 * cuts of the input, made once (msgscan.c, checks.c).
 *
 * The target, in steps that each keep the reports identical:
 *  1. one budget function (done: mime_jobs_budget, tested by check_jobs);
 *  2. msg_scan() as one loop over a work list of
 *         struct mime_work { GBytes *bytes; enum how_found origin; char *path;
 *                            int parent; struct mime_use budget; ... };
 *     the bytes are held by reference (a GBytes over the message, a decoded buffer, or a
 *     member), so a child outlives the reader that found it without a copy. The MIME walk,
 *     each decoder and each container reader become producers
 *         int mime_reader_x(struct mime_ctx *, const struct mime_work *in,
 *                           GPtrArray *children_out);
 *     that never call part scanning; the loop pops a job, decodes it within its budget,
 *     scans it (scan_bytes, once), dedupes it, and asks the reader of its type for children,
 *     pushed in front (depth first, so that report order and peak memory stay as today).
 *     Not done yet: readers still call mime_part_scan() / mime_job_run() directly.
 *  3. digests once per part, reused for dedupe (done: the key is size + SHA-256 taken in
 *     the part's own scan_bytes pass, mime_part_digest; no 64-bit hash pass, no decoding
 *     again to confirm, and bytes that cannot be decoded again, such as archive members,
 *     count too);
 *  4. the password search reads the text bodies as they are decoded for scanning (done:
 *     plain bodies in place, encoded ones as kept by their scan; a body the search meets
 *     before its scan is decoded there and the scan takes that text, password.c). With the
 *     loop of step 2 the search becomes a pass over the text jobs of the message.
 *
 * Thread safety: mime_jobs_budget() is a pure function.
 */

#include "mime/jobs.h"

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
