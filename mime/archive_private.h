#ifndef PARTSCAN_MIME_ARCHIVE_PRIVATE_H
#define PARTSCAN_MIME_ARCHIVE_PRIVATE_H

/*
 * The archive reader's own state, shared by archive.c (the entries) and archive_password.c
 * (the encrypted members, tried with the message's passwords). Not for other modules: their
 * interface is mime/archive.h.
 */

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>

#include "mime/archive.h"

/* At most this many zips read in one part's bytes (concatenated): past it, a limit. */
#define MIME_ARCHIVE_ZIPS_MAX 16

/* One zip in a part's bytes: [start, end). */
struct mime_archive_zip {
	size_t start, end;
};

/* An encrypted member not opened yet: its entry number, its part, candidates tried on it. */
struct arch_locked {
	unsigned int entry;
	int part;
	unsigned int tried;
};

struct arch {
	struct mime_ctx *ctx;
	int idx;      /* the container */
	GBytes *hold; /* its bytes */
	const unsigned char *data;
	size_t len;
	bool raw;             /* read with the raw format: a compressed stream */
	int filter;           /* ARCHIVE_FILTER_* of the part's type (NONE: an archive as is) */
	unsigned int entries; /* headers read */
	uint64_t out;         /* bytes decompressed from members */
	bool stop;            /* a limit or an error ended the walk */
	bool zip;             /* the format decrypts (libarchive: zip only) */
	GArray *locked;       /* struct arch_locked */
	GPtrArray *jobs;      /* where members go (the reader's children) */
	struct archive *a;    /* the reader of the entries, NULL once they are read */
	/* the encrypted members, tried candidate by candidate (k) after the entries */
	bool unlocking;
	const GPtrArray *pw;
	guint k, li;        /* the candidate, the locked member looked for */
	struct archive *ua; /* the reader with candidate k, or NULL */
	unsigned int entry; /* entries ua has read */
	bool more;          /* password trials left */
	/* the streaming reading of the first zip: from that offset (0: none), under way */
	size_t stream_from;
	bool stream_wanted, streaming;
	/* the other zips in the bytes, each read on its own once this reading is done */
	struct mime_archive_zip *zips;
	guint n_zips;
	bool slice;              /* this reading is one of them: its members are noted so */
	uint64_t at;             /* where its bytes lie in the container's */
	uint64_t decoder_memory; /* what its stream's decoder claims (in ctx->use while open) */
	/* the zip members libarchive read (archive_cd.c), and whether the directory was read */
	GHashTable *read_keys;
	bool cd_wanted, cd_done; /* a zip (or bytes with one at the end): its directory read */
	uint64_t cd_pos, cd_end; /* the directory entries left to read */
	int64_t cd_shift;        /* what to add to the zip's offsets */
	unsigned int cd_seen;    /* entries of it walked */
};

/*
 * Where the zip that a reader of the central directory sees starts (the last valid
 * end-of-central-directory record in the last 64 KiB): false when there is none; a zip64
 * directory is found through its record right before its locator (else it counts as starting
 * at 0).
 */
bool mime_archive_zip_start(const unsigned char *d, size_t len, size_t *start_r);
/* The offset of the first local file header ("PK\3\4"), or len. */
size_t mime_archive_zip_first(const unsigned char *d, size_t len);
/*
 * Every zip a reader could open in the bytes (archive_zips.c), in their order, at most max
 * in zips (*more_r: there were more); zips inside another one are left out. Returns how many.
 */
guint mime_archive_zips(const unsigned char *d, size_t len, struct mime_archive_zip *zips,
                        guint max, bool *more_r);

/*
 * The memory a decoder of the compressed stream d[0..len) (a part of real type type) will
 * allocate, read from its headers (archive_memory.c): xz, lzma, lzip, zstd, bzip2, 7z; a small
 * fixed amount for the others; UINT64_MAX when the headers claim what cannot be known.
 */
uint64_t mime_archive_decoder_memory(enum ftype type, const unsigned char *d, size_t len);

/*
 * A 7z archive's claim (archive_7z.c): the largest folder's coders (a packed header's own
 * coders, and the files' folders inside it when LZMA/LZMA2 packs it); UINT64_MAX when the
 * header cannot be read.
 */
uint64_t mime_archive_7z_memory(const unsigned char *d, size_t len);

