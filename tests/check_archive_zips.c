/*
 * libcheck suite: archive_zips — every zip a reader could see in a part's bytes. Three and
 * more zips concatenated (the payload in the middle one, which only 7-Zip's parser, "7z l -t#",
 * lists), within max_archive_depth (a sibling reading is no level deeper), at most
 * MIME_ARCHIVE_ZIPS_MAX of them; zips stored inside a zip (a fat jar) are not read twice;
 * the passwords of the message open the encrypted members of every zip found, also of a
 * zip with bytes in front. Archives are built at run time with libarchive's writer; the
 * signature is clam.exe's hash (clamav-testfiles).
 */

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mime/archive.h"
#include "mime/msgscan.h"
#include "tests/lib/testscan.h"
#include "tests/lib/testutil.h"

static char *tmp;
static struct sigdb *db;
static char *clam;
static size_t clam_len;

static void setup(void)
{
	testscan_clam_open(&tmp, &db, &clam, &clam_len);
}

static void teardown(void)
{
	testscan_clam_close(&tmp, &db, &clam);
}

/* A zip of one member, encrypted (ZipCrypto) with passphrase when not NULL. */
static GBytes *zip1(const char *name, const void *data, size_t len, const char *passphrase)
{
	struct testscan_member m = {name, data, len};

	return testscan_build("zip", NULL, passphrase != NULL ? "zip:encryption=zipcrypt" : NULL,
	                      passphrase, &m, 1);
}

static GBytes *text_zip(unsigned int i)
{
	char *name = g_strdup_printf("note%u.txt", i), *text = g_strdup_printf("note %u\n", i);
	GBytes *z = zip1(name, text, strlen(text), NULL);

	g_free(name);
	g_free(text);
	return z;
}

static void append(GByteArray *out, GBytes *b)
{
	g_byte_array_append(out, g_bytes_get_data(b, NULL), (guint)g_bytes_get_size(b));
	g_bytes_unref(b);
}

static struct msg_report *scan_blob(const char *name, const GByteArray *b,
                                    const struct msg_limits *lim)
{
	return testscan_attachment(db, name, b->data, b->len, lim);
}

/* The message: a body (where a password may be) and b attached as name. */
static struct msg_report *scan_in_message(const char *body, const char *name, const GByteArray *b)
{
	struct msg_scan_options o = {.scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
	char *b64 = g_base64_encode(b->data, b->len);
	char *msg = g_strdup_printf("From: a@example.org\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
	                            "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	                            "--b\r\nContent-Type: text/plain\r\n\r\n%s\r\n"
	                            "--b\r\nContent-Type: application/zip; name=\"%s\"\r\n"
	                            "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n",
	                            body, name, b64);
	struct msg_report *r = NULL;

