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

/* MD5 / SHA-1 / SHA-256 of "abc" (3 bytes) */
#define ABC_MD5    "900150983cd24fb0d6963f7d28e17f72"
#define ABC_SHA1   "a9993e364706816aba3e25717850c26c9cd0d89d"
#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/* MD5 / SHA-256 of nothing (0 bytes) */
#define EMPTY_MD5    "d41d8cd98f00b204e9800998ecf8427e"
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
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

/* Hashes 00..01, 00..02, ...: one line each, so that each line's fate is seen on its own. */
static const char *nth(unsigned int i)
{
	static char hex[33];

	g_snprintf(hex, sizeof(hex), "%032x", i);
	return hex;
}

/*
 * MinFLevel / MaxFLevel as cli_loadhash reads them: atoi(), compared as unsigned. Each line
 * loads or is skipped as in libclamav; none is malformed; the fields that are not plain
 * numbers are warned about with file:line.
 */
START_TEST(test_flevel_read_as_atoi)
{
	static const struct {
		const char *levels; /* after "HASH:3:Name" */
		bool loads;
	} cases[] = {
	        {":0:", false},        /* an empty MaxFLevel is 0 */
	        {":20x", true},        /* 20 */
	        {":abc", true},        /* 0 */
	        {":1:abc", false},     /* MaxFLevel 0 */
	        {":-1", false},        /* 4294967295 */
	        {":1:-1", true},       /* MaxFLevel 4294967295 */
	        {":073", true},        /* 73, a plain number */
	        {": 5", true},         /* atoi() skips white space */
	        {":999x", false},      /* 999 */
	        {":1:231abc", true},   /* MaxFLevel 231: our level */
	        {":4294967296", true}, /* the low 32 bits of a long: 0 */
	        {":", true},           /* an empty MinFLevel is 0 */
	        {"::300", true},       /* no minimum, MaxFLevel 300 */
	};
	GString *text = g_string_new(NULL);
	struct sigdb *db;
	const struct sigdb_source *s;
	unsigned int skipped = 0;
	char *p;

	for (unsigned int i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_string_append_printf(text, "%s:3:Case.%u%s\n", nth(i + 1), i + 1,
		                       cases[i].levels);
		skipped += cases[i].loads ? 0 : 1;
	}
	p = testutil_write(tmp, "lvl.hdb", text->str);
	db = load(p, NULL);
	s = sigdb_source_get(db, 0);
	for (unsigned int i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (cases[i].loads)
			ck_assert_msg(match(db, nth(i + 1), 3) != NULL, "line %u not loaded",
			              i + 1);
		else
			ck_assert_msg(match(db, nth(i + 1), 3) == NULL, "line %u loaded", i + 1);
	}
	ck_assert_uint_eq(s->bad_lines, 0);
	ck_assert_uint_eq(s->skipped_flevel, skipped);
	ck_assert(testutil_warned(warnings, "lvl.hdb:1: MaxFLevel \"\" is not a plain number: read "
	                                    "as 0, as libclamav reads it (line skipped)"));
	ck_assert(testutil_warned(warnings, "lvl.hdb:2: MinFLevel \"20x\" is not a plain number: "
	                                    "read as 20, as libclamav reads it"));
	ck_assert(testutil_warned(warnings, "lvl.hdb:5: MinFLevel \"-1\""));
	/* plain numbers and an empty MinFLevel (no minimum) are not warned about */
	ck_assert(!testutil_warned(warnings, "lvl.hdb:7:"));
	ck_assert(!testutil_warned(warnings, "lvl.hdb:12:"));
	ck_assert(!testutil_warned(warnings, "lvl.hdb:13:"));
	sigdb_unref(&db);
	g_string_free(text, TRUE);
	g_free(p);
}
END_TEST

