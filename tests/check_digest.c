/* libcheck suite: digest — known vectors, one pass == separate passes, incremental, hex. */

#include <check.h>
#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/digest.h"

static const char *hex_of(const struct digest_set *d, enum digest_type t, char *buf)
{
	return digest_hex(digest_get(d, t), digest_len(t), buf);
}

START_TEST(test_vectors)
{
	struct digest_set d;
	char hex[DIGEST_MAX_HEX];

	ck_assert_int_eq(digest_compute((const unsigned char *)"abc", 3, DIGEST_ALL, &d), 0);
	ck_assert_uint_eq(d.mask, DIGEST_ALL);
	ck_assert_str_eq(hex_of(&d, DIGEST_MD5, hex), "900150983cd24fb0d6963f7d28e17f72");
	ck_assert_str_eq(hex_of(&d, DIGEST_SHA1, hex), "a9993e364706816aba3e25717850c26c9cd0d89d");
	ck_assert_str_eq(hex_of(&d, DIGEST_SHA256, hex),
	                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(digest_compute((const unsigned char *)"", 0, DIGEST_BIT(DIGEST_MD5), &d),
	                 0);
	ck_assert_str_eq(hex_of(&d, DIGEST_MD5, hex), "d41d8cd98f00b204e9800998ecf8427e");
}
END_TEST

START_TEST(test_only_what_is_asked)
{
	struct digest_set d;

	ck_assert_int_eq(
	        digest_compute((const unsigned char *)"abc", 3, DIGEST_BIT(DIGEST_SHA1), &d), 0);
	ck_assert_uint_eq(d.mask, DIGEST_BIT(DIGEST_SHA1));
	ck_assert_int_eq(digest_compute((const unsigned char *)"abc", 3, 0, &d), 0);
	ck_assert_uint_eq(d.mask, 0);
}
END_TEST

START_TEST(test_one_pass_equals_separate)
{
	size_t n = 3 * 65536 + 12345; /* crosses the block size several times */
	unsigned char *buf = malloc(n);
	struct digest_set all, one;

	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)(i * 31 + (i >> 8));
	ck_assert_int_eq(digest_compute(buf, n, DIGEST_ALL, &all), 0);
	for (int t = 0; t < DIGEST__COUNT; t++) {
		ck_assert_int_eq(digest_compute(buf, n, DIGEST_BIT(t), &one), 0);
		ck_assert_mem_eq(digest_get(&all, t), digest_get(&one, t), digest_len(t));
	}
	/* and each is right (GLib's own checksums) across the block boundaries */
	for (int t = 0; t < DIGEST__COUNT; t++) {
		static const GChecksumType types[DIGEST__COUNT] = {G_CHECKSUM_MD5, G_CHECKSUM_SHA1,
		                                                   G_CHECKSUM_SHA256};
		char *want = g_compute_checksum_for_data(types[t], buf, n);
		char hex[2 * 32 + 1];

		digest_hex(digest_get(&all, t), digest_len(t), hex);
		ck_assert_str_eq(hex, want);
		g_free(want);
	}
	free(buf);
}
END_TEST

START_TEST(test_hex)
{
	unsigned char out[4];
	enum digest_type t;

	ck_assert_int_eq(digest_unhex("00fFa9", 3, out), 0);
	ck_assert_uint_eq(out[0], 0x00);
	ck_assert_uint_eq(out[1], 0xff);
	ck_assert_uint_eq(out[2], 0xa9);
	ck_assert_int_eq(digest_unhex("0g", 1, out), -1);
	ck_assert_int_eq(digest_unhex(" 1", 1, out), -1);
	ck_assert_int_eq(digest_type_from_hexlen(32, &t), 0);
	ck_assert_int_eq(t, DIGEST_MD5);
	ck_assert_int_eq(digest_type_from_hexlen(40, &t), 0);
	ck_assert_int_eq(t, DIGEST_SHA1);
	ck_assert_int_eq(digest_type_from_hexlen(64, &t), 0);
	ck_assert_int_eq(t, DIGEST_SHA256);
	ck_assert_int_eq(digest_type_from_hexlen(33, &t), -1);
	ck_assert_str_eq(digest_name(DIGEST_SHA256), "sha256");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("digest");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_only_what_is_asked);
	tcase_add_test(tc, test_one_pass_equals_separate);
	tcase_add_test(tc, test_hex);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
