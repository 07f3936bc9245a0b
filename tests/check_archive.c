/*
 * libcheck suite: archive — archive members as parts. ClamAV's test archives (clamav-testfiles)
 * found with a database that holds only clam.exe's hash, as files and attached to a message;
 * an ISO built here with genisoimage; nesting (archive in archive, message in archive, archive
 * in a nested message); member names and paths; the allow list of a container; encrypted
 * members and the passwords found in the message text; the same reports from many threads.
 * Archives are built at run time with libarchive's writer. The limits and bombs are in
 * check_archive_limits.c.
 */

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mime/msgscan.h"
#include "mime/password.h"
#include "tests/lib/testscan.h"
#include "tests/lib/testutil.h"

static char *tmp;
static struct sigdb *db;
static char *clam;
static size_t clam_len;

/* A database of clam.exe's MD5 only (as `partscan hash` writes it), plus extra lines. */
static struct sigdb *db_with(const char *extra)
{
	if (extra != NULL)
		g_free(testutil_write(tmp, "local.sfp", extra));
	return testscan_sigdb(tmp, "clam.hdb", TESTSCAN_CLAM_HDB);
}

static void setup(void)
{
	testscan_clam_open(&tmp, &db, &clam, &clam_len);
}

static void teardown(void)
{
	testscan_clam_close(&tmp, &db, &clam);
}

/* A message: subject, a text/plain body (or none), an attachment (base64) or none. */
static char *message(const char *subject, const char *body, const char *name, const void *data,
                     size_t len)
{
	char *b64 = data != NULL ? g_base64_encode(data, len) : g_strdup("");
	char *msg = g_strdup_printf("From: a@example.org\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
	                            "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	                            "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
	                            "--b\r\nContent-Type: application/octet-stream; name=\"%s\"\r\n"
	                            "Content-Disposition: attachment; filename=\"%s\"\r\n"
	                            "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n",
	                            subject, body != NULL ? body : "hello", name, name, b64);

	g_free(b64);
	return msg;
}

static int index_of(const struct msg_report *r, const char *path)
{
	for (guint i = 0; i < r->parts->len; i++) {
		if (strcmp(((struct msg_part *)g_ptr_array_index(r->parts, i))->path, path) == 0)
			return (int)i;
	}
	return -1;
}

/* ClamAV's test archives, each holding clam.exe: the path of the member that is found. */
static const struct {
	const char *file, *member;
} clam_archives[] = {
        {"clam.zip", "zip:clam.exe"},          {"clam.7z", "7z:clam.exe"},
        {"clam.tar.gz", "tar:clam.exe"},       {"clam.bz2.zip", "zip:clam.exe"},
        {"clam.exe.bz2", "bz2:clam.exe"},      {"clam.newc.cpio", "cpio:clam.exe"},
        {"clam.odc.cpio", "cpio:clam.exe"},    {"clam.bin-le.cpio", "cpio:clam.exe"},
        {"clam.bin-be.cpio", "cpio:clam.exe"}, {"clam.cab", "cab:clam.exe"},
        {"clam.impl.zip", "zip:CLAM.EXE"},     {"clam.d64.zip", "zip:clam.exe"},
};

static void check_found(const struct msg_report *r, const char *prefix, const char *member)
{
	char *path = g_strdup_printf("%s/%s", prefix, member);
	const struct msg_part *p = testscan_part(r, path);
	const struct msg_part *c = g_ptr_array_index(r->parts, (guint)p->parent);

	ck_assert_msg(msg_report_infected(r) == 1, "%s: %u infected", path, msg_report_infected(r));
	ck_assert_msg(p->scanned && scan_result_infected(&p->scan), "%s not found: %s", path,
	              p->note != NULL ? p->note : "");
	ck_assert_str_eq(scan_result_name(&p->scan), "Clam.Exe");
	ck_assert(p->flags & MSG_PART_ARCHIVE_MEMBER);
	ck_assert_str_eq(c->path, prefix);
	ck_assert(c->flags & MSG_PART_CONTAINER);
	ck_assert_uint_eq(p->raw_begin + p->raw_end, 0);
	ck_assert_uint_eq(p->decoded_size, 544);
	ck_assert_str_eq(p->name, strchr(member, ':') + 1);
	g_free(path);
}

/* As files: every archive's clam.exe is found as member "1/FMT:clam.exe". */
START_TEST(test_clamav_files)
{
	size_t len;
	char *path = testutil_clamav_file(clam_archives[_i].file);
	char *data = testutil_read(path, &len);
	struct msg_report *r = testscan_attachment(db, clam_archives[_i].file, data, len, NULL);

	check_found(r, "1", clam_archives[_i].member);
	ck_assert(!msg_report_unscannable(r, NULL));
	msg_report_free(&r);
	g_free(data);
	g_free(path);
}
END_TEST

/* The same archives attached to a message: the member is "2/FMT:clam.exe" under part 2. */
START_TEST(test_clamav_attached)
{
	size_t len;
	char *path = testutil_clamav_file(clam_archives[_i].file);
	char *data = testutil_read(path, &len);
	char *msg = message("archive", NULL, clam_archives[_i].file, data, len);
	struct msg_report *r = testscan_message(db, msg);

	check_found(r, "2", clam_archives[_i].member);
	ck_assert_str_eq(testscan_part(r, "2")->name, clam_archives[_i].file);
	ck_assert_uint_gt(testscan_part(r, "2")->raw_end, 0);
	msg_report_free(&r);
	g_free(msg);
	g_free(data);
	g_free(path);
}
END_TEST

