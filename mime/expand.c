/*
 * expand: the readers of a decoded part. The job loop hands every scanned part to
 * mime_expand(), which returns what it holds as child jobs (over its bytes, by reference), to
 * be made parts and scanned by the loop; no reader here scans:
 *
 *   uuencoded blocks ("begin 644 name") in text      path P/uuN    MSG_PART_UUENCODED
 *   TNEF attachments (winmail.dat)                   path P/tnefN  MSG_PART_TNEF
 *   a message inside a part (message/rfc822 sent     path P/1, P/2.1 ... (walked like the
 *     as base64, an attached .eml, S/MIME signed       message itself, raw offsets 0);
 *     data)                                            a signed file: P/p7m:NAME
 *   archive and compressed-stream members            path P/FMT:NAME  MSG_PART_ARCHIVE_MEMBER
 *     (archive.c, libarchive)
 *   .msg attachments and bodies, embedded OLE        path P/msg:attachN, P/msg:body.txt,
 *     objects of .doc/.xls/.ppt (ole2.c, libgsf)       P/ole:ObjectPool/_N/Ole10Native
 *                                                    MSG_PART_ARCHIVE_MEMBER
 *   members of the readers of mime/reader.h: PDF      path P/FMT:NAME  MSG_PART_ARCHIVE_MEMBER
 *     embedded files, AppleSingle forks, OpenPGP       (FMT: pdf, applefile, pgp, html)
 *     literal data (also armoured in a text), HTML
 *     and SVG data: URIs and base64 script literals
 *
 * A container the allow list clears is not looked into (its note says so); an archive of a
 * kind no reader here knows (ARJ, ACE) is flagged opaque.
 *
 * Limits: each level of containment counts as one level of max_depth; children count against
 * max_parts and their decoded bytes against max_total_bytes; archives have their own limits
 * too (archive.c). Thread safety: per call.
 */

#include "mime/applefile.h"
#include "mime/archive.h"
#include "mime/ctx.h"
#include "mime/html.h"
#include "mime/ole2.h"
#include "mime/openpgp.h"
#include "mime/pdf.h"
#include "mime/rtf.h"
#include "mime/sfx.h"
#include "mime/encodings.h"
#include "mime/tnef.h"
#include "mime/readings.h"
#include "mime/uuencode.h"
#include "mime/walk.h"

#include <limits.h>
#include <openssl/cms.h>
#include <openssl/objects.h>
#include <stddef.h>
#include <string.h>

bool mime_expand_depth_ok(struct mime_ctx *ctx, struct msg_part *p)
{
	struct mime_use use = ctx->use;

	use.depth = p->depth;
	if (mime_jobs_budget(&ctx->lim, &use, MIME_RES_DEPTH, 1, NULL) == MIME_BOUND_NONE)
		return true;
	mime_part_flag(p, MSG_PART_LIMIT, "contents deeper than max_depth (%u): not scanned",
	               ctx->lim.max_depth);
	mime_limit(ctx, MSG_LIMIT_DEPTH,
	           "part %s: contents deeper than max_depth (%u): not scanned", p->path,
	           ctx->lim.max_depth);
	return false;
}

/* A child job of part idx over bytes: its part made when it runs ("P/KINDn"). */
static struct mime_work *expand_child(struct mime_ctx *ctx, int idx, GBytes *bytes,
                                      enum mime_origin origin, enum mime_enc enc, const char *kind,
                                      unsigned int n, const char *encoding, unsigned int flag)
{
	const struct msg_part *p = mime_part_at(ctx, idx);
	struct mime_work *w = mime_work_new(bytes, origin, enc, -1);

	w->parent = idx;
	w->depth = p->depth + 1;
	w->path = g_strdup_printf("%s/%s%u", p->path, kind, n);
	w->encoding = encoding;
	w->flags = flag;
	w->encoded_size = g_bytes_get_size(bytes);
	return w;
}

