#ifndef PARTSCAN_BUFPOOL_H
#define PARTSCAN_BUFPOOL_H

/*
 * bufpool: large message buffers kept for the next message.
 *
 * A 10 MB message's buffer freed at the end of the message goes back to the kernel (or to the
 * top of a malloc arena that glibc trims), and the next message's buffer is faulted in and
 * zeroed page by page again: at 16 connections that was a tenth of partscan's CPU for 10 MB
 * mail. The pool keeps up to BUFPOOL_MAX buffers of at least BUFPOOL_MIN bytes (at most
 * BUFPOOL_BYTES in all) and hands the smallest that fits to the next message. Sizes are
 * rounded up to a class (an eighth of their power of two): messages of nearly the same size
 * (the same attachment to different recipients) then fit each other's buffers, where exact
 * sizes made a buffer a few bytes too small for most of the next messages at 16 connections
 * (770 pages faulted in per 10 MB message); the rounding costs address space, not memory.
 * A full pool drops smaller buffers to keep a larger one (which serves small messages too). After
 * BUFPOOL_IDLE_S seconds without a message the pool is emptied and malloc_trim() gives the
 * memory back (instead of trimming on every free). Thread safety: all functions may be called
 * from any thread.
 */

#include <glib.h>

#define BUFPOOL_MIN    (512 * 1024)        /* smaller buffers are malloc's business */
#define BUFPOOL_MAX    16                  /* buffers kept */
#define BUFPOOL_BYTES  (256 * 1024 * 1024) /* bytes kept in all */
#define BUFPOOL_IDLE_S 5                   /* seconds without a take or give before the trim */

/* An empty buffer of at least size bytes' capacity: a kept one, or a new one. *cap_r: what
   to give back with it (its known capacity). The caller owns it. */
GByteArray *bufpool_take(size_t size, size_t *cap_r);
/* The size a buffer for size bytes gets (its class; size itself below BUFPOOL_MIN). */
size_t bufpool_class(size_t size);

/* Give a buffer back (*b is set to NULL): kept if it is large and the pool has room, else
   freed. NULL is accepted. */
void bufpool_give(GByteArray **b, size_t cap);

/* Buffers kept, and their bytes (for tests and the bench). */
unsigned int bufpool_count(size_t *bytes_r);

/* Empty the pool and give free memory back to the kernel (what the idle timer does). */
void bufpool_trim(void);

#endif
