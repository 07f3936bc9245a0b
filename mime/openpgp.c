/*
 * openpgp: literal and compressed data packets of OpenPGP messages (RFC 4880, section 4 and
 * 5.6, 5.9), binary or armoured.
 *
 * Limits: at most OPENPGP_MAX_NESTING compressed packets within each other, OPENPGP_MAX_PACKETS
 * packets and OPENPGP_MAX_ARMOR armoured blocks; decompressed and reassembled (partial body
 * lengths) bytes are bounded by the reader budget (max_member_bytes per buffer, max_ratio
 * over the message). An encrypted packet ends the reading with READER_ERROR_ENCRYPTED: there
 * is no key here. Thread safety: no state.
 */

#include "mime/openpgp.h"

#include <bzlib.h>
#include <string.h>

#define ARMOR_BEGIN "-----BEGIN PGP MESSAGE-----"

enum pgp_tag {
	TAG_PKESK = 1,
	TAG_SKESK = 3,
	TAG_SED = 9,
	TAG_COMPRESSED = 8,
	TAG_LITERAL = 11,
	TAG_SEIPD = 18,
	TAG_AEAD = 20,
};

struct pgp_state {
	struct reader_budget b;
	GPtrArray *members;
	unsigned int packets;
	bool encrypted;
	bool limit;
	const char *malformed;
};

struct pgp_packet {
	unsigned int tag;
	const unsigned char *body; /* a view, or the bytes of owned */
	size_t len;
	GBytes *owned; /* partial body lengths reassembled, or NULL */
	bool truncated;
};

/* A packet header at *pos: 1 with the packet, 0 at the end, -1 when malformed. */
static int pgp_next(struct pgp_state *st, const unsigned char *d, size_t n, size_t *pos,
                    struct pgp_packet *pk)
{
	size_t p = *pos, len;
	unsigned char h;

	memset(pk, 0, sizeof(*pk));
	if (p >= n)
		return 0;
	h = d[p++];
	if (!(h & 0x80))
		return -1;
	if (h & 0x40) {
		GByteArray *acc = NULL;

		pk->tag = h & 0x3f;
		for (;;) {
			unsigned char o;
			bool partial = false;

			if (p >= n)
				goto cut;
			o = d[p++];
			if (o < 192) {
				len = o;
			} else if (o < 224) {
				if (p >= n)
					goto cut;
				len = ((size_t)(o - 192) << 8) + d[p++] + 192;
			} else if (o == 255) {
				if (n - p < 4)
					goto cut;
				len = (size_t)d[p] << 24 | (size_t)d[p + 1] << 16 |
				      (size_t)d[p + 2] << 8 | d[p + 3];
				p += 4;
			} else {
				len = (size_t)1 << (o & 0x1f);
				partial = true;
			}
			if (len > n - p) {
				len = n - p;
				pk->truncated = true;
				partial = false;
			}
			if (!partial && acc == NULL) {
				pk->body = d + p;
				pk->len = len;
				p += len;
				break;
			}
			if (acc == NULL)
				acc = g_byte_array_new();
			if (len >
			    reader_budget_cap(&st->b) - MIN(acc->len, reader_budget_cap(&st->b))) {
				st->limit = true;
				pk->truncated = true;
				p = n;
				break;
			}
			g_byte_array_append(acc, d + p, (guint)len);
			p += len;
			if (!partial)
				break;
		}
		if (acc != NULL) {
			st->b.out += acc->len;
			pk->owned = g_byte_array_free_to_bytes(acc);
			pk->body = g_bytes_get_data(pk->owned, &pk->len);
		}
		*pos = p;
		return 1;
	cut:
		if (acc != NULL)
			g_byte_array_unref(acc);
		return -1;
	}
	pk->tag = (h >> 2) & 0x0f;
	switch (h & 3) {
	case 0:
		if (p >= n)
			return -1;
		len = d[p++];
		break;
	case 1:
		if (n - p < 2)
			return -1;
		len = (size_t)d[p] << 8 | d[p + 1];
		p += 2;
		break;
	case 2:
		if (n - p < 4)
			return -1;
		len = (size_t)d[p] << 24 | (size_t)d[p + 1] << 16 | (size_t)d[p + 2] << 8 |
		      d[p + 3];
		p += 4;
		break;
	default:
		len = n - p; /* indeterminate: to the end */
		break;
	}
	if (len > n - p) {
		len = n - p;
		pk->truncated = true;
	}
	pk->body = d + p;
	pk->len = len;
	*pos = p + len;
	return 1;
}

