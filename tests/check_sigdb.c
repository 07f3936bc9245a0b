/* libcheck suite: sigdb — every signature format, its edge cases, and compiled snapshots. */

#include <check.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/digest.h"
#include "engine/sigdb.h"
#include "tests/lib/testutil.h"

/* MD5 / SHA-1 / SHA-256 of "abc" (3 bytes) and of "hello\n" (6 bytes) */
#define ABC_MD5    "900150983cd24fb0d6963f7d28e17f72"
#define ABC_SHA1   "a9993e364706816aba3e25717850c26c9cd0d89d"
#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define HELLO_MD5  "b1946ac92492d2347c6235b4d2611184"

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

START_TEST(test_hdb_basic)
{
	char *p = testutil_write(tmp, "t.hdb", ABC_MD5 ":3:Test.Abc-1-0\n" HELLO_MD5 ":6:Hello\n");
	struct sigdb *db = load(p, NULL);

	ck_assert_uint_eq(sigdb_count(db), 2);
	ck_assert_str_eq(match(db, ABC_MD5, 3), "Test.Abc-1-0");
	ck_assert_str_eq(match(db, HELLO_MD5, 6), "Hello");
	ck_assert_ptr_null(match(db, ABC_MD5, 4)); /* size is part of the key */
	ck_assert_uint_eq(sigdb_digests_for_size(db, 3), DIGEST_BIT(DIGEST_MD5));
	ck_assert_uint_eq(sigdb_digests_for_size(db, 5), 0);
	ck_assert_uint_eq(sigdb_source_count(db), 1);
	ck_assert_uint_eq(sigdb_source_get(db, 0)->counts[SIGDB_DETECT][DIGEST_MD5], 2);
	ck_assert_int_eq(sigdb_source_get(db, 0)->format, SIGDB_FORMAT_HDB);
	ck_assert_uint_eq(warnings->len, 0);
	sigdb_unref(&db);
	ck_assert_ptr_null(db);
	g_free(p);
}
END_TEST

START_TEST(test_hsb_types_by_length)
{
	char *p = testutil_write(tmp, "t.hsb",
	                         ABC_SHA1 ":3:Sha1.Abc\n" ABC_SHA256 ":3:Sha256.Abc\n"
	                                  "# a comment line\n\n" ABC_MD5 ":3:Md5.In.Hsb\r\n");
	struct sigdb *db = load(p, NULL);
	struct sigdb_match m[2];
	unsigned char h[32];

	ck_assert_uint_eq(sigdb_count(db), 3);
	ck_assert_str_eq(match(db, ABC_SHA1, 3), "Sha1.Abc");
	ck_assert_str_eq(match(db, ABC_SHA256, 3), "Sha256.Abc");
	ck_assert_str_eq(match(db, ABC_MD5, 3), "Md5.In.Hsb"); /* CRLF stripped */
	ck_assert_uint_eq(sigdb_digests_for_size(db, 3), DIGEST_ALL);
	digest_unhex(ABC_SHA256, 32, h);
	ck_assert_uint_eq(sigdb_lookup(db, DIGEST_SHA256, h, 3, m, 2), 1);
	ck_assert_int_eq(m[0].type, DIGEST_SHA256);
	ck_assert_int_eq(m[0].kind, SIGDB_DETECT);
	ck_assert_str_eq(m[0].source->name, "t.hsb");
	sigdb_unref(&db);
	g_free(p);
}
END_TEST

START_TEST(test_star_size)
{
	char *p = testutil_write(tmp, "t.hsb", ABC_SHA256 ":*:Star.Abc:73\n");
	struct sigdb *db = load(p, NULL);

	ck_assert_str_eq(match(db, ABC_SHA256, 3), "Star.Abc");
	ck_assert_str_eq(match(db, ABC_SHA256, 123456), "Star.Abc");
	ck_assert_str_eq(match(db, ABC_SHA256, 1ull << 40), "Star.Abc"); /* > 4 GB: `*` only */
	/* a `*` signature means every size needs SHA-256 */
	ck_assert_uint_eq(sigdb_digests_for_size(db, 99), DIGEST_BIT(DIGEST_SHA256));
	ck_assert_uint_eq(sigdb_source_get(db, 0)->star[DIGEST_SHA256], 1);
	sigdb_unref(&db);
	g_free(p);
}
END_TEST

START_TEST(test_flevel_ranges)
{
	char *p = testutil_write(tmp, "t.hdb",
	                         ABC_MD5 ":3:InRange:100:300\n" HELLO_MD5 ":6:TooNew:999\n"
	                                 "00000000000000000000000000000001:1:TooOld:1:50\n"
	                                 "00000000000000000000000000000002:2:OpenMax:10\n");
	struct sigdb *db = load(p, NULL);
	const struct sigdb_source *s = sigdb_source_get(db, 0);

	ck_assert_str_eq(match(db, ABC_MD5, 3), "InRange");
	ck_assert_ptr_null(match(db, HELLO_MD5, 6));
	ck_assert_ptr_null(match(db, "00000000000000000000000000000001", 1));
	ck_assert_str_eq(match(db, "00000000000000000000000000000002", 2), "OpenMax");
	ck_assert_uint_eq(s->skipped_flevel, 2);
	ck_assert_uint_eq(s->bad_lines, 0);
	sigdb_unref(&db);

	/* the same file for an engine of level 40: TooOld applies, InRange does not */
	{
		struct sigdb_options o = {.flevel = 40};
		db = load_opts(&o, p, NULL);
		ck_assert_ptr_null(match(db, ABC_MD5, 3));
		ck_assert_str_eq(match(db, "00000000000000000000000000000001", 1), "TooOld");
		sigdb_unref(&db);
	}
	g_free(p);
}
END_TEST

