/*
 * libcheck suite: archive_memory — max_decoder_memory. Compressed streams whose headers claim
 * a large dictionary or window are not opened beyond the limit (an xz block header patched to
 * claim 512 MiB, an lzma header, a zstd frame with a 64 MiB window written by hand, also behind
 * a skippable frame), the claims of the levels open at once add up (xz in xz), and the same
 * streams are read when the limit allows them (the patched headers are valid); a 7z archive's LZMA2 coder claiming
 * 512 MiB likewise, and a zip member's PPMd model. Streams are made here with liblzma, the 7z
 * with libarchive, the PPMd zip with 7z.
 */

#include <check.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>

#include "mime/archive_private.h"
#include "mime/msgscan.h"
#include "tests/lib/testscan.h"
#include "tests/lib/testutil.h"

#define MIB (1024u * 1024u)

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

/* The LZMA2 dictionary-size byte of a size 2^n or 3 * 2^(n-1) (n >= 12). */
static unsigned char lzma2_dict_byte(uint64_t dict)
{
	for (unsigned char b = 0; b < 40; b++) {
		if (((uint64_t)(2 | (b & 1)) << (b / 2 + 11)) == dict)
			return b;
	}
	ck_abort_msg("no LZMA2 code for %" G_GUINT64_FORMAT, dict);
	return 0;
}

/*
 * xz of data (preset 0, one block), its block header then made to claim a dictionary of dict
 * bytes (the header's CRC32 written again): a valid stream any decoder reads, if it gives
 * the memory.
 */
static GByteArray *xz_claiming(const void *data, size_t len, uint64_t dict)
{
	GByteArray *out = g_byte_array_sized_new((guint)len + 256);
	size_t pos = 0, hsize, p;
	uint32_t crc;

	g_byte_array_set_size(out, (guint)len + 256);
	ck_assert_int_eq(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, NULL, data, len, out->data,
	                                         &pos, out->len),
	                 LZMA_OK);
	g_byte_array_set_size(out, (guint)pos);
	/* stream header (12), block header: size, flags, the sizes (varints), LZMA2 (0x21) */
	hsize = (out->data[12] + 1u) * 4u;
	p = 14;
	for (unsigned int bit = 0x40; bit <= 0x80; bit <<= 1) {
		if (out->data[13] & bit) {
			while (out->data[p] & 0x80)
				p++;
			p++;
		}
	}
	ck_assert_uint_eq(out->data[13] & 3, 0); /* one filter */
	ck_assert_uint_eq(out->data[p], 0x21);
	ck_assert_uint_eq(out->data[p + 1], 0x01);
	out->data[p + 2] = lzma2_dict_byte(dict);
	crc = lzma_crc32(out->data + 12, hsize - 4, 0);
	for (size_t i = 0; i < 4; i++)
		out->data[12 + hsize - 4 + i] = (unsigned char)(crc >> (8 * i));
	return out;
}

/* A zstd frame of raw blocks written by hand, its window descriptor claiming 2^wlog bytes. */
static GByteArray *zstd_claiming(const void *data, size_t len, unsigned int wlog)
{
	GByteArray *out = g_byte_array_new();
	unsigned char head[6] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, (unsigned char)((wlog - 10) << 3)};
	uint32_t bh = (uint32_t)len << 3 | 1; /* raw block, the last */
	unsigned char b3[3] = {(unsigned char)bh, (unsigned char)(bh >> 8),
	                       (unsigned char)(bh >> 16)};

	g_byte_array_append(out, head, sizeof(head));
	g_byte_array_append(out, b3, 3);
	g_byte_array_append(out, data, (guint)len);
	return out;
}

static struct msg_report *scan(const char *name, const GByteArray *b, uint64_t max_mem)
{
	struct msg_limits lim = {.max_decoder_memory = max_mem};

	return testscan_attachment(db, name, b->data, b->len, &lim);
}

static bool noted(const struct msg_report *r, const char *what)
{
	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		if (p->note != NULL && strstr(p->note, what) != NULL)
			return true;
	}
	return false;
}

/* over the limit: unscannable, the limit named; within it: read, found */
static void check_stream(const char *name, const GByteArray *b, uint64_t under, uint64_t over)
{
	struct msg_report *r = scan(name, b, under);
	const char *reason = NULL;

	ck_assert_msg(msg_report_unscannable(r, &reason), "%s opened", name);
	ck_assert(r->flags & MSG_LIMIT_ARCHIVE);
	ck_assert_msg(noted(r, "max_decoder_memory"), "%s: no note", name);
	ck_assert_uint_eq(msg_report_infected(r), 0);
	msg_report_free(&r);
	r = scan(name, b, over);
	ck_assert_msg(msg_report_infected(r) == 1, "%s not read with the memory", name);
	ck_assert(!noted(r, "max_decoder_memory"));
	msg_report_free(&r);
}

