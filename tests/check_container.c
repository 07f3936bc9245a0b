/*
 * libcheck suite: ClamAV containers (.cvd .cld .cud) — headers, bodies, the three kinds of
 * verification, precedence, limits, ignore lists, snapshots.
 *
 * Real containers come from ClamAV's own test inputs in the shared corpus
 * ($PARTSCAN_CVD_CORPUS, else ../shared/corpus/clamav-cvd beside the checkout); the tests
 * that need it are skipped, saying so, when it is absent. Other containers are built here
 * with libarchive: they cannot carry ClamAV's signatures (nobody but ClamAV has its keys),
 * so they are .cud (unsigned by design) or loaded with allow_unsigned, which only accepts a
 * missing signature, never a wrong one.
 */

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/cvd.h"
#include "engine/digest.h"
#include "engine/sigdb.h"
#include "tests/lib/testutil.h"

/* clam.exe of clamav-testfiles: what bytecode.cvd's last.hdb detects */
#define CLAM_MD5    "aa15bcf478d165efd2065190eb473bcb"
#define CLAM_SHA256 "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495"
#define ABC_MD5     "900150983cd24fb0d6963f7d28e17f72"
#define HELLO_MD5   "b1946ac92492d2347c6235b4d2611184"
/* a time when the TEST signing chain of the corpus is valid (2025-06-01) */
#define TEST_CA_TIME 1748736000

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

/* The corpus directory, or NULL (with a message once) when it is absent. */
static const char *corpus(void)
{
	static char *dir;
	static bool said;
	const char *env = getenv("PARTSCAN_CVD_CORPUS");

	if (dir == NULL)
		dir = env != NULL ? g_strdup(env)
		                  : g_build_filename(TEST_DATA, "..", "..", "..", "shared",
		                                     "corpus", "clamav-cvd", NULL);
	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		return dir;
	if (!said)
		fprintf(stderr,
		        "SKIP: ClamAV container corpus not found at %s "
		        "(set PARTSCAN_CVD_CORPUS)\n",
		        dir);
	said = true;
	return NULL;
}

/* Copy a corpus file into dir (under its own name, or as_name). */
static char *copy_corpus(const char *name, const char *dir, const char *as_name)
{
	char *src = g_build_filename(corpus(), name, NULL);
	size_t len;
	char *data = testutil_read(src, &len);
	char *dst = testutil_write_bytes(dir, as_name != NULL ? as_name : name, data, len);

	g_free(data);
	g_free(src);
	return dst;
}

static char *subdir(const char *name)
{
	char *dir = g_build_filename(tmp, name, NULL);

	g_mkdir(dir, 0755);
	return dir;
}

static int load_one(const char *p1, const char *p2, const struct sigdb_options *in,
                    struct sigdb **db_r)
{
	struct sigdb_options opts = {0};
	const char *paths[] = {p1, p2, NULL};
	GError *error = NULL;
	int ret;

	if (in != NULL)
		opts = *in;
	opts.warn = testutil_collect_warning;
	opts.warn_ctx = warnings;
	if (opts.cert_dir == NULL)
		opts.cert_dir = "/nonexistent"; /* no CA: never the machine's */
	ret = sigdb_load(paths, &opts, db_r, &error);
	if (ret < 0) {
		fprintf(stderr, "load: %s\n", error->message);
		g_error_free(error);
	}
	return ret;
}

static struct sigdb *load(const char *p1, const char *p2, const struct sigdb_options *opts)
{
	struct sigdb *db = NULL;

	ck_assert_int_eq(load_one(p1, p2, opts, &db), 0);
	return db;
}

/* The source whose name (or, for members, path suffix) is name. */
static const struct sigdb_source *source(const struct sigdb *db, const char *name)
{
	for (size_t i = 0; i < sigdb_source_count(db); i++) {
		const struct sigdb_source *s = sigdb_source_get(db, i);

		if (strcmp(s->name, name) == 0 || g_str_has_suffix(s->path, name))
			return s;
	}
	ck_abort_msg("no source %s", name);
	return NULL;
}

static const char *match(struct sigdb *db, const char *hex, uint64_t size)
{
	unsigned char hash[DIGEST_MAX_LEN];
	struct sigdb_match m[4];
	enum digest_type type;

	ck_assert_int_eq(digest_type_from_hexlen(strlen(hex), &type), 0);
	ck_assert_int_eq(digest_unhex(hex, strlen(hex) / 2, hash), 0);
	return sigdb_lookup(db, type, hash, size, m, 4) > 0 ? m[0].name : NULL;
}

/* ---- building containers ---- */

struct tmember {
	const char *name;
	const char *data;
};

static GByteArray *tar_build(const struct tmember *m, size_t n, bool gzip)
{
	size_t cap = 4 * 1024 * 1024, used = 0;
	GByteArray *out = g_byte_array_sized_new((guint)cap);
	struct archive *a = archive_write_new();

	g_byte_array_set_size(out, (guint)cap);
	archive_write_set_format_ustar(a);
	if (gzip)
		archive_write_add_filter_gzip(a);
	ck_assert_int_eq(archive_write_open_memory(a, out->data, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_size(e, (la_int64_t)strlen(m[i].data));
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		archive_write_data(a, m[i].data, strlen(m[i].data));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	g_byte_array_set_size(out, (guint)used);
	return out;
}

struct tcvd {
	unsigned int version, sigs, flevel;
	int64_t built;          /* 0: now */
	bool gzip;              /* the body */
	bool md5;               /* write the body's MD5 in the header */
	const char *md5_text;   /* ... or this */
	const char *dsig;       /* header dsig field ("X" when NULL) */
	const char *info;       /* the .info member: NULL builds a correct one, "" leaves it out */
	const char *info_extra; /* appended to a built .info (e.g. a DSIG line) */
};

static char *info_for(const char *db_name, const struct tcvd *c, int64_t built,
                      const struct tmember *m, size_t n)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "ClamAV-VDB:22 Nov 2026 10-00 +0000:%u:%u:%u:X:X:test:%lld\n",
	                       c->version, c->sigs, c->flevel, (long long)built);
	for (size_t i = 0; i < n; i++) {
		struct digest_set d;
		char hex[65];

		digest_compute((const unsigned char *)m[i].data, strlen(m[i].data),
		               DIGEST_BIT(DIGEST_SHA256), &d);
		g_string_append_printf(s, "%s:%zu:%s\n", m[i].name, strlen(m[i].data),
		                       digest_hex(d.sha256, 32, hex));
	}
	if (c->info_extra != NULL)
		g_string_append(s, c->info_extra);
	(void)db_name;
	return g_string_free(s, FALSE);
}

