/* Helpers shared by the libcheck suites (see testutil.h). */

#include "tests/lib/testutil.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *testutil_tmpdir(void)
{
	GError *error = NULL;
	char *dir = g_dir_make_tmp("partscan-test-XXXXXX", &error);

	if (dir == NULL)
		g_error("tmpdir: %s", error->message);
	return dir;
}

void testutil_rmdir(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			testutil_rmdir(path);
		else
			g_unlink(path);
		g_free(path);
	}
	g_dir_close(d);
	g_rmdir(dir);
}

char *testutil_write_bytes(const char *dir, const char *name, const void *data, size_t len)
{
	char *path = g_build_filename(dir, name, NULL);
	GError *error = NULL;

	if (!g_file_set_contents(path, data, (gssize)len, &error))
		g_error("write %s: %s", path, error->message);
	return path;
}

char *testutil_write(const char *dir, const char *name, const char *text)
{
	return testutil_write_bytes(dir, name, text, strlen(text));
}

char *testutil_read(const char *path, size_t *len_r)
{
	GError *error = NULL;
	char *data;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, &error))
		g_error("read %s: %s", path, error->message);
	if (len_r != NULL)
		*len_r = len;
	return data;
}

char *testutil_clamav_file(const char *name)
{
	const char *dir = getenv("CLAMAV_TESTFILES");

	return g_build_filename(dir != NULL ? dir : "/usr/share/clamav-testfiles", name, NULL);
}

void testutil_collect_warning(void *ctx, const char *message)
{
	g_ptr_array_add(ctx, g_strdup(message));
}

bool testutil_warned(const GPtrArray *warnings, const char *needle)
{
	for (guint i = 0; i < warnings->len; i++) {
		if (strstr(warnings->pdata[i], needle) != NULL)
			return true;
	}
	return false;
}
