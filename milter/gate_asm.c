/*
 * gate_asm: the packet gate's byte queues (see gate_asm.h). Limits: a queue holds at most
 * GATE_ASM_QUEUE ready bytes and one packet in assembly (GATE_ASM_MAX_PACKET), so its buffer
 * never grows past GATE_ASM_QUEUE + GATE_ASM_MAX_PACKET + GATE_ASM_READ. Thread safety: none.
 */

#include "milter/gate_asm.h"

#include <arpa/inet.h>
#include <string.h>

void gate_asm_init(struct gate_asm *q, bool packets)
{
	memset(q, 0, sizeof(*q));
	q->packets = packets;
}

void gate_asm_deinit(struct gate_asm *q)
{
	g_free(q->data);
	memset(q, 0, sizeof(*q));
}

/* The bytes the packet in part still needs (at least its header), or 0 when not known. */
static size_t gate_asm_want(const struct gate_asm *q)
{
	uint32_t len;
	size_t have = q->len - q->whole;

	if (!q->packets)
		return 0;
	if (have < GATE_ASM_HDR)
		return GATE_ASM_HDR - have;
	memcpy(&len, q->data + q->whole, GATE_ASM_HDR);
	return GATE_ASM_HDR + (size_t)ntohl(len) - have;
}

size_t gate_asm_room(struct gate_asm *q, unsigned char **at_r)
{
	/* the rest of the packet in part when its length is known, else a read's worth: the
	   buffer grows to what is needed, not doubled (reads touch every page of it, and 200
	   connections streaming bodies would each keep a large one resident) */
	size_t want = q->len - q->whole >= GATE_ASM_HDR ? gate_asm_want(q) : GATE_ASM_READ;
	size_t least = MIN(want, GATE_ASM_READ);

	*at_r = NULL;
	if (q->piped > 0)
		return 0; /* the packet in part goes on through the pipe (or comes back first) */
	if (q->whole - q->head >= GATE_ASM_QUEUE)
		return 0; /* the other side takes its bytes first */
	if (q->head == q->len)
		q->head = q->whole = q->len = 0; /* all sent: start again at the front */
	if (q->cap - q->len < least && q->head > 0) {
		/* what is left moves to the front: usually the start of one packet; ready bytes
		   too when libmilter takes them slower than the MTA sends (then at most
		   GATE_ASM_QUEUE of them) */
		memmove(q->data, q->data + q->head, q->len - q->head);
		q->len -= q->head;
		q->whole -= q->head;
		q->head = 0;
	}
	if (q->cap - q->len < least) {
		/* bounded: ready bytes < GATE_ASM_QUEUE, a packet <= GATE_ASM_MAX_PACKET */
		q->cap = q->len + want;
		q->data = g_realloc(q->data, q->cap);
	}
	*at_r = q->data + q->len;
	return q->cap - q->len;
}

int gate_asm_filled(struct gate_asm *q, size_t n, gint64 now)
{
	bool started = q->len == q->whole && n > 0;

	q->len += n;
	if (!q->packets) {
		q->whole = q->len;
		return 0;
	}
	for (;;) {
		uint32_t len;

		if (q->len - q->whole < GATE_ASM_HDR)
			break;
		memcpy(&len, q->data + q->whole, GATE_ASM_HDR);
		len = ntohl(len);
		if (len == 0 || len > GATE_ASM_MAX_PACKET)
			return -1; /* libmilter would end the session too */
		if (q->len - q->whole - GATE_ASM_HDR < len)
			break;
		q->last = (char)q->data[q->whole + GATE_ASM_HDR];
		q->big = len >= GATE_ASM_SPLICE_MIN;
		q->whole += GATE_ASM_HDR + (size_t)len;
		started = true; /* what follows a whole packet began in this read */
	}
	if (q->whole == q->len)
		q->since = 0;
	else if (started)
		q->since = now;
	return 0;
}

size_t gate_asm_ready(const struct gate_asm *q, const unsigned char **at_r)
{
	*at_r = q->data != NULL ? q->data + q->head : NULL;
	return q->whole - q->head;
}

void gate_asm_sent(struct gate_asm *q, size_t n)
{
	q->head += n;
	if (q->head == q->len)
		q->head = q->whole = q->len = 0;
}

void gate_asm_release(struct gate_asm *q)
{
	if (q->len > 0 || q->piped > 0)
		return;
	g_clear_pointer(&q->data, g_free);
	q->cap = q->len = q->head = q->whole = 0;
}

/* The length field of the packet in part (its header is in the buffer). */
static size_t gate_asm_plen(const struct gate_asm *q)
{
	uint32_t len;

	memcpy(&len, q->data + q->whole, GATE_ASM_HDR);
	return ntohl(len);
}

size_t gate_asm_splice_want(const struct gate_asm *q)
{
	size_t have = q->len - q->whole, rest;

	/* the command too must be in the buffer: it says when a message has ended */
	if (!q->packets || q->pipe_whole || have <= GATE_ASM_HDR)
		return 0;
	rest = GATE_ASM_HDR + gate_asm_plen(q) - have - q->piped;
	return q->piped > 0 || rest >= GATE_ASM_SPLICE_MIN ? rest : 0;
}

size_t gate_asm_read_max(const struct gate_asm *q, size_t room)
{
	size_t have = q->len - q->whole;

	if (!q->packets || !q->big || have > GATE_ASM_HDR)
		return room;
	return MIN(room, GATE_ASM_HDR + 1 - have);
}

void gate_asm_spliced(struct gate_asm *q, size_t n)
{
	q->piped += n;
	if (q->len - q->whole + q->piped < GATE_ASM_HDR + gate_asm_plen(q))
		return;
	q->last = (char)q->data[q->whole + GATE_ASM_HDR];
	q->big = true;
	q->whole = q->len;
	q->pipe_whole = true;
	q->since = 0;
}

size_t gate_asm_pipe_ready(const struct gate_asm *q)
{
	return q->pipe_whole && q->head == q->len ? q->piped : 0;
}

void gate_asm_pipe_sent(struct gate_asm *q, size_t n)
{
	q->piped -= n;
	if (q->piped == 0)
		q->pipe_whole = false;
}

size_t gate_asm_unpipe_room(struct gate_asm *q, unsigned char **at_r)
{
	*at_r = NULL;
	if (q->piped == 0)
		return 0;
	if (q->head > 0) {
		memmove(q->data, q->data + q->head, q->len - q->head);
		q->len -= q->head;
		q->whole -= q->head;
		q->head = 0;
	}
	/* bounded: the packet in part (<= GATE_ASM_MAX_PACKET) and what is ready before it */
	if (q->cap - q->len < q->piped) {
		q->cap = q->len + q->piped;
		q->data = g_realloc(q->data, q->cap);
	}
	*at_r = q->data + q->len;
	return q->piped;
}

void gate_asm_unpiped(struct gate_asm *q, size_t n)
{
	q->len += n;
	q->piped -= n;
	if (q->pipe_whole)
		q->whole = q->len;
	if (q->piped == 0)
		q->pipe_whole = false;
}

size_t gate_asm_partial(const struct gate_asm *q)
{
	return q->len - q->whole + (q->pipe_whole ? 0 : q->piped);
}

void gate_asm_drop_partial(struct gate_asm *q)
{
	if (!q->pipe_whole)
		q->piped = 0;
	q->len = q->whole;
	q->since = 0;
	if (q->head == q->len)
		q->head = q->whole = q->len = 0;
}