/* A name in UTF-8: as is when valid, else from the given charset, else Latin-1. */
static char *expand_name(const unsigned char *s, size_t n, const char *charset)
{
	char *out = NULL;

	if (n == 0)
		return NULL;
	if (g_utf8_validate((const char *)s, (gssize)n, NULL))
		return g_strndup((const char *)s, n);
	if (charset != NULL)
		out = g_convert((const char *)s, (gssize)n, "UTF-8", charset, NULL, NULL, NULL);
	if (out == NULL)
		out = g_convert((const char *)s, (gssize)n, "UTF-8", "ISO-8859-1", NULL, NULL,
		                NULL);
	return out;
}

static bool uu_wanted(const struct msg_part *p)
{
	if (p->flags & (MSG_PART_UUENCODED | MSG_PART_TNEF | MSG_PART_SWEEP))
		return false;
	return (p->content_type != NULL && g_str_has_prefix(p->content_type, "text/")) ||
	       p->scan.type.type == FTYPE_TEXT;
}

/* uuencoded (and "begin-base64") blocks of a text: children over its bytes. */
static void expand_uu(struct mime_ctx *ctx, int idx, GBytes *data, GPtrArray *children)
{
	size_t len, pos = 0;
	const unsigned char *d = g_bytes_get_data(data, &len);
	struct mime_uu_block b;
	unsigned int n = 0;

	while (mime_uu_next(d, len, &pos, &b)) {
		size_t from = b.base64 ? b.data : b.begin;
		struct mime_work *w;

		if (n == 0 && !mime_expand_depth_ok(ctx, mime_part_at(ctx, idx)))
			return;
		w = expand_child(ctx, idx, g_bytes_new_from_bytes(data, from, b.end - from),
		                 MIME_FROM_UU, b.base64 ? MIME_ENC_BASE64 : MIME_ENC_UU, "uu", ++n,
		                 b.base64 ? "base64" : "uuencode", MSG_PART_UUENCODED);
		w->name = expand_name((unsigned char *)b.name, strlen(b.name), NULL);
		w->container_of = true;
		if (!b.closed)
			w->note = "no \"end\" line";
		g_ptr_array_add(children, w);
	}
}

/* The attachments of a TNEF stream: children over its bytes. */
static void expand_tnef(struct mime_ctx *ctx, int idx, GBytes *data, GPtrArray *children)
{
	size_t len;
	const unsigned char *d = g_bytes_get_data(data, &len);
	struct mime_tnef_iter it;
	struct mime_tnef_att att;
	unsigned int n = 0;
	int r;

	if (!mime_tnef_init(&it, d, len) || !mime_expand_depth_ok(ctx, mime_part_at(ctx, idx)))
		return;
	mime_part_at(ctx, idx)->flags |= MSG_PART_CONTAINER;
	while ((r = mime_tnef_next(&it, &att)) == 1) {
		GBytes *bytes = g_bytes_new_from_bytes(data, (gsize)(att.data - d), att.size);
		struct mime_work *w = expand_child(ctx, idx, bytes, MIME_FROM_TNEF, MIME_ENC_RAW,
		                                   "tnef", ++n, "tnef", MSG_PART_TNEF);
		char cp[32];

		g_snprintf(cp, sizeof(cp), "CP%u", it.codepage);
		if (att.title_utf16)
			w->name = g_convert((const char *)att.title, (gssize)att.title_len, "UTF-8",
			                    "UTF-16LE", NULL, NULL, NULL);
		else
			w->name = expand_name(att.title, att.title_len, it.codepage ? cp : NULL);
		g_ptr_array_add(children, w);
	}
	if (r < 0)
		mime_part_flag(mime_part_at(ctx, idx), MSG_PART_OPAQUE, "malformed TNEF: %s",
		               it.error);
}

static bool smime_wanted(const struct msg_part *p)
{
	const char *t = p->content_type;

	/* also declared application/octet-stream or not at all: its bytes say it */
	return p->scan.type.type == FTYPE_PKCS7 ||
	       (t != NULL && (strcmp(t, "application/pkcs7-mime") == 0 ||
	                      strcmp(t, "application/x-pkcs7-mime") == 0));
}

