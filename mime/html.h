#ifndef PARTSCAN_MIME_HTML_H
#define PARTSCAN_MIME_HTML_H

/*
 * html: the files an HTML or SVG document carries in its own bytes (HTML smuggling). Bytes
 * in, members out (mime/reader.h):
 *   - data: URIs, base64 or percent-encoded ("data:application/zip;base64,UEsDB..."), named
 *     "dataN" (N counts the document's data: URIs);
 *   - string literals of only base64 characters, at least HTML_B64_MIN of them (a literal
 *     joined with "+" to the next counts as one), decoded: the usual input of atob() in
 *     smuggling, named "scriptN" and flagged READER_MEMBER_SCRIPT.
 */

#include "mime/reader.h"

#define HTML_B64_MIN     256  /* base64 characters of a literal worth decoding */
#define HTML_MEDIA_MAX   256  /* bytes of a data: URI's media type */
#define HTML_MAX_LITERAL 4096 /* literals joined with "+" into one */

/* true when a data: URI (any case), a base64 run of HTML_B64_MIN characters or literals joined
 * with "+" are in data: false means html_read() would find no member. Costs about a memchr()
 * over data, so that ordinary HTML is not read. */
bool html_probe(const unsigned char *data, size_t len);

/* 0 with the members appended; -1 (READER_ERROR_LIMIT) when a limit stopped the reading. */
int html_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
              GPtrArray *members_r, GError **error);

#endif
