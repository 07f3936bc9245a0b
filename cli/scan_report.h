#ifndef PARTSCAN_SCAN_REPORT_H
#define PARTSCAN_SCAN_REPORT_H

/* partscan scan: what one scanned target prints (text lines or JSON) and counts. */

#include <stdbool.h>
#include <stdint.h>

#include "engine/fmap.h"
#include "engine/scan.h"
#include "mime/msgscan.h"

struct conf;

struct scan_ctx {
	struct sigdb *db;
	struct scan_options opts;
	bool json;
	bool infected_only;
	bool force_mbox;          /* --mbox: every target is an mbox */
	bool force_mail;          /* --mail: every target is one message */
	bool alert_unscannable;   /* --alert-unscannable: an unscannable message counts as found */
	const struct conf *conf;  /* -c: decide each message / file as the milter would, or NULL */
	struct msg_limits limits; /* the configuration's limits (defaults without -c) */
	uint64_t files, infected, errors, bytes;
	uint64_t messages, parts, infected_parts, unscannable; /* mail only */
};

/*
 * Scan one target's bytes (name is what the output calls it) and print the result. The bytes
 * decide how: a message (RFC 5322 headers) or an mbox ("From " line, or --mbox) goes through
 * the message pipeline, part by part; a TNEF file has its attachments scanned too; anything
 * else is scanned as one file (as an attachment, with -c: the policy reads its name).
 * unscannable: a reason found outside the bytes (a stream cut at the size limit), or NULL;
 * it makes the target unscannable, as the milter's buffer limit makes a message.
 * With ctx->conf, each message or file also gets the policy's class, reasons and action.
 */
void scan_report_target(struct scan_ctx *ctx, const char *name, const struct fmap *map,
                        const char *unscannable);

#endif