typedef int reader_fn(const unsigned char *, size_t, const struct msg_limits *, GPtrArray *,
                      GError **);
/* The state of a reader of mime/reader.h (expand_rd_open() below). */
struct expand_rd {
	struct mime_ctx *ctx;
	int idx;
	const char *fmt;
	GPtrArray *members; /* struct reader_member * */
	bool handed;
};

static void *expand_rd_open(struct mime_ctx *ctx, int idx, GBytes *bytes, const char *fmt,
                            reader_fn *fn);
static int expand_rd_next(void *state, GPtrArray *children);
static void expand_rd_close(void *state);

/* Signed content that is a file, not a MIME entity: one member (cut at max_member_bytes). */
static int smime_file_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
                           GPtrArray *members_r, GError **error)
{
	struct reader_budget b;
	size_t n;

	reader_budget_init(&b, lim, len);
	n = MIN(len, reader_budget_cap(&b));
	b.out += n;
	if (!reader_member_add(&b, members_r, NULL, g_bytes_new(data, n),
	                       n < len ? READER_MEMBER_TRUNCATED : 0,
	                       n < len ? "signed content larger than max_member_bytes: cut there"
	                               : NULL)) {
		g_set_error(error, READER_ERROR, READER_ERROR_LIMIT, "max_archive_members reached");
		return -1;
	}
	return 0;
}

/* The state of the S/MIME reader: a walk of the signed MIME entity, or the signed file. */
struct expand_smime {
	void *walk;
	void *file;
};

/*
 * S/MIME signed data holds a MIME entity (walked: the reader of a message over a copy of the
 * content) or, in a CAdES ".p7m" as certified mail carries it, a file of any type (a PDF,
 * an executable: its bytes say so), which is a member "P/p7m:NAME" (NAME: the part's name
 * without ".p7m"); enveloped data is encrypted. NULL when there is nothing to read.
 */
static void *expand_open_smime(struct mime_ctx *ctx, int idx, GBytes *bytes)
{
	struct msg_part *p = mime_part_at(ctx, idx);
	size_t len;
	const unsigned char *data = g_bytes_get_data(bytes, &len);
	BIO *bio = BIO_new_mem_buf(data, len > INT_MAX ? INT_MAX : (int)len);
	CMS_ContentInfo *cms = bio != NULL ? d2i_CMS_bio(bio, NULL) : NULL;
	int nid = cms != NULL ? OBJ_obj2nid(CMS_get0_type(cms)) : NID_undef;
	struct expand_smime st = {NULL, NULL};

	if (cms == NULL) {
		mime_part_flag(p, MSG_PART_OPAQUE, "unreadable S/MIME structure");
	} else if (nid == NID_pkcs7_signed) {
		ASN1_OCTET_STRING **content = CMS_get0_content(cms);

		if (content != NULL && *content != NULL) {
			GBytes *inner = g_bytes_new(ASN1_STRING_get0_data(*content),
			                            (size_t)ASN1_STRING_length(*content));
			struct ftype_info ti;
			size_t n;
			const unsigned char *d = g_bytes_get_data(inner, &n);

			ftype_detect(d, n, &ti);
			if (ti.type == FTYPE_TEXT || ti.type == FTYPE_EML)
				st.walk = mime_walk_open_part(ctx, idx, inner,
				                              "S/MIME signed content");
			else
				st.file = expand_rd_open(ctx, idx, inner, "p7m", smime_file_read);
			p = mime_part_at(ctx, idx);
			if (st.file != NULL && p->name != NULL &&
			    g_str_has_suffix(p->name, ".p7m") && strlen(p->name) > 4) {
				struct reader_member *m = g_ptr_array_index(
				        ((struct expand_rd *)st.file)->members, 0);

				m->name = g_strndup(p->name, strlen(p->name) - 4);
			}
			g_bytes_unref(inner);
		}
	} else if (nid == NID_pkcs7_enveloped || nid == NID_id_smime_ct_authEnvelopedData) {
		mime_part_flag(p, MSG_PART_ENCRYPTED, "encrypted (S/MIME enveloped data)");
	} else {
		mime_part_flag(p, MSG_PART_OPAQUE, "S/MIME content of type %s not read",
		               OBJ_nid2sn(nid));
	}
	CMS_ContentInfo_free(cms);
	BIO_free(bio);
	return st.walk != NULL || st.file != NULL ? g_memdup2(&st, sizeof(st)) : NULL;
}