/* Write dir/file_name: header + tar of COPYING, the .info and the members. */
static char *write_cvd(const char *dir, const char *file_name, const struct tcvd *c,
                       const struct tmember *m, size_t n)
{
	int64_t built = c->built != 0 ? c->built : (int64_t)time(NULL);
	char db_name[64], *info_name, *info, md5[33] = "X", *path;
	struct tmember *all = g_new0(struct tmember, n + 2);
	GByteArray *body, *file = g_byte_array_new();
	GString *hdr = g_string_new(NULL);
	size_t k = 0;

	cvd_db_name(file_name, db_name, sizeof(db_name));
	info_name = g_strdup_printf("%s.info", db_name);
	info = c->info != NULL ? g_strdup(c->info) : info_for(db_name, c, built, m, n);
	all[k++] = (struct tmember){"COPYING", "licence text\n"};
	if (info[0] != '\0')
		all[k++] = (struct tmember){info_name, info};
	for (size_t i = 0; i < n; i++)
		all[k++] = m[i];
	body = tar_build(all, k, c->gzip);
	if (c->md5_text != NULL) {
		g_strlcpy(md5, c->md5_text, sizeof(md5));
	} else if (c->md5) {
		struct digest_set d;
		digest_compute(body->data, body->len, DIGEST_BIT(DIGEST_MD5), &d);
		digest_hex(d.md5, 16, md5);
	}
	g_string_append_printf(hdr, "ClamAV-VDB:22 Nov 2026 10-00 +0000:%u:%u:%u:%s:%s:test:%lld",
	                       c->version, c->sigs, c->flevel, md5, c->dsig != NULL ? c->dsig : "X",
	                       (long long)built);
	while (hdr->len < CVD_HEADER_SIZE)
		g_string_append_c(hdr, ' ');
	g_byte_array_append(file, (const guint8 *)hdr->str, CVD_HEADER_SIZE);
	g_byte_array_append(file, body->data, body->len);
	path = testutil_write_bytes(dir, file_name, file->data, file->len);
	g_byte_array_free(body, TRUE);
	g_byte_array_free(file, TRUE);
	g_string_free(hdr, TRUE);
	g_free(all);
	g_free(info);
	g_free(info_name);
	return path;
}

static const struct tmember clam_members[] = {
        {"t.hdb", CLAM_MD5 ":544:Clamav.Test.File-1-0\n"},
        {"t.hsb", CLAM_SHA256 ":544:Clamav.Test.File-2-0\n"},
        {"t.fp", ABC_MD5 ":3:Known.Good\n"},
        {"t.ndb", "Sig:0:*:414243\n"},
};

/* ---- headers ---- */

START_TEST(test_header_parse)
{
	static const char good[] =
	        "ClamAV-VDB:14 May 2010 09-57 -0400:19:3:51:"
	        "F341AE79C7E73561B89D4E0B8F6A79C0:abc+/Z09:nervous:1273845430   ";
	static const struct {
		const char *text, *why;
	} bad[] = {
	        {"ClamAV-VDB:t:x19:3:51:X:X:b:1", "version"},
	        {"ClamAV-VDB:t:19:3:51:0123:X:b:1", "MD5"},
	        {"ClamAV-VDB:t:19:3:51:X:X:b:12x", "build time"},
	        {"ClamAV-VDB:t:19:3:51:X:ab;cd:b:1", "signature field"},
	        {"ClamAV-VDB:t:19:3:51:X", "9 ':'-separated"},
	        {"ClamAV-VDB:t:19:3:51:X:X:b:1:extra:more", "9 ':'-separated"},
	        {"ClamAV-VDB:t:19:3:99999999999:X:X:b:1", "functionality level"},
	        {"ClamAV-VDB:t\x01:19:3:51:X:X:b:1", "control characters"},
	        {"Not-a-header", "ClamAV-VDB"},
	};
	struct cvd_header h;
	GError *error = NULL;

	ck_assert_int_eq(cvd_header_parse(good, sizeof(good), &h, &error), 0);
	ck_assert_str_eq(h.time, "14 May 2010 09-57 -0400");
	ck_assert_uint_eq(h.version, 19);
	ck_assert_uint_eq(h.sigs, 3);
	ck_assert_uint_eq(h.flevel, 51);
	ck_assert_str_eq(h.md5, "f341ae79c7e73561b89d4e0b8f6a79c0");
	ck_assert_str_eq(h.dsig, "abc+/Z09");
	ck_assert_str_eq(h.builder, "nervous");
	ck_assert_int_eq(h.built, 1273845430);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		ck_assert_int_eq(cvd_header_parse(bad[i].text, strlen(bad[i].text), &h, &error),
		                 -1);
		ck_assert_msg(strstr(error->message, bad[i].why) != NULL, "%s: %s", bad[i].text,
		              error->message);
		g_clear_error(&error);
	}
	{
		char name[64];
		cvd_db_name("/x/daily-27000.cvd", name, sizeof(name));
		ck_assert_str_eq(name, "daily");
		cvd_db_name("main.cld", name, sizeof(name));
		ck_assert_str_eq(name, "main");
	}
}
END_TEST

