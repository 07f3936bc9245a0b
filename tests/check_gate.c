/* libcheck suite: gate_asm — the packet gate's queues: whole packets only, bounded (the gate
   on real sockets, splicing included: check_gate_splice). */

#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "milter/gate_asm.h"

/* A milter packet: 4 bytes of length, command, data. */
static void put_packet(GByteArray *s, char cmd, size_t datalen)
{
	uint32_t len = htonl((uint32_t)datalen + 1);

	g_byte_array_append(s, (const guint8 *)&len, 4);
	g_byte_array_append(s, (const guint8 *)&cmd, 1);
	for (size_t i = 0; i < datalen; i++) {
		guint8 b = (guint8)(i * 7 + (size_t)cmd);

		g_byte_array_append(s, &b, 1);
	}
}

/* Feed s in reads of step bytes (0: all the room offered), taking what is ready after each;
   returns what was taken. */
static GByteArray *feed(const GByteArray *s, size_t step, struct gate_asm *q)
{
	GByteArray *out = g_byte_array_new();
	size_t fed = 0;

	while (fed < s->len) {
		unsigned char *at;
		const unsigned char *ready;
		size_t room = gate_asm_room(q, &at), n, r;

		ck_assert_uint_gt(room, 0);
		n = MIN(step == 0 ? room : MIN(step, room), s->len - fed);
		memcpy(at, s->data + fed, n);
		fed += n;
		ck_assert_int_eq(gate_asm_filled(q, n, 1000 + (gint64)fed), 0);
		r = gate_asm_ready(q, &ready);
		g_byte_array_append(out, ready, (guint)r);
		gate_asm_sent(q, r);
	}
	return out;
}

/*
 * Reads of every small size over packets of every kind, and large reads over the largest
 * packets. Byte-sized reads over the 1.4 MB stream too, but not under valgrind (make
 * check-valgrind sets PARTSCAN_VALGRIND), where they take minutes.
 */
START_TEST(test_whole_packets_any_split)
{
	GByteArray *small = g_byte_array_new(), *large = g_byte_array_new();
	static const size_t steps[] = {1, 2, 3, 4, 5, 7, 13, 4096, 65535, 0};
	bool valgrind = getenv("PARTSCAN_VALGRIND") != NULL;

	put_packet(small, 'O', 12);
	put_packet(small, 'M', 30);
	put_packet(small, 'B', 300);
	put_packet(small, 'E', 0);
	put_packet(small, 'B', 5000);
	put_packet(small, 'Q', 0);
	put_packet(large, 'O', 12);
	put_packet(large, 'M', 30);
	for (int i = 0; i < 6; i++)
		put_packet(large, 'B', 65535);
	put_packet(large, 'E', 0);
	put_packet(large, 'B', GATE_ASM_MAX_PACKET - 1); /* the largest libmilter takes */
	put_packet(large, 'Q', 0);
	for (size_t i = 0; i < 2 * G_N_ELEMENTS(steps); i++) {
		const GByteArray *s = i < G_N_ELEMENTS(steps) ? small : large;
		size_t step = steps[i % G_N_ELEMENTS(steps)];
		struct gate_asm q;
		GByteArray *out;

		if (s == large && step > 0 && step < 4096 && (valgrind || step > 1))
			continue;

		gate_asm_init(&q, true);
		out = feed(s, step, &q);
		ck_assert_uint_eq(out->len, s->len);
		ck_assert_mem_eq(out->data, s->data, s->len);
		ck_assert_uint_eq(gate_asm_partial(&q), 0);
		ck_assert_int_eq(q.since, 0);
		ck_assert_uint_le(q.cap, GATE_ASM_QUEUE + GATE_ASM_MAX_PACKET + GATE_ASM_HDR +
		                                 GATE_ASM_READ);
		g_byte_array_unref(out);
		gate_asm_deinit(&q);
	}
	g_byte_array_unref(small);
	g_byte_array_unref(large);
}
END_TEST

START_TEST(test_partial_held)
{
	GByteArray *s = g_byte_array_new();
	struct gate_asm q;
	GByteArray *out;

	put_packet(s, 'M', 20);
	put_packet(s, 'B', 1000);
	g_byte_array_set_size(s, s->len - 1); /* the body packet's last byte never comes */
	gate_asm_init(&q, true);
	out = feed(s, 7, &q);
	ck_assert_uint_eq(out->len, 4 + 21); /* the whole MAIL only */
	ck_assert_uint_eq(gate_asm_partial(&q), 4 + 1000);
	/* the partial packet's time is that of its first byte, not of the latest */
	ck_assert_int_eq(q.since, 1000 + 28);
	gate_asm_drop_partial(&q);
	ck_assert_uint_eq(gate_asm_partial(&q), 0);
	ck_assert_int_eq(q.since, 0);
	g_byte_array_unref(out);
	gate_asm_deinit(&q);
	g_byte_array_unref(s);
}
END_TEST

