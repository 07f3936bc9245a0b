/*
 * fuzz_session: a libFuzzer target over the milter's per-connection state machine (conn.c
 * and session.c, everything the libmilter callbacks call). The input is a sequence of
 * events, each one byte (which event, and a flag) and, for those that carry one, a length
 * byte and up to 63 bytes of payload: negotiation, connect, HELO, MAIL, RCPT, header, end of
 * headers, body chunk, end of message, abort, close, and a switch between three snapshots
 * (default policy; skip rules; no signatures with error = accept). Any order must neither
 * crash nor pass a message at end of message without scanning (and tagging) it, nor pass one
 * begun without signatures.
 *
 *   make build-fuzz/fuzz_session && build-fuzz/fuzz_session -max_total_time=30
 * PARTSCAN_FUZZ_DB names the signatures (default contrib/test-signatures).
 */

#include "milter/conn.h"
#include "milter/live.h"
#include "milter/mlog.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned int fz_tagged; /* X-Virus-Status headers added */

static int op_ok(void)
{
	return 0;
}

static int fz_add(void *ctx, const char *name, const char *value)
{
	if (strcmp(name, "X-Virus-Status") == 0)
		fz_tagged++;
	return op_ok();
}

static int fz_change(void *ctx, const char *name, int index, const char *value)
{
	return op_ok();
}

static int fz_body(void *ctx, const unsigned char *d, size_t len)
{
	return op_ok();
}

static int fz_hold(void *ctx, const char *reason)
{
	return op_ok();
}

static int fz_reply(void *ctx, const char *rcode, const char *xcode, const char *text)
{
	return op_ok();
}

static void fz_progress(void *ctx)
{
}

static const char *fz_macro(void *ctx, const char *name)
{
	return strcmp(name, "i") == 0 ? "FUZZQID" : NULL;
}

static const struct session_ops fz_ops = {
        .actions = {fz_add, fz_change, fz_body, fz_hold, fz_reply},
        .progress = fz_progress,
        .macro = fz_macro,
};

static struct live *fz_lives[3];

static struct live *fz_live(const char *text, bool with_db)
{
	const char *path = getenv("PARTSCAN_FUZZ_DB");
	const char *paths[] = {path != NULL ? path : "contrib/test-signatures", NULL};
	struct conf *c;
	struct sigdb *db = NULL;
	GError *error = NULL;

	if (conf_parse("fuzz", text, strlen(text), &c, &error) < 0 ||
	    (with_db && sigdb_load(paths, NULL, &db, &error) < 0)) {
		fprintf(stderr, "fuzz_session: %s\n", error->message);
		abort();
	}
	return live_new(c, db, 0);
}

static void fz_init(void)
{
	if (fz_lives[0] != NULL)
		return;
	mlog_init("fuzz_session", "mail", false);
	if (mlog_open("/dev/null", NULL) < 0)
		abort();
	fz_lives[0] = fz_live("[log]\nsyslog = no\n", true);
	fz_lives[1] = fz_live("[log]\nsyslog = no\n[skip]\nnetworks = 192.0.2.0/24\n"
	                      "senders = *@trusted.example\nrecipients = *@lists.example\n",
	                      true);
	fz_lives[2] = fz_live("[log]\nsyslog = no\n[policy]\nerror = accept\n", false);
	live_publish(live_ref(fz_lives[0]));
}

/* A payload: a length byte (mod 64) and that many bytes, as a NUL-terminated string. */
static size_t fz_payload(const uint8_t *data, size_t size, size_t *off, char *buf)
{
	size_t n;

	if (*off >= size) {
		buf[0] = '\0';
		return 0;
	}
	n = data[(*off)++] & 63;
	n = MIN(n, size - *off);
	memcpy(buf, data + *off, n);
	buf[n] = '\0';
	*off += n;
	return n;
}

enum {
	FZ_NEGOTIATE,
	FZ_CONNECT,
	FZ_HELO,
	FZ_MAIL,
	FZ_RCPT,
	FZ_HEADER,
	FZ_EOH,
	FZ_BODY,
	FZ_EOM,
	FZ_ABORT,
	FZ_CLOSE,
	FZ_SNAPSHOT,
	FZ_COUNT
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn *c;
	unsigned int current = 0, at_mail = 0; /* the snapshot now, and at the last MAIL */
	char buf[64], *colon;
	size_t off = 0, n;

	fz_init();
	live_publish(live_ref(fz_lives[0]));
	c = conn_new(&fz_ops);
	while (off < size) {
		unsigned int op = data[off] % FZ_COUNT, flag = data[off] / FZ_COUNT;
		struct sockaddr_in sin = {.sin_family = AF_INET};
		struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
		enum conn_reply r;

		off++;
		switch (op) {
		case FZ_NEGOTIATE:
			conn_negotiate(c, flag & 1, flag >> 1);
			break;
		case FZ_CONNECT:
			n = fz_payload(data, size, &off, buf);
			inet_pton(AF_INET, flag & 1 ? "192.0.2.7" : "198.51.100.1", &sin.sin_addr);
			inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
			(void)conn_connect(c, n > 0 ? buf : NULL,
			                   flag % 3 == 0   ? NULL
			                   : flag % 3 == 1 ? (struct sockaddr *)&sin
			                                   : (struct sockaddr *)&sin6);
			break;
		case FZ_HELO:
			fz_payload(data, size, &off, buf);
			(void)conn_helo(c, buf);
			break;
		case FZ_MAIL:
			fz_payload(data, size, &off, buf);
			(void)conn_envfrom(c, NULL, flag & 1 ? "<x@trusted.example>" : buf);
			at_mail = current;
			break;
		case FZ_RCPT:
			fz_payload(data, size, &off, buf);
			(void)conn_envrcpt(c, flag & 1 ? "<y@lists.example>" : buf);
			break;
		case FZ_HEADER:
			fz_payload(data, size, &off, buf);
			colon = strchr(buf, ':');
			if (colon != NULL)
				*colon++ = '\0';
			(void)conn_header(c, buf, colon != NULL ? colon : "");
			break;
		case FZ_EOH:
			(void)conn_eoh(c, NULL);
			break;
		case FZ_BODY:
			n = fz_payload(data, size, &off, buf);
			(void)conn_body(c, (const unsigned char *)buf, n);
			break;
		case FZ_EOM:
			fz_tagged = 0;
			r = conn_eom(c, NULL);
			/* never "no reply"; passed only when scanned and tagged, never without
			   signatures */
			if (r == CONN_NOREPLY ||
			    (r == CONN_CONTINUE && (fz_tagged == 0 || at_mail == 2)))
				abort();
			break;
		case FZ_ABORT:
			conn_abort(c);
			break;
		case FZ_CLOSE:
			conn_free(&c);
			c = conn_new(&fz_ops);
			break;
		default:
			current = flag % 3;
			live_publish(live_ref(fz_lives[current]));
			break;
		}
	}
	conn_free(&c);
	return 0;
}