START_TEST(test_truncated_and_bad_header)
{
	char *dir = subdir("db");
	char *hdb = testutil_write(dir, "a.hdb", ABC_MD5 ":3:Abc\n");
	struct cvd_header h;
	GError *error = NULL;
	struct sigdb *db;
	char *p;

	p = testutil_write(dir, "short.cvd", "ClamAV-VDB:t:1:1:1:X:X:b:1");
	ck_assert_int_eq(cvd_header_read(p, &h, &error), -1);
	ck_assert_ptr_nonnull(strstr(error->message, "truncated"));
	g_clear_error(&error);
	g_free(p);
	{
		char block[CVD_HEADER_SIZE + 10];
		memset(block, ' ', sizeof(block));
		memcpy(block, "ClamAV-VDB:t:one:1:1:X:X:b:1", 29);
		g_free(testutil_write_bytes(dir, "badver.cvd", block, sizeof(block)));
	}
	/* rejected with the reason; the rest of the directory still loads */
	db = load(dir, NULL, NULL);
	ck_assert_str_eq(match(db, ABC_MD5, 3), "Abc");
	ck_assert(source(db, "short.cvd")->rejected);
	ck_assert_ptr_nonnull(strstr(source(db, "short.cvd")->reject_reason, "truncated"));
	ck_assert(source(db, "badver.cvd")->rejected);
	ck_assert_ptr_nonnull(strstr(source(db, "badver.cvd")->reject_reason, "version"));
	ck_assert(testutil_warned(warnings, "badver.cvd: rejected, not loaded: bad header"));
	sigdb_unref(&db);
	g_free(hdb);
	g_free(dir);
}
END_TEST

/* ---- the real containers of the corpus ---- */

START_TEST(test_bytecode_legacy)
{
	struct sigdb *db;
	const struct sigdb_source *c, *m;
	char *path, *desc;

	if (corpus() == NULL)
		return;
	path = g_build_filename(corpus(), "bytecode.cvd", NULL);
	db = load(path, NULL, NULL);
	c = sigdb_source_get(db, 0);
	ck_assert_int_eq(c->format, SIGDB_FORMAT_CONTAINER);
	ck_assert(!c->rejected && !c->superseded);
	ck_assert_int_eq(c->verify, SIGDB_VERIFY_LEGACY);
	ck_assert_str_eq(c->version, "bytecode 19 (2010-05-14T13:57:10Z, 3 signatures)");
	ck_assert_str_eq(c->cvd_name, "bytecode");
	ck_assert_uint_eq(c->cvd_version, 19);
	ck_assert_uint_eq(c->cvd_sigs, 3);
	ck_assert_uint_eq(c->cvd_flevel, 51);
	ck_assert_int_eq(c->built, 1273845430);
	ck_assert_uint_eq(c->unused, 3);
	ck_assert_str_eq(c->unused_detail, "cbc 3");
	ck_assert_ptr_nonnull(strstr(c->verify_detail, "bytecode.info (signed)"));
	/* its hash member, a source of its own */
	m = sigdb_source_get(db, 1);
	ck_assert_str_eq(m->name, "last.hdb");
	ck_assert_str_eq(m->container, path);
	ck_assert_uint_eq(m->counts[SIGDB_DETECT][DIGEST_MD5], 2);
	ck_assert_str_eq(m->version, c->version);
	ck_assert_str_eq(match(db, CLAM_MD5, 544), "ClamAV-Test-File");
	ck_assert_ptr_eq(sigdb_container_find(db, "bytecode"), c);
	ck_assert_ptr_null(sigdb_container_find(db, "daily"));
	ck_assert_int_eq(sigdb_oldest_container_time(db), 1273845430);
	desc = sigdb_containers_describe(db);
	ck_assert_str_eq(desc, "bytecode 19 2010-05-14T13:57:10Z");
	g_free(desc);
	sigdb_unref(&db);
	g_free(path);
}
END_TEST

/* A copy of bytecode.cvd with one byte changed at off. */
static char *bytecode_flipped(const char *dir, size_t off, unsigned char mask)
{
	char *src = g_build_filename(corpus(), "bytecode.cvd", NULL);
	size_t len;
	char *data = testutil_read(src, &len), *dst;

	ck_assert_uint_gt(len, off);
	data[off] = (char)(data[off] ^ mask);
	dst = testutil_write_bytes(dir, "bytecode.cvd", data, len);
	g_free(data);
	g_free(src);
	return dst;
}

