/* Fixtures shared by the libcheck suites that scan (see testscan.h). Archives are built in a
 * buffer of 1 MiB plus each member's size and 1 KiB: ample for the test members, and a
 * libarchive error (not an overflow) if a member ever outgrows it. No state of its own: test
 * threads may call it (check_archive's test_threads does). */

#include "tests/lib/testscan.h"

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <string.h>

#include "engine/json.h"
#include "tests/lib/testutil.h"

struct sigdb *testscan_sigdb(const char *dir, const char *name, const char *text)
{
	const char *paths[] = {dir, NULL};
	struct sigdb *db = NULL;
	GError *error = NULL;

	g_free(testutil_write(dir, name, text));
	ck_assert_msg(sigdb_load(paths, NULL, &db, &error) == 0, "%s",
	              error != NULL ? error->message : "");
	return db;
}

void testscan_clam_open(char **tmp_r, struct sigdb **db_r, char **clam_r, size_t *clam_len_r)
{
	char *path = testutil_clamav_file("clam.exe");

	*tmp_r = testutil_tmpdir();
	*db_r = testscan_sigdb(*tmp_r, "clam.hdb", TESTSCAN_CLAM_HDB);
	*clam_r = testutil_read(path, clam_len_r);
	g_free(path);
}

void testscan_clam_close(char **tmp, struct sigdb **db, char **clam)
{
	sigdb_unref(db);
	if (*tmp != NULL)
		testutil_rmdir(*tmp);
	g_clear_pointer(tmp, g_free);
	g_clear_pointer(clam, g_free);
}

struct sigdb *testscan_sigdb_bundled(void)
{
	char *sigs = g_build_filename(TEST_DATA, "..", "..", "contrib", "test-signatures", NULL);
	const char *paths[] = {sigs, NULL};
	struct sigdb *db = NULL;

	ck_assert_int_eq(sigdb_load(paths, NULL, &db, NULL), 0);
	g_free(sigs);
	return db;
}

GBytes *testscan_build(const char *format, const char *filter, const char *options,
                       const char *passphrase, const struct testscan_member *m, size_t n)
{
	size_t cap = 1 << 20, used = 0;
	unsigned char *buf;
	struct archive *a = archive_write_new();

	for (size_t i = 0; i < n; i++)
		cap += m[i].len + 1024;
	buf = g_malloc(cap);
	ck_assert_int_eq(archive_write_set_format_by_name(a, format), ARCHIVE_OK);
	if (filter != NULL)
		ck_assert_int_eq(archive_write_add_filter_by_name(a, filter), ARCHIVE_OK);
	if (options != NULL)
		ck_assert_int_eq(archive_write_set_options(a, options), ARCHIVE_OK);
	if (passphrase != NULL)
		ck_assert_int_eq(archive_write_set_passphrase(a, passphrase), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_size(e, (la_int64_t)m[i].len);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		ck_assert_int_eq(archive_write_data(a, m[i].data, m[i].len), (la_ssize_t)m[i].len);
		archive_entry_free(e);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return g_bytes_new_take(buf, used);
}

GBytes *testscan_zip(const char *name, const void *data, size_t len)
{
	struct testscan_member m = {name, data, len};

	return testscan_build("zip", NULL, NULL, NULL, &m, 1);
}

struct msg_report *testscan_attachment(struct sigdb *db, const char *name, const void *data,
                                       size_t len, const struct msg_limits *lim)
{
	struct msg_scan_options o = {.scan = {.want = DIGEST_BIT(DIGEST_SHA256)}, .limits = lim};
	struct msg_report *r = NULL;
	GError *error = NULL;

	ck_assert_msg(msg_scan_attachment(db, name, data, len, &o, &r, &error) == 0, "%s",
	              error != NULL ? error->message : "");
	return r;
}

struct msg_report *testscan_message(struct sigdb *db, const char *msg)
{
	struct msg_scan_options o = {.scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
	struct msg_report *r = NULL;
	GError *error = NULL;

	ck_assert_msg(msg_scan(db, (const unsigned char *)msg, strlen(msg), &o, &r, &error) == 0,
	              "%s", error != NULL ? error->message : "");
	return r;
}

char *testscan_base64_lines(const void *data, size_t len, const char *eol)
{
	char *b = g_base64_encode(data, len);
	size_t n = strlen(b);
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < n; i += 76) {
		g_string_append_len(s, b + i, (gssize)MIN(76, n - i));
		g_string_append(s, eol);
	}
	g_free(b);
	return g_string_free(s, FALSE);
}

char *testscan_clamav_base64(const char *name, const char *eol)
{
	char *path = testutil_clamav_file(name);
	size_t len;
	char *data = testutil_read(path, &len);
	char *b64 = testscan_base64_lines(data, len, eol);

	g_free(data);
	g_free(path);
	return b64;
}

char *testscan_report_json(const struct msg_report *r)
{
	GString *out = g_string_new(NULL);
	struct json j;

	json_init(&j, out);
	json_begin_object(&j, NULL);
	msg_report_json(r, &j);
	json_end_object(&j);
	return g_string_free(out, FALSE);
}

const struct msg_part *testscan_part(const struct msg_report *r, const char *path)
{
	for (guint i = 0; i < r->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(r->parts, i);

		if (strcmp(p->path, path) == 0)
			return p;
	}
	ck_abort_msg("no part %s", path);
	return NULL;
}
