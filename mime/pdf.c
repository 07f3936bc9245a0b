/*
 * pdf: a small bounded reader of the embedded files of a PDF.
 *
 * Why not poppler-glib or qpdf: both build the whole document model (pages, fonts, the
 * cross-reference table repaired when broken) of a file that is hostile and may be large,
 * cost a library load and megabytes per document, and bound neither memory nor the bytes a
 * stream inflates to from outside. Embedded files need far less: objects, a few keys and
 * stream filters. This reader indexes the objects by scanning the bytes for "N G obj" (what
 * poppler does to repair a broken file, and what makes a cross-reference table that lies
 * harmless), decodes object streams to index the objects they hold, finds every dictionary
 * with an /EF entry (a file specification: EmbeddedFiles name tree or FileAttachment
 * annotation, also one no tree reaches) and decodes the stream it points to. An encrypted
 * PDF is opened with the empty user password when it can be (pdf_crypt.c): its streams and
 * the strings of objects outside object streams are decrypted; otherwise it is reported
 * encrypted, its embedded files unread.
 *
 * Limits: PDF_MAX_OBJECTS objects, PDF_MAX_OBJSTMS object streams, PDF_MAX_DEPTH and
 * PDF_MAX_VALUES per parsed object, PDF_MAX_FILTERS per stream; references are resolved one
 * hop at a time (at most 8), never by walking the object graph, so a self-referencing graph
 * costs nothing. A stream's /Length is checked against the buffer (a huge claim falls back to
 * "endstream"); decoded bytes are bounded by the reader budget (max_member_bytes per stream,
 * max_ratio over the file). Every member is copied out of the buffers, which are freed before
 * returning. Thread safety: no state.
 */

#include "mime/pdf.h"
#include "mime/pdf_filter.h"
#include "mime/pdf_private.h"

#include <stdlib.h>
#include <string.h>

/* Where an object's value starts: in the file, or in a decoded object stream. */
struct pdf_loc {
	const unsigned char *buf;
	size_t n, off;
	bool in_stm;
	unsigned int gen;      /* its generation (0 in an object stream) */
	struct pdf_loc *older; /* an earlier definition of the same object number, or NULL */
};

struct pdf_state {
	struct reader_budget b;
	const unsigned char *d;
	size_t n;
	GHashTable *index;  /* object number -> struct pdf_loc * (the last definition) */
	GPtrArray *locs;    /* every struct pdf_loc, owned */
	GPtrArray *objstms; /* object numbers of object streams */
	GPtrArray *specs;   /* object numbers holding an /EF dictionary */
	GPtrArray *buffers; /* GBytes: decoded object streams */
	GHashTable *done;   /* embedded stream object numbers already taken */
	bool encrypted, limit;
	/* object streams that could not be decrypted or decoded: what they hold is unseen */
	unsigned int objstm_unread;
	GPtrArray *members;
	/* an encrypted PDF: its last trailer with /Encrypt (offset in d), the handler opened */
	size_t trailer;
	struct pdf_crypt *crypt;
	const char *crypt_why;
	char *stm_filter; /* the name of the streams' crypt filter (/StmF, "StdCF"), or NULL */
	/* the object whose file specifications are being read (strings decrypted with its key) */
	unsigned int cur_num, cur_gen;
	bool cur_plain;
};

/* The value of object num (parsed; the caller frees it), *lx_r left after the value. */
static struct pdf_val *obj_load(struct pdf_state *st, unsigned int num, struct pdf_lex *lx_r)
{
	struct pdf_loc *loc = g_hash_table_lookup(st->index, GUINT_TO_POINTER(num));

	if (loc == NULL)
		return NULL;
	*lx_r = (struct pdf_lex){.d = loc->buf, .n = loc->n, .pos = loc->off};
	return pdf_parse_value(lx_r, 0);
}

