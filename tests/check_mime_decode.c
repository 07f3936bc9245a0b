/*
 * libcheck suite: mime_decode — the decoders (base64 against GLib on random input and line
 * layouts, quoted-printable, uuencode), uuencoded blocks in text, the TNEF reader (ClamAV's
 * clam.tnef, and every truncation of it), the mbox iterator.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mime/ctx.h"
#include "mime/decode.h"
#include "mime/tnef.h"
#include "mime/uuencode.h"
#include "tests/lib/testutil.h"

static size_t dec(enum mime_enc enc, const char *in, char *out, size_t cap, unsigned int *flags)
{
	return mime_decode(enc, (const unsigned char *)in, strlen(in), (unsigned char *)out, cap,
	                   flags);
}

/* base64 of random bytes in random line layouts decodes to the bytes, never past cap */
START_TEST(test_base64_random)
{
	GRand *r = g_rand_new_with_seed(7);

	for (int round = 0; round < 300; round++) {
		size_t n = (size_t)g_rand_int_range(r, 0, 5000),
		       width = 4 * g_rand_int_range(r, 1, 30);
		unsigned char *raw = g_malloc(n + 1), *out = g_malloc(n + 8);
		char *b;
		GString *s = g_string_new(NULL);
		const char *eol = round % 3 == 0 ? "\n" : round % 3 == 1 ? "\r\n" : " \r\n";
		unsigned int flags;
		size_t got, cap;

		for (size_t i = 0; i < n; i++)
			raw[i] = (unsigned char)g_rand_int(r);
		b = g_base64_encode(raw, n);
		for (size_t i = 0; i < strlen(b); i += width) {
			g_string_append_len(s, b + i, (gssize)MIN(width, strlen(b) - i));
			g_string_append(s, eol);
		}
		got = mime_decode_base64((unsigned char *)s->str, s->len, out, n + 4, &flags);
		ck_assert_uint_eq(got, n);
		ck_assert_uint_eq(flags, 0);
		ck_assert(memcmp(out, raw, n) == 0);
		/* a smaller buffer: exactly cap bytes, the right ones, and FULL */
		cap = n / 2;
		memset(out, 0xaa, n + 8);
		got = mime_decode_base64((unsigned char *)s->str, s->len, out, cap, &flags);
		ck_assert_uint_eq(got, cap);
		ck_assert(n == 0 || (flags & MIME_DECODE_FULL));
		ck_assert(memcmp(out, raw, cap) == 0);
		for (size_t i = cap + MIME_DECODE_SLACK; i < n + 8; i++)
			ck_assert_uint_eq(out[i], 0xaa);
		g_string_free(s, TRUE);
		g_free(b);
		g_free(raw);
		g_free(out);
	}
	g_rand_free(r);
}
END_TEST

START_TEST(test_base64_edges)
{
	char out[64];
	unsigned int flags;

	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "aGVsbG8=", out, 60, &flags), 5);
	ck_assert(memcmp(out, "hello", 5) == 0 && flags == 0);
	/* no padding: taken as if padded */
	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "aGVsbG8", out, 60, &flags), 5);
	ck_assert_uint_eq(flags, 0);
	/* junk characters are skipped and flagged */
	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "aGV*sbG8=", out, 60, &flags), 5);
	ck_assert(memcmp(out, "hello", 5) == 0);
	ck_assert_uint_eq(flags, MIME_DECODE_BAD);
	/* data after padding: decoded as a new run, flagged */
	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "aGk=\r\naGk=", out, 60, &flags), 4);
	ck_assert(memcmp(out, "hihi", 4) == 0);
	ck_assert_uint_eq(flags, MIME_DECODE_BAD | MIME_DECODE_PAD);
	/* a lone character at the end */
	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "aGVsbG8hI", out, 60, &flags), 6);
	ck_assert_uint_eq(flags, MIME_DECODE_BAD);
	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "", out, 60, &flags), 0);
	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "\r\n\r\n====", out, 60, &flags), 0);
}
END_TEST

START_TEST(test_qp)
{
	char out[128];
	unsigned int flags;
	size_t n;

	n = dec(MIME_ENC_QP, "caf=C3=A9 =3D soft=\r\nbreak=  \nend=", out, sizeof(out), &flags);
	ck_assert_uint_eq(n, strlen("caf\xc3\xa9 = softbreakend"));
	ck_assert(memcmp(out, "caf\xc3\xa9 = softbreakend", n) == 0);
	ck_assert_uint_eq(flags, 0);
	n = dec(MIME_ENC_QP, "50=%off =e9", out, sizeof(out), &flags);
	ck_assert(memcmp(out, "50=%off \xe9", n) == 0);
	ck_assert_uint_eq(flags, MIME_DECODE_BAD);
	n = dec(MIME_ENC_QP, "abcdef", out, 3, &flags);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(flags, MIME_DECODE_FULL);
}
END_TEST

/* uuencode as uuencode(1) writes it, with '`' for zero. */
static char *uuencode(const unsigned char *d, size_t n, const char *name)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "begin 644 %s\n", name);
	for (size_t i = 0; i < n; i += 45) {
		size_t k = MIN(45, n - i);

		g_string_append_c(s, (char)(32 + k));
		for (size_t j = 0; j < k; j += 3) {
			unsigned int v = (unsigned int)d[i + j] << 16 |
			                 (j + 1 < k ? (unsigned int)d[i + j + 1] << 8 : 0) |
			                 (j + 2 < k ? d[i + j + 2] : 0);

			for (int b = 18; b >= 0; b -= 6) {
				unsigned int c = (v >> b) & 63;

				g_string_append_c(s, c == 0 ? '`' : (char)(32 + c));
			}
		}
		g_string_append_c(s, '\n');
	}
	g_string_append(s, "`\nend\n");
	return g_string_free(s, FALSE);
}

