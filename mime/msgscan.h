#ifndef PARTSCAN_MSGSCAN_H
#define PARTSCAN_MSGSCAN_H

/*
 * msgscan: one whole message -> one report.
 *
 * msg_scan() parses the message from one memory buffer (GMime), walks every leaf part (nested
 * message/rfc822 and message/global too, uuencoded blocks inside text, the attachments of a
 * TNEF winmail.dat, the members of archives and compressed streams), decodes each into memory, scans each with the
 * engine, sweeps the raw body for encoded runs that the parsed tree does not account for, and
 * fills one report: message anomalies and limits hit, and per part its path, name, declared
 * and real type, sizes, digests, findings and flags. The same call serves the milter, the
 * `partscan` command, the tests and the fuzzer; it gives the same report for the same bytes
 * however the buffer was assembled.
 *
 * Limits are one struct (0 = default). Hitting one sets a flag on the part or the message and
 * carries on: the report says what could not be scanned, it never silently passes it.
 * Thread safety: msg_scan() may run in many threads at once with a shared sigdb and cache.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/json.h"
#include "engine/scan.h"

/* Every limit on untrusted input, in one place. 0 means the default given. */
struct msg_limits {
	uint64_t max_message_bytes; /* 0: 100 MiB; the rest is not parsed (MSG_LIMIT_MESSAGE) */
	uint64_t max_header_bytes;  /* 0: 1 MiB of any one header block (MSG_LIMIT_HEADER) */
	unsigned int max_depth;     /* 0: 16 levels of multipart / message nesting */
	unsigned int max_parts;     /* 0: 1000 parts per message, all kinds counted */
	uint64_t max_part_bytes;    /* 0: 50 MiB decoded per part; beyond, the part is truncated */
	uint64_t max_total_bytes;   /* 0: 200 MiB decoded per message, all parts together */
	/* archives (members are parts: max_parts, max_part_bytes and max_total_bytes apply too) */
	unsigned int max_archive_depth;   /* 0: 5 archives within archives (not opened beyond) */
	unsigned int max_archive_members; /* 0: 1000 entries per archive (the rest not read) */
	uint64_t max_member_bytes;        /* 0: 50 MiB per member (a larger one is not read) */
	unsigned int max_ratio; /* 0: 200: decompressed bytes of an archive's members / the
	                           archive's bytes, past the first 8 MiB (the archive stops there) */
	/* 0: 256 MiB: what the decoders of the compressed streams open at once (one per archive
	   level: an xz or lzma dictionary, a zstd window) may claim together; a stream whose
	   headers claim more is not opened ("max_decoder_memory", MSG_LIMIT_ARCHIVE) */
	uint64_t max_decoder_memory;
	unsigned int max_password_trials; /* 0: 500 tries of a password candidate on an encrypted
	                                     member, per message (each AES try costs a key
	                                     derivation); members left are "password trials
	                                     exhausted" (MSG_PART_LIMIT, MSG_LIMIT_ARCHIVE) */
};

/* Copy limits, replacing every 0 by its default. */
void msg_limits_effective(const struct msg_limits *in, struct msg_limits *out_r);

/* Part flags (struct msg_part.flags). */
#define MSG_PART_BODY           (1u << 0)  /* a text/html body rather than an attachment */
#define MSG_PART_ENCRYPTED      (1u << 1)  /* encrypted content: cannot be scanned */
#define MSG_PART_TRUNCATED      (1u << 2)  /* decoded only up to a byte limit: scanned partly */
#define MSG_PART_BAD_ENCODING   (1u << 3)  /* invalid base64 / quoted-printable / uuencode */
#define MSG_PART_PARTIAL        (1u << 4)  /* a message/partial fragment */
#define MSG_PART_SWEEP          (1u << 5)  /* found by the raw sweep, not in the parsed tree */
#define MSG_PART_UUENCODED      (1u << 6)  /* decoded from a "begin NNN name" block in text */
#define MSG_PART_TNEF           (1u << 7)  /* an attachment extracted from a TNEF container */
#define MSG_PART_ARCHIVE_MEMBER (1u << 8)  /* a member of an archive */
#define MSG_PART_CONTAINER      (1u << 9)  /* its contents follow as parts of their own */
#define MSG_PART_EXT_MISMATCH   (1u << 10) /* the name's extension is not what the bytes are */
#define MSG_PART_SCAN_ERROR     (1u << 11) /* the engine failed on it: not scanned */
#define MSG_PART_LIMIT          (1u << 12) /* a limit stopped it or its contents (see note) */
#define MSG_PART_OPAQUE         (1u << 13) /* a container whose contents could not be read */
#define MSG_PART_DECRYPTED                                                                         \
	(1u << 14) /* encrypted member opened with a password found in
                                              the message's text (the note says which) */
