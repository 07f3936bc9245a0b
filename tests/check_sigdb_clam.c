/*
 * libcheck suite: sigdb_clam — ClamAV hash lines read as libclamav's cli_loadhash reads them
 * (functionality levels first, their fields as atoi() reads them, sizes).
 */

#include <check.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/digest.h"
#include "engine/sigdb.h"
#include "tests/lib/testutil.h"

/* MD5 / SHA-256 of "abc" (3 bytes) */
#define ABC_MD5    "900150983cd24fb0d6963f7d28e17f72"
#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/* a SHA-512 (128 hex digits): a hash type a later functionality level may bring */
#define HEX128                                                                                     \
	"abababababababababababababababababababababababababababababababababababababababababab"     \
	"ababababababababababababababababababababab"

static char *tmp;
static GPtrArray *warnings;

static void setup(void)
{
	tmp = testutil_tmpdir();
	warnings = g_ptr_array_new_with_free_func(g_free);
}

static void teardown(void)
{
	testutil_rmdir(tmp);
	g_free(tmp);
	g_ptr_array_free(warnings, TRUE);
}

static struct sigdb *load_opts(const struct sigdb_options *in, const char *p1, const char *p2)
{
	struct sigdb_options opts = *in;
	const char *paths[] = {p1, p2, NULL};
	struct sigdb *db = NULL;
	GError *error = NULL;

	opts.warn = testutil_collect_warning;
	opts.warn_ctx = warnings;
	if (sigdb_load(paths, &opts, &db, &error) < 0)
		ck_abort_msg("load failed: %s", error->message);
	return db;
}

static struct sigdb *load(const char *p1, const char *p2)
{
	static const struct sigdb_options none;
	return load_opts(&none, p1, p2);
}

/* Name of the first match of hex at size, or NULL. */
static const char *match(struct sigdb *db, const char *hex, uint64_t size)
{
	static struct sigdb_match m[4];
	unsigned char hash[32];
	enum digest_type type;

	ck_assert_int_eq(digest_type_from_hexlen(strlen(hex), &type), 0);
	ck_assert_int_eq(digest_unhex(hex, strlen(hex) / 2, hash), 0);
	if (sigdb_lookup(db, type, hash, size, m, 4) == 0)
		return NULL;
	return m[0].name;
}

/*
 * A line for a later functionality level is skipped before its hash, size and name are read
 * (cli_loadhash checks MinFLevel / MaxFLevel first): a new hash type or size syntax in daily
 * is not a malformed line, and strict mode keeps the file.
 */
START_TEST(test_flevel_before_format)
{
	char *p = testutil_write(tmp, "future.hdb",
	                         ABC_MD5
	                         ":3:Test.Current\n" HEX128 ":3:Test.Future.Sha512:250\n" ABC_MD5
	                         ":1K:Test.Future.SizeSyntax:250\n"
	                         "not-a-hash:3:Test.Past::10\n" ABC_MD5 ":3:Bad\tName:300:400\n");
	struct sigdb_options strict = {.strict = true};
	struct sigdb *db = load(p, NULL);
	const struct sigdb_source *s = sigdb_source_get(db, 0);

	ck_assert_str_eq(match(db, ABC_MD5, 3), "Test.Current");
	ck_assert_uint_eq(sigdb_count(db), 1);
	ck_assert_uint_eq(s->bad_lines, 0);
	ck_assert_uint_eq(s->skipped_flevel, 4);
	ck_assert_uint_eq(warnings->len, 0);
	sigdb_unref(&db);

	db = load_opts(&strict, p, NULL);
	s = sigdb_source_get(db, 0);
	ck_assert(!s->refused);
	ck_assert_str_eq(match(db, ABC_MD5, 3), "Test.Current");
	sigdb_unref(&db);

	/* within our level, the same malformed fields are still malformed */
	g_free(p);
	p = testutil_write(tmp, "now.hdb", HEX128 ":3:Test.Now.Sha512:100\n");
	db = load_opts(&strict, p, NULL);
	ck_assert(sigdb_source_get(db, 0)->refused);
	ck_assert(testutil_warned(warnings, "now.hdb:1: hash is not 32, 40 or 64 hex digits"));
	sigdb_unref(&db);
	g_free(p);
}
END_TEST

static Suite *sigdb_clam_suite(void)
{
	Suite *s = suite_create("sigdb_clam");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_flevel_before_format);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sigdb_clam_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
