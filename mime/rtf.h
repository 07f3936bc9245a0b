#ifndef PARTSCAN_MIME_RTF_H
#define PARTSCAN_MIME_RTF_H

/*
 * rtf: the embedded objects of an RTF document (\objdata: an OLE1 object in hex), the usual
 * way an exploit or a packaged file rides in an .rtf attachment or an Outlook message's
 * rich-text body. Bytes in, members out (mime/reader.h).
 */

#include "mime/reader.h"

#define RTF_MAX_OBJECTS 256 /* \objdata groups read; more is a limit */

/* true when "{\rtf" starts the data (after white space). */
bool rtf_probe(const unsigned char *data, size_t len);

/*
 * Every \objdata group as a member: the file of a "Package" object (named as it would be
 * saved), else the object's native data (an OLE2 compound file for most classes, named
 * "objN.CLASS"), else the decoded bytes as they are (flagged opaque: not an OLE1 object).
 * Hex digits are read whatever control words or groups are put between them. 0 (members
 * appended), -1 with *error set: READER_ERROR_MALFORMED (not RTF), READER_ERROR_LIMIT (more
 * than RTF_MAX_OBJECTS or max_archive_members objects).
 */
int rtf_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
             GPtrArray *members_r, GError **error);

#endif
