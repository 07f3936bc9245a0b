#ifndef PARTSCAN_MIME_PASSWORD_H
#define PARTSCAN_MIME_PASSWORD_H

/*
 * password: the passwords a sender writes next to an encrypted attachment ("Password: 1234",
 * "The password is: 7781", "Das Passwort lautet: ...", "mot de passe du fichier : ...", "La
 * contraseña es ...", "пароль для архива: ...", "解凍パスワード：...", the word alone on the next
 * line or in the next cell of a table) found in the subject and the text bodies of the message
 * (internal to mime/). Ordinary text about passwords ("your password is required") gives none.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "mime/ctx.h"

#define MIME_PW_MAX        8     /* candidates per message (each a trial per member) */
#define MIME_PW_MAX_LEN    64    /* bytes of one candidate */
#define MIME_PW_TEXT_BYTES 65536 /* bytes of each body searched */
#define MIME_PW_BODIES     16    /* bodies searched */

struct mime_password {
	char *text;
	char *source; /* where it was found: "the subject", "part 1" */
};

/*
 * The candidates of the message being scanned, in order of appearance (the subject first,
 * then the bodies of the innermost message being walked, then those of the messages around
 * it), gathered on first use and kept for the rest of the call. Never NULL.
 */
const GPtrArray *mime_passwords(struct mime_ctx *ctx);

/*
 * Append to out (struct mime_password *, at most max in all) the candidates found in text
 * (UTF-8; html: strip tags and entities first), each tagged with source.
 */
void mime_password_find(const char *text, size_t len, bool html, const char *source, GPtrArray *out,
                        unsigned int max);

/* Free function for the array's elements. */
void mime_password_free(gpointer pw);

/*
 * The decoded text of an encoded (base64, quoted-printable) text body of a walk, kept so that
 * the password search does not decode it again: its first MIME_PW_TEXT_BYTES bytes, a
 * reference on the buffer its scan decoded it into (a copy of the first bytes when it is
 * longer), or the search's own decode when it ran before the body was scanned (whole then
 * says it is all of the body, and the scan takes it instead of decoding).
 */
struct mime_text {
	unsigned int part;
	GBytes *bytes;      /* owned reference */
	unsigned int flags; /* MIME_DECODE_* of the decode */
	bool whole;
};

/* Clear function of a walk's texts array. */
void mime_password_text_clear(gpointer text);
/*
 * The text of part (a leaf of the walk being run, encoded as enc) decoded by the password
 * search before it was scanned, or NULL.
 */
const struct mime_text *mime_password_text(struct mime_ctx *ctx, unsigned int part,
                                           enum mime_enc enc);
/*
 * Part (encoded as enc) was decoded into data and scanned: keep its first bytes for the
 * password search when it is one of the first MIME_PW_BODIES text bodies of the walk.
 */
void mime_password_keep(struct mime_ctx *ctx, unsigned int part, enum mime_enc enc, GBytes *data);

#endif
