/*
 * libcheck suite: readers — the container readers of mime/ called directly, bytes in,
 * members out, each against its reference tool: pdf.c against pdfdetach (fixtures made by
 * tests/data/readers/mkreaders.py), openpgp.c against gpg -d (messages made here by gpg with a
 * private home: --store, -z 0, -a, zlib, bzip2, from a pipe), applefile.c and html.c against
 * the bytes the generator put in. Bombs of each kind stay within the limits: a PDF claiming a
 * huge stream and inflating past max_member_bytes, a self-referencing object graph, reference
 * loops, deep nesting; OpenPGP compression nesting and partial lengths.
 */

#include <check.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include "mime/applefile.h"
#include "mime/html.h"
#include "mime/openpgp.h"
#include "mime/pdf.h"
#include "mime/rtf.h"
#include "mime/sfx.h"
#include "tests/lib/testutil.h"

#define READERS TEST_DATA "/readers/"

static char *tmp;

static void setup(void)
{
	tmp = testutil_tmpdir();
}

static void teardown(void)
{
	char *home = g_build_filename(tmp, "gnupg", NULL);

	if (g_file_test(home, G_FILE_TEST_IS_DIR)) {
		char *cmd = g_strdup_printf("gpgconf --homedir '%s' --kill gpg-agent", home);

		(void)g_spawn_command_line_sync(cmd, NULL, NULL, NULL, NULL);
		g_free(cmd);
	}
	g_free(home);
	testutil_rmdir(tmp);
	g_free(tmp);
}

/* The payload mkreaders.py puts in the committed fixtures. */
static GBytes *fixture_payload(void)
{
	GString *s = g_string_new(NULL);

	for (int i = 0; i < 40; i++)
		g_string_append(s, "partscan reader fixture: harmless payload\n");
	return g_string_free_to_bytes(s);
}

static void sh(const char *cmd)
{
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	char *err = NULL;
	int status = 0;

	ck_assert(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &err,
	                       &status, NULL));
	ck_assert_msg(g_spawn_check_wait_status(status, NULL), "%s failed: %s", cmd, err);
	g_free(err);
}

static struct reader_member *member(GPtrArray *m, guint i)
{
	ck_assert_uint_gt(m->len, i);
	return g_ptr_array_index(m, i);
}

static void assert_bytes(GBytes *got, const void *want, size_t len)
{
	ck_assert_uint_eq(g_bytes_get_size(got), len);
	ck_assert(memcmp(g_bytes_get_data(got, NULL), want, len) == 0);
}

static GPtrArray *read_file(const char *path,
                            int (*reader)(const unsigned char *, size_t, const struct msg_limits *,
                                          GPtrArray *, GError **),
                            int want)
{
	size_t len;
	char *data = testutil_read(path, &len);
	GPtrArray *m = reader_members_new();
	GError *error = NULL;
	int r = reader((const unsigned char *)data, len, NULL, m, &error);

	ck_assert_msg(r == want, "%s: %d (%s)", path, r, error != NULL ? error->message : "");
	g_clear_error(&error);
	g_free(data);
	return m;
}

/* Every embedded file pdfdetach saves is a member with the same name and bytes. */
START_TEST(test_pdf_vs_pdfdetach)
{
	/* pdf_aes256.pdf and pdf_rc4.pdf: qpdf --encrypt "" owner 256 (40) of the first two */
	static const char *const files[] = {
	        "pdf_names.pdf", "pdf_annot.pdf",  "pdf_predictor.pdf", "pdf_lzw.pdf",
	        "pdf_lzw0.pdf",  "pdf_aes256.pdf", "pdf_rc4.pdf",       "pdf_pred_tail.pdf"};
	static const char *const names[] = {
	        "invoice.exe", "r\xc3\xa9sum\xc3\xa9.bin", "p.bin", "lzw.bin", "lzw.bin",
	        "invoice.exe", "r\xc3\xa9sum\xc3\xa9.bin", "p.bin"};
	const char *file = files[_i];
	char *path = g_strconcat(READERS, file, NULL);
	char *out = g_build_filename(tmp, file, NULL);
	char *cmd =
	        g_strdup_printf("mkdir -p '%s' && pdfdetach -saveall -o '%s' '%s'", out, out, path);
	GPtrArray *m = read_file(path, pdf_read, 0);
	char *ref_path = g_build_filename(out, names[_i], NULL);
	size_t ref_len;
	char *ref;
	GBytes *payload = fixture_payload();

	sh(cmd);
	ref = testutil_read(ref_path, &ref_len);
	ck_assert_uint_eq(m->len, 1);
	ck_assert_str_eq(member(m, 0)->name, names[_i]);
	ck_assert_uint_eq(member(m, 0)->flags, 0);
	assert_bytes(member(m, 0)->data, ref, ref_len);
	/* the predictor fixtures pad the payload to whole rows, or complete a short last row */
	ck_assert(ref_len >= g_bytes_get_size(payload));
	ck_assert(memcmp(ref, g_bytes_get_data(payload, NULL), g_bytes_get_size(payload)) == 0);
	g_bytes_unref(payload);
	g_free(ref);
	g_free(ref_path);
	g_ptr_array_unref(m);
	g_free(cmd);
	g_free(out);
	g_free(path);
}
END_TEST

