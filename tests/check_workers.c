/*
 * libcheck suite: workers — the bound on concurrent scans. A fake scan (workers_set_hooks)
 * counts the scans running at once, notes the thread it runs on and waits at a gate the test
 * opens, so that the bound, the inline/pool choice, progress while waiting and the error path
 * are observed without timing: the only waits are for a condition, with a generous limit.
 * The last test scans real messages with the bundled signatures through the pool.
 */

#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "milter/workers.h"

#define WAIT_LIMIT_US (20 * G_TIME_SPAN_SECOND) /* generous: a loaded machine is slow */

static struct {
	GMutex lock;
	GCond changed;
	bool open; /* scans may finish */
	bool fail; /* scans fail with an error */
	int running, peak, entered;
	GHashTable *threads; /* raw -> the thread its scan ran on */
} fake;

static int fake_scan(struct sigdb *db, const unsigned char *raw, size_t len,
                     const struct msg_scan_options *opts, struct msg_report **report_r,
                     GError **error)
{
	g_mutex_lock(&fake.lock);
	fake.running++;
	fake.entered++;
	fake.peak = MAX(fake.peak, fake.running);
	g_hash_table_insert(fake.threads, (gpointer)raw, g_thread_self());
	g_cond_broadcast(&fake.changed);
	while (!fake.open)
		g_cond_wait(&fake.changed, &fake.lock);
	fake.running--;
	g_cond_broadcast(&fake.changed);
	g_mutex_unlock(&fake.lock);
	if (fake.fail) {
		g_set_error(error, g_quark_from_static_string("fake"), 7, "part %zu broken", len);
		return -1;
	}
	*report_r = (struct msg_report *)(void *)raw; /* a token: handed back untouched */
	return 0;
}

/* Wait until at least n scans have entered (false after WAIT_LIMIT_US). */
static bool wait_entered(int n)
{
	gint64 until = g_get_monotonic_time() + WAIT_LIMIT_US;
	bool ok = true;

	g_mutex_lock(&fake.lock);
	while (ok && fake.entered < n)
		ok = g_cond_wait_until(&fake.changed, &fake.lock, until) || fake.entered >= n;
	g_mutex_unlock(&fake.lock);
	return ok;
}

static void gate(bool open)
{
	g_mutex_lock(&fake.lock);
	fake.open = open;
	g_cond_broadcast(&fake.changed);
	g_mutex_unlock(&fake.lock);
}

static int fake_entered(void)
{
	int n;

	g_mutex_lock(&fake.lock);
	n = fake.entered;
	g_mutex_unlock(&fake.lock);
	return n;
}

static GThread *thread_of(const void *raw)
{
	GThread *t;

	g_mutex_lock(&fake.lock);
	t = g_hash_table_lookup(fake.threads, raw);
	g_mutex_unlock(&fake.lock);
	return t;
}

/* One caller: a buffer of len bytes scanned through the workers, with a progress count. */
struct caller {
	unsigned char *raw;
	size_t len;
	gint progress;
	int ret;
	struct msg_report *report;
	GError *error;
	GThread *thread;
};

static void caller_progress(void *ctx)
{
	struct caller *c = ctx;

	g_atomic_int_inc(&c->progress);
}

static gpointer caller_run(gpointer data)
{
	struct caller *c = data;

	c->ret =
	        workers_scan(NULL, c->raw, c->len, NULL, &c->report, &c->error, caller_progress, c);
	return NULL;
}

static void caller_init(struct caller *c, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->len = len;
	c->raw = g_malloc0(MAX(len, 1));
	c->ret = 99;
}

static void caller_start(struct caller *c)
{
	c->thread = g_thread_new("caller", caller_run, c);
}

static void caller_done(struct caller *c)
{
	if (c->thread != NULL)
		g_thread_join(c->thread);
	g_clear_error(&c->error);
	g_free(c->raw);
}

/* Wait until c has been told of progress at least n times (false after WAIT_LIMIT_US). */
static bool wait_progress(struct caller *c, int n)
{
	gint64 until = g_get_monotonic_time() + WAIT_LIMIT_US;

	while (g_atomic_int_get(&c->progress) < n) {
		if (g_get_monotonic_time() > until)
			return false;
		g_usleep(5000);
	}
	return true;
}