#define MSG_PART_HTML_SMUGGLING                                                                    \
	(1u << 15) /* HTML or SVG attachment whose script literals decode to a file
                                              (the "scriptN" members): [policy]
                                              block_html_smuggling */

/* Message flags (struct msg_report.flags): limits hit, and what they cost. */
#define MSG_LIMIT_MESSAGE (1u << 0) /* message larger than max_message_bytes */
#define MSG_LIMIT_HEADER  (1u << 1) /* a header block larger than max_header_bytes */
#define MSG_LIMIT_DEPTH   (1u << 2) /* nesting deeper than max_depth: deeper parts unscanned */
#define MSG_LIMIT_PARTS   (1u << 3) /* more parts than max_parts: the rest unscanned */
#define MSG_LIMIT_TOTAL   (1u << 4) /* max_total_bytes reached: later parts unscanned */
#define MSG_LIMIT_ARCHIVE (1u << 5) /* an archive limit (depth, members, member bytes, ratio) */

/* Anomalies (struct msg_report.anomalies): the message is odd, what was parsed was scanned. */
#define MSG_ANOM_MISSING_BOUNDARY   (1u << 0)  /* a multipart without its closing boundary */
#define MSG_ANOM_DUPLICATE_CTYPE    (1u << 1)  /* two Content-Type headers in one entity */
#define MSG_ANOM_BAD_BOUNDARY       (1u << 2)  /* missing, over-long or odd boundary parameter */
#define MSG_ANOM_BAD_ENCODING       (1u << 3)  /* some part had an invalid transfer encoding */
#define MSG_ANOM_NO_HEADER_END      (1u << 4)  /* headers not ended by an empty line */
#define MSG_ANOM_BAD_HEADER         (1u << 5)  /* malformed header lines */
#define MSG_ANOM_EMPTY_MULTIPART    (1u << 6)  /* a multipart with no parts */
#define MSG_ANOM_BARE_LF            (1u << 7)  /* LF-only line ends (mixed with CRLF) */
#define MSG_ANOM_SWEEP_EXTRA        (1u << 8)  /* the raw sweep found content the tree missed */
#define MSG_ANOM_DUPLICATE_BOUNDARY (1u << 9)  /* nested multiparts share a boundary */
#define MSG_ANOM_GARBAGE            (1u << 10) /* text after the closing boundary, NUL bytes */
#define MSG_ANOM_NOT_MIME           (1u << 11) /* no header block at all: not a message */
#define MSG_ANOM_READING            (1u << 12) /* a part only another client's header reading shows */

/*
 * PATHS. Parts are numbered as IMAP numbers body parts: the children of the top multipart are
 * "1", "2", ...; those of a multipart at "2" are "2.1", "2.2"; a message that is not multipart
 * has the single part "1". Inside a nested message (message/rfc822 or message/global at "3",
 * or a message found inside a decoded part "3": base64 message/rfc822, an attached .eml,
 * S/MIME signed data) numbering starts again after a slash: "3/1", "3/2.1". Parts extracted
 * from a part P: "P/uuN" (N-th uuencoded block of a text), "P/tnefN" (N-th TNEF attachment),
 * "P/FMT:NAME" (the member NAME, its path inside the archive, of an archive or compressed
 * stream; FMT: zip, 7z, rar, tar, cpio, iso, cab, gz, bz2, xz, zst, lzma, Z, lz; a member
 * without a name is "#N", the N-th entry, or "data" for a compressed stream): "2/zip:docs/
 * invoice.exe", "2/zip:inner.zip/zip:a.exe", "2/zip:fwd.eml/2" (a message in an archive).
 * Members of the readers of mime/reader.h are "P/FMT:NAME" too (FMT: pdf, applefile, pgp,
 * html; "#N" when unnamed): "2/pdf:invoice.exe", "1/pgp:tool.exe", "2/html:script1".
 * Finds of the raw sweep: "sweepN" ("3/sweepN" inside a nested message found in a decoded
 * part). Leaves only another client's reading of the header blocks shows (readings.c): "readN"
 * ("3/readN"), flagged MSG_PART_SWEEP as well (not in the parsed tree).
 *
 * ARCHIVE MEMBERS are parts flagged MSG_PART_ARCHIVE_MEMBER (their container: MSG_PART_CONTAINER)
 * with parent the container's index, name the member's path inside the archive (the policy
 * reads its last element's extension), encoding the FMT tag, raw offsets 0. Expanded: zip and
 * the formats built on it (OOXML, ODF, JAR, APK: their members are what signatures target,
 * vbaProject.bin, embedded objects, classes.dex), 7z, RAR 4/5, tar, cpio, ISO 9660, cab, and
 * gzip / bzip2 / xz / zstd / lzma streams. A container the allow list clears is not opened
 * (its note says so). Encrypted members are flagged MSG_PART_ENCRYPTED, then tried with the
 * passwords the message's subject and text bodies give ("password: 1234"); one that opens is
 * scanned and flagged MSG_PART_DECRYPTED instead.
 */