	ck_assert_int_eq(msg_scan(db, (const unsigned char *)msg, strlen(msg), &o, &r, NULL), 0);
	g_free(msg);
	g_free(b64);
	return r;
}

static const struct msg_part *named(const struct msg_report *r, const char *name)
{
	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		if (p->name != NULL && strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

/* clean + clam + clean: the middle zip's member is found, each member listed once. */
START_TEST(test_middle)
{
	GByteArray *b = g_byte_array_new();
	struct msg_limits lim = {.max_archive_depth = 1};
	struct msg_report *r;
	const struct msg_part *p;

	append(b, text_zip(1));
	append(b, zip1("clam.exe", clam, clam_len, NULL));
	append(b, text_zip(3));
	for (int pass = 0; pass < 2; pass++) {
		/* max_archive_depth 1: the zips side by side are one level */
		r = scan_blob("joined.zip", b, pass == 0 ? NULL : &lim);
		ck_assert_uint_eq(msg_report_infected(r), 1);
		ck_assert(!msg_report_unscannable(r, NULL));
		p = named(r, "clam.exe");
		ck_assert_ptr_nonnull(p);
		ck_assert_str_eq(p->path, "1/zip:clam.exe");
		ck_assert_uint_eq(p->depth, 1);
		ck_assert_ptr_nonnull(strstr(p->note, "in the zip at offset"));
		ck_assert_ptr_nonnull(named(r, "note1.txt"));
		ck_assert_ptr_nonnull(named(r, "note3.txt"));
		ck_assert_uint_eq(r->parts->len, 4);
		msg_report_free(&r);
	}
	g_byte_array_unref(b);
}
END_TEST

/* Five zips, the payload in the fourth; and bytes in front of them all. */
START_TEST(test_many)
{
	GByteArray *b = g_byte_array_new();
	struct msg_report *r;

	g_byte_array_append(b, (const guint8 *)"GIF89a\001\000\001\000\000\000\000;", 13);
	for (unsigned int i = 1; i <= 5; i++)
		append(b, i == 4 ? zip1("clam.exe", clam, clam_len, NULL) : text_zip(i));
	r = scan_blob("pic.gif", b, NULL);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	for (unsigned int i = 1; i <= 5; i++) {
		char *n = g_strdup_printf("note%u.txt", i);

		ck_assert_msg(i == 4 || named(r, n) != NULL, "%s not read", n);
		g_free(n);
	}
	msg_report_free(&r);
	g_byte_array_unref(b);
}
END_TEST

/* More zips than MIME_ARCHIVE_ZIPS_MAX (16): a limit, never silently clean. */
START_TEST(test_too_many)
{
	GByteArray *b = g_byte_array_new();
	struct msg_report *r;
	const char *reason = NULL;

	for (unsigned int i = 1; i <= 20; i++)
		append(b, text_zip(i));
	r = scan_blob("joined.zip", b, NULL);
	ck_assert(msg_report_unscannable(r, &reason));
	ck_assert(r->flags & MSG_LIMIT_ARCHIVE);
	ck_assert_ptr_nonnull(strstr(((const struct msg_part *)r->parts->pdata[0])->note,
	                             "more than 16 zips in the bytes"));
	ck_assert_ptr_nonnull(named(r, "note20.txt"));
	ck_assert_ptr_nonnull(named(r, "note5.txt"));
	ck_assert_ptr_null(named(r, "note4.txt"));
	msg_report_free(&r);
	g_byte_array_unref(b);
}
END_TEST

/*
 * Zips stored uncompressed in a zip (as a fat jar holds its jars): each read once, as its
 * member, never as a zip of the outer bytes (no limit however many there are).
 */
START_TEST(test_stored_inside)
{
	struct archive *a = archive_write_new();
	size_t cap = 1 << 20, used = 0;
	unsigned char *buf = g_malloc(cap);
	GByteArray *b = g_byte_array_new();
	struct msg_report *r;

	ck_assert_int_eq(archive_write_set_format_zip(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_set_options(a, "zip:compression=store"), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (unsigned int i = 1; i <= 20; i++) {
		GBytes *z = i == 7 ? zip1("clam.exe", clam, clam_len, NULL) : text_zip(i);
		struct archive_entry *e = archive_entry_new();
		char *name = g_strdup_printf("lib/j%u.jar", i);

		archive_entry_set_pathname(e, name);
		archive_entry_set_size(e, (la_int64_t)g_bytes_get_size(z));
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		ck_assert_int_eq(
		        archive_write_data(a, g_bytes_get_data(z, NULL), g_bytes_get_size(z)),
		        (la_ssize_t)g_bytes_get_size(z));
		archive_entry_free(e);
		g_bytes_unref(z);
		g_free(name);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	g_byte_array_append(b, buf, (guint)used);
	r = scan_blob("app.jar", b, NULL);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	ck_assert(!msg_report_unscannable(r, NULL));
	ck_assert_uint_eq(r->parts->len, 1 + 20 + 20);
	ck_assert_str_eq(named(r, "clam.exe")->path, "1/zip:lib/j7.jar/zip:clam.exe");
	msg_report_free(&r);
	g_byte_array_unref(b);
	g_free(buf);
}
END_TEST

/*
 * The password of the message opens the encrypted member of every zip found: the first of
 * two (read from its own directory now, no longer the streaming reading that could not
 * decrypt), the middle of three, the one behind bytes in front.
 */
START_TEST(test_passwords)
{
	static const char *const layouts[] = {"E+C", "C+E+C", "G+E"};
	GByteArray *b = g_byte_array_new();
	const char *l = layouts[_i];
	const struct msg_part *p;
	struct msg_report *r;

	for (; *l != '\0'; l++) {
		if (*l == 'E')
			append(b, zip1("clam.exe", clam, clam_len, "k7781x"));
		else if (*l == 'C')
			append(b, text_zip((unsigned int)(l - layouts[_i])));
		else if (*l == 'G')
			g_byte_array_append(b, (const guint8 *)"GIF89a\001\000\001\000\000;", 12);
	}
	r = scan_in_message("Hello,\r\nthe password: k7781x\r\nregards", "files.zip", b);
	p = named(r, "clam.exe");
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(p->flags & MSG_PART_DECRYPTED, "%s: %s", layouts[_i], p->note);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	ck_assert(!msg_report_unscannable(r, NULL));
	msg_report_free(&r);
	/* no password: the member stays encrypted, the message unscannable */
	r = scan_in_message("see attachment", "files.zip", b);
	p = named(r, "clam.exe");
	ck_assert_ptr_nonnull(p);
	ck_assert(p->flags & MSG_PART_ENCRYPTED);
	ck_assert(msg_report_unscannable(r, NULL));
	msg_report_free(&r);
	g_byte_array_unref(b);
}
END_TEST

/* front bytes, the zip, then tail bytes after its record (within or past its reach) */
static bool inside(const unsigned char *zip, size_t zlen, size_t front, size_t tail,
                   unsigned char fill)
{
	GByteArray *b = g_byte_array_new();
	unsigned char *f = g_malloc(MAX(front, tail) + 1);
	bool r;

	memset(f, fill, MAX(front, tail) + 1);
	g_byte_array_append(b, f, (guint)front);
	g_byte_array_append(b, zip, (guint)zlen);
	g_byte_array_append(b, f, (guint)tail);
	r = mime_archive_zip_inside(b->data, b->len);
	g_byte_array_unref(b);
	g_free(f);
	return r;
}

/*
 * The end-of-central-directory record is found exactly where it may lie: at the last 22 bytes
 * and 65,535 bytes of tail after it (the longest comment), not one byte further; byte 5 and
 * "PK\5\6" in the bytes around it (records that do not hold) do not hide it.
 */
START_TEST(test_zip_start_edges)
{
	static const unsigned char fills[] = {'x', 5, 'P'};
	struct testscan_member m = {"a.txt", "hello", 5};
	GBytes *z = testscan_build("zip", NULL, "zip:compression=store", NULL, &m, 1);
	size_t zlen;
	const unsigned char *zd = g_bytes_get_data(z, &zlen);
	GByteArray *fake = g_byte_array_new();

	for (size_t i = 0; i < G_N_ELEMENTS(fills); i++) {
		unsigned char c = fills[i];

		ck_assert(!inside(zd, zlen, 0, 0, c)); /* starts at 0: not "inside" */
		ck_assert_msg(inside(zd, zlen, 1, 0, c), "fill %u", c);
		ck_assert_msg(inside(zd, zlen, 100, 0, c), "fill %u", c);
		ck_assert_msg(inside(zd, zlen, 100, 1, c), "fill %u", c);
		ck_assert_msg(inside(zd, zlen, 3, 65535, c), "fill %u", c);
		ck_assert_msg(!inside(zd, zlen, 3, 65536, c), "fill %u", c);
	}
	/* the zip, then records that do not hold (comment too long, no directory) */
	g_byte_array_append(fake, (const guint8 *)"....", 4);
	g_byte_array_append(fake, zd, (guint)zlen);
	for (int i = 0; i < 200; i++)
		g_byte_array_append(fake, (const guint8 *)"PK\005\006\005\005PK\005\006", 10);
	ck_assert(mime_archive_zip_inside(fake->data, fake->len));
	ck_assert(!mime_archive_zip_inside(fake->data + 4 + zlen, fake->len - 4 - zlen));
	ck_assert(!mime_archive_zip_inside(zd, 21));
	g_byte_array_unref(fake);
	g_bytes_unref(z);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("archive_zips");
	TCase *tc = tcase_create("zips");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_zip_start_edges);
	tcase_add_test(tc, test_middle);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_too_many);
	tcase_add_test(tc, test_stored_inside);
	tcase_add_loop_test(tc, test_passwords, 0, 3);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
