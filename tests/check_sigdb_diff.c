/* libcheck suite: sigdb_diff and sigdb_foreach — the detections one generation adds. */

#include <check.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/digest.h"
#include "engine/sigdb.h"
#include "tests/lib/testutil.h"

#define ABC_MD5    "900150983cd24fb0d6963f7d28e17f72"
#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define HELLO_MD5  "b1946ac92492d2347c6235b4d2611184"
#define X_MD5      "0123456789abcdef0123456789abcdef"

static char *tmp;

static void setup(void)
{
	tmp = testutil_tmpdir();
}

static void teardown(void)
{
	testutil_rmdir(tmp);
	g_free(tmp);
}

/* Load the files named (relative to a fresh directory holding them: "name", "text", ...). */
static struct sigdb *db_of(bool pua, const char *const *files)
{
	static unsigned int seq;
	char *dir = g_strdup_printf("%s/db%u", tmp, seq++);
	struct sigdb_options opts = {.pua = pua};
	const char *paths[] = {dir, NULL};
	struct sigdb *db = NULL;
	GError *error = NULL;

	g_mkdir(dir, 0755);
	for (size_t i = 0; files[i] != NULL; i += 2)
		g_free(testutil_write(dir, files[i], files[i + 1]));
	if (sigdb_load(paths, &opts, &db, &error) < 0)
		ck_abort_msg("load failed: %s", error->message);
	g_free(dir);
	return db;
}

static int collect(void *ctx, const struct sigdb_sig *sig)
{
	GPtrArray *out = ctx;
	char hex[DIGEST_MAX_LEN * 2 + 1];
	char size[24];

	digest_hex(sig->hash, digest_len(sig->type), hex);
	if (sig->size == SIGDB_SIZE_ANY)
		g_strlcpy(size, "*", sizeof(size));
	else
		g_snprintf(size, sizeof(size), "%" G_GUINT64_FORMAT, (guint64)sig->size);
	g_ptr_array_add(out, g_strdup_printf("%s %s %s:%s:%s %s", sigdb_kind_name(sig->kind),
	                                     sigdb_target_name(sig->target), hex, size, sig->name,
	                                     sig->source != NULL ? sig->source->name : "?"));
	return 0;
}

static gint str_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The diff of old -> new as sorted lines joined by '|' (g_free it). */
static char *diff(const struct sigdb *old, const struct sigdb *new_db)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GString *s = g_string_new(NULL);

	ck_assert_int_eq(sigdb_diff(old, new_db, collect, out), 0);
	g_ptr_array_sort(out, str_cmp);
	for (guint i = 0; i < out->len; i++)
		g_string_append_printf(s, "%s%s", i > 0 ? "|" : "", (char *)out->pdata[i]);
	g_ptr_array_free(out, TRUE);
	return g_string_free(s, FALSE);
}

#define ASSERT_DIFF(old, nw, want)                                                                 \
	do {                                                                                       \
		char *got_ = diff(old, nw);                                                        \
		ck_assert_str_eq(got_, want);                                                      \
		g_free(got_);                                                                      \
	} while (0)

START_TEST(test_added_and_removed)
{
	const char *a[] = {"a.hdb", ABC_MD5 ":3:Old.One\n", NULL};
	const char *b[] = {"a.hdb", ABC_MD5 ":3:Old.One\n" HELLO_MD5 ":6:New.One\n", "b.hsb",
	                   ABC_SHA256 ":3:New.Sha\n", NULL};
	struct sigdb *old = db_of(false, a), *nw = db_of(false, b);

	ASSERT_DIFF(old, nw,
	            "detect file " HELLO_MD5 ":6:New.One a.hdb|detect file " ABC_SHA256
	            ":3:New.Sha b.hsb");
	/* removed: nothing to hunt */
	ASSERT_DIFF(nw, old, "");
	/* the same generation twice: nothing */
	ASSERT_DIFF(nw, nw, "");
	/* no old generation: everything */
	ASSERT_DIFF(NULL, old, "detect file " ABC_MD5 ":3:Old.One a.hdb");
	sigdb_unref(&old);
	sigdb_unref(&nw);
}
END_TEST

