#ifndef PARTSCAN_CONN_H
#define PARTSCAN_CONN_H

/*
 * conn: one milter connection as libmilter drives it — negotiated options, the session, and
 * the answer of each step — without libmilter itself, so that a test can drive every order of
 * events. The callbacks (callbacks.c) turn each libmilter callback into one conn_* call and
 * the answer into an sfsistat.
 *
 * Any order of events is safe: an event that comes without the connection or the message it
 * belongs to (MAIL before CONNECT, a body before MAIL, a header after the end of headers, an
 * end of message without one) is answered with a tempfail and never passes a message
 * unscanned. HELO without CONNECT is ignored (the MAIL that follows is tempfailed).
 *
 * Steps negotiated as no-reply (connect, HELO, MAIL, RCPT, each header, end of headers, each
 * body chunk) answer CONN_NOREPLY; a failure in one is kept and given as the answer at end of
 * message.
 * Not thread safe: libmilter calls one callback at a time per connection.
 */

#include "milter/session.h"

/* The steps that can be negotiated as no-reply (conn_negotiate). */
enum {
	CONN_NR_CONNECT = 1 << 0,
	CONN_NR_HELO = 1 << 1,
	CONN_NR_RCPT = 1 << 2,
	CONN_NR_HEADER = 1 << 3,
	CONN_NR_BODY = 1 << 4,
	CONN_NR_MAIL = 1 << 5,
	CONN_NR_EOH = 1 << 6,
};

enum conn_reply {
	CONN_CONTINUE = 0,
	CONN_ACCEPT,
	CONN_REJECT,
	CONN_TEMPFAIL,
	CONN_DISCARD,
	CONN_NOREPLY, /* the step was negotiated as no-reply: the MTA waits for no answer */
};

struct conn;

/* A connection whose messages act through ops; free with conn_free() (at close). */
struct conn *conn_new(const struct session_ops *ops);
void conn_free(struct conn **c);

/* The options negotiated: header values with their leading space, CONN_NR_* steps. */
void conn_negotiate(struct conn *c, bool leadspace, unsigned int noreply);
bool conn_leadspace(const struct conn *c);

/* One event each; ctx is handed to the session's operations (macros, progress, actions). */
enum conn_reply conn_connect(struct conn *c, const char *hostname, const struct sockaddr *addr);
enum conn_reply conn_helo(struct conn *c, const char *helo);
enum conn_reply conn_envfrom(struct conn *c, void *ctx, const char *sender);
/* MAIL's ESMTP arguments, after conn_envfrom (see session_esmtp_args). */
void conn_esmtp_args(struct conn *c, const char *const *args);
enum conn_reply conn_envrcpt(struct conn *c, const char *rcpt);
enum conn_reply conn_header(struct conn *c, const char *name, const char *value);
enum conn_reply conn_eoh(struct conn *c, void *ctx);
enum conn_reply conn_body(struct conn *c, const unsigned char *chunk, size_t len);
enum conn_reply conn_eom(struct conn *c, void *ctx);
void conn_abort(struct conn *c);

#endif
