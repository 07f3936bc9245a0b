#ifndef PARTSCAN_TESTINDEX_H
#define PARTSCAN_TESTINDEX_H

/* Fixtures shared by the index suites (check_index, check_index_faults): a temporary directory
 * per test, the PostgreSQL server of PARTSCAN_TEST_PG_URL (tests/cli/test_index_pg.sh starts
 * one), what the writer logged, and messages with parts to submit. Every helper fails the
 * running test (libcheck) on an error. */

#include <stdint.h>

#include "index/index.h"

/* The test's temporary directory (made by the setups, removed by testindex_teardown). */
extern char *testindex_tmpdir;
/* The PostgreSQL url while a postgresql case runs (testindex_setup_pg), NULL otherwise. */
extern const char *testindex_pg_url;

/* Checked fixtures: the SQLite cases; the PostgreSQL cases (each on emptied tables); both. */
void testindex_setup(void);
void testindex_setup_pg(void);
void testindex_teardown(void);

/* An index_options.log that keeps what the writer logs (every test of the process). */
void testindex_log_keep(const char *msg);
/* A copy of what testindex_log_keep kept ("" when nothing); g_free it. */
char *testindex_logged(void);

/* Where the test's index is: the PostgreSQL url, or index.db in the temporary directory
 * (g_free it). */
char *testindex_db_path(void);
/* Open a writer on path (queue_max, keep_days: 0 for the defaults); aborts the test on error. */
struct index *testindex_open_writer(const char *path, unsigned int queue_max,
                                    unsigned int keep_days);
/* A part at path whose bytes are text, with the digests of mask. */
struct index_part *testindex_part_of(const char *path, const char *text, unsigned int mask);
/* A clean, accepted message of time and queue id qid to two recipients: a text body (SHA-256
 * only) and a part 2/zip:a.exe whose bytes are text (every digest). */
struct index_msg *testindex_msg_of(int64_t time, const char *qid, const char *text);

#endif
