#ifndef PARTSCAN_SIGDB_H
#define PARTSCAN_SIGDB_H

/*
 * sigdb: hash signature databases.
 *
 * Loads ClamAV hash databases (.hdb .hsb: detection; .hdu .hsu: PUA; .fp .sfp: allow list;
 * .mdb .msb (.mdu .msu PUA): PE section hashes; .imp: PE import hashes; .ign2 / .ign: names
 * to drop) and plain hash lists (one MD5 / SHA-1 / SHA-256 per line), from
 * files or directories — also from inside freshclam's verified containers (.cvd .cld .cud) —
 * or reads a compiled snapshot into private memory. The result is immutable and
 * reference-counted: build it once, share it between threads, drop the last reference to free
 * it. A reload builds a new one beside the old one.
 *
 * Lookups are keyed by (size, hash): sigdb_digests_for_size() says which digests a part of a
 * given size needs at all, so a part whose size no signature has (and for which no `*`-size
 * signature of that hash type exists) is never hashed.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/digest.h"

/*
 * The ClamAV functionality level whose signatures we accept: ClamAV 1.5.1's (1.4.2 runs 212,
 * 1.5.0 230). MinFLevel / MaxFLevel of every signature line are checked against it.
 */
#define SIGDB_FLEVEL         231
#define SIGDB_FLEVEL_RELEASE "1.5.1"

/* Signature sizes are 32-bit, as in ClamAV; parts larger than this match `*` signatures only. */
#define SIGDB_MAX_SIZE 0xfffffffeu

enum sigdb_kind {
	SIGDB_DETECT = 0, /* .hdb .hsb, plain lists */
	SIGDB_PUA,        /* .hdu .hsu (loaded only when enabled) */
	SIGDB_ALLOW,      /* .fp .sfp */
	SIGDB_KIND__COUNT
};

enum sigdb_format {
	SIGDB_FORMAT_UNKNOWN = 0,
	SIGDB_FORMAT_HDB,
	SIGDB_FORMAT_HSB,
	SIGDB_FORMAT_HDU,
	SIGDB_FORMAT_HSU,
	SIGDB_FORMAT_FP,
	SIGDB_FORMAT_SFP,
	SIGDB_FORMAT_IGN2,
	SIGDB_FORMAT_IGN,
	SIGDB_FORMAT_PLAIN,
	SIGDB_FORMAT_SNAPSHOT,
	SIGDB_FORMAT_CONTAINER, /* .cvd .cld .cud */
	SIGDB_FORMAT_OTHER,     /* a ClamAV database kind partscan does not use (.ndb, .ldb, ...) */
	SIGDB_FORMAT_MDB,       /* PE section hashes, MD5: Size:Hash:Name */
	SIGDB_FORMAT_MSB,       /* PE section hashes, SHA-1 / SHA-256 */
	SIGDB_FORMAT_MDU,       /* .mdb, PUA */
	SIGDB_FORMAT_MSU,       /* .msb, PUA */
	SIGDB_FORMAT_IMP,       /* PE import table hashes: Hash:Size:Name */
	SIGDB_FORMAT__COUNT
};

/*
 * What a signature's hash is taken over: the whole part (.hdb and friends), one section of a
 * PE (.mdb .msb: the raw bytes as libclamav takes them, see pe.h), or a PE's import list
 * (.imp: the "dll.function,..." string of pe_imports()). Each target has tables of its own.
 */
enum sigdb_target {
	SIGDB_TARGET_FILE = 0,
	SIGDB_TARGET_PE_SECTION,
	SIGDB_TARGET_PE_IMPORTS,
	SIGDB_TARGET__COUNT
};

struct sigdb_options {
	bool strict;         /* a malformed line refuses the whole file (default: skip + warn) */
	bool pua;            /* load .hdu / .hsu / .mdu / .msu */
	unsigned int flevel; /* 0: SIGDB_FLEVEL */
	/*
	 * Called for every warning (malformed line as "file:line: reason", skipped file, ...).
	 * At most SIGDB_MAX_LINE_WARNINGS per file are reported line by line; the rest are
	 * summed up in one message. NULL: warnings are only counted.
	 */
	void (*warn)(void *ctx, const char *message);
	void *warn_ctx;

