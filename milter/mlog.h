#ifndef PARTSCAN_MLOG_H
#define PARTSCAN_MLOG_H

/*
 * mlog: what the daemon writes. One JSON record per message to the configured file (queue id,
 * client, sender, recipients, size, every part with path, name, declared and real type,
 * SHA-256, findings, the verdict, the action, scan time, DB generation) and one syslog line
 * per message; never message content. Daemon events go to syslog, and to stderr when in the
 * foreground. Thread safe: records are built outside the lock and written whole on an
 * O_APPEND file, or not at all (a failed write is cut back off; STATS counts lost records).
 * A record lists at most MLOG_MAX_RCPTS recipients and MLOG_RCPT_BYTES bytes of them; the
 * others are counted in "recipients_not_listed".
 */

#include <glib.h>
#include <stdbool.h>

#include "conf/conf.h"
#include "policy/policy.h"
#include "mime/msgscan.h"

#define MLOG_MAX_RCPTS  1000
#define MLOG_RCPT_BYTES (64 * 1024)

struct mlog_record {
	const char *queue_id;
	const char *client_addr;
	const char *client_name;
	const char *helo;
	const char *sender;
	const char *const *recipients;
	unsigned int rcpt_dropped; /* recipients beyond the bound, counted only */
	uint64_t size;
	const struct msg_report *report; /* NULL: not scanned (skipped, error) */
	const struct policy_plan *plan;  /* NULL: skipped */
	const char *result;              /* "accept", "reject", "tempfail", "discard", "skip" */
	const char *error;               /* internal failure, or NULL */
	const GPtrArray *quarantine_ids; /* char *, or NULL */
	double total_ms;
	uint64_t db_generation;
	size_t db_signatures;
};

/* Start logging (foreground: daemon events also to stderr). */
void mlog_init(const char *ident, const char *facility, bool foreground);
/* Open (or reopen, after a reload or logrotate) the JSON log named by conf; NULL path: off. */
int mlog_open(const char *path, GError **error);
void mlog_reopen(void);
/* Why the last reopen failed, as a new string (the old file is still written); NULL when
   it worked. */
char *mlog_reopen_failed(void);
void mlog_close(void);

void mlog_message(const struct mlog_record *rec, bool to_syslog);
/*
 * Append one ready record (a JSON object ending in '\n', e.g. a retro-hunt hit) whole or not
 * at all, as mlog_message() does; nothing when no JSON log is open.
 */
void mlog_record_line(const char *line);
/* "2026-01-02T03:04:05.678Z" for a wall-clock time in microseconds; g_free() it. */
char *mlog_timestamp(int64_t usec);

void mlog_info(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void mlog_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void mlog_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* syslog facility by name ("mail", "daemon", "local0".."local7", "user"); -1 if unknown. */
int mlog_facility(const char *name);

#endif
