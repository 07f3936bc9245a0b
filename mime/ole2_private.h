#ifndef PARTSCAN_MIME_OLE2_PRIVATE_H
#define PARTSCAN_MIME_OLE2_PRIVATE_H

/*
 * The ole2 module's own state and helpers, shared by ole2.c (checks, libgsf, streams,
 * embedded objects), ole2_msg.c (Outlook messages) and ole2_ppt.c (PowerPoint's objects).
 * Not for other modules: their interface is mime/ole2.h.
 */

#include <gsf/gsf-infile.h>
#include <gsf/gsf-input.h>

#include "mime/ole2.h"

struct ole2_rd {
	struct msg_limits lim;
	struct mime_ole2 *ole;
	size_t len;
	uint64_t out_max;     /* bytes of streams returned, at most */
	uint64_t inflated;    /* bytes inflated (PowerPoint objects), counted in out too */
	uint64_t inflate_max; /* max(8 MiB, max_ratio * len), at most max_total_bytes */
	bool stop;            /* a limit ended the walk */
	unsigned int lost;    /* entries a storage's copy left out: libgsf could not open them */
};

/* End the walk on a limit: the container's flag and note (the first one is kept). */
void ole2_stop(struct ole2_rd *rd, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Add to a member's note. */
void ole2_note(struct mime_ole2_member *m, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* A new member taking path and name (NULL, the walk stopped, past max_archive_members). */
struct mime_ole2_member *ole2_member(struct ole2_rd *rd, char *path, char *name);
/* Printable UTF-8 of at most 1024 bytes, cut at a NUL; takes s; NULL when empty. */
char *ole2_clean(char *s);
/* An 8-bit string in UTF-8: as is when valid, else Windows-1252 (allocated). */
char *ole2_ansi(const unsigned char *s, size_t n);
/* A child of a storage, opened quietly (NULL when absent or unreadable). */
GsfInput *ole2_child(GsfInfile *dir, int i);
GsfInput *ole2_child_named(GsfInfile *dir, const char *name);
/* A stream's bytes within the limits (counted in ole->out); NULL with *why_r set. */
unsigned char *ole2_read_stream(struct ole2_rd *rd, GsfInput *in, size_t *len_r, bool *cut_r,
                                char **why_r);
/* A stream as a member's data, or the member's flags and note. */
void ole2_fill(struct ole2_rd *rd, struct mime_ole2_member *m, GsfInput *in);
/* A small child stream's bytes (counted in ole->out), or NULL. */
GBytes *ole2_child_bytes(struct ole2_rd *rd, GsfInfile *dir, const char *name);
/* A storage as a member: a compound file of its own. */
void ole2_storage(struct ole2_rd *rd, struct mime_ole2_member *m, GsfInfile *dir);

/* An Outlook message's attachments and bodies (ole2_msg.c). */
void ole2_msg(struct ole2_rd *rd, GsfInfile *root);
/* PowerPoint's embedded objects in its "PowerPoint Document" stream at path (ole2_ppt.c). */
void ole2_ppt(struct ole2_rd *rd, GsfInput *in, const char *path);

#endif