START_TEST(test_changed_size_and_star)
{
	const char *a[] = {"a.hdb", ABC_MD5 ":3:Sig.A\n" HELLO_MD5 ":*:Sig.Star\n", NULL};
	const char *b[] = {"a.hdb", ABC_MD5 ":4:Sig.A\n" HELLO_MD5 ":*:Sig.Star\n", NULL};
	const char *c[] = {"a.hdb", ABC_MD5 ":*:Sig.A\n" HELLO_MD5 ":6:Sig.Star\n", NULL};
	struct sigdb *da = db_of(false, a), *db = db_of(false, b), *dc;

	/* a signature whose size changed is a new one; `*` kept as it was is not */
	ASSERT_DIFF(da, db, "detect file " ABC_MD5 ":4:Sig.A a.hdb");
	dc = db_of(false, c);
	ASSERT_DIFF(db, dc,
	            "detect file " ABC_MD5 ":*:Sig.A a.hdb|detect file " HELLO_MD5
	            ":6:Sig.Star a.hdb");
	sigdb_unref(&da);
	sigdb_unref(&db);
	sigdb_unref(&dc);
}
END_TEST

START_TEST(test_renamed_and_duplicate_keys)
{
	/* a renamed signature (revision bump) matched the same parts before: not new; a new
	   hash under two names: both; the same hash as PUA only before: new as a detection */
	const char *a[] = {"a.hdb", ABC_MD5 ":3:Win.Trojan.Agent-1234-0\n", "p.hdu",
	                   X_MD5 ":9:Pua.Was\n", NULL};
	const char *b[] = {"b.hdb",
	                   ABC_MD5 ":3:Win.Trojan.Agent-1234-1\n" HELLO_MD5
	                           ":6:Two.Names-1-0\n" HELLO_MD5 ":6:Two.Names-2-0\n" X_MD5
	                           ":9:Now.Detected\n",
	                   "p.hdu", X_MD5 ":9:Pua.Was\n", NULL};
	struct sigdb *da = db_of(true, a), *db = db_of(true, b);

	ASSERT_DIFF(da, db,
	            "detect file " X_MD5 ":9:Now.Detected b.hdb|detect file " HELLO_MD5
	            ":6:Two.Names-1-0 b.hdb|detect file " HELLO_MD5 ":6:Two.Names-2-0 b.hdb");
	ASSERT_DIFF(db, da, "");
	sigdb_unref(&da);
	sigdb_unref(&db);
}
END_TEST

START_TEST(test_allow_list_of_new)
{
	const char *a[] = {"a.hdb", X_MD5 ":9:Base\n", NULL};
	const char *b[] = {"a.hdb",
	                   X_MD5 ":9:Base\n" ABC_MD5 ":3:Fp.Exact\n" HELLO_MD5 ":6:Fp.Star\n",
	                   "z.fp", ABC_MD5 ":3:Good.Exact\n" HELLO_MD5 ":*:Good.Star\n", NULL};
	const char *c[] = {"a.hdb",
	                   X_MD5 ":9:Base\n" ABC_MD5 ":3:Fp.Exact\n" HELLO_MD5 ":6:Fp.Star\n",
	                   "z.fp", HELLO_MD5 ":*:Good.Star\n", NULL};
	const char *d[] = {"a.hdb", X_MD5 ":9:Base\n" ABC_MD5 ":4:Fp.Exact\n", "z.fp",
	                   ABC_MD5 ":3:Good.Exact\n", NULL};
	struct sigdb *da = db_of(false, a), *db = db_of(false, b), *dc = db_of(false, c);
	struct sigdb *dd = db_of(false, d);

	/* allow-listed in the new generation: not reported (exact size and `*` entries) */
	ASSERT_DIFF(da, db, "");
	/* the allow-list entry is gone: the detection old had is in force now */
	ASSERT_DIFF(db, dc, "detect file " ABC_MD5 ":3:Fp.Exact a.hdb");
	/* an entry for another size does not allow */
	ASSERT_DIFF(da, dd, "detect file " ABC_MD5 ":4:Fp.Exact a.hdb");
	sigdb_unref(&da);
	sigdb_unref(&db);
	sigdb_unref(&dc);
	sigdb_unref(&dd);
}
END_TEST

