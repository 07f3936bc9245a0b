/*
 * params: the ways mail readers read one parameter of a MIME header value (the boundary of a
 * multipart, a file name): GMime's way is one; Python's email (compat32 and default policies)
 * and Thunderbird read blanks, quotes, angle brackets, comments, repeated parameters and RFC
 * 2231 pieces otherwise. A reading of a boundary that the message's delimiter lines spell
 * makes the lenient header reading (readings.c); a reading of a file name is judged as the
 * part's (mime_param_names()). Limits: values up to MIME_PARAM_MAX bytes, 64 RFC 2231 pieces
 * of index below 1000, MIME_PARAM_NAMES names a part (more: the part is unscannable). Thread safety: pure functions but
 * mime_param_names(), which belongs to the scan of its message.
 */

#include "mime/params.h"
#include "mime/ctx.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* s[0, n) without surrounding blanks added to cands, unless empty, too long or there. */
static void cand_add(GPtrArray *cands, const char *s, size_t n)
{
	while (n > 0 && g_ascii_isspace(*s)) {
		s++;
		n--;
	}
	while (n > 0 && g_ascii_isspace(s[n - 1]))
		n--;
	if (n == 0 || n > MIME_PARAM_MAX)
		return;
	for (guint i = 0; i < cands->len; i++) {
		const char *c = cands->pdata[i];

		if (strlen(c) == n && memcmp(c, s, n) == 0)
			return;
	}
	g_ptr_array_add(cands, g_strndup(s, n));
}

/* v as written, and v without angle brackets around it (Python's email.utils.unquote). */
static void cand_add_angle(GPtrArray *cands, const char *v, size_t n)
{
	cand_add(cands, v, n);
	while (n > 0 && g_ascii_isspace(*v)) {
		v++;
		n--;
	}
	while (n > 0 && g_ascii_isspace(v[n - 1]))
		n--;
	if (n >= 2 && v[0] == '<' && v[n - 1] == '>')
		cand_add(cands, v + 1, n - 2);
}

/*
 * The ways a parameter value is read: as written; its quoted string alone, unescaped (what
 * follows, a comment, dropped); up to its first blank or comment when it is a token; each
 * also without angle brackets. Blanks around are dropped (Python's email strips them).
 */
static void cand_value(GPtrArray *cands, const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	cand_add_angle(cands, v, strlen(v));
	if (*v == '"') {
		GString *q = g_string_new(NULL);
		const char *p = v + 1;

		for (; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			g_string_append_c(q, *p);
		}
		cand_add_angle(cands, q->str, q->len);
		/* and with its backslashes kept (Python's compat32 reading) */
		p = strchr(v + 1, '"');
		cand_add_angle(cands, v + 1, p != NULL ? (size_t)(p - v - 1) : strlen(v + 1));
		g_string_free(q, TRUE);
	} else {
		cand_add_angle(cands, v, strcspn(v, " \t(\""));
	}
}

/*
 * An RFC 2231 value: "charset'language'" taken from the first piece (*charset_r, a new string,
 * when first), %XX decoded.
 */
static char *rfc2231_decode(const char *v, bool first, char **charset_r)
{
	GString *out = g_string_new(NULL);
	const char *q, *q2;

	if (first && (q = strchr(v, '\'')) != NULL && (q2 = strchr(q + 1, '\'')) != NULL) {
		*charset_r = g_strndup(v, (size_t)(q - v));
		v = q2 + 1;
	}
	for (; *v != '\0'; v++) {
		if (*v == '%' && g_ascii_isxdigit(v[1]) && g_ascii_isxdigit(v[2])) {
			g_string_append_c(out, (char)(g_ascii_xdigit_value(v[1]) * 16 +
			                              g_ascii_xdigit_value(v[2])));
			v += 2;
		} else {
			g_string_append_c(out, *v);
		}
	}
	return g_string_free(out, FALSE);
}

/*
 * A decoded RFC 2231 value added whole (it is no token to cut at a blank), in UTF-8 when its
 * charset converts it (a boundary or a name in ISO-8859-1 is compared as UTF-8 text).
 */
static void cand_decoded(GPtrArray *cands, const char *dec, const char *charset)
{
	char *utf8 = NULL;

	if (charset != NULL && *charset != '\0' && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "us-ascii") != 0)
		utf8 = g_convert(dec, -1, "UTF-8", charset, NULL, NULL, NULL);
	cand_add(cands, utf8 != NULL ? utf8 : dec, strlen(utf8 != NULL ? utf8 : dec));
	g_free(utf8);
}

struct piece {
	unsigned int index;
	char *value; /* decoded when the piece is "name*N*" */
};

/*
 * RFC 2231 pieces "name*0", "name*1" ... joined in index order: up to the first
 * missing index, and across gaps; of a repeated index the first, and the last.
 */
static void cand_pieces(GPtrArray *cands, GArray *pieces, const char *charset)
{
	for (int way = 0; way < 3; way++) {
		GString *joined = g_string_new(NULL);
		unsigned int want = 0;
		bool any = true;

		while (any) {
			const struct piece *pick = NULL, *next = NULL;

			any = false;
			for (guint i = 0; i < pieces->len; i++) {
				const struct piece *pc = &g_array_index(pieces, struct piece, i);

				if (pc->index == want && (pick == NULL || way == 2))
					pick = pc;
				if (pc->index > want && (next == NULL || pc->index < next->index))
					next = pc;
			}
			if (pick != NULL) {
				g_string_append(joined, pick->value);
				any = true;
				want++;
			} else if (way > 0 && next != NULL) {
				want = next->index; /* across the gap */
				any = true;
			}
		}
		cand_decoded(cands, joined->str, charset);
		g_string_free(joined, TRUE);
	}
}

