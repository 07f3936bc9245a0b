#ifndef PARTSCAN_SCAN_REPORT_H
#define PARTSCAN_SCAN_REPORT_H

/* partscan scan: what one scanned target prints (text lines or JSON) and counts. */

#include <stdbool.h>
#include <stdint.h>

#include "engine/fmap.h"
#include "engine/scan.h"

struct scan_ctx {
	struct sigdb *db;
	struct scan_options opts;
	bool json;
	bool infected_only;
	uint64_t files, infected, errors, bytes;
};

/* Scan one target's bytes (name is what the output calls it) and print the result. */
void scan_report_target(struct scan_ctx *ctx, const char *name, const struct fmap *map);

#endif