/*
 * COPIES. A find of the raw sweep, a leaf of another client's reading of the header blocks or
 * another reading of a leaf's encoding whose decoded bytes (same size and SHA-256) were
 * scanned before is not made a part of its own: it is a copy of the part those bytes are,
 * listed there. The policy judges its names as the part's, and strip, which removes MIME
 * entities, must remove it too: a copy lies in the message's bytes at [raw_begin, raw_end)
 * (its encoded body) when that is known, else inside the entity holding its parent.
 */
struct msg_copy {
	char *found_by;     /* what shows it: "the first-header reading", "the raw sweep" */
	char *name;         /* its file name as that reading gives it, or NULL */
	char *alt_name;     /* its Content-Type name when it differs from name, or NULL */
	char *content_type; /* declared, or NULL (a sweep find) */
	int parent;         /* the part whose decoded bytes hold it, or -1 */
	/* its encoded body in the raw message; 0, 0: not in the message's own bytes (inside a
	   decoded part), or not traced back to them */
	uint64_t raw_begin, raw_end;
};

/* A new array for msg_part.copies: it frees its struct msg_copy * and their strings. */
GPtrArray *msg_part_copies_new(void);

struct msg_part {
	char *path;            /* "1", "2.1", "3/1.2" (inside a nested message), "2/uu1", "2/tnef1",
	                       "sweep1", "read1" (see PATHS above) */
	char *name;            /* file name, decoded to UTF-8 (RFC 2231, RFC 2047), or NULL */
	char *alt_name;        /* Content-Type name when it differs from the Content-Disposition
	                       filename (a mail client may show either), or NULL */
	char *content_type;    /* declared, lower-case "type/subtype" ("text/plain" if none) */
	char *disposition;     /* "attachment", "inline" or NULL */
	char *encoding;        /* declared transfer encoding, or "uuencode", "tnef", ... */
	uint64_t encoded_size; /* bytes of the part's body as it is in the message */
	uint64_t decoded_size; /* bytes decoded and scanned */
	unsigned int depth;    /* nesting level (0: the top-level entity) */
	unsigned int flags;    /* MSG_PART_* */
	int parent;            /* index of the part it was extracted from (a sweep find: the leaf
	                          whose body holds it), or -1 */
	char *note;            /* why it is flagged (limit, encoding error), or NULL */
	bool scanned;          /* scan holds a result; false: not scanned (see flags) */
	struct scan_result scan;
	/*
	 * Where the part lies in the raw message, for the strip action: [raw_begin, raw_end)
	 * covers its header block and its body, [body_begin, raw_end) the body alone (without the
	 * line end before the next boundary, which belongs to the boundary). For the single part
	 * of a message that is not multipart (path "1", depth 0) the header block is the
	 * message's. Parts that are not MIME entities of the message (uuencoded, TNEF, sweep,
	 * archive members, and parts of a message found inside a decoded part) have
	 * raw_begin == raw_end == 0; strip removes the entity that holds them (see parent).
	 */
	uint64_t raw_begin, body_begin, raw_end;
	GPtrArray *copies; /* struct msg_copy *: copies of its bytes not made parts, or NULL */
};

struct msg_report {
	struct sigdb *db;   /* reference held: findings' names stay valid as long as the report */
	uint64_t size;      /* bytes of the message */
	GPtrArray *parts;   /* struct msg_part *, in walk order */
	unsigned int flags; /* MSG_LIMIT_* */
	unsigned int anomalies; /* MSG_ANOM_* */
	GPtrArray *notes;       /* char *: each anomaly or limit hit, with where ("part 2: ...") */
	char *message_id;       /* header values (decoded), or NULL */
	char *subject;
	char *from;
	double scan_ms;               /* wall time of msg_scan() */
	unsigned int password_trials; /* tries of a password candidate on an encrypted member */
};

