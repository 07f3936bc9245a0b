#ifndef PARTSCAN_FTYPE_BYTES_H
#define PARTSCAN_FTYPE_BYTES_H

/*
 * Bounds-checked byte access shared by ftype.c, ftype_container.c and ftype_text.c (private
 * to the ftype module). Every read of the typed buffer goes through has() or at() first.
 */

#include "engine/ftype.h"

#include <stdint.h>
#include <string.h>

/* len bytes at off fit in a buffer of size (no overflow). */
static inline bool has(size_t size, size_t off, size_t len)
{
	return off <= size && len <= size - off;
}

static inline uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static inline uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The magic bytes at off, within the buffer. */
static inline bool at(const unsigned char *d, size_t size, size_t off, const char *magic,
                      size_t len)
{
	return has(size, off, len) && memcmp(d + off, magic, len) == 0;
}

/* Record a type (and flags): true, so that detectors can `return set(...)`. */
static inline bool set(struct ftype_info *info, enum ftype type, unsigned int flags)
{
	info->type = type;
	info->flags |= flags;
	return true;
}

#endif
