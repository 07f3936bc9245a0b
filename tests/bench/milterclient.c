/*
 * milterclient: the MTA side of the milter protocol (version 6), enough to replay messages
 * into any milter the way Postfix does: option negotiation offering every action and every
 * protocol step, macros, CONNECT (IPv4), HELO, MAIL, RCPT, DATA, one packet per header, end of
 * headers, body chunks of at most MILTER_CHUNK_SIZE bytes, end of message, then QUIT or the
 * next MAIL on the same connection. Steps the milter declines at negotiation are not sent;
 * replies it declines are not awaited. Modification replies at end of message (headers, body,
 * quarantine, progress) are read and counted, not applied.
 *
 * Included by the bench programs (one source file per program). A struct mc is one
 * connection, used by one thread; nothing here is shared. Replies are bounded (16 MB).
 */

#include <libmilter/mfdef.h>

#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define MC_MAX_REPLY (16u << 20)

/* How a message ended: the final reply (or the first one that ended it early). */
enum mc_verdict {
	MC_CONTINUE = 0, /* end of message answered "continue": delivered */
	MC_ACCEPT,
	MC_REJECT,
	MC_TEMPFAIL,
	MC_DISCARD,
	MC_ERROR, /* protocol or connection failure */
	MC_NVERDICTS,
};

static const char *const mc_verdict_names[] = {"continue", "accept",  "reject",
                                               "tempfail", "discard", "error"};

struct mc {
	int fd;
	uint32_t actions, proto; /* as negotiated */
	unsigned char *buf;      /* the last reply's data */
	size_t cap, len;
	char cmd;
	unsigned int modifications; /* replies at end of message that change the message */
	unsigned int quarantined;
};

/* One message: envelope, headers (values without their leading space) and body pieces. */
struct mc_message {
	const char *queue_id, *sender, *rcpt;
	const char *const (*headers)[2];
	size_t nheaders;
	const struct iovec *body;
	size_t nbody;
};

static int mc_write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* A packet whose data is the n pieces of iov (at most 15). */
static int mc_sendv(struct mc *c, char cmd, const struct iovec *iov, int n)
{
	struct iovec v[16];
	unsigned char head[5];
	size_t len = 1;

	for (int i = 0; i < n; i++) {
		len += iov[i].iov_len;
		v[i + 1] = iov[i];
	}
	head[0] = (unsigned char)(len >> 24);
	head[1] = (unsigned char)(len >> 16);
	head[2] = (unsigned char)(len >> 8);
	head[3] = (unsigned char)len;
	head[4] = (unsigned char)cmd;
	v[0].iov_base = head;
	v[0].iov_len = 5;
	return mc_write_all(c->fd, v, n + 1);
}

static int mc_send(struct mc *c, char cmd, const void *data, size_t len)
{
	struct iovec v = {.iov_base = (void *)data, .iov_len = len};

	return mc_sendv(c, cmd, &v, len > 0 ? 1 : 0);
}

static int mc_read_all(int fd, void *p, size_t len)
{
	while (len > 0) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p = (char *)p + r;
		len -= (size_t)r;
	}
	return 0;
}

static int mc_read(struct mc *c)
{
	unsigned char head[4];
	uint32_t len;

	if (mc_read_all(c->fd, head, 4) < 0)
		return -1;
	len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
	if (len == 0 || len > MC_MAX_REPLY)
		return -1;
	if (len > c->cap) {
		c->cap = len;
		c->buf = realloc(c->buf, c->cap);
		if (c->buf == NULL)
			return -1;
	}
	if (mc_read_all(c->fd, c->buf, len) < 0)
		return -1;
	c->cmd = (char)c->buf[0];
	c->len = len - 1;
	return 0;
}