START_TEST(test_impossible_length)
{
	static const uint32_t bad[] = {0, GATE_ASM_MAX_PACKET + 1, 0xffffffffu};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct gate_asm q;
		unsigned char *at;
		uint32_t len = htonl(bad[i]);

		gate_asm_init(&q, true);
		ck_assert_uint_ge(gate_asm_room(&q, &at), 4);
		memcpy(at, &len, 4);
		ck_assert_int_eq(gate_asm_filled(&q, 4, 1), -1);
		gate_asm_deinit(&q);
	}
}
END_TEST

/* libmilter does not take: reading stops once GATE_ASM_QUEUE bytes wait, and the buffer
   stays bounded however the MTA sends. */
START_TEST(test_backpressure)
{
	GByteArray *s = g_byte_array_new();
	struct gate_asm q;
	size_t fed = 0, room;
	unsigned char *at;

	while (s->len < 12 * GATE_ASM_QUEUE)
		put_packet(s, 'B', 65535);
	gate_asm_init(&q, true);
	while ((room = gate_asm_room(&q, &at)) > 0 && fed < s->len) {
		size_t n = MIN(MIN(room, 5000), s->len - fed);

		memcpy(at, s->data + fed, n);
		fed += n;
		ck_assert_int_eq(gate_asm_filled(&q, n, 1), 0);
	}
	ck_assert_uint_eq(room, 0);
	ck_assert_uint_lt(fed, s->len);
	ck_assert_uint_ge(fed, GATE_ASM_QUEUE);
	ck_assert_uint_le(q.cap,
	                  GATE_ASM_QUEUE + GATE_ASM_MAX_PACKET + GATE_ASM_HDR + GATE_ASM_READ);
	/* libmilter takes a little at a time: reading resumes and the buffer stays bounded */
	for (int i = 0; i < 4000 && fed < s->len; i++) {
		const unsigned char *ready;
		size_t r = gate_asm_ready(&q, &ready);

		gate_asm_sent(&q, MIN(r, 3000));
		room = gate_asm_room(&q, &at);
		if (room > 0) {
			size_t n = MIN(MIN(room, 70000), s->len - fed);

			memcpy(at, s->data + fed, n);
			fed += n;
			ck_assert_int_eq(gate_asm_filled(&q, n, 1), 0);
		}
		ck_assert_uint_le(q.cap, GATE_ASM_QUEUE + GATE_ASM_MAX_PACKET + GATE_ASM_HDR +
		                                 GATE_ASM_READ);
	}
	ck_assert_uint_eq(fed, s->len);
	gate_asm_deinit(&q);
	g_byte_array_unref(s);
}
END_TEST

/* libmilter's side: plain bytes, no packets (a reply is handed on as it comes). */
START_TEST(test_plain_queue)
{
	struct gate_asm q;
	unsigned char *at;
	const unsigned char *ready;

	gate_asm_init(&q, false);
	ck_assert_uint_ge(gate_asm_room(&q, &at), 3);
	memcpy(at, "\0\0\0", 3);
	ck_assert_int_eq(gate_asm_filled(&q, 3, 1), 0);
	ck_assert_uint_eq(gate_asm_ready(&q, &ready), 3);
	gate_asm_sent(&q, 2);
	ck_assert_uint_eq(gate_asm_ready(&q, &ready), 1);
	gate_asm_sent(&q, 1);
	ck_assert_uint_eq(gate_asm_ready(&q, &ready), 0);
	gate_asm_deinit(&q);
}
END_TEST

/* The splice bookkeeping: a large packet's rest counted outside the buffer, handed on whole
   and after the bytes before it; read back into the buffer when splicing fails. */
