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
	if (q->len > 0)
		return;
	g_clear_pointer(&q->data, g_free);
	q->cap = q->len = q->head = q->whole = 0;
}

size_t gate_asm_partial(const struct gate_asm *q)
{
	return q->len - q->whole;
}

void gate_asm_drop_partial(struct gate_asm *q)
{
	q->len = q->whole;
	q->since = 0;
	if (q->head == q->len)
		q->head = q->whole = q->len = 0;
}