START_TEST(test_bytecode_tampered)
{
	char *d1, *d2, *p1, *p2, *other;
	struct sigdb *db;
	const struct sigdb_source *c;

	if (corpus() == NULL)
		return;
	d1 = subdir("body");
	d2 = subdir("sig");
	p1 = bytecode_flipped(d1, CVD_HEADER_SIZE + 1000, 0x01);
	other = testutil_write(d1, "local.hdb", ABC_MD5 ":3:Local.Abc\n");
	db = load(d1, NULL, NULL);
	c = source(db, "bytecode.cvd");
	ck_assert(c->rejected);
	ck_assert_int_eq(c->verify, SIGDB_VERIFY_NONE);
	ck_assert_ptr_nonnull(strstr(c->reject_reason, "MD5"));
	ck_assert_ptr_null(match(db, CLAM_MD5, 544));
	ck_assert_str_eq(match(db, ABC_MD5, 3), "Local.Abc"); /* the rest loads */
	ck_assert(testutil_warned(warnings, "bytecode.cvd: rejected, not loaded"));
	sigdb_unref(&db);
	/* the header's signature: its first character 'u' becomes 't' */
	p2 = bytecode_flipped(d2, 76, 0x01);
	db = load(p2, NULL, NULL);
	c = source(db, "bytecode.cvd");
	ck_assert(c->rejected);
	ck_assert_ptr_nonnull(strstr(c->reject_reason, "digital signature does not verify"));
	sigdb_unref(&db);
	g_free(p1);
	g_free(p2);
	g_free(other);
	g_free(d1);
	g_free(d2);
}
END_TEST

static bool keep_info(const char *name, void *ctx)
{
	return g_str_has_suffix(name, ".info");
}

START_TEST(test_signature_primitives)
{
	struct cvd_limits limits = {1 << 20, 100, 1 << 24};
	const struct cvd_member *im = NULL;
	const struct cvd_info_entry *e;
	GPtrArray *members = NULL;
	GError *error = NULL;
	struct cvd_info info;
	struct cvd_header h;
	unsigned char *file;
	char *path;
	size_t len;

	if (corpus() == NULL)
		return;
	path = g_build_filename(corpus(), "bytecode.cvd", NULL);
	file = (unsigned char *)testutil_read(path, &len);
	ck_assert_int_eq(cvd_header_parse((const char *)file, CVD_HEADER_SIZE, &h, &error), 0);
	/* the legacy signature: ClamAV's key gives back exactly the MD5 */
	ck_assert(cvd_dsig_verify_md5(h.md5, h.dsig));
	ck_assert(!cvd_dsig_verify_md5("f341ae79c7e73561b89d4e0b8f6a79c1", h.dsig));
	ck_assert(!cvd_dsig_verify_md5(h.md5, "abc"));
	ck_assert_int_eq(
	        cvd_verify_legacy(&h, file + CVD_HEADER_SIZE, len - CVD_HEADER_SIZE, &error), 0);
	/* the .info signature (2048-bit key, PSS-like) over bytecode.info */
	ck_assert_int_eq(cvd_members_read(file + CVD_HEADER_SIZE, len - CVD_HEADER_SIZE, &limits,
	                                  keep_info, NULL, &members, &error),
	                 0);
	ck_assert_uint_eq(members->len, 6); /* COPYING, bytecode.info, 3 .cbc, last.hdb */
	for (guint i = 0; i < members->len; i++) {
		const struct cvd_member *m = members->pdata[i];
		if (m->data != NULL)
			im = m;
	}
	ck_assert_str_eq(im->name, "bytecode.info");
	ck_assert_int_eq(cvd_info_parse(im->data, im->size, &info, &error), 0);
	ck_assert(info.has_dsig && info.dsig_ok);
	ck_assert_uint_eq(info.hdr.version, 19);
	ck_assert_uint_eq(info.entries->len, 4);
	e = cvd_info_find(&info, "last.hdb");
	ck_assert_uint_eq(e->size, 114);
	cvd_info_clear(&info);
	/* one byte of the listed content changed: the DSIG no longer verifies */
	((unsigned char *)im->data)[60] ^= 0x01;
	ck_assert_int_eq(cvd_info_parse(im->data, im->size, &info, &error), 0);
	ck_assert(info.has_dsig && !info.dsig_ok);
	cvd_info_clear(&info);
	g_ptr_array_unref(members);
	g_free(file);
	g_free(path);
}
END_TEST

/* A directory holding one corpus certificate. */
static char *ca_dir(const char *name, const char *crt)
{
	char *dir = subdir(name);

	g_free(copy_corpus(crt, dir, NULL));
	return dir;
}

START_TEST(test_sign_test_ca)
{
	struct sigdb_options opts = {.verify_time = TEST_CA_TIME};
	char *db_dir, *test_ca, *prod_ca, *empty, *cvd;
	const struct sigdb_source *c;
	struct sigdb *db;

	if (corpus() == NULL)
		return;
	db_dir = subdir("db");
	test_ca = ca_dir("test-ca", "clamav-test.crt");
	prod_ca = ca_dir("prod-ca", "clamav.crt");
	empty = subdir("no-ca");
	cvd = copy_corpus("test-1.cvd", db_dir, NULL);
	g_free(copy_corpus("test-1.cvd.sign", db_dir, NULL));

	/* the TEST CA verifies the detached signature */
	opts.cert_dir = test_ca;
	db = load(cvd, NULL, &opts);
	c = source(db, "test-1.cvd");
	ck_assert(!c->rejected);
	ck_assert_int_eq(c->verify, SIGDB_VERIFY_SIGN);
	ck_assert_ptr_nonnull(strstr(c->verify_detail, "test-1.cvd.sign"));
	ck_assert_ptr_nonnull(strstr(c->verify_detail, "ClamAV TEST CVD Signing Cert"));
	ck_assert_str_eq(c->unused_detail, "ldb 1, ndb 1");
	sigdb_unref(&db);

	/* another CA: the signature is checked and fails; no fallback to the header */
	opts.cert_dir = prod_ca;
	db = load(cvd, NULL, &opts);
	c = source(db, "test-1.cvd");
	ck_assert(c->rejected);
	ck_assert_ptr_nonnull(strstr(c->reject_reason, "test-1.cvd.sign does not verify"));
	ck_assert_ptr_nonnull(strstr(c->reject_reason, "unable to get local issuer"));
	sigdb_unref(&db);

	/* nothing to check it with: the legacy header signature, as ClamAV does */
	opts.cert_dir = empty;
	db = load(cvd, NULL, &opts);
	ck_assert_int_eq(source(db, "test-1.cvd")->verify, SIGDB_VERIFY_LEGACY);
	sigdb_unref(&db);
	g_free(cvd);
	g_free(db_dir);
	g_free(test_ca);
	g_free(prod_ca);
	g_free(empty);
}
END_TEST

