/*
 * encodings: where readers of the same bytes disagree, every reading a real client uses is
 * scanned, each distinct result once (dedupe by size and SHA-256, mime_part_digest):
 *
 *   base64 with data after its padding     GMime and Thunderbird decode on (the part itself),
 *                                          Python's email stops at the padding (P/altN)
 *   a transfer encoding with parameters    Thunderbird reads the token ("quoted-printable;
 *     ("quoted-printable; x-mode=binary")    x-mode=binary" is QP), Python's email does not
 *                                          know it (the bytes as they are): both
 *   x-uuencode, uue, x-uue, x-yencode      decoded (uudeview, Thunderbird) beside the bytes
 *                                          as they are
 *   quoted-printable: "=" before       the part decodes them as RFC 2045 says (a soft
 *     blanks, trailing white space,       break; kept; decoded); GMime and Python keep
 *     lower-case "=3d"                      "=  " (P/altN), RFC 2045's decoder (Python's
 *                                          quopri) deletes trailing blanks, a strict one
 *                                          leaves "=3d" as it is
 *   7bit, 8bit, binary (or none) over      the bytes as they are, and decoded
 *     clearly base64 lines, or starting
 *     with a uuencode, yEnc or BinHex block
 *   yEnc and BinHex 4.0 blocks in text     each block a part (P/yencN, P/binhexN), as
 *     (also the body of an                   uudeview and Apple Mail extract them
 *     application/mac-binhex40 part)
 *
 * A reading is a job over the same bytes with another enum mime_enc: the loop decodes it
 * within the budget, scans it, and makes it a part only when no bytes of the same size and
 * SHA-256 were scanned before (MIME_FROM_READING). What decides a reading is a look at the
 * declared encoding and the decoder's flags, or a first line that is base64: parts of no
 * such kind cost nothing more. Thread safety: one context per call.
 */

#include "mime/encodings.h"
#include "mime/binhex.h"
#include "mime/ctx.h"
#include "mime/uuencode.h"
#include "mime/yenc.h"

#include <string.h>
#include <zlib.h>

/* The token of a declared transfer encoding, lower-case, and whether parameters follow. */
static const char *reading_token(const char *encoding, char *buf, size_t size, bool *params_r)
{
	size_t n = 0;

	*params_r = false;
	if (encoding == NULL)
		return NULL;
	while (*encoding == ' ' || *encoding == '\t' || *encoding == '"')
		encoding++;
	while (encoding[n] != '\0' && encoding[n] != ';' && encoding[n] != ' ' &&
	       encoding[n] != '\t' && encoding[n] != '"' && n + 1 < size) {
		buf[n] = g_ascii_tolower(encoding[n]);
		n++;
	}
	buf[n] = '\0';
	*params_r = strchr(encoding, ';') != NULL;
	return buf;
}

/* The encoding a client reads in a token, or MIME_ENC_RAW. */
static enum mime_enc reading_of_token(const char *tok)
{
	static const struct {
		const char *name;
		enum mime_enc enc;
	} names[] = {
	        {"base64", MIME_ENC_BASE64},   {"quoted-printable", MIME_ENC_QP},
	        {"x-uuencode", MIME_ENC_UU},   {"uuencode", MIME_ENC_UU},
	        {"x-uue", MIME_ENC_UU},        {"uue", MIME_ENC_UU},
	        {"x-yencode", MIME_ENC_YENC},  {"x-yenc", MIME_ENC_YENC},
	        {"yencode", MIME_ENC_YENC},    {"yenc", MIME_ENC_YENC},
	        {"x-binhex", MIME_ENC_BINHEX}, {"x-binhex40", MIME_ENC_BINHEX},
	        {"binhex40", MIME_ENC_BINHEX}, {"x-mac-binhex40", MIME_ENC_BINHEX},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		if (strcmp(tok, names[i].name) == 0)
			return names[i].enc;
	}
	return MIME_ENC_RAW;
}

/*
 * Bytes declared as plain data (7bit, 8bit, binary, none) that are encoded all the same:
 * clearly base64 lines, or a uuencode, yEnc or BinHex block at their start (after blank
 * lines). A few byte compares on anything else.
 */
