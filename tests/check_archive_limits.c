/*
 * libcheck suite: archive_limits — bombs and limits, every archive generated here: a zip member
 * of 1 GiB of zeros (about 1 MB of deflate, declared and not declared), a gzip stream of 1 GiB
 * of zeros, 42.zip-style nesting, 100,000 empty members (zip64), a high compression ratio,
 * members against max_total_bytes, a damaged archive, and threads. Each ends with the part
 * flagged, the limit named and the report unscannable, never clean; memory stays within the
 * limits (peak RSS measured with getrusage).
 */

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "mime/msgscan.h"
#include "tests/lib/testscan.h"
#include "tests/lib/testutil.h"

#define GIB (1024ull * 1024ull * 1024ull)
#define MIB (1024ull * 1024ull)

/*
 * AddressSanitizer keeps freed memory in quarantine and shadows every byte, and so does
 * valgrind (make check-valgrind sets PARTSCAN_VALGRIND): more room for the RSS bounds.
 */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_SLACK 4
#else
#define RSS_SLACK (getenv("PARTSCAN_VALGRIND") != NULL ? 4 : 1)
#endif

static struct sigdb *db;

static void setup(void)
{
	db = testscan_sigdb_bundled();
}

static void teardown(void)
{
	sigdb_unref(&db);
}

/* ---- building bombs by hand ---- */

struct bits {
	GByteArray *a;
	uint32_t buf;
	int n;
};

static void put(struct bits *w, uint32_t v, int n)
{
	w->buf |= v << w->n;
	w->n += n;
	while (w->n >= 8) {
		guint8 c = (guint8)w->buf;

		g_byte_array_append(w->a, &c, 1);
		w->buf >>= 8;
		w->n -= 8;
	}
}

/* A Huffman code: most significant bit first. */
static void put_code(struct bits *w, uint32_t code, int len)
{
	while (len-- > 0)
		put(w, (code >> len) & 1, 1);
}

/*
 * One dynamic deflate block of *size_r zeros (at least want): a literal 0, then matches of 258
 * at distance 1 coded in 2 bits each (literal/length codes: 285 "0", 0 "10", 256 "11";
 * one distance code "0"), about 1 MB for 1 GiB.
 */
static GByteArray *deflate_zeros(uint64_t want, uint64_t *size_r)
{
	static const unsigned char order[18] = {16, 17, 18, 0,  8, 7,  9, 6,  10,
	                                        5,  11, 4,  12, 3, 13, 2, 14, 1};
	struct bits w = {g_byte_array_new(), 0, 0};
	uint64_t k = (want + 256) / 258;

	put(&w, 1, 1); /* last block */
	put(&w, 2, 2); /* dynamic */
	put(&w, 29, 5);
	put(&w, 0, 5);
	put(&w, 14, 4);
	for (int i = 0; i < 18; i++)
		put(&w, order[i] == 18 ? 1 : order[i] == 2 || order[i] == 1 ? 2 : 0, 3);
	put_code(&w, 3, 2); /* length 2 for literal 0 */
	put_code(&w, 0, 1); /* 138 zeros */
	put(&w, 127, 7);
	put_code(&w, 0, 1); /* 117 zeros */
	put(&w, 106, 7);
	put_code(&w, 3, 2); /* length 2 for 256 */
	put_code(&w, 0, 1); /* 28 zeros */
	put(&w, 17, 7);
	put_code(&w, 2, 2); /* length 1 for 285 */
	put_code(&w, 2, 2); /* length 1 for distance 0 */
	put_code(&w, 2, 2); /* literal 0 */
	for (uint64_t i = 0; i < k; i++)
		put(&w, 0, 2); /* length 258, distance 1 */
	put_code(&w, 3, 2);    /* end of block */
	put(&w, 0, 7);
	*size_r = 1 + 258 * k;
	return w.a;
}

static void le(GByteArray *a, uint64_t v, int n)
{
	for (int i = 0; i < n; i++) {
		guint8 c = (guint8)(v >> (8 * i));

		g_byte_array_append(a, &c, 1);
	}
}

struct zent {
	char *name;
	unsigned int method;
	const guint8 *data;
	size_t csize;
	uint64_t usize; /* declared */
};

/* A zip of the entries (CRCs left 0: the readers stop before checking them); zip64 end records
 * when there are more than 65535. */
