#ifndef PARTSCAN_QUARANTINE_H
#define PARTSCAN_QUARANTINE_H

/*
 * quarantine: the store of quarantined messages and removed parts, shared by partscan-milter
 * (which writes) and `partscan quarantine` (which lists, shows, releases and deletes).
 *
 * One directory; each item is two files named by its id, never by anything from the message:
 * ID.data (the original message, or the removed MIME entity) and ID.json (metadata: queue id,
 * sender, recipients, reasons, part hashes, time). Both are written atomically (temporary
 * file, fsync, rename, then the directory fsync'd), mode 0600; the .json is written last and
 * marks a complete item. Thread safe: ids are unique across threads and processes.
 */

#include <glib.h>
#include <stddef.h>

/* A new id: "YYYYMMDDTHHMMSSZ-" + 16 random hex digits. */
char *quarantine_new_id(void);

/* true for a string that has the form of an id (safe to build a path from). */
gboolean quarantine_id_valid(const char *id);

/*
 * Store one item (data, then its metadata JSON). Returns 0, or -1 with error set: then
 * nothing is left behind and the caller must not lose the message (tempfail it).
 */
int quarantine_write(const char *dir, const char *id, const unsigned char *data, size_t len,
                     const char *json, GError **error);

/* The ids of the complete items, oldest first. */
GPtrArray *quarantine_list(const char *dir, GError **error);

/*
 * Remove the temporary files (".tmp-*") of writes that never finished (a writer killed in
 * the middle) and were last modified at least min_age seconds ago: a younger one may be a
 * write in progress, of this process or of another sharing the store. Returns 0 with
 * *removed_r the number removed, or -1 when the directory cannot be read.
 */
int quarantine_clean_tmp(const char *dir, unsigned int min_age, unsigned int *removed_r,
                         GError **error);

/* Read an item's metadata or data. */
char *quarantine_read_meta(const char *dir, const char *id, GError **error);
GBytes *quarantine_read_data(const char *dir, const char *id, GError **error);

/* Remove an item (both files). */
int quarantine_delete(const char *dir, const char *id, GError **error);

/*
 * The release marker: a header a released copy is re-injected with, so that partscan-milter
 * lets it pass instead of scanning and holding it again, and removes it. Its value is
 * "ID TIME HMAC": HMAC-SHA256 of "ID TIME BODY" under a key only this host has, the store's
 * ".release-key" (32 random bytes, mode 0640, given to the owner of the store, made at the
 * first release), where BODY is the hex SHA-256 of the released message's body (see
 * quarantine_body_hash_new()): a marker vouches for that one body, not for whatever message
 * it is copied onto. A marker is valid for QUARANTINE_RELEASE_TTL seconds; that it is used
 * once only is for its verifier to remember (partscan-milter does).
 */
#define QUARANTINE_RELEASE_HEADER "X-Partscan-Release"
#define QUARANTINE_RELEASE_TTL    86400

/*
 * A marker for item id, whose stored message (headers and body, as the store holds it) is
 * message (g_free it), or NULL with error set (the key cannot be made).
 */
char *quarantine_release_marker(const char *dir, const char *id, const unsigned char *message,
                                size_t len, GError **error);

/*
 * Whether value is a marker made with this store's key within the last TTL seconds for a
 * message whose body hashes to body_sha256 (quarantine_body_hash_end()). When it is, *id_r
 * (if not NULL) is the item id (g_free it) and *expires_r (if not NULL) when the marker stops
 * being valid (seconds since the epoch).
 */
gboolean quarantine_release_valid(const char *dir, const char *value, const char *body_sha256,
                                  char **id_r, gint64 *expires_r);

/*
 * The SHA-256 of a message body the way a release marker binds it, fed in pieces of any size
 * (a milter's body chunks). The body is hashed with its line ends made alike, so that the
 * copy an MTA hands back after re-injection hashes as the stored one did: CR LF and a bare LF
 * each count as CR LF (MTAs store lines without their ends and hand them to milters with CR
 * LF), and the line ends at the very end of the body are left out (one may be added or
 * dropped on the way). Every other byte counts as it is.
 */
struct quarantine_body_hash;

struct quarantine_body_hash *quarantine_body_hash_new(void);
void quarantine_body_hash_feed(struct quarantine_body_hash *h, const unsigned char *data,
                               size_t len);
/* The digest as 64 hex digits (g_free it); *hp is freed and set to NULL. */
char *quarantine_body_hash_end(struct quarantine_body_hash **hp);
/* Free without a digest (accepts NULL, sets *hp to NULL). */
void quarantine_body_hash_free(struct quarantine_body_hash **hp);

/* Where the body of a message (headers, an empty line, the body) begins: after its first
   empty line (CR LF or LF); len when it has none (no body). */
size_t quarantine_body_offset(const unsigned char *message, size_t len);

#endif