/*
 * RTF's embedded objects: the file of a Package object (its hex broken by a group and a
 * control word), the native data of another class; hex that is no OLE1 object is its bytes,
 * flagged; RTF without objects has no member.
 */
START_TEST(test_rtf_objdata)
{
	char *path = g_strconcat(READERS, "objdata.rtf", NULL);
	GPtrArray *m = read_file(path, rtf_read, 0);
	GBytes *payload = fixture_payload();
	const char *junk = "{\\rtf1 {\\object{\\*\\objdata 4d5a{\\*\\x 41}90\\bin2 AB00}}}";

	ck_assert_uint_eq(m->len, 2);
	ck_assert_str_eq(member(m, 0)->name, "invoice.exe");
	ck_assert_uint_eq(member(m, 0)->flags, 0);
	assert_bytes(member(m, 0)->data, g_bytes_get_data(payload, NULL),
	             g_bytes_get_size(payload));
	ck_assert_str_eq(member(m, 1)->name, "obj2.Equation.3");
	assert_bytes(member(m, 1)->data, "native data 16b.", 16);
	g_ptr_array_unref(m);
	m = reader_members_new();
	ck_assert_int_eq(rtf_read((const unsigned char *)junk, strlen(junk), NULL, m, NULL), 0);
	ck_assert_uint_eq(m->len, 1);
	ck_assert(member(m, 0)->flags & READER_MEMBER_OPAQUE);
	assert_bytes(member(m, 0)->data, "MZ\x90\x41\x42\x00", 6); /* the {\\*...} group skipped */
	g_ptr_array_unref(m);
	m = reader_members_new();
	ck_assert_int_eq(rtf_read((const unsigned char *)"{\\rtf1 plain}", 12, NULL, m, NULL), 0);
	ck_assert_uint_eq(m->len, 0);
	g_ptr_array_unref(m);
	g_bytes_unref(payload);
	g_free(path);
}
END_TEST

static GPtrArray *pdf_mem(const char *text, const struct msg_limits *lim, int want,
                          GQuark *domain_r, int *code_r)
{
	GPtrArray *m = reader_members_new();
	GError *error = NULL;
	int r = pdf_read((const unsigned char *)text, strlen(text), lim, m, &error);

	ck_assert_msg(r == want, "%d (%s)", r, error != NULL ? error->message : "");
	if (code_r != NULL)
		*code_r = error != NULL ? error->code : -1;
	g_clear_error(&error);
	return m;
}

/* A graph of objects that refer to themselves and to each other: read once, quickly. */
START_TEST(test_pdf_self_reference)
{
	const char *pdf =
	        "%PDF-1.4\n"
	        "1 0 obj << /Type /Catalog /Names << /EmbeddedFiles 1 0 R >> /Kids [1 0 R]"
	        " /EF << /F 1 0 R >> >> endobj\n"
	        "2 0 obj 3 0 R endobj\n3 0 obj 2 0 R endobj\n"
	        "4 0 obj << /F (x.bin) /EF 6 0 R >> endobj\n"
	        "6 0 obj << /F 5 0 R /UF 5 0 R >> endobj\n"
	        "7 0 obj << /F (y.bin) /EF << /F 5 0 R >> >> endobj\n"
	        "5 0 obj << /Length 2 0 R >> stream\nabc\nendstream endobj\n"
	        "trailer << /Root 1 0 R >>\n";
	GPtrArray *m = pdf_mem(pdf, NULL, 0, NULL, NULL);

	/* object 1 points /EF at itself (no stream: opaque); 4 and 7 share stream 5: once */
	ck_assert_uint_eq(m->len, 2);
	ck_assert(member(m, 0)->flags & READER_MEMBER_OPAQUE);
	ck_assert_str_eq(member(m, 1)->name, "x.bin");
	assert_bytes(member(m, 1)->data, "abc", 3);
	g_ptr_array_unref(m);
}
END_TEST

/*
 * An object defined twice: a later definition (here a fake one inside the data of a stream whose
 * /Length is indirect, so that its "endstream" ends the data early) does not hide the earlier
 * embedded file; the same bytes defined twice are one member.
 */