struct mime_dashes;

struct msg_scan_options {
	const struct msg_limits *limits; /* NULL: all defaults */
	struct scan_options scan;        /* digests always wanted (SHA-256 for logs), cache */
	/*
	 * Digests wanted, beyond scan.want, for every part that is not a text body (attachments,
	 * archive and container members, sweep finds): the index's MD5 and SHA-1, which a 2 KB
	 * text body does not need. Computed in the part's one pass with the others.
	 */
	unsigned int want_attached;
	/*
	 * The lines of raw that start with "--", found as it arrived (mime/dashes.h, scanned to
	 * its end with the cap of these limits), or NULL: msg_scan() finds them.
	 */
	const struct mime_dashes *dashes;
};

/*
 * Scan one message. Returns 0 with *report_r set (free it with msg_report_free), whatever
 * the message looks like; -1 with error set only on internal failure (the engine could not
 * hash), in which case nothing may be concluded about the message.
 */
int msg_scan(struct sigdb *db, const unsigned char *raw, size_t len,
             const struct msg_scan_options *opts, struct msg_report **report_r, GError **error);

void msg_report_free(struct msg_report **report);

/*
 * Scan one file that is not a message (an attachment saved to disk, a winmail.dat) the way a
 * part of a message is scanned: a report with the file as part "1" (named name, may be NULL)
 * and, after it, what the container hook extracts from it (TNEF attachments, a message inside
 * it, archive members "1/zip:NAME"). No raw offsets, no sweep. Returns as msg_scan().
 */
int msg_scan_attachment(struct sigdb *db, const char *name, const unsigned char *data, size_t len,
                        const struct msg_scan_options *opts, struct msg_report **report_r,
                        GError **error);

/*
 * true when parts of this real type are looked into (archives, compressed streams, TNEF,
 * messages): msg_scan_attachment() lists what such a file holds.
 */
bool msg_type_expanded(enum ftype type);
/* msg_type_expanded(), or bytes of another type that end in a zip (a GIF glued before it). */
bool msg_bytes_expanded(const unsigned char *data, size_t len, enum ftype type);

/* Parts infected (a finding not cleared by the allow list). */
unsigned int msg_report_infected(const struct msg_report *report);
/*
 * true when something could not be scanned: a limit hit, an encrypted or truncated part.
 * *reason_r (may be NULL) gets a flag's name ("limit-depth", "encrypted", ...).
 */
bool msg_report_unscannable(const struct msg_report *report, const char **reason_r);

/*
 * true when the part was not (entirely) scanned: encrypted, partial, stopped or truncated by a
 * limit, an unreadable container, an engine failure. *reason_r (may be NULL) gets the flag's
 * name ("encrypted", "limit", ...).
 */
bool msg_part_unscannable(const struct msg_part *part, const char **reason_r);
/* "infected", "unscannable" or "clean" (in that order of precedence). */
const char *msg_part_result(const struct msg_part *part);

/* Names of part flags, message flags and anomalies ("encrypted", "limit-depth", ...). */
const char *msg_part_flag_name(unsigned int bit);
const char *msg_flag_name(unsigned int bit);
const char *msg_anomaly_name(unsigned int bit);

/*
 * Write the report's members ("size", "message_id", "subject", "from", "flags", "anomalies",
 * "notes", "parts": [...]) into the JSON object the caller has open. Every part: path, name
 * (alt_name when the two names differ), result, content_type, disposition, encoding,
 * encoded_size, size (decoded), depth, parent, type, family, type_flags, flags,
 * extension_mismatch, the digests computed (SHA-256 always when asked), findings,
 * allowlisted, note, raw_begin / body_begin / raw_end for MIME entities of the message, and
 * "copies" (found_by, name, alt_name, content_type, parent, raw_begin / raw_end) when it has
 * copies.
 * Deterministic (scan_ms is left out): the same report gives the same bytes.
 */
void msg_report_json(const struct msg_report *report, struct json *j);

/*
 * mbox: iterate over the messages of an mbox buffer, in place. A "From " line at the start or
 * after an empty line separates messages; a buffer without one is one message. index counts
 * the messages returned (1 after the first).
 */
struct msg_mbox_iter {
	const unsigned char *data;
	size_t len, pos;
	unsigned int index;
};
void msg_mbox_init(struct msg_mbox_iter *it, const unsigned char *data, size_t len);
/* 1 with the next message's bytes (without its "From " line), 0 at the end. */
int msg_mbox_next(struct msg_mbox_iter *it, const unsigned char **msg_r, size_t *len_r);

#endif