/* Debian's clamav-testfiles has no clam.iso: one is built here with genisoimage. */
START_TEST(test_iso)
{
	char *exe = testutil_write_bytes(tmp, "clam.exe", clam, clam_len);
	char *iso = g_build_filename(tmp, "clam.iso", NULL);
	const char *argv[] = {"genisoimage", "-quiet", "-o", iso, exe, NULL};
	int status = -1;
	size_t len;
	char *data, *msg;
	struct msg_report *r;

	ck_assert_msg(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
	                           NULL, &status, NULL) &&
	                      status == 0,
	              "genisoimage (package genisoimage) failed");
	data = testutil_read(iso, &len);
	r = testscan_attachment(db, "clam.iso", data, len, NULL);
	ck_assert_str_eq(ftype_name(testscan_part(r, "1")->scan.type.type), "iso");
	check_found(r, "1", "iso:CLAM.EXE");
	msg_report_free(&r);
	msg = message("iso", NULL, "clam.iso", data, len);
	r = testscan_message(db, msg);
	check_found(r, "2", "iso:CLAM.EXE");
	msg_report_free(&r);
	g_free(msg);
	g_free(data);
	g_free(iso);
	g_free(exe);
}
END_TEST

/* Formats built here: every one holds docs/invoice.exe (clam.exe) and a text. */
START_TEST(test_formats)
{
	static const struct {
		const char *format, *filter, *tag;
	} f[] = {{"zip", NULL, "zip"},     {"7zip", NULL, "7z"},     {"gnutar", "xz", "tar"},
	         {"ustar", "zstd", "tar"}, {"cpio", "lzma", "cpio"}, {"pax", "bzip2", "tar"},
	         {"newc", "gzip", "cpio"}, {"iso9660", NULL, "iso"}};
	struct testscan_member m[] = {{"readme.txt", "read me\n", 8},
	                              {"docs/invoice.exe", clam, clam_len}};

	for (size_t i = 0; i < G_N_ELEMENTS(f); i++) {
		GBytes *b = testscan_build(f[i].format, f[i].filter, NULL, NULL, m, 2);
		struct msg_report *r = testscan_attachment(db, "x", g_bytes_get_data(b, NULL),
		                                           g_bytes_get_size(b), NULL);
		char *want = g_strdup_printf("1/%s:docs/invoice.exe", f[i].tag);

		ck_assert_msg(msg_report_infected(r) == 1, "%s", f[i].format);
		ck_assert_msg(index_of(r, want) >= 0, "%s: no %s", f[i].format, want);
		ck_assert_uint_eq(r->parts->len, 3);
		msg_report_free(&r);
		g_free(want);
		g_bytes_unref(b);
	}
}
END_TEST

/* The ftype fixtures: what each archive holds, or why it cannot be read. */
START_TEST(test_ftype_fixtures)
{
	static const struct {
		const char *file, *path;
		unsigned int flags; /* of that part */
	} f[] = {
	        {"archive.7z", "1/7z:hello.txt", MSG_PART_ARCHIVE_MEMBER},
	        {"archive.cab", "1/cab:hello.txt", MSG_PART_ARCHIVE_MEMBER},
	        {"archive-bin.cpio", "1/cpio:hello.txt", MSG_PART_ARCHIVE_MEMBER},
	        {"archive-gnu.tar", "1/tar:hello.txt", MSG_PART_ARCHIVE_MEMBER},
	        {"hello.txt.lzma", "1/lzma:hello.txt", MSG_PART_ARCHIVE_MEMBER},
	        {"hello.txt.zst", "1/zst:hello.txt", MSG_PART_ARCHIVE_MEMBER},
	        {"image.iso.gz", "1/iso:HELLO.TXT", MSG_PART_ARCHIVE_MEMBER},
	        {"macros.docm", "1/zip:word/vbaProject.bin", MSG_PART_ARCHIVE_MEMBER},
	        {"app.apk", "1/zip:classes.dex", MSG_PART_ARCHIVE_MEMBER},
	        {"text.odt", "1/zip:content.xml", MSG_PART_ARCHIVE_MEMBER},
	        {"encrypted.zip", "1/zip:hello.txt", MSG_PART_ENCRYPTED},
	        {"rar4-encrypted.rar", "1", MSG_PART_ENCRYPTED},
	        {"rar5-encrypted.rar", "1", MSG_PART_ENCRYPTED},
	        {"image.udf.gz", "1/gz:image.udf", MSG_PART_OPAQUE},
	        {"archive.arj", "1", MSG_PART_OPAQUE},
	        {"archive.ace", "1", MSG_PART_OPAQUE},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(f); i++) {
		char *path = g_build_filename(TEST_DATA, "ftype", f[i].file, NULL);
		size_t len;
		char *data = testutil_read(path, &len);
		struct msg_report *r = testscan_attachment(db, f[i].file, data, len, NULL);
		int k = index_of(r, f[i].path);

		ck_assert_msg(k >= 0, "%s: no part %s", f[i].file, f[i].path);
		ck_assert_msg(testscan_part(r, f[i].path)->flags & f[i].flags, "%s: flags",
		              f[i].file);
		ck_assert_msg(msg_report_unscannable(r, NULL) ==
		                      !(f[i].flags & MSG_PART_ARCHIVE_MEMBER),
		              "%s: unscannable", f[i].file);
		msg_report_free(&r);
		g_free(data);
		g_free(path);
	}
}
END_TEST