static enum mime_enc reading_sniff(const unsigned char *body, size_t len)
{
	static const char intro[] = "(This file must be converted with BinHex";
	const unsigned char *p = body, *end = body + len;
	size_t n;

	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	n = (size_t)(end - p);
	if (n >= 8 && memcmp(p, "=ybegin ", 8) == 0)
		return MIME_ENC_YENC;
	if (n >= sizeof(intro) - 1 && memcmp(p, intro, sizeof(intro) - 1) == 0)
		return MIME_ENC_BINHEX;
	if (n >= 6 && memcmp(p, "begin ", 6) == 0) {
		struct mime_uu_block b;

		if (mime_uu_at(body, len, (size_t)(p - body), &b) && !b.base64)
			return MIME_ENC_UU;
	}
	return mime_decode_looks_base64(body, len) ? MIME_ENC_BASE64 : MIME_ENC_RAW;
}

static int reading_make(struct mime_ctx *ctx, struct mime_work *w, size_t n, unsigned int dflags)
{
	int idx = mime_part_new(ctx, w->path, w->parent, w->depth);
	const struct msg_part *of;
	struct msg_part *p;

	if (idx < 0)
		return -1;
	of = mime_part_at(ctx, w->parent);
	p = mime_part_at(ctx, idx);
	p->content_type = g_strdup(of->content_type);
	p->disposition = g_strdup(of->disposition);
	p->name = g_strdup(of->name);
	p->encoding = g_strdup(w->encoding);
	p->encoded_size = g_bytes_get_size(w->bytes);
	mime_part_flag(p, 0, "%s", w->note);
	if (dflags & MIME_DECODE_BAD)
		mime_part_flag(p, MSG_PART_BAD_ENCODING, "invalid %s", mime_decode_name(w->enc));
	if (dflags & MIME_DECODE_FULL)
		mime_part_truncated(ctx, p, n, MIME_BOUND_PART_BYTES);
	return idx;
}

/* Another decoding of leaf w->parent gives bytes scanned before as part of: a copy there. */
static void reading_copy(struct mime_ctx *ctx, struct mime_work *w, int of)
{
	const struct msg_part *leaf = mime_part_at(ctx, w->parent);
	struct msg_copy c = {.parent = w->parent};

	if (of == w->parent)
		return; /* the leaf's own bytes: nothing to add */
	c.found_by = g_strdup_printf("part %s: %s", leaf->path, w->note);
	c.name = g_strdup(leaf->name);
	c.alt_name = g_strdup(leaf->alt_name);
	c.content_type = g_strdup(leaf->content_type);
	mime_part_add_copy(ctx, of, &c);
}

static void reading_add(struct mime_ctx *ctx, GPtrArray **out, struct mime_work *leaf, int idx,
                        enum mime_enc enc, const char *note)
{
	const struct msg_part *p = mime_part_at(ctx, idx);
	struct mime_work *w = mime_work_new(g_bytes_ref(leaf->bytes), MIME_FROM_READING, enc, -1);

	if (*out == NULL)
		*out = g_ptr_array_new();
	w->make = reading_make;
	w->copy = reading_copy;
	w->parent = idx;
	w->depth = p->depth + 1;
	w->path = g_strdup_printf("%s/alt%u", p->path, (*out)->len + 1);
	w->encoding = enc == MIME_ENC_RAW ? "binary" : mime_decode_name(enc);
	w->note = note;
	g_ptr_array_add(*out, w);
}

/*
 * Quoted-printable read the other ways clients read it, each only when the bytes have what
 * that reading takes otherwise: as the decoding found (its flags), and trailing blanks (one
 * memchr() per line).
 */