/* A SHA-256 allow-list entry of size 1 allows its hash at any size, in the diff too. */
START_TEST(test_allow_list_size_one)
{
	const char *a[] = {"a.hsb", ABC_SHA256 ":3:Fp.Sha\n", "z.sfp", ABC_SHA256 ":1:Good.One\n",
	                   NULL};
	const char *b[] = {"a.hsb", ABC_SHA256 ":3:Fp.Sha\n", NULL};
	const char *c[] = {"a.hsb", X_MD5 "00000000:9:Base\n", NULL};
	struct sigdb *da = db_of(false, a), *db = db_of(false, b), *dc = db_of(false, c);

	/* new and allow-listed: not reported */
	ASSERT_DIFF(dc, da, "");
	/* the entry is gone: the detection old had is in force now */
	ASSERT_DIFF(da, db, "detect file " ABC_SHA256 ":3:Fp.Sha a.hsb");
	sigdb_unref(&da);
	sigdb_unref(&db);
	sigdb_unref(&dc);
}
END_TEST

START_TEST(test_pua)
{
	const char *a[] = {"a.hdb", X_MD5 ":9:Base\n", NULL};
	const char *b[] = {"a.hdb", X_MD5 ":9:Base\n", "p.hdu", ABC_MD5 ":3:Pua.Thing\n", NULL};
	struct sigdb *da = db_of(false, a), *off = db_of(false, b), *on = db_of(true, b);

	ASSERT_DIFF(da, off, "");
	ASSERT_DIFF(da, on, "pua file " ABC_MD5 ":3:Pua.Thing p.hdu");
	sigdb_unref(&da);
	sigdb_unref(&off);
	sigdb_unref(&on);
}
END_TEST

START_TEST(test_pe_targets_reported_as_such)
{
	const char *a[] = {"a.hdb", X_MD5 ":9:Base\n", NULL};
	const char *b[] = {"a.hdb", X_MD5 ":9:Base\n", "s.mdb", "512:" ABC_MD5 ":Sect.Sig\n", NULL};
	struct sigdb *da = db_of(false, a), *db = db_of(false, b);

	ASSERT_DIFF(da, db, "detect pe-section " ABC_MD5 ":512:Sect.Sig s.mdb");
	sigdb_unref(&da);
	sigdb_unref(&db);
}
END_TEST

/* A compiled snapshot (the generation loaded at start, often) diffs like the text it holds. */
START_TEST(test_snapshot_generations)
{
	const char *a[] = {"a.hdb", X_MD5 ":9:Base-1-0\n", "z.fp", ABC_MD5 ":3:Good\n", NULL};
	const char *b[] = {"a.hdb",
	                   X_MD5 ":9:Base-1-0\n" ABC_MD5 ":3:Allowed\n" HELLO_MD5 ":6:New-2-0\n",
	                   "z.fp", ABC_MD5 ":3:Good\n", NULL};
	struct sigdb *text = db_of(false, a), *nw = db_of(false, b), *snap = NULL;
	char *path = g_build_filename(tmp, "a.psdb", NULL);
	GError *error = NULL;

	ck_assert_int_eq(sigdb_compile(text, path, &error), 0);
	ck_assert_int_eq(sigdb_open_snapshot(path, &snap, &error), 0);
	ASSERT_DIFF(text, snap, "");
	ASSERT_DIFF(snap, text, "");
	ASSERT_DIFF(snap, nw, "detect file " HELLO_MD5 ":6:New-2-0 a.hdb");
	sigdb_unref(&text);
	sigdb_unref(&nw);
	sigdb_unref(&snap);
	g_free(path);
}
END_TEST

static int stop_at_first(void *ctx, const struct sigdb_sig *sig)
{
	(*(int *)ctx)++;
	return 7;
}

START_TEST(test_callback_stops)
{
	const char *b[] = {"a.hdb", ABC_MD5 ":3:One\n" HELLO_MD5 ":6:Two\n", NULL};
	struct sigdb *db = db_of(false, b);
	int calls = 0;

	ck_assert_int_eq(sigdb_diff(NULL, db, stop_at_first, &calls), 7);
	ck_assert_int_eq(calls, 1);
	calls = 0;
	ck_assert_int_eq(sigdb_foreach(db, stop_at_first, &calls), 7);
	ck_assert_int_eq(calls, 1);
	sigdb_unref(&db);
}
END_TEST

START_TEST(test_foreach_every_kind)
{
	const char *b[] = {"a.hdb", ABC_MD5 ":3:One\n",    "b.hsb", ABC_SHA256 ":*:Two\n",
	                   "c.fp",  HELLO_MD5 ":6:Fine\n", NULL};
	struct sigdb *db = db_of(false, b);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	ck_assert_int_eq(sigdb_foreach(db, collect, out), 0);
	ck_assert_uint_eq(out->len, 3);
	g_ptr_array_sort(out, str_cmp);
	ck_assert_str_eq(out->pdata[0], "allow file " HELLO_MD5 ":6:Fine c.fp");
	ck_assert_str_eq(out->pdata[1], "detect file " ABC_MD5 ":3:One a.hdb");
	ck_assert_str_eq(out->pdata[2], "detect file " ABC_SHA256 ":*:Two b.hsb");
	g_ptr_array_free(out, TRUE);
	sigdb_unref(&db);
}
END_TEST

