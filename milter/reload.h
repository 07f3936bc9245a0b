#ifndef PARTSCAN_RELOAD_H
#define PARTSCAN_RELOAD_H

/*
 * reload: build snapshots and swap them in.
 *
 * Triggers: SIGHUP (configuration and signatures), a change under a signature path (inotify,
 * signatures only; changes are collected for RELOAD_SETTLE_MS so that a tool writing many
 * files causes one reload; also a signature directory deleted, recreated or swapped, and a
 * file renamed over a configured one), a change found by the periodic check of the disk
 * (every RELOAD_RESTAT_MS, for what inotify missed), RELOAD on the control socket. The new signatures are built
 * beside the old ones; in-flight messages finish on the old snapshot. A failed reload keeps
 * the current snapshot and logs why (a refused file as file:line).
 */

#include <glib.h>
#include <stdbool.h>

#include "milter/live.h"

#define RELOAD_SETTLE_MS 200
/* The periodic check of the disk, behind inotify. */
#define RELOAD_RESTAT_MS 2000

/* Command-line settings that win over the configuration file, also after a reload. */
struct reload_overrides {
	char *socket;    /* -p */
	char **db_paths; /* -d, NULL-terminated, or NULL */
};

/* Read the configuration (NULL path: built-in defaults) and apply the overrides. */
int reload_read_conf(const char *path, const struct reload_overrides *ovr, struct conf **conf_r,
                     GError **error);

/*
 * Load the signatures conf names. Returns 0 with *db_r, or -1 with error (unreadable path,
 * a file refused in strict mode as "file:line: reason", no signatures at all).
 */
int reload_load_db(const struct conf *conf, struct sigdb **db_r, double *seconds_r, GError **error);

/* Log what was loaded: counts, time, generation, containers and their versions. */
void reload_log_loaded(const struct sigdb *db, double secs);

/* Start the reload thread (watching conf's signature paths when db_watch is on). */
int reload_start(const char *conf_path, const struct reload_overrides *ovr, GError **error);
void reload_stop(void);

/* From a signal handler (async-signal-safe): reload configuration + signatures soon. */
void reload_signal(void);
/* From a signal handler: reopen the message log. */
void reload_signal_logs(void);

/* Reload now, on this thread (control socket). Returns 0, or -1 with error. */
int reload_now(bool with_conf, GError **error);

/*
 * Compare the current snapshot's files with the disk: NULL when the same, else a new string
 * naming the first differences ("daily.cvd changed, x.hdb new").
 */
char *reload_disk_differs(const struct live *live);

/* Why the last reload failed, as a new string; NULL when it succeeded (or none was tried). */
char *reload_last_failure(void);

/*
 * What paths hold on disk, as a string that changes whenever a signature file is written,
 * truncated, replaced, renamed, deleted or created, or a signature directory is replaced
 * (device, inode, size, mtime and ctime in nanoseconds). g_free() it.
 */
char *reload_fingerprint(char *const *paths);

/*
 * How many times the reload thread has woken for inotify events since the process started
 * (relevant or not): writes beside the signatures must not count. For tests and debugging.
 */
unsigned int reload_wakeups(void);

#endif
