#ifndef PARTSCAN_GATE_ASM_H
#define PARTSCAN_GATE_ASM_H

/*
 * gate_asm: the packet gate's byte queues (milter/gate.c), without sockets.
 *
 * A queue is one buffer: bytes at [head, len) are still to be sent. For the MTA's side the
 * queue also knows packets: [head, whole) are whole milter packets (4 bytes of length in
 * network order, then that many bytes), [whole, len) the start of the next one. Only whole
 * packets are handed on. Reading goes straight into the buffer's free end and sending straight
 * from it: no byte is copied in user space, but for the start of a packet moved to the front
 * of the buffer when its end has no room left.
 *
 * Limits: a packet's length must be 1..GATE_ASM_MAX_PACKET (else the connection must end, as
 * libmilter would end it); the buffer holds at most GATE_ASM_QUEUE bytes ready to send plus
 * one packet in assembly (gate_asm_room() says 0 past that: stop reading that side).
 * Thread safety: none (each queue belongs to the gate thread).
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#define GATE_ASM_MAX_PACKET (1024 * 1024 + 16) /* libmilter's largest (smfi_setmaxdatasize) */
#define GATE_ASM_QUEUE      (64 * 1024)        /* bytes ready to send before reading stops */
#define GATE_ASM_READ       (64 * 1024)        /* the least room offered to a read */
#define GATE_ASM_HDR        4
#define GATE_ASM_SPLICE_MIN (16 * 1024) /* a packet's rest worth splicing past user space */

struct gate_asm {
	unsigned char *data;
	size_t cap, len, head;
	size_t whole;    /* packets: the end of the whole ones; plain queue: len */
	gint64 since;    /* packets: monotonic time of the first byte of the one in part; else 0 */
	bool packets;    /* a queue of packets (the MTA's side) or of plain bytes */
	char last;       /* packets: the command of the last whole packet, 0 before one */
	size_t piped;    /* packets: bytes of the packet in part held outside, after [whole, len) */
	bool pipe_whole; /* those bytes made it whole: they follow [head, len), sent next */
	bool big;        /* packets: the last whole packet's rest was >= GATE_ASM_SPLICE_MIN */
};

/* An empty queue; packets: true for the MTA's side (whole packets only). */
void gate_asm_init(struct gate_asm *q, bool packets);
void gate_asm_deinit(struct gate_asm *q);

/* Where the next read may put bytes: the free room (0: do not read now, the queue is full). */
size_t gate_asm_room(struct gate_asm *q, unsigned char **at_r);

/* n bytes were read to where gate_asm_room() said, at monotonic time now. 0, or -1 when a
   packet's length is impossible (end the connection). */
int gate_asm_filled(struct gate_asm *q, size_t n, gint64 now);

/* The bytes ready to send (whole packets only, on the MTA's side); their count. */
size_t gate_asm_ready(const struct gate_asm *q, const unsigned char **at_r);

/* n of the ready bytes were sent. */
void gate_asm_sent(struct gate_asm *q, size_t n);

/* An empty queue's buffer is freed (the next read allocates one): at the end of a message,
   a connection waiting for its reply then holds no body-sized buffer. */
void gate_asm_release(struct gate_asm *q);

/*
 * Splicing (milter/gate.c): the rest of a large packet may go from the MTA's socket into a
 * pipe and from there to libmilter, never through this buffer. The pipe's bytes are counted
 * here so that whole packets alone are handed on, in order, and the timeout holds as before.
 */

/* The bytes the packet in part still needs, when they may be spliced: its header is in the
   buffer, its rest is at least GATE_ASM_SPLICE_MIN, and none of it was read into the buffer
   since splicing began. 0: read into the buffer instead. */
size_t gate_asm_splice_want(const struct gate_asm *q);

/* The most the next read should take when splicing is possible: the header of the packet
   in part when the last one was large (its rest may then be spliced), else all the room. */
size_t gate_asm_read_max(const struct gate_asm *q, size_t room);

/* n bytes of the packet in part went to the pipe (n <= gate_asm_splice_want()). */
void gate_asm_spliced(struct gate_asm *q, size_t n);

/* The pipe's bytes ready to send: nonzero only once the buffer's ready bytes are all sent
   and the piped packet is whole. */
size_t gate_asm_pipe_ready(const struct gate_asm *q);

/* n of the pipe's ready bytes were sent. */
void gate_asm_pipe_sent(struct gate_asm *q, size_t n);

/* Taking the pipe's bytes back into the buffer (splicing failed or the pipe is full): where
   they go, and their count (the buffer has grown to hold them). Then gate_asm_unpiped(). */
size_t gate_asm_unpipe_room(struct gate_asm *q, unsigned char **at_r);
void gate_asm_unpiped(struct gate_asm *q, size_t n);

/* Bytes of a packet begun and not whole (0: none), piped ones included: dropped when its
   sender ends (the caller empties the pipe). */
size_t gate_asm_partial(const struct gate_asm *q);
void gate_asm_drop_partial(struct gate_asm *q);

#endif
