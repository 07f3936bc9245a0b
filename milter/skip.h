#ifndef PARTSCAN_SKIP_H
#define PARTSCAN_SKIP_H

/*
 * skip: which connections and messages are not scanned ([skip] in the configuration).
 * A client is skipped when its address is in a listed network ("local" is loopback and
 * non-IP connections); a message when its sender is authenticated (if so configured), when
 * its sender matches a pattern, or when every one of its recipients matches one. Patterns are
 * shell globs, case-insensitive ("*@example.org"). Pure functions.
 */

#include <stdbool.h>
#include <sys/socket.h>

#include "conf/conf.h"

/* Does this (possibly NULL: not IP) client address fall in a skipped network? */
bool skip_client(const struct conf *conf, const struct sockaddr *sa);
/* Is the message of this sender (angle brackets allowed) skipped? */
bool skip_sender(const struct conf *conf, const char *sender, bool authenticated);
/* Are all recipients (NULL-terminated, at least one) skipped? */
bool skip_recipients(const struct conf *conf, const char *const *recipients);

/* "<User@Example.org>" -> "user@example.org" (new string). */
char *skip_address(const char *addr);

#endif
