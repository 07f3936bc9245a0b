#ifndef PARTSCAN_ACTIONS_H
#define PARTSCAN_ACTIONS_H

/*
 * actions: carry out a policy plan on one message through a table of operations. The real
 * table wraps libmilter's smfi_* calls (milter/callbacks.c); the tests use a recording fake.
 * Quarantine-store writes happen here: if one fails, the message is tempfailed, never lost.
 */

#include <glib.h>
#include <stdbool.h>

#include "conf/conf.h"
#include "policy/policy.h"
#include "mime/msgscan.h"

struct actions_ops {
	int (*add_header)(void *ctx, const char *name, const char *value);
	/* value NULL deletes the index-th (1-based) header of that name */
	int (*change_header)(void *ctx, const char *name, int index, const char *value);
	int (*replace_body)(void *ctx, const unsigned char *data, size_t len);
	int (*quarantine)(void *ctx, const char *reason);
	int (*set_reply)(void *ctx, const char *rcode, const char *xcode, const char *text);
};

/* What the milter knows of the message besides its report. */
struct actions_message {
	const unsigned char *raw; /* headers + body as received */
	size_t len;
	size_t body_offset; /* where the body starts in raw */
	const char *queue_id;
	const char *sender;
	const char *const *recipients; /* NULL-terminated */
	const char *client;            /* "name [addr]" */
	unsigned int inbound_scanned;  /* copies of our headers that came with the message */
	unsigned int inbound_status;
	unsigned int inbound_release; /* release markers (never delivered) */
	const char *hostname;
};

/* Errors of actions_apply (GError domain ACTIONS_ERROR). */
#define ACTIONS_ERROR actions_error_quark()
GQuark actions_error_quark(void);
enum actions_error {
	ACTIONS_ERROR_QUARANTINE, /* the quarantine store could not keep a copy */
	ACTIONS_ERROR_MTA,        /* the MTA refused an operation (hold, body, header) */
};

enum actions_result {
	ACTIONS_ACCEPT = 0, /* deliver (with whatever changes were made) */
	ACTIONS_REJECT,
	ACTIONS_TEMPFAIL,
	ACTIONS_DISCARD,
};

/*
 * Apply plan. Quarantine ids written are added to ids (char *). On an internal failure
 * (quarantine store, an operation refused) the result is ACTIONS_TEMPFAIL with a 451 reply
 * set and error (may be NULL) says why; otherwise error is left unset.
 */
enum actions_result actions_apply(const struct actions_ops *ops, void *ctx, const struct conf *conf,
                                  const struct msg_report *report, const struct policy_plan *plan,
                                  const struct actions_message *msg, GPtrArray *ids,
                                  GError **error);

/* The metadata JSON of a quarantine item (part < 0: the whole message). */
char *actions_item_json(const char *id, const struct conf *conf, const struct msg_report *report,
                        const struct policy_plan *plan, const struct actions_message *msg,
                        int part);

#endif
