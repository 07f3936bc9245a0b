/* libcheck suite: fmap and json — byte views and the JSON writer. */

#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/fmap.h"
#include "engine/json.h"
#include "tests/lib/testutil.h"

START_TEST(test_fmap_mem_and_need)
{
	struct fmap m;

	fmap_init_mem(&m, "hello world", 11);
	ck_assert_mem_eq(fmap_need(&m, 6, 5), "world", 5);
	ck_assert_ptr_null(fmap_need(&m, 6, 6));
	ck_assert_ptr_null(fmap_need(&m, 12, 0));
	ck_assert_ptr_nonnull(fmap_need(&m, 11, 0));
	ck_assert_ptr_null(fmap_need(&m, SIZE_MAX, 2)); /* no overflow in the bounds check */
	ck_assert_ptr_null(fmap_need(&m, 2, SIZE_MAX));
	ck_assert_ptr_nonnull(fmap_need(&m, 0, 11));
	fmap_close(&m);
	fmap_close(NULL);
}
END_TEST

START_TEST(test_fmap_files)
{
	char *dir = testutil_tmpdir();
	char *p = testutil_write(dir, "f", "0123456789");
	char *e = testutil_write(dir, "empty", "");
	struct fmap m;
	GError *error = NULL;

	ck_assert_int_eq(fmap_open_file(p, &m, &error), 0);
	ck_assert_uint_eq(m.size, 10);
	ck_assert_mem_eq(m.data, "0123456789", 10);
	fmap_close(&m);
	ck_assert_ptr_null(m.data);
	ck_assert_int_eq(fmap_open_file(e, &m, &error), 0);
	ck_assert_uint_eq(m.size, 0);
	fmap_close(&m);
	ck_assert_int_eq(fmap_open_file("/nonexistent/x", &m, &error), -1);
	ck_assert_ptr_nonnull(strstr(error->message, "/nonexistent/x"));
	g_clear_error(&error);
	/* streams, with and without a limit */
	{
		int fd = open(p, O_RDONLY);
		ck_assert_int_eq(fmap_read_fd(fd, 0, NULL, &m, &error), 0);
		ck_assert_uint_eq(m.size, 10);
		fmap_close(&m);
		close(fd);
		fd = open(p, O_RDONLY);
		ck_assert_int_eq(fmap_read_fd(fd, 5, NULL, &m, &error), -1);
		g_clear_error(&error);
		close(fd);
		/* capped: what fits, and whether there was more */
		for (size_t i = 0; i < 4; i++) {
			static const size_t caps[] = {5, 9, 10, 20}, sizes[] = {5, 9, 10, 10};
			bool over = false;

			fd = open(p, O_RDONLY);
			ck_assert_int_eq(fmap_read_fd(fd, caps[i], &over, &m, &error), 0);
			ck_assert_uint_eq(m.size, sizes[i]);
			ck_assert_mem_eq(m.data, "0123456789", sizes[i]);
			ck_assert(over == (caps[i] < 10));
			fmap_close(&m);
			close(fd);
		}
	}
	testutil_rmdir(dir);
	g_free(dir);
	g_free(p);
	g_free(e);
}
END_TEST

START_TEST(test_json_writer)
{
	GString *out = g_string_new(NULL);
	struct json j;

	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_string(&j, "s", "a\"b\\c\n\t\x01");
	json_uint(&j, "u", 18446744073709551615ull);
	json_int(&j, "i", -5);
	json_bool(&j, "b", true);
	json_null(&j, "n");
	json_string(&j, "null", NULL);
	json_begin_array(&j, "a");
	json_uint(&j, NULL, 1);
	json_begin_object(&j, NULL);
	json_end_object(&j);
	json_string(&j, NULL, "x");
	json_end_array(&j);
	json_double(&j, "d", 1.5);
	json_end_object(&j);
	ck_assert_str_eq(out->str,
	                 "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\",\"u\":18446744073709551615,"
	                 "\"i\":-5,\"b\":true,\"n\":null,\"null\":null,\"a\":[1,{},\"x\"],"
	                 "\"d\":1.500}");
	g_string_free(out, TRUE);
}
END_TEST

START_TEST(test_json_utf8)
{
	GString *out = g_string_new(NULL);

	/* valid UTF-8 passes through; a stray byte becomes \u00XX; overlong / truncated too */
	json_append_escaped(out, "caf\xc3\xa9 \xff \xc0\xaf \xe2\x82", 13);
	ck_assert_str_eq(out->str, "\"caf\xc3\xa9 \\u00ff \\u00c0\\u00af \\u00e2\\u0082\"");
	ck_assert(g_utf8_validate(out->str, -1, NULL));
	g_string_free(out, TRUE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_fmap_mem_and_need);
	tcase_add_test(tc, test_fmap_files);
	tcase_add_test(tc, test_json_writer);
	tcase_add_test(tc, test_json_utf8);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
