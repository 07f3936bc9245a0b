#ifndef PARTSCAN_CONF_H
#define PARTSCAN_CONF_H

/*
 * conf: partscan.conf -> one immutable struct conf, read by partscan-milter and partscan.
 *
 * INI sections and "key = value" lines; '#' and ';' start comment lines. Every key has a
 * default (conf_defaults()), so an empty file is a valid configuration. An unknown section
 * or key, or a bad value, is an error naming the file and line. The struct is never modified
 * after conf_load() returns: a reload builds a new one.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/ftype.h"
#include "mime/msgscan.h"

enum conf_action {
	CONF_ACTION_ACCEPT = 0, /* deliver unchanged (still logged) */
	CONF_ACTION_TAG,        /* deliver with the status headers */
	CONF_ACTION_STRIP,      /* replace the offending parts with a notice, keep them */
	CONF_ACTION_QUARANTINE, /* hold in the MTA queue (Postfix: hold), keep a copy */
	CONF_ACTION_TEMPFAIL,   /* 451 4.7.1: the sender retries later */
	CONF_ACTION_DISCARD,    /* accept and drop silently */
	CONF_ACTION_REJECT,     /* 550 5.7.1 with the reply template */
	CONF_ACTION__COUNT
};

enum conf_no_db {
	CONF_NO_DB_REFUSE = 0, /* refuse to start without signatures */
	CONF_NO_DB_TEMPFAIL,   /* start, and tempfail every message until signatures load */
};

struct conf {
	char *path; /* the file read, or NULL for built-in defaults */

	/* [milter] */
	char *socket; /* unix:PATH, inet:PORT@HOST, inet6:PORT@HOST */
	unsigned int socket_mode;
	char *socket_group;   /* NULL: unchanged */
	char *user;           /* NULL: do not change user */
	bool allow_root;      /* run as root (only with allow_root = yes) */
	char *pid_file;       /* NULL: none */
	unsigned int workers; /* concurrent scans; 0: number of cores */
	unsigned int timeout; /* seconds of MTA silence before libmilter gives up */
	bool packet_gate;     /* whole packets only reach libmilter (gate.c) */
	char *hostname;       /* for X-Virus-Scanned; NULL: this host's name */
	enum conf_no_db on_no_database;

	/* [control] */
	char *control_socket; /* NULL: no control socket */
	unsigned int control_mode;
	char *control_group;

	/* [metrics] */
	char *metrics_listen; /* HOST:PORT of the Prometheus endpoint; NULL: none */

	/* [database] */
	char **db_paths; /* NULL-terminated */
	bool db_strict;
	bool db_pua;
	bool db_watch;
	char *db_certificates;        /* certificate directory for .cvd.sign; NULL: default */
	unsigned int db_max_age_days; /* freshness gate for containers; 0: off */
	enum conf_action on_stale_db;

	/* [limits] */
	struct msg_limits limits;

	/* [policy] */
	enum conf_action on_infected, on_blocked, on_unscannable, on_error;
	/* unscannable because encrypted (an encrypted zip, PDF, OpenPGP message) */
	enum conf_action on_encrypted;
	char *reject_message; /* %v: signature or reason, %f: file name */
	char *tempfail_message;
	bool block_type[FTYPE__COUNT]; /* real types blocked (from block_types) */
	char **block_extensions;       /* lower-case, no dot */
	bool block_double_extensions;
	bool block_html_smuggling; /* block HTML/SVG attachments flagged html-smuggling */

	/* [headers] */
	bool headers;
	char *header_scanned; /* "X-Virus-Scanned" */
	char *header_status;  /* "X-Virus-Status" */

	/* [skip] */
	char **skip_networks; /* CIDR or "local" */
	bool skip_authenticated;
	char **skip_senders; /* glob patterns, case-insensitive */
	char **skip_recipients;

	/* [quarantine] */
	char *quarantine_dir;
	char *sendmail; /* for `partscan quarantine release` and [retro] notify */

	/* [retro]: the retro-hunt after each reload (only with the index on) */
	bool retro;                 /* hunt at all */
	char *retro_notify;         /* address mailed the hits of a hunt; NULL: none */
	char *retro_program;        /* run once per hit, the hit as JSON on stdin; NULL: none */
	unsigned int retro_timeout; /* seconds the program and sendmail may take */
	char *retro_state;          /* the generation hunted last (a snapshot); NULL: none */

	/* [index] */
	char *index_url; /* NULL: no index */
	unsigned int index_keep_days;
	unsigned int index_queue;
	unsigned int index_digests; /* DIGEST_BIT()s kept for attachments (SHA-256 always) */
	bool index_body_digests;    /* MD5 and SHA-1 of text bodies too (not only attachments) */

	/* [log] */
	char *json_log; /* NULL: off */
	bool syslog;
	char *syslog_facility; /* "mail", "local0", ... */
	char *syslog_ident;
};

/* The built-in defaults (what an empty file gives). */
struct conf *conf_defaults(void);

/*
 * Read a file. Returns 0, or -1 with error "FILE:LINE: reason" (unknown section or key, bad
 * value, syntax) or "FILE: reason" (unreadable).
 */
int conf_load(const char *path, struct conf **conf_r, GError **error);

/* Parse text as if read from name (tests, -t). */
int conf_parse(const char *name, const char *text, size_t len, struct conf **conf_r,
               GError **error);

void conf_free(struct conf **conf);

/* The effective configuration, as a file that conf_parse() reads back to the same struct. */
char *conf_dump(const struct conf *conf);

/* Why socket is not a milter socket (unix:PATH, local:PATH, /PATH, ./PATH, inet:PORT[@HOST],
   inet6:PORT[@HOST]), to g_free; NULL when it is one. */
char *conf_socket_error(const char *socket);

const char *conf_action_name(enum conf_action action);
int conf_action_from_name(const char *name, enum conf_action *action_r);

/*
 * Every key the parser knows, "section.key", NULL-terminated (for the test that checks that
 * the documented sample configuration mentions each one).
 */
const char *const *conf_keys(void);

#endif
