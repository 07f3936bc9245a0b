#ifndef PARTSCAN_MIME_PASSWORD_H
#define PARTSCAN_MIME_PASSWORD_H

/*
 * password: the passwords a sender writes next to an encrypted attachment ("Password: 1234",
 * "Passwort: ...", "pw=...", "mot de passe : ...", "contraseña: ...", "пароль: ...") found in
 * the subject and the text bodies of the message (internal to mime/).
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "mime/ctx.h"

#define MIME_PW_MAX        8     /* candidates per message */
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

#endif
