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

static void reading_add(struct mime_ctx *ctx, GPtrArray **out, struct mime_work *leaf, int idx,
                        enum mime_enc enc, const char *note)
{
	const struct msg_part *p = mime_part_at(ctx, idx);
	struct mime_work *w = mime_work_new(g_bytes_ref(leaf->bytes), MIME_FROM_READING, enc, -1);

	if (*out == NULL)
		*out = g_ptr_array_new();
	w->make = reading_make;
	w->parent = idx;
	w->depth = p->depth + 1;
	w->path = g_strdup_printf("%s/alt%u", p->path, (*out)->len + 1);
	w->encoding = enc == MIME_ENC_RAW ? "binary" : mime_decode_name(enc);
	w->note = note;
	g_ptr_array_add(*out, w);
}

/*
 * Quoted-printable read the other ways clients read it, each only when the bytes have what
 * that reading takes otherwise (mime_decode_qp_variants: two memchr() passes).
 */
static void reading_qp(struct mime_ctx *ctx, GPtrArray **out, struct mime_work *w, int idx,
                       const unsigned char *body, size_t len)
{
	unsigned int v = mime_decode_qp_variants(body, len);

	if (v & MIME_QP_KEEP_EQ_BLANK)
		reading_add(ctx, out, w, idx, MIME_ENC_QP_KEEP,
		            "quoted-printable with \"=\" before blanks kept (GMime's and Python's "
		            "email)");
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
		reading_qp(ctx, &out, w, idx, body, len);
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

void mime_encodings_blocks(struct mime_ctx *ctx, int idx, GBytes *data, GPtrArray *children)
{
	size_t len, pos = 0;
	const unsigned char *d = g_bytes_get_data(data, &len);
	struct mime_yenc_block yb;
	struct mime_binhex_block bb;
	unsigned int n = 0, k = 0;

	if (!reading_blocks_wanted(mime_part_at(ctx, idx)))
		return;
	while (mime_yenc_next(d, len, &pos, &yb)) {
		if (!reading_depth(ctx, idx, &n))
			return;
		g_ptr_array_add(children, reading_child(ctx, idx, data, yb.begin, yb.end,
		                                        MIME_ENC_YENC, "yenc", ++n, yb.name));
		if (!yb.closed)
			((struct mime_work *)children->pdata[children->len - 1])->note =
			        "no \"=yend\" line";
	}
	pos = 0;
	while (mime_binhex_next(d, len, &pos, &bb)) {
		struct mime_binhex_info info;

		/* bare (no "(This file ..." line) only in a part declared BinHex */
		if ((d[bb.begin] == ':' && !reading_binhex_type(mime_part_at(ctx, idx))) ||
		    mime_binhex_info(d + bb.begin, bb.end - bb.begin, &info) < 0)
			continue;
		if (!reading_depth(ctx, idx, &n))
			return;
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
}
