#ifndef PARTSCAN_STATS_H
#define PARTSCAN_STATS_H

/*
 * stats: the daemon's counters, for the control socket's STATS (JSON). Every counter is an
 * atomic 64-bit integer; no lock is taken on the message path. Thread safe.
 */

#include <glib.h>
#include <stdint.h>

#include "conf/conf.h"
#include "policy/policy.h"

/* Upper bounds (ms) of the scan-time histogram buckets; the last bucket is open. */
#define STATS_BUCKETS 12

void stats_init(void);
void stats_message(enum policy_class cls, enum conf_action action, unsigned int parts,
                   uint64_t bytes, double scan_ms);
void stats_skipped(void);
void stats_error(void);
void stats_reload(bool ok);
/* A JSON log record could not be written (a full disk): it is lost, and counted. */
void stats_log_lost(void);
/* A scan starts / ends: tracks current and peak concurrency. */
void stats_scan_begin(void);
void stats_scan_end(void);
/* Connections open now. */
void stats_connection(int delta);

/* The counters as one JSON object (signatures from the current snapshot). */
char *stats_json(size_t signatures, uint64_t generation);

#endif
