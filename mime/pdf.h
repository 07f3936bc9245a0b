#ifndef PARTSCAN_MIME_PDF_H
#define PARTSCAN_MIME_PDF_H

/*
 * pdf: the embedded files of a PDF (attachments of the EmbeddedFiles name tree and of
 * FileAttachment annotations: every file specification with an /EF entry, in objects and in
 * object streams), decoded through their filters (FlateDecode with PNG predictors,
 * ASCIIHexDecode, ASCII85Decode, RunLengthDecode, LZWDecode with its EarlyChange and PNG
 * predictors). Bytes in, members out (mime/reader.h).
 */

#include "mime/reader.h"

#define PDF_MAX_OBJECTS 500000 /* objects indexed (direct and in object streams) */
#define PDF_MAX_OBJSTMS 10000  /* object streams decoded */
#define PDF_MAX_DEPTH   32     /* nesting of arrays and dictionaries in one object */
#define PDF_MAX_VALUES  100000 /* values parsed in one object */
#define PDF_MAX_FILTERS 8      /* filters of one stream */

/* true when "%PDF-" starts in the first KB. */
bool pdf_probe(const unsigned char *data, size_t len);

/*
 * Every embedded file as a member named by its file specification (/UF, else /F; NULL if
 * none), each stream once. 0 (members appended, perhaps none); -1 with *error set:
 * READER_ERROR_MALFORMED (not a PDF), READER_ERROR_ENCRYPTED (an encrypted PDF that the empty
 * user password does not open: its embedded files, if any, are members flagged
 * READER_MEMBER_ENCRYPTED), READER_ERROR_LIMIT (PDF_MAX_OBJECTS reached
 * before any embedded file was found). An embedded file of an unknown filter is a member
 * flagged READER_MEMBER_OPAQUE; one cut by a limit or a corrupt stream READER_MEMBER_TRUNCATED.
 */
int pdf_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
             GPtrArray *members_r, GError **error);

#endif
