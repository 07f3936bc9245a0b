/* libcheck suite: scan — digests only where needed, findings, allow list, cache. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine/scan.h"
#include "tests/lib/testutil.h"

#define ABC_MD5    "900150983cd24fb0d6963f7d28e17f72"
#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

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

static struct sigdb *db_of(const char *name, const char *text, const char *name2, const char *text2)
{
	char *p1 = testutil_write(tmp, name, text);
	char *p2 = name2 != NULL ? testutil_write(tmp, name2, text2) : NULL;
	const char *paths[] = {p1, p2, NULL};
	struct sigdb *db;
	GError *error = NULL;

	ck_assert_int_eq(sigdb_load(paths, NULL, &db, &error), 0);
	g_free(p1);
	g_free(p2);
	return db;
}

static const unsigned char *abc = (const unsigned char *)"abc";

START_TEST(test_no_size_no_hash)
{
	struct sigdb *db = db_of("t.hdb", ABC_MD5 ":3:Abc.Md5\n", NULL, NULL);
	struct scan_result r;

	/* a part of a size no signature has is typed but not hashed */
	ck_assert_int_eq(scan_bytes(db, (const unsigned char *)"abcd", 4, NULL, &r, NULL), 0);
	ck_assert_uint_eq(r.digests.mask, 0);
	ck_assert(!scan_result_infected(&r));
	ck_assert_int_eq(r.type.type, FTYPE_TEXT);
	/* unless the caller wants a digest anyway (SHA-256 for the log) */
	{
		struct scan_options o = {.want = DIGEST_BIT(DIGEST_SHA256)};
		ck_assert_int_eq(scan_bytes(db, (const unsigned char *)"abcd", 4, &o, &r, NULL), 0);
		ck_assert_uint_eq(r.digests.mask, DIGEST_BIT(DIGEST_SHA256));
	}
	/* the matching size: only MD5 */
	ck_assert_int_eq(scan_bytes(db, abc, 3, NULL, &r, NULL), 0);
	ck_assert_uint_eq(r.digests.mask, DIGEST_BIT(DIGEST_MD5));
	ck_assert(scan_result_infected(&r));
	ck_assert_str_eq(scan_result_name(&r), "Abc.Md5");
	ck_assert_int_eq(r.findings[0].kind, SIGDB_DETECT);
	ck_assert_int_eq(r.findings[0].type, DIGEST_MD5);
	ck_assert_str_eq(r.findings[0].source->name, "t.hdb");
	sigdb_unref(&db);
}
END_TEST

START_TEST(test_same_name_once)
{
	struct sigdb *db = db_of("t.hdb", ABC_MD5 ":3:Abc\n", "t.hsb", ABC_SHA256 ":*:Abc:73\n");
	struct scan_result r;

	ck_assert_int_eq(scan_bytes(db, abc, 3, NULL, &r, NULL), 0);
	ck_assert_uint_eq(r.digests.mask, DIGEST_BIT(DIGEST_MD5) | DIGEST_BIT(DIGEST_SHA256));
	ck_assert_uint_eq(r.n_findings, 1);
	sigdb_unref(&db);
}
END_TEST

START_TEST(test_allow_list_wins)
{
	struct sigdb *db =
	        db_of("t.hdb", ABC_MD5 ":3:Abc.Bad\n", "t.sfp", ABC_SHA256 ":3:Abc.Good\n");
	struct scan_result r;

	ck_assert_int_eq(scan_bytes(db, abc, 3, NULL, &r, NULL), 0);
	ck_assert(r.allowlisted);
	ck_assert_str_eq(r.allow.name, "Abc.Good");
	ck_assert_uint_eq(r.n_findings, 1);   /* still reported as a finding ... */
	ck_assert(!scan_result_infected(&r)); /* ... that does not count */
	sigdb_unref(&db);
}
END_TEST

START_TEST(test_cache_path)
{
	struct sigdb *db = db_of("t.hdb", ABC_MD5 ":3:Abc\n", NULL, NULL);
	struct cache *c = cache_new(16);
	struct scan_options o = {.want = DIGEST_BIT(DIGEST_SHA256), .cache = c};
	struct scan_result r1, r2;
	struct cache_stats st;

	ck_assert_int_eq(scan_bytes(db, abc, 3, &o, &r1, NULL), 0);
	ck_assert(!r1.cached);
	ck_assert(scan_result_infected(&r1));
	ck_assert_int_eq(scan_bytes(db, abc, 3, &o, &r2, NULL), 0);
	ck_assert(r2.cached);
	ck_assert(scan_result_infected(&r2));
	ck_assert_str_eq(scan_result_name(&r2), "Abc");
	ck_assert_mem_eq(r1.digests.md5, r2.digests.md5, 16);
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.hits, 1);
	/* another database generation never sees the old verdict */
	{
		struct sigdb *db2 =
		        db_of("u.hdb", "00000000000000000000000000000000:3:Other\n", NULL, NULL);
		ck_assert_int_eq(scan_bytes(db2, abc, 3, &o, &r2, NULL), 0);
		ck_assert(!r2.cached);
		ck_assert(!scan_result_infected(&r2));
		sigdb_unref(&db2);
	}
	cache_free(&c);
	sigdb_unref(&db);
}
END_TEST

START_TEST(test_clam_exe)
{
	char *path = testutil_clamav_file("clam.exe");
	size_t len;
	char *data = testutil_read(path, &len);
	struct sigdb *db = db_of("t.hsb", "", NULL, NULL);
	struct scan_result r;
	struct scan_options o = {.want = DIGEST_ALL};

	ck_assert_int_eq(scan_bytes(db, (unsigned char *)data, len, &o, &r, NULL), 0);
	ck_assert_int_eq(r.type.type, FTYPE_PE);
	ck_assert_uint_eq(r.digests.mask, DIGEST_ALL);
	ck_assert_uint_eq(r.size, len);
	sigdb_unref(&db);
	g_free(data);
	g_free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scan");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_no_size_no_hash);
	tcase_add_test(tc, test_same_name_once);
	tcase_add_test(tc, test_allow_list_wins);
	tcase_add_test(tc, test_cache_path);
	tcase_add_test(tc, test_clam_exe);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