static void setup(void)
{
	memset(&fake, 0, sizeof(fake));
	g_mutex_init(&fake.lock);
	g_cond_init(&fake.changed);
	fake.threads = g_hash_table_new(NULL, NULL);
	workers_set_hooks(fake_scan, 20);
}

static void teardown(void)
{
	workers_shutdown();
	workers_set_hooks(NULL, 0);
	g_hash_table_destroy(fake.threads);
	g_mutex_clear(&fake.lock);
	g_cond_clear(&fake.changed);
}

/* Without workers_init() (tests, tools): every scan on the caller's thread, unbounded. */
START_TEST(test_uninitialised_inline)
{
	struct caller small, large;

	gate(true);
	caller_init(&small, 10);
	caller_init(&large, WORKERS_INLINE_MAX + 1);
	caller_run(&small);
	caller_run(&large);
	ck_assert_int_eq(small.ret, 0);
	ck_assert_int_eq(large.ret, 0);
	ck_assert_ptr_eq(small.report, (void *)small.raw);
	ck_assert_ptr_eq(large.report, (void *)large.raw);
	ck_assert_ptr_eq(thread_of(small.raw), g_thread_self());
	ck_assert_ptr_eq(thread_of(large.raw), g_thread_self());
	caller_done(&small);
	caller_done(&large);
}
END_TEST

/* A small message runs on the session's own thread, a large one on a pool thread. */
START_TEST(test_small_inline_large_on_pool)
{
	struct caller small, edge, large;

	ck_assert_int_eq(workers_init(2, NULL), 0);
	gate(true);
	caller_init(&small, 100);
	caller_init(&edge, WORKERS_INLINE_MAX);
	caller_init(&large, WORKERS_INLINE_MAX + 1);
	caller_run(&small);
	caller_run(&edge);
	caller_run(&large);
	ck_assert_int_eq(small.ret + edge.ret + large.ret, 0);
	ck_assert_ptr_eq(thread_of(small.raw), g_thread_self());
	ck_assert_ptr_eq(thread_of(edge.raw), g_thread_self());
	ck_assert_ptr_nonnull(thread_of(large.raw));
	ck_assert_ptr_ne(thread_of(large.raw), g_thread_self());
	ck_assert_ptr_eq(large.report, (void *)large.raw);
	caller_done(&small);
	caller_done(&edge);
	caller_done(&large);
}
END_TEST

/* Eight concurrent callers, small and large, never more than two scans at once. */
START_TEST(test_bound_holds)
{
	struct caller c[8], again[2];

	ck_assert_int_eq(workers_init(2, NULL), 0);
	for (int i = 0; i < 8; i++) {
		caller_init(&c[i], i % 2 == 0 ? 1000 : WORKERS_INLINE_MAX + 1000);
		caller_start(&c[i]);
	}
	ck_assert(wait_entered(2));
	/* the others are waiting for a slot: let them try for a while */
	g_usleep(200000);
	ck_assert_int_eq(fake_entered(), 2);
	gate(true);
	for (int i = 0; i < 8; i++) {
		g_thread_join(c[i].thread);
		c[i].thread = NULL;
		ck_assert_int_eq(c[i].ret, 0);
		ck_assert_ptr_eq(c[i].report, (void *)c[i].raw);
	}
	ck_assert_int_eq(fake.entered, 8);
	ck_assert_int_eq(fake.peak, 2);
	/* every slot came back: two new scans run at once again */
	gate(false);
	for (int i = 0; i < 2; i++) {
		caller_init(&again[i], 10);
		caller_start(&again[i]);
	}
	ck_assert(wait_entered(10));
	gate(true);
	for (int i = 0; i < 2; i++)
		caller_done(&again[i]);
	for (int i = 0; i < 8; i++)
		caller_done(&c[i]);
}
END_TEST