/* A single compressed stream: one member named after the file. */
START_TEST(test_streams)
{
	static const char *const filters[][3] = {{"gzip", "clam.exe.gz", "1/gz:clam.exe"},
	                                         {"xz", "clam.exe.xz", "1/xz:clam.exe"},
	                                         {"zstd", "clam.exe.zst", "1/zst:clam.exe"},
	                                         {"lzma", "x.lzma", "1/lzma:x"},
	                                         {"bzip2", "noext", "1/bz2:data"}};

	for (size_t i = 0; i < G_N_ELEMENTS(filters); i++) {
		struct archive *a = archive_write_new();
		size_t cap = 65536, used = 0;
		unsigned char *buf = g_malloc(cap);
		struct archive_entry *e = archive_entry_new();
		struct msg_report *r;

		archive_write_set_format_raw(a);
		archive_write_add_filter_by_name(a, filters[i][0]);
		ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
		archive_entry_set_filetype(e, AE_IFREG);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		archive_write_data(a, clam, clam_len);
		archive_write_close(a);
		archive_write_free(a);
		archive_entry_free(e);
		r = testscan_attachment(db, filters[i][1], buf, used, NULL);
		ck_assert_msg(index_of(r, filters[i][2]) >= 0, "no %s", filters[i][2]);
		ck_assert_uint_eq(msg_report_infected(r), 1);
		msg_report_free(&r);
		g_free(buf);
	}
}
END_TEST

/* Archive in archive, message in archive, archive in a nested message. */
START_TEST(test_nesting)
{
	GBytes *inner = testscan_zip("clam.exe", clam, clam_len);
	struct testscan_member m = {"inner.zip", g_bytes_get_data(inner, NULL),
	                            g_bytes_get_size(inner)};
	GBytes *outer = testscan_build("7zip", NULL, NULL, NULL, &m, 1);
	char *eml = message("fwd", NULL, "invoice.pdf.exe", clam, clam_len);
	GBytes *emlzip = testscan_zip("fwd.eml", eml, strlen(eml));
	char *b64 = g_base64_encode(g_bytes_get_data(inner, NULL), g_bytes_get_size(inner));
	char *nested = g_strdup_printf(
	        "From: a@example.org\r\nSubject: x\r\nContent-Type: multipart/mixed; "
	        "boundary=o\r\n\r\n--o\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--o\r\n"
	        "Content-Type: message/rfc822\r\n\r\nFrom: b@example.org\r\nSubject: inner\r\n"
	        "Content-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\nContent-Type: "
	        "text/plain\r\n\r\nhi\r\n--i\r\nContent-Type: application/zip; name=a.zip\r\n"
	        "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--i--\r\n\r\n--o--\r\n",
	        b64);
	struct msg_report *r;

	r = testscan_attachment(db, "outer.7z", g_bytes_get_data(outer, NULL),
	                        g_bytes_get_size(outer), NULL);
	check_found(r, "1/7z:inner.zip", "zip:clam.exe");
	ck_assert_uint_eq(testscan_part(r, "1/7z:inner.zip/zip:clam.exe")->depth, 2);
	msg_report_free(&r);

	r = testscan_attachment(db, "mail.zip", g_bytes_get_data(emlzip, NULL),
	                        g_bytes_get_size(emlzip), NULL);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	ck_assert_str_eq(testscan_part(r, "1/zip:fwd.eml/2")->name, "invoice.pdf.exe");
	ck_assert(testscan_part(r, "1/zip:fwd.eml")->flags & MSG_PART_CONTAINER);
	msg_report_free(&r);

	r = testscan_message(db, nested);
	check_found(r, "2/2", "zip:clam.exe");
	msg_report_free(&r);

	g_free(nested);
	g_free(b64);
	g_bytes_unref(emlzip);
	g_free(eml);
	g_bytes_unref(outer);
	g_bytes_unref(inner);
}
END_TEST

/* Names: kept with their folders, control characters replaced, bounded; unnamed entries. */
START_TEST(test_names)
{
	char *longname = g_strnfill(3000, 'a');
	struct testscan_member m[] = {
	        {"dir/sub/x.txt", "x", 1}, {"bad\nname.txt", "y", 1}, {longname, "z", 1}};
	GBytes *b = testscan_build("zip", NULL, NULL, NULL, m, 3);
	struct msg_report *r = testscan_attachment(db, "n.zip", g_bytes_get_data(b, NULL),
	                                           g_bytes_get_size(b), NULL);
	const struct msg_part *p = g_ptr_array_index(r->parts, 3);

	ck_assert_str_eq(testscan_part(r, "1/zip:dir/sub/x.txt")->name, "dir/sub/x.txt");
	ck_assert_str_eq(testscan_part(r, "1/zip:bad?name.txt")->name, "bad?name.txt");
	ck_assert_uint_eq(strlen(p->name), 1024);
	ck_assert_uint_eq(r->parts->len, 4);
	msg_report_free(&r);
	g_bytes_unref(b);
	g_free(longname);
}
END_TEST

/*
 * A symbolic link stored in a zip (`zip -y`): its data is the link's target text, which some
 * extractors (7-Zip on Windows) write as a file. Listed and scanned as a member with those
 * bytes, never followed: a signature of the target text finds it.
 */