static GBytes *pgp_bunzip(struct reader_budget *b, const unsigned char *src, size_t len,
                          bool *truncated_r, const char **error_r)
{
	bz_stream bz;
	size_t cap = reader_budget_cap(b), alloc = MIN(cap, (size_t)65536), used = 0;
	unsigned char *out;
	int r = BZ_OK;

	*truncated_r = false;
	*error_r = NULL;
	memset(&bz, 0, sizeof(bz));
	if (BZ2_bzDecompressInit(&bz, 0, 0) != BZ_OK) {
		*error_r = "bzip2 could not start";
		return g_bytes_new(NULL, 0);
	}
	out = g_malloc(alloc + 1);
	bz.next_in = (char *)src;
	bz.avail_in = (unsigned int)MIN(len, (size_t)UINT32_MAX);
	for (;;) {
		if (used == alloc) {
			if (alloc >= cap) {
				*truncated_r = true;
				break;
			}
			alloc = alloc > cap / 2 ? cap : alloc * 2;
			out = g_realloc(out, alloc + 1);
		}
		bz.next_out = (char *)out + used;
		bz.avail_out = (unsigned int)MIN(alloc - used, (size_t)1 << 30);
		r = BZ2_bzDecompress(&bz);
		used = (size_t)((unsigned char *)bz.next_out - out);
		if (r != BZ_OK || (bz.avail_in == 0 && bz.avail_out > 0))
			break;
	}
	if (!*truncated_r && r != BZ_STREAM_END)
		*error_r = r == BZ_OK ? "bzip2 stream cut short" : "corrupt bzip2 stream";
	BZ2_bzDecompressEnd(&bz);
	b->out += used;
	return g_bytes_new_take(g_realloc(out, used + 1), used);
}

static void pgp_packets(struct pgp_state *st, const unsigned char *d, size_t n, unsigned int depth);

static void pgp_literal(struct pgp_state *st, const struct pgp_packet *pk)
{
	size_t nl, off, len;
	char *name;
	unsigned int flags = pk->truncated ? READER_MEMBER_TRUNCATED : 0;
	const char *note = pk->truncated ? "literal data cut short" : NULL;

	if (pk->len < 2 || (nl = pk->body[1]) + 6 > pk->len) {
		st->malformed = "literal data packet too short";
		return;
	}
	off = 2 + nl + 4;
	len = pk->len - off;
	if (len > st->b.lim.max_member_bytes) {
		len = (size_t)st->b.lim.max_member_bytes;
		flags |= READER_MEMBER_TRUNCATED;
		note = "literal data larger than max_member_bytes: cut there";
	}
	name = reader_name(pk->body + 2, nl);
	if (!reader_member_add(&st->b, st->members, name, g_bytes_new(pk->body + off, len), flags,
	                       note))
		st->limit = true;
	g_free(name);
}

static void pgp_compressed(struct pgp_state *st, const struct pgp_packet *pk, unsigned int depth)
{
	GBytes *inner = NULL;
	bool truncated = false;
	const char *why = NULL;

	if (pk->len < 1) {
		st->malformed = "empty compressed data packet";
		return;
	}
	if (depth >= OPENPGP_MAX_NESTING) {
		st->limit = true;
		return;
	}
	switch (pk->body[0]) {
	case 0:
		pgp_packets(st, pk->body + 1, pk->len - 1, depth + 1);
		return;
	case 1:
	case 2:
		inner = reader_inflate(&st->b, pk->body + 1, pk->len - 1,
		                       pk->body[0] == 1 ? READER_Z_RAW : READER_Z_ZLIB,
		                       reader_budget_cap(&st->b), &truncated, &why);
		break;
	case 3:
		inner = pgp_bunzip(&st->b, pk->body + 1, pk->len - 1, &truncated, &why);
		break;
	default:
		st->malformed = "unknown compression algorithm";
		return;
	}
	if (truncated)
		st->limit = true;
	pgp_packets(st, g_bytes_get_data(inner, NULL), g_bytes_get_size(inner), depth + 1);
	if (why != NULL && st->malformed == NULL)
		st->malformed = why;
	g_bytes_unref(inner);
}

static void pgp_packets(struct pgp_state *st, const unsigned char *d, size_t n, unsigned int depth)
{
	size_t pos = 0;
	struct pgp_packet pk;
	int r = 0;

	while (!st->encrypted && (r = pgp_next(st, d, n, &pos, &pk)) == 1) {
		if (++st->packets > OPENPGP_MAX_PACKETS) {
			st->limit = true;
			if (pk.owned != NULL)
				g_bytes_unref(pk.owned);
			return;
		}
		switch (pk.tag) {
		case TAG_LITERAL:
			pgp_literal(st, &pk);
			break;
		case TAG_COMPRESSED:
			pgp_compressed(st, &pk, depth);
			break;
		case TAG_PKESK:
		case TAG_SKESK:
		case TAG_SED:
		case TAG_SEIPD:
		case TAG_AEAD:
			st->encrypted = true;
			break;
		default:
			break; /* signatures, one-pass signatures, markers, keys: nothing to scan */
		}
		if (pk.owned != NULL)
			g_bytes_unref(pk.owned);
	}
	if (r < 0 && st->malformed == NULL)
		st->malformed = "malformed packet header";
}

