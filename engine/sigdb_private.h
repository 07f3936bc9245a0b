#ifndef PARTSCAN_SIGDB_PRIVATE_H
#define PARTSCAN_SIGDB_PRIVATE_H

/* Internals shared by sigdb.c (lookups), sigdb_load.c (text) and sigdb_snapshot.c (compiled). */

#include "engine/sigdb.h"

#include <string.h>

/* Size value of a `*` signature: sorts after every real size. */
#define SIGDB_STAR 0xffffffffu

/*
 * One table per digest type: records of (uint32 size, uint32 name offset, hash), sorted by
 * (size, hash), `*` records last. Record sizes are 24 / 28 / 40 bytes, 4-aligned, so the
 * same bytes serve in memory and in a snapshot.
 */
/* Tables: one per (target, digest type), index SIGDB_TABLE(target, type). */
#define SIGDB_N_TABLES            (SIGDB_TARGET__COUNT * DIGEST__COUNT)
#define SIGDB_TABLE(target, type) ((int)(target)*DIGEST__COUNT + (int)(type))
#define SIGDB_TABLE_TYPE(t)       ((enum digest_type)((t) % DIGEST__COUNT))

struct sigdb_table {
	unsigned char *recs;
	size_t count;
	size_t cap;  /* records allocated (0: recs points into a snapshot) */
	size_t star; /* trailing `*` records */
	size_t rec_size;
	/*
	 * Allow-list records of size 1 in the whole-part SHA-1 and SHA-256 tables, which match
	 * any size (libclamav's convention, cli_check_fp: catalog hashes are stored at size 1).
	 * Counted by sigdb_count_allow_one(), never stored in a snapshot.
	 */
	size_t allow_one;
};

#define SIGDB_REC_HDR 8

/*
 * The name pool holds entries, each starting with a tag byte:
 *   SIGDB_NAME_LITERAL  the name, NUL-terminated
 *   SIGDB_NAME_STEMMED  uint32 pool offset of a literal stem, uint32 id, uint8 revision:
 *                       the name "<stem>-<id>-<revision>" (ClamAV's naming scheme)
 * A record's name offset points at its entry. Stemmed names cost 10 bytes instead of ~30;
 * they are spelled out on a match, once per database, into a memo guarded by a mutex.
 */
#define SIGDB_NAME_LITERAL     0
#define SIGDB_NAME_STEMMED     1
#define SIGDB_NAME_STEMMED_LEN 10

struct sigdb_memo {
	GMutex lock;
	GHashTable *names; /* pool offset -> spelled-out name */
};

struct sigdb {
	gint refcount;
	uint64_t generation;
	unsigned int flevel;
	struct sigdb_source *sources;
	size_t n_sources;
	struct sigdb_table tables[SIGDB_N_TABLES];
	char *names; /* pool of NUL-terminated names */
	size_t names_len;
	size_t names_cap; /* 0: names points into a snapshot */
	void *snap_buf;   /* the snapshot's bytes (g_malloc'd), or NULL */
	char *snapshot_path;
	struct sigdb_stamp snapshot_stamp;
	struct sigdb_memo memo;
};

static inline uint32_t sigdb_rec_size_of(const unsigned char *rec)
{
	uint32_t v;
	memcpy(&v, rec, 4);
	return v;
}

static inline uint32_t sigdb_rec_name_of(const unsigned char *rec)
{
	uint32_t v;
	memcpy(&v, rec + 4, 4);
	return v;
}

struct sigdb *sigdb_new_empty(void);
/* The name of the pool entry at off (spelled out on first use); "(corrupt)" if damaged. */
const char *sigdb_name_at(const struct sigdb *db, uint32_t off);
uint64_t sigdb_next_generation(void);
/* Sort a table by (size, hash) and count its `*` records. */
void sigdb_table_sort(struct sigdb_table *table);
/* Count each table's allow_one records; once the tables are sorted and the sources known. */
void sigdb_count_allow_one(struct sigdb *db);
/* true when table t holds an allow-list record of size 1 for hash that matches any size. */
bool sigdb_allow_one_holds(const struct sigdb *db, int t, const unsigned char *hash);
/* The kind of the signatures a source format holds. */
enum sigdb_kind sigdb_format_kind(enum sigdb_format format);
void sigdb_source_clear(struct sigdb_source *src);
/* The source whose name pool range holds off, or NULL. */
const struct sigdb_source *sigdb_source_of_name(const struct sigdb *db, uint32_t off);

#endif