/* Many random signatures, a few added among them in random places: exactly those reported. */
START_TEST(test_random_daily_update)
{
	GString *old_text = g_string_new(NULL), *new_text = g_string_new(NULL);
	GHashTable *want = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GRand *rand = g_rand_new_with_seed(15);
	struct sigdb *old, *nw;

	for (int i = 0; i < 5000; i++) {
		char line[96];
		unsigned int size = g_rand_int_range(rand, 1, 50);
		bool added = i % 97 == 0;

		g_snprintf(line, sizeof(line), "%08x%08x%08x%08x:%u:Sig.%s-%d-0\n",
		           g_rand_int(rand), g_rand_int(rand), g_rand_int(rand), g_rand_int(rand),
		           size, added ? "New" : "Old", i);
		g_string_append(new_text, line);
		if (!added)
			g_string_append(old_text, line);
		else
			g_hash_table_add(want, g_strdup_printf("Sig.New-%d-0", i));
	}
	{
		const char *a[] = {"a.hdb", old_text->str, NULL};
		const char *b[] = {"a.hdb", new_text->str, NULL};
		old = db_of(false, a);
		nw = db_of(false, b);
	}
	ck_assert_int_eq(sigdb_diff(old, nw, collect, out), 0);
	ck_assert_uint_eq(out->len, g_hash_table_size(want));
	for (guint i = 0; i < out->len; i++) {
		char *name = strrchr(out->pdata[i], ':') + 1;
		*strchr(name, ' ') = '\0';
		ck_assert_msg(g_hash_table_contains(want, name), "unexpected %s", name);
	}
	sigdb_unref(&old);
	sigdb_unref(&nw);
	g_ptr_array_free(out, TRUE);
	g_hash_table_destroy(want);
	g_rand_free(rand);
	g_string_free(old_text, TRUE);
	g_string_free(new_text, TRUE);
}
END_TEST

/* sigdb_allowed: an allow-list entry of any digest the part has, at its size or `*` */
START_TEST(test_allowed)
{
	const char *f[] = {"a.hdb", ABC_MD5 ":3:Bad\n",    "z.fp", ABC_MD5 ":3:Good\n",
	                   "y.sfp", HELLO_MD5 ":*:Fine\n", NULL};
	struct sigdb *db = db_of(false, f);
	struct digest_set d = {0};

	ck_assert(!sigdb_allowed(db, NULL, 3));
	ck_assert_int_eq(digest_unhex(ABC_MD5, 16, d.md5), 0);
	ck_assert(!sigdb_allowed(db, &d, 3)); /* no digest in the mask */
	d.mask = DIGEST_BIT(DIGEST_MD5);
	ck_assert(sigdb_allowed(db, &d, 3));
	ck_assert(!sigdb_allowed(db, &d, 4)); /* another size */
	ck_assert_int_eq(digest_unhex(HELLO_MD5, 16, d.md5), 0);
	ck_assert(sigdb_allowed(db, &d, 12345)); /* `*` */
	ck_assert_int_eq(digest_unhex(X_MD5, 16, d.md5), 0);
	ck_assert(!sigdb_allowed(db, &d, 3));
	sigdb_unref(&db);
}
END_TEST

static Suite *sigdb_diff_suite(void)
{
	Suite *s = suite_create("sigdb_diff");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_added_and_removed);
	tcase_add_test(tc, test_changed_size_and_star);
	tcase_add_test(tc, test_renamed_and_duplicate_keys);
	tcase_add_test(tc, test_allow_list_of_new);
	tcase_add_test(tc, test_allow_list_size_one);
	tcase_add_test(tc, test_pua);
	tcase_add_test(tc, test_pe_targets_reported_as_such);
	tcase_add_test(tc, test_callback_stops);
	tcase_add_test(tc, test_foreach_every_kind);
	tcase_add_test(tc, test_random_daily_update);
	tcase_add_test(tc, test_snapshot_generations);
	tcase_add_test(tc, test_allowed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sigdb_diff_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
