#ifndef PARTSCAN_CACHE_H
#define PARTSCAN_CACHE_H

/*
 * cache: a bounded LRU of scan verdicts keyed by (SHA-256, size, DB generation). A new
 * database generation makes every older entry unreachable (they age out), so a reload never
 * serves a verdict computed against other signatures. Values are opaque GBytes owned by the
 * cache (a get returns a new reference). Thread safe: one mutex; the critical sections are a
 * hash lookup and a list splice.
 */

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

struct cache_key {
	unsigned char sha256[32];
	uint64_t size;
	uint64_t generation;
};

struct cache_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t inserts;
	uint64_t evictions;
	size_t entries;
	size_t max_entries;
};

struct cache;

#define CACHE_DEFAULT_ENTRIES 65536

/* A cache of at most max_entries values (0: CACHE_DEFAULT_ENTRIES). */
struct cache *cache_new(size_t max_entries);
void cache_free(struct cache **cache);

/* A new reference to the value stored for key (marked most recently used), or NULL. */
GBytes *cache_get(struct cache *cache, const struct cache_key *key);
/* Store value for key (the cache takes its own reference), evicting the least recently used. */
void cache_put(struct cache *cache, const struct cache_key *key, GBytes *value);
void cache_get_stats(struct cache *cache, struct cache_stats *stats_r);

#endif
