#ifndef PARTSCAN_METRICS_H
#define PARTSCAN_METRICS_H

/*
 * metrics: the read-only HTTP endpoint for Prometheus ([metrics] listen), served by
 * libmicrohttpd on a thread of its own:
 *
 *   /metrics   the Prometheus text exposition format (0.0.4)
 *   /healthz   200 while the process runs
 *   /readyz    200 when signatures are loaded, not stale and the workers not saturated;
 *              503 with the reason otherwise
 *
 * A scrape reads the atomic counters of stats.h and the current snapshot (live.h: a
 * reference taken with one pointer copy); it never waits on a scan. Thread safe.
 */

#include <glib.h>
#include <stdbool.h>

#include "milter/live.h"

/* Signatures named in partscan_signature_detections_last_day (the top of the last day). */
#define METRICS_TOP_SIGNATURES 10
/* Quarantine items looked at per scrape (a larger store is reported as this many). */
#define METRICS_QUARANTINE_MAX 100000
/* Concurrent HTTP connections, and seconds of silence before one is closed. */
#define METRICS_MAX_CONNECTIONS 16
#define METRICS_TIMEOUT         10

/*
 * Bind and listen on addr ("HOST:PORT", "[V6]:PORT", or "PORT" for 127.0.0.1; HOST a
 * numeric address or "localhost"). Call at start-up, before privileges are dropped; nothing
 * is served until metrics_start(). Returns 0, or -1 with error.
 */
int metrics_open(const char *addr, GError **error);
/* Serve on the socket of metrics_open() (after a fork to the background). No-op without. */
int metrics_start(GError **error);
/* Stop serving and close the socket (no-op when not open). */
void metrics_stop(void);

/* The exposition text for this snapshot (NULL: none published yet), appended to out. */
void metrics_render(GString *out, struct live *live);

/* true when ready; false with the reason appended to why (may be NULL). */
bool metrics_ready(const struct live *live, GString *why);

/* Append value escaped for a label value (backslash, double quote, line feed). */
void metrics_escape(GString *out, const char *value);

#endif