START_TEST(test_bad_lines_reported)
{
	char *p = testutil_write(tmp, "bad.hdb",
	                         ABC_MD5 ":3:Good\n"
	                                 "nothex!!nothex!!nothex!!nothex!!:3:BadHex\n"
	                                 "abcd:3:ShortHash\n" HELLO_MD5 ":six:BadSize\n" HELLO_MD5
	                                 ":6:\n" HELLO_MD5 "\n" HELLO_MD5 ":-6:NegSize\n" HELLO_MD5
	                                 ":6:N:1:2:3\n" HELLO_MD5 ":99999999999:TooBig\n" HELLO_MD5
	                                 ":6:Good2\n");
	struct sigdb *db = load(p, NULL);
	const struct sigdb_source *s = sigdb_source_get(db, 0);

	ck_assert_uint_eq(sigdb_count(db), 2);
	ck_assert_str_eq(match(db, HELLO_MD5, 6), "Good2");
	ck_assert_uint_eq(s->bad_lines, 8);
	ck_assert(testutil_warned(warnings, "bad.hdb:2: hash has a non-hex character"));
	ck_assert(testutil_warned(warnings, "bad.hdb:3: hash is not 32, 40 or 64 hex digits"));
	ck_assert(testutil_warned(warnings, "bad.hdb:4: size"));
	ck_assert(testutil_warned(warnings, "bad.hdb:5: empty"));
	ck_assert(testutil_warned(warnings, "bad.hdb:6: expected HASH:SIZE:NAME"));
	ck_assert(testutil_warned(warnings, "bad.hdb:7: size"));
	ck_assert(testutil_warned(warnings, "bad.hdb:8: too many fields"));
	ck_assert(testutil_warned(warnings, "bad.hdb:9: size"));
	ck_assert_ptr_nonnull(strstr(s->first_error, "bad.hdb:2:"));
	ck_assert(!s->refused);
	sigdb_unref(&db);
	g_free(p);
}
END_TEST

START_TEST(test_many_bad_lines_summed_up)
{
	GString *text = g_string_new(NULL);
	char *p;
	struct sigdb *db;

	for (int i = 0; i < 50; i++)
		g_string_append(text, "garbage\n");
	g_string_append(text, ABC_MD5 ":3:Good-1-0\n");
	p = testutil_write(tmp, "noisy.hdb", text->str);
	db = load(p, NULL);
	ck_assert_uint_eq(sigdb_source_get(db, 0)->bad_lines, 50);
	/* ten line-by-line warnings, then one summary */
	ck_assert_uint_eq(warnings->len, SIGDB_MAX_LINE_WARNINGS + 1);
	ck_assert(testutil_warned(warnings, "40 more malformed lines skipped"));
	sigdb_unref(&db);
	g_string_free(text, TRUE);
	g_free(p);
}
END_TEST

/* A file of malformed lines only is refused without strict mode too; the others stand. */
START_TEST(test_no_valid_line_refuses_file)
{
	char *bad = testutil_write(tmp, "page.hdb", "<html>\n<body>Not Found</body>\n");
	char *good = testutil_write(tmp, "good.hsb", ABC_SHA256 ":3:Other\n");
	char *quiet = testutil_write(tmp, "quiet.hdb", "# only a comment\n\n");
	struct sigdb *db = load(bad, good);
	const struct sigdb_source *s = sigdb_source_get(db, 0);

	ck_assert(s->refused);
	ck_assert_str_eq(s->first_error + strlen(s->first_error) - strlen("(no valid line)"),
	                 "(no valid line)");
	ck_assert(testutil_warned(
	        warnings, "page.hdb:1: expected HASH:SIZE:NAME (no valid line); file refused"));
	ck_assert(!sigdb_source_get(db, 1)->refused);
	ck_assert_str_eq(match(db, ABC_SHA256, 3), "Other");
	sigdb_unref(&db);
	db = load(quiet, NULL);
	ck_assert(!sigdb_source_get(db, 0)->refused); /* nothing malformed: not refused */
	sigdb_unref(&db);
	g_free(bad);
	g_free(good);
	g_free(quiet);
}
END_TEST

START_TEST(test_strict_refuses_file)
{
	char *bad = testutil_write(tmp, "bad.hdb", ABC_MD5 ":3:WouldLoad-1-0\nbroken line\n");
	char *good = testutil_write(tmp, "good.hsb", ABC_SHA256 ":3:Other\n");
	struct sigdb_options o = {.strict = true};
	struct sigdb *db = load_opts(&o, bad, good);
	const struct sigdb_source *s = sigdb_source_get(db, 0);

	ck_assert(s->refused);
	ck_assert_uint_eq(s->counts[SIGDB_DETECT][DIGEST_MD5], 0);
	ck_assert_ptr_null(match(db, ABC_MD5, 3));           /* rolled back */
	ck_assert_str_eq(match(db, ABC_SHA256, 3), "Other"); /* the other file stands */
	ck_assert(testutil_warned(
	        warnings, "bad.hdb:2: expected HASH:SIZE:NAME; file refused (strict mode)"));
	sigdb_unref(&db);
	g_free(bad);
	g_free(good);
}
END_TEST