static int expand_smime_next(void *state, GPtrArray *children)
{
	struct expand_smime *st = state;

	return st->walk != NULL ? mime_walk_next(st->walk, children)
	                        : expand_rd_next(st->file, children);
}

static void expand_smime_close(void *state)
{
	struct expand_smime *st = state;

	if (st->walk != NULL)
		mime_walk_close(st->walk);
	else
		expand_rd_close(st->file);
	g_free(st);
}

static const struct mime_reader expand_smime_reader = {"smime", expand_open_smime,
                                                       expand_smime_next, expand_smime_close};

/* message/rfc822 sent encoded, an attached .eml: not a text body that merely looks like one */
static bool message_wanted(const struct msg_part *p)
{
	const char *t = p->content_type;

	if (p->flags & (MSG_PART_BODY | MSG_PART_PARTIAL))
		return false;
	return t == NULL || !g_str_has_prefix(t, "text/");
}

/* One member a compound file gave: a child job ("P/msg:attach1"), flagged as the reader said. */
static void expand_ole2_member(struct mime_ctx *ctx, int idx, const struct mime_ole2 *ole,
                               const struct mime_ole2_member *m, GPtrArray *children)
{
	const struct msg_part *p = mime_part_at(ctx, idx);
	GBytes *bytes = m->data != NULL ? g_bytes_ref(m->data) : g_bytes_new(NULL, 0);
	struct mime_work *w = mime_work_new(bytes, MIME_FROM_MEMBER, MIME_ENC_RAW, -1);

	w->parent = idx;
	w->depth = p->depth + 1;
	w->path = g_strdup_printf("%s/%s", p->path, m->path);
	w->name = g_strdup(m->name);
	w->encoding = ole->msg ? "msg" : "ole";
	w->flags = MSG_PART_ARCHIVE_MEMBER | (m->flags & MIME_OLE2_BODY ? MSG_PART_BODY : 0);
	w->encoded_size = g_bytes_get_size(bytes);
	w->container_of = true;
	if (m->note != NULL) {
		w->scanned_flag = m->flags & MIME_OLE2_LIMIT       ? MSG_PART_LIMIT
		                  : m->flags & MIME_OLE2_TRUNCATED ? MSG_PART_TRUNCATED
		                  : m->flags & MIME_OLE2_UNREAD    ? MSG_PART_OPAQUE
		                                                   : 0;
		w->scanned_note = g_strdup(m->note);
	}
	if (m->flags & MIME_OLE2_LIMIT)
		mime_limit(ctx, MSG_LIMIT_ARCHIVE, "part %s: %s", w->path, m->note);
	g_ptr_array_add(children, w);
}

/* A compound file: .msg attachments and bodies, embedded objects (ole2.c), as child jobs. */
static void expand_ole2(struct mime_ctx *ctx, int idx, GBytes *data, GPtrArray *children)
{
	size_t len;
	const unsigned char *d = g_bytes_get_data(data, &len);
	struct mime_ole2 *ole;
	GError *error = NULL;

	if (!mime_expand_depth_ok(ctx, mime_part_at(ctx, idx)))
		return;
	if (mime_ole2_read(d, len, &ctx->lim, &ole, &error) < 0) {
		mime_part_flag(mime_part_at(ctx, idx), MSG_PART_OPAQUE, "%s", error->message);
		g_error_free(error);
		return;
	}
	if (ole->flags & MIME_OLE2_LIMIT) {
		struct msg_part *p = mime_part_at(ctx, idx);

		mime_part_flag(p, MSG_PART_LIMIT, "%s", ole->note);
		mime_limit(ctx, MSG_LIMIT_ARCHIVE, "part %s: %s", p->path, ole->note);
	}
	for (guint i = 0; i < ole->members->len; i++)
		expand_ole2_member(ctx, idx, ole, ole->members->pdata[i], children);
	mime_ole2_free(&ole);
}

