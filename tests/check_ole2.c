/*
 * libcheck suite: the OLE2 reader (mime/ole2.c) against olefile's view of the same bytes.
 *
 * The fixtures under tests/data/ole2 are made by gen_ole2.py, which also writes beside each
 * one what olefile (python3-olefile) reads in it: PATH, NAME, SIZE and SHA-256 of every
 * attachment, body and embedded file. Every member the reader returns must be one of those
 * lines, byte for byte, and every line must be returned; an attached message comes back as
 * a compound file of its own, read again here as the job loop does. Then the bombs: a FAT
 * loop, a stream claiming 4 GB, streams sharing one sector chain, too many entries, and a
 * root entry with siblings (which libgsf leaks).
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mime/lzfu.h"
#include "mime/ole2.h"

struct ref {
	char *path, *name, *sha;
	size_t size;
	bool seen;
};

static GBytes *fixture(const char *name)
{
	char *path = g_build_filename(TEST_DATA, "ole2", name, NULL);
	char *data;
	gsize len;

	ck_assert_msg(g_file_get_contents(path, &data, &len, NULL), "cannot read %s", path);
	g_free(path);
	return g_bytes_new_take(data, len);
}

static void ref_free(gpointer p)
{
	struct ref *r = p;

	g_free(r->path);
	g_free(r->name);
	g_free(r->sha);
	g_free(r);
}

static GPtrArray *refs(const char *name)
{
	char *file = g_strconcat(name, ".ref", NULL);
	GBytes *b = fixture(file);
	char **lines = g_strsplit(g_bytes_get_data(b, NULL), "\n", -1);
	GPtrArray *out = g_ptr_array_new_with_free_func(ref_free);

	for (char **l = lines; *l != NULL; l++) {
		char **f = g_strsplit(*l, "\t", 4);
		struct ref *r;

		if (g_strv_length(f) == 4) {
			r = g_new0(struct ref, 1);
			r->path = g_strdup(f[0]);
			r->name = f[1][0] != '\0' ? g_strdup(f[1]) : NULL;
			r->size = strtoul(f[2], NULL, 10);
			r->sha = g_strdup(f[3]);
			g_ptr_array_add(out, r);
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_bytes_unref(b);
	g_free(file);
	return out;
}

static struct ref *ref_find(GPtrArray *rs, const char *path)
{
	for (guint i = 0; i < rs->len; i++) {
		struct ref *r = rs->pdata[i];

		if (strcmp(r->path, path) == 0)
			return r;
	}
	return NULL;
}

/* Read bytes and check every member against the reference lines (storages read again). */
static void check_members(GBytes *bytes, const char *prefix, GPtrArray *rs, bool msg)
{
	struct mime_ole2 *ole;
	GError *error = NULL;
	gsize len;
	const unsigned char *d = g_bytes_get_data(bytes, &len);

	ck_assert_msg(mime_ole2_read(d, len, NULL, &ole, &error) == 0, "%s: %s", prefix,
	              error != NULL ? error->message : "?");
	ck_assert_int_eq(ole->msg, msg);
	ck_assert_msg(ole->flags == 0, "%s: %s", prefix, ole->note);
	for (guint i = 0; i < ole->members->len; i++) {
		struct mime_ole2_member *m = ole->members->pdata[i];
		char *path = g_strconcat(prefix, m->path, NULL);
		struct ref *r = ref_find(rs, path);

		ck_assert_msg(r != NULL, "member %s is not in olefile's view", path);
		ck_assert_msg(!r->seen, "member %s twice", path);
		r->seen = true;
		ck_assert_msg(m->data != NULL, "%s: no data (%s)", path, m->note);
		ck_assert_msg(g_strcmp0(m->name, r->name) == 0, "%s: name %s, olefile %s", path,
		              m->name, r->name);
		if (strcmp(r->sha, "storage") == 0) {
			char *sub = g_strconcat(path, "/", NULL);

			ck_assert(m->flags & MIME_OLE2_STORAGE);
			check_members(m->data, sub, rs, g_str_has_prefix(m->path, "msg:"));
			g_free(sub);
		} else {
			char *sha = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, m->data);

			ck_assert_uint_eq(m->flags & ~MIME_OLE2_BODY, 0);
			ck_assert_int_eq(!!(m->flags & MIME_OLE2_BODY),
			                 strstr(path, "body.") != NULL);
			ck_assert_uint_eq(g_bytes_get_size(m->data), r->size);
			ck_assert_msg(strcmp(sha, r->sha) == 0, "%s: bytes differ", path);
			g_free(sha);
		}
		g_free(path);
	}
	mime_ole2_free(&ole);
	ck_assert_ptr_null(ole);
}

static void check_fixture(const char *name, bool msg)
{
	GBytes *b = fixture(name);
	GPtrArray *rs = refs(name);

	ck_assert_uint_gt(rs->len, 0);
	check_members(b, "", rs, msg);
	for (guint i = 0; i < rs->len; i++) {
		struct ref *r = rs->pdata[i];

		ck_assert_msg(r->seen, "%s: olefile sees %s, the reader does not", name, r->path);
	}
	g_ptr_array_free(rs, TRUE);
	g_bytes_unref(b);
}