START_TEST(test_fp_allow_and_kinds)
{
	char *dir = g_build_filename(tmp, "db", NULL);
	struct sigdb *db;
	struct sigdb_match m[4];
	unsigned char h[16];
	size_t n;

	g_mkdir(dir, 0755);
	g_free(testutil_write(dir, "a.hdb", ABC_MD5 ":3:Detected\n"));
	g_free(testutil_write(dir, "b.fp", ABC_MD5 ":3:Known.Good\n"));
	g_free(testutil_write(dir, "c.hdu", HELLO_MD5 ":6:Pua.Thing\n"));
	db = load(dir, NULL);
	digest_unhex(ABC_MD5, 16, h);
	n = sigdb_lookup(db, DIGEST_MD5, h, 3, m, 4);
	ck_assert_uint_eq(n, 2);
	ck_assert(m[0].kind != m[1].kind);
	ck_assert(m[0].kind == SIGDB_ALLOW || m[1].kind == SIGDB_ALLOW);
	/* PUA not loaded unless asked */
	ck_assert_ptr_null(match(db, HELLO_MD5, 6));
	ck_assert_uint_eq(sigdb_source_get(db, 2)->skipped_pua, 1);
	sigdb_unref(&db);
	{
		struct sigdb_options o = {.pua = true};
		db = load_opts(&o, dir, NULL);
		digest_unhex(HELLO_MD5, 16, h);
		ck_assert_uint_eq(sigdb_lookup(db, DIGEST_MD5, h, 6, m, 4), 1);
		ck_assert_int_eq(m[0].kind, SIGDB_PUA);
		sigdb_unref(&db);
	}
	g_free(dir);
}
END_TEST

START_TEST(test_ign2)
{
	char *dir = g_build_filename(tmp, "db", NULL);
	char line_md5[33];
	struct digest_set d;
	const char *line2 = HELLO_MD5 ":6:Drop.ByLine";
	struct sigdb *db;

	digest_compute((const unsigned char *)line2, strlen(line2), DIGEST_BIT(DIGEST_MD5), &d);
	digest_hex(d.md5, 16, line_md5);
	g_mkdir(dir, 0755);
	g_free(testutil_write(dir, "a.hdb",
	                      ABC_MD5 ":3:Drop.ByName\n" HELLO_MD5 ":6:Drop.ByLine\n"
	                              "00000000000000000000000000000001:1:Drop.ByLine\n"
	                              "00000000000000000000000000000002:2:Keep\n"));
	{
		/* the ignore list sorts after the database: it must still apply */
		char *ign = g_strdup_printf("Drop.ByName\nDrop.ByLine:%s\n", line_md5);
		g_free(testutil_write(dir, "z.ign2", ign));
		g_free(ign);
	}
	g_free(testutil_write(dir, "old.ign", "daily.ndb:12:Keep.NotThis\n"));
	db = load(dir, NULL);
	ck_assert_ptr_null(match(db, ABC_MD5, 3));
	ck_assert_ptr_null(match(db, HELLO_MD5, 6));
	/* the same name on another line: its md5 differs, it stays */
	ck_assert_str_eq(match(db, "00000000000000000000000000000001", 1), "Drop.ByLine");
	ck_assert_str_eq(match(db, "00000000000000000000000000000002", 2), "Keep");
	for (size_t i = 0; i < sigdb_source_count(db); i++) {
		const struct sigdb_source *s = sigdb_source_get(db, i);
		if (strcmp(s->name, "a.hdb") == 0)
			ck_assert_uint_eq(s->ignored, 2);
		if (strcmp(s->name, "z.ign2") == 0)
			ck_assert_uint_eq(s->ign_entries, 2);
		if (strcmp(s->name, "old.ign") == 0)
			ck_assert_uint_eq(s->ign_entries, 1);
	}
	sigdb_unref(&db);
	g_free(dir);
}
END_TEST

START_TEST(test_plain_lists)
{
	char *p =
	        testutil_write(tmp, "full_sha256.txt",
	                       "################\n# MalwareBazaar dump\n# sha256_hash\n" ABC_SHA256
	                       "\n  " ABC_MD5 "   Named.Sample\n" ABC_SHA1 ",Comma.Name\n"
	                       "not-a-hash\n");
	char *csv =
	        testutil_write(tmp, "export.csv",
	                       "# \"first_seen\",\"sha256\",\"md5\"\n"
	                       "\"2024-01-01\",\"" ABC_SHA256 "\",\"" HELLO_MD5 "\",\"x.exe\"\n");
	struct sigdb *db = load(p, csv);
	const struct sigdb_source *s = sigdb_source_get(db, 0);

	ck_assert_int_eq(s->format, SIGDB_FORMAT_PLAIN);
	ck_assert_str_eq(match(db, ABC_SHA256, 12345), "full_sha256"); /* any size */
	ck_assert_str_eq(match(db, ABC_MD5, 1), "Named.Sample");
	ck_assert_str_eq(match(db, ABC_SHA1, 1), "Comma.Name");
	ck_assert_uint_eq(s->bad_lines, 1);
	ck_assert(testutil_warned(warnings, "full_sha256.txt:7: not an MD5"));
	ck_assert_str_eq(match(db, HELLO_MD5, 77), "export");
	ck_assert_uint_eq(sigdb_source_get(db, 1)->counts[SIGDB_DETECT][DIGEST_SHA256], 1);
	sigdb_unref(&db);
	g_free(p);
	g_free(csv);
}
END_TEST

