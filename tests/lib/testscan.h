#ifndef PARTSCAN_TESTSCAN_H
#define PARTSCAN_TESTSCAN_H

/* Fixtures shared by the libcheck suites that scan: signature databases, archives built in
 * memory with libarchive, scans with SHA-256 wanted and the lookup of a report's part. Every
 * helper fails the running test (libcheck) on an error, so callers need no checks of their own. */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/sigdb.h"
#include "mime/msgscan.h"

/* The MD5 signature line of clam.exe (Debian's clamav-testfiles), as `partscan hash` writes it. */
#define TESTSCAN_CLAM_HDB "aa15bcf478d165efd2065190eb473bcb:544:Clam.Exe\n"

/* One regular file of an archive built by testscan_build. */
struct testscan_member {
	const char *name;
	const void *data;
	size_t len;
};

/* Write text to dir/name, then load every signature file of dir; returns the database (the
 * caller's reference: sigdb_unref). */
struct sigdb *testscan_sigdb(const char *dir, const char *name, const char *text);
/* The clam.exe fixture of the archive suites: a new temporary directory (*tmp_r) holding
 * clam.hdb (TESTSCAN_CLAM_HDB), the database loaded from it (*db_r) and the bytes of
 * clam.exe from clamav-testfiles (*clam_r, *clam_len_r). testscan_clam_close frees them. */
void testscan_clam_open(char **tmp_r, struct sigdb **db_r, char **clam_r, size_t *clam_len_r);
/* Remove the directory and free what testscan_clam_open gave; sets the pointers to NULL. */
void testscan_clam_close(char **tmp, struct sigdb **db, char **clam);
/* The bundled test signatures (contrib/test-signatures); the caller's reference. */
struct sigdb *testscan_sigdb_bundled(void);

/* An archive of the n members (mode 0644) in libarchive's format by name ("zip", "7zip",
 * "ustar", ...), with filter (by name), options (archive_write_set_options) and passphrase when
 * not NULL; built in memory, returned as the caller's GBytes. */
GBytes *testscan_build(const char *format, const char *filter, const char *options,
                       const char *passphrase, const struct testscan_member *m, size_t n);
/* A zip (deflated) of one member name holding data. */
GBytes *testscan_zip(const char *name, const void *data, size_t len);

/* Scan data as the attachment name (lim: NULL for the defaults) with SHA-256 wanted; the
 * caller frees the report (msg_report_free). */
struct msg_report *testscan_attachment(struct sigdb *db, const char *name, const void *data,
                                       size_t len, const struct msg_limits *lim);
/* Scan the message text msg with SHA-256 wanted; the caller frees the report. */
struct msg_report *testscan_message(struct sigdb *db, const char *msg);

/* data in base64, in lines of 76 characters each followed by eol ("\r\n" in a message);
 * g_free it. */
char *testscan_base64_lines(const void *data, size_t len, const char *eol);
/* The clamav-testfiles file name (testutil_clamav_file) in base64 lines (as above). */
char *testscan_clamav_base64(const char *name, const char *eol);
/* The JSON object msg_report_json writes for r, as text; g_free it. */
char *testscan_report_json(const struct msg_report *r);

/* The part of r whose path is path; fails the test ("no part PATH") when there is none. */
const struct msg_part *testscan_part(const struct msg_report *r, const char *path);

#endif
