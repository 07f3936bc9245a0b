/* libcheck suite: scan — digests only where needed, findings, allow list, cache. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pe.h"
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

/* An allow-list entry among more detection lines than one lookup holds still clears the part;
   the findings beyond SCAN_MAX_FINDINGS are counted. */
START_TEST(test_allow_list_after_many)
{
	GString *hdb = g_string_new(NULL);
	struct sigdb *db;
	struct scan_result r;

	for (int i = 0; i < 40; i++)
		g_string_append_printf(hdb, ABC_MD5 ":3:Abc.Bad.%d\n", i);
	db = db_of("t.hdb", hdb->str, "t.fp", ABC_MD5 ":3:Abc.Good\n");
	ck_assert_int_eq(scan_bytes(db, abc, 3, NULL, &r, NULL), 0);
	ck_assert(r.allowlisted);
	ck_assert_str_eq(r.allow.name, "Abc.Good");
	ck_assert(!scan_result_infected(&r));
	ck_assert_uint_eq(r.n_findings + r.n_more, 40);
	/* and the retro-hunt's check of the same digests (sigdb_allowed) */
	ck_assert(sigdb_allowed(db, &r.digests, 3));
	sigdb_unref(&db);
	g_string_free(hdb, TRUE);
}
END_TEST

/* A SHA-256 allow-list entry of size 1 clears a part of any size (libclamav's cli_check_fp). */
START_TEST(test_allow_list_size_one)
{
	struct sigdb *db =
	        db_of("t.hdb", ABC_MD5 ":3:Abc.Bad\n", "t.sfp", ABC_SHA256 ":1:Abc.Good\n");
	struct cache *c = cache_new(16);
	struct scan_options o = {.cache = c};
	struct scan_result r;

	ck_assert_int_eq(scan_bytes(db, abc, 3, NULL, &r, NULL), 0);
	ck_assert(r.allowlisted);
	ck_assert_str_eq(r.allow.name, "Abc.Good");
	ck_assert(!scan_result_infected(&r));
	/* through the cache too */
	ck_assert_int_eq(scan_bytes(db, abc, 3, &o, &r, NULL), 0);
	ck_assert(!scan_result_infected(&r));
	ck_assert_int_eq(scan_bytes(db, abc, 3, &o, &r, NULL), 0);
	ck_assert(r.cached);
	ck_assert(!scan_result_infected(&r));
	/* another part: hashed for the entry, not cleared */
	ck_assert_int_eq(scan_bytes(db, (const unsigned char *)"abd", 3, NULL, &r, NULL), 0);
	ck_assert(!r.allowlisted);
	cache_free(&c);
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

/*
 * Digests wanted whatever the signatures say (the index's MD5 and SHA-1) come with the result
 * on a cache hit too, even when the cached verdict was made without them (the index switched
 * on after it was cached).
 */
START_TEST(test_cache_keeps_wanted)
{
	/* an MD5 signature of this size (not abc's): "abc" needs MD5, the cache is asked */
	struct sigdb *db = db_of("t.hdb", "00000000000000000000000000000000:3:Other\n", NULL, NULL);
	struct cache *c = cache_new(16);
	struct scan_options o = {.want = DIGEST_BIT(DIGEST_SHA256), .cache = c};
	struct scan_result r;
	char hex[DIGEST_MAX_HEX];

	ck_assert_int_eq(scan_bytes(db, abc, 3, &o, &r, NULL), 0);
	ck_assert(!r.cached);
	ck_assert_uint_eq(r.digests.mask, DIGEST_BIT(DIGEST_SHA256) | DIGEST_BIT(DIGEST_MD5));
	o.want |= DIGEST_BIT(DIGEST_SHA1);
	ck_assert_int_eq(scan_bytes(db, abc, 3, &o, &r, NULL), 0);
	ck_assert(r.cached);
	ck_assert_uint_eq(r.digests.mask, DIGEST_ALL);
	ck_assert_str_eq(digest_hex(r.digests.md5, 16, hex), ABC_MD5);
	ck_assert_str_eq(digest_hex(r.digests.sha256, 32, hex), ABC_SHA256);
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

/* clam.exe's bytes, and the hex MD5 of its one section (512 bytes) as the scanner takes it. */
static unsigned char *clam_exe(size_t *len_r, char *sect_md5_r)
{
	char *path = testutil_clamav_file("clam.exe");
	unsigned char *data = (unsigned char *)testutil_read(path, len_r);
	struct pe_info pe;
	struct digest_set d;
	const char *why;

	g_free(path);
	ck_assert_int_eq(pe_parse(data, *len_r, &pe, &why), 1);
	ck_assert_uint_eq(pe.sections[0].rsz, 512);
	ck_assert_int_eq(digest_compute(data + pe.sections[0].raw, 512, DIGEST_BIT(DIGEST_MD5), &d),
	                 0);
	digest_hex(d.md5, 16, sect_md5_r);
	return data;
}

/* Sections are hashed only when a section signature has their size; the finding says which. */
START_TEST(test_pe_section_size_keyed)
{
	char md5[DIGEST_MAX_HEX], *text;
	size_t len;
	unsigned char *data = clam_exe(&len, md5);
	struct sigdb *db;
	struct scan_result r;

	text = g_strdup_printf("1024:%s:Other.Size\n", md5);
	db = db_of("t.mdb", text, NULL, NULL);
	ck_assert_int_eq(scan_bytes(db, data, len, NULL, &r, NULL), 0);
	ck_assert(r.pe);
	ck_assert_uint_eq(r.pe_sections, 1);
	ck_assert_uint_eq(r.pe_sections_hashed, 0); /* no signature of size 512: not hashed */
	ck_assert_uint_eq(r.digests.mask, 0);       /* nor the whole file */
	ck_assert(!scan_result_infected(&r));
	ck_assert(!r.pe_imports_hashed); /* no .imp signatures: imports not read */
	sigdb_unref(&db);
	g_free(text);

	text = g_strdup_printf("512:%s:Sect.Clam-1-0\n", md5);
	db = db_of("t.mdb", text, NULL, NULL);
	ck_assert_int_eq(scan_bytes(db, data, len, NULL, &r, NULL), 0);
	ck_assert_uint_eq(r.pe_sections_hashed, 1);
	ck_assert(scan_result_infected(&r));
	ck_assert_str_eq(r.findings[0].name, "Sect.Clam-1-0");
	ck_assert_int_eq(r.findings[0].target, SIGDB_TARGET_PE_SECTION);
	ck_assert_int_eq(r.findings[0].section, 0);
	ck_assert_uint_eq(r.findings[0].size, 512);
	ck_assert_str_eq(digest_hex(r.findings[0].hash, 16, (char[DIGEST_MAX_HEX]){0}), md5);
	/* the same bytes outside a PE are no section */
	ck_assert_int_eq(scan_bytes(db, data + 0, 512, NULL, &r, NULL), 0);
	ck_assert(!scan_result_infected(&r));
	sigdb_unref(&db);
	g_free(text);
	g_free(data);
}
END_TEST

START_TEST(test_pe_imports_and_json)
{
	char md5[DIGEST_MAX_HEX];
	size_t len;
	unsigned char *data = clam_exe(&len, md5);
	struct sigdb *db =
	        db_of("t.imp", "98c88d882f01a3f6ac1e5f7dfd761624:39:Imp.Clam\n", NULL, NULL);
	struct scan_result r;
	struct json j;
	GString *gs = g_string_new(NULL);
	const char *out;

	ck_assert_int_eq(scan_bytes(db, data, len, NULL, &r, NULL), 0);
	ck_assert(r.pe_imports_hashed);
	ck_assert_uint_eq(r.pe_sections_hashed, 0);
	ck_assert(scan_result_infected(&r));
	ck_assert_int_eq(r.findings[0].target, SIGDB_TARGET_PE_IMPORTS);
	ck_assert_int_eq(r.findings[0].section, -1);
	ck_assert_uint_eq(r.findings[0].size, 39);
	json_init(&j, gs);
	json_begin_object(&j, NULL);
	scan_result_json(&r, &j);
	json_end_object(&j);
	out = gs->str;
	ck_assert_ptr_nonnull(strstr(out, "\"target\":\"pe-imports\",\"size\":39,\"digest\":"
	                                  "\"98c88d882f01a3f6ac1e5f7dfd761624\""));
	ck_assert_ptr_nonnull(strstr(out, "\"pe\":{\"sections\":1,\"sections_hashed\":0,"
	                                  "\"imports_hashed\":true,\"error\":null}"));
	g_string_free(gs, TRUE);
	sigdb_unref(&db);
	g_free(data);
}
END_TEST

/* Not a PE ("MZ" text, no PE header): no PE work; a cut PE keeps its whole-part match. */
START_TEST(test_pe_not_pe_and_malformed)
{
	char md5[DIGEST_MAX_HEX], *text;
	size_t len;
	unsigned char *data = clam_exe(&len, md5);
	struct sigdb *db;
	struct scan_result r;
	struct digest_set d;
	char whole[DIGEST_MAX_HEX];

	char *wtext;

	ck_assert_int_eq(digest_compute(data, 400, DIGEST_BIT(DIGEST_MD5), &d), 0);
	text = g_strdup_printf("512:%s:Sect.Clam\n", md5);
	wtext = g_strdup_printf("%s:400:Whole.Cut\n", digest_hex(d.md5, 16, whole));
	db = db_of("t.mdb", text, "w.hdb", wtext);
	g_free(wtext);
	ck_assert_int_eq(scan_bytes(db, (const unsigned char *)"MZ is a text", 12, NULL, &r, NULL),
	                 0);
	ck_assert(!r.pe);
	ck_assert_int_eq(scan_bytes(db, data, 400, NULL, &r, NULL), 0);
	ck_assert(r.pe);
	ck_assert_ptr_nonnull(r.pe_error);
	ck_assert(scan_result_infected(&r));
	ck_assert_str_eq(r.findings[0].name, "Whole.Cut");
	ck_assert_int_eq(r.findings[0].target, SIGDB_TARGET_FILE);
	sigdb_unref(&db);
	g_free(text);
	g_free(data);
}
END_TEST

/* The cached verdict of a PE keeps its section finding. */
START_TEST(test_pe_cache)
{
	char md5[DIGEST_MAX_HEX], *text;
	size_t len;
	unsigned char *data = clam_exe(&len, md5);
	struct sigdb *db;
	struct cache *c = cache_new(16);
	struct scan_options o = {.want = DIGEST_BIT(DIGEST_SHA256), .cache = c};
	struct scan_result r1, r2;

	text = g_strdup_printf("512:%s:Sect.Clam\n", md5);
	db = db_of("t.mdb", text, "x.hdb", ABC_MD5 ":*:Star\n");
	ck_assert_int_eq(scan_bytes(db, data, len, &o, &r1, NULL), 0);
	ck_assert_int_eq(scan_bytes(db, data, len, &o, &r2, NULL), 0);
	ck_assert(r2.cached);
	ck_assert(scan_result_infected(&r2));
	ck_assert_int_eq(r2.findings[0].target, SIGDB_TARGET_PE_SECTION);
	cache_free(&c);
	sigdb_unref(&db);
	g_free(text);
	g_free(data);
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
	tcase_add_test(tc, test_allow_list_after_many);
	tcase_add_test(tc, test_allow_list_size_one);
	tcase_add_test(tc, test_cache_path);
	tcase_add_test(tc, test_cache_keeps_wanted);
	tcase_add_test(tc, test_clam_exe);
	tcase_add_test(tc, test_pe_section_size_keyed);
	tcase_add_test(tc, test_pe_imports_and_json);
	tcase_add_test(tc, test_pe_not_pe_and_malformed);
	tcase_add_test(tc, test_pe_cache);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
