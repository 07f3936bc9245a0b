#ifndef PARTSCAN_INDEX_H
#define PARTSCAN_INDEX_H

/*
 * index: the hashes of every delivered message's parts, kept so that partscan can look back
 * when new signatures arrive (the retro-hunt) and answer `partscan hunt`.
 *
 * Hashes and metadata only, never content. One schema, two drivers: SQLite (one file, WAL;
 * the default: a single host needs nothing else) and PostgreSQL (several MTAs share one index).
 * The schema is versioned; opening an index migrates it forward.
 *
 * Writes leave the scan path: index_submit() puts a record on a bounded queue and returns at
 * once; one writer thread batches the queue into transactions. A full queue or a database that
 * is down drops records, counted (index_stats), and mail flows unchanged. The writer also
 * prunes what is older than keep_days, in the background.
 *
 * The queries (index_find, index_hit_record) are synchronous and run on the caller's own
 * connection: the CLI, and the retro-hunt thread of the milter.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/digest.h"

/* One part of a message as the index keeps it. */
struct index_part {
	char *path;                /* "2/zip:invoice.exe" */
	char *name;                /* file name, or NULL */
	char *type;                /* real type (ftype name) */
	uint64_t size;             /* bytes scanned */
	struct digest_set digests; /* SHA-256 always; MD5 / SHA-1 where computed (see mask) */
};

/* One message. Owned by the index once submitted. */
struct index_msg {
	int64_t time;     /* seconds since the epoch */
	char *queue_id;   /* or NULL */
	char *message_id; /* or NULL */
	char *client;     /* "name [addr]", or NULL */
	char *sender;     /* envelope sender, or NULL */
	GPtrArray *rcpts; /* char *, owned; may be NULL */
	char *verdict;    /* "clean", "infected", "unscannable", ... */
	char *action;     /* "accept", "reject", "tempfail", "discard", "quarantine", ... */
	GPtrArray *parts; /* struct index_part *, owned; may be NULL */
};

struct index_part *index_part_new(void);
void index_part_free(struct index_part *part);
struct index_msg *index_msg_new(void);
void index_msg_free(struct index_msg *msg);

#define INDEX_KEEP_DAYS 30u
#define INDEX_QUEUE_MAX 10000u
#define INDEX_BATCH_MAX 500u

struct index_options {
	/* "sqlite:///var/lib/partscan/index.db", a plain path (SQLite), or "postgresql://..." /
	   "postgres://..." (any libpq connection URI, e.g. a unix socket via ?host=/dir). */
	const char *url;
	unsigned int keep_days; /* 0: INDEX_KEEP_DAYS */
	unsigned int queue_max; /* records waiting for the writer; 0: INDEX_QUEUE_MAX */
	/* Start the writer thread (the milter). The CLI opens without one: queries only. */
	bool writer;
	/*
	 * With a writer: a database that cannot be reached at open is not an error; the writer
	 * keeps retrying (and dropping, counted) until it can. Without: open fails with the reason.
	 * A corrupt SQLite file is always refused with a clear message.
	 */
	bool lazy;
	/* Where the writer reports failures and drops (rate-limited); NULL: g_warning. */
	void (*log)(const char *msg);
};

struct index;

/* Errors of index_open, index_find, index_hit_record: the domain and its codes. */
#define INDEX_ERROR index_error_quark()
GQuark index_error_quark(void);
enum index_error {
	INDEX_ERROR_FAILED,      /* anything else (the message says what) */
	INDEX_ERROR_CORRUPT,     /* the database is damaged or not an index: refused */
	INDEX_ERROR_UNAVAILABLE, /* cannot be reached now (down, locked, missing file) */
	INDEX_ERROR_VERSION,     /* written by a newer partscan (schema version too high) */
};

int index_open(const struct index_options *opts, struct index **idx_r, GError **error);
/* Stops the writer (what is queued is written first, within a few seconds) and closes. */
void index_close(struct index **idx);

/* Queue msg for the writer (ownership passes). Never blocks. false: dropped (counted). */
bool index_submit(struct index *idx, struct index_msg *msg);

