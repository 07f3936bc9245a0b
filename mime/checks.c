/*
 * checks: what is odd about a message, as anomalies with notes (internal to mime/).
 *
 * GMime's parser warnings are mapped to anomalies (8-bit headers and RFC 2047 or address
 * glitches, common and harmless here, are ignored); the walk's own checks cover what GMime
 * does not say: header blocks not ended by an empty line, NUL bytes, oversized header blocks,
 * boundary syntax (RFC 2046) and reuse by a nested multipart, closing delimiters, text after
 * them. Each check reads a bounded stretch of the buffer (a header block, at most
 * CHECK_MAX_EPILOGUE lines after a multipart's last part). Thread safety: per walk.
 */

#include "mime/walk.h"

#include <string.h>

/* RFC 2046: a boundary is 1 to 70 characters */
#define CHECK_MAX_BOUNDARY 70
/* lines of inner closing delimiters and epilogues looked through for a closing delimiter */
#define CHECK_MAX_EPILOGUE 1000

/* "in part 2 (offset 120): " for notes about a message found inside a part. */
static char *walk_where(struct mime_walk *w, gint64 offset)
{
	if (w->parent >= 0)
		return g_strdup_printf("in part %s, offset %" G_GINT64_FORMAT ": ",
		                       mime_part_at(w->ctx, w->parent)->path, offset);
	if (offset >= 0)
		return g_strdup_printf("offset %" G_GINT64_FORMAT ": ", offset);
	return g_strdup("");
}

static bool name_is(const char *item, const char *name)
{
	return item != NULL && g_ascii_strcasecmp(item, name) == 0;
}

void mime_check_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
	struct mime_walk *w = data;
	struct mime_ctx *ctx = w->ctx;
	char *where = walk_where(w, offset);
	char *it = g_strndup(item != NULL ? item : "", 80);

	switch (code) {
	case GMIME_WARN_DUPLICATED_HEADER:
	case GMIME_CRIT_CONFLICTING_HEADER:
		if (name_is(item, "Content-Type"))
			mime_anomaly(ctx, MSG_ANOM_DUPLICATE_CTYPE, "%stwo Content-Type headers",
			             where);
		else if (name_is(item, "Content-Transfer-Encoding") ||
		         name_is(item, "Content-Disposition"))
			mime_anomaly(ctx, MSG_ANOM_BAD_HEADER, "%stwo %s headers", where, it);
		break;
	case GMIME_WARN_DUPLICATED_PARAMETER:
	case GMIME_CRIT_CONFLICTING_PARAMETER:
		if (name_is(item, "boundary"))
			mime_anomaly(ctx, MSG_ANOM_BAD_BOUNDARY, "%sboundary declared twice",
			             where);
		else if (name_is(item, "name") || name_is(item, "filename"))
			mime_anomaly(ctx, MSG_ANOM_BAD_HEADER, "%s%s declared twice", where, it);
		break;
	case GMIME_WARN_INVALID_CONTENT_TYPE:
		mime_anomaly(ctx, MSG_ANOM_BAD_HEADER, "%sinvalid Content-Type \"%s\"", where, it);
		break;
	case GMIME_WARN_MALFORMED_MESSAGE:
		mime_anomaly(ctx, MSG_ANOM_BAD_HEADER, "%smalformed message", where);
		break;
	case GMIME_CRIT_INVALID_HEADER_NAME:
		mime_anomaly(ctx, MSG_ANOM_BAD_HEADER, "%sinvalid header line \"%s\"", where, it);
		break;
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
		mime_anomaly(ctx, MSG_ANOM_BAD_BOUNDARY, "%smultipart without a boundary", where);
		break;
	case GMIME_WARN_INVALID_PARAMETER:
		mime_anomaly(ctx, MSG_ANOM_BAD_HEADER, "%sinvalid header parameter \"%s\"", where,
		             it);
		break;
	case GMIME_CRIT_NESTING_OVERFLOW:
		mime_limit(ctx, MSG_LIMIT_DEPTH, "%sGMime's nesting limit reached", where);
		break;
	case GMIME_WARN_PART_WITHOUT_CONTENT:
		mime_anomaly(ctx, MSG_ANOM_NO_HEADER_END, "%sheaders ended by a boundary", where);
		break;
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		mime_anomaly(ctx, MSG_ANOM_BAD_HEADER, "%spart without headers or content", where);
		break;
	case GMIME_WARN_TRUNCATED_MESSAGE:
		mime_note(ctx, "%sthe message ends early (truncated)", where);
		break;
	default:
		/* 8-bit headers, RFC 2047 and address list glitches: common and harmless here */
		break;
	}
	g_free(it);
	g_free(where);
}

/* A header line "Name:" (or a folded continuation). */
static bool header_line(const unsigned char *p, size_t n)
{
	size_t j = 0;

	if (p[0] == ' ' || p[0] == '\t')
		return true;
	while (j < n && p[j] > 32 && p[j] < 127 && p[j] != ':')
		j++;
	while (j > 0 && j < n && (p[j] == ' ' || p[j] == '\t'))
		j++;
	return j > 0 && j < n && p[j] == ':';
}

