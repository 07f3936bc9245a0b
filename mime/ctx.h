#ifndef PARTSCAN_MIME_CTX_H
#define PARTSCAN_MIME_CTX_H

/*
 * ctx: the state of one msg_scan() call, shared by the modules of mime/ (internal header).
 *
 * One context per call, used by one thread. It holds the effective limits and what has been
 * spent of them, the report being filled, and the size and SHA-256 of scanned parts used to
 * deduplicate what the raw sweep finds.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "mime/decode.h"
#include "mime/jobs.h"
#include "mime/msgscan.h"

/* At most this many notes per report; the rest are counted in a last note. */
#define MIME_MAX_NOTES 64
/* A part's note is cut at this many bytes. */
#define MIME_MAX_NOTE_LEN 512

struct mime_range {
	uint64_t begin, end;
	int part; /* the part whose body this is, or -1 */
};

/* One leaf of the parsed tree, to decode and scan in walk order. */
struct mime_job {
	unsigned int part; /* index in report->parts */
	enum mime_enc enc;
	const unsigned char *body; /* the encoded body: in the message, or in a decoded parent */
	size_t body_len;
	bool no_uu; /* a text body in which the sweep saw no "begin" line: no uuencode search */
};

/* Hints to the readers (mime_expand()). */
#define MIME_HINT_NO_UU (1u << 0) /* no uuencoded, yEnc or BinHex block can be in these bytes */

/*
 * What was scanned, for deduplication: size and SHA-256 (from the part's own scan), and the
 * part those bytes are (-1 until mime_part_scanned() says, or when none was made).
 */
struct mime_seen {
	uint64_t size;
	unsigned char sha256[32];
	int part;
};

struct mime_ctx {
	struct sigdb *db;
	const struct scan_options *scan;
	unsigned int want_attached;       /* msg_scan_options.want_attached */
	const struct mime_dashes *dashes; /* msg_scan_options.dashes */
	struct msg_limits lim;
	struct msg_report *report;
	const unsigned char
	        *raw; /* the message bytes that are parsed (at most max_message_bytes) */
	size_t len;
	struct mime_use use;   /* spent of the message's limits: decoded bytes, parts, trials */
	struct mime_work *job; /* the job running (its depth and archive depth), or NULL */
	unsigned int dropped_notes;
	GArray *seen;         /* struct mime_seen */
	int seen_last;        /* the entry of seen the last mime_part_digest() added, or -1 */
	unsigned int copies;  /* struct msg_copy listed in the parts (at most max_parts) */
	bool dedupe;          /* the sweep has candidates: record what is scanned */
	GError *error;        /* the first internal failure: msg_scan() then fails */
	GPtrArray *walks;     /* struct mime_walk *: messages whose parts are being scanned */
	GPtrArray *passwords; /* struct mime_password *: candidates from the text, NULL: not yet */
};

/* Add a note to the report (bounded). */
void mime_note(struct mime_ctx *ctx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Set an anomaly bit and note why. */
void mime_anomaly(struct mime_ctx *ctx, unsigned int bit, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Set a message limit flag and note why (each flag noted once). */
void mime_limit(struct mime_ctx *ctx, unsigned int flag, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Set a part flag and append to the part's note. */
void mime_part_flag(struct msg_part *part, unsigned int flag, const char *fmt, ...)
        G_GNUC_PRINTF(3, 4);

/*
 * A new part appended to the report, counted against max_parts. Returns its index, or -1 when
 * the limit is reached (MSG_LIMIT_PARTS set, nothing added). path is copied.
 */
int mime_part_new(struct mime_ctx *ctx, const char *path, int parent, unsigned int depth);
/* Count one entity (multipart, message) against max_parts; false when over the limit. */
bool mime_count_entity(struct mime_ctx *ctx);

static inline struct msg_part *mime_part_at(struct mime_ctx *ctx, int idx)
{
	return g_ptr_array_index(ctx->report->parts, (guint)idx);
}

/*
 * Bytes a new buffer for the part may hold, at most want (res: MIME_RES_BYTES, or
 * MIME_RES_MEMBER_BYTES for an archive member): mime_jobs_budget() with the message's use.
 * 0 with the part flagged (and MSG_LIMIT_TOTAL noted) when nothing is left of
 * max_total_bytes. *bound_r (may be NULL): the limit that cut want.
 */
size_t mime_bytes_budget(struct mime_ctx *ctx, struct msg_part *part, enum mime_res res,
                         uint64_t want, enum mime_bound *bound_r);
/* Note MSG_LIMIT_TOTAL, reached at part. */
void mime_limit_total(struct mime_ctx *ctx, const struct msg_part *part);
/* The part was cut at got bytes by bound (max_total_bytes, else max_part_bytes): flag it. */
void mime_part_truncated(struct mime_ctx *ctx, struct msg_part *part, size_t got,
                         enum mime_bound bound);

/*
 * Type, hash and look up decoded bytes (scan_bytes) into *r, once. When the message is being
 * deduplicated (ctx->dedupe), SHA-256 is part of that one pass and the bytes are recorded as
 * seen (size + SHA-256; the part they are is set by the next mime_part_scanned()), unless
 * seen_r (may be NULL) is given and set: the same bytes were scanned before, as part *of_r
 * (may be NULL; -1 when no part was made of them). A part that is not a text body (body
 * false) also gets the digests of ctx->want_attached. pre (may be NULL): digests of the bytes
 * computed as they were decoded (mime_part_wanted()), not computed again. Returns 0, or -1
 * with ctx->error set.
 */
int mime_part_digest(struct mime_ctx *ctx, const unsigned char *data, size_t len, bool body,
                     struct scan_result *r, bool *seen_r, int *of_r, const struct digest_set *pre);
/* The digests every scan of a part computes (body: a text body), whatever its size. */
unsigned int mime_part_wanted(const struct mime_ctx *ctx, bool body);
/* Part idx is len decoded bytes, scanned as r (mime_part_digest): record it. */
void mime_part_scanned(struct mime_ctx *ctx, int idx, size_t len, const struct scan_result *r);
/*
 * Bytes scanned before as part of were found again where no part is made of them (a sweep
 * find, a leaf of another reading, another decoding of a leaf): *copy (its strings taken
 * over, found_by given) is listed in the part's copies (msgscan.h, COPIES), unless it is
 * named as the part and lies inside the part's own entity (it adds nothing then); its names
 * are checked against the part's real type as the part's own are (the extension-mismatch
 * flag). At most max_parts copies are listed in a message; past that MSG_LIMIT_PARTS is noted.
 */
void mime_part_add_copy(struct mime_ctx *ctx, int of, const struct msg_copy *copy);

/*
 * The readers of a decoded part (the container hook of the job loop): uuencoded blocks in
 * text and TNEF attachments become child jobs in children (struct mime_work *, over data by
 * reference); messages inside parts (message/rfc822 sent as base64, an attached .eml, S/MIME
 * signed data) and archives become one job of their own (struct mime_reader: walk.c,
 * archive.c) that hands back its children one at a time.
 * A part that the allow list clears is not looked into.
 */
void mime_expand(struct mime_ctx *ctx, int idx, GBytes *data, unsigned int hints,
                 GPtrArray *children);
/* A container's contents are one level deeper; false (and the part flagged) past max_depth. */
bool mime_expand_depth_ok(struct mime_ctx *ctx, struct msg_part *p);

/* true for the real types whose members a reader of mime/reader.h gives (PDF, HTML, ...). */
bool mime_reader_type(enum ftype type);

#endif