/* A number, following references (at most 8 hops); -1 when there is none. */
static long long resolve_int(struct pdf_state *st, const struct pdf_val *v)
{
	struct pdf_val *owned = NULL;
	long long x = -1;

	for (int hops = 0; v != NULL && v->kind == PDF_REF && hops < 8; hops++) {
		struct pdf_lex lx;
		struct pdf_val *next = obj_load(st, v->rnum, &lx);

		pdf_val_free(owned);
		owned = next;
		v = next;
	}
	if (v != NULL && v->kind == PDF_NUM && v->num >= 0 && v->num < 1e15)
		x = (long long)v->num;
	pdf_val_free(owned);
	return x;
}

/* After a dictionary at lx->pos: its stream's bytes, or false when no stream follows. */
static bool stream_find(struct pdf_state *st, struct pdf_lex *lx, const struct pdf_val *dict,
                        bool resolve, const unsigned char **data_r, size_t *len_r, size_t *end_r)
{
	size_t p = lx->pos, start;
	long long l = -1;
	const unsigned char *e;

	while (p < lx->n && pdf_is_ws(lx->d[p]))
		p++;
	if (lx->n - p < 6 || memcmp(lx->d + p, "stream", 6) != 0)
		return false;
	p += 6;
	if (p < lx->n && lx->d[p] == '\r')
		p++;
	if (p < lx->n && lx->d[p] == '\n')
		p++;
	start = p;
	if (resolve ||
	    (pdf_dict_get(dict, "Length") != NULL && pdf_dict_get(dict, "Length")->kind == PDF_NUM))
		l = resolve_int(st, pdf_dict_get(dict, "Length"));
	if (l >= 0 && (uint64_t)l <= lx->n - start) {
		size_t q = start + (size_t)l;

		while (q < lx->n && pdf_is_ws(lx->d[q]))
			q++;
		if (lx->n - q >= 9 && memcmp(lx->d + q, "endstream", 9) == 0) {
			*data_r = lx->d + start;
			*len_r = (size_t)l;
			*end_r = q + 9;
			return true;
		}
	}
	e = memmem(lx->d + start, lx->n - start, "endstream", 9);
	p = e != NULL ? (size_t)(e - lx->d) : lx->n;
	*end_r = e != NULL ? p + 9 : lx->n;
	if (p > start && lx->d[p - 1] == '\n')
		p--;
	if (p > start && lx->d[p - 1] == '\r')
		p--;
	*data_r = lx->d + start;
	*len_r = p - start;
	return true;
}

/* true when v holds a dictionary with an /EF entry (a file specification), depth-bounded. */
static bool has_ef(const struct pdf_val *v, unsigned int depth)
{
	if (v == NULL || depth > PDF_MAX_DEPTH || (v->kind != PDF_DICT && v->kind != PDF_ARRAY))
		return false;
	if (v->kind == PDF_DICT && pdf_dict_get(v, "EF") != NULL)
		return true;
	for (guint i = 0; i < v->items->len; i++)
		if (has_ef(g_ptr_array_index(v->items, i), depth + 1))
			return true;
	return false;
}

/* A definition of object num; NULL when PDF_MAX_OBJECTS stopped it. */
static struct pdf_loc *index_add(struct pdf_state *st, unsigned int num, unsigned int gen,
                                 const unsigned char *buf, size_t n, size_t off, bool in_stm)
{
	struct pdf_loc *loc, *old = g_hash_table_lookup(st->index, GUINT_TO_POINTER(num));

	if (st->locs->len >= PDF_MAX_OBJECTS) {
		st->limit = true;
		return NULL;
	}
	/*
	 * A later definition (an incremental update) hides the earlier one from a reader that
	 * follows the cross-reference table, but which one a reader sees depends on that table:
	 * every definition is kept, and the embedded files of each are read. One in an object
	 * stream (an update's cross-reference stream may point there) goes behind the first:
	 * an object defined in the file itself stays the one obj_load() gives.
	 */
	loc = g_new(struct pdf_loc, 1);
	*loc = (struct pdf_loc){
	        .buf = buf, .n = n, .off = off, .in_stm = in_stm, .gen = gen, .older = old};
	g_ptr_array_add(st->locs, loc);
	if (in_stm && old != NULL) {
		loc->older = old->older;
		old->older = loc;
	} else {
		g_hash_table_insert(st->index, GUINT_TO_POINTER(num), loc);
	}
	return loc;
}