START_TEST(test_pdf_redefined)
{
	const char *pdf = "%PDF-1.4\n"
	                  "1 0 obj << /F (a.bin) /EF << /F 2 0 R >> >> endobj\n"
	                  "2 0 obj << /Length 4 >> stream\nREAL\nendstream endobj\n"
	                  "4 0 obj << /Length 5 0 R >> stream\nendstream\n"
	                  "2 0 obj << /Length 4 >> stream\nFAKE\nendstream endobj\n"
	                  "2 0 obj << /Length 4 >> stream\nFAKE\nendstream endobj\n"
	                  "junk\nendstream endobj\n5 0 obj 120 endobj\n";
	GPtrArray *m = pdf_mem(pdf, NULL, 0, NULL, NULL);

	ck_assert_uint_eq(m->len, 2);
	assert_bytes(member(m, 0)->data, "FAKE", 4);
	assert_bytes(member(m, 1)->data, "REAL", 4);
	ck_assert_str_eq(member(m, 1)->name, "a.bin");
	g_ptr_array_unref(m);
}
END_TEST

/*
 * An incremental update that redefines, inside an object stream, a file specification (first
 * a classic object, or in an object stream too) or its /EF dictionary: the file the update
 * adds, which pdfdetach saves, is a member (mkreaders.py's pdf_update*.pdf).
 */
START_TEST(test_pdf_update)
{
	static const char *const files[] = {"pdf_update.pdf", "pdf_update_stm.pdf",
	                                    "pdf_update_ef.pdf"};
	char *path = g_strconcat(READERS, files[_i], NULL);
	GPtrArray *m = read_file(path, pdf_read, 0);
	GBytes *payload = fixture_payload();
	unsigned int found = 0;

	for (guint i = 0; i < m->len; i++)
		if (g_bytes_equal(member(m, i)->data, payload) &&
		    strcmp(member(m, i)->name, "invoice.exe") == 0 && member(m, i)->flags == 0)
			found++;
	ck_assert_uint_eq(found, 1);
	g_bytes_unref(payload);
	g_ptr_array_unref(m);
	g_free(path);
}
END_TEST

/* Deep nesting, an object stream claiming a billion objects, junk: bounded, no crash. */
START_TEST(test_pdf_malformed)
{
	GString *deep = g_string_new("%PDF-1.4\n1 0 obj ");
	GPtrArray *m;
	int code;

	for (int i = 0; i < 100000; i++)
		g_string_append(deep, "[<<");
	g_string_append(deep, " endobj\n2 0 obj << /Type /ObjStm /N 1000000000 /First 999999999 "
	                      "/Length 3 >> stream\n1 2\nendstream endobj\n");
	m = pdf_mem(deep->str, NULL, 0, NULL, NULL);
	ck_assert_uint_eq(m->len, 0);
	g_ptr_array_unref(m);
	g_string_free(deep, TRUE);
	m = pdf_mem("not a pdf", NULL, -1, NULL, &code);
	ck_assert_int_eq(code, READER_ERROR_MALFORMED);
	g_ptr_array_unref(m);
	/* an unknown filter: a member that says so, never clean */
	m = pdf_mem("%PDF-1.4\n1 0 obj << /F (a) /EF << /F 2 0 R >> >> endobj\n2 0 obj << /Filter "
	            "/JBIG2Decode /Length 3 >> stream\nabc\nendstream endobj\n",
	            NULL, 0, NULL, NULL);
	ck_assert_uint_eq(m->len, 1);
	ck_assert(member(m, 0)->flags & READER_MEMBER_OPAQUE);
	ck_assert_ptr_nonnull(strstr(member(m, 0)->note, "JBIG2Decode"));
	g_ptr_array_unref(m);
	/* LZW data with a code not in the table: cut there, said so */
	m = pdf_mem("%PDF-1.4\n1 0 obj << /F (a) /EF << /F 2 0 R >> >> endobj\n2 0 obj << /Filter "
	            "/LZW /Length 3 >> stream\nabc\nendstream endobj\n",
	            NULL, 0, NULL, NULL);
	ck_assert_uint_eq(m->len, 1);
	ck_assert(member(m, 0)->flags & READER_MEMBER_TRUNCATED);
	ck_assert_ptr_nonnull(strstr(member(m, 0)->note, "LZWDecode: invalid LZW code"));
	g_ptr_array_unref(m);
}
END_TEST