START_TEST(test_sign_wrong_or_garbage)
{
	struct sigdb_options opts = {.verify_time = TEST_CA_TIME};
	char *d1, *d2, *test_ca, *cvd1, *cvd2;
	struct sigdb *db;

	if (corpus() == NULL)
		return;
	d1 = subdir("wrong");
	d2 = subdir("garbage");
	test_ca = ca_dir("test-ca", "clamav-test.crt");
	opts.cert_dir = test_ca;
	/* test-1's signature presented for test-2: the content does not match */
	cvd1 = copy_corpus("test-2.cvd", d1, NULL);
	g_free(copy_corpus("test-1.cvd.sign", d1, "test-2.cvd.sign"));
	db = load(cvd1, NULL, &opts);
	ck_assert(source(db, "test-2.cvd")->rejected);
	ck_assert_ptr_nonnull(strstr(source(db, "test-2.cvd")->reject_reason, "does not verify"));
	sigdb_unref(&db);
	/* an unreadable .sign is not a signature: the header's is checked instead */
	cvd2 = copy_corpus("test-2.cvd", d2, NULL);
	g_free(testutil_write(d2, "test-2.cvd.sign", "#clamsign-1.0\n230::pkcs7-pem:AAAA\n"));
	db = load(cvd2, NULL, &opts);
	ck_assert_int_eq(source(db, "test-2.cvd")->verify, SIGDB_VERIFY_LEGACY);
	sigdb_unref(&db);
	g_free(cvd1);
	g_free(cvd2);
	g_free(d1);
	g_free(d2);
	g_free(test_ca);
}
END_TEST

/* ---- containers built here ---- */

START_TEST(test_built_cud_loads)
{
	struct tcvd c = {.version = 5, .sigs = 4, .flevel = 200, .gzip = true};
	char *dir = subdir("db"), *p = write_cvd(dir, "local.cud", &c, clam_members, 4);
	struct sigdb *db = load(dir, NULL, NULL);
	const struct sigdb_source *s = source(db, "local.cud");

	ck_assert(!s->rejected);
	ck_assert_int_eq(s->verify, SIGDB_VERIFY_CUD);
	ck_assert_str_eq(s->unused_detail, "ndb 1");
	ck_assert_str_eq(match(db, CLAM_MD5, 544), "Clamav.Test.File-1-0");
	ck_assert_str_eq(match(db, CLAM_SHA256, 544), "Clamav.Test.File-2-0");
	ck_assert_str_eq(source(db, "local.cud:t.fp")->name, "t.fp");
	ck_assert_uint_eq(source(db, "local.cud:t.fp")->counts[SIGDB_ALLOW][DIGEST_MD5], 1);
	ck_assert_uint_eq(sigdb_count(db), 3);
	sigdb_unref(&db);
	g_free(p);
	g_free(dir);
}
END_TEST

START_TEST(test_built_cvd_unsigned)
{
	struct tcvd c = {.version = 7, .sigs = 2, .flevel = 90, .gzip = true, .md5 = true};
	struct sigdb_options test = {.allow_unsigned = true};
	char *d1 = subdir("ok"), *d2 = subdir("badmd5"), *p1, *p2;
	struct sigdb *db;

	p1 = write_cvd(d1, "x.cvd", &c, clam_members, 2);
	db = load(p1, NULL, NULL);
	ck_assert(source(db, "x.cvd")->rejected);
	ck_assert_ptr_nonnull(strstr(source(db, "x.cvd")->reject_reason, "unsigned"));
	ck_assert_uint_eq(sigdb_count(db), 0);
	sigdb_unref(&db);
	db = load(p1, NULL, &test);
	ck_assert_int_eq(source(db, "x.cvd")->verify, SIGDB_VERIFY_UNSIGNED);
	ck_assert_str_eq(match(db, CLAM_MD5, 544), "Clamav.Test.File-1-0");
	sigdb_unref(&db);
	/* allow_unsigned still checks the MD5 the header gives */
	c.md5_text = "00112233445566778899aabbccddeeff";
	p2 = write_cvd(d2, "x.cvd", &c, clam_members, 2);
	db = load(p2, NULL, &test);
	ck_assert(source(db, "x.cvd")->rejected);
	ck_assert_ptr_nonnull(strstr(source(db, "x.cvd")->reject_reason, "MD5"));
	sigdb_unref(&db);
	g_free(p1);
	g_free(p2);
	g_free(d1);
	g_free(d2);
}
END_TEST