/* Note what an object is: an object stream, a holder of file specifications, encrypted. */
static void classify(struct pdf_state *st, unsigned int num, const struct pdf_val *v)
{
	const struct pdf_val *type = pdf_dict_get(v, "Type");

	if (pdf_name_is(type, "ObjStm")) {
		if (st->objstms->len < PDF_MAX_OBJSTMS)
			g_ptr_array_add(st->objstms, GUINT_TO_POINTER(num));
		else
			st->limit = true;
	}
	if (pdf_name_is(type, "XRef") && pdf_dict_get(v, "Encrypt") != NULL)
		st->encrypted = true;
	if (has_ef(v, 0))
		g_ptr_array_add(st->specs, GUINT_TO_POINTER(num));
}

/* "N G obj" ending at the "obj" at o: the object number (*gen_r G), or -1. */
static long long obj_header(const unsigned char *d, size_t o, unsigned int *gen_r)
{
	size_t p = o;
	long long num = 0, mul = 1, gen = 0;
	int digits = 0;

	if (p > 0 && pdf_is_ws(d[p - 1]))
		while (p > 0 && pdf_is_ws(d[p - 1]))
			p--;
	if (p == 0 || d[p - 1] < '0' || d[p - 1] > '9')
		return -1;
	while (p > 0 && d[p - 1] >= '0' && d[p - 1] <= '9') {
		if (mul < 1000000) { /* the generation (a longer one is cut: no overflow) */
			gen += (d[p - 1] - '0') * mul;
			mul *= 10;
		}
		p--;
	}
	*gen_r = (unsigned int)MIN(gen, 65535);
	mul = 1;
	if (p == 0 || !pdf_is_ws(d[p - 1]))
		return -1;
	while (p > 0 && pdf_is_ws(d[p - 1]))
		p--;
	while (p > 0 && d[p - 1] >= '0' && d[p - 1] <= '9' && digits < 10) {
		num += (d[p - 1] - '0') * mul;
		mul *= 10;
		digits++;
		p--;
	}
	if (digits == 0 || (p > 0 && !pdf_is_delim(d[p - 1])) || num > UINT32_MAX)
		return -1;
	return num;
}

/* Pass 1: every "N G obj" of the file, skipping stream data; trailers checked for /Encrypt. */
static void index_file(struct pdf_state *st)
{
	size_t pos = 0;
	const unsigned char *o;

	while (pos < st->n && (o = memmem(st->d + pos, st->n - pos, "obj", 3)) != NULL) {
		size_t at = (size_t)(o - st->d), end;
		unsigned int gen = 0;
		long long num = obj_header(st->d, at, &gen);
		struct pdf_lex lx = {.d = st->d, .n = st->n, .pos = at + 3};
		struct pdf_val *v;
		const unsigned char *sd;
		size_t sl;

		pos = at + 3;
		if (num < 0 || (pos < st->n && !pdf_is_delim(st->d[pos])))
			continue;
		index_add(st, (unsigned int)num, gen, st->d, st->n, pos, false);
		if ((v = pdf_parse_value(&lx, 0)) == NULL)
			continue;
		classify(st, (unsigned int)num, v);
		if (pdf_name_is(pdf_dict_get(v, "Type"), "XRef") &&
		    pdf_dict_get(v, "Encrypt") != NULL)
			st->trailer = pos;
		if (v->kind == PDF_DICT && stream_find(st, &lx, v, false, &sd, &sl, &end))
			pos = end;
		else
			pos = lx.pos;
		pdf_val_free(v);
	}
	for (pos = 0; pos < st->n && (o = memmem(st->d + pos, st->n - pos, "trailer", 7));) {
		struct pdf_lex lx = {.d = st->d, .n = st->n, .pos = (size_t)(o - st->d) + 7};
		struct pdf_val *v = pdf_parse_value(&lx, 0);

		if (pdf_dict_get(v, "Encrypt") != NULL) {
			st->encrypted = true;
			st->trailer = (size_t)(o - st->d) + 7;
		}
		pdf_val_free(v);
		pos = (size_t)(o - st->d) + 7;
	}
}

static GBytes *decode_stream(struct pdf_state *st, const struct pdf_val *dict,
                             const unsigned char *data, size_t len, unsigned int *flags_r,
                             char **note_r);

