#ifndef PARTSCAN_STATS_H
#define PARTSCAN_STATS_H

/*
 * stats: the daemon's counters, for the control socket's STATS (JSON) and the metrics
 * endpoint (metrics.h). Every counter is an atomic 64-bit integer; no lock is taken on the
 * message path, and none by a reader. Thread safe.
 *
 * Names seen in mail (signature and database names) are counted in fixed tables of their
 * own (STATS_SIG_SLOTS, STATS_DB_SLOTS): a flood of distinct names cannot grow memory or the
 * number of metric series; what does not fit is counted as "other".
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "engine/ftype.h"
#include "mime/msgscan.h"
#include "policy/policy.h"

/* Upper bounds (ms) of the scan-time histogram buckets; the last bucket is open. */
#define STATS_BUCKETS 12

/*
 * How a detection matched: the `kind` label of partscan_detections_total. Adding a kind is one
 * line here (its enum name and its label value); stats_report() decides which applies.
 */
#define STATS_DETECTION_KINDS(X)                                                                   \
	X(FILE, "file")               /* the whole part's hash */                                  \
	X(PE_SECTION, "pe-section")   /* a PE section's hash (.mdb .msb) */                        \
	X(PE_IMPORTS, "pe-imports")   /* a PE's import table hash (.imp) */                        \
	X(ALLOWLISTED, "allowlisted") /* an allow-list entry cleared the part */

enum stats_detection_kind {
#define STATS_KIND_ENUM(id, name) STATS_DETECT_##id,
	STATS_DETECTION_KINDS(STATS_KIND_ENUM)
#undef STATS_KIND_ENUM
	        STATS_DETECT__COUNT
};

/* Signature names tracked for the top-N of the last day (more: counted as "other"). */
#define STATS_SIG_SLOTS 1024
/* Databases tracked by name (more: counted as database "other"). */
#define STATS_DB_SLOTS 64
/* Bytes kept of a name (longer ones are cut at a UTF-8 character boundary). */
#define STATS_NAME_MAX 96

void stats_init(void);
void stats_message(enum policy_class cls, enum conf_action action, unsigned int parts,
                   uint64_t bytes, double scan_ms);
void stats_skipped(void);
void stats_error(void);
void stats_reload(bool ok);
/* A JSON log record could not be written (a full disk): it is lost, and counted. */
void stats_log_lost(void);
/* One retro-hunt ended: signatures looked up, new hits reported, its time, whether it ran
   to the end (false: the index failed). */
void stats_retro(uint64_t signatures, uint64_t hits, double seconds, bool ok);
/* A scan starts / ends: tracks current and peak concurrency. */
void stats_scan_begin(void);
void stats_scan_end(void);
/* Connections open now. */
void stats_connection(int delta);

/* Workers configured (the scan bound). */
void stats_workers(unsigned int n);
/* A scan had to wait for a worker slot: the wait begins / ends (seconds waited). */
void stats_wait_begin(void);
void stats_wait_end(double seconds);
/* A finished scan's report: parts by family, bytes scanned, detections by kind and database,
   signature counts for the top N. */
void stats_report(const struct msg_report *report);
/* One detection (what stats_report() counts per finding). db and signature may be NULL. */
void stats_detection(enum stats_detection_kind kind, const char *db, const char *signature);
const char *stats_detection_kind_name(enum stats_detection_kind kind);

/* A consistent-enough read of every counter (each one read atomically), for metrics. */
struct stats_view {
	int64_t started; /* wall clock, microseconds */
	uint64_t messages, skipped, errors, parts, bytes, scanned_bytes, unscanned_parts;
	uint64_t classes[POLICY_CLASS__COUNT];
	uint64_t actions[CONF_ACTION__COUNT];
	uint64_t families[FTYPE_FAMILY__COUNT];
	uint64_t hist[STATS_BUCKETS], wait_hist[STATS_BUCKETS];
	uint64_t scan_us_total, wait_us_total, waits;
	uint64_t reloads_ok, reloads_failed, log_lost;
	uint64_t retro_hunts, retro_signatures, retro_hits, retro_errors, retro_last_ms;
	int64_t retro_last; /* seconds since the epoch; 0: none yet */
	int scanning, scanning_peak, connections, waiting;
	unsigned int workers;
};
void stats_read(struct stats_view *v);
/* Upper bound of histogram bucket b (ms), b < STATS_BUCKETS - 1. */
unsigned int stats_bucket_bound(unsigned int b);

/* Detections by database (iterator): i from 0; 1 with the name (copied into name_r, size
   STATS_NAME_MAX) and counts, 0 at the end. The last item is "other", always present. */
int stats_db_next(unsigned int *i, char *name_r, uint64_t counts_r[STATS_DETECT__COUNT]);

/* The n signatures detected most in the last 24 hours (fewer when fewer were), into names
   (n * STATS_NAME_MAX bytes) and counts; returns how many. *other_r: detections in the last
   day of names that did not fit the table. */
unsigned int stats_top_signatures(unsigned int n, char *names, uint64_t *counts, uint64_t *other_r);

/* For tests: zero every counter and table. Call while nothing else counts. */
void stats_reset(void);

/* The counters as one JSON object (signatures from the current snapshot). */
char *stats_json(size_t signatures, uint64_t generation);

#endif