static void expand_later(int idx, GBytes *bytes, const struct mime_reader *reader,
                         GPtrArray *children);

/*
 * The readers of mime/reader.h (PDF, AppleSingle, OpenPGP, HTML) as readers of the job loop:
 * open reads every member at once (the reader bounds itself by the archive limits and what
 * is left of max_total_bytes), next hands them back as child jobs "P/FMT:NAME", close runs
 * after them (the container counts as an archive around them for max_archive_depth).
 */
static void *expand_rd_open(struct mime_ctx *ctx, int idx, GBytes *bytes, const char *fmt,
                            reader_fn *fn)
{
	struct msg_part *p = mime_part_at(ctx, idx);
	struct msg_limits lim = ctx->lim;
	struct mime_use use = mime_jobs_use(ctx);
	struct expand_rd *st;
	GPtrArray *members;
	GError *error = NULL;
	size_t len;
	const unsigned char *data = g_bytes_get_data(bytes, &len);

	if (!mime_expand_depth_ok(ctx, p))
		return NULL;
	if (mime_jobs_budget(&ctx->lim, &use, MIME_RES_ARCHIVE_DEPTH, 1, NULL) != MIME_BOUND_NONE ||
	    ctx->use.decoded >= ctx->lim.max_total_bytes) {
		mime_part_flag(p, MSG_PART_LIMIT,
		               "%s contents not read: max_archive_depth or max_total_bytes", fmt);
		mime_limit(ctx, MSG_LIMIT_ARCHIVE, "part %s: %s contents not read", p->path, fmt);
		return NULL;
	}
	lim.max_total_bytes -= ctx->use.decoded; /* what the reader may hold: what is left */
	members = reader_members_new();
	if (fn(data, len, &lim, members, &error) < 0) {
		unsigned int flag = error->code == READER_ERROR_ENCRYPTED ? MSG_PART_ENCRYPTED
		                    : error->code == READER_ERROR_LIMIT   ? MSG_PART_LIMIT
		                                                          : MSG_PART_OPAQUE;

		mime_part_flag(p, flag, "%s", error->message);
		if (flag == MSG_PART_LIMIT)
			mime_limit(ctx, MSG_LIMIT_ARCHIVE, "part %s: %s", p->path, error->message);
		g_error_free(error);
	}
	if (members->len == 0) {
		g_ptr_array_unref(members);
		return NULL;
	}
	p->flags |= MSG_PART_CONTAINER;
	st = g_new0(struct expand_rd, 1);
	st->ctx = ctx;
	st->idx = idx;
	st->fmt = fmt;
	st->members = members;
	mime_jobs_level(ctx);
	return st;
}

/* A member's flags as the part's. */
static unsigned int expand_rd_flags(unsigned int f)
{
	return (f & READER_MEMBER_TRUNCATED ? MSG_PART_TRUNCATED : 0) |
	       (f & READER_MEMBER_LIMIT ? MSG_PART_LIMIT : 0) |
	       (f & READER_MEMBER_ENCRYPTED ? MSG_PART_ENCRYPTED : 0) |
	       (f & READER_MEMBER_OPAQUE ? MSG_PART_OPAQUE : 0);
}

