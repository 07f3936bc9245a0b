#ifndef PARTSCAN_TESTUTIL_H
#define PARTSCAN_TESTUTIL_H

/* Helpers shared by the libcheck suites: temporary directories and files. */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* A new temporary directory (removed with its files by testutil_rmdir). */
char *testutil_tmpdir(void);
/* Remove a directory tree made by the tests. */
void testutil_rmdir(const char *dir);
/* Write text to dir/name; returns the new path (g_free it). Aborts on failure. */
char *testutil_write(const char *dir, const char *name, const char *text);
/* Same with bytes. */
char *testutil_write_bytes(const char *dir, const char *name, const void *data, size_t len);
/* Read a whole file; aborts on failure. */
char *testutil_read(const char *path, size_t *len_r);
/* Path of a file of Debian's clamav-testfiles package. */
char *testutil_clamav_file(const char *name);
/* A warning callback (as sigdb_options.warn) whose ctx is a GPtrArray with g_free as its
 * free function: each message is added to it, copied. */
void testutil_collect_warning(void *ctx, const char *message);
/* Whether one of the collected warnings contains needle. */
bool testutil_warned(const GPtrArray *warnings, const char *needle);

#endif