START_TEST(test_msg)
{
	/* three attachments (one a message with an attachment of its own), text and HTML */
	check_fixture("attach.msg", true);
}
END_TEST

/* the rich-text body (PR_RTF_COMPRESSED) decompressed, as the generator compressed it */
START_TEST(test_msg_rtf)
{
	check_fixture("rtf.msg", true);
}
END_TEST

/*
 * Compressed RTF: MS-OXRTFCP's own example (a reference into the primed dictionary, the end
 * marker), a stored ("MELA") body, a cut at cap, data that ends early, a header of no kind.
 */
START_TEST(test_lzfu)
{
	static const unsigned char ex[] = {
	        0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1,
	        0xc5, 0xc7, 0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32,
	        0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62,
	        0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0};
	static const char want[] = "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n";
	unsigned char mela[16 + 5] = {0x11, 0, 0, 0, 5, 0,   0,   0,   0x4d, 0x45, 0x4c,
	                              0x41, 0, 0, 0, 0, '{', 'a', 'b', 'c',  '}'};
	const char *why;
	bool cut;
	GBytes *b = lzfu_decode(ex, sizeof(ex), 1000, &cut, &why);

	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_null(why);
	ck_assert(!cut);
	ck_assert_uint_eq(g_bytes_get_size(b), strlen(want));
	ck_assert(memcmp(g_bytes_get_data(b, NULL), want, strlen(want)) == 0);
	g_bytes_unref(b);
	b = lzfu_decode(ex, sizeof(ex), 10, &cut, &why);
	ck_assert(cut);
	ck_assert_uint_eq(g_bytes_get_size(b), 10);
	g_bytes_unref(b);
	b = lzfu_decode(ex, sizeof(ex) - 6, 1000, &cut, &why);
	ck_assert_ptr_nonnull(why);
	ck_assert_uint_lt(g_bytes_get_size(b), strlen(want));
	g_bytes_unref(b);
	b = lzfu_decode(mela, sizeof(mela), 1000, &cut, &why);
	ck_assert_uint_eq(g_bytes_get_size(b), 5);
	ck_assert(memcmp(g_bytes_get_data(b, NULL), "{abc}", 5) == 0);
	g_bytes_unref(b);
	mela[0] = 3; /* a compressed size smaller than the header (found by fuzz_lzfu) */
	b = lzfu_decode(mela, sizeof(mela), 1000, &cut, &why);
	ck_assert_uint_eq(g_bytes_get_size(b), 0);
	g_bytes_unref(b);
	mela[8] = 'X';
	ck_assert_ptr_null(lzfu_decode(mela, sizeof(mela), 1000, &cut, &why));
	ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(test_doc_objectpool)
{
	check_fixture("package.doc", false);
}
END_TEST

START_TEST(test_ppt_objects)
{
	/* ExOleObjStg records of the PowerPoint Document stream: compressed and stored */
	check_fixture("objects.ppt", false);
}
END_TEST

START_TEST(test_ole_object)
{
	/* what word/embeddings/oleObject1.bin of a docx holds */
	check_fixture("oleObject1.bin", false);
}
END_TEST

/* Read a fixture expected to stop on a limit or to be refused; returns the result. */
static int read_bomb(const char *name, const struct msg_limits *lim, struct mime_ole2 **ole_r,
                     char **why_r)
{
	GBytes *b = fixture(name);
	GError *error = NULL;
	gsize len;
	const unsigned char *d = g_bytes_get_data(b, &len);
	int r = mime_ole2_read(d, len, lim, ole_r, &error);

	*why_r = g_strdup(error != NULL ? error->message : (*ole_r)->note);
	g_clear_error(&error);
	g_bytes_unref(b);
	return r;
}

START_TEST(test_fat_loop)
{
	struct mime_ole2 *ole;
	char *why;

	/* the directory's sector chain points at itself */
	ck_assert_int_eq(read_bomb("fatloop.ole", NULL, &ole, &why), 0);
	ck_assert(ole->flags & MIME_OLE2_LIMIT);
	ck_assert_uint_eq(ole->members->len, 0);
	ck_assert_msg(strstr(why, "loop") != NULL, "%s", why);
	mime_ole2_free(&ole);
	g_free(why);
}
END_TEST

START_TEST(test_huge_claim)
{
	struct mime_ole2 *ole;
	char *why;

	/* a stream of 4 GB in a file of 6 KB: not a file any reader reads whole */
	ck_assert_int_eq(read_bomb("huge.ole", NULL, &ole, &why), -1);
	ck_assert_ptr_null(ole);
	ck_assert_msg(strstr(why, "claims more bytes") != NULL, "%s", why);
	g_free(why);
}
END_TEST

START_TEST(test_root_siblings)
{
	struct mime_ole2 *ole;
	char *why;

	ck_assert_int_eq(read_bomb("rootsib.ole", NULL, &ole, &why), -1);
	ck_assert_msg(strstr(why, "root entry") != NULL, "%s", why);
	g_free(why);
}
END_TEST

START_TEST(test_shared_sectors)
{
	struct mime_ole2 *ole;
	char *why;
	GBytes *b = fixture("share.ole");

	/* 200 streams on the same 64 KiB of sectors: 12.8 MB out of 118 KB */
	ck_assert_int_eq(read_bomb("share.ole", NULL, &ole, &why), 0);
	ck_assert(ole->flags & MIME_OLE2_LIMIT);
	ck_assert_msg(strstr(why, "output limit") != NULL, "%s", why);
	ck_assert_uint_le(ole->out, 2 * g_bytes_get_size(b) + 1024 * 1024);
	ck_assert_uint_gt(ole->members->len, 0);
	mime_ole2_free(&ole);
	g_free(why);
	g_bytes_unref(b);
}
END_TEST

START_TEST(test_ppt_inflate_bomb)
{
	struct mime_ole2 *ole;
	struct mime_ole2_member *m;
	char *why;

	/* 20 MiB of zeros from a 23 KB file: cut at 8 MiB, flagged */
	ck_assert_int_eq(read_bomb("zeros.ppt", NULL, &ole, &why), 0);
	ck_assert_uint_eq(ole->members->len, 1);
	m = ole->members->pdata[0];
	ck_assert(m->flags & MIME_OLE2_LIMIT);
	ck_assert_ptr_nonnull(m->data);
	ck_assert_uint_eq(g_bytes_get_size(m->data), 8u << 20);
	ck_assert_ptr_nonnull(strstr(m->note, "cut at"));
	mime_ole2_free(&ole);
	g_free(why);
}
END_TEST

START_TEST(test_many_entries)
{
	struct mime_ole2 *ole;
	char *why;

	ck_assert_int_eq(read_bomb("many.ole", NULL, &ole, &why), 0);
	ck_assert(ole->flags & MIME_OLE2_LIMIT);
	ck_assert_uint_eq(ole->members->len, 0);
	ck_assert_msg(strstr(why, "4096 entries") != NULL, "%s", why);
	mime_ole2_free(&ole);
	g_free(why);
}
END_TEST

START_TEST(test_limits)
{
	struct msg_limits lim = {.max_member_bytes = 10000, .max_archive_members = 2};
	struct mime_ole2 *ole;
	GBytes *b = fixture("attach.msg");
	gsize len;
	const unsigned char *d = g_bytes_get_data(b, &len);
	struct mime_ole2_member *m;

	ck_assert_int_eq(mime_ole2_read(d, len, &lim, &ole, NULL), 0);
	/* attach1 read, attach2 (a message) copied; attach3 is past max_archive_members */
	ck_assert_uint_eq(ole->members->len, 2);
	ck_assert(ole->flags & MIME_OLE2_LIMIT);
	ck_assert_ptr_nonnull(strstr(ole->note, "max_archive_members"));
	mime_ole2_free(&ole);
	lim.max_archive_members = 0;
	ck_assert_int_eq(mime_ole2_read(d, len, &lim, &ole, NULL), 0);
	m = ole->members->pdata[2];
	ck_assert_str_eq(m->path, "msg:attach3");
	ck_assert_ptr_null(m->data); /* 20000 bytes: over max_member_bytes */
	ck_assert(m->flags & MIME_OLE2_LIMIT);
	ck_assert_ptr_nonnull(strstr(m->note, "max_member_bytes"));
	mime_ole2_free(&ole);
	g_bytes_unref(b);
}
END_TEST

START_TEST(test_not_ole2)
{
	static const unsigned char junk[600] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";
	struct mime_ole2 *ole = (void *)1;
	GError *error = NULL;

	ck_assert_int_eq(mime_ole2_read((const unsigned char *)"hello", 5, NULL, &ole, &error), -1);
	ck_assert_ptr_null(ole);
	g_clear_error(&error);
	/* the signature and nothing else: no sector size */
	ck_assert_int_eq(mime_ole2_read(junk, sizeof(junk), NULL, &ole, &error), -1);
	ck_assert_ptr_nonnull(error);
	g_clear_error(&error);
}
END_TEST

static Suite *ole2_suite(void)
{
	Suite *s = suite_create("ole2");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_msg);
	tcase_add_test(tc, test_msg_rtf);
	tcase_add_test(tc, test_lzfu);
	tcase_add_test(tc, test_doc_objectpool);
	tcase_add_test(tc, test_ole_object);
	tcase_add_test(tc, test_ppt_objects);
	tcase_add_test(tc, test_fat_loop);
	tcase_add_test(tc, test_huge_claim);
	tcase_add_test(tc, test_root_siblings);
	tcase_add_test(tc, test_shared_sectors);
	tcase_add_test(tc, test_ppt_inflate_bomb);
	tcase_add_test(tc, test_many_entries);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_not_ole2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ole2_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