struct index_stats {
	uint64_t submitted;  /* messages handed to index_submit */
	uint64_t written;    /* messages written */
	uint64_t parts;      /* part rows written */
	uint64_t dropped;    /* messages dropped: queue full, database down or failing */
	uint64_t errors;     /* failed writes (logged, at most once a minute) */
	uint64_t pruned;     /* messages removed by retention */
	uint64_t retro_hits; /* new hits recorded by index_hit_record */
	unsigned int queued; /* waiting now */
	bool up;             /* the last write or connect worked */
};
void index_get_stats(struct index *idx, struct index_stats *stats_r);

/* Wait until everything submitted so far is written or dropped (tests, shutdown). */
void index_flush(struct index *idx);

/* What to look for: a hash of a type, and the size it must have (INDEX_ANY_SIZE: any). */
#define INDEX_ANY_SIZE UINT64_MAX
struct index_query {
	enum digest_type type;
	unsigned char hash[DIGEST_MAX_LEN];
	uint64_t size;
};

/* One part found, with its message. Valid only during the callback. */
struct index_found {
	size_t query;    /* which index_query matched */
	int64_t msg_key; /* the message's key in the index (for index_hit_record) */
	int64_t time;
	const char *queue_id, *message_id, *client, *sender, *verdict, *action;
	const char *const *rcpts; /* NULL-terminated */
	const char *path, *name, *type;
	uint64_t size;
	const struct digest_set *digests;
};

/* Return 0 to go on, non-zero to stop (index_find then returns that value). */
typedef int (*index_found_cb)(void *ctx, const struct index_found *found);

/*
 * Every part whose digest matches one of the queries, among messages with since <= time <
 * until (0: unbounded), oldest first. Queries are looked up in batches (thousands per
 * statement), so 100,000 new signatures cost seconds, not minutes. Returns 0, the callback's
 * non-zero value, or -1 with error set. No transaction is open while the callback runs (the
 * rows found are copied into a temporary table first, then read a page at a time), so a
 * caller may take its time without holding back the WAL (SQLite) or VACUUM (PostgreSQL).
 */
int index_find(struct index *idx, const struct index_query *queries, size_t n, int64_t since,
               int64_t until, index_found_cb cb, void *ctx, GError **error);

/*
 * Interrupt the lookup running on idx's query connection (index_find, index_hit_record; from
 * any thread: the daemon's stop) and make every later one fail at once. The interrupted call
 * returns -1 ("canceled"). Returns when that call has ended, or after a few seconds.
 * PostgreSQL: a cancel request to the server (PQcancel); SQLite: sqlite3_interrupt.
 * Thread safe. The writer is not affected (index_close still writes what is queued).
 */
void index_cancel(struct index *idx);

/*
 * Record that a part of a message matched a signature, once: a unique key over (message,
 * part path, signature name, hash), so several instances sharing one PostgreSQL index and each
 * reloading report a hit only once. Returns 1 when this call recorded it (report it), 0 when it
 * was already recorded, -1 with error set.
 */
int index_hit_record(struct index *idx, int64_t msg_key, const char *path, const char *sig_name,
                     enum digest_type type, const unsigned char *hash, GError **error);

/*
 * Ask the writer for a retention pass now (it also runs one at start and every hour):
 * messages older than keep_days go, with their parts, recipients and hits. index_flush waits
 * for it. No-op without a writer.
 */
void index_prune_request(struct index *idx);

/* "sqlite" or "postgresql". */
const char *index_driver_name(const struct index *idx);

/*
 * url as it may be shown (logs, STATS): a PostgreSQL URI's password, in its user info or as
 * its password= parameter, becomes "***". Returns a new string (g_free).
 */
char *index_url_redacted(const char *url);

/*
 * The same passwords overwritten with '*' in place, url keeping its length: for a command line
 * that ps and /proc/PID/cmdline show to every user, once the option's value has been copied.
 */
void index_url_scrub(char *url);

#endif