START_TEST(test_symlink)
{
	char *src = g_build_filename(tmp, "src", NULL),
	     *link = g_build_filename(src, "link.com", NULL);
	char *zip = g_build_filename(tmp, "s.zip", NULL), *readme, *hdb, *md5, *data;
	const char *argv[] = {"zip", "-q", "-y", zip, "readme.txt", "link.com", NULL};
	const char *paths[] = {tmp, NULL};
	const struct msg_part *p;
	struct msg_report *r;
	struct sigdb *d = NULL;
	int status = -1;
	size_t len;

	ck_assert_int_eq(g_mkdir(src, 0700), 0);
	readme = testutil_write(src, "readme.txt", "hello, this is the file the link names\n");
	ck_assert_int_eq(symlink("readme.txt", link), 0);
	ck_assert_msg(g_spawn_sync(src, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
	                           NULL, &status, NULL) &&
	                      status == 0,
	              "zip (package zip) failed");
	md5 = g_compute_checksum_for_string(G_CHECKSUM_MD5, "readme.txt", -1);
	hdb = g_strdup_printf("%s:10:Test.Symlink.Target\n", md5);
	g_free(testutil_write(tmp, "link.hdb", hdb));
	ck_assert_int_eq(sigdb_load(paths, NULL, &d, NULL), 0);
	data = testutil_read(zip, &len);
	r = testscan_attachment(d, "s.zip", data, len, NULL);
	p = testscan_part(r, "1/zip:link.com");
	ck_assert(p->flags & MSG_PART_ARCHIVE_MEMBER);
	ck_assert_str_eq(p->name, "link.com");
	ck_assert(p->scanned);
	ck_assert_uint_eq(p->decoded_size, strlen("readme.txt")); /* the target, not followed */
	ck_assert(p->scan.digests.mask & DIGEST_BIT(DIGEST_SHA256));
	ck_assert_str_eq(scan_result_name(&p->scan), "Test.Symlink.Target");
	ck_assert_ptr_nonnull(strstr(p->note, "symbolic link"));
	ck_assert(!scan_result_infected(&testscan_part(r, "1/zip:readme.txt")->scan));
	ck_assert_uint_eq(msg_report_infected(r), 1);
	msg_report_free(&r);
	sigdb_unref(&d);
	g_free(data);
	g_free(md5);
	g_free(hdb);
	g_free(readme);
	g_free(zip);
	g_free(link);
	g_free(src);
}
END_TEST

/* An allow-listed container is not opened: its members are neither listed nor found. */
START_TEST(test_allowlisted_container)
{
	GBytes *z = testscan_zip("clam.exe", clam, clam_len);
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	char *line;
	struct sigdb *d;
	struct msg_report *r;

	g_checksum_update(c, g_bytes_get_data(z, NULL), g_bytes_get_size(z));
	line = g_strdup_printf("%s:%zu:Known.Good.Zip\n", g_checksum_get_string(c),
	                       g_bytes_get_size(z));
	d = db_with(line);
	r = testscan_attachment(d, "ok.zip", g_bytes_get_data(z, NULL), g_bytes_get_size(z), NULL);
	ck_assert_uint_eq(r->parts->len, 1);
	ck_assert_uint_eq(msg_report_infected(r), 0);
	ck_assert(testscan_part(r, "1")->scan.allowlisted);
	ck_assert_ptr_nonnull(strstr(testscan_part(r, "1")->note, "allow-listed container"));
	ck_assert(!msg_report_unscannable(r, NULL));
	msg_report_free(&r);
	sigdb_unref(&d);
	g_free(line);
	g_checksum_free(c);
	g_bytes_unref(z);
}
END_TEST

/* The encrypted zip of clam.exe (password 1234) in a message with body and subject. */
static struct msg_report *encrypted_in(const char *subject, const char *body, const char *opts)
{
	struct testscan_member m[] = {{"readme.txt", "plain", 5}, {"clam.exe", clam, clam_len}};
	GBytes *z = testscan_build("zip", NULL, opts, "1234", m, 2);
	char *msg = message(subject, body, "secret.zip", g_bytes_get_data(z, NULL),
	                    g_bytes_get_size(z));
	struct msg_report *r = testscan_message(db, msg);

	g_free(msg);
	g_bytes_unref(z);
	return r;
}

