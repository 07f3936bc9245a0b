/*
 * libcheck suite: quarantine release markers (conf/quarantine.c) — the body digest a marker
 * binds (line ends made alike, any chunking), where a stored message's body begins, and the
 * marker itself: valid for the body it was made for only, within its lifetime, under the
 * store's key. The once-only rule is the milter's (check_session).
 */

#include <check.h>
#include <glib.h>
#include <string.h>

#include "conf/quarantine.h"
#include "tests/lib/testutil.h"

static char *tmp;

static void setup(void)
{
	tmp = testutil_tmpdir();
}

static void teardown(void)
{
	testutil_rmdir(tmp);
	g_free(tmp);
}

/* The digest of body fed in pieces of chunk bytes (0: at once). */
static char *digest_of(const char *body, size_t chunk)
{
	struct quarantine_body_hash *h = quarantine_body_hash_new();
	size_t len = strlen(body);

	if (chunk == 0)
		chunk = len + 1;
	for (size_t off = 0; off < len; off += chunk)
		quarantine_body_hash_feed(h, (const unsigned char *)body + off,
		                          MIN(chunk, len - off));
	return quarantine_body_hash_end(&h);
}

static void assert_same(const char *a, const char *b)
{
	char *da = digest_of(a, 0), *db = digest_of(b, 0);

	ck_assert_str_eq(da, db);
	g_free(da);
	g_free(db);
}

static void assert_differ(const char *a, const char *b)
{
	char *da = digest_of(a, 0), *db = digest_of(b, 0);

	ck_assert_str_ne(da, db);
	g_free(da);
	g_free(db);
}

START_TEST(test_body_hash_line_ends)
{
	char *empty = digest_of("", 0);

	/* SHA-256 of nothing: an empty body, or one of line ends only */
	ck_assert_str_eq(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	g_free(empty);
	assert_same("", "\r\n\r\n\n");
	/* CR LF and bare LF alike; line ends at the end do not count */
	assert_same("a\r\nb\r\n", "a\nb\n");
	assert_same("a\r\nb\r\n", "a\r\nb");
	assert_same("a\r\nb\r\n", "a\nb\r\n\r\n\n");
	/* but every other byte does, a bare CR too, and empty lines inside the body */
	assert_differ("a\r\nb\r\n", "a\r\nc\r\n");
	assert_differ("a\rb", "a\r\nb");
	assert_differ("a\r", "a");
	assert_differ("a\r\rb", "a\rb");
	assert_differ("a\n\nb", "a\nb");
	assert_differ("a\r\n", "a ");
}
END_TEST

/* The digest does not depend on where the chunks of a body end (a CR at the end of one chunk,
   its LF at the start of the next) */
START_TEST(test_body_hash_any_chunking)
{
	static const char *const bodies[] = {
	        "--XYZ\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XYZ--\r\n\r\n",
	        "bare\rCR\r\rtwice\n\nLF\r\n\r\r\n",
	        "ends with a bare CR\r\n\r\n\r",
	};
	static const size_t chunks[] = {1, 2, 3, 7, 64};

	for (size_t b = 0; b < G_N_ELEMENTS(bodies); b++) {
		char *whole = digest_of(bodies[b], 0);

		for (size_t c = 0; c < G_N_ELEMENTS(chunks); c++) {
			char *d = digest_of(bodies[b], chunks[c]);

			ck_assert_msg(strcmp(d, whole) == 0, "body %zu in chunks of %zu", b,
			              chunks[c]);
			g_free(d);
		}
		g_free(whole);
	}
}
END_TEST

START_TEST(test_body_offset)
{
	static const struct {
		const char *message;
		size_t offset;
	} cases[] = {
	        {"Subject: x\r\n\r\nbody\r\n", 14},
	        {"Subject: x\n\nbody\n", 12},
	        {"\r\nbody", 2},
	        {"\nbody", 1},
	        {"Subject: x\r\nFrom: y\r\n", 21},
	        {"Subject: x\r\n\r\n", 14},
	        {"", 0},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		ck_assert_uint_eq(quarantine_body_offset((const unsigned char *)cases[i].message,
		                                         strlen(cases[i].message)),
		                  cases[i].offset);
}
END_TEST

static const char message_a[] = "Subject: a\r\n\r\n--XYZ\r\nthe released body\r\n--XYZ--\r\n";

static char *marker_for(const char *id, const char *message)
{
	GError *error = NULL;
	char *m = quarantine_release_marker(tmp, id, (const unsigned char *)message,
	                                    strlen(message), &error);

	ck_assert_msg(m != NULL, "%s", error != NULL ? error->message : "");
	return m;
}

/* A marker is valid for the body it was made for, whatever the headers around it and the line
   ends the MTA hands it with; not for another body. */
START_TEST(test_marker_bound_to_body)
{
	char *id = quarantine_new_id(), *marker = marker_for(id, message_a), *got = NULL;
	char *same = digest_of("--XYZ\nthe released body\n--XYZ--\n", 3);
	char *other = digest_of("--XYZ\r\nanother body\r\n--XYZ--\r\n", 0);
	gint64 expires = 0, now = g_get_real_time() / G_USEC_PER_SEC;

	ck_assert(quarantine_release_valid(tmp, marker, same, &got, &expires));
	ck_assert_str_eq(got, id);
	ck_assert_int_ge(expires, now + QUARANTINE_RELEASE_TTL - 5);
	ck_assert_int_le(expires, now + QUARANTINE_RELEASE_TTL + 5);
	ck_assert(!quarantine_release_valid(tmp, marker, other, NULL, NULL));
	ck_assert(!quarantine_release_valid(tmp, marker, NULL, NULL, NULL));
	/* another store (another key) knows nothing of it */
	{
		char *elsewhere = testutil_tmpdir();

		ck_assert(!quarantine_release_valid(elsewhere, marker, same, NULL, NULL));
		testutil_rmdir(elsewhere);
		g_free(elsewhere);
	}
	g_free(got);
	g_free(same);
	g_free(other);
	g_free(marker);
	g_free(id);
}
END_TEST

/* The HMAC of "ID TIME BODY" under the store's key, as the header documents it. */
static char *mac_of(const char *text)
{
	char *path = g_build_filename(tmp, ".release-key", NULL);
	gchar *key = NULL;
	gsize klen = 0;
	char *mac;

	ck_assert(g_file_get_contents(path, &key, &klen, NULL));
	mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)key, klen, text, -1);
	g_free(key);
	g_free(path);
	return mac;
}