/* A stream claiming 10^14 bytes that inflates to 64 MiB: cut at max_member_bytes. */
START_TEST(test_pdf_huge_stream)
{
	struct msg_limits lim = {.max_member_bytes = 1 << 20};
	size_t zero_len = 64u << 20, cap = compressBound(zero_len);
	unsigned char *zeros = g_malloc0(zero_len), *z = g_malloc(cap);
	uLongf zlen = cap;
	GString *pdf = g_string_new("%PDF-1.4\n1 0 obj << /F (bomb) /EF << /F 2 0 R >> >> endobj\n"
	                            "2 0 obj << /Filter /FlateDecode /Length 99999999999999 >> "
	                            "stream\n");
	GPtrArray *m = reader_members_new();
	GError *error = NULL;

	ck_assert_int_eq(compress2(z, &zlen, zeros, zero_len, 9), Z_OK);
	g_free(zeros);
	g_string_append_len(pdf, (const char *)z, (gssize)zlen);
	g_string_append(pdf, "\nendstream endobj\n");
	g_free(z);
	ck_assert_int_eq(pdf_read((const unsigned char *)pdf->str, pdf->len, &lim, m, &error), 0);
	ck_assert_uint_eq(m->len, 1);
	ck_assert(member(m, 0)->flags & READER_MEMBER_TRUNCATED);
	ck_assert_uint_eq(g_bytes_get_size(member(m, 0)->data), 1 << 20);
	g_ptr_array_unref(m);
	/* what is left of max_total_bytes bounds the reader's outputs together */
	lim.max_total_bytes = 256 << 10;
	m = reader_members_new();
	ck_assert_int_eq(pdf_read((const unsigned char *)pdf->str, pdf->len, &lim, m, &error), 0);
	ck_assert(member(m, 0)->flags & READER_MEMBER_TRUNCATED);
	ck_assert_uint_eq(g_bytes_get_size(member(m, 0)->data), 256 << 10);
	g_ptr_array_unref(m);
	g_string_free(pdf, TRUE);
}
END_TEST

/*
 * A PNG predictor whose one row claims 2 GiB (64 colours of 16 bits, 2^24 columns) over a
 * stream of a few bytes: the row comes out cut at max_member_bytes, said so, and costs no more
 * memory than that (found by fuzz_pdf: a buffer of the row's size was allocated; and the
 * member came out empty and unflagged, called clean). Outside ASan and valgrind the address
 * space is limited to 1 GiB more than in use, where the row's 2 GiB cannot be had.
 */
START_TEST(test_pdf_predictor_claim)
{
	struct msg_limits lim = {.max_member_bytes = 1 << 20};
	unsigned char z[64];
	uLongf zlen = sizeof z;
	GString *pdf = g_string_new("%PDF-1.4\n1 0 obj << /F (wide) /EF << /F 2 0 R >> >> endobj\n"
	                            "2 0 obj << /Filter /FlateDecode /DecodeParms << /Predictor 12 "
	                            "/Colors 64 /BitsPerComponent 16 /Columns 16777216 >> "
	                            "/Length 99 >> stream\n");
	GPtrArray *m = reader_members_new();
	GError *error = NULL;
	const unsigned char *got;
	size_t pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	ck_assert_int_eq(compress2(z, &zlen, (const unsigned char *)"\002abc", 4, 9), Z_OK);
	g_string_append_len(pdf, (const char *)z, (gssize)zlen);
	g_string_append(pdf, "\nendstream endobj\n");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%zu", &pages), 1);
	fclose(f);
#if !defined(__SANITIZE_ADDRESS__)
	if (getenv("PARTSCAN_VALGRIND") == NULL) {
		rlim_t as = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (1ull << 30);

		ck_assert_int_eq(setrlimit(RLIMIT_AS, &(struct rlimit){as, as}), 0);
	}
#endif
	ck_assert_int_eq(pdf_read((const unsigned char *)pdf->str, pdf->len, &lim, m, &error), 0);
	ck_assert_uint_eq(m->len, 1);
	ck_assert(member(m, 0)->flags & READER_MEMBER_TRUNCATED);
	ck_assert_uint_eq(g_bytes_get_size(member(m, 0)->data), 1 << 20);
	got = g_bytes_get_data(member(m, 0)->data, NULL);
	ck_assert(memcmp(got, "abc", 3) == 0);
	for (size_t i = 3; i < 1 << 20; i++)
		ck_assert_uint_eq(got[i], 0);
	g_ptr_array_unref(m);
	g_string_free(pdf, TRUE);
}
END_TEST

START_TEST(test_pdf_encrypted)
{
	int code;
	GPtrArray *m = pdf_mem("%PDF-1.4\n1 0 obj << /F (a) /EF << /F 2 0 R >> >> endobj\n"
	                       "2 0 obj << /Length 3 >> stream\nabc\nendstream endobj\n"
	                       "trailer << /Root 1 0 R /Encrypt 3 0 R >>\n",
	                       NULL, -1, NULL, &code);

	ck_assert_int_eq(code, READER_ERROR_ENCRYPTED);
	ck_assert_uint_eq(m->len, 1);
	ck_assert(member(m, 0)->flags & READER_MEMBER_ENCRYPTED);
	g_ptr_array_unref(m);
}
END_TEST

