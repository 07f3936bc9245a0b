#ifndef PARTSCAN_MIME_SFX_H
#define PARTSCAN_MIME_SFX_H

/*
 * sfx: the archive a self-extracting executable carries, as a reader (reader.h).
 *
 * WinRAR's and 7-Zip's self-extracting modules are executables (PE, or ELF) with the archive
 * appended: run, one extracts it; 7-Zip opens the file as that archive ("7z l setup.exe"). The
 * archive is taken where its signature lies, at any offset, and only when the checksum of its
 * first header holds: a module's own copy of a signature is no archive. Its bytes, from there
 * to the end, are one member named "sfx.rar" or "sfx.7z", read as that archive.
 */

#include "mime/reader.h"

/* true when data is an executable (MZ or ELF) with a RAR or 7z archive appended, or with
   too many signatures to tell (sfx_read() then says so). */
bool sfx_probe(const unsigned char *data, size_t len);

/*
 * The archive as a member (cut at max_member_bytes, flagged truncated). 0 (a member
 * appended, or none), -1 with *error set: READER_ERROR_MALFORMED (no such archive), or
 * READER_ERROR_LIMIT (too many signatures to check their first headers within the budget:
 * whether there is one is not known).
 */
int sfx_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
             GPtrArray *members, GError **error);

#endif