	/* ClamAV containers (.cvd .cld .cud); 0 / NULL: the defaults below */
	/*
	 * CA certificates (*.crt, *.pem) that detached NAME-VERSION.cvd.sign files are checked
	 * against. NULL: $CVD_CERTS_DIR (ClamAV's variable), else SIGDB_CERT_DIR.
	 */
	const char *cert_dir;
	uint64_t cvd_max_member;      /* bytes of one container member: SIGDB_CVD_MAX_MEMBER */
	unsigned int cvd_max_members; /* members of one container: SIGDB_CVD_MAX_MEMBERS */
	uint64_t cvd_max_total;    /* bytes of all members of one container: SIGDB_CVD_MAX_TOTAL */
	unsigned int max_age_days; /* a daily container older than this is warned about: 7 */
	int64_t verify_time;       /* certificates are checked at this time (epoch s); 0: now */
	/*
	 * FOR TESTS ONLY: accept a .cvd / .cld that carries no signature at all (no .sign, no
	 * header signature, no DSIG in its .info). A signature that is present and wrong is still
	 * refused, and so is a mismatching MD5, size or SHA-256. Never set this in production.
	 */
	bool allow_unsigned;
};

#define SIGDB_MAX_LINE_WARNINGS 10

#define SIGDB_CERT_DIR         "/etc/clamav/certs" /* where Debian-style ClamAV 1.5 keeps them */
#define SIGDB_CVD_MAX_MEMBER   (512ull * 1024 * 1024)
#define SIGDB_CVD_MAX_MEMBERS  10000u
#define SIGDB_CVD_MAX_TOTAL    (4ull * 1024 * 1024 * 1024)
#define SIGDB_CVD_MAX_AGE_DAYS 7u

/* How a ClamAV container was verified. */
enum sigdb_verify {
	SIGDB_VERIFY_NONE = 0, /* not a container, or not verified (rejected / superseded) */
	SIGDB_VERIFY_SIGN,     /* a detached NAME-VERSION.cvd.sign (PKCS#7) and the CA store */
	SIGDB_VERIFY_LEGACY,   /* the header: MD5 of the body, RSA-signed with ClamAV's key */
	SIGDB_VERIFY_INFO,     /* .cld: its signed .info lists every used member's SHA-256 */
	SIGDB_VERIFY_CUD,      /* .cud: unsigned by design; sizes and SHA-256 of its .info */
	SIGDB_VERIFY_UNSIGNED, /* no signature, accepted because allow_unsigned is set (tests) */
	SIGDB_VERIFY__COUNT
};

/*
 * What says that a file on disk is still the one that was read: a file rewritten in place
 * (cp over it, truncate) changes size or times, one renamed over it or a directory swapped
 * with mv changes the inode, one deleted and recreated changes the inode or the ctime.
 * A zero stamp (ino 0) means unknown.
 */
struct sigdb_stamp {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
};

struct stat;
/* The stamp of a stat() result. */
void sigdb_stamp_from_stat(const struct stat *st, struct sigdb_stamp *stamp_r);
/* stat() path into *stamp_r. Returns 0, or -1 with errno set. */
int sigdb_stamp_path(const char *path, struct sigdb_stamp *stamp_r);
bool sigdb_stamp_equal(const struct sigdb_stamp *a, const struct sigdb_stamp *b);

/* Provenance of one loaded file (or container member). */
struct sigdb_source {
	char *path; /* as found */
	char *name; /* base name */
	enum sigdb_format format;
	int64_t mtime;            /* seconds since the epoch */
	uint64_t size;            /* bytes */
	struct sigdb_stamp stamp; /* the file as it was read (members: their container's);
	                             zero in the sources a snapshot lists */
	char *version; /* "daily 27000 (2024-01-01T09:15:00Z, 123456 signatures)", or NULL */
	unsigned int counts[SIGDB_KIND__COUNT][DIGEST__COUNT]; /* signatures loaded */
	unsigned int star[DIGEST__COUNT];                      /* ... of which with size `*` */
	unsigned int lines;                                    /* lines read */
	unsigned int bad_lines;      /* malformed (skipped, or refused in strict mode) */
	unsigned int skipped_flevel; /* outside our functionality level */
	unsigned int skipped_pua;    /* PUA signatures not loaded */
	unsigned int ignored;        /* dropped by an .ign2 / .ign entry */
	unsigned int ign_entries;    /* for .ign2 / .ign files: entries read */
	unsigned int unused;         /* container members of kinds partscan does not use */
	char *first_error;           /* the first malformed line's message, or NULL */
	bool refused;                /* strict mode: a malformed line refused the whole file */
	/* private: the range of the name pool that holds this source's names */
	uint32_t pool_begin, pool_end;

