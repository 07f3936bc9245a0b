/* libcheck suite: cache — hits, LRU eviction, generations, concurrent use. */

#include <check.h>
#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cache.h"

static struct cache_key key(unsigned int n, uint64_t gen)
{
	struct cache_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.sha256, &n, sizeof(n));
	k.size = n * 10u;
	k.generation = gen;
	return k;
}

static void put_str(struct cache *c, struct cache_key k, const char *s)
{
	GBytes *b = g_bytes_new(s, strlen(s) + 1);
	cache_put(c, &k, b);
	g_bytes_unref(b);
}

static bool has(struct cache *c, struct cache_key k, const char *want)
{
	GBytes *b = cache_get(c, &k);
	bool ok;

	if (b == NULL)
		return false;
	ok = want == NULL || strcmp(g_bytes_get_data(b, NULL), want) == 0;
	g_bytes_unref(b);
	return ok;
}

START_TEST(test_hit_miss_generation)
{
	struct cache *c = cache_new(10);
	struct cache_stats st;

	put_str(c, key(1, 1), "one");
	ck_assert(has(c, key(1, 1), "one"));
	ck_assert(!has(c, key(1, 2), NULL)); /* another DB generation */
	ck_assert(!has(c, key(2, 1), NULL));
	{
		struct cache_key k = key(1, 1);
		k.size++; /* same hash, other size */
		ck_assert(!has(c, k, NULL));
	}
	put_str(c, key(1, 1), "uno"); /* replace */
	ck_assert(has(c, key(1, 1), "uno"));
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.hits, 2);
	ck_assert_uint_eq(st.misses, 3);
	ck_assert_uint_eq(st.entries, 1);
	cache_free(&c);
	ck_assert_ptr_null(c);
	cache_free(&c);
}
END_TEST

START_TEST(test_lru_eviction)
{
	struct cache *c = cache_new(3);
	struct cache_stats st;

	put_str(c, key(1, 1), "1");
	put_str(c, key(2, 1), "2");
	put_str(c, key(3, 1), "3");
	ck_assert(has(c, key(1, 1), "1")); /* 1 becomes most recent: 2 is now the oldest */
	put_str(c, key(4, 1), "4");
	ck_assert(!has(c, key(2, 1), NULL));
	ck_assert(has(c, key(1, 1), "1"));
	ck_assert(has(c, key(3, 1), "3"));
	ck_assert(has(c, key(4, 1), "4"));
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.evictions, 1);
	ck_assert_uint_eq(st.entries, 3);
	ck_assert_uint_eq(st.max_entries, 3);
	cache_free(&c);
}
END_TEST

static gpointer hammer(gpointer data)
{
	struct cache *c = data;

	for (unsigned int i = 0; i < 20000; i++) {
		char v[16];
		g_snprintf(v, sizeof(v), "%u", i % 500);
		if (!has(c, key(i % 500, 7), v))
			put_str(c, key(i % 500, 7), v);
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct cache *c = cache_new(100);
	GThread *t[4];
	struct cache_stats st;

	for (int i = 0; i < 4; i++)
		t[i] = g_thread_new("hammer", hammer, c);
	for (int i = 0; i < 4; i++)
		g_thread_join(t[i]);
	cache_get_stats(c, &st);
	ck_assert_uint_le(st.entries, 100);
	ck_assert_uint_eq(st.hits + st.misses, 80000);
	cache_free(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_hit_miss_generation);
	tcase_add_test(tc, test_lru_eviction);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