static GByteArray *zip_build(const struct zent *e, size_t n)
{
	GByteArray *z = g_byte_array_new();
	uint64_t *off = g_new(uint64_t, n), cd;

	for (size_t i = 0; i < n; i++) {
		off[i] = z->len;
		le(z, 0x04034b50, 4), le(z, 20, 2), le(z, 0, 2), le(z, e[i].method, 2);
		le(z, 0, 4), le(z, 0, 4), le(z, e[i].csize, 4), le(z, e[i].usize, 4);
		le(z, strlen(e[i].name), 2), le(z, 0, 2);
		g_byte_array_append(z, (const guint8 *)e[i].name, (guint)strlen(e[i].name));
		g_byte_array_append(z, e[i].data, (guint)e[i].csize);
	}
	cd = z->len;
	for (size_t i = 0; i < n; i++) {
		le(z, 0x02014b50, 4), le(z, 20, 2), le(z, 20, 2), le(z, 0, 2),
		        le(z, e[i].method, 2);
		le(z, 0, 4), le(z, 0, 4), le(z, e[i].csize, 4), le(z, e[i].usize, 4);
		le(z, strlen(e[i].name), 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 2);
		le(z, 0, 4), le(z, off[i], 4);
		g_byte_array_append(z, (const guint8 *)e[i].name, (guint)strlen(e[i].name));
	}
	if (n > 0xffff) {
		uint64_t z64 = z->len;

		le(z, 0x06064b50, 4), le(z, 44, 8), le(z, 45, 2), le(z, 45, 2), le(z, 0, 4);
		le(z, 0, 4), le(z, n, 8), le(z, n, 8), le(z, z64 - cd, 8), le(z, cd, 8);
		le(z, 0x07064b50, 4), le(z, 0, 4), le(z, z64, 8), le(z, 1, 4);
		le(z, 0x06054b50, 4), le(z, 0, 4), le(z, 0xffff, 2), le(z, 0xffff, 2);
		le(z, z64 - cd, 4), le(z, cd, 4), le(z, 0, 2);
	} else {
		le(z, 0x06054b50, 4), le(z, 0, 4), le(z, n, 2), le(z, n, 2);
		le(z, z->len - cd - 0, 4), le(z, cd, 4), le(z, 0, 2);
	}
	g_free(off);
	return z;
}