START_TEST(test_encrypted)
{
	static const char *const opts[] = {"zip:encryption=zipcrypt", "zip:encryption=aes256"};
	const struct msg_part *p;
	struct msg_report *r;
	const char *reason;

	/* the password in the body opens it: found, flagged decrypted, the candidate named */
	r = encrypted_in("invoice", "Hello,\r\nthe Password: 1234\r\nregards", opts[_i]);
	p = testscan_part(r, "2/zip:clam.exe");
	ck_assert_uint_eq(msg_report_infected(r), 1);
	ck_assert(p->flags & MSG_PART_DECRYPTED);
	ck_assert(!(p->flags & MSG_PART_ENCRYPTED));
	ck_assert_ptr_nonnull(strstr(p->note, "password candidate 1 (from part 1)"));
	ck_assert_ptr_null(strstr(p->note, "1234"));
	ck_assert(!msg_report_unscannable(r, NULL));
	ck_assert(testscan_part(r, "2/zip:readme.txt")->flags & MSG_PART_DECRYPTED);
	msg_report_free(&r);

	/* in the subject, after other words that look like passwords */
	r = encrypted_in("Rechnung Passwort: 1234", "pw=abcd and pass: wxyz", opts[_i]);
	p = testscan_part(r, "2/zip:clam.exe");
	ck_assert_uint_eq(msg_report_infected(r), 1);
	ck_assert_ptr_nonnull(strstr(p->note, "candidate 1 (from the subject)"));
	msg_report_free(&r);

	/* written as malspam writes it, after a sentence that names no password (issue 12) */
	r = encrypted_in(
	        "Rechnung",
	        "Ihr Passwort ist falsch?\r\nDas Passwort f\xc3\xbcr die Datei lautet: 1234",
	        opts[_i]);
	p = testscan_part(r, "2/zip:clam.exe");
	ck_assert_uint_eq(msg_report_infected(r), 1);
	ck_assert_ptr_nonnull(strstr(p->note, "password candidate 1 (from part 1)"));
	msg_report_free(&r);
	r = encrypted_in("Factura",
	                 "La contrase\xf1"
	                 "a del archivo es\r\n\r\n  1234\r\n",
	                 opts[_i]);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	msg_report_free(&r);

	/* a wrong password: encrypted, unscannable, not found */
	r = encrypted_in("invoice", "password: 4321", opts[_i]);
	p = testscan_part(r, "2/zip:clam.exe");
	ck_assert(p->flags & MSG_PART_ENCRYPTED);
	ck_assert(!p->scanned);
	ck_assert_uint_eq(msg_report_infected(r), 0);
	ck_assert(msg_report_unscannable(r, &reason));
	ck_assert_str_eq(reason, "encrypted");
	ck_assert_ptr_nonnull(strstr(p->note, "no password found in the message opens it"));
	msg_report_free(&r);

	/* no password at all */
	r = encrypted_in("invoice", "see attachment", opts[_i]);
	ck_assert_ptr_nonnull(strstr(testscan_part(r, "2/zip:clam.exe")->note,
	                             "no password found in the message"));
	ck_assert(msg_report_unscannable(r, NULL));
	msg_report_free(&r);
}
END_TEST

/* Password candidates from text: keywords, languages, separators, quotes, html, bounds. */
START_TEST(test_password_find)
{
	static const struct {
		const char *text;
		bool html;
		const char *want; /* candidates joined by '|' */
	} cases[] = {
	        {"Password: 1234", false, "1234"},
	        {"the password is \"s3cr3t!\".", false, "s3cr3t!|\"s3cr3t!\"."},
	        {"Passwort:\r\n  Abc-99", false, "Abc-99"},
	        {"use pw=zz9", false, "zz9"},
	        {"mot de passe : été2024", false, "été2024"},
	        {"Contraseña: hola", false, "hola"},
	        {"ПАРОЛЬ: тест", false, "тест"},
	        {"<p>Password:<b>9876</b></p>", true, "9876"},
	        {"passport: 1, bypass: 2, passwords are safe", false, ""},
	        {"Password protected file", false, ""},
	        {"pass: a pass: b pass: c pass: d pass: e pass: f pass: g pass: h pass: i", false,
	         "a|b|c|d|e|f|g|h"},
	        /* more ways people write them */
	        {"pass - 7781", false, "7781"},
	        {"PW: Zz-41", false, "Zz-41"},
	        {"Invoice 2024-117 (PW 7781) attached", false, "7781|7781)"},
	        {"Your password\r\n4711\r\nRegards", false, "4711"},
	        {"Your password\n4711 is below", false, ""},
	        {"<table><tr><td>Password</td><td>S3cret</td></tr></table>", true, "S3cret"},
	        {"<p>Kennwort:</p><p><b>qwe-12</b></p>", true, "qwe-12"},
	        {"the pass-through mode is on", false, ""},
	        {"Passord: hemmelig", false, "hemmelig"},
	        {"Lozinka: tajna1", false, "tajna1"},
	        {"Κωδικός: 5555", false, "5555"},
	        {"Mật khẩu: abc123", false, "abc123"},
	};
	char *longpw = g_strdup_printf("password: %0100d", 7);

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		GPtrArray *out = g_ptr_array_new_with_free_func(mime_password_free);
		GString *got = g_string_new(NULL);

		mime_password_find(cases[i].text, strlen(cases[i].text), cases[i].html, "x", out,
		                   MIME_PW_MAX);
		for (guint k = 0; k < out->len; k++)
			g_string_append_printf(got, "%s%s", k > 0 ? "|" : "",
			                       ((struct mime_password *)out->pdata[k])->text);
		ck_assert_msg(strcmp(got->str, cases[i].want) == 0, "\"%s\": got \"%s\"",
		              cases[i].text, got->str);
		g_string_free(got, TRUE);
		g_ptr_array_free(out, TRUE);
	}
	{
		GPtrArray *out = g_ptr_array_new_with_free_func(mime_password_free);

		mime_password_find(longpw, strlen(longpw), false, "x", out, MIME_PW_MAX);
		ck_assert_uint_eq(out->len, 0);
		g_ptr_array_free(out, TRUE);
	}
	g_free(longpw);
}
END_TEST

/* The candidates found in text (html: an HTML body), joined by '|'. */
static char *found_passwords(const char *text, size_t len, bool html)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(mime_password_free);
	GString *got = g_string_new(NULL);

	mime_password_find(text, len, html, "x", out, MIME_PW_MAX);
	for (guint k = 0; k < out->len; k++)
		g_string_append_printf(got, "%s%s", k > 0 ? "|" : "",
		                       ((struct mime_password *)out->pdata[k])->text);
	g_ptr_array_free(out, TRUE);
	return g_string_free(got, FALSE);
}

