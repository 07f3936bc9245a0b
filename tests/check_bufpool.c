/* libcheck suite: bufpool — large message buffers kept for the next message, bounded. */

#include <check.h>
#include <stdlib.h>

#include "milter/bufpool.h"

START_TEST(test_reuse)
{
	size_t cap, cap2, bytes;
	GByteArray *a = bufpool_take(3 * BUFPOOL_MIN, &cap), *b;
	guint8 *data = a->data;

	ck_assert_uint_ge(cap, 3 * BUFPOOL_MIN);
	g_byte_array_set_size(a, 1000);
	bufpool_give(&a, cap);
	ck_assert_ptr_null(a);
	ck_assert_uint_eq(bufpool_count(&bytes), 1);
	ck_assert_uint_eq(bytes, cap);
	/* a smaller message gets the kept buffer, empty */
	b = bufpool_take(2 * BUFPOOL_MIN, &cap2);
	ck_assert_ptr_eq(b->data, data);
	ck_assert_uint_eq(b->len, 0);
	ck_assert_uint_eq(cap2, cap);
	ck_assert_uint_eq(bufpool_count(NULL), 0);
	/* a larger one gets a new buffer */
	bufpool_give(&b, cap2);
	a = bufpool_take(4 * BUFPOOL_MIN, &cap);
	ck_assert_ptr_ne(a->data, data);
	ck_assert_uint_eq(bufpool_count(NULL), 1);
	bufpool_give(&a, cap);
	ck_assert_uint_eq(bufpool_count(NULL), 2);
	/* the smallest that fits is taken */
	a = bufpool_take(BUFPOOL_MIN, &cap);
	ck_assert_ptr_eq(a->data, data);
	bufpool_give(&a, cap);
	bufpool_trim();
	ck_assert_uint_eq(bufpool_count(&bytes), 0);
	ck_assert_uint_eq(bytes, 0);
	bufpool_give(&a, cap); /* NULL: nothing */
}
END_TEST

START_TEST(test_bounds)
{
	GByteArray *b[BUFPOOL_MAX + 4];
	size_t cap[BUFPOOL_MAX + 4], bytes;

	/* small buffers are not kept */
	b[0] = bufpool_take(1000, &cap[0]);
	bufpool_give(&b[0], cap[0]);
	ck_assert_uint_eq(bufpool_count(NULL), 0);
	/* no more than BUFPOOL_MAX buffers */
	for (int i = 0; i < BUFPOOL_MAX + 4; i++)
		b[i] = bufpool_take(BUFPOOL_MIN, &cap[i]);
	for (int i = 0; i < BUFPOOL_MAX + 4; i++)
		bufpool_give(&b[i], cap[i]);
	ck_assert_uint_eq(bufpool_count(NULL), BUFPOOL_MAX);
	bufpool_trim();
	/* no more than BUFPOOL_BYTES (pages never touched: address space only) */
	b[0] = bufpool_take(BUFPOOL_BYTES / 2 + 1, &cap[0]);
	b[1] = bufpool_take(BUFPOOL_BYTES / 2 + 1, &cap[1]);
	bufpool_give(&b[0], cap[0]);
	bufpool_give(&b[1], cap[1]);
	ck_assert_uint_eq(bufpool_count(&bytes), 1);
	ck_assert_uint_le(bytes, BUFPOOL_BYTES);
	bufpool_trim();
}
END_TEST

/* Sizes a few bytes apart share a class: one message's buffer serves the next. */
START_TEST(test_size_class)
{
	size_t sizes[] = {BUFPOOL_MIN + 1, 3 * BUFPOOL_MIN / 2, 14100000, 14100000 + 4096,
	                  256 * 1024 * 1024 - 1};
	size_t cap, cap2;
	GByteArray *a, *b;
	guint8 *data;

	ck_assert_uint_eq(bufpool_class(1000), 1000);
	ck_assert_uint_eq(bufpool_class(BUFPOOL_MIN), BUFPOOL_MIN);
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		size_t c = bufpool_class(sizes[i]);

		ck_assert_uint_ge(c, sizes[i]);
		ck_assert_uint_le(c, sizes[i] + sizes[i] / 4); /* an eighth of at most twice it */
		ck_assert_uint_eq(bufpool_class(c), c);
	}
	ck_assert_uint_eq(bufpool_class(14100000), bufpool_class(14100000 + 4096));
	/* the buffer of a 14.1 MB message serves one a few bytes larger */
	a = bufpool_take(14100000, &cap);
	data = a->data;
	ck_assert_uint_ge(cap, 14100000 + 4096);
	bufpool_give(&a, cap);
	b = bufpool_take(14100000 + 17, &cap2);
	ck_assert_ptr_eq(b->data, data);
	bufpool_give(&b, cap2);
	bufpool_trim();
}
END_TEST

/* A pool full of small buffers keeps a larger one given back, dropping the smallest. */
START_TEST(test_keeps_larger)
{
	GByteArray *b[BUFPOOL_MAX], *big;
	size_t cap[BUFPOOL_MAX], bigcap, bytes, c;
	guint8 *data;

	for (int i = 0; i < BUFPOOL_MAX; i++)
		b[i] = bufpool_take(BUFPOOL_MIN + (size_t)i * 1024, &cap[i]);
	big = bufpool_take(8 * BUFPOOL_MIN, &bigcap);
	data = big->data;
	for (int i = 0; i < BUFPOOL_MAX; i++)
		bufpool_give(&b[i], cap[i]);
	ck_assert_uint_eq(bufpool_count(NULL), BUFPOOL_MAX);
	bufpool_give(&big, bigcap);
	ck_assert_uint_eq(bufpool_count(&bytes), BUFPOOL_MAX);
	big = bufpool_take(8 * BUFPOOL_MIN, &c);
	ck_assert_ptr_eq(big->data, data);
	bufpool_give(&big, c);
	/* within BUFPOOL_BYTES: a buffer of a third of it takes the room of smaller ones */
	big = bufpool_take(BUFPOOL_BYTES / 3, &bigcap);
	bufpool_give(&big, bigcap);
	ck_assert_uint_le(bufpool_count(&bytes), BUFPOOL_MAX);
	ck_assert_uint_le(bytes, BUFPOOL_BYTES);
	big = bufpool_take(BUFPOOL_BYTES / 3, &c);
	ck_assert_uint_eq(c, bigcap);
	bufpool_give(&big, c);
	bufpool_trim();
}
END_TEST

/* Unused for BUFPOOL_IDLE_S seconds, the pool empties itself. */
START_TEST(test_idle_trim)
{
	size_t cap;
	GByteArray *b = bufpool_take(BUFPOOL_MIN, &cap);

	bufpool_give(&b, cap);
	ck_assert_uint_eq(bufpool_count(NULL), 1);
	for (int i = 0; i < 4 * BUFPOOL_IDLE_S && bufpool_count(NULL) > 0; i++)
		g_usleep(G_USEC_PER_SEC / 2);
	ck_assert_uint_eq(bufpool_count(NULL), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bufpool");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_reuse);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_size_class);
	tcase_add_test(tc, test_keeps_larger);
	tcase_add_test(tc, test_idle_trim);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
