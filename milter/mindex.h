#ifndef PARTSCAN_MINDEX_H
#define PARTSCAN_MINDEX_H

/*
 * mindex: the milter's part-hash index (index/index.h), opened from [index] at start and
 * reopened by a reload that changes url, keep_days or queue. It opens lazily with a writer
 * thread: a database that is down is retried by the writer, records meanwhile dropped and
 * counted; a corrupt SQLite file is refused (logged) and the milter runs without an index.
 * Mail never waits on it. Thread safe.
 */

#include <stdbool.h>

#include "conf/conf.h"
#include "index/index.h"
#include "mime/msgscan.h"

/* Open, reopen or close the index for conf (start-up, and after each reload). */
void mindex_configure(const struct conf *conf);

/* The envelope of a message, as the session knows it. */
struct mindex_envelope {
	const char *queue_id, *message_id, *client, *sender;
	const char *const *rcpts; /* NULL-terminated, or NULL */
	const char *verdict, *action;
};

/*
 * Hand a scanned message to the index writer: every scanned part with its path, name, real
 * type, decoded size and the digests of [index] digests (of text bodies: SHA-256 only, unless
 * body_digests).
 * Never blocks; does nothing when no index is configured.
 */
void mindex_submit(const struct mindex_envelope *env, const struct msg_report *report,
                   bool body_digests);

/* The digests the scan must compute for the index ([index] digests; 0 when it is off). */
unsigned int mindex_want(void);

/*
 * The current index with a reference (a reload cannot close it under the caller), or NULL
 * when none is open. Release with mindex_release.
 */
struct index *mindex_acquire(void);
void mindex_release(struct index **idx);

/* The counters of the open index; false (and zeros) when no index is configured. */
bool mindex_stats(struct index_stats *stats_r);

/* Close the index at exit (what is queued is written first, within seconds). */
void mindex_shutdown(void);

/* Build the index record of a report (for mindex_submit and the tests). */
struct index_msg *mindex_msg_new(const struct mindex_envelope *env, const struct msg_report *report,
                                 unsigned int digests, bool body_digests);

#endif