static int expand_rd_next(void *state, GPtrArray *children)
{
	struct expand_rd *st = state;
	struct msg_part *p = mime_part_at(st->ctx, st->idx);
	unsigned int smuggled = 0;

	if (st->handed)
		return 0;
	st->handed = true;
	for (guint i = 0; i < st->members->len; i++) {
		struct reader_member *m = g_ptr_array_index(st->members, i);
		bool unread = (m->flags & (READER_MEMBER_LIMIT | READER_MEMBER_ENCRYPTED)) != 0;
		GBytes *bytes =
		        unread || m->data == NULL ? g_bytes_new(NULL, 0) : g_bytes_ref(m->data);
		struct mime_work *w = mime_work_new(bytes, MIME_FROM_MEMBER, MIME_ENC_RAW, -1);

		w->parent = st->idx;
		w->depth = p->depth + 1;
		w->path = m->name != NULL ? g_strdup_printf("%s/%s:%s", p->path, st->fmt, m->name)
		                          : g_strdup_printf("%s/%s:#%u", p->path, st->fmt, i + 1);
		w->name = g_strdup(m->name);
		w->encoding = st->fmt;
		w->flags = MSG_PART_ARCHIVE_MEMBER;
		w->encoded_size = g_bytes_get_size(bytes);
		if (expand_rd_flags(m->flags) != 0) {
			w->scanned_flag = expand_rd_flags(m->flags);
			w->scanned_note = g_strdup(m->note != NULL ? m->note : "not read");
		}
		if (m->flags & READER_MEMBER_SCRIPT)
			smuggled++;
		g_ptr_array_add(children, w);
	}
	if (smuggled > 0 && !(p->flags & MSG_PART_BODY))
		mime_part_flag(p, MSG_PART_HTML_SMUGGLING,
		               "HTML smuggling: %u base64 script literal(s) decode to a file",
		               smuggled);
	return 1; /* closed after the members: they are inside it */
}

static void expand_rd_close(void *state)
{
	struct expand_rd *st = state;

	g_ptr_array_unref(st->members);
	g_free(st);
}

#define EXPAND_READER(name, fn)                                                                    \
	static void *expand_rd_open_##name(struct mime_ctx *ctx, int idx, GBytes *bytes)           \
	{                                                                                          \
		return expand_rd_open(ctx, idx, bytes, #name, fn);                                 \
	}                                                                                          \
	static const struct mime_reader expand_##name##_reader = {#name, expand_rd_open_##name,    \
	                                                          expand_rd_next, expand_rd_close}

EXPAND_READER(pdf, pdf_read);
EXPAND_READER(applefile, applefile_read);
EXPAND_READER(pgp, openpgp_read);
EXPAND_READER(html, html_read);
EXPAND_READER(rtf, rtf_read);
EXPAND_READER(sfx, sfx_read);

bool mime_reader_type(enum ftype t)
{
	return t == FTYPE_PDF || t == FTYPE_APPLESINGLE || t == FTYPE_PGP || t == FTYPE_HTML ||
	       t == FTYPE_SVG || t == FTYPE_HTA || t == FTYPE_RTF;
}

/* The readers of a part, as jobs: by its real type, or an armoured OpenPGP block in a text. */
static void expand_readers(struct mime_ctx *ctx, int idx, GBytes *bytes, GPtrArray *children)
{
	struct msg_part *p = mime_part_at(ctx, idx);
	enum ftype t = p->scan.type.type;
	size_t len;
	const unsigned char *data = g_bytes_get_data(bytes, &len);
	bool html = t == FTYPE_HTML || t == FTYPE_SVG || t == FTYPE_HTA ||
	            (t == FTYPE_TEXT && p->content_type != NULL &&
	             strcmp(p->content_type, "text/html") == 0);

	if (t == FTYPE_PDF)
		expand_later(idx, bytes, &expand_pdf_reader, children);
	else if (t == FTYPE_RTF && rtf_probe(data, len))
		expand_later(idx, bytes, &expand_rtf_reader, children);
	else if (t == FTYPE_APPLESINGLE)
		expand_later(idx, bytes, &expand_applefile_reader, children);
	else if (t == FTYPE_PGP || (t == FTYPE_TEXT && openpgp_armored(data, len)))
		expand_later(idx, bytes, &expand_pgp_reader, children);
	if (html && html_probe(data, len))
		expand_later(idx, bytes, &expand_html_reader, children);
	if ((t == FTYPE_PE || t == FTYPE_ELF) && sfx_probe(data, len))
		expand_later(idx, bytes, &expand_sfx_reader, children);
}

