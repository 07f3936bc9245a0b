#ifndef PARTSCAN_MIME_WALK_H
#define PARTSCAN_MIME_WALK_H

/*
 * walk: one message buffer -> GMime tree -> parts and decode jobs (internal to mime/).
 *
 * mime_walk_reader parses a message held in memory (the message itself, or a message found
 * inside a decoded part), walks every entity within the depth and part limits, records each
 * leaf as a part with its path, names, declared type and encoding and where its header block
 * and body lie, sweeps the buffer for encoded runs the tree does not account for (sweep.c),
 * then hands every leaf to the job loop in walk order and the sweep's finds after them.
 */

#include <gmime/gmime.h>

#include "mime/ctx.h"
#include "mime/skeleton.h"

struct mime_walk {
	struct mime_ctx *ctx;
	const unsigned char *data; /* the message buffer (borrowed) */
	size_t len;
	bool in_raw;        /* data is the message msg_scan() was given: offsets go in the parts */
	char *prefix;       /* path prefix of this message's parts: "" or "2/" */
	unsigned int depth; /* depth of the message's top entity */
	int parent;         /* the part this message was found in, or -1 */
	GArray *jobs;       /* struct mime_job, in walk order */
	GArray *skip;       /* struct mime_range: bodies the tree decodes (base64, QP, uuencode) */
	GArray *uu_raw;     /* struct mime_range: text bodies the tree searches for uuencode */
	GArray *leaves;     /* struct mime_range: bodies of the leaves (part = their index) */
	GArray *uu_lines;   /* size_t: offsets of the "begin" lines the sweep saw */
	GArray *dashes; /* size_t: offsets of the lines starting with "--" (walk_cap), NULL: too many */
	size_t inner_dashes;   /* the end of the last "--" inside a line (walk_cap), 0: none */
	bool cr_dashes;        /* a "--" right after a CR alone (walk_cap; readings.c) */
	GPtrArray *boundaries; /* const char *: the boundaries of the multiparts (owned by GMime) */
	GPtrArray *copies;     /* GByteArray *: bodies GMime did not leave in the buffer */
	GArray *texts;         /* struct mime_text: encoded text bodies as decoded (password.c) */
	unsigned int sweeps;   /* parts the sweep added */
	GBytes *hold;          /* the message's bytes */
	GArray *cands;         /* the sweep's candidates (sweep.c) */
	guint next_cand;       /* the next one to decode */
	enum { MIME_WALK_LEAVES, MIME_WALK_READINGS, MIME_WALK_DIRTY, MIME_WALK_SWEEP } phase;
	/*
	 * Other clients' readings of the header blocks (readings.c). The walk of the message has
	 * the copies to walk (GBytes *, distinct, made at open) and counts the parts they add;
	 * the walk of a reading (reading != 0) makes no part at open: its leaves are prototypes
	 * (struct msg_part *, jobs[i].part indexes them) made parts of origin's message only when
	 * their bytes are new.
	 */
	GPtrArray *readings;
	guint next_reading;
	unsigned int reads;
	unsigned int reading_of[8]; /* MIME_READING_* of each copy */
	GArray *reading_map[8]; /* of each copy: its stretches taken from the message, or NULL */
	unsigned int reading;
	const GArray *map; /* a reading's: reading_map of its copy (the origin's) */
	struct mime_walk *origin;
	GPtrArray *protos;
	/* GMime objects */
	GByteArray *bytes;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeParserOptions *options;
	GMimeMessage *message;
	/* the skeleton GMime parsed instead of the bytes (skeleton.c): bytes is its buffer, and
	   GMime's offsets go through walk_real(); no cut when it was not worth it or not right */
	struct mime_skel skel;
};

/* The multiparts above an entity (for boundary reuse checks). */
struct mime_frame {
	const struct mime_frame *up;
	const char *boundary;
};

/* GMime's warning callback (data: the walk): parser warnings -> anomalies and notes. */
void mime_check_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data);
/*
 * The header block at off (what: how notes call it): ended by an empty line (not by a
 * boundary, a body line or the end of the buffer), no NUL byte, within max_header_bytes.
 */
void mime_check_headers(struct mime_walk *w, size_t off, const char *what);
/*
 * A multipart with n parts, the last one ending at last_end: parts present, boundary syntax,
 * not reused from an enclosing multipart (up), closing delimiter present, nothing after it.
 */
void mime_check_multipart(struct mime_walk *w, GMimeMultipart *mp, const char *path,
                          const struct mime_frame *up, int n, gint64 last_end);

/*
 * The reader of a message (the job loop's): open parses it (GMime), walks every entity within
 * the limits and makes each leaf a part, sweeps the buffer for encoded runs the tree does not
 * account for (sweep.c); next hands back the leaves (views of the message's bytes, in walk
 * order), then each other client's reading of the header blocks that differs (readings.c: a
 * job of its own, a walk of the rewritten copy whose leaves become parts "readN" only when
 * their bytes are new), then the sweep's finds one at a time; close frees the GMime objects. Opened on part
 * -1: the message msg_scan() was given; on a part: a message inside it (its parts are
 * "P/1", "P/2.1" ..., one level deeper).
 */
extern const struct mime_reader mime_walk_reader;

/*
 * Open the walk of a message inside part idx whose decoded bytes are bytes (what: how the
 * part's note calls it when it is not a message): the state of mime_walk_reader, or NULL
 * (the part flagged).
 */
void *mime_walk_open_part(struct mime_ctx *ctx, int idx, GBytes *bytes, const char *what);
int mime_walk_next(void *state, GPtrArray *children);
void mime_walk_close(void *state);

/*
 * Parse and walk bytes as a message (walk.c's reader does this on open): its parts made and
 * the sweep's candidates found, or NULL when they are not a message and parent >= 0. With
 * reading (MIME_READING_*), the walk of that reading of origin's message: no part is made,
 * its leaves are prototypes (see struct mime_walk).
 */
struct mime_walk *mime_walk_message_as(struct mime_ctx *ctx, GBytes *bytes, bool in_raw,
                                       const char *prefix, unsigned int depth, int parent,
                                       struct mime_walk *origin, unsigned int reading);

/* GMime is initialised once per process (thread safe). */
void mime_walk_init(void);

#endif