START_TEST(test_xz_claim)
{
	GByteArray *b = xz_claiming(clam, clam_len, 512ull * MIB);

	/* the default (256 MiB) refuses it; 1 GiB allows it */
	check_stream("clam.exe.xz", b, 0, 1024ull * MIB);
	g_byte_array_unref(b);
}
END_TEST

START_TEST(test_lzma_claim)
{
	lzma_options_lzma opt;
	lzma_stream s = LZMA_STREAM_INIT;
	GByteArray *b = g_byte_array_new();

	g_byte_array_set_size(b, (guint)clam_len + 256);
	ck_assert(!lzma_lzma_preset(&opt, 0));
	ck_assert_int_eq(lzma_alone_encoder(&s, &opt), LZMA_OK);
	s.next_in = (const uint8_t *)clam;
	s.avail_in = clam_len;
	s.next_out = b->data;
	s.avail_out = b->len;
	ck_assert_int_eq(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
	g_byte_array_set_size(b, (guint)s.total_out);
	lzma_end(&s);
	/* the header's dictionary size (bytes 1-4): 128 MiB, the most libarchive's reader takes */
	b->data[1] = 0, b->data[2] = 0, b->data[3] = 0, b->data[4] = 0x08;
	check_stream("clam.exe.lzma", b, 64 * MIB, 0);
	g_byte_array_unref(b);
}
END_TEST

START_TEST(test_zstd_claim)
{
	GByteArray *b = zstd_claiming(clam, clam_len, 26); /* 64 MiB */

	check_stream("clam.exe.zst", b, 32 * MIB, 0);
	/* behind a skippable frame (as pzstd writes it), the frame's window still counts */
	g_byte_array_prepend(b, (const guint8 *)"P*M\x18\x04\0\0\0tag1", 12);
	check_stream("clam.exe.zst", b, 32 * MIB, 0);
	g_byte_array_unref(b);
}
END_TEST

/*
 * The claim of a stream's headers read within its bytes: a skippable frame's magic with no room
 * for its size (7 bytes: the lz4 walk read the size field first, one byte past the end under
 * ASan), and every shorter cut, in buffers of exactly their length.
 */
START_TEST(test_claim_short_skippable)
{
	static const unsigned char skip[] = {0x50, 0x2a, 0x4d, 0x18, 0x04, 0x00, 0x00};
	static const enum ftype types[] = {FTYPE_LZ4, FTYPE_ZSTD};

	for (size_t t = 0; t < G_N_ELEMENTS(types); t++) {
		for (size_t n = 1; n <= sizeof(skip); n++) {
			unsigned char *d = g_memdup2(skip, n);

			(void)mime_archive_decoder_memory(types[t], d, n);
			g_free(d);
		}
	}
}
END_TEST

static void put_le(unsigned char *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* The 7z start header's CRCs written again (the next header's, then its own). */
static void sevenz_crcs(GByteArray *b)
{
	uint64_t off = 0, size = 0;

	for (unsigned int i = 0; i < 8; i++) {
		off |= (uint64_t)b->data[12 + i] << (8 * i);
		size |= (uint64_t)b->data[20 + i] << (8 * i);
	}
	ck_assert_uint_le(32 + off + size, b->len);
	put_le(b->data + 28, lzma_crc32(b->data + 32 + off, (size_t)size, 0), 4);
	put_le(b->data + 8, lzma_crc32(b->data + 12, 20, 0), 4);
}

/*
 * A 7z archive (libarchive's writer, LZMA2, a plain header) whose coder's properties then
 * claim a dictionary of 512 MiB: not opened with the default limit, read with 1 GiB; cut
 * before the end of its header, it is not opened either (what it claims cannot be known).
 */
START_TEST(test_7z_claim)
{
	struct testscan_member m = {"clam.exe", clam, clam_len};
	GBytes *z = testscan_build("7zip", NULL, "7zip:compression=lzma2", NULL, &m, 1);
	GByteArray *b = g_byte_array_new();
	struct msg_report *r;
	size_t len;
	const unsigned char *d = g_bytes_get_data(z, &len), *at;

	g_byte_array_append(b, d, (guint)len);
	g_bytes_unref(z);
	/* the coder: flags 0x21 (a one-byte id with properties), LZMA2 (0x21), one byte */
	at = memmem(b->data + 32, b->len - 32, "\041\041\001", 3);
	ck_assert_ptr_nonnull(at);
	b->data[at - b->data + 3] = lzma2_dict_byte(512ull * MIB);
	sevenz_crcs(b);
	check_stream("clam.7z", b, 0, 1024ull * MIB);
	g_byte_array_set_size(b, b->len - 1);
	r = scan("cut.7z", b, 1024ull * MIB);
	ck_assert(msg_report_unscannable(r, NULL));
	ck_assert(noted(r, "7z stream whose decoder memory cannot be known"));
	msg_report_free(&r);
	g_byte_array_unref(b);
}
END_TEST

/*
 * A zip member compressed with PPMd (7z -mm=PPMd), its header made to ask for a 256 MiB model
 * (7-Zip sizes the model down to the file; more memory decodes small data the same, as 7z t
 * says): over the default limit with what the decoder needs beside the model, read at 1 GiB.
 * The same zip without its central directory is read by streaming, from the local header.
 * Before, PPMd members were not counted at all.
 */
START_TEST(test_zip_ppmd_claim)
{
	char *exe = g_build_filename(tmp, "clam.exe", NULL),
	     *zip = g_build_filename(tmp, "p.zip", NULL);
	char *argv[] = {"7z", "a", "-bd", "-tzip", "-mm=PPMd", zip, exe, NULL};
	char *test[] = {"7z", "t", "-bd", zip, NULL};
	int status = -1;
	size_t len, at;
	char *d;
	GByteArray *b = g_byte_array_new();
	unsigned char *cd;

	ck_assert(g_file_set_contents(exe, clam, (gssize)clam_len, NULL));
	ck_assert(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
	                       NULL, NULL, NULL, NULL, &status, NULL));
	ck_assert(g_spawn_check_wait_status(status, NULL));
	d = testutil_read(zip, &len);
	g_byte_array_append(b, (const guint8 *)d, (guint)len);
	g_free(d);
	/* the local header: method 98, then the data's first two bytes, the model's MiB less one */
	ck_assert(b->len > 34 && memcmp(b->data, "PK\003\004", 4) == 0);
	ck_assert_uint_eq(b->data[8], 98);
	at = 30 + (size_t)(b->data[26] | b->data[27] << 8) +
	     (size_t)(b->data[28] | b->data[29] << 8);
	b->data[at] = (unsigned char)((b->data[at] & 0x0f) | 0xf0);
	b->data[at + 1] = (unsigned char)((b->data[at + 1] & 0xf0) | 0x0f);
	ck_assert(g_file_set_contents(zip, (const char *)b->data, b->len, NULL));
	ck_assert(g_spawn_sync(NULL, test, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
	                       NULL, NULL, NULL, NULL, &status, NULL));
	ck_assert_msg(g_spawn_check_wait_status(status, NULL),
	              "7z t: the patched zip is not valid");
	check_stream("clam.zip", b, 0, 1024ull * MIB);
	/* without the central directory (and its end): the streaming reading */
	cd = memmem(b->data, b->len, "PK\001\002", 4);
	ck_assert_ptr_nonnull(cd);
	g_byte_array_set_size(b, (guint)(cd - b->data));
	check_stream("stream.zip", b, 0, 1024ull * MIB);
	g_byte_array_unref(b);
	g_free(exe);
	g_free(zip);
}
END_TEST

