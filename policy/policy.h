#ifndef PARTSCAN_POLICY_H
#define PARTSCAN_POLICY_H

/*
 * policy: a message's scan report + the configuration -> one action plan. A pure function:
 * no I/O, no libmilter, no clock; table-tested.
 *
 * Classes: infected (a signature matched, not cleared by the allow list), blocked (type or
 * name policy: real type, extension, double extension), unscannable (a limit hit, encrypted,
 * truncated), error (the scan itself failed, or no signatures). Each class present asks for
 * its configured action; the most severe wins: reject > discard > tempfail > quarantine >
 * strip > tag > accept. strip removes MIME entities; when something that asks for strip lies
 * in no entity (a message-wide reason, a find of the raw sweep in the preamble or epilogue),
 * or a copy of its bytes (or of what holds it) that another reading or the raw sweep shows
 * lies outside the entities stripped (msgscan.h, COPIES), the plan falls back to quarantine,
 * the next safer action, and plan.fallback says why.
 *
 * Unscannable is judged once, here (policy_part_unscannable): the milter and `partscan scan
 * -c` take their answer from policy_decide(), so both say the same of the same message.
 */

#include <glib.h>
#include <stdbool.h>

#include "conf/conf.h"
#include "mime/msgscan.h"

enum policy_class {
	POLICY_CLEAN = 0,
	POLICY_STALE, /* the signatures are older than database.max_age_days */
	POLICY_UNSCANNABLE,
	POLICY_BLOCKED,
	POLICY_INFECTED,
	POLICY_ERROR,
	POLICY_CLASS__COUNT
};

struct policy_hit {
	int part; /* index in report->parts, -1 for the whole message */
	enum policy_class cls;
	bool encrypted; /* unscannable because encrypted: [policy] encrypted decides */
	char *what;     /* signature name, or the reason */
};

struct policy_plan {
	enum conf_action action;
	enum policy_class cls; /* the class behind the action (the worst of equals) */
	unsigned int classes;  /* 1 << class for every class present */
	char *status;          /* X-Virus-Status value: "Clean", "Infected (Name)", ... */
	char *reply;           /* SMTP reply text for reject / tempfail (safe for setreply) */
	char *summary;         /* one line for logs and quarantine reasons */
	GArray *strip;         /* int: indices of the MIME entities to replace (strip) */
	char *fallback;        /* why the action is not the one configured (strip could not
	                          remove what was found), or NULL */
	GPtrArray *hits;       /* struct policy_hit * */
};

struct policy_input {
	const struct msg_report *report; /* NULL: the scan failed, error says why */
	const char *error;
	const char *unscannable; /* a reason found outside the report (buffer limits), or NULL */
	const char *stale;       /* why the signatures are stale, or NULL */
};

/* Decide. Always fills plan_r. */
void policy_decide(const struct conf *conf, const struct policy_input *in,
                   struct policy_plan *plan_r);
void policy_plan_clear(struct policy_plan *plan);

/*
 * Is this part blocked by type or name (its own names, and those of its copies: the names
 * under which another reading or the raw sweep shows the same bytes)? reason_r gets a new
 * string when it is.
 */
bool policy_part_blocked(const struct conf *conf, const struct msg_part *part, char **reason_r);

/*
 * Was this part not (entirely) scanned? The one judgement of the milter and the CLI: every
 * reason msgscan gives (msg_part_unscannable: encrypted, partial, a limit, truncated, an
 * unreadable container, an engine failure, never read). *reason_r (may be NULL) gets the
 * part's note when it has one, else the flag's name.
 */
bool policy_part_unscannable(const struct msg_part *part, const char **reason_r);

/* The MIME entity holding part: itself, or the first ancestor with a raw range; -1 if none. */
int policy_entity(const struct msg_report *report, int part);

/* "clean", "stale", "unscannable", "blocked", "infected", "error". */
const char *policy_class_name(enum policy_class cls);

/*
 * Text fit for an SMTP reply or a header: printable ASCII, '%' doubled when for_reply,
 * at most max bytes. Returns a new string.
 */
char *policy_sanitize(const char *text, size_t max, bool for_reply);

#endif