/*
 * A stream's bytes as they are, or decrypted (an encrypted PDF opened with the empty user
 * password); NULL when they cannot be decrypted. A stream that names its own crypt filter
 * (/Filter [/Crypt ...]) is as it is when that filter is /Identity (the default), decrypted
 * when it is the streams' own (/StmF), and cannot be decrypted when it names another one: NULL,
 * never the still encrypted bytes taken for the file.
 */
static GBytes *stream_plain(struct pdf_state *st, const struct pdf_val *dict, unsigned int num,
                            unsigned int gen, const unsigned char *d, size_t n)
{
	const struct pdf_val *f = pdf_dict_get(dict, "Filter"),
	                     *parms = pdf_dict_get(dict, "DecodeParms");

	if (st->crypt == NULL)
		return g_bytes_new_static(d, n);
	if (f != NULL && f->kind == PDF_ARRAY && f->items->len > 0) {
		f = g_ptr_array_index(f->items, 0);
		parms = parms != NULL && parms->kind == PDF_ARRAY && parms->items->len > 0
		                ? g_ptr_array_index(parms->items, 0)
		                : NULL;
	}
	if (pdf_name_is(f, "Crypt")) {
		const struct pdf_val *name = pdf_dict_get(parms, "Name");

		if (name == NULL || pdf_name_is(name, "Identity"))
			return g_bytes_new_static(d, n);
		if (st->stm_filter == NULL || !pdf_name_is(name, st->stm_filter))
			return NULL;
	}
	return pdf_crypt_decrypt(st->crypt, false, num, gen, d, n);
}

/* Pass 2: the objects inside object streams. */
static void index_objstms(struct pdf_state *st)
{
	for (guint i = 0; i < st->objstms->len; i++) {
		unsigned int num = GPOINTER_TO_UINT(g_ptr_array_index(st->objstms, i));
		struct pdf_lex lx;
		struct pdf_val *v = obj_load(st, num, &lx);
		const unsigned char *sd, *bd;
		size_t sl, end, bn;
		long long count, first;
		unsigned int flags = 0;
		char *note = NULL;
		GBytes *body, *plain;
		struct pdf_loc *loc;
		struct pdf_lex hl;

		if (v == NULL || !stream_find(st, &lx, v, true, &sd, &sl, &end)) {
			pdf_val_free(v);
			continue;
		}
		count = resolve_int(st, pdf_dict_get(v, "N"));
		first = resolve_int(st, pdf_dict_get(v, "First"));
		loc = g_hash_table_lookup(st->index, GUINT_TO_POINTER(num));
		plain = stream_plain(st, v, num, loc != NULL ? loc->gen : 0, sd, sl);
		if (plain == NULL) {
			st->objstm_unread++;
			pdf_val_free(v);
			continue;
		}
		sd = g_bytes_get_data(plain, &sl);
		body = decode_stream(st, v, sd, sl, &flags, &note);
		if (flags & (READER_MEMBER_OPAQUE | READER_MEMBER_TRUNCATED))
			st->objstm_unread++;
		g_bytes_unref(plain);
		g_free(note);
		pdf_val_free(v);
		g_ptr_array_add(st->buffers, body);
		bd = g_bytes_get_data(body, &bn);
		if (count < 0 || first < 0 || (size_t)first > bn)
			continue;
		hl = (struct pdf_lex){.d = bd, .n = (size_t)first, .pos = 0};
		for (long long k = 0; k < count && !st->limit; k++) {
			long long onum, off;

			pdf_skip_ws(&hl);
			if ((onum = pdf_peek_uint(&hl, &hl.pos)) < 0)
				break;
			pdf_skip_ws(&hl);
			if ((off = pdf_peek_uint(&hl, &hl.pos)) < 0 ||
			    (uint64_t)off > bn - (size_t)first || onum > UINT32_MAX)
				break;
			if (index_add(st, (unsigned int)onum, 0, bd, bn, (size_t)(first + off),
			              true) != NULL) {
				struct pdf_lex ol = {
				        .d = bd, .n = bn, .pos = (size_t)(first + off)};
				struct pdf_val *ov = pdf_parse_value(&ol, 0);

				if (ov != NULL && has_ef(ov, 0))
					g_ptr_array_add(st->specs, GUINT_TO_POINTER(onum));
				pdf_val_free(ov);
			}
		}
	}
}

