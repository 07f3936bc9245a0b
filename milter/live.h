#ifndef PARTSCAN_LIVE_H
#define PARTSCAN_LIVE_H

/*
 * live: the current (configuration, signatures) snapshot that messages are scanned with.
 *
 * A message takes a reference when it starts (live_acquire) and drops it when it ends; a
 * reload builds a new snapshot beside the old one and publishes it with one pointer swap.
 * In-flight messages finish on the snapshot they started with; the old one is freed when its
 * last message ends. Thread safe.
 */

#include <glib.h>
#include <stdint.h>

#include "conf/conf.h"
#include "engine/cache.h"
#include "engine/sigdb.h"

struct live {
	gint refcount;
	struct conf *conf;
	struct sigdb *db;    /* NULL: no signatures (on_no_database = tempfail) */
	gint64 loaded_at;    /* wall clock, microseconds */
	double load_seconds; /* time the signatures took to load */
	char *load_error;    /* why db is NULL, or NULL */
};

/* A snapshot that owns conf and db (either may be NULL: db NULL means no signatures). */
struct live *live_new(struct conf *conf, struct sigdb *db, double load_seconds);

/* A new reference to the current snapshot, or NULL before the first live_publish(). */
struct live *live_acquire(void);
struct live *live_ref(struct live *live);
void live_release(struct live **live);

/* Make live the current snapshot (takes the caller's reference), drop the previous one. */
void live_publish(struct live *live);

/* The verdict cache shared by every snapshot (keys carry the DB generation). */
struct cache *live_cache(void);

/* Drop the current snapshot and the cache (at exit). */
void live_shutdown(void);

#endif