START_TEST(test_unknown_extension_sniffed)
{
	char *clam = testutil_write(tmp, "custom.sigs", "# mine\n" ABC_MD5 ":3:Mine.Abc\n");
	char *plain = testutil_write(tmp, "hashes.list", HELLO_MD5 "\n");
	struct sigdb *db = load(clam, plain);

	ck_assert_str_eq(match(db, ABC_MD5, 3), "Mine.Abc");
	ck_assert_ptr_null(match(db, ABC_MD5, 4)); /* a ClamAV line keeps its size */
	ck_assert_str_eq(match(db, HELLO_MD5, 1000), "hashes");
	sigdb_unref(&db);
	g_free(clam);
	g_free(plain);
}
END_TEST

START_TEST(test_directory)
{
	char *dir = g_build_filename(tmp, "db", NULL);
	struct sigdb *db;

	g_mkdir(dir, 0755);
	g_free(testutil_write(dir, "b.hdb", ABC_MD5 ":3:B\n"));
	g_free(testutil_write(dir, "a.hsb", ABC_SHA256 ":3:A\n"));
	g_free(testutil_write(dir, "daily.ldb", "Sig;Engine:51-255,Target:0;0;41424344\n"));
	g_free(testutil_write(dir, "README", "not a database\n"));
	g_free(testutil_write(dir, ".hidden.hdb", HELLO_MD5 ":6:Hidden\n"));
	db = load(dir, NULL);
	ck_assert_uint_eq(sigdb_count(db), 2);
	ck_assert_uint_eq(sigdb_source_count(db), 3); /* a.hsb, b.hdb, daily.ldb (unused) */
	ck_assert_str_eq(sigdb_source_get(db, 0)->name, "a.hsb");
	ck_assert_str_eq(sigdb_source_get(db, 1)->name, "b.hdb");
	ck_assert_str_eq(sigdb_source_get(db, 2)->name, "daily.ldb");
	ck_assert_int_eq(sigdb_source_get(db, 2)->format, SIGDB_FORMAT_OTHER);
	ck_assert_uint_eq(sigdb_source_get(db, 2)->unused, 1);
	ck_assert_ptr_null(match(db, HELLO_MD5, 6));
	sigdb_unref(&db);
	g_free(dir);
}
END_TEST

START_TEST(test_missing_path_is_error)
{
	const char *paths[] = {"/nonexistent/partscan.hdb", NULL};
	struct sigdb *db = NULL;
	GError *error = NULL;

	ck_assert_int_eq(sigdb_load(paths, NULL, &db, &error), -1);
	ck_assert_ptr_null(db);
	ck_assert_ptr_nonnull(strstr(error->message, "/nonexistent/partscan.hdb"));
	g_error_free(error);
}
END_TEST

START_TEST(test_names_stemmed_and_literal)
{
	/* ClamAV-style names are stored stemmed; others literally; all must read back exact */
	static const char *const names[] = {"Win.Trojan.Agent-1234567-0",
	                                    "Win.Trojan.Agent-7654321-2",
	                                    "Doc.Macro-0-0",
	                                    "Odd-01-0",
	                                    "Odd-1-000",
	                                    "Odd-1-256",
	                                    "-1-0",
	                                    "A--1-0",
	                                    "Plain.Name",
	                                    "Win.Trojan.Agent-4294967295-255",
	                                    "Big-4294967296-0"};
	GString *text = g_string_new(NULL);
	struct sigdb *db;
	char *p;

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		g_string_append_printf(text, "%032zx:%zu:%s\n", i + 1, i + 1, names[i]);
	p = testutil_write(tmp, "names.hdb", text->str);
	db = load(p, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		char hex[33];
		g_snprintf(hex, sizeof(hex), "%032zx", i + 1);
		ck_assert_str_eq(match(db, hex, i + 1), names[i]);
	}
	sigdb_unref(&db);
	g_string_free(text, TRUE);
	g_free(p);
}
END_TEST

START_TEST(test_duplicates_and_many)
{
	GString *text = g_string_new(NULL);
	struct sigdb *db;
	struct sigdb_match m[4];
	unsigned char h[16] = {0};
	char *p;

	/* 5000 signatures in random order, plus one hash listed twice under two names */
	for (unsigned int i = 0; i < 5000; i++) {
		unsigned int k = (i * 7919u) % 5000u;
		g_string_append_printf(text, "%08x%024x:%u:Sig.Many-%u-0\n", k, 0, 1000 + k % 13,
		                       k);
	}
	g_string_append(text, "0000000a000000000000000000000000:1010:Second.Name\n");
	p = testutil_write(tmp, "many.hdb", text->str);
	db = load(p, NULL);
	ck_assert_uint_eq(sigdb_count(db), 5001);
	for (unsigned int k = 0; k < 5000; k += 37) {
		char hex[33], want[32];
		g_snprintf(hex, sizeof(hex), "%08x%024x", k, 0);
		g_snprintf(want, sizeof(want), "Sig.Many-%u-0", k);
		if (k != 10)
			ck_assert_str_eq(match(db, hex, 1000 + k % 13), want);
	}
	h[3] = 10;
	ck_assert_uint_eq(sigdb_lookup(db, DIGEST_MD5, h, 1010, m, 4), 2);
	ck_assert_uint_eq(sigdb_lookup(db, DIGEST_MD5, h, 1010, m, 1), 2); /* counts beyond max */
	sigdb_unref(&db);
	g_string_free(text, TRUE);
	g_free(p);
}
END_TEST