/* Markers made by hand with the store's key: the documented form passes within its lifetime;
   an expired one, and one of the form without the body (an older partscan's), do not. */
START_TEST(test_marker_form_and_lifetime)
{
	char *id = quarantine_new_id(), *first = marker_for(id, message_a);
	size_t body = quarantine_body_offset((const unsigned char *)message_a, strlen(message_a));
	char *digest = digest_of(message_a + body, 0);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	const gint64 whens[] = {now - 60, now - QUARANTINE_RELEASE_TTL - 60};

	for (size_t i = 0; i < G_N_ELEMENTS(whens); i++) {
		char *text = g_strdup_printf("%s %" G_GINT64_FORMAT " %s", id, whens[i], digest);
		char *mac = mac_of(text);
		char *marker = g_strdup_printf("%s %" G_GINT64_FORMAT " %s", id, whens[i], mac);

		ck_assert_int_eq(quarantine_release_valid(tmp, marker, digest, NULL, NULL), i == 0);
		g_free(text);
		g_free(mac);
		g_free(marker);
	}
	{
		char *text = g_strdup_printf("%s %" G_GINT64_FORMAT, id, now);
		char *mac = mac_of(text);
		char *marker = g_strdup_printf("%s %" G_GINT64_FORMAT " %s", id, now, mac);

		ck_assert(!quarantine_release_valid(tmp, marker, digest, NULL, NULL));
		g_free(text);
		g_free(mac);
		g_free(marker);
	}
	g_free(digest);
	g_free(first);
	g_free(id);
}
END_TEST

static Suite *quarantine_suite(void)
{
	Suite *s = suite_create("quarantine");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_body_hash_line_ends);
	tcase_add_test(tc, test_body_hash_any_chunking);
	tcase_add_test(tc, test_body_offset);
	tcase_add_test(tc, test_marker_bound_to_body);
	tcase_add_test(tc, test_marker_form_and_lifetime);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(quarantine_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
