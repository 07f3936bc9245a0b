#ifndef PARTSCAN_CONTROL_H
#define PARTSCAN_CONTROL_H

/*
 * control: the daemon's control socket (unix, mode and group configurable). One command per
 * connection, a line of at most CONTROL_MAX_LINE bytes ended by "\n" (or NUL), answered and
 * closed:
 *   PING     -> "PONG"
 *   VERSION  -> partscan's version, the loaded signatures (generation, per file: name,
 *               version, signatures, mtime) and whether the disk differs ("reload pending")
 *   RELOAD   -> reloads signatures (and configuration) now: "RELOADED ..." or "ERROR ..."
 *   STATS    -> one JSON object of counters
 * A client gets CONTROL_TIMEOUT_MS to send its line. Clients are served concurrently, at most
 * CONTROL_MAX_CLIENTS at once; one more gets "ERROR busy, try again". Thread safe.
 */

#include <glib.h>

#define CONTROL_MAX_LINE    64
#define CONTROL_TIMEOUT_MS  5000
#define CONTROL_MAX_CLIENTS 16

/* Create the socket (before dropping privileges): path, mode, group (NULL: unchanged). */
int control_open(const char *path, unsigned int mode, const char *group, GError **error);
/* Serve on a thread until control_stop(). */
void control_start(void);
void control_stop(void);

enum control_cmd {
	CONTROL_BAD = 0, /* empty, too long, a NUL inside */
	CONTROL_UNKNOWN,
	CONTROL_PING,
	CONTROL_VERSION,
	CONTROL_RELOAD,
	CONTROL_STATS,
};

/* The command of one line (without its terminator). Pure; for tests and fuzzing. */
enum control_cmd control_parse(const char *line, size_t len);

/* The reply to one command line: runs the command. */
char *control_reply(const char *line, size_t len);

/*
 * Read one line (to "\n" or NUL) of at most size bytes within CONTROL_TIMEOUT_MS. Returns 0
 * with *len_r its length (SIZE_MAX: no end within size bytes), or -1 when nothing arrives.
 */
int control_read_line(int fd, char *buf, size_t size, size_t *len_r);

/* Text of VERSION. */
char *control_version_text(void);

#endif
