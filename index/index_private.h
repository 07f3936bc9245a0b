#ifndef PARTSCAN_INDEX_PRIVATE_H
#define PARTSCAN_INDEX_PRIVATE_H

/*
 * index_private: the driver interface behind index.c. A driver owns connections; index.c
 * owns the queue, the writer thread, the statistics and the choice of driver. A connection is
 * used by one thread at a time (index.c serialises).
 */

#include "index/index.h"

struct index_conn;

struct index_driver {
	const char *name; /* "sqlite", "postgresql" */
	/*
	 * Connect to target (a file path for SQLite, a libpq URI). create: make the database when
	 * missing (the writer). A file that is not a database at all fails here. The error code is INDEX_ERROR_CORRUPT for a damaged database, INDEX_ERROR_UNAVAILABLE when
	 * it cannot be reached now (retry later), INDEX_ERROR_FAILED otherwise.
	 */
	int (*open)(const char *target, bool create, struct index_conn **conn_r, GError **error);
	/*
	 * Check the database's integrity (SQLite: PRAGMA quick_check, which reads every page: the
	 * writer runs it in the background, not at open). INDEX_ERROR_CORRUPT when damaged.
	 */
	int (*verify)(struct index_conn *conn, GError **error);
	/* Bring the schema to the current version (versioned steps, each in a transaction). */
	int (*migrate)(struct index_conn *conn, GError **error);
	/* Write msgs in one transaction; *parts_r: part rows written. */
	int (*insert)(struct index_conn *conn, struct index_msg *const *msgs, size_t n,
	              uint64_t *parts_r, GError **error);
	int (*find)(struct index_conn *conn, const struct index_query *queries, size_t n,
	            int64_t since, int64_t until, index_found_cb cb, void *ctx, GError **error);
	int (*hit_record)(struct index_conn *conn, int64_t msg_key, const char *path,
	                  const char *sig_name, const unsigned char *hash, size_t hash_len,
	                  int64_t now, GError **error);
	/* Remove at most limit messages (and their rows) older than before; *pruned_r: removed. */
	int (*prune)(struct index_conn *conn, int64_t before, unsigned int limit,
	             uint64_t *pruned_r, GError **error);
	/*
	 * Interrupt the statement running on conn, from another thread (thread safe; conn stays
	 * open meanwhile): the running call fails. A no-op when nothing runs.
	 */
	void (*cancel)(struct index_conn *conn);
	/* Whether the connection is still usable after an error (PostgreSQL: reconnect if not). */
	bool (*alive)(struct index_conn *conn);
	void (*close)(struct index_conn **conn);
};

extern const struct index_driver index_driver_sqlite;
extern const struct index_driver index_driver_pg;

/* The schema version both drivers migrate to. */
#define INDEX_SCHEMA_VERSION 1

#endif