void mime_check_headers(struct mime_walk *w, size_t off, const char *what)
{
	const unsigned char *start = w->data + off, *p = start, *end = w->data + w->len;
	struct mime_ctx *ctx = w->ctx;
	bool nul = false;

	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		const unsigned char *eol = nl != NULL ? nl : end;
		size_t n = (size_t)(eol - p);

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if ((uint64_t)(eol - start) > ctx->lim.max_header_bytes) {
			mime_limit(
			        ctx, MSG_LIMIT_HEADER,
			        "%s: header block larger than max_header_bytes (%" G_GUINT64_FORMAT
			        ")",
			        what, ctx->lim.max_header_bytes);
			return;
		}
		if (memchr(p, '\0', n) != NULL)
			nul = true;
		if (!header_line(p, n) || nl == NULL) {
			mime_anomaly(ctx, MSG_ANOM_NO_HEADER_END,
			             "%s: header block not ended by an empty line", what);
			break;
		}
		p = nl + 1;
	}
	if (nul)
		mime_anomaly(ctx, MSG_ANOM_GARBAGE, "%s: NUL byte in the header block", what);
}

/* RFC 2046 bchars, a space not last. */
static bool boundary_ok(const char *b)
{
	size_t n = strlen(b);

	if (n == 0 || n > CHECK_MAX_BOUNDARY || b[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!g_ascii_isalnum(b[i]) && strchr("'()+_,-./:=? ", b[i]) == NULL)
			return false;
	}
	return true;
}

/* "--" + boundary at p, then the end of the line or "--" (with final) and blanks. */
static bool delimiter_at(const unsigned char *p, size_t n, const char *boundary, bool final)
{
	size_t blen = strlen(boundary);

	if (n < blen + 2 || memcmp(p, "--", 2) != 0 || memcmp(p + 2, boundary, blen) != 0)
		return false;
	return !final || (n >= blen + 4 && memcmp(p + 2 + blen, "--", 2) == 0);
}

/*
 * The closing delimiter after the last part's body: "--boundary--", after at most the
 * closing delimiters and epilogues of the multiparts inside (CHECK_MAX_EPILOGUE lines), and
 * before any delimiter of an enclosing multipart.
 */
static bool closed_after(struct mime_walk *w, gint64 end, const char *boundary,
                         const struct mime_frame *up)
{
	const unsigned char *p = w->data + CLAMP(end, 0, (gint64)w->len), *stop = w->data + w->len;

	for (unsigned int lines = 0; p < stop && lines < CHECK_MAX_EPILOGUE; lines++) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(stop - p));
		size_t n = (size_t)((nl != NULL ? nl : stop) - p);

		if (delimiter_at(p, n, boundary, true))
			return true;
		for (const struct mime_frame *f = up; f != NULL; f = f->up) {
			if (f->boundary != NULL && delimiter_at(p, n, f->boundary, false))
				return false;
		}
		p = nl != NULL ? nl + 1 : stop;
	}
	return false;
}

void mime_check_multipart(struct mime_walk *w, GMimeMultipart *mp, const char *path,
                          const struct mime_frame *up, int n, gint64 last_end)
{
	struct mime_ctx *ctx = w->ctx;
	/* the parameter as read (g_mime_multipart_get_boundary() would make one up, see walk.c) */
	const char *b = g_mime_object_get_content_type_parameter((GMimeObject *)mp, "boundary");
	const char *epi = g_mime_multipart_get_epilogue(mp);
	const char *what = path;

	if (n == 0)
		mime_anomaly(ctx, MSG_ANOM_EMPTY_MULTIPART, "part %s: multipart with no parts",
		             what);
	if (b == NULL)
		return;
	g_ptr_array_add(w->boundaries, (gpointer)b);
	if (!boundary_ok(b))
		mime_anomaly(ctx, MSG_ANOM_BAD_BOUNDARY,
		             "part %s: boundary of %zu characters outside RFC 2046's syntax", what,
		             strlen(b));
	for (const struct mime_frame *f = up; f != NULL; f = f->up) {
		if (f->boundary != NULL &&
		    (g_str_has_prefix(f->boundary, b) || g_str_has_prefix(b, f->boundary))) {
			mime_anomaly(ctx, MSG_ANOM_DUPLICATE_BOUNDARY,
			             "part %s: boundary reused (or a prefix of) an enclosing one",
			             what);
			break;
		}
	}
	if (n > 0 && !closed_after(w, last_end, b, up))
		mime_anomaly(ctx, MSG_ANOM_MISSING_BOUNDARY, "part %s: no closing boundary", what);
	if (epi != NULL) {
		for (const char *c = epi; *c != '\0'; c++) {
			if (!g_ascii_isspace(*c)) {
				mime_anomaly(ctx, MSG_ANOM_GARBAGE,
				             "part %s: text after the closing boundary", what);
				break;
			}
		}
	}
}
