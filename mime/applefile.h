#ifndef PARTSCAN_MIME_APPLEFILE_H
#define PARTSCAN_MIME_APPLEFILE_H

/*
 * applefile: the forks of an AppleSingle file (application/applefile, magic 0x00051600) and
 * of an AppleDouble header (0x00051607, the first part of multipart/appledouble), RFC 1740.
 * Bytes in, members out (mime/reader.h).
 */

#include "mime/reader.h"

#define APPLEFILE_MAX_ENTRIES 64 /* entries of the header read; more is malformed */

/* true when data starts with the AppleSingle or AppleDouble magic number. */
bool applefile_probe(const unsigned char *data, size_t len);

/*
 * The data fork (named by the Real Name entry, or NULL) and the resource fork (named
 * "NAME/rsrc", or "rsrc") as members, each a view copied into its own buffer and bounded by
 * max_member_bytes. 0 (members appended), or -1 with *error set when the header is malformed.
 */
int applefile_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
                   GPtrArray *members_r, GError **error);

#endif
