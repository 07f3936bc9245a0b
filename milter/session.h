#ifndef PARTSCAN_SESSION_H
#define PARTSCAN_SESSION_H

/*
 * session: one MTA connection and the message in it, independent of libmilter.
 *
 * The callbacks (callbacks.c) hand every event to this module; the tests drive it directly
 * with fake operations. A message takes the current snapshot at MAIL FROM and keeps it to the
 * end, is buffered (headers as "Name: value" CRLF lines, a blank line, the body) up to the
 * configured limits, and at end of message is scanned on a worker, decided by the policy,
 * acted upon and logged. Every internal failure becomes a tempfail.
 *
 * Any order of calls is safe. Each takes s == NULL (an event before CONNECT): HELO is then
 * ignored, the others answer tempfail. A message event out of the order MAIL, RCPT...,
 * headers..., end of headers, body..., end of message (or with no message) ends the message
 * and answers tempfail; an end of message without a whole message is never passed.
 */

#include <stdbool.h>
#include <sys/socket.h>

#include "milter/actions.h"

enum session_status {
	SESSION_CONTINUE = 0,
	SESSION_ACCEPT, /* accept the rest of this message without further callbacks */
	SESSION_REJECT,
	SESSION_TEMPFAIL,
	SESSION_DISCARD,
};

struct session_ops {
	struct actions_ops actions;
	void (*progress)(void *ctx);                       /* "still working" to the MTA */
	const char *(*macro)(void *ctx, const char *name); /* a macro's value, or NULL */
};

/* Bound on the recipients kept per message (the rest are counted). */
#define SESSION_MAX_RCPTS 1000

struct session;

struct session *session_new(const struct session_ops *ops, const char *hostname,
                            const struct sockaddr *addr, bool leadspace);
void session_free(struct session **s);
enum session_status session_connect(struct session *s);
void session_helo(struct session *s, const char *helo);
enum session_status session_envfrom(struct session *s, void *ctx, const char *sender);
/* MAIL's ESMTP arguments (NULL-terminated; NULL: none), after session_envfrom(): SIZE= sizes
   the body buffer as {msg_size} does when the MTA sent no {msg_size} (Postfix passes the
   client's SIZE= this way and has no {msg_size}). */
void session_esmtp_args(struct session *s, const char *const *args);
enum session_status session_envrcpt(struct session *s, const char *rcpt);
enum session_status session_header(struct session *s, const char *name, const char *value);
enum session_status session_eoh(struct session *s, void *ctx);
enum session_status session_body(struct session *s, const unsigned char *chunk, size_t len);
enum session_status session_eom(struct session *s, void *ctx);
void session_abort(struct session *s);
/* What the message's buffer was sized to at MAIL from the size the MTA announced (the
   {msg_size} macro, else MAIL's SIZE=: headroom for CRLF line ends, never beyond what [limits] lets be buffered);
   0 when no usable size was announced (the buffer then doubles as it grows). For tests. */
size_t session_buffer_capacity(const struct session *s);

/* This host's name for X-Virus-Scanned (set once at start-up). */
void session_set_hostname(const char *hostname);

#endif
