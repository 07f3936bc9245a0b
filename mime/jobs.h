#ifndef PARTSCAN_MIME_JOBS_H
#define PARTSCAN_MIME_JOBS_H

/*
 * jobs: the work of one msg_scan() call and the one budget function every limit goes through
 * (internal to mime/; the plan of the job loop is at the top of jobs.c).
 *
 * mime_jobs_budget() is pure: given the effective limits, what has been spent where a job
 * stands and what the job asks for, it says how much may be taken and which limit bound it.
 * Flagging the part and noting the limit is the caller's (the message wording differs per
 * place); the decision is made here only.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "mime/decode.h"
#include "mime/msgscan.h"

struct mime_ctx;

/* What a job asks for. */
enum mime_res {
	MIME_RES_PARTS,          /* want parts (and entities) more: max_parts */
	MIME_RES_DEPTH,          /* want levels below use->depth: max_depth */
	MIME_RES_BYTES,          /* want bytes in one buffer: max_part_bytes, max_total_bytes */
	MIME_RES_MEMBER_BYTES,   /* as MIME_RES_BYTES, and max_member_bytes (an archive member) */
	MIME_RES_MEMBER_SIZE,    /* a member declaring want bytes: max_member_bytes */
	MIME_RES_ARCHIVE_DEPTH,  /* want archives more around the job: max_archive_depth */
	MIME_RES_MEMBERS,        /* want entries more from the job's archive: max_archive_members */
	MIME_RES_RATIO,          /* want bytes more from the job's archive: max_ratio */
	MIME_RES_TRIALS,         /* want password trials more: max_password_trials */
	MIME_RES_DECODER_MEMORY, /* want bytes more for a decoder: max_decoder_memory */
};

/* The limit that bound a request (MIME_BOUND_NONE: all of it granted). */
enum mime_bound {
	MIME_BOUND_NONE,
	MIME_BOUND_PARTS,
	MIME_BOUND_DEPTH,
	MIME_BOUND_PART_BYTES,
	MIME_BOUND_TOTAL_BYTES,
	MIME_BOUND_MEMBER_BYTES,
	MIME_BOUND_ARCHIVE_DEPTH,
	MIME_BOUND_MEMBERS,
	MIME_BOUND_RATIO,
	MIME_BOUND_TRIALS,
	MIME_BOUND_DECODER_MEMORY,
};

/*
 * What has been spent of the limits where a job stands: the message's counters, and those of
 * the job itself (its depth, the archive it is read from).
 */
struct mime_use {
	uint64_t decoded;           /* bytes decoded into buffers in the message */
	unsigned int parts;         /* parts and entities counted */
	unsigned int trials;        /* password trials */
	unsigned int depth;         /* nesting depth of the job (its part's) */
	unsigned int archive_depth; /* archives (and container readers) around the job */
	unsigned int entries;       /* entries read from the job's archive */
	uint64_t arch_in;           /* the job's archive: its own bytes */
	uint64_t arch_out;          /* bytes decompressed from its members so far */
	uint64_t decoder_memory;    /* claimed by the decoders of the archive levels open */
};

/*
 * Decompressed bytes of an archive below which max_ratio is not applied: the byte limits
 * bound that much work already, and small sparse files (a gzipped disk image, a blank
 * bitmap) reach 200:1 legitimately.
 */
/* base64 bodies decoding to at least this much are hashed as they are decoded (jobs.c) */
#define MIME_JOBS_HASHED_MIN     (1024 * 1024)
#define MIME_ARCHIVE_RATIO_FLOOR (8u * 1024u * 1024u)

/*
 * The one budget check: how much of want (of resource res) may be taken given lim (effective
 * limits, msg_limits_effective()) and use. *grant_r (may be NULL) gets the amount, at most
 * want; the return value is the limit that made it less than want, or MIME_BOUND_NONE.
 * Counted resources (parts, depth, archive depth, entries, trials, member size, ratio) are
 * all or nothing: *grant_r is want or 0. Byte buffers are cut: *grant_r is what fits, and
 * when several limits bind, the narrowest is named (ties: member, then part, then total).
 */
enum mime_bound mime_jobs_budget(const struct msg_limits *lim, const struct mime_use *use,
                                 enum mime_res res, uint64_t want, uint64_t *grant_r);

/* How a job's bytes were found. */
enum mime_origin {
	MIME_FROM_LEAF,   /* a leaf of a MIME tree: its part made by the walk */
	MIME_FROM_UU,     /* a uuencoded (or "begin-base64") block in a text */
	MIME_FROM_TNEF,   /* an attachment in TNEF (winmail.dat) */
	MIME_FROM_MEMBER, /* an archive member, decoded (and counted) by the reader */
	MIME_FROM_PART,   /* the decoded bytes of a part scanned already, for a reader */
	MIME_FROM_SWEEP,  /* an encoded run the raw sweep found: a part only when it is new */