bool openpgp_probe(const unsigned char *data, size_t len)
{
	unsigned char h, tag;
	size_t skip;

	if (len >= strlen(ARMOR_BEGIN) && memcmp(data, ARMOR_BEGIN, strlen(ARMOR_BEGIN)) == 0)
		return true;
	if (len < 4 || !((h = data[0]) & 0x80))
		return false;
	if (h & 0x40) {
		tag = h & 0x3f;
		skip = data[1] < 192 ? 2 : data[1] < 224 ? 3 : data[1] == 255 ? 6 : 2;
	} else {
		tag = (h >> 2) & 0x0f;
		skip = (size_t[]){2, 3, 5, 1}[h & 3];
	}
	if (skip >= len)
		return false;
	if (tag == TAG_COMPRESSED)
		return data[skip] <= 3;
	if (tag == TAG_LITERAL)
		return strchr("btumlL1", data[skip]) != NULL && data[skip] != 0;
	return false;
}

/*
 * Every text part is asked, so most answers are no: memchr for '-' runs at memory speed where
 * memmem is several times slower, and prose has few dashes. Text made of dashes would cost a
 * call per byte: after ARMOR_MAX_DASHES dashes that do not begin the line, memmem does the rest.
 */
#define ARMOR_MAX_DASHES 4096

bool openpgp_armored(const unsigned char *data, size_t len)
{
	const size_t n = strlen(ARMOR_BEGIN);
	const unsigned char *p = data, *end = data + len;

	for (unsigned int tries = 0; len >= n && p <= end - n; tries++) {
		if (tries == ARMOR_MAX_DASHES)
			return memmem(p, (size_t)(end - p), ARMOR_BEGIN, n) != NULL;
		p = memchr(p, '-', (size_t)(end - n - p) + 1);
		if (p == NULL)
			return false;
		if (memcmp(p, ARMOR_BEGIN, n) == 0)
			return true;
		p++;
	}
	return false;
}

/* The base64 body of the armoured block at d (after its BEGIN line), decoded. */
static GBytes *pgp_dearmor(struct pgp_state *st, const unsigned char *d, size_t n)
{
	size_t p = 0, start, end;
	bool truncated;
	GBytes *out;

	/* armor headers ("Version: ...", "Comment: ...") up to an empty line */
	while (p < n) {
		const unsigned char *nl = memchr(d + p, '\n', n - p);
		size_t l = nl != NULL ? (size_t)(nl - (d + p)) : n - p;
		bool empty = l == 0 || (l == 1 && d[p] == '\r');
		bool header = memchr(d + p, ':', l) != NULL;

		if (empty) {
			p += l + 1;
			break;
		}
		if (!header)
			break;
		p += l + (nl != NULL);
	}
	start = end = p;
	while (end < n && d[end] != '=' && d[end] != '-') {
		const unsigned char *nl = memchr(d + end, '\n', n - end);
		const unsigned char *eq =
		        memchr(d + end, '=', nl != NULL ? (size_t)(nl - (d + end)) : n - end);

		if (eq != NULL) { /* padding ends the data */
			end = (size_t)(eq - d);
			break;
		}
		end = nl != NULL ? (size_t)(nl - d) + 1 : n;
	}
	out = reader_base64(d + start, end - start, reader_budget_cap(&st->b), &truncated);
	if (truncated)
		st->limit = true;
	st->b.out += g_bytes_get_size(out);
	return out;
}

int openpgp_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
                 GPtrArray *members_r, GError **error)
{
	struct pgp_state st = {.members = members_r};
	guint before = members_r->len;
	const unsigned char *at;

	reader_budget_init(&st.b, lim, len);
	if (openpgp_armored(data, len)) {
		size_t pos = 0;

		for (unsigned int i = 0;
		     i < OPENPGP_MAX_ARMOR && !st.encrypted &&
		     (at = memmem(data + pos, len - pos, ARMOR_BEGIN, strlen(ARMOR_BEGIN))) != NULL;
		     i++) {
			size_t body = (size_t)(at - data) + strlen(ARMOR_BEGIN);
			const unsigned char *nl = memchr(data + body, '\n', len - body);
			GBytes *bin;

			if (nl == NULL)
				break;
			body = (size_t)(nl - data) + 1;
			bin = pgp_dearmor(&st, data + body, len - body);
			pgp_packets(&st, g_bytes_get_data(bin, NULL), g_bytes_get_size(bin), 0);
			g_bytes_unref(bin);
			pos = body;
		}
	} else {
		pgp_packets(&st, data, len, 0);
	}
	if (st.encrypted) {
		g_set_error(error, READER_ERROR, READER_ERROR_ENCRYPTED,
		            "encrypted OpenPGP message: no key to read it");
		return -1;
	}
	if (st.limit) {
		g_set_error(error, READER_ERROR, READER_ERROR_LIMIT,
		            "OpenPGP message over a limit (max_member_bytes, max_ratio, nesting or "
		            "packets): not all read");
		return -1;
	}
	if (members_r->len == before && st.malformed != NULL) {
		g_set_error(error, READER_ERROR, READER_ERROR_MALFORMED, "%s", st.malformed);
		return -1;
	}
	return 0;
}
