#ifndef PARTSCAN_MIME_READER_H
#define PARTSCAN_MIME_READER_H

/*
 * reader: what the container readers of mime/ share (pdf.c, applefile.c, openpgp.c, html.c).
 *
 * A reader takes bytes and hands back members: bytes in, members out. It never calls back
 * into part scanning and never writes a file. Every reader is bounded by struct msg_limits:
 * at most max_archive_members members, at most max_member_bytes per member (a member cut there
 * is flagged READER_MEMBER_TRUNCATED), at most max_ratio times its input (past the first
 * MIME_ARCHIVE_RATIO_FLOOR bytes) and at most max_total_bytes of decompressed output in all
 * (the caller passes what is left of the message's). What a reader could not read
 * is said in the member's flags and note, or in the GError of the whole container.
 *
 * The readers' convention: 0 with every member appended; -1 with *error set (domain
 * READER_ERROR) when the container as a whole could not be read entirely. Members appended
 * before the error stay valid and are to be scanned too: a READER_ERROR_LIMIT after ten
 * members means "these ten, and not all of the rest".
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mime/msgscan.h"

/* Member flags (struct reader_member.flags). */
#define READER_MEMBER_TRUNCATED (1u << 0) /* cut at a byte limit: the note says which */
#define READER_MEMBER_LIMIT     (1u << 1) /* not read at all because of a limit (data empty) */
#define READER_MEMBER_ENCRYPTED (1u << 2) /* encrypted: data empty */
#define READER_MEMBER_OPAQUE    (1u << 3) /* could not be decoded (an unknown filter, corrupt) */
#define READER_MEMBER_SCRIPT    (1u << 4) /* html: decoded from a base64 literal of a script */

/* One member found by a reader. */
struct reader_member {
	char *name;         /* UTF-8, or NULL when the container names none */
	GBytes *data;       /* the member's bytes (empty when flagged LIMIT, ENCRYPTED or OPAQUE) */
	unsigned int flags; /* READER_MEMBER_* */
	char *note;         /* why it is flagged, or NULL */
};

/* Errors of a whole container (domain reader_error_quark()). */
enum reader_error {
	READER_ERROR_MALFORMED, /* not the format it claims, or unreadable */
	READER_ERROR_ENCRYPTED, /* the whole container is encrypted */
	READER_ERROR_LIMIT,     /* a limit stopped the reader before any member */
};
GQuark reader_error_quark(void);
#define READER_ERROR reader_error_quark()

/* A new members array (GPtrArray of struct reader_member *, freeing its elements). */
GPtrArray *reader_members_new(void);
void reader_member_free(struct reader_member **member);

/*
 * The reading budget of one container: limits, and the decompressed bytes spent. Readers
 * call reader_budget_init() once, then reader_inflate() / reader_member_add() with it.
 */
struct reader_budget {
	struct msg_limits lim; /* effective limits */
	size_t in_len;         /* bytes of the container */
	uint64_t out;          /* decompressed bytes so far */
	unsigned int members;  /* members added so far */
	bool ratio_hit;        /* max_ratio stopped some output */
};
void reader_budget_init(struct reader_budget *b, const struct msg_limits *lim, size_t in_len);
/* Bytes one more output may still take: min(max_member_bytes, what max_ratio and
 * max_total_bytes leave). */
size_t reader_budget_cap(const struct reader_budget *b);

/*
 * Add a member (takes data, name and note are copied; data may be NULL: empty). Returns false,
 * adding nothing, when max_archive_members is reached.
 */
bool reader_member_add(struct reader_budget *b, GPtrArray *members, const char *name, GBytes *data,
                       unsigned int flags, const char *note);

/* zlib formats for reader_inflate(). */
enum reader_zformat {
	READER_Z_RAW = -15, /* raw deflate (RFC 1951) */
	READER_Z_ZLIB = 15, /* zlib (RFC 1950) */
	READER_Z_AUTO = 47, /* zlib or gzip header */
};

/*
 * Inflate src into a new buffer of at most cap bytes (counted in the budget). Returns the
 * bytes (possibly empty), *truncated_r true when output was cut at cap, *error_r (may be NULL)
 * a reason when the stream was corrupt or ended early (what came before is returned).
 */
GBytes *reader_inflate(struct reader_budget *b, const unsigned char *src, size_t len,
                       enum reader_zformat fmt, size_t cap, bool *truncated_r,
                       const char **error_r);

/* Decode base64 (whitespace ignored, stops at the first other non-alphabet byte). */
GBytes *reader_base64(const unsigned char *src, size_t len, size_t cap, bool *truncated_r);

/* A name in UTF-8: as is when valid UTF-8, else from Latin-1; NULL when n is 0. */
char *reader_name(const unsigned char *s, size_t n);

#endif
