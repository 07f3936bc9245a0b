#ifndef PARTSCAN_RECORDER_H
#define PARTSCAN_RECORDER_H

/*
 * A recording fake of the smfi_* operations (struct actions_ops), shared by the suites that
 * carry out plans: every call becomes a line ("add Name: value", "chg Name 1 -", "body N",
 * "hold reason", "reply 550 5.7.1 text") and a replaced body is kept.
 */

#include <glib.h>
#include <stdbool.h>

#include "milter/actions.h"

struct recorder {
	GPtrArray *calls; /* char *, in call order */
	GByteArray *body; /* what replace_body was given */
	bool fail_body;   /* make replace_body fail */
};

extern struct recorder recorder;
extern const struct actions_ops recorder_ops;

void recorder_init(void);
void recorder_clear(void);
/* A call equal to call / beginning with prefix was made. */
bool recorder_called(const char *call);
bool recorder_called_prefix(const char *prefix);

#endif
