#ifndef PARTSCAN_MIME_PARAMS_H
#define PARTSCAN_MIME_PARAMS_H

/*
 * params: the readings of one parameter of a MIME header value (internal to mime/; see
 * params.c).
 */

#include <glib.h>
#include <gmime/gmime.h>

/* The longest value considered: a header line's length (RFC 5322). */
#define MIME_PARAM_MAX 998

/*
 * Every reading of the parameter named want (any case) in value, a header value with its
 * folding undone: for each "want=" its value as written, its quoted string alone (unescaped,
 * and with backslashes kept), up to its first blank, quote or comment when it is a token,
 * each also without angle brackets, blanks around dropped; each "want*=" RFC 2231 value
 * decoded; the "want*N" pieces joined up to the first gap, across gaps, and with the last of
 * a repeated index. In that order, each once, none empty. The caller frees the array.
 */
GPtrArray *mime_param_readings(const char *value, const char *want);

#define MIME_PARAM_NAMES 4 /* readings of a part's file name judged besides its own */

struct mime_ctx;

/*
 * The other readings of the file name of part idx (a leaf of the message walked, its raw
 * range set), from every Content-Disposition filename and Content-Type name of obj as Python's
 * email reads them ("a.js\t", "a.js (x.pdf)", "a.js x.pdf", "filename=; filename=a.js", RFC
 * 2231 pieces with a gap): each that differs from the part's names is a copy of the part
 * (msgscan.h, COPIES) under that name, in the part's own body, judged by the policy as its
 * names are.
 */
void mime_param_names(struct mime_ctx *ctx, int idx, GMimeObject *obj);

#endif