/* The little-endian integer of n bytes (at most 8) at p: the headers' fields. */
static inline uint64_t mime_archive_le(const unsigned char *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

/*
 * A RAR archive's claim (archive_rar.c): RAR 5, twice its largest compressed file's window;
 * RAR 4, its largest window and the largest PPMd model a file's first block asks for.
 */
uint64_t mime_archive_rar_memory(const unsigned char *d, size_t len);

/* What one member buffer starts with when the member's size is not declared. */
#define MIME_ARCHIVE_FIRST_BUF (64u * 1024u)

enum mime_archive_fill {
	MIME_ARCHIVE_FILL_OK,    /* the whole member */
	MIME_ARCHIVE_FILL_CUT,   /* cap reached with more data left */
	MIME_ARCHIVE_FILL_RATIO, /* stopped by max_ratio (flagged) */
	MIME_ARCHIVE_FILL_ERROR, /* libarchive failed: *error_r set */
};

/*
 * A member read outside libarchive's reading of the entries (the streaming reading, the
 * central directory's): its job's make(), a part named w->name (w->note its note) only when
 * its bytes are new.
 */
int mime_archive_member_make(struct mime_ctx *ctx, struct mime_work *w, size_t n,
                             unsigned int dflags);
/* A zip member libarchive read (archive_cd.c): noted, with its name, size and method. */
void mime_archive_cd_note(struct arch *st, struct archive *a, struct archive_entry *e);
/*
 * After the entries: every member the zip's central directory lists that libarchive did not
 * read as listed, read from the directory and handed back as jobs (st->jobs). true when some
 * were; once per reading.
 */
bool mime_archive_cd(struct arch *st);

/* The libarchive filter of a compressed stream's type; ARCHIVE_FILTER_NONE for the others. */
int mime_archive_filter(enum ftype type);
/* Valid UTF-8, at most MIME_ARCHIVE_NAME_MAX bytes, control characters as '?'. */
char *mime_archive_clean_name(const char *s);
/*
 * Flag an archive limit on the member child (if any, else -1) and on the container, whose
 * other members are not read, and stop the archive.
 */
void mime_archive_limit(struct arch *st, int child, const char *what);
/* What the archive has spent of the limits: the message's, and its own entries and bytes. */
struct mime_use mime_archive_use(const struct arch *st);
/* A member read (and counted against the budget): a job handed back to the reader's loop. */
void mime_archive_member_job(struct arch *st, int child, GBytes *bytes);
/* Read the current member into *buf_r: at most cap bytes, the first buffer size bytes. */
enum mime_archive_fill mime_archive_fill(struct arch *st, struct archive *a, int child, size_t size,
                                         size_t cap, unsigned char **buf_r, size_t *n_r,
                                         int *code_r);
/*
 * The memory the container's stream decoder claims (archive_memory.c), within
 * max_decoder_memory with the levels open around it: false (flagged, noted) when it is over.
 */
bool mime_archive_memory_ok(struct arch *st, enum ftype t);
/*
 * The decoder memory the current zip member's method claims (0: none, or not a zip; the
 * streaming reading's members read from their local header).
 */
uint64_t mime_archive_member_claim(const struct arch *st, struct archive *a,
                                   struct archive_entry *e);
/*
 * A zip member compressed with a method whose decoder claims memory: its claim in *claim_r
 * (to add while it is read); false (the member flagged, not read) when it is over.
 */
bool mime_archive_member_memory_ok(struct arch *st, struct archive *a, struct archive_entry *e,
                                   int child, uint64_t *claim_r);
/*
 * The other zips in the container's bytes (archive_zips.c): noted in st to be read after
 * the ordinary reading; a first zip without a directory of its own: the streaming reading.
 */
void mime_archive_find_zips(struct arch *st, struct mime_ctx *ctx);
/*
 * A member of the streaming reading: read whole within the budget, handed back as a job
 * that is a part only when its bytes are new; false when it is to be read the ordinary way.
 */
bool mime_archive_stream_member(struct arch *st, struct archive *a, struct archive_entry *e);

/* A reader over the archive's bytes; NULL with *error_r set (g_free it) when it cannot be opened. */
struct archive *mime_archive_open(const struct arch *st, const char *passphrase, char **error_r);
/*
 * Read the current entry e of reader a as part child and hand it back as a job. quiet (a
 * password attempt): a read error leaves the part untouched and returns false. Otherwise true.
 */
bool mime_archive_read(struct arch *st, struct archive *a, struct archive_entry *e, int child,
                       bool quiet);
/*
 * The compression of a zip entry that libarchive decodes with a decoder of its own (bzip2,
 * LZMA, xz, zstd, PPMd: their decoders claim memory, and encrypted ones are not decrypted), as
 * libarchive's format name for the entry says it ("ZIP 6.3 (ppmd-1)"); NULL for any other.
 */
const char *mime_archive_zipx_method(const char *fmt);
/* An encrypted member, part child: flagged, kept for the password phase (a zip member
   libarchive does not decrypt: flagged so, never tried). */
void mime_archive_lock(struct arch *st, struct archive *a, int child);
/*
 * The encrypted members: the message's passwords, candidate by candidate (within
 * max_password_trials), up to a member one opens (handed back); false when they are done
 * (what stays locked is noted).
 */
bool mime_archive_unlock(struct arch *st);

#endif