START_TEST(test_applefile)
{
	GBytes *payload = fixture_payload();
	GPtrArray *m = read_file(READERS "applesingle.as", applefile_read, 0);
	size_t len;
	char *data;
	GError *error = NULL;

	ck_assert_uint_eq(m->len, 2);
	ck_assert_str_eq(member(m, 0)->name, "invoice.exe");
	ck_assert(g_bytes_equal(member(m, 0)->data, payload));
	ck_assert_str_eq(member(m, 1)->name, "invoice.exe/rsrc");
	g_ptr_array_unref(m);
	/* AppleDouble: no data fork (it is the next MIME part), the resource fork */
	m = read_file(READERS "appledouble.ad", applefile_read, 0);
	ck_assert_uint_eq(m->len, 1);
	ck_assert_str_eq(member(m, 0)->name, "invoice.exe/rsrc");
	g_ptr_array_unref(m);
	/* cut short: the data fork is what is there, flagged truncated */
	data = testutil_read(READERS "applesingle.as", &len);
	m = reader_members_new();
	ck_assert_int_eq(applefile_read((unsigned char *)data, 200, NULL, m, &error), 0);
	ck_assert(member(m, 0)->flags & READER_MEMBER_TRUNCATED);
	g_ptr_array_unref(m);
	/* an entry count past the buffer */
	data[24] = 0x7f;
	m = reader_members_new();
	ck_assert_int_eq(applefile_read((unsigned char *)data, len, NULL, m, &error), -1);
	g_clear_error(&error);
	g_ptr_array_unref(m);
	g_free(data);
	g_bytes_unref(payload);
}
END_TEST

/* gpg in a private home; returns the path of what it wrote. */
static char *gpg(const char *args, const char *out)
{
	char *home = g_build_filename(tmp, "gnupg", NULL);
	char *path = g_build_filename(tmp, out, NULL);
	char *cmd;

	g_mkdir_with_parents(home, 0700);
	cmd = g_strdup_printf("cd '%s' && gpg --batch -q --homedir '%s' --yes %s > '%s'", tmp, home,
	                      args, path);
	sh(cmd);
	g_free(cmd);
	g_free(home);
	return path;
}

/* gpg -d writes the file of every message without a key; the member has the same bytes. */
START_TEST(test_openpgp_vs_gpg)
{
	static const char *const variants[] = {
	        "--store -o - payload.bin",
	        "-z 0 --store -o - payload.bin",
	        "-a --store -o - payload.bin",
	        "--compress-algo zlib --store -o - payload.bin",
	        "--compress-algo bzip2 --store -o - payload.bin",
	        "-z 0 --store < payload.bin", /* from a pipe: partial body lengths, no name */
	        "--compress-algo zlib --store < payload.bin",
	};
	GString *p = g_string_new(NULL);
	char *pp, *pp2, *msg, *ref, *dcmd;
	GPtrArray *m;
	size_t ref_len;

	for (int i = 0; i < 20000; i++)
		g_string_append_printf(p, "line %d of a harmless payload\n", i);
	pp = testutil_write_bytes(tmp, "payload.bin", p->str, p->len);
	msg = gpg(variants[_i], "msg.gpg");
	m = read_file(msg, openpgp_read, 0);
	dcmd = g_strdup_printf("-d '%s'", msg);
	ref = gpg(dcmd, "ref.out");
	g_free(dcmd);
	pp2 = ref;
	ref = testutil_read(pp2, &ref_len);
	g_free(pp2);
	ck_assert_uint_eq(m->len, 1);
	assert_bytes(member(m, 0)->data, ref, ref_len);
	assert_bytes(member(m, 0)->data, p->str, p->len);
	if (strchr(variants[_i], '<') == NULL)
		ck_assert_str_eq(member(m, 0)->name, "payload.bin");
	ck_assert_uint_eq(member(m, 0)->flags, 0);
	ck_assert(openpgp_probe(g_bytes_get_data(member(m, 0)->data, NULL), 0) == false);
	g_ptr_array_unref(m);
	g_free(ref);
	g_free(msg);
	g_free(pp);
	g_string_free(p, TRUE);
}
END_TEST

/* Armour inside a text; an encrypted message: no key, READER_ERROR_ENCRYPTED. */
START_TEST(test_openpgp_armored_text_and_encrypted)
{
	char *pp = testutil_write(tmp, "payload.bin", "hello from inside the armour\n");
	char *msg = gpg("-a --store -o - payload.bin", "msg.asc");
	size_t len;
	char *armor = testutil_read(msg, &len);
	char *text = g_strconcat("Hi,\n\nthe file is below.\n\n", armor, "\n-- \nme\n", NULL);
	GPtrArray *m = reader_members_new();
	GError *error = NULL;
	char *enc;

	ck_assert(openpgp_armored((unsigned char *)text, strlen(text)));
	ck_assert_int_eq(openpgp_read((unsigned char *)text, strlen(text), NULL, m, &error), 0);
	ck_assert_uint_eq(m->len, 1);
	assert_bytes(member(m, 0)->data, "hello from inside the armour\n", 29);
	g_ptr_array_unref(m);
	enc = gpg("--pinentry-mode loopback --passphrase secret -c -o - payload.bin", "enc.gpg");
	m = read_file(enc, openpgp_read, -1);
	ck_assert_uint_eq(m->len, 0);
	g_ptr_array_unref(m);
	g_free(enc);
	g_free(text);
	g_free(armor);
	g_free(msg);
	g_free(pp);
}
END_TEST