/* One filter's name, long or abbreviated. */
static const char *filter_id(const struct pdf_val *f)
{
	static const char *const ids[][2] = {{"FlateDecode", "Fl"},    {"ASCIIHexDecode", "AHx"},
	                                     {"ASCII85Decode", "A85"}, {"RunLengthDecode", "RL"},
	                                     {"LZWDecode", "LZW"},     {"Crypt", "Crypt"}};

	for (size_t i = 0; i < G_N_ELEMENTS(ids); i++)
		if (pdf_name_is(f, ids[i][0]) || pdf_name_is(f, ids[i][1]))
			return ids[i][0];
	return NULL;
}

static const struct pdf_val *nth(const struct pdf_val *v, guint i)
{
	if (v == NULL)
		return NULL;
	if (v->kind != PDF_ARRAY)
		return i == 0 ? v : NULL;
	return i < v->items->len ? g_ptr_array_index(v->items, i) : NULL;
}

/* A stream's bytes through its filters (the reader budget bounds every output). */
static GBytes *decode_stream(struct pdf_state *st, const struct pdf_val *dict,
                             const unsigned char *data, size_t len, unsigned int *flags_r,
                             char **note_r)
{
	const struct pdf_val *filters = pdf_dict_get(dict, "Filter"),
	                     *parms = pdf_dict_get(dict, "DecodeParms");
	GBytes *cur = g_bytes_new(data, MIN(len, reader_budget_cap(&st->b)));
	guint nf = filters == NULL ? 0 : filters->kind == PDF_ARRAY ? filters->items->len : 1;

	if (len > g_bytes_get_size(cur)) {
		*flags_r |= READER_MEMBER_TRUNCATED;
		*note_r = g_strdup("stream larger than max_member_bytes: cut there");
	}
	if (nf > PDF_MAX_FILTERS) {
		*flags_r |= READER_MEMBER_OPAQUE;
		*note_r = g_strdup_printf("%u filters on one stream: not decoded", nf);
		return cur;
	}
	for (guint i = 0; i < nf; i++) {
		const struct pdf_val *f = nth(filters, i), *p = nth(parms, i);
		const char *id = filter_id(f), *why = NULL;
		size_t n, cap = reader_budget_cap(&st->b);
		const unsigned char *s = g_bytes_get_data(cur, &n);
		bool cut = false;
		GBytes *next;

		if (id == NULL) {
			*flags_r |= READER_MEMBER_OPAQUE;
			g_free(*note_r);
			*note_r = g_strdup_printf(
			        "filter /%.*s not decoded",
			        f != NULL && f->s != NULL ? (int)MIN(f->s->len, 64u) : 1,
			        f != NULL && f->s != NULL ? (char *)f->s->data : "?");
			return cur;
		}
		if (strcmp(id, "Crypt") == 0)
			continue;
		if (strcmp(id, "FlateDecode") == 0 || strcmp(id, "LZWDecode") == 0) {
			if (strcmp(id, "LZWDecode") == 0) {
				long long early = resolve_int(st, pdf_dict_get(p, "EarlyChange"));

				next = pdf_filter_lzw(s, n, early == 0 ? 0 : 1, cap, &cut, &why);
				st->b.out += g_bytes_get_size(next);
			} else {
				next = reader_inflate(&st->b, s, n, READER_Z_AUTO, cap, &cut, &why);
			}
			if (strcmp(id, "FlateDecode") == 0 && g_bytes_get_size(next) == 0 &&
			    why != NULL) {
				g_bytes_unref(next);
				next = reader_inflate(&st->b, s, n, READER_Z_RAW, cap, &cut, &why);
			}
			if (resolve_int(st, pdf_dict_get(p, "Predictor")) >= 10) {
				/* the rows can come out longer (a short last row is completed) */
				size_t was = g_bytes_get_size(next);

				next = pdf_png_unpredict(
				        next, resolve_int(st, pdf_dict_get(p, "Colors")),
				        resolve_int(st, pdf_dict_get(p, "BitsPerComponent")),
				        resolve_int(st, pdf_dict_get(p, "Columns")),
				        MIN(was + reader_budget_cap(&st->b),
				            (size_t)MIN(st->b.lim.max_member_bytes, SIZE_MAX)),
				        &cut, &why);
				st->b.out +=
				        g_bytes_get_size(next) - MIN(was, g_bytes_get_size(next));
			} else if (resolve_int(st, pdf_dict_get(p, "Predictor")) == 2)
				why = "TIFF predictor not undone";
		} else {
			if (strcmp(id, "ASCIIHexDecode") == 0)
				next = pdf_filter_ahx(s, n, cap, &cut);
			else if (strcmp(id, "ASCII85Decode") == 0)
				next = pdf_filter_a85(s, n, cap, &cut);
			else
				next = pdf_filter_rl(s, n, cap, &cut);
			st->b.out += g_bytes_get_size(next);
		}
		g_bytes_unref(cur);
		cur = next;
		if (cut || why != NULL) {
			*flags_r |= READER_MEMBER_TRUNCATED;
			g_free(*note_r);
			*note_r =
			        cut ? g_strdup("decoded stream over max_member_bytes or max_ratio: "
			                       "cut there")
			            : g_strdup_printf("%s: %s", id, why);
		}
	}
	return cur;
}

