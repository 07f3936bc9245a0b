/*
 * expand: the container hook. Every decoded part passes through mime_expand(), which turns
 * what it holds into parts of their own, scanned while the container's bytes are alive:
 *
 *   uuencoded blocks ("begin 644 name") in text      path P/uuN    MSG_PART_UUENCODED
 *   TNEF attachments (winmail.dat)                   path P/tnefN  MSG_PART_TNEF
 *   a message inside a part (message/rfc822 sent     path P/1, P/2.1 ... (walked like the
 *     as base64, an attached .eml, S/MIME signed       message itself, raw offsets 0)
 *     data)
 *   archive and compressed-stream members            path P/FMT:NAME  MSG_PART_ARCHIVE_MEMBER
 *     (archive.c, libarchive)
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
#include "mime/openpgp.h"
#include "mime/pdf.h"
#include "mime/tnef.h"
#include "mime/uuencode.h"
#include "mime/walk.h"

#include <limits.h>
#include <openssl/cms.h>
#include <openssl/objects.h>
#include <stddef.h>
#include <string.h>

/* A container's contents are one level deeper; false (and flagged) past max_depth. */
static bool expand_depth_ok(struct mime_ctx *ctx, struct msg_part *p)
{
	if (p->depth + 1 <= ctx->lim.max_depth)
		return true;
	mime_part_flag(p, MSG_PART_LIMIT, "contents deeper than max_depth (%u): not scanned",
	               ctx->lim.max_depth);
	mime_limit(ctx, MSG_LIMIT_DEPTH,
	           "part %s: contents deeper than max_depth (%u): not scanned", p->path,
	           ctx->lim.max_depth);
	return false;
}

static bool in_message(struct mime_ctx *ctx, const unsigned char *p, size_t len)
{
	return ctx->raw != NULL && p >= ctx->raw && len <= ctx->len &&
	       p - ctx->raw <= (ptrdiff_t)(ctx->len - len);
}

