#ifndef PARTSCAN_MIME_OPENPGP_H
#define PARTSCAN_MIME_OPENPGP_H

/*
 * openpgp: the files of OpenPGP messages that need no key (RFC 4880): literal data packets,
 * also inside compressed data packets (uncompressed, ZIP, ZLIB, BZip2), binary or
 * ASCII-armoured ("-----BEGIN PGP MESSAGE-----", also inside a text). What `gpg -d` writes
 * without a key, partscan reads. Bytes in, members out (mime/reader.h).
 */

#include "mime/reader.h"

#define OPENPGP_MAX_NESTING 8     /* compressed packets within compressed packets */
#define OPENPGP_MAX_PACKETS 10000 /* packets read per message (the rest: a limit note) */
#define OPENPGP_MAX_ARMOR   64    /* armoured blocks read in one part */

/* true when data is a binary OpenPGP message that can hold data, or armoured at its start. */
bool openpgp_probe(const unsigned char *data, size_t len);
/* true when an armoured "BEGIN PGP MESSAGE" block is somewhere in data. */
bool openpgp_armored(const unsigned char *data, size_t len);

/*
 * Every literal data packet as a member named by its file name field (NULL when empty).
 * 0 (members appended); -1 with *error set: READER_ERROR_ENCRYPTED for an encrypted message
 * (members before it are kept), READER_ERROR_MALFORMED when nothing could be read.
 */
int openpgp_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
                 GPtrArray *members_r, GError **error);

#endif