	/*
	 * ClamAV containers. The container itself is a source of format SIGDB_FORMAT_CONTAINER
	 * (no signatures of its own); each hash member it loads follows it as a source of its
	 * own ("daily.cvd:daily.hdb", named "daily.hdb") with the same container fields.
	 */
	char *container;      /* members: the container's path; NULL for anything else */
	char *cvd_name;       /* the database: "daily" */
	uint32_t cvd_version; /* from the header (verified: see verify) */
	uint32_t cvd_sigs;    /* signatures of all kinds the header announces */
	uint32_t cvd_flevel;  /* functionality level the header asks for */
	int64_t built;        /* build time from the header, seconds since the epoch (0: none) */
	enum sigdb_verify verify;
	char *verify_detail; /* the signer, signature file or key that verified it */
	bool rejected;       /* could not be verified or read: nothing of it is loaded */
	bool superseded;     /* a newer container of the same database is loaded instead */
	char *reject_reason; /* why it is rejected or superseded */
	char *unused_detail; /* container: member kinds not used, "cbc 3, ldb 1", or NULL */
};

/* One signature that matched. Pointers stay valid while the caller holds a reference. */
struct sigdb_match {
	const char *name;
	enum sigdb_kind kind;
	enum digest_type type;
	enum sigdb_target target;
	const struct sigdb_source *source;
};

struct sigdb;

/*
 * Load signatures from files and directories (NULL-terminated list). A directory contributes
 * its files with a known extension (not recursively), in name order; .ign2/.ign entries apply
 * to every path. A single path that is a compiled snapshot is opened instead.
 * A ClamAV container is verified (see enum sigdb_verify); one that fails is recorded as a
 * rejected source with the reason (and warned about), and the rest still loads; of several
 * containers of one database, the newest verified one loads, the others are superseded.
 * Returns 0, or -1 with error set: an unreadable path (a container too), a malformed line in
 * strict mode, a corrupt snapshot. A database with zero signatures is not an error.
 */
int sigdb_load(const char *const *paths, const struct sigdb_options *opts, struct sigdb **db_r,
               GError **error);

/*
 * Open a compiled snapshot (no parsing): the file is read into private memory, so that a file
 * rewritten or truncated later cannot change (or fault) the loaded signatures. A file that
 * changes while it is read is refused. Returns 0, or -1 with a clear reason.
 */
int sigdb_open_snapshot(const char *path, struct sigdb **db_r, GError **error);

/*
 * Write db as a compiled snapshot to path, only ever by rename: a temporary file beside it,
 * fsync, rename over path. A reader sees the old file or the new one, never a mixture.
 */
int sigdb_compile(const struct sigdb *db, const char *path, GError **error);

/* true when the file starts with the snapshot magic. */
bool sigdb_is_snapshot(const char *path);

struct sigdb *sigdb_ref(struct sigdb *db);
void sigdb_unref(struct sigdb **db);

/*
 * Mask of DIGEST_BIT()s a part of this size must have computed to be looked up at all: a type
 * with `*` signatures, or (whole parts) with size-1 SHA-1 / SHA-256 allow-list entries, is in
 * every mask.
 */
unsigned int sigdb_digests_for_size(const struct sigdb *db, uint64_t size);
/* The same for a target: a PE section of this size, an import string of this length. */
unsigned int sigdb_digests_for(const struct sigdb *db, enum sigdb_target target, uint64_t size);
/* true when some signature of this target is loaded (any type, any size). */
bool sigdb_has_target(const struct sigdb *db, enum sigdb_target target);

/*
 * Every signature of this type matching (hash, size), either exactly or with size `*`, and
 * the allow-list entries (.fp .sfp) of a SHA-1 or SHA-256 with size 1, which match any size
 * (as in libclamav's cli_check_fp: the size its catalog hashes are stored with).
 * Fills at most max matches and returns how many there are in all.
 */
size_t sigdb_lookup(const struct sigdb *db, enum digest_type type, const unsigned char *hash,
                    uint64_t size, struct sigdb_match *matches, size_t max);
/*
 * true when an allow-list entry (.fp .sfp) of db holds one of the digests in set (those of
 * set->mask) at this size: what clears a part at scan time clears it in a retro-hunt too.
 */
bool sigdb_allowed(const struct sigdb *db, const struct digest_set *set, uint64_t size);
/* sigdb_lookup() in the tables of a target. */
size_t sigdb_lookup_target(const struct sigdb *db, enum sigdb_target target, enum digest_type type,
                           const unsigned char *hash, uint64_t size, struct sigdb_match *matches,
                           size_t max);

/* The size of a signature that matches any size (`*`). */
#define SIGDB_SIZE_ANY UINT64_MAX