/*
 * The ways malspam writes the password of its encrypted attachment (issue 12): a short
 * phrase between the keyword and the password ("is", "lautet", "for the attachment", "to
 * open"), a separator after it, markup and quotes around the password, the next non-empty
 * line, CJK without spaces, a Latin-1 body; and ordinary text that mentions passwords.
 */
START_TEST(test_password_shapes)
{
	static const struct {
		const char *text;
		bool html;
		const char *want;
	} cases[] = {
	        /* English */
	        {"The password is: 7781", false, "7781"},
	        {"The password is 7781.", false, "7781|7781."},
	        {"Password for the attachment is 7781", false, "7781"},
	        {"The password for the attached file is: Zx81", false, "Zx81"},
	        {"Archive password - 7781", false, "7781"},
	        {"Password to open: kq-55", false, "kq-55"},
	        {"Password to open the document = ab12", false, "ab12"},
	        {"The password is ABC", false, "ABC"},
	        {"Use the password **7781** to open it", false, "7781|**7781**"},
	        {"Password:\n\n\n7781\n", false, "7781"},
	        {"The password is below\n\n7781\n", false, "7781"},
	        {"The password for the attachment is below.\n\n\n7781\n", false, "7781"},
	        {"Your password is required.\nThank you", false, ""},
	        {"Password; 7781", false, "7781"},
	        /* German, French, Spanish, Italian, Portuguese, Dutch */
	        {"Das Passwort lautet: 7781", false, "7781"},
	        {"Das Passwort ist 7781", false, "7781"},
	        {"Passwort für die Datei: 7781", false, "7781"},
	        {"Passwort zum Öffnen: x7781", false, "x7781"},
	        {"Le mot de passe est : 7781", false, "7781"},
	        {"Mot de passe du fichier : 7781", false, "7781"},
	        {"Mot de passe pour ouvrir la pièce jointe : 7781", false, "7781"},
	        {"La contraseña es: 7781", false, "7781"},
	        {"Contraseña del archivo: 7781", false, "7781"},
	        {"La password è 7781", false, "7781"},
	        {"La password dell'allegato e' 7781", false, "7781"},
	        {"A senha é: 7781", false, "7781"},
	        {"Senha do arquivo: 7781", false, "7781"},
	        {"Het wachtwoord is: 7781", false, "7781"},
	        {"Wachtwoord voor het bestand: 7781", false, "7781"},
	        /* Polish, Russian, Turkish, Swedish, Norwegian, Finnish */
	        {"Hasło do pliku: 7781", false, "7781"},
	        {"Hasło to 7781", false, "7781"},
	        {"Пароль для архива: 7781", false, "7781"},
	        {"Пароль от архива — 7781", false, "7781"},
	        {"Dosya şifresi: 7781", false, "7781"},
	        {"Lösenordet är: 7781", false, "7781"},
	        {"Passordet er 7781", false, "7781"},
	        {"Salasana on 7781", false, "7781"},
	        /* Japanese, Chinese, Korean: no spaces, particles, full-width colon, brackets */
	        {"解凍パスワード：7781", false, "7781"},
	        {"パスワードは「7781」です。", false, "7781|「7781"},
	        {"解压密码是7781。", false, "7781"},
	        {"密碼為 7781", false, "7781"},
	        {"비밀번호는 7781 입니다", false, "7781"},
	        /* markup */
	        {"<table>\n  <tr>\n    <td>Password</td>\n    <td>7781</td>\n  </tr>\n</table>",
	         true, "7781"},
	        {"<p>The password is: <span style=\"x\"><b>7781</b></span></p>", true, "7781"},
	        {"<div>Passwort lautet&nbsp;:&nbsp;<strong>7781</strong></div>", true, "7781"},
	        {"Subject line (PW: 7781)", false, "7781|7781)"},
	        {"Password for invoice 2024-117 is: 7781", false, "7781|2024-117"},
	        {"Password 7781 is valid", false, "7781"},
	        /* ordinary text: no candidate */
	        {"Please enter your password to continue.", false, ""},
	        {"Your password is required to log in.", false, ""},
	        {"Forgot your password? Reset it here.", false, ""},
	        {"We will never ask for your password by email.", false, ""},
	        {"Password protected documents are common in 2024.", false, ""},
	        {"Change your password every 90 days.", false, ""},
	        {"Password policy: minimum 12 characters", false, ""},
	        {"Reset your password here: https://example.com/reset?id=7781", false, ""},
	        {"Das Passwort ist falsch.", false, ""},
	        {"La contraseña es incorrecta.", false, ""},
	        {"Ihr Passwort ist falsch? Your password is wrong!", false, ""},
	        {"The password is\n\nRegards, Bob 7781", false, ""},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = found_passwords(cases[i].text, strlen(cases[i].text), cases[i].html);

		ck_assert_msg(strcmp(got, cases[i].want) == 0, "\"%s\": got \"%s\"", cases[i].text,
		              got);
		g_free(got);
	}
	{
		/* Latin-1 (a body with no charset, or ISO-8859-1): read as Windows-1252 */
		static const char latin1[] = "La contrase\xf1"
		                             "a es: 7781";
		char *got = found_passwords(latin1, strlen(latin1), false);

		ck_assert_str_eq(got, "7781");
		g_free(got);
	}
}
END_TEST

/*
 * A long body of ordinary text that mentions passwords on every line gives no candidate, and
 * one full of "password: x" lines no more than MIME_PW_MAX: the work and the trials stay bounded.
 */