static uint32_t mc_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void mc_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* "unix:PATH", "local:PATH", "/PATH" or "inet:PORT@HOST": a connected socket, or -1. */
static int mc_dial(const char *spec)
{
	const char *at;
	int fd = -1;

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0 || spec[0] == '/') {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		const char *path = spec[0] == '/' ? spec : strchr(spec, ':') + 1;

		if (strlen(path) >= sizeof(sun.sun_path))
			return -1;
		strcpy(sun.sun_path, path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			close(fd);
			fd = -1;
		}
	} else if (strncmp(spec, "inet:", 5) == 0 && (at = strchr(spec, '@')) != NULL) {
		struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
		char port[16];

		snprintf(port, sizeof(port), "%.*s", (int)(at - spec - 5), spec + 5);
		if (getaddrinfo(at + 1, port, &hints, &ai) != 0)
			return -1;
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
		freeaddrinfo(ai);
	}
	return fd;
}

static void mc_close(struct mc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Release the reply buffer too (the struct can be reused after mc_open). */
static void mc_deinit(struct mc *c)
{
	mc_close(c);
	free(c->buf);
	c->buf = NULL;
	c->cap = 0;
}

/* Is this step left out (the milter declined it)? */
static bool mc_skipped(const struct mc *c, char cmd)
{
	switch (cmd) {
	case SMFIC_CONNECT:
		return c->proto & SMFIP_NOCONNECT;
	case SMFIC_HELO:
		return c->proto & SMFIP_NOHELO;
	case SMFIC_MAIL:
		return c->proto & SMFIP_NOMAIL;
	case SMFIC_RCPT:
		return c->proto & SMFIP_NORCPT;
	case SMFIC_DATA:
		return c->proto & SMFIP_NODATA;
	case SMFIC_HEADER:
		return c->proto & SMFIP_NOHDRS;
	case SMFIC_EOH:
		return c->proto & SMFIP_NOEOH;
	case SMFIC_BODY:
		return c->proto & SMFIP_NOBODY;
	default:
		return false;
	}
}

/* Does the milter answer this step? */
static bool mc_answers(const struct mc *c, char cmd)
{
	switch (cmd) {
	case SMFIC_CONNECT:
		return !(c->proto & SMFIP_NR_CONN);
	case SMFIC_HELO:
		return !(c->proto & SMFIP_NR_HELO);
	case SMFIC_MAIL:
		return !(c->proto & SMFIP_NR_MAIL);
	case SMFIC_RCPT:
		return !(c->proto & SMFIP_NR_RCPT);
	case SMFIC_DATA:
		return !(c->proto & SMFIP_NR_DATA);
	case SMFIC_HEADER:
		return !(c->proto & SMFIP_NR_HDR);
	case SMFIC_EOH:
		return !(c->proto & SMFIP_NR_EOH);
	case SMFIC_BODY:
		return !(c->proto & SMFIP_NR_BODY);
	default:
		return true;
	}
}

static enum mc_verdict mc_final(const struct mc *c)
{
	switch (c->cmd) {
	case SMFIR_CONTINUE:
		return MC_CONTINUE;
	case SMFIR_ACCEPT:
		return MC_ACCEPT;
	case SMFIR_REJECT:
		return MC_REJECT;
	case SMFIR_TEMPFAIL:
		return MC_TEMPFAIL;
	case SMFIR_DISCARD:
		return MC_DISCARD;
	case SMFIR_REPLYCODE:
		return c->len > 0 && c->buf[1] == '5'   ? MC_REJECT
		       : c->len > 0 && c->buf[1] == '4' ? MC_TEMPFAIL
		                                        : MC_ERROR;
	default:
		return MC_ERROR;
	}
}

/*
 * Send one step and read its answer when the milter gives one: 0 go on, 1 skip the rest of
 * the body (SMFIR_SKIP), 2 a reply ended the message (*v), -1 on failure.
 */
static int mc_step(struct mc *c, char cmd, const struct iovec *iov, int n, enum mc_verdict *v)
{
	if (mc_skipped(c, cmd))
		return 0;
	if (mc_sendv(c, cmd, iov, n) < 0)
		return -1;
	if (!mc_answers(c, cmd))
		return 0;
	do {
		if (mc_read(c) < 0)
			return -1;
	} while (c->cmd == SMFIR_PROGRESS);
	if (c->cmd == SMFIR_CONTINUE)
		return 0;
	if (c->cmd == SMFIR_SKIP && cmd == SMFIC_BODY)
		return 1;
	*v = mc_final(c);
	return *v == MC_ERROR ? -1 : 2;
}

/* Macros for a stage: name, value, name, value ..., NULL. */
static int mc_macros(struct mc *c, char stage, const char *const *nv)
{
	struct iovec v[15];
	int n = 0;

	v[n++] = (struct iovec){.iov_base = &stage, .iov_len = 1};
	for (; *nv != NULL && n < 15; nv++)
		v[n++] = (struct iovec){.iov_base = (void *)*nv, .iov_len = strlen(*nv) + 1};
	return mc_sendv(c, SMFIC_MACRO, v, n);
}

static struct iovec mc_str(const char *s)
{
	return (struct iovec){.iov_base = (void *)s, .iov_len = strlen(s) + 1};
}

/*
 * Connect to spec, negotiate (every action, every protocol step offered), and send CONNECT
 * from 192.0.2.10 and HELO. 0, or -1 (the connection is closed).
 */
static int mc_open(struct mc *c, const char *spec)
{
	unsigned char opt[12];
	enum mc_verdict v = MC_CONTINUE;
	unsigned char fam = SMFIA_INET, port[2] = {0x9c, 0x40}; /* 40000 */
	static const char *const conn_macros[] = {"j",
	                                          "mail.example.net",
	                                          "{daemon_name}",
	                                          "mail.example.net",
	                                          "_",
	                                          "client.example.org [192.0.2.10]",
	                                          NULL};
	struct iovec conn[] = {mc_str("client.example.org"),
	                       {.iov_base = &fam, .iov_len = 1},
	                       {.iov_base = port, .iov_len = 2},
	                       mc_str("192.0.2.10")};
	struct iovec helo = mc_str("client.example.org");

	c->fd = mc_dial(spec);
	if (c->fd < 0)
		return -1;
	mc_put32(opt, SMFI_PROT_VERSION);
	mc_put32(opt + 4, SMFI_CURR_ACTS);
	mc_put32(opt + 8, SMFI_CURR_PROT);
	if (mc_send(c, SMFIC_OPTNEG, opt, sizeof(opt)) < 0 || mc_read(c) < 0 ||
	    c->cmd != SMFIC_OPTNEG || c->len < 12)
		goto fail;
	c->actions = mc_get32(c->buf + 5);
	c->proto = mc_get32(c->buf + 9);
	if (mc_macros(c, SMFIC_CONNECT, conn_macros) < 0 ||
	    mc_step(c, SMFIC_CONNECT, conn, 4, &v) || mc_step(c, SMFIC_HELO, &helo, 1, &v))
		goto fail;
	return 0;
fail:
	mc_close(c);
	return -1;
}

/* QUIT and close. */
static void mc_quit(struct mc *c)
{
	if (c->fd >= 0)
		(void)mc_send(c, SMFIC_QUIT, NULL, 0);
	mc_close(c);
}

/* The body in packets of at most MILTER_CHUNK_SIZE bytes, across the message's pieces. */
static int mc_body(struct mc *c, const struct mc_message *m, enum mc_verdict *v)
{
	size_t piece = 0, off = 0;

	while (piece < m->nbody) {
		struct iovec iov[15];
		size_t len = 0;
		int n = 0, r;

		while (piece < m->nbody && len < MILTER_CHUNK_SIZE && n < 15) {
			size_t take = m->body[piece].iov_len - off;

			if (take > MILTER_CHUNK_SIZE - len)
				take = MILTER_CHUNK_SIZE - len;
			iov[n++] = (struct iovec){.iov_base = (char *)m->body[piece].iov_base + off,
			                          .iov_len = take};
			len += take;
			off += take;
			if (off == m->body[piece].iov_len) {
				piece++;
				off = 0;
			}
		}
		r = mc_step(c, SMFIC_BODY, iov, n, v);
		if (r != 0)
			return r == 1 ? 0 : r;
	}
	return 0;
}

/* End of message: modification replies until the final one. */
static enum mc_verdict mc_eom(struct mc *c, const char *queue_id)
{
	const char *const eom_macros[] = {"i", queue_id, NULL};

	if (mc_macros(c, SMFIC_BODYEOB, eom_macros) < 0 || mc_send(c, SMFIC_BODYEOB, NULL, 0) < 0)
		return MC_ERROR;
	for (;;) {
		if (mc_read(c) < 0)
			return MC_ERROR;
		switch (c->cmd) {
		case SMFIR_ADDRCPT:
		case SMFIR_DELRCPT:
		case SMFIR_ADDRCPT_PAR:
		case SMFIR_REPLBODY:
		case SMFIR_CHGFROM:
		case SMFIR_ADDHEADER:
		case SMFIR_INSHEADER:
		case SMFIR_CHGHEADER:
			c->modifications++;
			break;
		case SMFIR_QUARANTINE:
			c->quarantined++;
			break;
		case SMFIR_PROGRESS:
			break;
		default:
			return mc_final(c);
		}
	}
}

/*
 * A message up to its end: MAIL, RCPT, DATA, headers, end of headers, body. 0 when the end of
 * message is due (mc_eom), 1 when a reply ended the message early (*v, the message is then
 * aborted as an MTA would), -1 on failure (the connection is closed).
 */
static int mc_send_until_eom(struct mc *c, const struct mc_message *m, enum mc_verdict *v)
{
	char size[24], size_arg[32];
	/* {msg_size}: the size announced at MAIL, as Sendmail gives it (SIZE=); the ESMTP
	   argument SIZE= as both MTAs pass it. BENCH_NO_MSG_SIZE: no {msg_size}, as Postfix. */
	const char *const mail_macros[] = {"i",          m->queue_id, "{mail_addr}", m->sender,
	                                   "{msg_size}", size,        NULL};
	const char *const postfix_macros[] = {"i", m->queue_id, "{mail_addr}", m->sender, NULL};
	bool lead = c->proto & SMFIP_HDR_LEADSPC;
	struct iovec mail[2] = {mc_str(m->sender), {0}}, rcpt = mc_str(m->rcpt);
	size_t total = 0;
	int r;

	for (size_t i = 0; i < m->nheaders; i++)
		total += strlen(m->headers[i][0]) + strlen(m->headers[i][1]) + 4;
	for (size_t i = 0; i < m->nbody; i++)
		total += m->body[i].iov_len;
	snprintf(size, sizeof(size), "%zu", total);
	snprintf(size_arg, sizeof(size_arg), "SIZE=%zu", total);
	mail[1] = mc_str(size_arg);

	if (mc_macros(c, SMFIC_MAIL,
	              getenv("BENCH_NO_MSG_SIZE") != NULL ? postfix_macros : mail_macros) < 0)
		goto fail;
	r = mc_step(c, SMFIC_MAIL, mail, 2, v);
	if (r == 0)
		r = mc_step(c, SMFIC_RCPT, &rcpt, 1, v);
	if (r == 0)
		r = mc_step(c, SMFIC_DATA, NULL, 0, v);
	for (size_t i = 0; r == 0 && i < m->nheaders; i++) {
		/* with SMFIP_HDR_LEADSPC the value keeps the space after the colon */
		struct iovec h[3] = {mc_str(m->headers[i][0]),
		                     {.iov_base = " ", .iov_len = 1},
		                     mc_str(m->headers[i][1])};

		if (!lead)
			h[1] = h[2];
		r = mc_step(c, SMFIC_HEADER, h, lead ? 3 : 2, v);
	}
	if (r == 0)
		r = mc_step(c, SMFIC_EOH, NULL, 0, v);
	if (r == 0)
		r = mc_body(c, m, v);
	if (r == 0)
		return 0;
	if (r > 0 && mc_send(c, SMFIC_ABORT, NULL, 0) == 0)
		return 1;
fail:
	mc_close(c);
	return -1;
}

/* One message on an open connection, MAIL to the final reply. MC_ERROR closes it. */
static enum mc_verdict mc_send_message(struct mc *c, const struct mc_message *m)
{
	enum mc_verdict v = MC_ERROR;
	int r = mc_send_until_eom(c, m, &v);

	if (r < 0)
		return MC_ERROR;
	if (r > 0)
		return v;
	v = mc_eom(c, m->queue_id);
	if (v == MC_ERROR)
		mc_close(c);
	return v;
}
