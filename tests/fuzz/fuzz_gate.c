/*
 * fuzz_gate: a libFuzzer target over the packet gate's assembly (milter/gate_asm.c). The input
 * is a control byte stream and an MTA byte stream: the MTA's bytes are fed in reads of sizes
 * the control bytes choose (1 byte to all the room offered), and between reads some of the
 * ready bytes are "sent" (sizes chosen too). Checked against a plain parse of the MTA stream:
 * every byte handed on is the stream's byte, only whole packets are ever ready, an impossible
 * length is refused exactly where it stands, the buffer stays within its bound, and what is left
 * in part at the end is the unfinished packet. Control bytes also splice (the rest of a large
 * packet counted as held in a pipe), take the pipe's bytes back (splicing failed) and cap reads
 * at a header as the gate does: the pipe's bytes go on only whole and in their place.
 *
 *   make fuzz && build-fuzz/fuzz_gate -max_len=65536 CORPUS
 */

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "milter/gate_asm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BOUND ((size_t)GATE_ASM_QUEUE + GATE_ASM_MAX_PACKET + GATE_ASM_HDR + GATE_ASM_READ)

/* The end of the whole packets of s[0..n) and whether an impossible length stops them. */
static size_t whole_prefix(const uint8_t *s, size_t n, bool *bad_r)
{
	size_t at = 0;

	*bad_r = false;
	while (n - at >= GATE_ASM_HDR) {
		uint32_t len;

		memcpy(&len, s + at, GATE_ASM_HDR);
		len = ntohl(len);
		if (len == 0 || len > GATE_ASM_MAX_PACKET) {
			*bad_r = true;
			break;
		}
		if (n - at - GATE_ASM_HDR < len)
			break;
		at += GATE_ASM_HDR + len;
	}
	return at;
}

/* The pipe's ready bytes "sent": they are the stream's, right where the output stands. */
static void send_pipe(struct gate_asm *q, const uint8_t *mta, size_t *out, size_t *pipe_pos,
                      size_t whole)
{
	size_t pr = gate_asm_pipe_ready(q);

	(void)mta;
	if (pr == 0)
		return;
	if (*out != *pipe_pos || *out + pr > whole)
		abort(); /* the pipe's packet goes after the bytes before it, and whole */
	gate_asm_pipe_sent(q, pr);
	*out += pr;
	*pipe_pos += pr;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nctl = size > 0 ? MIN((size_t)data[0], size - 1) : 0;
	const uint8_t *ctl = data + 1, *mta = data + 1 + nctl;
	size_t nmta = size > 0 ? size - 1 - nctl : 0, fed = 0, out = 0, k = 0, whole, pipe_pos = 0;
	struct gate_asm q;
	bool bad, refused = false;

	gate_asm_init(&q, true);
	whole = whole_prefix(mta, nmta, &bad);
	while (fed < nmta) {
		unsigned char *at;
		const unsigned char *ready;
		size_t room, n, r, want = gate_asm_splice_want(&q);
		uint8_t c = nctl > 0 ? ctl[k++ % nctl] : 0xff;

		if (want > 0 && ((c & 2) || q.piped > 0)) {
			if (q.piped > 0 && (c & 0x40)) {
				/* splicing fails: the pipe's bytes come back into the buffer */
				n = gate_asm_unpipe_room(&q, &at);
				if (n != q.piped)
					abort();
				memcpy(at, mta + pipe_pos, n);
				gate_asm_unpiped(&q, n);
				pipe_pos += n;
				if (q.piped != 0 || q.cap > BOUND)
					abort();
				continue;
			}
			if (q.piped == 0)
				pipe_pos = fed;
			n = MIN(MIN(want, (size_t)(c >> 2) * 997 + 1), nmta - fed);
			gate_asm_spliced(&q, n);
			fed += n;
			if (gate_asm_room(&q, &at) != 0)
				abort(); /* nothing read between piped bytes */
			continue;
		}
		room = gate_asm_room(&q, &at);
		if (room == 0) {
			/* full: everything ready must be taken before more is read */
			r = gate_asm_ready(&q, &ready);
			if (r > 0) {
				if (out + r > whole || memcmp(ready, mta + out, r) != 0)
					abort();
				gate_asm_sent(&q, r);
				out += r;
			} else if (gate_asm_pipe_ready(&q) > 0) {
				send_pipe(&q, mta, &out, &pipe_pos, whole);
			} else {
				abort(); /* stuck */
			}
			continue;
		}
		if (c & 0x80)
			room = gate_asm_read_max(&q, room);
		n = c == 0xff ? room : MIN(room, (size_t)c + 1);
		n = MIN(n, nmta - fed);
		memcpy(at, mta + fed, n);
		fed += n;
		if (gate_asm_filled(&q, n, (gint64)fed) < 0) {
			refused = true;
			break;
		}
		if (q.cap > BOUND)
			abort();
		r = gate_asm_ready(&q, &ready);
		if (out + r > whole || (r > 0 && memcmp(ready, mta + out, r) != 0))
			abort(); /* only whole packets, the stream's own bytes */
		if (c & 1) {
			r = r / ((c >> 1) % 4 + 1);
			gate_asm_sent(&q, r);
			out += r;
			if (gate_asm_ready(&q, &ready) == 0)
				send_pipe(&q, mta, &out, &pipe_pos, whole);
		}
	}
	if (refused != bad)
		abort(); /* refused exactly when an impossible length is among the bytes read */
	if (!refused) {
		const unsigned char *ready;
		size_t r;

		/* take everything: the buffer's ready bytes, then the pipe's, until neither has any */
		while ((r = gate_asm_ready(&q, &ready)) > 0 || gate_asm_pipe_ready(&q) > 0) {
			if (r > 0 && memcmp(ready, mta + out, r) != 0)
				abort();
			gate_asm_sent(&q, r);
			out += r;
			send_pipe(&q, mta, &out, &pipe_pos, whole);
		}
		if (out != whole)
			abort();
		if (gate_asm_partial(&q) != nmta - whole)
			abort();
		if ((gate_asm_partial(&q) > 0) != (q.since != 0))
			abort();
		gate_asm_drop_partial(&q);
		if (gate_asm_partial(&q) != 0 || q.piped != 0)
			abort();
	}
	gate_asm_deinit(&q);
	return 0;
}
