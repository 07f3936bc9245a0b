#ifndef PARTSCAN_FMAP_H
#define PARTSCAN_FMAP_H

/*
 * fmap: a read-only view of bytes, over memory or over an mmapped file, with bounds-checked
 * access. A view does not own memory unless it was made by fmap_open_file() or
 * fmap_read_fd(); fmap_close() releases what it owns. A view is a plain value: copy it
 * freely, close only the original.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

struct fmap {
	const unsigned char *data;
	size_t size;
	/* private: what fmap_close() releases */
	void *map_base; /* mmapped region, or NULL */
	size_t map_len;
	void *owned; /* g_malloc'd buffer, or NULL */
};

/* A view over caller-owned memory. */
void fmap_init_mem(struct fmap *map_r, const void *data, size_t size);

/*
 * Map a regular file read-only (an empty file gives an empty view). Returns 0, or -1 with
 * error set (G_FILE_ERROR, message names the path).
 */
int fmap_open_file(const char *path, struct fmap *map_r, GError **error);

/*
 * Read a whole stream (stdin, a pipe, a device) into memory, at most max_size bytes (0: no
 * limit). With over_r NULL a stream longer than that is refused; otherwise reading stops at
 * max_size and *over_r says whether there was more (the rest is left unread). Returns 0, or
 * -1 with error set.
 */
int fmap_read_fd(int fd, size_t max_size, bool *over_r, struct fmap *map_r, GError **error);

/* Pointer to len bytes at offset, or NULL when they do not fit. */
const unsigned char *fmap_need(const struct fmap *map, size_t offset, size_t len);

/* Release what the view owns and empty it. Accepts NULL and an already closed view. */
void fmap_close(struct fmap *map);

#endif