/* A file specification's name: /UF, else /F (UTF-16BE with a BOM, else PDFDocEncoding). */
static char *spec_name(struct pdf_state *st, const struct pdf_val *spec)
{
	const struct pdf_val *s = pdf_dict_get(spec, "UF");
	const unsigned char *b;
	GBytes *plain = NULL;
	char *name;
	size_t n;

	if (s == NULL || s->kind != PDF_STR || s->s->len == 0)
		s = pdf_dict_get(spec, "F");
	if (s == NULL || s->kind != PDF_STR || s->s->len == 0 ||
	    (st->encrypted && st->crypt == NULL))
		return NULL; /* an encrypted name is no name */
	b = s->s->data;
	n = MIN(s->s->len, (guint)2048);
	if (st->crypt != NULL && !st->cur_plain) {
		/* strings of an encrypted PDF, outside object streams: with the object's key */
		plain = pdf_crypt_decrypt(st->crypt, true, st->cur_num, st->cur_gen, s->s->data,
		                          s->s->len);
		if (plain == NULL)
			return NULL;
		b = g_bytes_get_data(plain, &n);
		n = MIN(n, (size_t)2048);
	}
	if (n >= 2 && b[0] == 0xfe && b[1] == 0xff)
		name = g_convert((const char *)b + 2, (gssize)((n - 2) & ~(size_t)1), "UTF-8",
		                 "UTF-16BE", NULL, NULL, NULL);
	else if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		name = reader_name(b + 3, n - 3);
	else
		name = reader_name(b, n);
	if (plain != NULL)
		g_bytes_unref(plain);
	return name;
}

/* true when a member from first on has these bytes. */
static bool pdf_member_dup(GPtrArray *members, guint first, GBytes *body)
{
	for (guint i = first; i < members->len; i++)
		if (g_bytes_equal(((struct reader_member *)g_ptr_array_index(members, i))->data,
		                  body))
			return true;
	return false;
}

/* The embedded file of one file specification dictionary and /EF dictionary (every
 * definition of its stream). */