static char *write_mixed_db(void)
{
	char *dir = g_build_filename(tmp, "db", NULL);

	g_mkdir(dir, 0755);
	g_free(testutil_write(dir, "a.hdb",
	                      ABC_MD5 ":3:Win.Test.Abc-1-0\n" HELLO_MD5 ":6:Hello\n"));
	g_free(testutil_write(dir, "b.hsb", ABC_SHA256 ":*:Star.Sha-2-1:73\n" ABC_SHA1 ":3:S1\n"));
	g_free(testutil_write(dir, "c.fp", HELLO_MD5 ":6:Good.Hello\n"));
	g_free(testutil_write(dir, "d.hdb", "bad line\n"));
	return dir;
}

START_TEST(test_snapshot_round_trip)
{
	char *dir = write_mixed_db();
	char *snap = g_build_filename(tmp, "db.psdb", NULL);
	struct sigdb *db = load(dir, NULL), *sdb;
	GError *error = NULL;
	struct sigdb_match m[4];
	unsigned char h[16];

	ck_assert_int_eq(sigdb_compile(db, snap, &error), 0);
	ck_assert(sigdb_is_snapshot(snap));
	ck_assert(!sigdb_is_snapshot(dir));
	sdb = load(snap, NULL); /* sigdb_load recognises the snapshot */
	ck_assert_str_eq(sigdb_snapshot_path(sdb), snap);
	ck_assert_uint_eq(sigdb_count(sdb), sigdb_count(db));
	ck_assert_uint_eq(sigdb_source_count(sdb), sigdb_source_count(db));
	ck_assert(sigdb_generation(sdb) != sigdb_generation(db));
	ck_assert_str_eq(match(sdb, ABC_MD5, 3), "Win.Test.Abc-1-0");
	ck_assert_str_eq(match(sdb, ABC_SHA256, 77), "Star.Sha-2-1");
	ck_assert_str_eq(match(sdb, ABC_SHA1, 3), "S1");
	ck_assert_uint_eq(sigdb_digests_for_size(sdb, 6),
	                  DIGEST_BIT(DIGEST_MD5) | DIGEST_BIT(DIGEST_SHA256));
	digest_unhex(HELLO_MD5, 16, h);
	ck_assert_uint_eq(sigdb_lookup(sdb, DIGEST_MD5, h, 6, m, 4), 2);
	for (size_t i = 0; i < 2; i++) {
		if (m[i].kind == SIGDB_ALLOW)
			ck_assert_str_eq(m[i].source->name, "c.fp");
		else
			ck_assert_str_eq(m[i].source->name, "a.hdb");
	}
	for (size_t i = 0; i < sigdb_source_count(db); i++) {
		const struct sigdb_source *a = sigdb_source_get(db, i),
		                          *b = sigdb_source_get(sdb, i);
		ck_assert_str_eq(a->path, b->path);
		ck_assert_int_eq(a->format, b->format);
		ck_assert_int_eq(a->mtime, b->mtime);
		ck_assert_uint_eq(a->bad_lines, b->bad_lines);
		ck_assert_mem_eq(a->counts, b->counts, sizeof(a->counts));
	}
	sigdb_unref(&db);
	sigdb_unref(&sdb);
	g_free(dir);
	g_free(snap);
}
END_TEST

/*
 * An opened snapshot does not depend on the file: rewritten in place with other bytes, then
 * truncated, it still answers as loaded (a shared mapping changed, then died of SIGBUS). Its
 * stamp tells the file as read from the same file rewritten.
 */
START_TEST(test_snapshot_private_copy)
{
	char *dir = write_mixed_db();
	char *snap = g_build_filename(tmp, "inplace.psdb", NULL);
	struct sigdb *db = load(dir, NULL), *sdb;
	struct sigdb_stamp before, after;
	GError *error = NULL;
	gchar *bytes;
	gsize len;
	FILE *f;

	ck_assert_int_eq(sigdb_compile(db, snap, &error), 0);
	ck_assert_int_eq(sigdb_open_snapshot(snap, &sdb, &error), 0);
	ck_assert_int_eq(sigdb_stamp_path(snap, &before), 0);
	ck_assert(sigdb_stamp_equal(&before, sigdb_snapshot_stamp(sdb)));
	ck_assert(g_file_get_contents(snap, &bytes, &len, NULL));
	f = fopen(snap, "r+"); /* as cp does: same inode, same size, other bytes */
	ck_assert_ptr_nonnull(f);
	memset(bytes + 64, 0xff, len - 64);
	ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_str_eq(match(sdb, ABC_MD5, 3), "Win.Test.Abc-1-0");
	ck_assert_int_eq(truncate(snap, 0), 0);
	ck_assert_str_eq(match(sdb, ABC_MD5, 3), "Win.Test.Abc-1-0");
	ck_assert_str_eq(match(sdb, ABC_SHA256, 77), "Star.Sha-2-1");
	ck_assert_int_eq(sigdb_stamp_path(snap, &after), 0);
	ck_assert(after.ino == before.ino);
	ck_assert(!sigdb_stamp_equal(&after, sigdb_snapshot_stamp(sdb)));
	ck_assert_ptr_null(sigdb_snapshot_stamp(db));
	sigdb_unref(&db);
	sigdb_unref(&sdb);
	g_free(bytes);
	g_free(dir);
	g_free(snap);
}
END_TEST