static void reading_qp(struct mime_ctx *ctx, GPtrArray **out, struct mime_work *w, int idx,
                       const unsigned char *body, size_t len, unsigned int dflags)
{
	unsigned int v = mime_decode_qp_trailing(body, len) ? MIME_QP_STRIP : 0;

	/* what the decoding met (the whole of it, unless it was cut) */
	if (dflags & MIME_DECODE_FULL)
		v |= mime_decode_qp_variants(body, len);
	if (dflags & MIME_DECODE_QP_EQ_BLANK)
		v |= MIME_QP_KEEP_EQ_BLANK;
	if (dflags & MIME_DECODE_QP_LOWER)
		v |= MIME_QP_UPPER;

	if (v & MIME_QP_KEEP_EQ_BLANK)
		reading_add(ctx, out, w, idx, MIME_ENC_QP_KEEP,
		            "quoted-printable with \"=\" before blanks kept (GMime, Thunderbird, "
		            "Python's email)");
	if (v & MIME_QP_STRIP)
		reading_add(ctx, out, w, idx, MIME_ENC_QP_RFC,
		            "quoted-printable with trailing white space deleted (RFC 2045, "
		            "Python's quopri)");
	if (v & MIME_QP_UPPER)
		reading_add(ctx, out, w, idx, MIME_ENC_QP_STRICT,
		            "quoted-printable with only upper-case \"=XX\" decoded (a strict "
		            "RFC 2045 decoder)");
}

GPtrArray *mime_encodings_leaf(struct mime_ctx *ctx, struct mime_work *w, int idx,
                               unsigned int dflags)
{
	const struct msg_part *p = mime_part_at(ctx, idx);
	GPtrArray *out = NULL;
	enum mime_enc tok_enc = MIME_ENC_RAW, enc;
	char buf[32];
	bool params = false;
	const char *tok = reading_token(p->encoding, buf, sizeof(buf), &params);
	size_t len;
	const unsigned char *body = g_bytes_get_data(w->bytes, &len);

	if (len == 0)
		return NULL;
	if (tok != NULL)
		tok_enc = reading_of_token(tok);
	if (w->enc == MIME_ENC_BASE64 && (dflags & MIME_DECODE_PAD))
		reading_add(ctx, &out, w, idx, MIME_ENC_BASE64_STOP,
		            "base64 read up to its padding (Python's email)");
	if (w->enc == MIME_ENC_QP)
		reading_qp(ctx, &out, w, idx, body, len, dflags);
	if (w->enc != MIME_ENC_RAW && params)
		reading_add(ctx, &out, w, idx, MIME_ENC_RAW,
		            "the bytes as they are (a transfer encoding with parameters)");
	if (w->enc == MIME_ENC_RAW && tok_enc != MIME_ENC_RAW) {
		reading_add(ctx, &out, w, idx, tok_enc,
		            "decoded as its declared transfer encoding");
	} else if (w->enc == MIME_ENC_RAW) {
		enc = reading_sniff(body, len);
		if (enc != MIME_ENC_RAW)
			reading_add(ctx, &out, w, idx, enc,
			            enc == MIME_ENC_BASE64
			                    ? "decoded as base64 (declared as plain data)"
			                    : "decoded as the block it starts with "
			                      "(declared as plain data)");
	}
	if (out != NULL)
		ctx->dedupe = true;
	return out;
}

void mime_encodings_append(GPtrArray *children, GPtrArray **readings)
{
	GPtrArray *r = *readings;

	if (r == NULL)
		return;
	for (guint i = 0; i < r->len; i++)
		g_ptr_array_add(children, r->pdata[i]);
	g_ptr_array_free(r, TRUE);
	*readings = NULL;
}

/* A block of part idx over data[from, to): a child job "P/KINDn". */
static struct mime_work *reading_child(struct mime_ctx *ctx, int idx, GBytes *data, size_t from,
                                       size_t to, enum mime_enc enc, const char *kind,
                                       unsigned int n, const char *name)
{
	const struct msg_part *p = mime_part_at(ctx, idx);
	struct mime_work *w = mime_work_new(g_bytes_new_from_bytes(data, from, to - from),
	                                    MIME_FROM_BLOCK, enc, -1);

	w->parent = idx;
	w->depth = p->depth + 1;
	w->path = g_strdup_printf("%s/%s%u%s", p->path, kind, n,
	                          enc == MIME_ENC_BINHEX_RSRC ? ".rsrc" : "");
	w->encoding = mime_decode_name(enc);
	w->encoded_size = to - from;
	w->container_of = true;
	if (name != NULL && *name != '\0')
		w->name = g_utf8_make_valid(name, -1);
	return w;
}

