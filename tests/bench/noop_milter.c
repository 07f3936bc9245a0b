/*
 * noop_milter: the floor of bench_milter. A libmilter program whose every callback does
 * nothing and answers SMFIS_NOREPLY in a no-reply step, SMFIS_CONTINUE elsewhere (end of
 * message too), registered with the same flags and negotiating the same actions, protocol
 * steps (no-reply ones included) and macros as partscan-milter (milter/callbacks.c). What it costs is what libmilter, its thread per connection and the
 * protocol cost; partscan-milter's figures are read against it.
 *
 * Usage: noop_milter -p SOCKET   (unix:PATH or inet:PORT@HOST; SIGTERM stops it)
 */

#include <libmilter/mfapi.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The no-reply steps negotiated, kept as the connection's private pointer (never
   dereferenced, never freed): a step negotiated so must answer SMFIS_NOREPLY, as
   partscan-milter's do. */
#define NOOP_NR_STEPS                                                                              \
	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR |            \
	 SMFIP_NR_EOH | SMFIP_NR_BODY)

static sfsistat noop_answer(SMFICTX *ctx, unsigned long step)
{
	uintptr_t nr = (uintptr_t)smfi_getpriv(ctx);

	return (nr & step) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat noop_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	return noop_answer(ctx, SMFIP_NR_CONN);
}

static sfsistat noop_helo(SMFICTX *ctx, char *helo)
{
	return noop_answer(ctx, SMFIP_NR_HELO);
}

static sfsistat noop_mail(SMFICTX *ctx, char **argv)
{
	return noop_answer(ctx, SMFIP_NR_MAIL);
}

static sfsistat noop_rcpt(SMFICTX *ctx, char **argv)
{
	return noop_answer(ctx, SMFIP_NR_RCPT);
}

static sfsistat noop_header(SMFICTX *ctx, char *name, char *value)
{
	return noop_answer(ctx, SMFIP_NR_HDR);
}

static sfsistat noop_eoh(SMFICTX *ctx)
{
	return noop_answer(ctx, SMFIP_NR_EOH);
}

static sfsistat noop_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	return noop_answer(ctx, SMFIP_NR_BODY);
}

static sfsistat noop_ctx(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat noop_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                               unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                               unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long want = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE;

	*pf0 = f0 & want;
	/* the no-reply steps too, as partscan-milter (CB_NOREPLY_STEPS in milter/callbacks.c):
	   a floor that answered every header and body chunk would be slower than it must be */
	*pf1 = (f1 & SMFIP_HDR_LEADSPC) | (f1 & (SMFIP_NOUNKNOWN | SMFIP_NODATA)) |
	       (f1 & NOOP_NR_STEPS);
	smfi_setpriv(ctx, (void *)(uintptr_t)(f1 & NOOP_NR_STEPS));
	*pf2 = 0;
	*pf3 = 0;
	smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_authen} {auth_type}");
	smfi_setsymlist(ctx, SMFIM_EOM, "i");
	return SMFIS_CONTINUE;
}

static struct smfiDesc noop_desc = {
        .xxfi_name = "noop",
        .xxfi_version = SMFI_VERSION,
        .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE,
        .xxfi_connect = noop_connect,
        .xxfi_helo = noop_helo,
        .xxfi_envfrom = noop_mail,
        .xxfi_envrcpt = noop_rcpt,
        .xxfi_header = noop_header,
        .xxfi_eoh = noop_eoh,
        .xxfi_body = noop_body,
        .xxfi_eom = noop_ctx,
        .xxfi_abort = noop_ctx,
        .xxfi_close = noop_ctx,
        .xxfi_negotiate = noop_negotiate,
};

int main(int argc, char **argv)
{
	const char *socket = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "p:")) != -1) {
		if (opt != 'p') {
			fprintf(stderr, "usage: noop_milter -p SOCKET\n");
			return 1;
		}
		socket = optarg;
	}
	if (socket == NULL) {
		fprintf(stderr, "usage: noop_milter -p SOCKET\n");
		return 1;
	}
	if (smfi_setconn((char *)socket) != MI_SUCCESS || smfi_register(noop_desc) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "noop_milter: cannot listen on %s\n", socket);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