START_TEST(test_splice_queue)
{
	GByteArray *s = g_byte_array_new();
	struct gate_asm q;
	unsigned char *at;
	const unsigned char *ready;
	size_t want, room;

	put_packet(s, 'M', 20);
	put_packet(s, 'B', 40000);
	gate_asm_init(&q, true);
	/* the MAIL packet, the body packet's header and command, 995 bytes of its data */
	room = gate_asm_room(&q, &at);
	ck_assert_uint_ge(room, 25 + 1000);
	memcpy(at, s->data, 25 + 1000);
	ck_assert_int_eq(gate_asm_filled(&q, 25 + 1000, 7), 0);
	want = gate_asm_splice_want(&q);
	ck_assert_uint_eq(want, 4 + 40001 - 1000);
	gate_asm_spliced(&q, 10000);
	ck_assert_uint_eq(gate_asm_splice_want(&q), want - 10000);
	ck_assert_uint_eq(gate_asm_partial(&q), 1000 + 10000);
	ck_assert_uint_eq(gate_asm_room(&q, &at), 0); /* no read between piped bytes */
	ck_assert_uint_eq(gate_asm_ready(&q, &ready), 25);
	ck_assert_uint_eq(gate_asm_pipe_ready(&q), 0); /* not whole: nothing of it goes */
	ck_assert_int_eq(q.since, 7);
	gate_asm_sent(&q, 25);
	gate_asm_spliced(&q, want - 10000);
	ck_assert_uint_eq(gate_asm_partial(&q), 0);
	ck_assert_int_eq(q.since, 0);
	ck_assert_int_eq(q.last, 'B');
	ck_assert_uint_eq(gate_asm_splice_want(&q), 0);
	/* the packet's start from the buffer first, then the pipe's bytes */
	ck_assert_uint_eq(gate_asm_pipe_ready(&q), 0);
	ck_assert_uint_eq(gate_asm_ready(&q, &ready), 1000);
	ck_assert_mem_eq(ready, s->data + 25, 1000);
	gate_asm_sent(&q, 600);
	ck_assert_uint_eq(gate_asm_pipe_ready(&q), 0);
	gate_asm_sent(&q, 400);
	ck_assert_uint_eq(gate_asm_pipe_ready(&q), 4 + 40001 - 1000);
	gate_asm_pipe_sent(&q, 3000);
	gate_asm_pipe_sent(&q, 4 + 40001 - 1000 - 3000);
	ck_assert_uint_eq(gate_asm_pipe_ready(&q), 0);
	/* the last packet was large: the next read stops after a header and command */
	ck_assert_uint_gt(gate_asm_room(&q, &at), 5);
	ck_assert_uint_eq(gate_asm_read_max(&q, 65536), 5);
	memcpy(at, s->data, 3);
	ck_assert_int_eq(gate_asm_filled(&q, 3, 9), 0);
	ck_assert_uint_eq(gate_asm_read_max(&q, 65536), 2);
	gate_asm_deinit(&q);

	/* splicing fails half way: the pipe's bytes come back, then the rest is read */
	for (int whole = 0; whole < 2; whole++) {
		size_t piped = whole ? 4 + 40001 - 1000 : 5000;
		GByteArray *out = g_byte_array_new();

		gate_asm_init(&q, true);
		ck_assert_uint_ge(gate_asm_room(&q, &at), 25 + 1000);
		memcpy(at, s->data, 25 + 1000);
		ck_assert_int_eq(gate_asm_filled(&q, 25 + 1000, 7), 0);
		gate_asm_spliced(&q, piped);
		ck_assert_uint_eq(gate_asm_unpipe_room(&q, &at), piped);
		memcpy(at, s->data + 25 + 1000, 2000);
		gate_asm_unpiped(&q, 2000);
		ck_assert_uint_eq(gate_asm_unpipe_room(&q, &at), piped - 2000);
		memcpy(at, s->data + 25 + 1000 + 2000, piped - 2000);
		gate_asm_unpiped(&q, piped - 2000);
		ck_assert_uint_eq(gate_asm_unpipe_room(&q, &at), 0);
		ck_assert_uint_eq(gate_asm_partial(&q), whole ? 0 : 1000 + piped);
		ck_assert_int_eq(q.since, whole ? 0 : 7);
		if (!whole) {
			size_t rest = s->len - 25 - 1000 - piped;

			ck_assert_uint_ge(gate_asm_room(&q, &at), rest);
			memcpy(at, s->data + s->len - rest, rest);
			ck_assert_int_eq(gate_asm_filled(&q, rest, 8), 0);
		}
		ck_assert_uint_eq(gate_asm_partial(&q), 0);
		g_byte_array_append(out, gate_asm_ready(&q, &ready) > 0 ? ready : NULL,
		                    (guint)gate_asm_ready(&q, &ready));
		ck_assert_uint_eq(out->len, s->len);
		ck_assert_mem_eq(out->data, s->data, s->len);
		g_byte_array_unref(out);
		gate_asm_deinit(&q);
	}

	/* the sender ends in the middle: the piped part is dropped with the rest */
	gate_asm_init(&q, true);
	ck_assert_uint_ge(gate_asm_room(&q, &at), 25 + 1000);
	memcpy(at, s->data, 25 + 1000);
	ck_assert_int_eq(gate_asm_filled(&q, 25 + 1000, 7), 0);
	gate_asm_spliced(&q, 20000);
	gate_asm_drop_partial(&q);
	ck_assert_uint_eq(gate_asm_partial(&q), 0);
	ck_assert_uint_eq(q.piped, 0);
	ck_assert_uint_eq(gate_asm_ready(&q, &ready), 25);
	gate_asm_deinit(&q);

	/* a small packet's rest is read, not spliced */
	gate_asm_init(&q, true);
	g_byte_array_set_size(s, 0);
	put_packet(s, 'B', GATE_ASM_SPLICE_MIN - 10);
	ck_assert_uint_ge(gate_asm_room(&q, &at), 100);
	memcpy(at, s->data, 100);
	ck_assert_int_eq(gate_asm_filled(&q, 100, 7), 0);
	ck_assert_uint_eq(gate_asm_splice_want(&q), 0);
	gate_asm_deinit(&q);
	g_byte_array_unref(s);
}
END_TEST

static Suite *gate_suite(void)
{
	Suite *s = suite_create("gate");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_whole_packets_any_split);
	tcase_add_test(tc, test_partial_held);
	tcase_add_test(tc, test_impossible_length);
	tcase_add_test(tc, test_backpressure);
	tcase_add_test(tc, test_plain_queue);
	tcase_add_test(tc, test_splice_queue);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(gate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