bool mime_encodings_block_line(const unsigned char *line, size_t n)
{
	static const char intro[] = "(This file must be converted with BinHex";

	if (n >= 7 && memcmp(line, "=ybegin", 7) == 0)
		return true;
	return n >= sizeof(intro) - 1 && memcmp(line, intro, sizeof(intro) - 1) == 0;
}

static bool reading_binhex_type(const struct msg_part *p)
{
	const char *t = p->content_type;

	return t != NULL &&
	       (strcmp(t, "application/mac-binhex40") == 0 ||
	        strcmp(t, "application/x-mac-binhex40") == 0 ||
	        strcmp(t, "application/binhex") == 0 || strcmp(t, "application/x-binhex40") == 0);
}

static bool reading_blocks_wanted(const struct msg_part *p)
{
	if (p->flags & (MSG_PART_TNEF | MSG_PART_ARCHIVE_MEMBER))
		return false;
	if (p->encoding != NULL &&
	    (strcmp(p->encoding, "yEnc") == 0 || g_str_has_prefix(p->encoding, "BinHex")))
		return false; /* decoded from such a block already */
	return (p->content_type != NULL && g_str_has_prefix(p->content_type, "text/")) ||
	       p->scan.type.type == FTYPE_TEXT || reading_binhex_type(p);
}

static bool reading_depth(struct mime_ctx *ctx, int idx, unsigned int *n)
{
	return *n > 0 || mime_expand_depth_ok(ctx, mime_part_at(ctx, idx));
}

static gint yenc_by_offset(gconstpointer a, gconstpointer b)
{
	const struct mime_yenc_block *x = *(const struct mime_yenc_block *const *)a;
	const struct mime_yenc_block *y = *(const struct mime_yenc_block *const *)b;

	return x->pbegin < y->pbegin ? -1 : x->pbegin > y->pbegin;
}

/*
 * One multi-part yEnc file: its parts (same name and size) joined by their offsets into a
 * buffer of the file's size, within the byte budget; a child job "P/yfileN" of decoded
 * bytes. A part missing or a crc32 that does not match is noted; the bytes are scanned.
 */
static struct mime_work *reading_yenc_join(struct mime_ctx *ctx, int idx, const unsigned char *d,
                                           GPtrArray *group, unsigned int k)
{
	const struct mime_yenc_block *first = group->pdata[0], *crc = NULL;
	struct msg_part *p = mime_part_at(ctx, idx);
	enum mime_bound bound = MIME_BOUND_NONE;
	size_t cap = mime_bytes_budget(ctx, p, MIME_RES_BYTES, first->size, &bound), got;
	unsigned int flags = 0;
	unsigned char *buf;
	struct mime_work *w;
	GString *note;

	if (cap == 0 || (buf = g_try_malloc0(cap)) == NULL)
		return NULL;
	got = mime_yenc_join(d, (const struct mime_yenc_block *const *)group->pdata, group->len,
	                     buf, cap, &flags);
	ctx->use.decoded += cap;
	w = mime_work_new(g_bytes_new_take(buf, cap), MIME_FROM_BLOCK, MIME_ENC_RAW, -1);
	w->decoded = true;
	w->parent = idx;
	w->depth = p->depth + 1;
	w->path = g_strdup_printf("%s/yfile%u", p->path, k);
	w->encoding = "yEnc";
	w->encoded_size = 0;
	w->container_of = true;
	w->name = first->name[0] != '\0' ? g_utf8_make_valid(first->name, -1) : NULL;
	w->note = "a multi-part yEnc file, its parts joined by their offsets";
	note = g_string_new(NULL);
	for (guint i = 0; i < group->len; i++) {
		const struct mime_yenc_block *b = group->pdata[i];

		w->encoded_size += b->end - b->begin;
		if (b->has_crc)
			crc = b;
	}
	if (cap < first->size)
		g_string_append_printf(note, "only the first %zu bytes joined (%s); ", cap,
		                       bound == MIME_BOUND_TOTAL_BYTES ? "max_total_bytes"
		                                                       : "max_part_bytes");
	else if (got < cap)
		g_string_append_printf(note, "parts missing: %zu of %zu bytes not in the message; ",
		                       cap - got, cap);
	if (crc != NULL && cap == first->size && got == cap &&
	    crc32(0, buf, (uInt)cap) != crc->crc32)
		g_string_append_printf(note, "crc32 %08lx, the \"=yend\" line says %08x; ",
		                       crc32(0, buf, (uInt)cap), crc->crc32);
	if (flags & MIME_DECODE_BAD)
		g_string_append(note, "invalid yEnc in a part; ");
	if (note->len > 0) {
		g_string_truncate(note, note->len - 2);
		w->scanned_flag = cap < first->size ? MSG_PART_TRUNCATED : MSG_PART_BAD_ENCODING;
		mime_anomaly(ctx, MSG_ANOM_BAD_ENCODING, "part %s: %s", w->path, note->str);
		w->scanned_note = g_string_free(note, FALSE);
	} else {
		g_string_free(note, TRUE);
	}
	return w;
}

