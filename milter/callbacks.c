/*
 * callbacks: the libmilter glue. Each mlfi_* callback is one call into the connection's state
 * machine (conn.c, which drives session.c); the smfi_* operations the actions need are
 * wrapped here.
 * Only this file and main.c include <libmilter/mfapi.h>.
 *
 * libmilter runs one thread per MTA connection and calls one callback at a time per
 * connection, so the private data needs no lock. Failure inside a callback means tempfail.
 *
 * Steps whose answer is "continue" (connect, HELO, MAIL, RCPT, each header, end of headers,
 * each body chunk) are negotiated as no-reply when the MTA offers it: the MTA does not wait
 * for them, which saves a round trip per header line, and leaves one per message (its end).
 * A failure in such a step (MAIL or end of headers out of order) is kept and given as the
 * answer at end of message.
 */

#include "milter/callbacks.h"
#include "milter/conn.h"

#include <libmilter/mfapi.h>
#include <string.h>

#define CB_NOREPLY_STEPS                                                                           \
	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR |            \
	 SMFIP_NR_EOH | SMFIP_NR_BODY)

/* The connection of ctx: made at negotiation, or at the first callback of an MTA that does
   not negotiate (milter protocol 2: it wants a reply to everything). */
static struct conn *cb_conn(SMFICTX *ctx);

static sfsistat cb_status(enum conn_reply r)
{
	switch (r) {
	case CONN_ACCEPT:
		return SMFIS_ACCEPT;
	case CONN_REJECT:
		return SMFIS_REJECT;
	case CONN_TEMPFAIL:
		return SMFIS_TEMPFAIL;
	case CONN_DISCARD:
		return SMFIS_DISCARD;
	case CONN_NOREPLY:
		return SMFIS_NOREPLY;
	default:
		return SMFIS_CONTINUE;
	}
}

/* ---- the operations of actions.c, through smfi_* ---- */

/* With SMFIP_HDR_LEADSPC the value we give is used verbatim: it brings its own space. */
static char *cb_value(SMFICTX *ctx, const char *value)
{
	if (value == NULL)
		return NULL;
	return g_strconcat(conn_leadspace(cb_conn(ctx)) ? " " : "", value, NULL);
}

static int op_add_header(void *ctx, const char *name, const char *value)
{
	char *v = cb_value(ctx, value);
	int r = smfi_addheader(ctx, (char *)name, v) == MI_SUCCESS ? 0 : -1;

	g_free(v);
	return r;
}

static int op_change_header(void *ctx, const char *name, int index, const char *value)
{
	char *v = cb_value(ctx, value);
	int r = smfi_chgheader(ctx, (char *)name, index, v) == MI_SUCCESS ? 0 : -1;

	g_free(v);
	return r;
}

static int op_replace_body(void *ctx, const unsigned char *data, size_t len)
{
	/* libmilter takes int lengths: feed it in pieces */
	while (len > 0) {
		int n = len > 65536 ? 65536 : (int)len;

		if (smfi_replacebody(ctx, (unsigned char *)data, n) != MI_SUCCESS)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int op_quarantine(void *ctx, const char *reason)
{
	return smfi_quarantine(ctx, (char *)reason) == MI_SUCCESS ? 0 : -1;
}

static int op_set_reply(void *ctx, const char *rcode, const char *xcode, const char *text)
{
	return smfi_setreply(ctx, (char *)rcode, (char *)xcode, (char *)text) == MI_SUCCESS ? 0
	                                                                                    : -1;
}

static void op_progress(void *ctx)
{
	(void)smfi_progress(ctx);
}

static const char *op_macro(void *ctx, const char *name)
{
	return smfi_getsymval(ctx, (char *)name);
}

static const struct session_ops cb_ops = {
        .actions =
                {
                        .add_header = op_add_header,
                        .change_header = op_change_header,
                        .replace_body = op_replace_body,
                        .quarantine = op_quarantine,
                        .set_reply = op_set_reply,
                },
        .progress = op_progress,
        .macro = op_macro,
};

/* ---- callbacks ---- */

static struct conn *cb_conn(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL) {
		c = conn_new(&cb_ops);
		smfi_setpriv(ctx, c);
	}
	return c;
}

static sfsistat mlfi_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	return cb_status(conn_connect(cb_conn(ctx), hostname, (const struct sockaddr *)hostaddr));
}