static char *expect_snapshot_error(const char *path)
{
	struct sigdb *db = NULL;
	GError *error = NULL;
	char *msg;

	ck_assert_int_eq(sigdb_open_snapshot(path, &db, &error), -1);
	ck_assert_ptr_null(db);
	msg = g_strdup(error->message);
	g_error_free(error);
	return msg;
}

START_TEST(test_snapshot_corruption)
{
	char *dir = write_mixed_db();
	char *snap = g_build_filename(tmp, "db.psdb", NULL);
	struct sigdb *db = load(dir, NULL);
	GError *error = NULL;
	char *data, *bad, *msg;
	size_t len;

	ck_assert_int_eq(sigdb_compile(db, snap, &error), 0);
	sigdb_unref(&db);
	data = testutil_read(snap, &len);

	/* truncated */
	bad = testutil_write_bytes(tmp, "trunc.psdb", data, len - 9);
	msg = expect_snapshot_error(bad);
	ck_assert_msg(strstr(msg, "truncated") != NULL, "%s", msg);
	g_free(msg);
	g_free(bad);
	/* shorter than a header */
	bad = testutil_write_bytes(tmp, "tiny.psdb", data, 20);
	msg = expect_snapshot_error(bad);
	ck_assert_msg(strstr(msg, "truncated") != NULL, "%s", msg);
	g_free(msg);
	g_free(bad);
	/* one flipped byte in the body, then in the header's version */
	data[len - 5] ^= 0x20;
	bad = testutil_write_bytes(tmp, "flip.psdb", data, len);
	msg = expect_snapshot_error(bad);
	ck_assert_msg(strstr(msg, "checksum") != NULL, "%s", msg);
	g_free(msg);
	g_free(bad);
	data[len - 5] ^= 0x20;
	data[8] = 99;
	bad = testutil_write_bytes(tmp, "version.psdb", data, len);
	msg = expect_snapshot_error(bad);
	ck_assert_msg(strstr(msg, "version") != NULL, "%s", msg);
	g_free(msg);
	g_free(bad);
	/* not a snapshot at all */
	bad = testutil_write(tmp, "junk.psdb",
	                     "definitely not a snapshot, just some text here....");
	msg = expect_snapshot_error(bad);
	ck_assert_msg(strstr(msg, "magic") != NULL || strstr(msg, "truncated") != NULL, "%s", msg);
	g_free(msg);
	g_free(bad);
	g_free(data);
	g_free(dir);
	g_free(snap);
}
END_TEST

START_TEST(test_snapshot_never_replaces_a_device)
{
	char *dir = write_mixed_db();
	struct sigdb *db = load(dir, NULL);
	GError *error = NULL;

	/* compile renames over its output: /dev/null must stay a device */
	ck_assert_int_eq(sigdb_compile(db, "/dev/null", &error), -1);
	ck_assert_ptr_nonnull(strstr(error->message, "not a regular file"));
	ck_assert(g_file_test("/dev/null", G_FILE_TEST_EXISTS) &&
	          !g_file_test("/dev/null", G_FILE_TEST_IS_REGULAR));
	g_error_free(error);
	sigdb_unref(&db);
	g_free(dir);
}
END_TEST

START_TEST(test_snapshot_must_be_alone)
{
	char *dir = write_mixed_db();
	char *snap = g_build_filename(tmp, "db.psdb", NULL);
	char *other = testutil_write(tmp, "x.hdb", ABC_MD5 ":3:X\n");
	struct sigdb *db = load(dir, NULL);
	const char *paths[] = {snap, other, NULL};
	GError *error = NULL;

	ck_assert_int_eq(sigdb_compile(db, snap, &error), 0);
	sigdb_unref(&db);
	ck_assert_int_eq(sigdb_load(paths, NULL, &db, &error), -1);
	ck_assert_ptr_nonnull(strstr(error->message, "only database path"));
	g_error_free(error);
	g_free(dir);
	g_free(snap);
	g_free(other);
}
END_TEST

START_TEST(test_refcount_shared)
{
	char *p = testutil_write(tmp, "t.hdb", ABC_MD5 ":3:Abc\n");
	struct sigdb *db = load(p, NULL), *second = sigdb_ref(db);

	sigdb_unref(&db);
	ck_assert_str_eq(match(second, ABC_MD5, 3), "Abc"); /* still alive */
	sigdb_unref(&second);
	sigdb_unref(&second); /* NULL is accepted */
	g_free(p);
}
END_TEST