	/* another reading of a leaf's bytes (encodings.c): run as MIME_FROM_SWEEP */
	MIME_FROM_READING,
	/* a yEnc or BinHex block in a text (encodings.c) */
	MIME_FROM_BLOCK,
};

/*
 * A container reader: bytes in, members out, one at a time (the interface a container format
 * plugs into). A job of its own after the part's other children (so that the report keeps
 * the order in which things are found); the loop opens it, asks it for children until it
 * says it is done, running the children it hands back (and theirs) before asking again, and
 * closes it, also when the message's scan stops early.
 */
struct mime_reader {
	const char *name;
	/*
	 * Open the reader on the decoded bytes of part idx (a reference is taken when they are
	 * kept). Returns its state, or NULL when there is nothing (more) to read: the part is
	 * flagged then if it should be (unreadable, over a limit), or the reader did its work
	 * in place.
	 */
	void *(*open)(struct mime_ctx *ctx, int idx, GBytes *bytes);
	/* Append child jobs to children: 1 when it is to be asked again after them, 0 done. */
	int (*next)(void *state, GPtrArray *children);
	void (*close)(void *state);
};

/*
 * One job of the work list: bytes held by reference, how they were found, how they are
 * encoded, and the part they are (made when the job runs, from the fields below, when part is
 * -1: so that parts are numbered in the order they are scanned, depth first).
 */
struct mime_work {
	GBytes *bytes; /* owned reference */
	enum mime_origin origin;
	enum mime_enc enc;  /* MIME_ENC_RAW: the bytes as they are */
	int part;           /* its part, or -1: made from the fields below */
	unsigned int hints; /* MIME_HINT_* */
	bool decoded;       /* the reader decoded the bytes and counted them against the budget */
	const struct mime_reader *reader; /* MIME_FROM_PART: the reader of the part's bytes */
	void *state;                      /* the reader's, once open */
	/*
	 * MIME_FROM_SWEEP: decoded within the budget and scanned, then made part make() (or not:
	 * -1) only when no bytes of the same size and SHA-256 were scanned before
	 */
	int (*make)(struct mime_ctx *ctx, struct mime_work *w, size_t n, unsigned int dflags);
	/*
	 * MIME_FROM_SWEEP: the same bytes were scanned before as part of: list this copy of them
	 * there (mime_part_add_copy), so that its names are judged and strip knows where it lies
	 */
	void (*copy)(struct mime_ctx *ctx, struct mime_work *w, int of);
	void *maker;    /* make()'s and copy()'s (the walk) */
	uint64_t begin; /* where the bytes lie in the maker's buffer */
	/* once the part is scanned, flag it with these (what the reader learnt reading it) */
	unsigned int scanned_flag;
	char *scanned_note; /* owned */
	/* the part to make (part -1) */
	int parent;
	unsigned int depth;
	char *path;           /* owned */
	char *name;           /* owned, UTF-8 or NULL */
	const char *encoding; /* static */
	unsigned int flags;   /* MSG_PART_* */
	uint64_t encoded_size;
	const char *note;  /* static, or NULL */
	bool container_of; /* mark the parent MSG_PART_CONTAINER once the part is made */

	/* MIME_DECODE_* of its decoding (other readings of a leaf depend on them) */
	unsigned int dflags;
	/* the digests taken while it was decoded (a big base64 body), mask 0: none */
	struct digest_set pre;
	/*
	 * The job's own budget: depth (its part's) and archive_depth (the archive levels around
	 * it, counted along its chain: a reader's children get one more than the reader's job
	 * when its open said it is a level, mime_jobs_level(); the others what their job had,
	 * unless keep_use is set by the reader that made them). The message's counters
	 * (decoded, parts, trials) are in ctx->use.
	 */
	struct mime_use use;
	bool keep_use;
	bool level;
};

/*
 * What has been spent where the running job stands: the message's counters (ctx->use) with
 * the job's depth and archive depth (outside the loop: 0).
 */
struct mime_use mime_jobs_use(const struct mime_ctx *ctx);

/*
 * Called by a reader's open: the running job is an archive level (an archive, a container
 * reader using the archive limits): what it hands back lies one level deeper.
 */
void mime_jobs_level(struct mime_ctx *ctx);

/* A job over bytes (the reference is taken over), as part (-1: made when it runs). */
struct mime_work *mime_work_new(GBytes *bytes, enum mime_origin origin, enum mime_enc enc,
                                int part);
void mime_work_free(struct mime_work **work);

/*
 * The job loop: run job (taken over) and every job it hands back, depth first (a job's
 * children and theirs before its next sibling): make its part, decode it within the budget,
 * scan it once (mime_part_digest), hand it to the readers of its type (mime_expand), which
 * return child jobs and never scan.
 */
void mime_jobs_run(struct mime_ctx *ctx, struct mime_work *job);

#endif
