#ifndef PARTSCAN_RETRO_H
#define PARTSCAN_RETRO_H

/*
 * retro: the retro-hunt. After a reload publishes a new signature generation, the
 * detections it adds (sigdb_diff: allow list of the new generation applied) are looked up in
 * the index of delivered parts; each hit (message x part x signature) is recorded in the
 * index once (index_hit_record: several milters sharing one index report it once) and
 * reported: a "type": "retro" record in the JSON log, a syslog line, STATS counters, and when
 * configured a mail to [retro] notify and a run of [retro] program with the hit as JSON.
 *
 * Hunts run on their own thread, one at a time, in the order of the reloads: never on the
 * reload thread, never on a mail thread. Only whole-part signatures are hunted (the index
 * keeps part digests); messages that were not delivered (rejected, discarded, tempfailed)
 * are not reported, nor parts an allow-list entry of the new generation holds.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "engine/sigdb.h"
#include "index/index.h"
#include "milter/live.h"

/* Hits one hunt reports at most (the rest are counted and logged: a feed gone wrong). */
#define RETRO_MAX_HITS 10000u
/* Runs of [retro] program in a row that fail (cannot start, killed) before a hunt stops
   running it. */
#define RETRO_PROGRAM_FAILURES 3u

struct retro_result {
	uint64_t signatures;  /* new whole-part detections looked up */
	uint64_t other;       /* new PE section / import signatures (not huntable) */
	uint64_t found;       /* parts the index returned */
	uint64_t hits;        /* new hits, reported */
	uint64_t known;       /* hits recorded before (by this or another instance) */
	uint64_t undelivered; /* parts of messages that were not delivered */
	uint64_t allowed;     /* parts an allow-list entry holds */
	uint64_t over;        /* beyond RETRO_MAX_HITS */
	double seconds;
};

/*
 * One hunt, on the caller's thread: old -> new_db against idx, reporting as conf says;
 * generation is new_db's, for the records. old NULL hunts every signature of new_db.
 * Returns 0, or -1 with error (the index failed; hits reported until then stay reported).
 */
int retro_hunt(struct index *idx, const struct conf *conf, const struct sigdb *old,
               const struct sigdb *new_db, struct retro_result *res_r, GError **error);

/*
 * A reload replaced old (may be NULL: nothing to hunt) by the snapshot now: hunt on the
 * retro thread when [index] url and [retro] enabled are on. Takes references of its own;
 * the hunt uses the milter's index (mindex_acquire).
 */
void retro_after_reload(struct sigdb *old, struct live *now);

/*
 * At start, with [retro] state: hunt what the signatures loaded now add to the generation
 * the state file keeps (the one hunted last, before a restart), then keep these. Without a
 * state file yet, only write it. Without [retro] state: nothing (the first load is not a
 * new generation).
 */
void retro_at_start(struct live *now);

/* Wait until every hunt asked for so far has ended (tests, shutdown). */
void retro_wait(void);
/*
 * Stop the thread (at exit): a hunt in progress stops, its index query cancelled (parts
 * found and not yet recorded are not reported, so a later hunt or restart with [retro] state
 * finds them again); hunts not begun do nothing.
 */
void retro_stop(void);

/*
 * Run argv (argv[0] a path) with input on its standard input, killed after timeout_s seconds.
 * Returns 0 with the wait status in *status_r, or -1 with error (could not start, timed out).
 * The caller ignores SIGPIPE (partscan-milter does): a program may exit without reading.
 */
int retro_run(const char *const *argv, const char *input, unsigned int timeout_s, int *status_r,
              GError **error);

#endif