/* Level fields that are not plain numbers: ten warnings one by one, then one summary. */
START_TEST(test_flevel_odd_fields_summed_up)
{
	GString *text = g_string_new(NULL);
	struct sigdb *db;
	char *p;

	for (unsigned int i = 1; i <= 30; i++)
		g_string_append_printf(text, "%s:3:Odd.%u:1x\n", nth(i), i);
	p = testutil_write(tmp, "odd.hdb", text->str);
	db = load(p, NULL);
	ck_assert_uint_eq(sigdb_count(db), 30);
	ck_assert_uint_eq(warnings->len, SIGDB_MAX_LINE_WARNINGS + 1);
	ck_assert(testutil_warned(warnings, "odd.hdb: 20 more level fields that are not plain "
	                                    "numbers"));
	sigdb_unref(&db);
	g_string_free(text, TRUE);
	g_free(p);
}
END_TEST

/*
 * Size 0 is refused in every hash format, as cli_loadhash refuses it ("Invalid value for the
 * size field"): the empty part is matched with `*` if at all. Each is a malformed line.
 */
START_TEST(test_size_zero_refused_everywhere)
{
	static const struct {
		const char *file, *line;
	} cases[] = {
	        {"z.hdb", EMPTY_MD5 ":0:Empty.Hdb"},    {"z.hsb", EMPTY_SHA256 ":0:Empty.Hsb"},
	        {"z.fp", EMPTY_MD5 ":0:Empty.Fp"},      {"z.sfp", EMPTY_SHA256 ":0:Empty.Sfp"},
	        {"z.mdb", "0:" EMPTY_MD5 ":Empty.Mdb"}, {"z.imp", EMPTY_MD5 ":0:Empty.Imp"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		bool size_first = g_str_has_suffix(cases[i].file, ".mdb");
		char *text = g_strdup_printf("%s\n%s\n", cases[i].line,
		                             size_first ? "3:" ABC_MD5 ":Good" : ABC_MD5 ":3:Good");
		char *p = testutil_write(tmp, cases[i].file, text);
		char *want = g_strdup_printf("%s:1: size 0 (libclamav refuses it", cases[i].file);
		struct sigdb *db = load(p, NULL);

		ck_assert_uint_eq(sigdb_source_get(db, 0)->bad_lines, 1);
		ck_assert_uint_eq(sigdb_count(db), 1);
		ck_assert_msg(testutil_warned(warnings, want), "%s not warned", want);
		sigdb_unref(&db);
		g_free(want);
		g_free(p);
		g_free(text);
	}
	ck_assert(!testutil_warned(warnings, "in .mdb .msb .imp"));
}
END_TEST

/* The kind of the first match of hex at size, or -1. */
static int match_kind(struct sigdb *db, const char *hex, uint64_t size)
{
	struct sigdb_match m[4];
	unsigned char hash[32];
	enum digest_type type;
	size_t n;

	ck_assert_int_eq(digest_type_from_hexlen(strlen(hex), &type), 0);
	ck_assert_int_eq(digest_unhex(hex, strlen(hex) / 2, hash), 0);
	n = sigdb_lookup(db, type, hash, size, m, 4);
	for (size_t i = 0; i < n && i < 4; i++) {
		if (m[i].kind == SIGDB_ALLOW)
			return SIGDB_ALLOW;
	}
	return n > 0 ? (int)m[0].kind : -1;
}

/* An .fp / .sfp entry of a SHA-1 / SHA-256 with size 1 allows its hash at any size. */
static void check_allow_one(struct sigdb *db)
{
	struct digest_set d = {.mask = DIGEST_BIT(DIGEST_SHA256)};

	ck_assert_int_eq(match_kind(db, ABC_SHA256, 3), SIGDB_ALLOW);
	ck_assert_int_eq(match_kind(db, ABC_SHA256, 1), SIGDB_ALLOW);
	ck_assert_int_eq(match_kind(db, ABC_SHA256, 123456789), SIGDB_ALLOW);
	ck_assert_int_eq(match_kind(db, ABC_SHA1, 3), SIGDB_ALLOW);
	/* MD5 entries of size 1 mean size 1 (libclamav: not for MD5) */
	ck_assert_int_eq(match_kind(db, ABC_MD5, 3), SIGDB_DETECT);
	ck_assert_int_eq(match_kind(db, ABC_MD5, 1), SIGDB_ALLOW);
	/* a detection of size 1 means size 1 */
	ck_assert_int_eq(match_kind(db, EMPTY_SHA256, 1), SIGDB_DETECT);
	ck_assert_int_eq(match_kind(db, EMPTY_SHA256, 3), -1);
	/* every size needs SHA-1 and SHA-256 now, to be cleared */
	ck_assert_uint_eq(sigdb_digests_for_size(db, 77) & DIGEST_BIT(DIGEST_SHA256),
	                  DIGEST_BIT(DIGEST_SHA256));
	ck_assert_uint_eq(sigdb_digests_for_size(db, 77) & DIGEST_BIT(DIGEST_SHA1),
	                  DIGEST_BIT(DIGEST_SHA1));
	ck_assert_int_eq(digest_unhex(ABC_SHA256, 32, d.sha256), 0);
	ck_assert(sigdb_allowed(db, &d, 3));
	ck_assert(sigdb_allowed(db, &d, 4096));
}

/*
 * libclamav's allow-list check (cli_check_fp) also looks up SHA-1 and SHA-256 at size 1,
 * whatever the file's size: the convention of its catalog (.cat) hashes, which .fp / .sfp
 * entries of size 1 share. partscan took them for 1-byte parts only.
 */
START_TEST(test_fp_size_one_any_size)
{
	char *dir = g_build_filename(tmp, "db", NULL);
	char *snap = g_build_filename(tmp, "one.psdb", NULL);
	struct sigdb *db, *sdb;
	GError *error = NULL;

	g_mkdir(dir, 0755);
	g_free(testutil_write(dir, "a.hdb", ABC_MD5 ":3:Detected.Md5\n"));
	g_free(testutil_write(dir, "b.hsb",
	                      ABC_SHA256 ":3:Detected.Sha256\n" EMPTY_SHA256 ":1:Detected.One\n"));
	g_free(testutil_write(dir, "c.sfp", ABC_SHA256 ":1:Fp.Sha256.One\n"));
	g_free(testutil_write(dir, "d.fp", ABC_SHA1 ":1:Fp.Sha1.One\n" ABC_MD5 ":1:Fp.Md5.One\n"));
	db = load(dir, NULL);
	check_allow_one(db);
	/* a compiled snapshot keeps the rule */
	ck_assert_int_eq(sigdb_compile(db, snap, &error), 0);
	sdb = load(snap, NULL);
	check_allow_one(sdb);
	sigdb_unref(&sdb);
	sigdb_unref(&db);
	g_free(snap);
	g_free(dir);
}
END_TEST

/* The MD5 of a signature line, in hex: what a "Name:MD5" ignore entry names. */
static char *line_md5(const char *line)
{
	struct digest_set d;
	char hex[33];

	digest_compute((const unsigned char *)line, strlen(line), DIGEST_BIT(DIGEST_MD5), &d);
	digest_hex(d.md5, 16, hex);
	return g_strdup(hex);
}

#define ZERO_MD5 "00000000000000000000000000000000"

/*
 * Ignore lists: every entry applies, whatever the order. A bare Name drops the signature
 * even when a Name:MD5 entry for another line comes after it (in one file or in a later one);
 * two Name:MD5 entries both apply; .ign2 and .ign both take the three forms of cli_loadign.
 */
START_TEST(test_ign_entries_all_apply)
{
	static const char *const names[] = {"Test.A", "Test.B", "Test.C",   "Test.D",
	                                    "Test.E", "Test.F", "Test.Keep"};
	char *dir = g_build_filename(tmp, "db", NULL);
	GString *hdb = g_string_new(NULL), *x = g_string_new(NULL);
	char *lines[G_N_ELEMENTS(names)], *d_md5, *f_md5, *z;
	struct sigdb *db;

	g_mkdir(dir, 0755);
	for (unsigned int i = 0; i < G_N_ELEMENTS(names); i++) {
		lines[i] = g_strdup_printf("%s:3:%s", nth(i + 1), names[i]);
		g_string_append_printf(hdb, "%s\n", lines[i]);
	}
	g_free(testutil_write(dir, "a.hdb", hdb->str));
	d_md5 = line_md5(lines[3]);
	f_md5 = line_md5(lines[5]);
	/* A: bare, then an MD5 of another line; B: the other way round */
	g_string_append(x, "Test.A\nTest.A:" ZERO_MD5 "\nTest.B:" ZERO_MD5 "\nTest.B\n");
	/* C: bare here, an MD5 in y.ign2 (read after) */
	g_string_append(x, "Test.C\n");
	/* D: two MD5s, the one of its line first */
	g_string_append_printf(x, "Test.D:%s\nTest.D:" ZERO_MD5 "\n", d_md5);
	/* E: the old form, in an .ign2 */
	g_string_append(x, "daily.hdb:12:Test.E\n");
	g_free(testutil_write(dir, "x.ign2", x->str));
	g_free(testutil_write(dir, "y.ign2", "Test.C:" ZERO_MD5 "\n"));
	/* F: Name:MD5 in an old .ign */
	z = g_strdup_printf("Test.F:%s\n", f_md5);
	g_free(testutil_write(dir, "z.ign", z));
	db = load(dir, NULL);
	for (unsigned int i = 0; i + 1 < G_N_ELEMENTS(names); i++)
		ck_assert_msg(match(db, nth(i + 1), 3) == NULL, "%s not ignored", names[i]);
	ck_assert_str_eq(match(db, nth(G_N_ELEMENTS(names)), 3), "Test.Keep");
	for (size_t i = 0; i < sigdb_source_count(db); i++) {
		const struct sigdb_source *s = sigdb_source_get(db, i);

		ck_assert_uint_eq(s->bad_lines, 0);
		if (strcmp(s->name, "a.hdb") == 0)
			ck_assert_uint_eq(s->ignored, 6);
	}
	sigdb_unref(&db);
	for (unsigned int i = 0; i < G_N_ELEMENTS(names); i++)
		g_free(lines[i]);
	g_free(d_md5);
	g_free(f_md5);
	g_free(z);
	g_string_free(hdb, TRUE);
	g_string_free(x, TRUE);
	g_free(dir);
}
END_TEST

/* Malformed ignore lines, as cli_loadign refuses them. */
START_TEST(test_ign_bad_lines)
{
	char *p = testutil_write(tmp, "bad.ign2",
	                         "a:b:c:Test.Four\nTest.Short:1234\nTest.NotHex:" ZERO_MD5
	                         "\n:\nTest.NotHex:zz" ZERO_MD5 "\n");
	struct sigdb *db = load(p, NULL);

	ck_assert_uint_eq(sigdb_source_get(db, 0)->bad_lines, 4);
	ck_assert_uint_eq(sigdb_source_get(db, 0)->ign_entries, 1);
	ck_assert(testutil_warned(warnings, "bad.ign2:1: expected NAME, NAME:MD5 or DB:LINE:NAME"));
	ck_assert(testutil_warned(warnings, "bad.ign2:2: expected NAME:MD5 (32 hex digits)"));
	ck_assert(testutil_warned(warnings, "bad.ign2:4: empty"));
	ck_assert(testutil_warned(warnings, "bad.ign2:5: expected NAME:MD5 (32 hex digits)"));
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
	tcase_add_test(tc, test_flevel_read_as_atoi);
	tcase_add_test(tc, test_flevel_odd_fields_summed_up);
	tcase_add_test(tc, test_size_zero_refused_everywhere);
	tcase_add_test(tc, test_fp_size_one_any_size);
	tcase_add_test(tc, test_ign_entries_all_apply);
	tcase_add_test(tc, test_ign_bad_lines);
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
