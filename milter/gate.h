#ifndef PARTSCAN_GATE_H
#define PARTSCAN_GATE_H

/*
 * gate: whole milter packets only, for libmilter.
 *
 * Debian's libmilter runs sessions on a pool of worker threads: a worker takes a session
 * whose socket is readable and reads one whole packet, blocking until the packet is complete
 * or [milter] timeout has passed; when many sessions turn readable at once the pool starts
 * fewer workers than there are sessions, and the others wait for a busy worker to come
 * free. An MTA connection that stops in the middle of a packet thus holds a worker for the
 * whole timeout (300 s), and a burst of them left a normal connection waiting that long for
 * its negotiation reply.
 *
 * The gate stands between the MTA and libmilter: it takes over the listening milter socket
 * and gives libmilter, on an inner socket of its own, only whole packets, so a libmilter
 * worker never waits for an MTA. One thread multiplexes every connection with epoll: a
 * packet in progress costs a buffer (at most GATE_MAX_PACKET, gate_asm.h), not a thread; one still
 * incomplete after [milter] timeout, or with an impossible length, ends its connection (as
 * libmilter would). libmilter's replies go back as they come. The inner socket is a unix
 * socket beside the milter socket (SOCKET.gate, mode 0600) for a unix milter socket, or
 * 127.0.0.1 on a port of the system's choosing for an inet one.
 *
 * A large packet (a body chunk) costs the gate no copy: once its header and command are in the
 * gate's buffer, the rest goes from the MTA's socket into a pipe with splice(2) (the kernel
 * moves page references), and only when the pipe holds the whole packet does the gate send the
 * buffer's bytes and then splice the pipe into libmilter's socket. A pipe belongs to a
 * connection only while it holds bytes (a small pool keeps a few idle ones, and at most
 * GATE_PIPES_MAX exist). Where splicing fails (a full pipe, an error), the pipe's bytes are read
 * back into the buffer and the connection goes on without splicing.
 */

#include <glib.h>
#include <fcntl.h>
#include <sys/types.h>

#define GATE_MAX_PACKET (1024 * 1024 + 16) /* libmilter's largest (smfi_setmaxdatasize) */

/*
 * Take over libmilter's listening socket: call after smfi_opensocket(), before privileges
 * are dropped. socket: the milter socket as configured; timeout: seconds a packet may take.
 * Returns 0, or -1 with error set (then libmilter keeps its socket: no gate).
 */
int gate_open(const char *socket, unsigned int timeout, GError **error);
/* The inner socket's path (to give to the daemon's user), or NULL. */
const char *gate_inner_path(void);
/* What the gate has done since the start (read by any thread). */
struct gate_counts {
	guint64 spliced_in;  /* bytes from the MTA into pipes */
	guint64 spliced_out; /* bytes from pipes to libmilter */
	guint64 copied;      /* bytes to libmilter from the gate's buffers */
	guint64 pipes;       /* pipes open now (idle ones included) */
};
void gate_counts(struct gate_counts *r);
/* For tests: the splice(2) the gate calls (a test makes it fail to see the fallback). */
extern ssize_t (*gate_splice_fn)(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len,
                                 unsigned int flags);
/* Serve on a thread until gate_stop(); stop ends every connection still open. */
void gate_start(void);
void gate_stop(void);

#endif
