#ifndef PARTSCAN_MIME_ARCHIVE_H
#define PARTSCAN_MIME_ARCHIVE_H

/*
 * archive: the members of archives and compressed streams as parts (internal to mime/).
 *
 * mime_archive_reader reads a decoded part with libarchive from memory and turns every
 * regular member into a part "P/FMT:NAME" (FMT: zip, 7z, rar, tar, cpio, iso, cab, gz, bz2,
 * xz, zst, lzma, ...), flagged MSG_PART_ARCHIVE_MEMBER, handed back to the job loop one at a
 * time (scanned, and expanded in turn, before the next one is read). Limits: max_archive_depth, max_archive_members,
 * max_member_bytes, max_ratio, and the message's max_parts / max_part_bytes /
 * max_total_bytes. Encrypted members are flagged, then tried with the passwords found in the
 * message's text (password.c).
 */

#include <stdbool.h>

#include "engine/ftype.h"
#include "mime/ctx.h"
#include "mime/jobs.h"

/* MIME_ARCHIVE_RATIO_FLOOR: see jobs.h, where max_ratio is checked. */
/* Bytes of a member's name kept (longer names are cut at a character boundary). */
#define MIME_ARCHIVE_NAME_MAX 1024

/* true for the real types expanded here (zip and the formats built on it, 7z, rar, ...). */
bool mime_archive_type(enum ftype type);

/*
 * The reader of a part whose real type is one of mime_archive_type() (or ARJ, ACE: flagged
 * opaque): hands back one member at a time (a job over its decoded bytes), then the members
 * that a password of the message opens.
 */
extern const struct mime_reader mime_archive_reader;

/*
 * true when bytes that are not typed as an archive end in a zip that unzip, 7-Zip, Python and
 * ClamAV open (a valid end-of-central-directory record in the last 64 KiB whose directory
 * lies after offset 0: a GIF or an executable glued in front of a zip). Reads at most the
 * last 65,557 bytes.
 */
bool mime_archive_zip_inside(const unsigned char *data, size_t len);

#endif
