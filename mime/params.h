#ifndef PARTSCAN_MIME_PARAMS_H
#define PARTSCAN_MIME_PARAMS_H

/*
 * params: the readings of one parameter of a MIME header value (internal to mime/; see
 * params.c).
 */

#include <glib.h>

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

#endif
