#ifndef PARTSCAN_MIME_CTX_H
#define PARTSCAN_MIME_CTX_H

/*
 * ctx: the state of one msg_scan() call, shared by the modules of mime/ (internal header).
 *
 * One context per call, used by one thread. It holds the effective limits and what has been
 * spent of them, the report being filled, and the fingerprints of decoded parts used to
 * deduplicate what the raw sweep finds.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "mime/decode.h"
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
	bool in_raw; /* body lies in a buffer alive for the rest of the walk (the message, or the
	                decoded part a nested message was found in): dedupe may decode it again */
	bool no_uu;  /* a text body in which the sweep saw no "begin" line: no uuencode search */
};

/* Hints to mime_part_scan() / mime_expand(). */
#define MIME_HINT_NO_UU (1u << 0) /* no uuencoded block can be in these bytes */

/* What was decoded, for deduplication: size, a fast hash, and how to decode it again. */
struct mime_seen {
	uint64_t size, hash;
	enum mime_enc enc;
	const unsigned char *src; /* encoded source in the message buffer, or NULL */
	size_t src_len;
};

struct mime_ctx {
	struct sigdb *db;
	const struct scan_options *scan;
	struct msg_limits lim;
	struct msg_report *report;
	const unsigned char
	        *raw; /* the message bytes that are parsed (at most max_message_bytes) */
	size_t len;
	uint64_t decoded;   /* bytes decoded into buffers so far (max_total_bytes) */
	unsigned int count; /* entities and parts counted against max_parts */
	unsigned int dropped_notes;
	GArray *seen;               /* struct mime_seen */
	bool dedupe;                /* the sweep has candidates: record what is decoded */
	GError *error;              /* the first internal failure: msg_scan() then fails */
	unsigned int archive_depth; /* archives being expanded around the current part */
	GPtrArray *walks;           /* struct mime_walk *: messages whose parts are being scanned */
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
 * Bytes a new buffer for the part may hold: the smaller of max_part_bytes and what is left of
 * max_total_bytes. 0 with the part flagged when nothing is left.
 */
size_t mime_budget(struct mime_ctx *ctx, struct msg_part *part);

/* Decode a job's body and scan it (then its contents: mime_expand). */
void mime_job_run(struct mime_ctx *ctx, const struct mime_job *job);

/*
 * Scan decoded bytes as part idx (which must be alive while this runs), record them for
 * deduplication when src is given (their encoded source, alive until the walk that found it
 * ends) and expand containers (hints: MIME_HINT_*).
 */
void mime_part_scan(struct mime_ctx *ctx, int idx, const unsigned char *data, size_t len,
                    enum mime_enc enc, const unsigned char *src, size_t src_len,
                    unsigned int hints);

/* A fast 64-bit hash (not cryptographic: equal hashes are confirmed byte by byte). */
uint64_t mime_hash64(const unsigned char *data, size_t len);
/* true when bytes equal to data were already decoded and scanned in this message. */
bool mime_seen_has(struct mime_ctx *ctx, const unsigned char *data, size_t len);

/*
 * The container hook, called on every decoded part: uuencoded blocks in text, TNEF
 * attachments, messages inside parts (message/rfc822 sent as base64, S/MIME signed data),
 * archive members (archive.c). Children are scanned while data is alive. A part that the
 * allow list clears is not looked into.
 */
void mime_expand(struct mime_ctx *ctx, int idx, const unsigned char *data, size_t len,
                 unsigned int hints);

/* true for the real types whose members a reader of mime/reader.h gives (PDF, HTML, ...). */
bool mime_reader_type(enum ftype type);

#endif
