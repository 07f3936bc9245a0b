#ifndef PARTSCAN_MIME_ZIPX_H
#define PARTSCAN_MIME_ZIPX_H

/*
 * zipx: the zip compression methods libarchive does not read — deflate64 (method 9, "enhanced
 * deflate": 64 KiB window, longer matches) and implode (method 6, PKZIP 1.x Shannon-Fano
 * coding) — and the central-directory lookup that finds such a member's bytes (internal to
 * mime/). Pure functions of their input, bounded by the caller's output size: thread safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIME_ZIPX_STORED    0
#define MIME_ZIPX_IMPLODE   6
#define MIME_ZIPX_DEFLATE   8
#define MIME_ZIPX_DEFLATE64 9

struct mime_zipx_entry {
	unsigned int method;
	unsigned int flags;        /* general purpose bits (implode reads bits 1 and 2) */
	uint64_t usize;            /* uncompressed size, as the central directory says */
	const unsigned char *data; /* the compressed bytes, inside the zip */
	size_t csize;
};

/*
 * Find the central-directory entry named name (n bytes, as stored) of uncompressed size usize
 * in a zip held in memory (zip64 records read), with its compressed bytes inside the buffer.
 * true when found and not encrypted.
 */
bool mime_zipx_find(const unsigned char *zip, size_t len, const char *name, size_t n,
                    uint64_t usize, struct mime_zipx_entry *entry_r);

/* Sizes and offset from a zip64 extra field (n bytes at x), for the fields marked 0xffffffff. */
void mime_zipx_extra64(const unsigned char *x, size_t n, uint64_t *usize, uint64_t *csize,
                       uint64_t *off);

/*
 * Decode an entry of method MIME_ZIPX_DEFLATE64 or MIME_ZIPX_IMPLODE (or, for an entry
 * libarchive gives no bytes of, MIME_ZIPX_STORED or MIME_ZIPX_DEFLATE) into out, at most cap
 * bytes (implode stops at usize). Returns the bytes written; *ok_r is false when the data is
 * invalid or ends early (what was written before stays in out). Stopping at cap is not an
 * error.
 */
size_t mime_zipx_decode(const struct mime_zipx_entry *entry, unsigned char *out, size_t cap,
                        bool *ok_r);

#endif