/* Nesting past OPENPGP_MAX_NESTING, a partial length claiming 1 GiB, a zlib bomb: limits. */
/*
 * The armour is found wherever it lies: at the start, at the very end, after dashes that are
 * not it (more than the probe tries one by one), and not when one character differs.
 */
START_TEST(test_openpgp_armored_where)
{
	static const char armor[] = "-----BEGIN PGP MESSAGE-----";
	static const size_t dashes[] = {0, 1, 5, 4095, 4096, 4097, 20000};
	const size_t n = sizeof(armor) - 1;

	for (size_t k = 0; k < G_N_ELEMENTS(dashes); k++) {
		GString *s = g_string_new("text ");
		char *bad;

		for (size_t i = 0; i < dashes[k]; i++)
			g_string_append(s, i % 7 == 6 ? "-----BEGIN PGP SIGNATURE" : "-");
		g_string_append(s, armor);
		ck_assert_msg(openpgp_armored((unsigned char *)s->str, s->len), "%zu", dashes[k]);
		ck_assert_msg(!openpgp_armored((unsigned char *)s->str, s->len - 1), "%zu",
		              dashes[k]);
		bad = g_strdup(s->str);
		bad[s->len - 2] = '+';
		ck_assert_msg(!openpgp_armored((unsigned char *)bad, s->len), "%zu", dashes[k]);
		g_free(bad);
		g_string_free(s, TRUE);
	}
	ck_assert(openpgp_armored((const unsigned char *)armor, n));
	ck_assert(!openpgp_armored((const unsigned char *)armor, n - 1));
	ck_assert(!openpgp_armored((const unsigned char *)armor + 1, n - 1));
	ck_assert(!openpgp_armored((const unsigned char *)"", 0));
}
END_TEST

/* A 7z start header (signature, version, CRC32 of the next 20 bytes) at d. */
static void sfx_7z_at(unsigned char *d)
{
	uLong crc;

	memcpy(d, "7z\xbc\xaf\x27\x1c\x00\x04", 8);
	for (int i = 12; i < 32; i++)
		d[i] = (unsigned char)(i * 37);
	crc = crc32(0, d + 12, 20);
	for (int i = 0; i < 4; i++)
		d[8 + i] = (unsigned char)(crc >> (8 * i));
}

/*
 * sfx: an archive's first header is found at every offset, among bytes that start a
 * signature ("Ra", "7z") without being one, near the end of the bytes too; and an executable
 * carrying signatures every few bytes, each before a RAR header claiming 64 KiB, is
 * unscannable, not checked for seconds and called clean.
 */
START_TEST(test_sfx_offsets)
{
	GPtrArray *m = reader_members_new();
	GError *error = NULL;
	struct msg_limits lim = {.max_member_bytes = 1 << 20};
	static const unsigned char unit[] = "Rar!\x1a\x07\x01\x00\x00\x00\x00\x00\xff\xff\x03\x01";
	static const unsigned char small[] = "Rar!\x1a\x07\x01\x00\x00\x00\x00\x00\x08"
	                                     "12345678";
	GByteArray *many = g_byte_array_new();

	for (size_t len = 96; len <= 160; len++) {
		for (size_t at = 64; at + 32 <= len; at++) {
			unsigned char *d = g_malloc(len);

			memset(d, 'R', len);
			memcpy(d, "MZ", 2);
			for (size_t i = 2; i < at; i += 3)
				memcpy(d + i, i % 2 ? "Ra" : "7z", MIN(2, at - i));
			sfx_7z_at(d + at);
			ck_assert_msg(sfx_probe(d, len), "len %zu at %zu", len, at);
			ck_assert_int_eq(sfx_read(d, len, &lim, m, &error), 0);
			ck_assert_uint_eq(m->len, 1);
			ck_assert_uint_eq(g_bytes_get_size(member(m, 0)->data), len - at);
			ck_assert_str_eq(member(m, 0)->name, "sfx.7z");
			g_ptr_array_set_size(m, 0);
			d[at + 12] ^= 1; /* the CRC no longer holds: no archive */
			ck_assert(!sfx_probe(d, len));
			g_free(d);
		}
	}
	g_byte_array_append(many, (const guint8 *)"MZ", 2);
	for (int i = 0; i < 62; i++)
		g_byte_array_append(many, (const guint8 *)"\0", 1);
	for (int i = 0; i < 65536; i++)
		g_byte_array_append(many, unit, sizeof(unit) - 1);
	ck_assert(sfx_probe(many->data, many->len));
	ck_assert_int_eq(sfx_read(many->data, many->len, &lim, m, &error), -1);
	ck_assert_int_eq(error->code, READER_ERROR_LIMIT);
	ck_assert_uint_eq(m->len, 0);
	g_clear_error(&error);
	/* signatures before a real archive, each before a header of 8 bytes whose CRC does not
	   hold (each check spends from the budget): found */
	g_byte_array_set_size(many, 64);
	for (int i = 0; i < 2000; i++)
		g_byte_array_append(many, small, sizeof(small) - 1);
	g_byte_array_set_size(many, many->len + 32);
	sfx_7z_at(many->data + many->len - 32);
	ck_assert_int_eq(sfx_read(many->data, many->len, &lim, m, &error), 0);
	ck_assert_uint_eq(m->len, 1);
	ck_assert_uint_eq(g_bytes_get_size(member(m, 0)->data), 32);
	g_byte_array_unref(many);
	g_ptr_array_unref(m);
}
END_TEST