START_TEST(test_empty_and_formats)
{
	char *p = testutil_write(tmp, "empty.hdb", "");
	struct sigdb *db = load(p, NULL);

	ck_assert_uint_eq(sigdb_count(db), 0);
	ck_assert_uint_eq(sigdb_digests_for_size(db, 0), 0);
	ck_assert_ptr_null(match(db, ABC_MD5, 3));
	sigdb_unref(&db);
	ck_assert_int_eq(sigdb_format_from_name("main.HDB"), SIGDB_FORMAT_HDB);
	ck_assert_int_eq(sigdb_format_from_name("daily.cld"), SIGDB_FORMAT_CONTAINER);
	ck_assert_int_eq(sigdb_format_from_name("x.ndb"), SIGDB_FORMAT_OTHER);
	ck_assert_int_eq(sigdb_format_from_name("README"), SIGDB_FORMAT_UNKNOWN);
	ck_assert_str_eq(sigdb_format_name(SIGDB_FORMAT_SFP), "sfp");
	ck_assert_str_eq(sigdb_kind_name(SIGDB_ALLOW), "allow");
	g_free(p);
}
END_TEST

/* Name of the first match of hex at size in a target's tables, or NULL. */
static const char *match_in(struct sigdb *db, enum sigdb_target target, const char *hex,
                            uint64_t size)
{
	static struct sigdb_match m[4];
	unsigned char hash[32];
	enum digest_type type;

	ck_assert_int_eq(digest_type_from_hexlen(strlen(hex), &type), 0);
	ck_assert_int_eq(digest_unhex(hex, strlen(hex) / 2, hash), 0);
	if (sigdb_lookup_target(db, target, type, hash, size, m, 4) == 0)
		return NULL;
	ck_assert_int_eq(m[0].target, target);
	return m[0].name;
}

static char *write_pe_db(void)
{
	char *dir = g_build_filename(tmp, "pe", NULL);

	g_mkdir(dir, 0755);
	g_free(testutil_write(dir, "a.hdb", ABC_MD5 ":3:Whole.Abc\n"));
	g_free(testutil_write(dir, "s.mdb",
	                      "512:" ABC_MD5 ":Sect.Md5-1-0\n*:" HELLO_MD5 ":Sect.Star:73\n"));
	g_free(testutil_write(dir, "s.msb",
	                      "1024:" ABC_SHA256 ":Sect.Sha256\n"
	                      "3:" ABC_SHA1 ":Sect.Sha1:0:300\n"));
	g_free(testutil_write(dir, "i.imp", ABC_MD5 ":39:Imp.Abc\n"));
	return dir;
}

/* .mdb / .msb (size first) and .imp load into tables of their own, apart from .hdb's. */
START_TEST(test_pe_section_and_import_formats)
{
	char *dir = write_pe_db();
	struct sigdb *db = load(dir, NULL);
	GString *kinds = g_string_new(NULL);

	ck_assert_uint_eq(sigdb_count(db), 6);
	ck_assert_uint_eq(sigdb_count_target(db, SIGDB_TARGET_FILE), 1);
	ck_assert_uint_eq(sigdb_count_target(db, SIGDB_TARGET_PE_SECTION), 4);
	ck_assert_uint_eq(sigdb_count_target(db, SIGDB_TARGET_PE_IMPORTS), 1);
	sigdb_describe_targets(db, kinds);
	ck_assert_str_eq(kinds->str, "file 1, pe-section 4, pe-imports 1\n");
	ck_assert_str_eq(match_in(db, SIGDB_TARGET_PE_SECTION, ABC_MD5, 512), "Sect.Md5-1-0");
	ck_assert_str_eq(match_in(db, SIGDB_TARGET_PE_SECTION, ABC_SHA256, 1024), "Sect.Sha256");
	ck_assert_str_eq(match_in(db, SIGDB_TARGET_PE_SECTION, ABC_SHA1, 3), "Sect.Sha1");
	ck_assert_str_eq(match_in(db, SIGDB_TARGET_PE_SECTION, HELLO_MD5, 4096), "Sect.Star");
	ck_assert_str_eq(match_in(db, SIGDB_TARGET_PE_IMPORTS, ABC_MD5, 39), "Imp.Abc");
	ck_assert_str_eq(match(db, ABC_MD5, 3), "Whole.Abc");
	/* no crossing between targets */
	ck_assert_ptr_null(match(db, ABC_MD5, 512));
	ck_assert_ptr_null(match(db, ABC_MD5, 39));
	ck_assert_ptr_null(match_in(db, SIGDB_TARGET_PE_SECTION, ABC_MD5, 3));
	ck_assert_ptr_null(match_in(db, SIGDB_TARGET_PE_IMPORTS, ABC_MD5, 512));
	/* size-keyed: a section of a size no section signature has needs no digest, but the
	 * `*` MD5 signature makes every size need MD5 */
	ck_assert_uint_eq(sigdb_digests_for(db, SIGDB_TARGET_PE_SECTION, 1024),
	                  DIGEST_BIT(DIGEST_MD5) | DIGEST_BIT(DIGEST_SHA256));
	ck_assert_uint_eq(sigdb_digests_for(db, SIGDB_TARGET_PE_SECTION, 7),
	                  DIGEST_BIT(DIGEST_MD5));
	ck_assert_uint_eq(sigdb_digests_for(db, SIGDB_TARGET_PE_IMPORTS, 39),
	                  DIGEST_BIT(DIGEST_MD5));
	ck_assert_uint_eq(sigdb_digests_for(db, SIGDB_TARGET_PE_IMPORTS, 40), 0);
	ck_assert_uint_eq(sigdb_digests_for_size(db, 512), 0);
	ck_assert(sigdb_has_target(db, SIGDB_TARGET_PE_IMPORTS));
	for (size_t i = 0; i < sigdb_source_count(db); i++) {
		const struct sigdb_source *src = sigdb_source_get(db, i);

		if (strcmp(src->name, "s.mdb") == 0) {
			ck_assert_int_eq(src->format, SIGDB_FORMAT_MDB);
			ck_assert_uint_eq(src->star[DIGEST_MD5], 1);
		}
	}
	ck_assert_int_eq(sigdb_format_target(sigdb_format_from_name("x.MSU")),
	                 SIGDB_TARGET_PE_SECTION);
	ck_assert_str_eq(sigdb_target_name(SIGDB_TARGET_PE_IMPORTS), "pe-imports");
	g_string_free(kinds, TRUE);
	sigdb_unref(&db);
	g_free(dir);
}
END_TEST