/* Waiting for a slot, and waiting for a scan on the pool, both tell the MTA. */
START_TEST(test_progress_while_waiting)
{
	struct caller holder, waiter, large;

	ck_assert_int_eq(workers_init(1, NULL), 0);
	caller_init(&holder, 10);
	caller_init(&waiter, 10);
	caller_start(&holder);
	ck_assert(wait_entered(1));
	caller_start(&waiter);
	ck_assert(wait_progress(&waiter, 2));
	ck_assert_int_eq(fake_entered(), 1); /* still waiting for the slot */
	gate(true);
	caller_done(&holder);
	caller_done(&waiter);
	ck_assert_int_eq(waiter.ret, 0);

	/* a large scan on the pool: the session waits for it and says so */
	gate(false);
	caller_init(&large, WORKERS_INLINE_MAX + 1);
	caller_start(&large);
	ck_assert(wait_entered(3));
	ck_assert(wait_progress(&large, 2));
	gate(true);
	g_thread_join(large.thread);
	ck_assert_ptr_ne(thread_of(large.raw), large.thread);
	large.thread = NULL;
	ck_assert_int_eq(large.ret, 0);
	caller_done(&large);
}
END_TEST

/* A failed scan: -1, the scan's own error, no report, and the slot given back. */
START_TEST(test_errors_propagate)
{
	static const size_t sizes[] = {10, WORKERS_INLINE_MAX + 1};

	ck_assert_int_eq(workers_init(1, NULL), 0);
	gate(true);
	fake.fail = true;
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
			struct caller c;
			char *want = g_strdup_printf("part %zu broken", sizes[i]);

			caller_init(&c, sizes[i]);
			caller_run(&c);
			ck_assert_int_eq(c.ret, -1);
			ck_assert_ptr_null(c.report);
			ck_assert_ptr_nonnull(c.error);
			ck_assert(c.error->domain == g_quark_from_static_string("fake"));
			ck_assert_int_eq(c.error->code, 7);
			ck_assert_str_eq(c.error->message, want);
			caller_done(&c);
			g_free(want);
		}
	}
	/* with one slot, a slot kept by a failure would stop this scan forever */
	fake.fail = false;
	{
		struct caller c;

		caller_init(&c, 10);
		caller_start(&c);
		ck_assert(wait_entered(5));
		g_thread_join(c.thread);
		c.thread = NULL;
		ck_assert_int_eq(c.ret, 0);
		caller_done(&c);
	}
}
END_TEST

/* The real scan through the slots: EICAR found inline and on the pool. */
START_TEST(test_real_scan)
{
	char *sigs = g_build_filename(TEST_DATA, "..", "..", "contrib", "test-signatures", NULL);
	const char *paths[] = {sigs, NULL};
	struct sigdb *db = NULL;
	struct msg_limits lim = {0};
	struct msg_scan_options opts = {.limits = &lim,
	                                .scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
	char *e = g_strconcat("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-",
	                      "ANTIVIRUS-TEST-FILE!$H+H*", NULL);
	char *b64 = g_base64_encode((const guchar *)e, strlen(e));
	GString *msg = g_string_new(NULL);
	struct msg_report *r = NULL;

	workers_set_hooks(NULL, 0);
	ck_assert_int_eq(sigdb_load(paths, NULL, &db, NULL), 0);
	ck_assert_int_eq(workers_init(2, NULL), 0);
	g_string_printf(msg, "Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
	                     "boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n");
	for (int big = 0; big < 2; big++) {
		GString *m = g_string_new(msg->str);

		if (big)
			while (m->len <= WORKERS_INLINE_MAX)
				g_string_append(m, "padding text to make a large message\r\n");
		g_string_append_printf(m,
		                       "--B\r\nContent-Type: application/octet-stream; "
		                       "name=\"e.txt\"\r\nContent-Transfer-Encoding: base64\r\n"
		                       "\r\n%s\r\n--B--\r\n",
		                       b64);
		ck_assert_int_eq(workers_scan(db, (const unsigned char *)m->str, m->len, &opts, &r,
		                              NULL, NULL, NULL),
		                 0);
		ck_assert_ptr_nonnull(r);
		ck_assert_uint_eq(msg_report_infected(r), 1);
		msg_report_free(&r);
		g_string_free(m, TRUE);
	}
	g_string_free(msg, TRUE);
	sigdb_unref(&db);
	g_free(b64);
	g_free(e);
	g_free(sigs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("workers");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_uninitialised_inline);
	tcase_add_test(tc, test_small_inline_large_on_pool);
	tcase_add_test(tc, test_bound_holds);
	tcase_add_test(tc, test_progress_while_waiting);
	tcase_add_test(tc, test_errors_propagate);
	tcase_add_test(tc, test_real_scan);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