static sfsistat mlfi_helo(SMFICTX *ctx, char *helo)
{
	return cb_status(conn_helo(cb_conn(ctx), helo));
}

static sfsistat mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	enum conn_reply r = conn_envfrom(cb_conn(ctx), ctx, argv[0]);

	conn_esmtp_args(cb_conn(ctx), (const char *const *)argv + 1); /* SIZE= */
	return cb_status(r);
}

static sfsistat mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	return cb_status(conn_envrcpt(cb_conn(ctx), argv[0]));
}

static sfsistat mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	return cb_status(conn_header(cb_conn(ctx), name, value));
}

static sfsistat mlfi_eoh(SMFICTX *ctx)
{
	return cb_status(conn_eoh(cb_conn(ctx), ctx));
}

static sfsistat mlfi_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	return cb_status(conn_body(cb_conn(ctx), chunk, len));
}

static sfsistat mlfi_eom(SMFICTX *ctx)
{
	return cb_status(conn_eom(cb_conn(ctx), ctx));
}

static sfsistat mlfi_abort(SMFICTX *ctx)
{
	conn_abort(cb_conn(ctx));
	return SMFIS_CONTINUE;
}

static sfsistat mlfi_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	smfi_setpriv(ctx, NULL);
	conn_free(&c);
	return SMFIS_CONTINUE;
}

static sfsistat mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                               unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                               unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long want = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE;

	if ((f0 & want) != want) {
		/* the MTA cannot modify messages: we can still reject and tempfail */
		*pf0 = f0 & want;
	} else {
		*pf0 = want;
	}
	/* headers exactly as received (leading space kept); no callbacks we do not use; no
	   replies the MTA would wait for in vain */
	*pf1 = (f1 & SMFIP_HDR_LEADSPC) | (f1 & (SMFIP_NOUNKNOWN | SMFIP_NODATA)) |
	       (f1 & CB_NOREPLY_STEPS);
	*pf2 = 0;
	*pf3 = 0;
	smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_authen} {auth_type}");
	smfi_setsymlist(ctx, SMFIM_EOM, "i");
	conn_negotiate(cb_conn(ctx), (f1 & SMFIP_HDR_LEADSPC) != 0,
	               ((f1 & SMFIP_NR_CONN) ? CONN_NR_CONNECT : 0) |
	                       ((f1 & SMFIP_NR_HELO) ? CONN_NR_HELO : 0) |
	                       ((f1 & SMFIP_NR_RCPT) ? CONN_NR_RCPT : 0) |
	                       ((f1 & SMFIP_NR_HDR) ? CONN_NR_HEADER : 0) |
	                       ((f1 & SMFIP_NR_BODY) ? CONN_NR_BODY : 0) |
	                       ((f1 & SMFIP_NR_MAIL) ? CONN_NR_MAIL : 0) |
	                       ((f1 & SMFIP_NR_EOH) ? CONN_NR_EOH : 0));
	return SMFIS_CONTINUE;
}

static struct smfiDesc cb_desc = {
        .xxfi_name = "partscan",
        .xxfi_version = SMFI_VERSION,
        .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE,
        .xxfi_connect = mlfi_connect,
        .xxfi_helo = mlfi_helo,
        .xxfi_envfrom = mlfi_envfrom,
        .xxfi_envrcpt = mlfi_envrcpt,
        .xxfi_header = mlfi_header,
        .xxfi_eoh = mlfi_eoh,
        .xxfi_body = mlfi_body,
        .xxfi_eom = mlfi_eom,
        .xxfi_abort = mlfi_abort,
        .xxfi_close = mlfi_close,
        .xxfi_negotiate = mlfi_negotiate,
};

int callbacks_register(void)
{
	return smfi_register(cb_desc) == MI_SUCCESS ? 0 : -1;
}