START_TEST(test_uuencode)
{
	unsigned char raw[1000], out[1100];
	char *text, *uu;
	struct mime_uu_block b;
	unsigned int flags;
	size_t pos = 0, n;

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 7 + 3);
	uu = uuencode(raw, sizeof(raw), "data file.bin");
	text = g_strconcat("Hello,\nbegin here is not a block\nbeginner\n\n", uu, "\nbye\n", NULL);
	ck_assert(mime_uu_next((unsigned char *)text, strlen(text), &pos, &b));
	ck_assert_str_eq(b.name, "data file.bin");
	ck_assert(b.closed && !b.base64);
	ck_assert_uint_eq(b.end - b.begin, strlen(uu));
	n = mime_decode(MIME_ENC_UU, (unsigned char *)text + b.begin, b.end - b.begin, out,
	                sizeof(out), &flags);
	ck_assert_uint_eq(n, sizeof(raw));
	ck_assert_uint_eq(flags, 0);
	ck_assert(memcmp(out, raw, n) == 0);
	ck_assert(!mime_uu_next((unsigned char *)text, strlen(text), &pos, &b));
	/* no "end": the block stops at the first line that is not uuencoded data */
	g_free(text);
	text = g_strconcat("begin 600 x\n", "#86)C\n", "and text again\n", NULL);
	pos = 0;
	ck_assert(mime_uu_next((unsigned char *)text, strlen(text), &pos, &b));
	ck_assert(!b.closed);
	ck_assert_uint_eq(b.end, strlen("begin 600 x\n#86)C\n"));
	n = mime_decode(MIME_ENC_UU, (unsigned char *)text, b.end, out, sizeof(out), &flags);
	ck_assert_uint_eq(n, 3);
	ck_assert(memcmp(out, "abc", 3) == 0);
	ck_assert(mime_uu_begin_line((unsigned char *)"begin-base64 644 f", 18));
	ck_assert(!mime_uu_begin_line((unsigned char *)"begin 64 f", 10));
	ck_assert(!mime_uu_begin_line((unsigned char *)"begin 644", 9));
	g_free(text);
	g_free(uu);
}
END_TEST

START_TEST(test_tnef_clam)
{
	char *path = testutil_clamav_file("clam.tnef"),
	     *exe_path = testutil_clamav_file("clam.exe");
	size_t len, exe_len;
	char *data = testutil_read(path, &len), *exe = testutil_read(exe_path, &exe_len);
	struct mime_tnef_iter it;
	struct mime_tnef_att att;

	ck_assert(mime_tnef_init(&it, (unsigned char *)data, len));
	ck_assert_int_eq(mime_tnef_next(&it, &att), 1);
	ck_assert_uint_eq(att.size, exe_len);
	ck_assert(memcmp(att.data, exe, exe_len) == 0);
	ck_assert_uint_eq(att.title_len, 8);
	ck_assert(memcmp(att.title, "clam.exe", 8) == 0);
	ck_assert_int_eq(mime_tnef_next(&it, &att), 0);
	ck_assert_uint_eq(it.codepage, 1250);
	/* every truncation: bounded, no crash, the attachment only when it is complete */
	for (size_t cut = 0; cut < len; cut++) {
		int r, n = 0;

		if (!mime_tnef_init(&it, (unsigned char *)data, cut))
			continue;
		while ((r = mime_tnef_next(&it, &att)) == 1) {
			ck_assert((const char *)att.data + att.size <= data + cut);
			n++;
		}
		ck_assert_int_le(n, 1);
	}
	ck_assert(!mime_tnef_init(&it, (unsigned char *)"MZ", 2));
	g_free(data);
	g_free(exe);
	g_free(path);
	g_free(exe_path);
}
END_TEST

START_TEST(test_mbox)
{
	static const char box[] =
	        "From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nbody one\n"
	        "From here on, not a separator\n\n"
	        "From c@d Mon Jan  1 00:00:01 2024\r\nSubject: two\r\n\r\nbody\r\n"
	        "\r\nFrom e@f Mon Jan  1 00:00:02 2024\nSubject: three\n";
	struct msg_mbox_iter it;
	const unsigned char *m;
	size_t n;

	msg_mbox_init(&it, (const unsigned char *)box, sizeof(box) - 1);
	ck_assert_int_eq(msg_mbox_next(&it, &m, &n), 1);
	ck_assert(g_str_has_prefix((const char *)m, "Subject: one\n"));
	ck_assert_uint_eq(n, strlen("Subject: one\n\nbody one\nFrom here on, not a separator\n"));
	ck_assert_int_eq(msg_mbox_next(&it, &m, &n), 1);
	ck_assert_uint_eq(n, strlen("Subject: two\r\n\r\nbody\r\n"));
	ck_assert_int_eq(msg_mbox_next(&it, &m, &n), 1);
	ck_assert_uint_eq(n, strlen("Subject: three\n"));
	ck_assert_int_eq(msg_mbox_next(&it, &m, &n), 0);
	ck_assert_uint_eq(it.index, 3);
	/* not an mbox: the whole buffer is one message */
	msg_mbox_init(&it, (const unsigned char *)"Subject: x\n\ny\n", 14);
	ck_assert_int_eq(msg_mbox_next(&it, &m, &n), 1);
	ck_assert_uint_eq(n, 14);
	ck_assert_int_eq(msg_mbox_next(&it, &m, &n), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mime_decode");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_base64_random);
	tcase_add_test(tc, test_base64_edges);
	tcase_add_test(tc, test_qp);
	tcase_add_test(tc, test_uuencode);
	tcase_add_test(tc, test_tnef_clam);
	tcase_add_test(tc, test_mbox);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
