#ifndef PARTSCAN_WORKERS_H
#define PARTSCAN_WORKERS_H

/*
 * workers: at most N end-of-message scans run at once (default: one per core), so that 200
 * concurrent sessions do not make 200 CPU-bound scans thrash; a session waits for a slot and
 * tells the MTA it is still working (progress callback) every few seconds meanwhile. A
 * message up to WORKERS_INLINE_MAX bytes is scanned on the session's own thread once it has
 * a slot (the hand-off to another thread would cost more than its scan); a larger one on a
 * pool thread, while the session keeps the MTA informed. Memory for decoding is thus bounded
 * by N scans, not by the number of sessions.
 */

#include <glib.h>

#include "mime/msgscan.h"

#define WORKERS_PROGRESS_SECONDS 5
#define WORKERS_INLINE_MAX       (256 * 1024)

int workers_init(unsigned int threads, GError **error);
void workers_shutdown(void);

/* For tests: the function a slot runs (NULL: msg_scan) and the progress interval in
   milliseconds (0: WORKERS_PROGRESS_SECONDS). Call while no scan runs. */
void workers_set_hooks(int (*scan)(struct sigdb *db, const unsigned char *raw, size_t len,
                                   const struct msg_scan_options *opts,
                                   struct msg_report **report_r, GError **error),
                       unsigned int progress_ms);

/* msg_scan() within the bound; progress(ctx) every WORKERS_PROGRESS_SECONDS of waiting.
   0 with *report_r (the caller's), or -1 with error set by the scan. */
int workers_scan(struct sigdb *db, const unsigned char *raw, size_t len,
                 const struct msg_scan_options *opts, struct msg_report **report_r, GError **error,
                 void (*progress)(void *ctx), void *ctx);

#endif