START_TEST(test_openpgp_bombs)
{
	GByteArray *b = g_byte_array_new();
	GPtrArray *m = reader_members_new();
	GError *error = NULL;
	struct msg_limits lim = {.max_member_bytes = 1 << 20};
	size_t zero_len = 32u << 20;
	unsigned char *zeros, *z;
	uLongf zlen;

	for (int i = 0; i < 100; i++)
		g_byte_array_append(b, (const guint8 *)"\xa3\x00", 2); /* compressed, algo 0 */
	g_byte_array_append(b,
	                    (const guint8 *)"\xcb\x0a"
	                                    "b\x00\x00\x00\x00\x00xxxx",
	                    12);
	ck_assert_int_eq(openpgp_read(b->data, b->len, NULL, m, &error), -1);
	ck_assert_int_eq(error->code, READER_ERROR_LIMIT);
	g_clear_error(&error);
	g_byte_array_set_size(b, 0);
	/* new-format literal with a partial length of 2^30 and 10 bytes of body */
	g_byte_array_append(b,
	                    (const guint8 *)"\xcb\xfe"
	                                    "b\x00\x00\x00\x00\x00xxxx",
	                    12);
	ck_assert_int_eq(openpgp_read(b->data, b->len, NULL, m, &error), 0);
	ck_assert_uint_eq(m->len, 1);
	ck_assert(member(m, 0)->flags & READER_MEMBER_TRUNCATED);
	g_ptr_array_set_size(m, 0);
	/* a literal of 32 MiB of zeros in a zlib packet, max_member_bytes 1 MiB */
	zeros = g_malloc0(zero_len + 6);
	memcpy(zeros, "\xcb\xff", 2); /* bogus length bytes are fine: the stream is cut first */
	zlen = compressBound(zero_len + 6);
	z = g_malloc(zlen + 2);
	z[0] = 0xa3;
	z[1] = 2;
	ck_assert_int_eq(compress2(z + 2, &zlen, zeros, zero_len + 6, 9), Z_OK);
	g_free(zeros);
	ck_assert_int_eq(openpgp_read(z, zlen + 2, &lim, m, &error), -1);
	ck_assert_int_eq(error->code, READER_ERROR_LIMIT);
	g_clear_error(&error);
	g_free(z);
	g_ptr_array_unref(m);
	g_byte_array_unref(b);
}
END_TEST

START_TEST(test_html)
{
	GBytes *payload = fixture_payload();
	GPtrArray *m = read_file(READERS "smuggle.html", html_read, 0);
	const char *small = "<html><script>var x = atob('SGVsbG8sIHdvcmxkIQ==');</script>"
	                    "<img src=\"cid:logo\"></html>";
	GError *error = NULL;

	/* the atob() literal in three "+"-joined pieces, then the data: URI */
	ck_assert_uint_eq(m->len, 2);
	ck_assert_str_eq(member(m, 0)->name, "script1");
	ck_assert(member(m, 0)->flags & READER_MEMBER_SCRIPT);
	ck_assert(g_bytes_equal(member(m, 0)->data, payload));
	ck_assert_str_eq(member(m, 1)->name, "data1");
	ck_assert_uint_eq(member(m, 1)->flags, 0);
	ck_assert(g_bytes_equal(member(m, 1)->data, payload));
	g_ptr_array_unref(m);
	/* SVG: a base64 data: URI and a percent-encoded one */
	m = read_file(READERS "data.svg", html_read, 0);
	ck_assert_uint_eq(m->len, 2);
	ck_assert(g_bytes_equal(member(m, 0)->data, payload));
	ck_assert(g_bytes_equal(member(m, 1)->data, payload));
	g_ptr_array_unref(m);
	/* a short literal is not a candidate */
	m = reader_members_new();
	ck_assert_int_eq(html_read((const unsigned char *)small, strlen(small), NULL, m, &error),
	                 0);
	ck_assert_uint_eq(m->len, 0);
	g_ptr_array_unref(m);
	g_bytes_unref(payload);
}
END_TEST

