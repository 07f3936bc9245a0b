/*
 * conn: the per-connection state machine between libmilter's callbacks and the session (see
 * conn.h): which steps answer, the failure kept from a no-reply step until end of message,
 * and a session made at CONNECT and freed at close (or at the next CONNECT).
 */

#include "milter/conn.h"

#include <glib.h>

struct conn {
	const struct session_ops *ops;
	struct session *session; /* NULL until CONNECT */
	bool leadspace;          /* header values keep their leading space */
	unsigned int noreply;    /* CONN_NR_* */
	enum conn_reply pending; /* a failure in a no-reply step, answered at end of message */
	enum conn_reply connect_failed; /* one at CONNECT: every message's, to the next CONNECT */
};

struct conn *conn_new(const struct session_ops *ops)
{
	struct conn *c = g_new0(struct conn, 1);

	c->ops = ops;
	c->pending = c->connect_failed = CONN_CONTINUE;
	return c;
}

void conn_free(struct conn **cp)
{
	struct conn *c = *cp;

	if (c == NULL)
		return;
	session_free(&c->session);
	g_free(c);
	*cp = NULL;
}

void conn_negotiate(struct conn *c, bool leadspace, unsigned int noreply)
{
	c->leadspace = leadspace;
	c->noreply = noreply;
}

bool conn_leadspace(const struct conn *c)
{
	return c->leadspace;
}

static enum conn_reply conn_status(enum session_status s)
{
	switch (s) {
	case SESSION_ACCEPT:
		return CONN_ACCEPT;
	case SESSION_REJECT:
		return CONN_REJECT;
	case SESSION_TEMPFAIL:
		return CONN_TEMPFAIL;
	case SESSION_DISCARD:
		return CONN_DISCARD;
	default:
		return CONN_CONTINUE;
	}
}

/* The answer of a step: none when it was negotiated as no-reply (a failure waits for eom). */
static enum conn_reply conn_reply(struct conn *c, unsigned int step, enum session_status st)
{
	enum conn_reply r = conn_status(st);

	if (!(c->noreply & step))
		return r;
	if (r != CONN_CONTINUE && c->pending == CONN_CONTINUE)
		c->pending = r == CONN_ACCEPT ? CONN_CONTINUE : CONN_TEMPFAIL;
	return CONN_NOREPLY;
}

enum conn_reply conn_connect(struct conn *c, const char *hostname, const struct sockaddr *addr)
{
	enum conn_reply r;

	session_free(&c->session); /* a second CONNECT starts over */
	c->pending = CONN_CONTINUE;
	c->session = session_new(c->ops, hostname, addr, c->leadspace);
	r = conn_reply(c, CONN_NR_CONNECT, session_connect(c->session));
	c->connect_failed = c->pending;
	return r;
}

enum conn_reply conn_helo(struct conn *c, const char *helo)
{
	session_helo(c->session, helo);
	return conn_reply(c, CONN_NR_HELO, SESSION_CONTINUE);
}

enum conn_reply conn_envfrom(struct conn *c, void *ctx, const char *sender)
{
	c->pending = c->connect_failed; /* a new message (a failed CONNECT fails them all) */
	return conn_reply(c, CONN_NR_MAIL, session_envfrom(c->session, ctx, sender));
}

void conn_esmtp_args(struct conn *c, const char *const *args)
{
	session_esmtp_args(c->session, args);
}

enum conn_reply conn_envrcpt(struct conn *c, const char *rcpt)
{
	return conn_reply(c, CONN_NR_RCPT, session_envrcpt(c->session, rcpt));
}

enum conn_reply conn_header(struct conn *c, const char *name, const char *value)
{
	return conn_reply(c, CONN_NR_HEADER, session_header(c->session, name, value));
}

enum conn_reply conn_eoh(struct conn *c, void *ctx)
{
	return conn_reply(c, CONN_NR_EOH, session_eoh(c->session, ctx));
}

enum conn_reply conn_body(struct conn *c, const unsigned char *chunk, size_t len)
{
	return conn_reply(c, CONN_NR_BODY, session_body(c->session, chunk, len));
}

enum conn_reply conn_eom(struct conn *c, void *ctx)
{
	enum conn_reply r = c->pending;

	if (r != CONN_CONTINUE) {
		/* a failure in a no-reply step: never pass the message (and forget it) */
		session_abort(c->session);
		c->pending = c->connect_failed;
		return r;
	}
	return conn_status(session_eom(c->session, ctx));
}

void conn_abort(struct conn *c)
{
	c->pending = c->connect_failed;
	session_abort(c->session);
}