START_TEST(test_password_bounded)
{
	GString *s = g_string_new(NULL);
	char *got;

	for (int i = 0; i < 2000; i++)
		g_string_append(s, "Your password is required. Change your password every 90 days. "
		                   "Please enter your password to continue.\r\n");
	got = found_passwords(s->str, s->len, false);
	ck_assert_str_eq(got, "");
	g_free(got);
	g_string_truncate(s, 0);
	for (int i = 0; i < 2000; i++)
		g_string_append_printf(s, "The password for file %d is: pw%d\r\n", i, i);
	{
		GPtrArray *out = g_ptr_array_new_with_free_func(mime_password_free);

		mime_password_find(s->str, s->len, false, "x", out, MIME_PW_MAX);
		ck_assert_uint_eq(out->len, MIME_PW_MAX);
		ck_assert_str_eq(((struct mime_password *)out->pdata[0])->text, "pw0");
		ck_assert_str_eq(((struct mime_password *)out->pdata[1])->text, "0");
		g_ptr_array_free(out, TRUE);
	}
	g_string_free(s, TRUE);
}
END_TEST

/*
 * The password trials of a message are bounded (max_password_trials, counted one per
 * candidate tried on one encrypted member): the members not tried with every candidate stay
 * encrypted, flagged with the limit, "password trials exhausted", never clean.
 */
static struct msg_report *many_locked(unsigned int members, const char *body, unsigned int max)
{
	struct msg_limits lim = {.max_password_trials = max};
	struct msg_scan_options o = {.limits = &lim, .scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
	struct testscan_member *m = g_new0(struct testscan_member, members);
	char **names = g_new0(char *, members + 1);
	struct msg_report *r = NULL;
	GBytes *z;
	char *msg;

	for (unsigned int i = 0; i < members; i++) {
		names[i] = g_strdup_printf("f%03u.txt", i);
		m[i] = (struct testscan_member){names[i], names[i], strlen(names[i])};
	}
	z = testscan_build("zip", NULL, "zip:encryption=zipcrypt", "right", m, members);
	msg = message("x", body, "many.zip", g_bytes_get_data(z, NULL), g_bytes_get_size(z));
	ck_assert_int_eq(msg_scan(db, (const unsigned char *)msg, strlen(msg), &o, &r, NULL), 0);
	g_free(msg);
	g_bytes_unref(z);
	g_strfreev(names);
	g_free(m);
	return r;
}

static void count_members(const struct msg_report *r, unsigned int *open_r,
                          unsigned int *exhausted_r)
{
	*open_r = *exhausted_r = 0;
	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		if (!(p->flags & MSG_PART_ARCHIVE_MEMBER))
			continue;
		if (p->flags & MSG_PART_DECRYPTED) {
			ck_assert(p->scanned);
			(*open_r)++;
		} else {
			ck_assert_msg(p->flags & MSG_PART_ENCRYPTED, "%s", p->path);
			ck_assert(!p->scanned);
			if (p->note != NULL &&
			    strstr(p->note, "password trials exhausted") != NULL) {
				ck_assert(p->flags & MSG_PART_LIMIT);
				(*exhausted_r)++;
			}
		}
	}
}

START_TEST(test_password_budget)
{
	struct msg_report *r;
	unsigned int open, exhausted;
	const char *reason;

	/* 30 members, the right password second, 45 trials: 30 + 15 open, 15 left */
	r = many_locked(30, "password: wrong1\r\npassword: right\r\n", 45);
	count_members(r, &open, &exhausted);
	ck_assert_uint_eq(r->password_trials, 45);
	ck_assert_uint_eq(open, 15);
	ck_assert_uint_eq(exhausted, 15);
	ck_assert(msg_report_unscannable(r, &reason));
	ck_assert(r->flags & MSG_LIMIT_ARCHIVE);
	msg_report_free(&r);

	/* enough trials: every member opens, nothing is left */
	r = many_locked(30, "password: wrong1\r\npassword: right\r\n", 60);
	count_members(r, &open, &exhausted);
	ck_assert_uint_eq(r->password_trials, 60);
	ck_assert_uint_eq(open, 30);
	ck_assert(!msg_report_unscannable(r, NULL));
	msg_report_free(&r);

	/* 300 members and 8 wrong candidates (2400 trials) stop at the default of 500 */
	r = many_locked(300, "pw: a1 pw: a2 pw: a3 pw: a4 pw: a5 pw: a6 pw: a7 pw: a8\r\n", 0);
	count_members(r, &open, &exhausted);
	ck_assert_uint_eq(r->password_trials, 500);
	ck_assert_uint_eq(open, 0);
	ck_assert_uint_eq(exhausted, 300);
	ck_assert(msg_report_unscannable(r, NULL));
	msg_report_free(&r);

	/* every candidate tried within the budget: the usual reason, not the limit */
	r = many_locked(3, "password: wrong1\r\npassword: wrong2\r\n", 0);
	count_members(r, &open, &exhausted);
	ck_assert_uint_eq(r->password_trials, 6);
	ck_assert_uint_eq(exhausted, 0);
	ck_assert_ptr_nonnull(strstr(testscan_part(r, "2/zip:f000.txt")->note, "opens it"));
	msg_report_free(&r);
}
END_TEST

