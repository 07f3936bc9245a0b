/*
 * check_conn: the connection state machine (milter/conn.c) over a stand-in session whose
 * answers each test sets: which steps answer and which are no-reply, the failure of a no-reply
 * step kept and given at end of message (the message then aborted, never scanned and passed),
 * an accept in a no-reply step, and what starts a message over (MAIL, abort, CONNECT; a failed
 * CONNECT fails every message to the next).
 *
 * The session_* functions below replace milter/session.c in this program (the linker takes
 * them before the library's), so a failure can be made in any step while the session would
 * otherwise pass the message: what check_session cannot show, its real session failing
 * every later step too.
 */

#include <check.h>
#include <glib.h>
#include <string.h>

#include "milter/conn.h"

/* ---- the stand-in session ---- */

struct session {
	int unused;
};

static struct session stub_session;
static enum session_status answer[8]; /* by step, below */
static unsigned int eom_calls, abort_calls;

enum step { S_CONNECT, S_MAIL, S_RCPT, S_HEADER, S_EOH, S_BODY, S_EOM };

struct session *session_new(const struct session_ops *ops, const char *hostname,
                            const struct sockaddr *addr, bool leadspace)
{
	(void)ops;
	(void)hostname;
	(void)addr;
	(void)leadspace;
	return &stub_session;
}

void session_free(struct session **s)
{
	*s = NULL;
}

enum session_status session_connect(struct session *s)
{
	(void)s;
	return answer[S_CONNECT];
}

void session_helo(struct session *s, const char *helo)
{
	(void)s;
	(void)helo;
}

enum session_status session_envfrom(struct session *s, void *ctx, const char *sender)
{
	(void)s;
	(void)ctx;
	(void)sender;
	return answer[S_MAIL];
}

void session_esmtp_args(struct session *s, const char *const *args)
{
	(void)s;
	(void)args;
}

enum session_status session_envrcpt(struct session *s, const char *rcpt)
{
	(void)s;
	(void)rcpt;
	return answer[S_RCPT];
}

enum session_status session_header(struct session *s, const char *name, const char *value)
{
	(void)s;
	(void)name;
	(void)value;
	return answer[S_HEADER];
}

enum session_status session_eoh(struct session *s, void *ctx)
{
	(void)s;
	(void)ctx;
	return answer[S_EOH];
}

enum session_status session_body(struct session *s, const unsigned char *chunk, size_t len)
{
	(void)s;
	(void)chunk;
	(void)len;
	return answer[S_BODY];
}

enum session_status session_eom(struct session *s, void *ctx)
{
	(void)s;
	(void)ctx;
	eom_calls++;
	return answer[S_EOM];
}

void session_abort(struct session *s)
{
	(void)s;
	abort_calls++;
}

/* ---- tests ---- */

#define ALL_NR                                                                                     \
	(CONN_NR_CONNECT | CONN_NR_HELO | CONN_NR_MAIL | CONN_NR_RCPT | CONN_NR_HEADER |           \
	 CONN_NR_EOH | CONN_NR_BODY)

static struct conn *fresh(unsigned int noreply)
{
	struct conn *c = conn_new(NULL);

	memset(answer, 0, sizeof(answer));
	eom_calls = abort_calls = 0;
	conn_negotiate(c, false, noreply);
	return c;
}

/* One message on c: every step's answer (the last, end of message's). */
static enum conn_reply message(struct conn *c, enum conn_reply got[7])
{
	static const unsigned char body[] = "text\r\n";

	got[S_CONNECT] = conn_connect(c, "client.example.org", NULL);
	got[S_MAIL] = conn_envfrom(c, NULL, "<a@example.org>");
	got[S_RCPT] = conn_envrcpt(c, "<b@example.net>");
	got[S_HEADER] = conn_header(c, "Subject", "x");
	got[S_EOH] = conn_eoh(c, NULL);
	got[S_BODY] = conn_body(c, body, sizeof(body) - 1);
	got[S_EOM] = conn_eom(c, NULL);
	return got[S_EOM];
}

/* Every step no-reply answers nothing; a message that passes every step continues. */
START_TEST(test_noreply_steps)
{
	struct conn *c = fresh(ALL_NR);
	enum conn_reply got[7];

	ck_assert_int_eq(message(c, got), CONN_CONTINUE);
	for (int i = S_CONNECT; i < S_EOM; i++)
		ck_assert_int_eq(got[i], CONN_NOREPLY);
	ck_assert_uint_eq(eom_calls, 1);
	conn_free(&c);
	/* no options: every step answers */
	c = fresh(0);
	ck_assert_int_eq(message(c, got), CONN_CONTINUE);
	for (int i = S_CONNECT; i < S_EOM; i++)
		ck_assert_int_eq(got[i], CONN_CONTINUE);
	conn_free(&c);
}
END_TEST

/*
 * A tempfail or a reject in any no-reply step, the session passing everything after it: the
 * answer at end of message is a tempfail, the message is aborted and never scanned there.
 * Without no-reply the step answers it itself.
 */
