/*
 * callbacks: the libmilter glue. Each mlfi_* callback is a few lines that call into the
 * session module (session.c); the smfi_* operations the actions need are wrapped here.
 * Only this file and main.c include <libmilter/mfapi.h>.
 *
 * libmilter runs one thread per MTA connection and calls one callback at a time per
 * connection, so the private data needs no lock. Failure inside a callback means tempfail.
 */

#include "milter/callbacks.h"
#include "milter/session.h"

#include <libmilter/mfapi.h>
#include <string.h>

static struct session *cb_session(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

static sfsistat cb_status(enum session_status s)
{
	switch (s) {
	case SESSION_ACCEPT:
		return SMFIS_ACCEPT;
	case SESSION_REJECT:
		return SMFIS_REJECT;
	case SESSION_TEMPFAIL:
		return SMFIS_TEMPFAIL;
	case SESSION_DISCARD:
		return SMFIS_DISCARD;
	default:
		return SMFIS_CONTINUE;
	}
}

/* ---- the operations of actions.c, through smfi_* ---- */

/* With SMFIP_HDR_LEADSPC the value we give is used verbatim: it brings its own space. */
static char *cb_value(SMFICTX *ctx, const char *value)
{
	struct session *s = cb_session(ctx);

	if (value == NULL)
		return NULL;
	return g_strconcat(s != NULL && session_leadspace(s) ? " " : "", value, NULL);
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

/* negotiate runs before connect: it leaves one of these as private data */
static const int cb_lead_yes = 1, cb_lead_no = 0;

static sfsistat mlfi_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	const int *lead = smfi_getpriv(ctx);
	struct session *s = session_new(&cb_ops, hostname, (const struct sockaddr *)hostaddr,
	                                lead == &cb_lead_yes);

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	smfi_setpriv(ctx, s);
	return cb_status(session_connect(s));
}

static sfsistat mlfi_helo(SMFICTX *ctx, char *helo)
{
	session_helo(cb_session(ctx), helo);
	return SMFIS_CONTINUE;
}

static sfsistat mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	return cb_status(session_envfrom(cb_session(ctx), ctx, argv[0]));
}

static sfsistat mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	return cb_status(session_envrcpt(cb_session(ctx), argv[0]));
}

static sfsistat mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	return cb_status(session_header(cb_session(ctx), name, value));
}

static sfsistat mlfi_eoh(SMFICTX *ctx)
{
	return cb_status(session_eoh(cb_session(ctx), ctx));
}

static sfsistat mlfi_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	return cb_status(session_body(cb_session(ctx), chunk, len));
}

static sfsistat mlfi_eom(SMFICTX *ctx)
{
	return cb_status(session_eom(cb_session(ctx), ctx));
}

static sfsistat mlfi_abort(SMFICTX *ctx)
{
	session_abort(cb_session(ctx));
	return SMFIS_CONTINUE;
}

static sfsistat mlfi_close(SMFICTX *ctx)
{
	struct session *s = cb_session(ctx);

	smfi_setpriv(ctx, NULL);
	if ((const void *)s != &cb_lead_yes && (const void *)s != &cb_lead_no)
		session_free(&s); /* (a connection that ended before connect has none) */
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
	/* headers exactly as received (leading space kept); no callbacks we do not use */
	*pf1 = (f1 & SMFIP_HDR_LEADSPC) | (f1 & (SMFIP_NOUNKNOWN | SMFIP_NODATA));
	*pf2 = 0;
	*pf3 = 0;
	smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_authen} {auth_type}");
	smfi_setsymlist(ctx, SMFIM_EOM, "i");
	smfi_setpriv(ctx, (void *)((f1 & SMFIP_HDR_LEADSPC) ? &cb_lead_yes : &cb_lead_no));
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