/* 7z encryption cannot be opened by the reader: flagged, the reason said. */
START_TEST(test_encrypted_7z)
{
	char *path = testutil_clamav_file("clam.7z");
	const char *argv[] = {"7z", "a", "-bd", "-p1234", NULL, NULL, NULL};
	char *out = g_build_filename(tmp, "enc.7z", NULL), *exe;
	int status = -1;
	size_t len;
	char *data, *msg;
	struct msg_report *r;

	exe = testutil_write_bytes(tmp, "clam.exe", clam, clam_len);
	argv[4] = out;
	argv[5] = exe;
	ck_assert_msg(g_spawn_sync(NULL, (char **)argv, NULL,
	                           G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
	                           NULL, NULL, &status, NULL) &&
	                      status == 0,
	              "7z (package p7zip-full) failed");
	data = testutil_read(out, &len);
	msg = message("x", "password: 1234", "enc.7z", data, len);
	r = testscan_message(db, msg);
	ck_assert(testscan_part(r, "2/7z:clam.exe")->flags & MSG_PART_ENCRYPTED);
	ck_assert_ptr_nonnull(strstr(testscan_part(r, "2/7z:clam.exe")->note, "decrypts zip only"));
	ck_assert_uint_eq(msg_report_infected(r), 0);
	msg_report_free(&r);
	g_free(msg);
	g_free(data);
	g_free(exe);
	g_free(out);
	g_free(path);
}
END_TEST

/* The JSON report lists members with their flags and parent. */
START_TEST(test_json)
{
	GBytes *z = testscan_zip("clam.exe", clam, clam_len);
	char *msg = message("x", NULL, "a.zip", g_bytes_get_data(z, NULL), g_bytes_get_size(z));
	struct msg_report *r = testscan_message(db, msg);
	char *js = testscan_report_json(r);

	ck_assert_ptr_nonnull(strstr(js, "\"path\":\"2/zip:clam.exe\",\"name\":\"clam.exe\""));
	ck_assert_ptr_nonnull(strstr(js, "\"encoding\":\"zip\""));
	ck_assert_ptr_nonnull(strstr(js, "\"parent\":1,"));
	ck_assert_ptr_nonnull(strstr(js, "\"flags\":[\"archive-member\"]"));
	ck_assert_ptr_nonnull(strstr(js, "\"flags\":[\"container\"]"));
	g_free(js);
	msg_report_free(&r);
	g_free(msg);
	g_bytes_unref(z);
}
END_TEST

/* The milter scans in many threads: archives (and passwords) give the same report in each. */
static gpointer thread_scan(gpointer data)
{
	GPtrArray *msgs = data;
	bool ok = true;

	for (int round = 0; round < 20; round++) {
		for (guint i = 0; i < msgs->len; i += 2) {
			struct msg_report *r = testscan_message(db, msgs->pdata[i]);
			char *js = testscan_report_json(r);

			ok &= strcmp(js, msgs->pdata[i + 1]) == 0;
			g_free(js);
			msg_report_free(&r);
		}
	}
	return GINT_TO_POINTER(ok);
}

START_TEST(test_threads)
{
	static const char *const files[] = {"clam.zip", "clam.7z", "clam.tar.gz", "clam.d64.zip",
	                                    "clam.cab"};
	struct testscan_member m = {"clam.exe", clam, clam_len};
	GBytes *enc = testscan_build("zip", NULL, "zip:encryption=zipcrypt", "pw", &m, 1);
	GPtrArray *msgs = g_ptr_array_new_with_free_func(g_free);
	GThread *t[4];

	for (size_t i = 0; i <= G_N_ELEMENTS(files); i++) {
		size_t len;
		char *path = i < G_N_ELEMENTS(files) ? testutil_clamav_file(files[i]) : NULL;
		char *data = path != NULL ? testutil_read(path, &len) : NULL;
		char *msg = data != NULL
		                    ? message("x", NULL, files[i], data, len)
		                    : message("pw: pw", NULL, "e.zip", g_bytes_get_data(enc, NULL),
		                              g_bytes_get_size(enc));
		struct msg_report *r = testscan_message(db, msg);

		ck_assert_uint_eq(msg_report_infected(r), 1);
		g_ptr_array_add(msgs, msg);
		g_ptr_array_add(msgs, testscan_report_json(r));
		msg_report_free(&r);
		g_free(data);
		g_free(path);
	}
	for (int i = 0; i < 4; i++)
		t[i] = g_thread_new("scan", thread_scan, msgs);
	for (int i = 0; i < 4; i++)
		ck_assert(GPOINTER_TO_INT(g_thread_join(t[i])));
	g_ptr_array_free(msgs, TRUE);
	g_bytes_unref(enc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("archive");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_clamav_files, 0, G_N_ELEMENTS(clam_archives));
	tcase_add_loop_test(tc, test_clamav_attached, 0, G_N_ELEMENTS(clam_archives));
	tcase_add_test(tc, test_iso);
	tcase_add_test(tc, test_formats);
	tcase_add_test(tc, test_streams);
	tcase_add_test(tc, test_ftype_fixtures);
	tcase_add_test(tc, test_nesting);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_symlink);
	tcase_add_test(tc, test_allowlisted_container);
	tcase_add_loop_test(tc, test_encrypted, 0, 2);
	tcase_add_test(tc, test_password_find);
	tcase_add_test(tc, test_password_shapes);
	tcase_add_test(tc, test_password_bounded);
	tcase_add_test(tc, test_password_budget);
	tcase_add_test(tc, test_encrypted_7z);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