START_TEST(test_kept_failure)
{
	static const enum session_status fails[] = {SESSION_TEMPFAIL, SESSION_REJECT,
	                                            SESSION_DISCARD};

	for (int step = S_CONNECT; step < S_EOM; step++) {
		for (size_t f = 0; f < G_N_ELEMENTS(fails); f++) {
			struct conn *c = fresh(ALL_NR);
			enum conn_reply got[7];

			answer[step] = fails[f];
			ck_assert_msg(message(c, got) == CONN_TEMPFAIL, "step %d failure %zu: %d",
			              step, f, got[S_EOM]);
			ck_assert_int_eq(got[step], CONN_NOREPLY);
			ck_assert_uint_eq(eom_calls, 0);
			ck_assert_uint_ge(abort_calls, 1);
			/* the next message starts clean */
			answer[step] = SESSION_CONTINUE;
			ck_assert_int_eq(message(c, got), CONN_CONTINUE);
			conn_free(&c);

			c = fresh(0);
			answer[step] = fails[f];
			(void)message(c, got);
			ck_assert_int_ne(got[step], CONN_NOREPLY);
			ck_assert_int_ne(got[step], CONN_CONTINUE);
			conn_free(&c);
		}
	}
}
END_TEST

/* An accept in a no-reply step cannot be told to the MTA: the message goes on to its end,
   where the session decides. */
START_TEST(test_noreply_accept)
{
	struct conn *c = fresh(ALL_NR);
	enum conn_reply got[7];

	answer[S_EOH] = SESSION_ACCEPT;
	answer[S_EOM] = SESSION_REJECT;
	ck_assert_int_eq(message(c, got), CONN_REJECT);
	ck_assert_uint_eq(eom_calls, 1);
	conn_free(&c);
}
END_TEST

/* A failure kept from one message is forgotten by an abort and by the next MAIL, not by a
   later step of the same message. */
START_TEST(test_kept_until)
{
	struct conn *c = fresh(ALL_NR);

	ck_assert_int_eq(conn_connect(c, "h", NULL), CONN_NOREPLY);
	ck_assert_int_eq(conn_envfrom(c, NULL, "<a@b>"), CONN_NOREPLY);
	answer[S_RCPT] = SESSION_TEMPFAIL;
	ck_assert_int_eq(conn_envrcpt(c, "<c@d>"), CONN_NOREPLY);
	answer[S_RCPT] = SESSION_CONTINUE;
	ck_assert_int_eq(conn_envrcpt(c, "<e@f>"), CONN_NOREPLY);
	ck_assert_int_eq(conn_eoh(c, NULL), CONN_NOREPLY);
	ck_assert_int_eq(conn_eom(c, NULL), CONN_TEMPFAIL);
	/* kept, then aborted */
	answer[S_HEADER] = SESSION_TEMPFAIL;
	ck_assert_int_eq(conn_envfrom(c, NULL, "<a@b>"), CONN_NOREPLY);
	ck_assert_int_eq(conn_header(c, "X", "y"), CONN_NOREPLY);
	conn_abort(c);
	answer[S_HEADER] = SESSION_CONTINUE;
	ck_assert_int_eq(conn_envfrom(c, NULL, "<a@b>"), CONN_NOREPLY);
	ck_assert_int_eq(conn_eom(c, NULL), CONN_CONTINUE);
	/* kept, then a new MAIL */
	answer[S_BODY] = SESSION_TEMPFAIL;
	ck_assert_int_eq(conn_body(c, (const unsigned char *)"x", 1), CONN_NOREPLY);
	answer[S_BODY] = SESSION_CONTINUE;
	ck_assert_int_eq(conn_envfrom(c, NULL, "<a@b>"), CONN_NOREPLY);
	ck_assert_int_eq(conn_eom(c, NULL), CONN_CONTINUE);
	conn_free(&c);
}
END_TEST

/* A failed CONNECT (no reply) fails every message of the connection, aborted or not, until
   the next CONNECT. */
START_TEST(test_connect_failed)
{
	struct conn *c = fresh(ALL_NR);

	answer[S_CONNECT] = SESSION_TEMPFAIL;
	ck_assert_int_eq(conn_connect(c, "h", NULL), CONN_NOREPLY);
	answer[S_CONNECT] = SESSION_CONTINUE;
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(conn_envfrom(c, NULL, "<a@b>"), CONN_NOREPLY);
		ck_assert_int_eq(conn_eoh(c, NULL), CONN_NOREPLY);
		if (i == 1)
			conn_abort(c);
		else
			ck_assert_int_eq(conn_eom(c, NULL), CONN_TEMPFAIL);
	}
	ck_assert_uint_eq(eom_calls, 0);
	ck_assert_int_eq(conn_connect(c, "h", NULL), CONN_NOREPLY);
	ck_assert_int_eq(conn_envfrom(c, NULL, "<a@b>"), CONN_NOREPLY);
	ck_assert_int_eq(conn_eom(c, NULL), CONN_CONTINUE);
	conn_free(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_noreply_steps);
	tcase_add_test(tc, test_kept_failure);
	tcase_add_test(tc, test_noreply_accept);
	tcase_add_test(tc, test_kept_until);
	tcase_add_test(tc, test_connect_failed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
