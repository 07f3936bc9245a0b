#ifndef PARTSCAN_RELEASED_H
#define PARTSCAN_RELEASED_H

/*
 * released: the quarantine release markers (conf/quarantine.h) partscan-milter has honoured,
 * so that each lets one message through, once. A marker is remembered by its item id until it
 * stops being valid anyway (its time plus QUARANTINE_RELEASE_TTL); at most RELEASED_MAX are
 * remembered at once, and a marker that finds no room is not honoured (its message is
 * scanned). The memory is this process's: a restart, or another daemon sharing the store,
 * does not know what was used here. Thread safe (one mutex; a release is rare).
 */

#include <glib.h>

#define RELEASED_MAX 10000

enum released_claim {
	RELEASED_NEW,  /* not used before: now it is */
	RELEASED_USED, /* used before, and still valid: do not honour it again */
	RELEASED_FULL, /* RELEASED_MAX valid markers remembered: no room, do not honour it */
};

/* Claim the marker of item id, valid until expires (seconds since the epoch); now: the time
   (markers past their expiry are forgotten first). */
enum released_claim released_claim(const char *id, gint64 expires, gint64 now);

/* Forget a claim (its message could not be let through after all: it may come again). */
void released_forget(const char *id);

/* How many markers are remembered. */
unsigned int released_count(void);

/* Forget every marker (tests). */
void released_clear(void);

#endif