/* Malformed .mdb lines say what the format is; .mdu is PUA (loaded with pua only). */
START_TEST(test_pe_bad_lines_and_pua)
{
	static const struct sigdb_options pua = {.pua = true};
	char *p = testutil_write(tmp, "bad.mdb",
	                         ABC_MD5 ":512:Hash.First\n" /* the .hdb order: wrong here */
	                                 "512:" ABC_MD5 "\n" /* no name */
	                                 "0:" ABC_MD5 ":Size.Zero\n" /* libclamav refuses it */
	                                 "512:" ABC_MD5 ":Good.One\n");
	char *u = testutil_write(tmp, "p.mdu", "512:" ABC_MD5 ":Pua.Sect\n");
	struct sigdb *db = load(p, u);

	ck_assert_uint_eq(sigdb_count(db), 1);
	ck_assert(testutil_warned(
	        warnings, "bad.mdb:1: expected SIZE:HASH:NAME (in .mdb / .msb the section size "
	                  "comes first)"));
	ck_assert(testutil_warned(warnings, "bad.mdb:2: expected SIZE:HASH:NAME"));
	ck_assert(testutil_warned(warnings, "bad.mdb:3: size 0 (libclamav refuses it"));
	ck_assert_uint_eq(sigdb_source_get(db, 1)->skipped_pua, 1);
	sigdb_unref(&db);
	db = load_opts(&pua, p, u);
	ck_assert_uint_eq(sigdb_count(db), 2);
	ck_assert_uint_eq(sigdb_count_of(db, SIGDB_PUA, DIGEST_MD5), 1);
	sigdb_unref(&db);
	g_free(p);
	g_free(u);
}
END_TEST

/* A snapshot carries the section and import tables. */
START_TEST(test_pe_snapshot_round_trip)
{
	char *dir = write_pe_db();
	char *snap = g_build_filename(tmp, "pe.psdb", NULL);
	struct sigdb *db = load(dir, NULL), *sdb;
	GError *error = NULL;

	ck_assert_int_eq(sigdb_compile(db, snap, &error), 0);
	sdb = load(snap, NULL);
	for (int g = 0; g < SIGDB_TARGET__COUNT; g++)
		ck_assert_uint_eq(sigdb_count_target(sdb, g), sigdb_count_target(db, g));
	ck_assert_str_eq(match_in(sdb, SIGDB_TARGET_PE_SECTION, HELLO_MD5, 77), "Sect.Star");
	ck_assert_str_eq(match_in(sdb, SIGDB_TARGET_PE_SECTION, ABC_SHA256, 1024), "Sect.Sha256");
	ck_assert_str_eq(match_in(sdb, SIGDB_TARGET_PE_IMPORTS, ABC_MD5, 39), "Imp.Abc");
	ck_assert_str_eq(match(sdb, ABC_MD5, 3), "Whole.Abc");
	ck_assert_ptr_null(match(sdb, ABC_MD5, 512));
	sigdb_unref(&db);
	sigdb_unref(&sdb);
	g_free(dir);
	g_free(snap);
}
END_TEST

static Suite *sigdb_suite(void)
{
	Suite *s = suite_create("sigdb");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_hdb_basic);
	tcase_add_test(tc, test_hsb_types_by_length);
	tcase_add_test(tc, test_star_size);
	tcase_add_test(tc, test_flevel_ranges);
	tcase_add_test(tc, test_bad_lines_reported);
	tcase_add_test(tc, test_many_bad_lines_summed_up);
	tcase_add_test(tc, test_strict_refuses_file);
	tcase_add_test(tc, test_no_valid_line_refuses_file);
	tcase_add_test(tc, test_fp_allow_and_kinds);
	tcase_add_test(tc, test_ign2);
	tcase_add_test(tc, test_plain_lists);
	tcase_add_test(tc, test_unknown_extension_sniffed);
	tcase_add_test(tc, test_directory);
	tcase_add_test(tc, test_missing_path_is_error);
	tcase_add_test(tc, test_names_stemmed_and_literal);
	tcase_add_test(tc, test_duplicates_and_many);
	tcase_add_test(tc, test_snapshot_round_trip);
	tcase_add_test(tc, test_snapshot_private_copy);
	tcase_add_test(tc, test_snapshot_corruption);
	tcase_add_test(tc, test_snapshot_never_replaces_a_device);
	tcase_add_test(tc, test_snapshot_must_be_alone);
	tcase_add_test(tc, test_refcount_shared);
	tcase_add_test(tc, test_empty_and_formats);
	tcase_add_test(tc, test_pe_section_and_import_formats);
	tcase_add_test(tc, test_pe_bad_lines_and_pua);
	tcase_add_test(tc, test_pe_snapshot_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sigdb_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