/* An archive (libarchive's writer) of n members. */
static GBytes *build(const char *format, const char *const *names, const void *const *data,
                     const size_t *len, size_t n)
{
	size_t cap = 1 << 20, used = 0;
	struct archive *a = archive_write_new();
	unsigned char *buf;

	for (size_t i = 0; i < n; i++)
		cap += len[i] + 1024;
	buf = g_malloc(cap);
	archive_write_set_format_by_name(a, format);
	ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_size(e, (la_int64_t)len[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		archive_write_data(a, data[i], len[i]);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return g_bytes_new_take(buf, used);
}

/* ---- scanning ---- */

static long maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static struct msg_report *scan(const char *name, const void *data, size_t len,
                               const struct msg_limits *lim)
{
	struct msg_scan_options o = {.limits = lim};
	struct msg_report *r = NULL;

	ck_assert_int_eq(msg_scan_attachment(db, name, data, len, &o, &r, NULL), 0);
	return r;
}

/* The report is unscannable with reason (a message flag name) and a note naming limit. */
static void check_limit(const struct msg_report *r, const char *reason, const char *limit)
{
	const char *got = NULL;
	bool noted = false;

	ck_assert(msg_report_unscannable(r, &got));
	ck_assert_str_eq(got, reason);
	ck_assert_uint_eq(msg_report_infected(r), 0);
	for (guint i = 0; i < r->notes->len; i++)
		noted |= strstr(g_ptr_array_index(r->notes, i), limit) != NULL;
	ck_assert_msg(noted, "no note names %s", limit);
}

/* A zip member of 1 GiB of zeros that says so: not read at all. */
START_TEST(test_gib_member_declared)
{
	uint64_t size;
	GByteArray *d = deflate_zeros(GIB, &size);
	struct zent e = {"zeros.bin", 8, d->data, d->len, size};
	GByteArray *z = zip_build(&e, 1);
	long rss = maxrss_kb();
	struct msg_report *r = scan("bomb.zip", z->data, z->len, NULL);
	const struct msg_part *p = testscan_part(r, "1/zip:zeros.bin");

	ck_assert_uint_lt(z->len, 2 * MIB);
	check_limit(r, "limit-archive", "max_member_bytes");
	ck_assert(p->flags & MSG_PART_LIMIT);
	ck_assert(!p->scanned);
	ck_assert_uint_lt((uint64_t)(maxrss_kb() - rss), RSS_SLACK * 16 * 1024);
	msg_report_free(&r);
	g_byte_array_free(z, TRUE);
	g_byte_array_free(d, TRUE);
}
END_TEST

/* The same member declaring 1000 bytes: what is read stops at max_member_bytes. */
START_TEST(test_gib_member_lying)
{
	uint64_t size;
	GByteArray *d = deflate_zeros(GIB, &size);
	struct zent e = {"zeros.bin", 8, d->data, d->len, 1000};
	GByteArray *z = zip_build(&e, 1);
	struct msg_limits lim = {.max_member_bytes = 4 * MIB};
	struct msg_report *r = scan("bomb.zip", z->data, z->len, &lim);
	const struct msg_part *p = testscan_part(r, "1/zip:zeros.bin");

	ck_assert(msg_report_unscannable(r, NULL));
	ck_assert_uint_le(p->decoded_size, 4 * MIB);
	ck_assert(p->flags & (MSG_PART_LIMIT | MSG_PART_OPAQUE));
	msg_report_free(&r);
	g_byte_array_free(z, TRUE);
	g_byte_array_free(d, TRUE);
}
END_TEST

/* A gzip stream of 1 GiB of zeros (no declared size): cut at max_member_bytes, or at max_ratio. */
START_TEST(test_gzip_zeros)
{
	uint64_t size;
	GByteArray *d = deflate_zeros(GIB, &size);
	GByteArray *gz = g_byte_array_new();
	struct msg_limits ratio = {.max_ratio = 10};
	long rss;
	struct msg_report *r;
	const struct msg_part *p;

	le(gz, 0x00088b1f, 4), le(gz, 0, 4), le(gz, 0x0300, 2);
	g_byte_array_append(gz, d->data, d->len);
	le(gz, 0, 4), le(gz, size & 0xffffffff, 4);
	rss = maxrss_kb();
	r = scan("zeros.gz", gz->data, gz->len, NULL);
	p = testscan_part(r, "1/gz:zeros");
	check_limit(r, "limit-archive", "max_member_bytes");
	ck_assert_uint_eq(p->decoded_size, 50 * MIB);
	ck_assert(p->flags & MSG_PART_LIMIT);
	/* one member buffer of at most max_member_bytes, plus the reader */
	ck_assert_uint_lt((uint64_t)(maxrss_kb() - rss), RSS_SLACK * 80 * 1024);
	msg_report_free(&r);

	r = scan("zeros.gz", gz->data, gz->len, &ratio);
	check_limit(r, "limit-archive", "max_ratio");
	ck_assert_uint_le(testscan_part(r, "1/gz:zeros")->decoded_size, 10 * gz->len + 256 * 1024);
	msg_report_free(&r);
	g_byte_array_free(gz, TRUE);
	g_byte_array_free(d, TRUE);
}
END_TEST

/* 42.zip: each level holds the level below 16 times, six levels, 1 MiB of zeros at the bottom. */
START_TEST(test_nested_bomb)
{
	unsigned char *zeros = g_malloc0(MIB);
	const char *names[16];
	const void *data[16];
	size_t len[16];
	GBytes *level;
	struct msg_report *r;
	bool deep = false;

	names[0] = "zeros.bin", data[0] = zeros, len[0] = MIB;
	level = build("zip", names, data, len, 1);
	for (int depth = 0; depth < 6; depth++) {
		GBytes *up;

		for (int i = 0; i < 16; i++) {
			names[i] = g_strdup_printf("%d.zip", i);
			data[i] = g_bytes_get_data(level, &len[i]);
		}
		up = build("zip", names, data, len, 16);
		for (int i = 0; i < 16; i++)
			g_free((char *)names[i]);
		g_bytes_unref(level);
		level = up;
	}
	r = scan("42.zip", g_bytes_get_data(level, NULL), g_bytes_get_size(level), NULL);
	ck_assert(msg_report_unscannable(r, NULL));
	ck_assert(r->flags & (MSG_LIMIT_ARCHIVE | MSG_LIMIT_PARTS | MSG_LIMIT_TOTAL));
	ck_assert_uint_le(r->parts->len, 1000);
	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		deep |= p->note != NULL && (strstr(p->note, "max_archive_depth") != NULL ||
		                            strstr(p->note, "max_ratio") != NULL);
		ck_assert_uint_le(p->depth, 7); /* seven zips deep: the bottom one's members */
	}
	/* depth no longer stops it: a byte, ratio or part limit does */
	ck_assert(deep || (r->flags & (MSG_LIMIT_PARTS | MSG_LIMIT_TOTAL)));
	msg_report_free(&r);
	g_bytes_unref(level);
	g_free(zeros);
}
END_TEST

/* The depth is counted along the chain: zip(zip(zip(EICAR))) with max_archive_depth 2. */
START_TEST(test_depth_exact)
{
	char *eicar = g_strconcat("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-",
	                          "ANTIVIRUS-TEST-FILE!$H+H*", NULL);
	const char *name = "eicar.com";
	const void *data = eicar;
	size_t len = strlen(eicar);
	GBytes *z = build("zip", &name, &data, &len, 1), *z2, *z3;
	struct msg_limits lim = {.max_archive_depth = 2};
	struct msg_report *r;

	name = "in.zip", data = g_bytes_get_data(z, &len);
	z2 = build("zip", &name, &data, &len, 1);
	name = "mid.zip", data = g_bytes_get_data(z2, &len);
	z3 = build("zip", &name, &data, &len, 1);
	r = scan("out.zip", g_bytes_get_data(z3, NULL), g_bytes_get_size(z3), &lim);
	check_limit(r, "limit-archive", "max_archive_depth");
	ck_assert(testscan_part(r, "1/zip:mid.zip/zip:in.zip")->flags & MSG_PART_LIMIT);
	ck_assert_uint_eq(r->parts->len, 3);
	msg_report_free(&r);
	r = scan("out.zip", g_bytes_get_data(z3, NULL), g_bytes_get_size(z3), NULL);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	ck_assert(!msg_report_unscannable(r, NULL));
	msg_report_free(&r);
	g_bytes_unref(z3);
	g_bytes_unref(z2);
	g_bytes_unref(z);
	g_free(eicar);
}
END_TEST

/*
 * The default depth: zips 7 and 16 deep (ClamAV follows 17) with EICAR at the bottom are
 * found, and the chain holds no more memory than the bytes of its levels.
 */
START_TEST(test_depth_default)
{
	char *eicar = g_strconcat("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-",
	                          "ANTIVIRUS-TEST-FILE!$H+H*", NULL);
	const char *name = "eicar.com";
	const void *data = eicar;
	size_t len = strlen(eicar);
	GBytes *z = build("zip", &name, &data, &len, 1);
	long rss = maxrss_kb();

	for (int level = 2; level <= 16; level++) {
		GBytes *up;
		struct msg_report *r;

		name = "level.zip", data = g_bytes_get_data(z, &len);
		up = build("zip", &name, &data, &len, 1);
		g_bytes_unref(z);
		z = up;
		if (level != 7 && level != 16)
			continue;
		r = scan("deep.zip", g_bytes_get_data(z, NULL), g_bytes_get_size(z), NULL);
		ck_assert_uint_eq(msg_report_infected(r), 1);
		ck_assert(!msg_report_unscannable(r, NULL));
		ck_assert_uint_eq(r->parts->len, (guint)level + 1);
		msg_report_free(&r);
	}
	ck_assert_uint_lt((uint64_t)(maxrss_kb() - rss), RSS_SLACK * 16 * 1024);
	g_bytes_unref(z);
	g_free(eicar);
}
END_TEST

/* 100,000 empty members: stopped at max_archive_members (or max_parts), never clean. */
START_TEST(test_many_members)
{
	size_t n = 100000;
	struct zent *e = g_new0(struct zent, n);
	struct msg_limits parts = {.max_parts = 1000000};
	GByteArray *z;
	struct msg_report *r;

	for (size_t i = 0; i < n; i++) {
		e[i].name = g_strdup_printf("%zu", i);
		e[i].data = (const guint8 *)"";
	}
	z = zip_build(e, n);
	r = scan("many.zip", z->data, z->len, NULL);
	check_limit(r, "limit-parts", "more than 1000 parts");
	ck_assert_uint_eq(r->parts->len, 1000);
	msg_report_free(&r);
	r = scan("many.zip", z->data, z->len, &parts);
	check_limit(r, "limit-archive", "max_archive_members");
	ck_assert_uint_eq(r->parts->len, 1001);
	ck_assert(testscan_part(r, "1")->flags & MSG_PART_LIMIT);
	msg_report_free(&r);
	g_byte_array_free(z, TRUE);
	for (size_t i = 0; i < n; i++)
		g_free(e[i].name);
	g_free(e);
}
END_TEST

/* 20 members of 1 MiB of zeros in about 25 KB: the ratio stops the archive. */
START_TEST(test_ratio)
{
	unsigned char *zeros = g_malloc0(MIB);
	const char *names[20];
	const void *data[20];
	size_t len[20];
	GBytes *z;
	struct msg_report *r;

	for (int i = 0; i < 20; i++) {
		names[i] = g_strdup_printf("z%02d.bin", i);
		data[i] = zeros;
		len[i] = MIB;
	}
	z = build("zip", names, data, len, 20);
	r = scan("ratio.zip", g_bytes_get_data(z, NULL), g_bytes_get_size(z), NULL);
	check_limit(r, "limit-archive", "max_ratio");
	ck_assert_uint_lt(r->parts->len, 21);
	ck_assert(testscan_part(r, "1")->flags & MSG_PART_LIMIT);
	msg_report_free(&r);
	for (int i = 0; i < 20; i++)
		g_free((char *)names[i]);
	g_bytes_unref(z);
	g_free(zeros);
}
END_TEST

/* Members are decoded bytes: max_total_bytes stops them. */
START_TEST(test_total_bytes)
{
	unsigned char *rnd = g_malloc(400 * 1024);
	const char *names[3] = {"a.bin", "b.bin", "c.bin"};
	const void *data[3] = {rnd, rnd, rnd};
	size_t len[3] = {400 * 1024, 400 * 1024, 400 * 1024};
	struct msg_limits lim = {.max_total_bytes = 1500 * 1024};
	GBytes *z;
	struct msg_report *r;
	uint64_t total = 0;

	for (size_t i = 0; i < 400 * 1024; i++)
		rnd[i] = (unsigned char)g_random_int();
	z = build("zip", names, data, len, 3);
	r = scan("big.zip", g_bytes_get_data(z, NULL), g_bytes_get_size(z), &lim);
	ck_assert(r->flags & MSG_LIMIT_TOTAL);
	/* the archive itself took most of the budget: a.bin is cut, b.bin not read */
	ck_assert(testscan_part(r, "1/zip:a.bin")->flags & MSG_PART_TRUNCATED);
	ck_assert(testscan_part(r, "1/zip:b.bin")->flags & MSG_PART_LIMIT);
	for (guint i = 0; i < r->parts->len; i++)
		total += ((struct msg_part *)g_ptr_array_index(r->parts, i))->decoded_size;
	ck_assert_uint_le(total, 1500 * 1024);
	msg_report_free(&r);
	g_bytes_unref(z);
	g_free(rnd);
}
END_TEST

/* Cut or damaged archives: flagged, never a crash, never clean. */
START_TEST(test_damaged)
{
	char *path = testutil_clamav_file("clam.zip");
	size_t len;
	char *data = testutil_read(path, &len);

	for (size_t cut = 30; cut < len; cut += 37) {
		struct msg_report *r = scan("cut.zip", data, cut, NULL);

		if (testscan_part(r, "1")->scan.type.type == FTYPE_ZIP)
			ck_assert_msg(msg_report_unscannable(r, NULL) ||
			                      msg_report_infected(r) == 1,
			              "cut at %zu: clean", cut);
		msg_report_free(&r);
	}
	for (size_t i = 40; i < len; i += 13) {
		char *bad = g_memdup2(data, len);
		struct msg_report *r;

		bad[i] ^= 0x55;
		r = scan("bad.zip", bad, len, NULL);
		msg_report_free(&r);
		g_free(bad);
	}
	g_free(data);
	g_free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("archive_limits");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_gib_member_declared);
	tcase_add_test(tc, test_gib_member_lying);
	tcase_add_test(tc, test_gzip_zeros);
	tcase_add_test(tc, test_nested_bomb);
	tcase_add_test(tc, test_depth_exact);
	tcase_add_test(tc, test_depth_default);
	tcase_add_test(tc, test_many_members);
	tcase_add_test(tc, test_ratio);
	tcase_add_test(tc, test_total_bytes);
	tcase_add_test(tc, test_damaged);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