/* xz (128 MiB) in xz (192 MiB): each within 256 MiB alone, not together */
START_TEST(test_levels_add_up)
{
	GByteArray *inner = xz_claiming(clam, clam_len, 128ull * MIB);
	GByteArray *outer = xz_claiming(inner->data, inner->len, 192ull * MIB);
	struct msg_report *r;

	r = scan("clam.exe.xz", inner, 0);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	msg_report_free(&r);
	r = scan("clam.exe.xz.xz", outer, 0);
	ck_assert(msg_report_unscannable(r, NULL));
	ck_assert(noted(r, "max_decoder_memory: xz stream claiming 1342"));
	ck_assert(noted(r, " (201"));
	ck_assert(noted(r, "claimed around it, limit 268435456"));
	ck_assert_uint_eq(msg_report_infected(r), 0);
	msg_report_free(&r);
	r = scan("clam.exe.xz.xz", outer, 400ull * MIB);
	ck_assert_uint_eq(msg_report_infected(r), 1);
	msg_report_free(&r);
	g_byte_array_unref(inner);
	g_byte_array_unref(outer);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("archive_memory");
	TCase *tc = tcase_create("memory");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_xz_claim);
	tcase_add_test(tc, test_lzma_claim);
	tcase_add_test(tc, test_zstd_claim);
	tcase_add_test(tc, test_claim_short_skippable);
	tcase_add_test(tc, test_7z_claim);
	tcase_add_test(tc, test_zip_ppmd_claim);
	tcase_add_test(tc, test_levels_add_up);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