static void take_ef(struct pdf_state *st, const struct pdf_val *spec, const struct pdf_val *ef)
{
	const struct pdf_val *ref;
	struct pdf_val *sdict;
	struct pdf_lex lx;
	const unsigned char *sd;
	size_t sl, end;
	char *name, *note = NULL;
	unsigned int flags = 0, streams = 0;
	guint first;
	GBytes *body, *plain;

	ref = pdf_dict_get(ef, "UF") != NULL ? pdf_dict_get(ef, "UF") : pdf_dict_get(ef, "F");
	if (ref == NULL && ef != NULL && ef->kind == PDF_DICT && ef->items->len >= 2)
		ref = g_ptr_array_index(ef->items, 1);
	if (ref == NULL || ref->kind != PDF_REF ||
	    !g_hash_table_add(st->done, GUINT_TO_POINTER(ref->rnum)))
		return;
	name = spec_name(st, spec);
	first = st->members->len;
	for (struct pdf_loc *loc = g_hash_table_lookup(st->index, GUINT_TO_POINTER(ref->rnum));
	     loc != NULL && !st->limit; loc = loc->older) {
		lx = (struct pdf_lex){.d = loc->buf, .n = loc->n, .pos = loc->off};
		sdict = pdf_parse_value(&lx, 0);
		if (sdict == NULL || sdict->kind != PDF_DICT ||
		    !stream_find(st, &lx, sdict, true, &sd, &sl, &end)) {
			pdf_val_free(sdict);
			continue;
		}
		streams++;
		flags = 0;
		plain = NULL;
		if (st->encrypted && st->crypt == NULL) {
			body = NULL;
			flags = READER_MEMBER_ENCRYPTED;
			note = g_strdup_printf("embedded file of an encrypted PDF (%s)",
			                       st->crypt_why);
		} else if ((plain = stream_plain(st, sdict, ref->rnum, loc->gen, sd, sl)) == NULL) {
			body = NULL;
			flags = READER_MEMBER_OPAQUE;
			note = g_strdup(
			        "embedded file of an encrypted PDF: could not be decrypted");
		} else {
			sd = g_bytes_get_data(plain, &sl);
			body = decode_stream(st, sdict, sd, sl, &flags, &note);
			g_bytes_unref(plain);
			if (note == NULL && st->crypt != NULL)
				note = g_strdup("in a PDF encrypted with the owner password only: "
				                "decrypted");
		}
		if (body != NULL && pdf_member_dup(st->members, first, body)) {
			g_bytes_unref(body); /* an earlier definition with the same bytes */
		} else if (!reader_member_add(&st->b, st->members, name, body, flags, note)) {
			st->limit = true;
		}
		g_free(note);
		note = NULL;
		pdf_val_free(sdict);
	}
	if (streams == 0 &&
	    !reader_member_add(&st->b, st->members, name, NULL, READER_MEMBER_OPAQUE,
	                       "embedded file: no stream object"))
		st->limit = true;
	g_free(name);
}

/* The embedded files of one file specification: an /EF of its own object ("/EF 12 0 R") is
 * read in every definition of that object, as the file specifications are. */
static void take_spec(struct pdf_state *st, const struct pdf_val *spec)
{
	const struct pdf_val *ef = pdf_dict_get(spec, "EF");

	if (ef == NULL || ef->kind != PDF_REF) {
		take_ef(st, spec, ef);
		return;
	}
	for (struct pdf_loc *loc = g_hash_table_lookup(st->index, GUINT_TO_POINTER(ef->rnum));
	     loc != NULL && !st->limit; loc = loc->older) {
		struct pdf_lex lx = {.d = loc->buf, .n = loc->n, .pos = loc->off};
		struct pdf_val *v = pdf_parse_value(&lx, 0);

		take_ef(st, spec, v);
		pdf_val_free(v);
	}
}

/* Every dictionary with /EF in v, depth-bounded. */
static void walk_specs(struct pdf_state *st, const struct pdf_val *v, unsigned int depth)
{
	if (v == NULL || depth > PDF_MAX_DEPTH || (v->kind != PDF_DICT && v->kind != PDF_ARRAY))
		return;
	if (v->kind == PDF_DICT && pdf_dict_get(v, "EF") != NULL)
		take_spec(st, v);
	for (guint i = 0; i < v->items->len && !st->limit; i++)
		walk_specs(st, g_ptr_array_index(v->items, i), depth + 1);
}