/* members html_read() finds in s (default limits) */
static guint html_members(const char *s, size_t n)
{
	GPtrArray *m = reader_members_new();
	GError *error = NULL;
	guint count;

	(void)html_read((const unsigned char *)s, n, NULL, m, &error);
	count = m->len;
	g_clear_error(&error);
	g_ptr_array_unref(m);
	return count;
}

START_TEST(test_html_probe)
{
	static const char alphabet[] = "aZ09+/=\"'` \t\n+:,;dDaAtT<>%4x";
	GString *s = g_string_new("<html><body><p>");
	gchar *file;
	gsize n;

	/* ordinary HTML of any size is not read */
	while (s->len < 100000)
		g_string_append(s, "Please review the quarterly figures: see <a href=\"https://"
		                   "example.org/a?b=1\">the report</a> (2 + 2 = 4).\r\n");
	ck_assert(!html_probe((const unsigned char *)s->str, s->len));
	ck_assert_uint_eq(html_members(s->str, s->len), 0);
	/* each fixture is read */
	ck_assert(g_file_get_contents(READERS "smuggle.html", &file, &n, NULL));
	ck_assert(html_probe((const unsigned char *)file, n));
	g_free(file);
	ck_assert(g_file_get_contents(READERS "data.svg", &file, &n, NULL));
	ck_assert(html_probe((const unsigned char *)file, n));
	g_free(file);
	/* a data: URI in mixed case, in a short document */
	g_string_assign(s, "<img src=\"Data:text/plain;base64,SGVsbG8=\">");
	ck_assert_uint_eq(html_members(s->str, s->len), 1);
	ck_assert(html_probe((const unsigned char *)s->str, s->len));
	/* short literals joined with "+" */
	g_string_assign(s, "<script>x = atob(\"QUFB\"");
	for (int i = 0; i < 80; i++)
		g_string_append(s, " +\n 'QUFB'");
	g_string_append(s, ");</script>");
	ck_assert_uint_eq(html_members(s->str, s->len), 1);
	ck_assert(html_probe((const unsigned char *)s->str, s->len));
	/* a literal that reaches HTML_B64_MIN with its padding (found by fuzz_html) */
	g_string_assign(s, "x = '");
	for (int i = 0; i < HTML_B64_MIN - 2; i++)
		g_string_append_c(s, "QUFB"[i % 4]);
	g_string_append(s, "==';");
	ck_assert_uint_eq(html_members(s->str, s->len), 1);
	ck_assert(html_probe((const unsigned char *)s->str, s->len));
	/* a long literal, in prose */
	g_string_assign(s, "<p>text</p><div data-x='");
	for (int i = 0; i < HTML_B64_MIN; i++)
		g_string_append_c(s, "QUFB"[i % 4]);
	g_string_append(s, "'>");
	ck_assert_uint_eq(html_members(s->str, s->len), 1);
	ck_assert(html_probe((const unsigned char *)s->str, s->len));
	g_string_truncate(s, s->len - 3);
	g_string_erase(s, s->len - 1, 1);
	g_string_append(s, "'>");
	ck_assert_uint_eq(html_members(s->str, s->len), 0);
	/* whatever the reader finds, the probe lets through: random documents of those bytes */
	for (unsigned int round = 0; round < 20000; round++) {
		guint32 len = g_random_int_range(0, 700), p = g_random_int_range(1, 100);

		g_string_truncate(s, 0);
		for (guint32 i = 0; i < len; i++)
			g_string_append_c(
			        s, (guint32)g_random_int_range(0, 100) < p
			                   ? alphabet[g_random_int_range(0, sizeof(alphabet) - 1)]
			                   : "QUFB"[i % 4]);
		if (!html_probe((const unsigned char *)s->str, s->len))
			ck_assert_msg(html_members(s->str, s->len) == 0, "probe misses: %s",
			              s->str);
	}
	g_string_free(s, TRUE);
}
END_TEST

static Suite *readers_suite(void)
{
	Suite *s = suite_create("readers");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_pdf_vs_pdfdetach, 0, 8);
	tcase_add_test(tc, test_rtf_objdata);
	tcase_add_test(tc, test_pdf_self_reference);
	tcase_add_test(tc, test_pdf_redefined);
	tcase_add_loop_test(tc, test_pdf_update, 0, 3);
	tcase_add_test(tc, test_pdf_malformed);
	tcase_add_test(tc, test_pdf_huge_stream);
	tcase_add_test(tc, test_pdf_predictor_claim);
	tcase_add_test(tc, test_pdf_encrypted);
	tcase_add_test(tc, test_applefile);
	tcase_add_loop_test(tc, test_openpgp_vs_gpg, 0, 7);
	tcase_add_test(tc, test_openpgp_armored_text_and_encrypted);
	tcase_add_test(tc, test_openpgp_armored_where);
	tcase_add_test(tc, test_openpgp_bombs);
	tcase_add_test(tc, test_sfx_offsets);
	tcase_add_test(tc, test_html);
	tcase_add_test(tc, test_html_probe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(readers_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
