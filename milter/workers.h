#ifndef PARTSCAN_WORKERS_H
#define PARTSCAN_WORKERS_H

/*
 * workers: the end-of-message scans run on a fixed pool of threads (default: one per core),
 * so that 200 concurrent sessions do not make 200 CPU-bound scans thrash; the session thread
 * waits for its scan and tells the MTA it is still working (progress callback) every few
 * seconds. Memory for decoding is thus bounded by the pool size, not the session count.
 */

#include <glib.h>

#include "mime/msgscan.h"

int workers_init(unsigned int threads, GError **error);
void workers_shutdown(void);

/*
 * msg_scan() on a worker; progress(ctx) is called every WORKERS_PROGRESS_SECONDS while the
 * caller waits. Returns what msg_scan returns.
 */
#define WORKERS_PROGRESS_SECONDS 5
int workers_scan(struct sigdb *db, const unsigned char *raw, size_t len,
                 const struct msg_scan_options *opts, struct msg_report **report_r, GError **error,
                 void (*progress)(void *ctx), void *ctx);

#endif