/* One signature as sigdb_foreach() and sigdb_diff() hand it out; valid during the callback. */
struct sigdb_sig {
	const char *name;
	enum sigdb_kind kind;
	enum digest_type type;
	enum sigdb_target target;
	const unsigned char *hash; /* digest_len(type) bytes */
	uint64_t size;             /* SIGDB_SIZE_ANY for `*` */
	const struct sigdb_source *source;
};

/* Return 0 to go on, non-zero to stop (the walk then returns that value). */
typedef int (*sigdb_sig_cb)(void *ctx, const struct sigdb_sig *sig);

/*
 * Every signature of db, of every kind (allow-list entries too: see sig->kind), table by
 * table (target, then MD5, SHA-1, SHA-256), each in (size, hash) order. Returns 0 or the
 * callback's non-zero value.
 */
int sigdb_foreach(const struct sigdb *db, sigdb_sig_cb cb, void *ctx);

/*
 * The detections (SIGDB_DETECT and SIGDB_PUA) that new has and old has not: those whose
 * (target, digest type, size, hash, kind) old had no signature for. A signature renamed under
 * the same hash (a revision bump) is not new: it matched the same parts before; a new hash
 * under several names is reported once per name. Found by walking both
 * sorted tables in step, so a daily update against millions costs one pass, no lookups.
 * The allow list of new applies as at scan time: a detection whose hash and size (or `*`) an
 * allow-list entry of the same digest type holds is left out; and a detection old had but
 * allow-listed, and new no longer allow-lists, counts as new. (.ign2 entries were dropped at
 * load.) old may be NULL (everything of new). Returns 0 or the callback's non-zero value.
 */
int sigdb_diff(const struct sigdb *old, const struct sigdb *new_db, sigdb_sig_cb cb, void *ctx);

/* A number unique to this database within the process (for caches and logs). */
uint64_t sigdb_generation(const struct sigdb *db);
/* Total signatures loaded (all kinds and types). */
size_t sigdb_count(const struct sigdb *db);
/* Signatures of one kind and type (all targets). */
size_t sigdb_count_of(const struct sigdb *db, enum sigdb_kind kind, enum digest_type type);
/* Signatures of one target (all kinds and types). */
size_t sigdb_count_target(const struct sigdb *db, enum sigdb_target target);
/*
 * Append the signatures per target, for logs, `db info` and VERSION replies, to out:
 * "file 2000000, pe-section 4058809, pe-imports 12\n".
 */
void sigdb_describe_targets(const struct sigdb *db, GString *out);

size_t sigdb_source_count(const struct sigdb *db);
const struct sigdb_source *sigdb_source_get(const struct sigdb *db, size_t i);
/* Path of the snapshot this database was opened from, or NULL when loaded from text. */
const char *sigdb_snapshot_path(const struct sigdb *db);
/* The stamp of the snapshot file as it was read, or NULL when loaded from text. */
const struct sigdb_stamp *sigdb_snapshot_stamp(const struct sigdb *db);

/*
 * The loaded container of a database ("daily", "main"...): not rejected, not superseded;
 * NULL when none is loaded.
 */
const struct sigdb_source *sigdb_container_find(const struct sigdb *db, const char *cvd_name);
/* The oldest build time of the loaded containers (seconds since the epoch), 0 when none. */
int64_t sigdb_oldest_container_time(const struct sigdb *db);
/*
 * One line naming every loaded container, for logs and VERSION replies:
 * "bytecode 19 2010-05-14T13:57:10Z, daily 27000 2024-01-01T09:15:00Z"; NULL when none.
 * g_free() it.
 */
char *sigdb_containers_describe(const struct sigdb *db);
/* "none", "sign", "legacy", "info", "cud", "unsigned". */
const char *sigdb_verify_name(enum sigdb_verify verify);

/*
 * Append to out what paths (files or directories) hold on disk, loading nothing: per file its
 * format, size and mtime; for a container its header (database, version, build time,
 * signatures; not verified).
 */
void sigdb_describe_disk(const char *const *paths, GString *out);

/* The format a file name's extension announces (SIGDB_FORMAT_UNKNOWN when none). */
enum sigdb_format sigdb_format_from_name(const char *name);
/* "hdb", "hsb", ..., "plain", "snapshot", "container". */
const char *sigdb_format_name(enum sigdb_format format);
/* "detect", "pua", "allow". */
const char *sigdb_kind_name(enum sigdb_kind kind);
/* The target of a format's signatures (SIGDB_TARGET_FILE for all but .mdb .msb .mdu .msu .imp). */
enum sigdb_target sigdb_format_target(enum sigdb_format format);
/* "file", "pe-section", "pe-imports". */
const char *sigdb_target_name(enum sigdb_target target);

#endif