/* A reader of part idx, as a job after the part's other children. */
static void expand_later(int idx, GBytes *bytes, const struct mime_reader *reader,
                         GPtrArray *children)
{
	struct mime_work *w = mime_work_new(g_bytes_ref(bytes), MIME_FROM_PART, MIME_ENC_RAW, idx);

	w->reader = reader;
	g_ptr_array_add(children, w);
}

/*
 * A text whose "begin", "=ybegin" or BinHex line follows a CR alone: Thunderbird ends a line
 * there (mimebuf.cpp) and decodes the block; the text with a LF after each CR alone, for the
 * block finders (they end lines at LF). NULL: no such line.
 */
static GBytes *cr_text(GBytes *bytes)
{
	static const char *const marks[] = {"\rbegin", "\r=ybegin", "\r(This file must be"};
	size_t len;
	const unsigned char *d = g_bytes_get_data(bytes, &len);

	for (size_t i = 0; i < G_N_ELEMENTS(marks); i++)
		if (memmem(d, len, marks[i], strlen(marks[i])) != NULL)
			return mime_readings_cr_lines(d, len);
	return NULL;
}

void mime_expand(struct mime_ctx *ctx, int idx, GBytes *bytes, unsigned int hints,
                 GPtrArray *children)
{
	GBytes *cr = NULL;

	struct msg_part *p = mime_part_at(ctx, idx);

	if (ctx->error != NULL || (p->flags & MSG_PART_ENCRYPTED))
		return;
	if (p->scanned && p->scan.allowlisted) {
		/* the allow list vouches for the whole file, contents included */
		if (msg_type_expanded(p->scan.type.type))
			mime_part_flag(p, 0, "allow-listed container: contents not scanned");
		return;
	}
	/* a block after a CR alone: the blocks are found in the text as Thunderbird splits it
	   (the sweep's hint, from lines split at LF, does not hold there) */
	if (uu_wanted(p) && (cr = cr_text(bytes)) != NULL)
		hints &= ~MIME_HINT_NO_UU;
	if (!(hints & MIME_HINT_NO_UU) && uu_wanted(p))
		expand_uu(ctx, idx, cr != NULL ? cr : bytes, children);
	if (!(hints & MIME_HINT_NO_UU))
		mime_encodings_blocks(ctx, idx, cr != NULL ? cr : bytes, children);
	if (cr != NULL)
		g_bytes_unref(cr);
	p = mime_part_at(ctx, idx);
	switch (p->scan.type.type) {
	case FTYPE_TNEF:
		expand_tnef(ctx, idx, bytes, children);
		break;
	case FTYPE_EML:
	case FTYPE_MBOX:
		if (message_wanted(p))
			expand_later(idx, bytes, &mime_walk_reader, children);
		break;
	case FTYPE_ARJ:
	case FTYPE_ACE:
		expand_later(idx, bytes, &mime_archive_reader, children);
		break;
	default:
		if (mime_archive_type(p->scan.type.type))
			expand_later(idx, bytes, &mime_archive_reader, children);
		else if (mime_ole2_type(p->scan.type.type))
			expand_ole2(ctx, idx, bytes, children);
		else if (smime_wanted(p))
			expand_later(idx, bytes, &expand_smime_reader, children);
		else
			expand_readers(ctx, idx, bytes, children);
		if (!mime_archive_type(p->scan.type.type)) {
			size_t len;
			const unsigned char *data = g_bytes_get_data(bytes, &len);

			/* a zip with bytes in front (a GIF, an executable): unzip opens it */
			if (mime_archive_zip_inside(data, len))
				expand_later(idx, bytes, &mime_archive_reader, children);
		}
		break;
	}
}