/* A child part of idx, or -1 when max_parts is reached. */
static int expand_child(struct mime_ctx *ctx, int idx, const char *kind, unsigned int n,
                        const char *encoding, unsigned int flag)
{
	char *path = g_strdup_printf("%s/%s%u", mime_part_at(ctx, idx)->path, kind, n);
	int child = mime_part_new(ctx, path, idx, mime_part_at(ctx, idx)->depth + 1);
	struct msg_part *c;

	g_free(path);
	if (child < 0)
		return -1;
	c = mime_part_at(ctx, child);
	c->content_type = g_strdup("application/octet-stream");
	c->disposition = g_strdup("attachment");
	c->encoding = g_strdup(encoding);
	c->flags |= flag;
	return child;
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

static void expand_uu(struct mime_ctx *ctx, int idx, const unsigned char *data, size_t len)
{
	struct mime_uu_block b;
	size_t pos = 0;
	unsigned int n = 0;

	while (mime_uu_next(data, len, &pos, &b)) {
		struct mime_job job = {0};
		int child;

		if (n == 0 && !expand_depth_ok(ctx, mime_part_at(ctx, idx)))
			return;
		child = expand_child(ctx, idx, "uu", ++n, b.base64 ? "base64" : "uuencode",
		                     MSG_PART_UUENCODED);
		if (child < 0)
			return;
		mime_part_at(ctx, child)->name =
		        expand_name((unsigned char *)b.name, strlen(b.name), NULL);
		mime_part_at(ctx, idx)->flags |= MSG_PART_CONTAINER;
		job.part = (unsigned int)child;
		job.enc = b.base64 ? MIME_ENC_BASE64 : MIME_ENC_UU;
		job.body = data + (b.base64 ? b.data : b.begin);
		job.body_len = b.end - (b.base64 ? b.data : b.begin);
		job.in_raw = in_message(ctx, job.body, job.body_len);
		mime_part_at(ctx, child)->encoded_size = job.body_len;
		if (!b.closed)
			mime_part_flag(mime_part_at(ctx, child), 0, "no \"end\" line");
		mime_job_run(ctx, &job);
	}
}

static void expand_tnef(struct mime_ctx *ctx, int idx, const unsigned char *data, size_t len)
{
	struct mime_tnef_iter it;
	struct mime_tnef_att att;
	unsigned int n = 0;
	int r;

	if (!mime_tnef_init(&it, data, len) || !expand_depth_ok(ctx, mime_part_at(ctx, idx)))
		return;
	mime_part_at(ctx, idx)->flags |= MSG_PART_CONTAINER;
	while ((r = mime_tnef_next(&it, &att)) == 1) {
		struct mime_job job = {0};
		int child = expand_child(ctx, idx, "tnef", ++n, "tnef", MSG_PART_TNEF);
		struct msg_part *c;
		char cp[32];

		if (child < 0)
			return;
		c = mime_part_at(ctx, child);
		g_snprintf(cp, sizeof(cp), "CP%u", it.codepage);
		if (att.title_utf16)
			c->name = g_convert((const char *)att.title, (gssize)att.title_len, "UTF-8",
			                    "UTF-16LE", NULL, NULL, NULL);
		else
			c->name = expand_name(att.title, att.title_len, it.codepage ? cp : NULL);
		c->encoded_size = att.size;
		job.part = (unsigned int)child;
		job.enc = MIME_ENC_RAW;
		job.body = att.data;
		job.body_len = att.size;
		job.in_raw = in_message(ctx, att.data, att.size);
		mime_job_run(ctx, &job);
	}
	if (r < 0)
		mime_part_flag(mime_part_at(ctx, idx), MSG_PART_OPAQUE, "malformed TNEF: %s",
		               it.error);
}

/* A message inside a part: walked like the message itself (its own sweep included). */
static void expand_message(struct mime_ctx *ctx, int idx, const unsigned char *data, size_t len,
                           const char *what)
{
	struct msg_part *p = mime_part_at(ctx, idx);
	char *prefix;

	if (!expand_depth_ok(ctx, p))
		return;
	prefix = g_strconcat(p->path, "/", NULL);
	p->flags |= MSG_PART_CONTAINER;
	if (!mime_walk_message(ctx, data, len, false, prefix, p->depth + 1, idx))
		mime_part_flag(mime_part_at(ctx, idx), MSG_PART_OPAQUE,
		               "%s is not a readable message", what);
	g_free(prefix);
}

static bool smime_wanted(const struct msg_part *p)
{
	const char *t = p->content_type;

	return t != NULL && (strcmp(t, "application/pkcs7-mime") == 0 ||
	                     strcmp(t, "application/x-pkcs7-mime") == 0);
}

/* S/MIME: signed data holds a MIME entity (walked); enveloped data is encrypted. */
static void expand_smime(struct mime_ctx *ctx, int idx, const unsigned char *data, size_t len)
{
	struct msg_part *p = mime_part_at(ctx, idx);
	BIO *bio = BIO_new_mem_buf(data, len > INT_MAX ? INT_MAX : (int)len);
	CMS_ContentInfo *cms = bio != NULL ? d2i_CMS_bio(bio, NULL) : NULL;
	int nid = cms != NULL ? OBJ_obj2nid(CMS_get0_type(cms)) : NID_undef;

	if (cms == NULL) {
		mime_part_flag(p, MSG_PART_OPAQUE, "unreadable S/MIME structure");
	} else if (nid == NID_pkcs7_signed) {
		ASN1_OCTET_STRING **content = CMS_get0_content(cms);

		if (content != NULL && *content != NULL)
			expand_message(ctx, idx, ASN1_STRING_get0_data(*content),
			               (size_t)ASN1_STRING_length(*content),
			               "S/MIME signed content");
	} else if (nid == NID_pkcs7_enveloped || nid == NID_id_smime_ct_authEnvelopedData) {
		mime_part_flag(p, MSG_PART_ENCRYPTED, "encrypted (S/MIME enveloped data)");
	} else {
		mime_part_flag(p, MSG_PART_OPAQUE, "S/MIME content of type %s not read",
		               OBJ_nid2sn(nid));
	}
	CMS_ContentInfo_free(cms);
	BIO_free(bio);
}

/* message/rfc822 sent encoded, an attached .eml: not a text body that merely looks like one */
static bool message_wanted(const struct msg_part *p)
{
	const char *t = p->content_type;

	if (p->flags & (MSG_PART_BODY | MSG_PART_PARTIAL))
		return false;
	return t == NULL || !g_str_has_prefix(t, "text/");
}

/* An archive: its members; a kind no reader here knows: opaque. */
static void expand_archive(struct mime_ctx *ctx, int idx, const unsigned char *data, size_t len)
{
	struct msg_part *p = mime_part_at(ctx, idx);
	enum ftype t = p->scan.type.type;

	if (t == FTYPE_ARJ || t == FTYPE_ACE) {
		mime_part_flag(p, MSG_PART_OPAQUE, "%s archive: no reader, contents not scanned",
		               ftype_name(t));
		return;
	}
	if (expand_depth_ok(ctx, p))
		mime_archive_expand(ctx, idx, data, len);
}

typedef int reader_fn(const unsigned char *, size_t, const struct msg_limits *, GPtrArray *,
                      GError **);

/* A reader's members as parts "P/FMT:NAME", scanned in turn; its error flags the container. */
static void expand_reader(struct mime_ctx *ctx, int idx, const unsigned char *data, size_t len,
                          const char *fmt, reader_fn *fn)
{
	struct msg_part *p = mime_part_at(ctx, idx);
	struct msg_limits lim = ctx->lim;
	GPtrArray *members;
	GError *error = NULL;
	unsigned int smuggled = 0;

	if (!expand_depth_ok(ctx, p))
		return;
	if (ctx->archive_depth >= ctx->lim.max_archive_depth ||
	    ctx->decoded >= ctx->lim.max_total_bytes) {
		mime_part_flag(p, MSG_PART_LIMIT,
		               "%s contents not read: max_archive_depth or "
		               "max_total_bytes",
		               fmt);
		mime_limit(ctx, MSG_LIMIT_ARCHIVE, "part %s: %s contents not read", p->path, fmt);
		return;
	}
	lim.max_total_bytes -= ctx->decoded; /* what the reader may hold: what is left */
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
	if (members->len > 0)
		mime_part_at(ctx, idx)->flags |= MSG_PART_CONTAINER;
	ctx->archive_depth++;
	for (guint i = 0; i < members->len && ctx->error == NULL; i++) {
		struct reader_member *m = g_ptr_array_index(members, i);
		char *path = m->name != NULL
		                     ? g_strdup_printf("%s/%s:%s", mime_part_at(ctx, idx)->path,
		                                       fmt, m->name)
		                     : g_strdup_printf("%s/%s:#%u", mime_part_at(ctx, idx)->path,
		                                       fmt, i + 1);
		int child = mime_part_new(ctx, path, idx, mime_part_at(ctx, idx)->depth + 1);
		struct mime_job job = {.enc = MIME_ENC_RAW};
		struct msg_part *c;

		g_free(path);
		if (child < 0)
			break;
		c = mime_part_at(ctx, child);
		c->name = g_strdup(m->name);
		c->content_type = g_strdup("application/octet-stream");
		c->encoding = g_strdup(fmt);
		c->flags |= MSG_PART_ARCHIVE_MEMBER;
		if (m->flags & (READER_MEMBER_TRUNCATED | READER_MEMBER_LIMIT |
		                READER_MEMBER_ENCRYPTED | READER_MEMBER_OPAQUE))
			mime_part_flag(
			        c,
			        (m->flags & READER_MEMBER_TRUNCATED ? MSG_PART_TRUNCATED : 0) |
			                (m->flags & READER_MEMBER_LIMIT ? MSG_PART_LIMIT : 0) |
			                (m->flags & READER_MEMBER_ENCRYPTED ? MSG_PART_ENCRYPTED
			                                                    : 0) |
			                (m->flags & READER_MEMBER_OPAQUE ? MSG_PART_OPAQUE : 0),
			        "%s", m->note != NULL ? m->note : "not read");
		if (m->flags & READER_MEMBER_SCRIPT)
			smuggled++;
		job.part = (unsigned int)child;
		job.body = g_bytes_get_data(m->data, &job.body_len);
		c->encoded_size = job.body_len;
		if (!(m->flags & (READER_MEMBER_LIMIT | READER_MEMBER_ENCRYPTED)))
			mime_job_run(ctx, &job);
	}
	ctx->archive_depth--;
	p = mime_part_at(ctx, idx);
	if (smuggled > 0 && !(p->flags & MSG_PART_BODY))
		mime_part_flag(p, MSG_PART_HTML_SMUGGLING,
		               "HTML smuggling: %u base64 script literal(s) decode to a file",
		               smuggled);
	g_ptr_array_unref(members);
}

bool mime_reader_type(enum ftype t)
{
	return t == FTYPE_PDF || t == FTYPE_APPLESINGLE || t == FTYPE_PGP || t == FTYPE_HTML ||
	       t == FTYPE_SVG || t == FTYPE_HTA;
}

/* The reader of a part: by its real type, or an armoured OpenPGP block in a text. */
static void expand_readers(struct mime_ctx *ctx, int idx, const unsigned char *data, size_t len)
{
	struct msg_part *p = mime_part_at(ctx, idx);
	enum ftype t = p->scan.type.type;
	bool html = t == FTYPE_HTML || t == FTYPE_SVG || t == FTYPE_HTA ||
	            (t == FTYPE_TEXT && p->content_type != NULL &&
	             strcmp(p->content_type, "text/html") == 0);

	if (t == FTYPE_PDF)
		expand_reader(ctx, idx, data, len, "pdf", pdf_read);
	else if (t == FTYPE_APPLESINGLE)
		expand_reader(ctx, idx, data, len, "applefile", applefile_read);
	else if (t == FTYPE_PGP || (t == FTYPE_TEXT && openpgp_armored(data, len)))
		expand_reader(ctx, idx, data, len, "pgp", openpgp_read);
	if (html && html_probe(data, len))
		expand_reader(ctx, idx, data, len, "html", html_read);
}

static bool expand_container_type(enum ftype t)
{
	return mime_archive_type(t) || t == FTYPE_TNEF || t == FTYPE_EML || t == FTYPE_MBOX ||
	       t == FTYPE_ARJ || t == FTYPE_ACE || mime_reader_type(t);
}

void mime_expand(struct mime_ctx *ctx, int idx, const unsigned char *data, size_t len,
                 unsigned int hints)
{
	struct msg_part *p = mime_part_at(ctx, idx);

	if (ctx->error != NULL || (p->flags & MSG_PART_ENCRYPTED))
		return;
	if (p->scanned && p->scan.allowlisted) {
		/* the allow list vouches for the whole file, contents included */
		if (expand_container_type(p->scan.type.type))
			mime_part_flag(p, 0, "allow-listed container: contents not scanned");
		return;
	}
	if (!(hints & MIME_HINT_NO_UU) && uu_wanted(p))
		expand_uu(ctx, idx, data, len);
	p = mime_part_at(ctx, idx);
	switch (p->scan.type.type) {
	case FTYPE_TNEF:
		expand_tnef(ctx, idx, data, len);
		break;
	case FTYPE_EML:
	case FTYPE_MBOX:
		if (message_wanted(p))
			expand_message(ctx, idx, data, len, "the attached message");
		break;
	case FTYPE_ARJ:
	case FTYPE_ACE:
		expand_archive(ctx, idx, data, len);
		break;
	default:
		if (mime_archive_type(p->scan.type.type))
			expand_archive(ctx, idx, data, len);
		else if (smime_wanted(p))
			expand_smime(ctx, idx, data, len);
		else
			expand_readers(ctx, idx, data, len);
		break;
	}
}