GPtrArray *mime_param_readings(const char *v, const char *want)
{
	size_t wn = strlen(want);
	char *charset = NULL;
	GPtrArray *cands = g_ptr_array_new_with_free_func(g_free);
	GArray *pieces = g_array_new(FALSE, FALSE, sizeof(struct piece));
	const char *p = v;

	while (*p != '\0') {
		const char *b = p, *eq;
		bool quoted = false;
		char *param, *name;

		for (; *p != '\0' && (quoted || *p != ';'); p++) {
			if (*p == '\\' && quoted && p[1] != '\0')
				p++;
			else if (*p == '"')
				quoted = !quoted;
		}
		param = g_strndup(b, (size_t)(p - b));
		if (*p == ';')
			p++;
		if ((eq = strchr(param, '=')) == NULL) {
			g_free(param);
			continue;
		}
		name = g_strstrip(g_strndup(param, (size_t)(eq - param)));
		if (g_ascii_strcasecmp(name, want) == 0) {
			cand_value(cands, eq + 1);
		} else if (g_ascii_strncasecmp(name, want, wn) == 0 &&
		           strcmp(name + wn, "*") == 0) {
			char *val = g_strstrip(g_strdup(eq + 1)), *cs = NULL;
			char *dec = rfc2231_decode(val, true, &cs);

			cand_decoded(cands, dec, cs);
			g_free(cs);
			g_free(dec);
			g_free(val);
		} else if (g_ascii_strncasecmp(name, want, wn) == 0 && name[wn] == '*' &&
		           g_ascii_isdigit(name[wn + 1]) && pieces->len < 64) {
			char *end;
			struct piece pc = {(unsigned int)strtoul(name + wn + 1, &end, 10), NULL};
			char *val = g_strstrip(g_strdup(eq + 1));

			if (*end == '*') {
				pc.value = rfc2231_decode(val, pc.index == 0 && charset == NULL,
				                          &charset);
			} else {
				size_t n = strlen(val);

				if (n >= 2 && val[0] == '"' && val[n - 1] == '"')
					pc.value = g_strndup(val + 1, n - 2);
				else
					pc.value = g_strdup(val);
			}
			g_free(val);
			if (pc.index < 1000)
				g_array_append_val(pieces, pc);
			else
				g_free(pc.value);
		}
		g_free(name);
		g_free(param);
	}
	if (pieces->len > 0)
		cand_pieces(cands, pieces, charset);
	g_free(charset);
	for (guint i = 0; i < pieces->len; i++)
		g_free(g_array_index(pieces, struct piece, i).value);
	g_array_free(pieces, TRUE);
	return cands;
}

/* The name's readings from each header called field of obj (its raw values), into names. */
static void names_of(GMimeObject *obj, const char *field, const char *param, GPtrArray *names)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *raw = g_mime_header_get_raw_value(h);
		GPtrArray *cands;
		char *v;

		if (raw == NULL || g_ascii_strcasecmp(g_mime_header_get_name(h), field) != 0)
			continue;
		v = g_strdup(raw);
		for (char *c = v; *c != '\0'; c++)
			if (*c == '\r' || *c == '\n')
				*c = ' ';
		cands = mime_param_readings(v, param);
		for (guint k = 0; k < cands->len; k++)
			g_ptr_array_add(names, g_steal_pointer(&cands->pdata[k]));
		g_ptr_array_free(cands, TRUE);
		g_free(v);
	}
}

void mime_param_names(struct mime_ctx *ctx, int idx, GMimeObject *obj)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *kept = g_ptr_array_new();
	bool more = false;
	const struct msg_part *p = mime_part_at(ctx, idx);

	names_of(obj, "Content-Disposition", "filename", names);
	names_of(obj, "Content-Type", "name", names);
	for (guint i = 0; i < names->len && !more; i++) {
		const char *n = names->pdata[i];
		char *valid;
		bool dup = false;

		/* a quoted string as written, and encoded words (which every reader decodes, as
		   GMime did for the part's own name), are no name a reader gives; a quoted string
		   with more after it is ("x.pdf" invoice.js: Python's compat32) */
		if ((n[0] == '"' && n[strlen(n) - 1] == '"') || strstr(n, "=?") != NULL)
			continue;
		valid = g_utf8_make_valid(n, -1);
		dup = g_strcmp0(valid, p->name) == 0 || g_strcmp0(valid, p->alt_name) == 0;
		for (guint k = 0; k < kept->len && !dup; k++)
			dup = strcmp(valid, kept->pdata[k]) == 0;
		if (dup || (more = kept->len == MIME_PARAM_NAMES)) {
			g_free(valid);
			continue;
		}
		g_ptr_array_add(kept, valid);
	}
	if (more) /* never silent: the part is unscannable */
		mime_part_flag(mime_part_at(ctx, idx), MSG_PART_LIMIT,
		               "more than %u readings of its file name: the rest are not judged",
		               MIME_PARAM_NAMES);
	for (guint i = 0; i < kept->len; i++) {
		struct msg_copy c = {.found_by = g_strdup("a reading of its file name parameter "
		                                          "(Python's email)"),
		                     .name = kept->pdata[i],
		                     .parent = p->parent,
		                     .raw_begin = p->body_begin,
		                     .raw_end = p->raw_end};

		mime_part_add_copy(ctx, idx, &c);
		p = mime_part_at(ctx, idx);
	}
	g_ptr_array_free(kept, TRUE);
	g_ptr_array_free(names, TRUE);
}