/* The security handler of the last trailer with /Encrypt, opened with the empty password. */
static void crypt_open(struct pdf_state *st)
{
	struct pdf_lex lx = {.d = st->d, .n = st->n, .pos = st->trailer}, elx;
	struct pdf_val *t = pdf_parse_value(&lx, 0), *owned = NULL;
	const struct pdf_val *enc = pdf_dict_get(t, "Encrypt");

	if (enc != NULL && enc->kind == PDF_REF)
		enc = owned = obj_load(st, enc->rnum, &elx);
	st->crypt = pdf_crypt_new(enc, pdf_dict_get(t, "ID"), &st->crypt_why);
	{
		const struct pdf_val *stmf = pdf_dict_get(enc, "StmF");

		if (stmf != NULL && stmf->kind == PDF_NAME)
			st->stm_filter = g_strndup((const char *)stmf->s->data, stmf->s->len);
	}
	pdf_val_free(owned);
	pdf_val_free(t);
}

bool pdf_probe(const unsigned char *data, size_t len)
{
	return memmem(data, MIN(len, (size_t)1024), "%PDF-", 5) != NULL;
}

int pdf_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
             GPtrArray *members_r, GError **error)
{
	struct pdf_state st = {.d = data, .n = len, .members = members_r};
	GHashTable *seen;
	guint before = members_r->len;
	int ret = 0;

	if (!pdf_probe(data, len)) {
		g_set_error(error, READER_ERROR, READER_ERROR_MALFORMED, "no %%PDF- header");
		return -1;
	}
	reader_budget_init(&st.b, lim, len);
	st.index = g_hash_table_new(g_direct_hash, g_direct_equal);
	st.locs = g_ptr_array_new_with_free_func(g_free);
	st.objstms = g_ptr_array_new();
	st.specs = g_ptr_array_new();
	st.buffers = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	st.done = g_hash_table_new(g_direct_hash, g_direct_equal);
	seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	index_file(&st);
	if (st.encrypted)
		crypt_open(&st);
	index_objstms(&st);
	for (guint i = 0;
	     i < st.specs->len && !(st.limit && st.b.members >= st.b.lim.max_archive_members);
	     i++) {
		unsigned int num = GPOINTER_TO_UINT(g_ptr_array_index(st.specs, i));
		struct pdf_lex lx;
		struct pdf_val *v;

		if (!g_hash_table_add(seen, GUINT_TO_POINTER(num)))
			continue;
		for (struct pdf_loc *loc = g_hash_table_lookup(st.index, GUINT_TO_POINTER(num));
		     loc != NULL; loc = loc->older) {
			lx = (struct pdf_lex){.d = loc->buf, .n = loc->n, .pos = loc->off};
			v = pdf_parse_value(&lx, 0);
			st.cur_num = num;
			st.cur_gen = loc->gen;
			st.cur_plain = loc->in_stm;
			walk_specs(&st, v, 0);
			pdf_val_free(v);
		}
	}
	if (st.encrypted && st.crypt == NULL) {
		g_set_error(error, READER_ERROR, READER_ERROR_ENCRYPTED,
		            "encrypted PDF (%s): not decrypted%s", st.crypt_why,
		            members_r->len > before ? ", its embedded files not read" : "");
		ret = -1;
	} else if (st.objstm_unread > 0) {
		/* the objects inside (file specifications among them) were never seen */
		g_set_error(error, READER_ERROR, READER_ERROR_MALFORMED,
		            "%u object stream%s of the PDF could not be %s: the objects in %s not "
		            "read",
		            st.objstm_unread, st.objstm_unread == 1 ? "" : "s",
		            st.crypt != NULL ? "decrypted or decoded" : "decoded",
		            st.objstm_unread == 1 ? "it" : "them");
		ret = -1;
	} else if (st.limit) {
		g_set_error(error, READER_ERROR, READER_ERROR_LIMIT,
		            "PDF over a limit (%u objects, %u members, %u object streams): not "
		            "every embedded file read",
		            PDF_MAX_OBJECTS, st.b.lim.max_archive_members, PDF_MAX_OBJSTMS);
		ret = -1;
	}
	pdf_crypt_free(&st.crypt);
	g_free(st.stm_filter);
	g_hash_table_unref(seen);
	g_hash_table_unref(st.done);
	g_ptr_array_unref(st.buffers);
	g_ptr_array_unref(st.specs);
	g_ptr_array_unref(st.objstms);
	g_hash_table_unref(st.index);
	g_ptr_array_unref(st.locs);
	return ret;
}