/* The multi-part yEnc files among the blocks of part idx: each joined, after the blocks. */
static void reading_yenc_files(struct mime_ctx *ctx, int idx, const unsigned char *d, GArray *parts,
                               GPtrArray *children)
{
	GPtrArray *group = g_ptr_array_new();
	unsigned int k = 0;

	for (guint i = 0; i < parts->len; i++) {
		struct mime_yenc_block *a = &g_array_index(parts, struct mime_yenc_block, i);
		struct mime_work *w;

		if (a->size == 0)
			continue; /* joined already */
		g_ptr_array_set_size(group, 0);
		for (guint j = i; j < parts->len; j++) {
			struct mime_yenc_block *b =
			        &g_array_index(parts, struct mime_yenc_block, j);

			if (b->size == a->size && strcmp(b->name, a->name) == 0)
				g_ptr_array_add(group, b);
		}
		if (group->len >= 2) {
			g_ptr_array_sort(group, yenc_by_offset);
			w = reading_yenc_join(ctx, idx, d, group, ++k);
			if (w != NULL)
				g_ptr_array_add(children, w);
		}
		for (guint j = 0; j < group->len; j++)
			((struct mime_yenc_block *)group->pdata[j])->size = 0;
	}
	g_ptr_array_free(group, TRUE);
}

void mime_encodings_blocks(struct mime_ctx *ctx, int idx, GBytes *data, GPtrArray *children)
{
	size_t len, pos = 0;
	const unsigned char *d = g_bytes_get_data(data, &len);
	struct mime_yenc_block yb;
	struct mime_binhex_block bb;
	unsigned int n = 0, k = 0;
	GArray *parts = NULL;

	if (!reading_blocks_wanted(mime_part_at(ctx, idx)))
		return;
	while (mime_yenc_next(d, len, &pos, &yb)) {
		if (!reading_depth(ctx, idx, &n))
			goto out;
		g_ptr_array_add(children, reading_child(ctx, idx, data, yb.begin, yb.end,
		                                        MIME_ENC_YENC, "yenc", ++n, yb.name));
		if (!yb.closed)
			((struct mime_work *)children->pdata[children->len - 1])->note =
			        "no \"=yend\" line";
		if (yb.part && yb.size > 0) {
			if (parts == NULL)
				parts = g_array_new(FALSE, FALSE, sizeof(yb));
			g_array_append_val(parts, yb);
		}
	}
	if (parts != NULL)
		reading_yenc_files(ctx, idx, d, parts, children);
	pos = 0;
	while (mime_binhex_next(d, len, &pos, &bb)) {
		struct mime_binhex_info info;

		/* bare (no "(This file ..." line) only in a part declared BinHex */
		if ((d[bb.begin] == ':' && !reading_binhex_type(mime_part_at(ctx, idx))) ||
		    mime_binhex_info(d + bb.begin, bb.end - bb.begin, &info) < 0)
			continue;
		if (!reading_depth(ctx, idx, &n))
			goto out;
		n++;
		k++;
		g_ptr_array_add(children, reading_child(ctx, idx, data, bb.begin, bb.end,
		                                        MIME_ENC_BINHEX, "binhex", k, info.name));
		if (info.rsrc_len == 0)
			continue;
		g_ptr_array_add(children,
		                reading_child(ctx, idx, data, bb.begin, bb.end,
		                              MIME_ENC_BINHEX_RSRC, "binhex", k, info.name));
	}
out:
	if (parts != NULL)
		g_array_free(parts, TRUE);
}