START_TEST(test_built_cld_info_checks)
{
	static const struct tmember one[] = {{"d.hdb", CLAM_MD5 ":544:Clamav.Test.File-1-0\n"}};
	struct sigdb_options test = {.allow_unsigned = true};
	static const struct {
		const char *dir, *info, *extra, *why;
	} cases[] = {
	        /* not signed: refused by default (checked below), loads with allow_unsigned */
	        {"ok", NULL, NULL, NULL},
	        {"sha",
	         "ClamAV-VDB:t:3:1:90:X:X:test:1700000000\n"
	         "d.hdb:58:0000000000000000000000000000000000000000000000000000000000000000\n",
	         NULL, "SHA-256 differs from d.info"},
	        {"size",
	         "ClamAV-VDB:t:3:1:90:X:X:test:1700000000\n"
	         "d.hdb:57:0000000000000000000000000000000000000000000000000000000000000000\n",
	         NULL, "size differs"},
	        {"unlisted", "ClamAV-VDB:t:3:1:90:X:X:test:1700000000\n", NULL,
	         "d.hdb is not listed in d.info"},
	        {"header", "ClamAV-VDB:t:4:1:90:X:X:test:1700000000\n", NULL,
	         "does not match the header"},
	        {"badsig", NULL, "DSIG:abcdefgh\n", "DSIG signature of d.info does not verify"},
	        {"noinfo", "", NULL, "no .info member"},
	        {"garbled", "ClamAV-VDB:t:3:1:90:X:X:test:1700000000\nnonsense\n", NULL,
	         "d.info: line 2"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct tcvd c = {.version = 3, .sigs = 1, .flevel = 90, .built = 1700000000};
		char *dir = subdir(cases[i].dir), *p;
		const struct sigdb_source *s;
		struct sigdb *db;

		c.info = cases[i].info;
		c.info_extra = cases[i].extra;
		p = write_cvd(dir, "d.cld", &c, one, 1);
		db = load(p, NULL, &test);
		s = source(db, "d.cld");
		if (cases[i].why == NULL) {
			ck_assert(!s->rejected);
			ck_assert_int_eq(s->verify, SIGDB_VERIFY_UNSIGNED);
			ck_assert_str_eq(match(db, CLAM_MD5, 544), "Clamav.Test.File-1-0");
		} else {
			ck_assert_msg(s->rejected, "%s", cases[i].dir);
			ck_assert_msg(strstr(s->reject_reason, cases[i].why) != NULL, "%s: %s",
			              cases[i].dir, s->reject_reason);
			ck_assert_uint_eq(sigdb_count(db), 0);
		}
		sigdb_unref(&db);
		if (i == 0) {
			/* by default an unsigned .cld is refused */
			db = load(p, NULL, NULL);
			ck_assert(source(db, "d.cld")->rejected);
			ck_assert_ptr_nonnull(
			        strstr(source(db, "d.cld")->reject_reason, "d.info is not signed"));
			sigdb_unref(&db);
		}
		g_free(p);
		g_free(dir);
	}
}
END_TEST

START_TEST(test_damaged_bodies)
{
	static const struct tmember trav[] = {{"../x.hdb", CLAM_MD5 ":544:Escape-1-0\n"}};
	struct tcvd c = {.version = 1, .sigs = 1, .flevel = 90, .gzip = true};
	char *dir = subdir("db"), *p;
	struct sigdb *db;
	size_t len;
	char *data;

	/* a member name with a path: refused, nothing written anywhere */
	c.info = "ClamAV-VDB:t:1:1:90:X:X:test:1700000000\n";
	c.built = 1700000000;
	g_free(write_cvd(dir, "trav.cud", &c, trav, 1));
	/* a gzip'd body with damage in its middle */
	c.info = NULL;
	p = write_cvd(dir, "gz.cud", &c, clam_members, 4);
	data = testutil_read(p, &len);
	for (size_t i = CVD_HEADER_SIZE + 40; i < CVD_HEADER_SIZE + 60 && i < len; i++)
		data[i] = (char)(data[i] ^ 0x5a);
	g_free(testutil_write_bytes(dir, "gz.cud", data, len));
	g_free(data);
	db = load(dir, NULL, NULL);
	ck_assert(source(db, "trav.cud")->rejected);
	ck_assert_ptr_nonnull(
	        strstr(source(db, "trav.cud")->reject_reason, "'../x.hdb' has a '/'"));
	ck_assert(source(db, "gz.cud")->rejected);
	ck_assert_ptr_nonnull(strstr(source(db, "gz.cud")->reject_reason, "damaged body"));
	ck_assert_uint_eq(sigdb_count(db), 0);
	ck_assert(!g_file_test("x.hdb", G_FILE_TEST_EXISTS));
	sigdb_unref(&db);
	g_free(p);
	g_free(dir);
}
END_TEST

/* A tar whose only header announces a member of size bytes, and no data. */
static char *write_big_member(const char *dir, uint64_t size)
{
	unsigned char tar[3 * 512] = {0}, *h = tar;
	GString *file = g_string_new(NULL);
	unsigned int sum = 0;
	char *p;

	memcpy(h, "big.hdb", 7);
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	g_snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
	memcpy(h + 136, "14533241000", 11);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	g_snprintf((char *)h + 148, 8, "%06o", sum);
	g_string_append(file, "ClamAV-VDB:t:1:1:90:X:X:test:1700000000");
	while (file->len < CVD_HEADER_SIZE)
		g_string_append_c(file, ' ');
	g_string_append_len(file, (const char *)tar, sizeof(tar));
	p = testutil_write_bytes(dir, "big.cud", file->str, file->len);
	g_string_free(file, TRUE);
	return p;
}

START_TEST(test_limits)
{
	struct tcvd c = {.version = 1, .sigs = 4, .flevel = 90, .gzip = true};
	struct sigdb_options few = {.cvd_max_members = 3}, small = {.cvd_max_member = 40};
	char *dir = subdir("db"), *p, *big;
	struct sigdb *db;

	p = write_cvd(dir, "many.cud", &c, clam_members, 4); /* 6 members with COPYING, .info */
	db = load(p, NULL, &few);
	ck_assert_ptr_nonnull(strstr(source(db, "many.cud")->reject_reason, "more than 3 members"));
	sigdb_unref(&db);
	db = load(p, NULL, &small);
	ck_assert_ptr_nonnull(
	        strstr(source(db, "many.cud")->reject_reason, "over the limit of 40"));
	sigdb_unref(&db);
	/* the default limit, 512 MiB, refuses a larger member from its header alone */
	big = write_big_member(dir, SIGDB_CVD_MAX_MEMBER + 1);
	db = load(big, NULL, NULL);
	ck_assert(source(db, "big.cud")->rejected);
	ck_assert_ptr_nonnull(strstr(source(db, "big.cud")->reject_reason,
	                             "member 'big.hdb' is 536870913 bytes, over the limit"));
	sigdb_unref(&db);
	g_free(big);
	g_free(p);
	g_free(dir);
}
END_TEST

START_TEST(test_ign2_in_container)
{
	static const char line2[] = HELLO_MD5 ":6:Drop.ByLine-2-0";
	struct tcvd c = {.version = 9, .sigs = 2, .flevel = 90, .gzip = true};
	char *dir = subdir("db"), *ign, line_md5[33];
	struct tmember daily[2],
	        other[1] = {{"o.hdb", CLAM_MD5 ":544:Clamav.Test.File-1-0\n"
	                                       "00000000000000000000000000000002:2:"
	                                       "Keep-3-0\n"}};
	struct digest_set d;
	struct sigdb *db;

	digest_compute((const unsigned char *)line2, strlen(line2), DIGEST_BIT(DIGEST_MD5), &d);
	digest_hex(d.md5, 16, line_md5);
	ign = g_strdup_printf("Clamav.Test.File-1-0\nDrop.ByLine-2-0:%s\n", line_md5);
	daily[0] = (struct tmember){"daily.hdb",
	                            ABC_MD5 ":3:Daily.Keep-1-0\n" HELLO_MD5 ":6:Drop.ByLine-2-0\n"};
	daily[1] = (struct tmember){"daily.ign2", ign};
	/* the plain file sorts first, the other container last: the list applies to both */
	g_free(testutil_write(dir, "a.hdb",
	                      CLAM_MD5 ":544:Clamav.Test.File-1-0\n" HELLO_MD5
	                               ":7:Drop.ByLine-2-0\n"));
	g_free(write_cvd(dir, "daily.cud", &c, daily, 2));
	c.version = 1;
	g_free(write_cvd(dir, "zz.cud", &c, other, 1));
	db = load(dir, NULL, NULL);
	ck_assert_ptr_null(match(db, CLAM_MD5, 544));
	ck_assert_ptr_null(match(db, HELLO_MD5, 6));
	/* the same name on another line: another MD5 of the line, it stays */
	ck_assert_str_eq(match(db, HELLO_MD5, 7), "Drop.ByLine-2-0");
	ck_assert_str_eq(match(db, ABC_MD5, 3), "Daily.Keep-1-0");
	ck_assert_str_eq(match(db, "00000000000000000000000000000002", 2), "Keep-3-0");
	ck_assert_uint_eq(source(db, "a.hdb")->ignored, 1);
	ck_assert_uint_eq(source(db, "daily.cud:daily.hdb")->ignored, 1);
	ck_assert_uint_eq(source(db, "zz.cud:o.hdb")->ignored, 1);
	ck_assert_uint_eq(source(db, "daily.cud:daily.ign2")->ign_entries, 2);
	sigdb_unref(&db);
	g_free(ign);
	g_free(dir);
}
END_TEST

static const struct tmember gen_a[] = {{"daily.hdb", ABC_MD5 ":3:Gen.A-1-0\n"}};
static const struct tmember gen_b[] = {{"daily.hdb", ABC_MD5 ":3:Gen.B-1-0\n"}};

START_TEST(test_precedence)
{
	struct sigdb_options test = {.allow_unsigned = true};
	struct tcvd c = {.sigs = 1, .flevel = 90, .md5 = true, .gzip = true};
	struct tcvd l = {.sigs = 1, .flevel = 90};
	char *d1 = subdir("newer-cld"), *d2 = subdir("newer-cvd"), *d3 = subdir("same");
	char *d4 = subdir("bad-newer");
	const struct sigdb_source *s;
	struct sigdb *db;

	c.version = 10, l.version = 11;
	g_free(write_cvd(d1, "daily.cvd", &c, gen_a, 1));
	g_free(write_cvd(d1, "daily.cld", &l, gen_b, 1));
	db = load(d1, NULL, &test);
	ck_assert_str_eq(match(db, ABC_MD5, 3), "Gen.B-1-0");
	ck_assert_uint_eq(sigdb_count(db), 1);
	s = source(db, "daily.cvd");
	ck_assert(s->superseded && !s->rejected);
	ck_assert_ptr_nonnull(strstr(s->reject_reason, "daily.cld (version 11)"));
	ck_assert_ptr_eq(sigdb_container_find(db, "daily"), source(db, "daily.cld"));
	sigdb_unref(&db);

	c.version = 12, l.version = 11;
	g_free(write_cvd(d2, "daily.cvd", &c, gen_a, 1));
	g_free(write_cvd(d2, "daily.cld", &l, gen_b, 1));
	db = load(d2, NULL, &test);
	ck_assert_str_eq(match(db, ABC_MD5, 3), "Gen.A-1-0");
	ck_assert(source(db, "daily.cld")->superseded);
	sigdb_unref(&db);

	/* equal versions: the .cld (freshclam's patched copy) wins, as in ClamAV */
	c.version = l.version = 11;
	g_free(write_cvd(d3, "daily.cvd", &c, gen_a, 1));
	g_free(write_cvd(d3, "daily.cld", &l, gen_b, 1));
	db = load(d3, NULL, &test);
	ck_assert_str_eq(match(db, ABC_MD5, 3), "Gen.B-1-0");
	sigdb_unref(&db);

	/* the newer one fails its checks: the older one loads rather than nothing */
	c.version = 10, l.version = 11;
	l.info = "ClamAV-VDB:t:11:1:90:X:X:test:1\n";
	g_free(write_cvd(d4, "daily.cvd", &c, gen_a, 1));
	g_free(write_cvd(d4, "daily.cld", &l, gen_b, 1));
	db = load(d4, NULL, &test);
	ck_assert(source(db, "daily.cld")->rejected);
	ck_assert(!source(db, "daily.cvd")->superseded);
	ck_assert_str_eq(match(db, ABC_MD5, 3), "Gen.A-1-0");
	sigdb_unref(&db);
	g_free(d1);
	g_free(d2);
	g_free(d3);
	g_free(d4);
}
END_TEST

START_TEST(test_daily_age)
{
	struct tcvd c = {.version = 2, .sigs = 1, .flevel = 90, .gzip = true};
	char *old = subdir("old"), *fresh = subdir("fresh"), *future = subdir("future");
	struct sigdb *db;

	c.built = (int64_t)time(NULL) - 30 * 86400;
	g_free(write_cvd(old, "daily.cud", &c, gen_a, 1));
	db = load(old, NULL, NULL);
	ck_assert(testutil_warned(warnings, "daily 2 (") &&
	          testutil_warned(warnings, "is 30 days old (more than 7)"));
	sigdb_unref(&db);
	g_ptr_array_set_size(warnings, 0);
	c.built = 0;
	g_free(write_cvd(fresh, "daily.cud", &c, gen_a, 1));
	db = load(fresh, NULL, NULL);
	ck_assert_uint_eq(warnings->len, 0);
	ck_assert_int_gt(sigdb_oldest_container_time(db), (int64_t)time(NULL) - 60);
	sigdb_unref(&db);
	c.built = (int64_t)time(NULL) + 2 * 86400;
	g_free(write_cvd(future, "daily.cud", &c, gen_a, 1));
	db = load(future, NULL, NULL);
	ck_assert(testutil_warned(warnings, "built in the future"));
	sigdb_unref(&db);
	g_free(old);
	g_free(fresh);
	g_free(future);
}
END_TEST

START_TEST(test_snapshot_keeps_container_fields)
{
	struct tcvd c = {.version = 5, .sigs = 4, .flevel = 200, .gzip = true, .built = 1700000000};
	char *dir = subdir("db"), *snap = g_build_filename(tmp, "db.psdb", NULL);
	struct sigdb *db, *back;
	GError *error = NULL;

	g_free(write_cvd(dir, "local.cud", &c, clam_members, 4));
	g_free(testutil_write(dir, "bad.cvd", "too short"));
	db = load(dir, NULL, NULL);
	ck_assert_int_eq(sigdb_compile(db, snap, &error), 0);
	ck_assert_int_eq(sigdb_open_snapshot(snap, &back, &error), 0);
	ck_assert_uint_eq(sigdb_source_count(back), sigdb_source_count(db));
	for (size_t i = 0; i < sigdb_source_count(db); i++) {
		const struct sigdb_source *a = sigdb_source_get(db, i),
		                          *b = sigdb_source_get(back, i);

		ck_assert_str_eq(a->path, b->path);
		ck_assert_pstr_eq(a->container, b->container);
		ck_assert_pstr_eq(a->cvd_name, b->cvd_name);
		ck_assert_pstr_eq(a->version, b->version);
		ck_assert_pstr_eq(a->verify_detail, b->verify_detail);
		ck_assert_pstr_eq(a->reject_reason, b->reject_reason);
		ck_assert_pstr_eq(a->unused_detail, b->unused_detail);
		ck_assert_uint_eq(a->cvd_version, b->cvd_version);
		ck_assert_uint_eq(a->cvd_sigs, b->cvd_sigs);
		ck_assert_uint_eq(a->cvd_flevel, b->cvd_flevel);
		ck_assert_int_eq(a->built, b->built);
		ck_assert_int_eq(a->verify, b->verify);
		ck_assert_int_eq(a->rejected, b->rejected);
		ck_assert_int_eq(a->superseded, b->superseded);
		ck_assert_uint_eq(a->unused, b->unused);
	}
	ck_assert(source(back, "bad.cvd")->rejected);
	ck_assert_int_eq(source(back, "local.cud")->verify, SIGDB_VERIFY_CUD);
	ck_assert_int_eq(source(back, "local.cud")->built, 1700000000);
	ck_assert_str_eq(match(back, CLAM_MD5, 544), "Clamav.Test.File-1-0");
	ck_assert_ptr_nonnull(sigdb_container_find(back, "local"));
	sigdb_unref(&back);
	sigdb_unref(&db);
	g_free(snap);
	g_free(dir);
}
END_TEST

static Suite *container_suite(void)
{
	Suite *s = suite_create("container");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_header_parse);
	tcase_add_test(tc, test_truncated_and_bad_header);
	tcase_add_test(tc, test_bytecode_legacy);
	tcase_add_test(tc, test_bytecode_tampered);
	tcase_add_test(tc, test_signature_primitives);
	tcase_add_test(tc, test_sign_test_ca);
	tcase_add_test(tc, test_sign_wrong_or_garbage);
	tcase_add_test(tc, test_built_cud_loads);
	tcase_add_test(tc, test_built_cvd_unsigned);
	tcase_add_test(tc, test_built_cld_info_checks);
	tcase_add_test(tc, test_damaged_bodies);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_ign2_in_container);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_daily_age);
	tcase_add_test(tc, test_snapshot_keeps_container_fields);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(container_suite());
	int failed;

	(void)corpus(); /* says SKIP once, before the tests fork */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
