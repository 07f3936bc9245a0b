/*
 * html: data: URIs and long base64 string literals of HTML and SVG documents as members.
 *
 * One linear pass over the bytes, no parser: a browser runs what is in a script wherever the
 * markup puts it, so the reader looks at every quoted run rather than at a DOM. Limits: each
 * member at most reader_budget_cap() bytes (max_member_bytes, max_ratio), at most
 * max_archive_members members, at most HTML_MAX_LITERAL literals joined into one. Thread
 * safety: no state.
 */

#include "mime/html.h"

#include <string.h>

static bool b64_char(unsigned char c)
{
	return g_ascii_isalnum(c) || c == '+' || c == '/' || c == '-' || c == '_';
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

struct html_state {
	struct reader_budget b;
	GPtrArray *members;
	unsigned int ndata, nscript;
	bool limit;
};

static void add(struct html_state *st, const char *name, GBytes *bytes, bool cut,
                unsigned int flags)
{
	st->b.out += g_bytes_get_size(bytes);
	if (cut)
		flags |= READER_MEMBER_TRUNCATED;
	if (!reader_member_add(&st->b, st->members, name, bytes, flags,
	                       cut ? "decoded bytes over max_member_bytes or max_ratio: cut there"
	                           : NULL))
		st->limit = true;
}

static GBytes *percent_decode(const unsigned char *s, size_t n, size_t cap, bool *cut)
{
	GByteArray *out = g_byte_array_new();

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (out->len >= cap) {
			*cut = true;
			break;
		}
		if (c == '%' && n - i >= 3 && g_ascii_isxdigit(s[i + 1]) &&
		    g_ascii_isxdigit(s[i + 2])) {
			c = (unsigned char)(g_ascii_xdigit_value(s[i + 1]) << 4 |
			                    g_ascii_xdigit_value(s[i + 2]));
			i += 2;
		}
		g_byte_array_append(out, &c, 1);
	}
	return g_byte_array_free_to_bytes(out);
}

/* The data: URI at d + at ("data:" matched): its member; returns where to go on. */
static size_t data_uri(struct html_state *st, const unsigned char *d, size_t n, size_t at)
{
	size_t p = at + 5, comma, end;
	unsigned char quote = at > 0 ? d[at - 1] : 0;
	bool base64 = false, cut = false;
	char name[32];
	GBytes *bytes;

	for (comma = p; comma < n && comma - p <= HTML_MEDIA_MAX && d[comma] != ','; comma++)
		if (is_space(d[comma]) || d[comma] == '"' || d[comma] == '\'' || d[comma] == '<' ||
		    d[comma] == '>')
			return p;
	if (comma >= n || d[comma] != ',')
		return p;
	if (comma - p >= 7 && g_ascii_strncasecmp((const char *)d + comma - 7, ";base64", 7) == 0)
		base64 = true;
	for (end = comma + 1; end < n; end++) {
		unsigned char c = d[end];

		if (quote == '"' || quote == '\'' ? c == quote
		                                  : (is_space(c) || c == ')' || c == '<' ||
		                                     c == '>' || c == '"' || c == '\''))
			break;
	}
	bytes = base64 ? reader_base64(d + comma + 1, end - comma - 1, reader_budget_cap(&st->b),
	                               &cut)
	               : percent_decode(d + comma + 1, end - comma - 1, reader_budget_cap(&st->b),
	                                &cut);
	if (g_bytes_get_size(bytes) == 0) {
		g_bytes_unref(bytes);
		return end;
	}
	g_snprintf(name, sizeof(name), "data%u", ++st->ndata);
	add(st, name, bytes, cut, 0);
	return end;
}

/* The base64 run of a literal opening at d[q] (a quote): its end (the closing quote) or 0. */
static size_t literal_run(const unsigned char *d, size_t n, size_t q, size_t *len_r)
{
	size_t j = q + 1;

	while (j < n && b64_char(d[j]))
		j++;
	for (int pad = 0; pad < 2 && j < n && d[j] == '='; pad++) /* padding */
		j++;
	*len_r = j - q - 1;
	return j < n && d[j] == d[q] ? j : 0;
}

/* A quoted base64 literal (and those joined to it with "+") at d[i]; returns where to go on. */
static size_t script_literal(struct html_state *st, const unsigned char *d, size_t n, size_t i)
{
	size_t len, close = literal_run(d, n, i, &len), total, k;
	GByteArray *joined;
	GBytes *bytes;
	bool cut = false;
	char name[32];

	if (close == 0)
		return i + 1; /* not a literal of base64 only: go on inside it */
	joined = g_byte_array_new();
	g_byte_array_append(joined, d + i + 1, (guint)len);
	total = len;
	for (unsigned int parts = 1; parts < HTML_MAX_LITERAL; parts++) {
		size_t next, l2;

		k = close + 1;
		while (k < n && is_space(d[k]))
			k++;
		if (k >= n || d[k] != '+')
			break;
		k++;
		while (k < n && is_space(d[k]))
			k++;
		if (k >= n || (d[k] != '"' && d[k] != '\'' && d[k] != '`') ||
		    (next = literal_run(d, n, k, &l2)) == 0)
			break;
		if (joined->len < reader_budget_cap(&st->b) * 2)
			g_byte_array_append(joined, d + k + 1, (guint)l2);
		total += l2;
		close = next;
	}
	if (total >= HTML_B64_MIN) {
		bytes = reader_base64(joined->data, joined->len, reader_budget_cap(&st->b), &cut);
		g_snprintf(name, sizeof(name), "script%u", ++st->nscript);
		add(st, name, bytes, cut, READER_MEMBER_SCRIPT);
	}
	g_byte_array_unref(joined);
	return close + 1;
}

/* A run of HTML_B64_MIN base64 characters somewhere in d: the last byte such a run could end
 * on is looked at first, then backwards; at the first other byte the run cannot reach there,
 * so the next candidate end is HTML_B64_MIN bytes past it. Prose costs a few reads per
 * HTML_B64_MIN bytes, and no byte is read more than twice. */
static bool html_long_run(const unsigned char *d, size_t n)
{
	size_t end = HTML_B64_MIN - 1;

	while (end < n) {
		size_t k = 0;

		/* "=" too: the reader counts a literal's padding in its length */
		while (k < HTML_B64_MIN && (b64_char(d[end - k]) || d[end - k] == '='))
			k++;
		if (k == HTML_B64_MIN)
			return true;
		end += HTML_B64_MIN - k;
	}
	return false;
}

/* "data:" in any case: the colons, and the four bytes before each. */
static bool html_data_colon(const unsigned char *d, size_t n)
{
	const unsigned char *p = d, *end = d + n;

	while ((p = memchr(p, ':', (size_t)(end - p))) != NULL) {
		if (p - d >= 4 && g_ascii_strncasecmp((const char *)p - 4, "data", 4) == 0)
			return true;
		p++;
	}
	return false;
}

static bool is_quote(unsigned char c)
{
	return c == '"' || c == '\'' || c == '`';
}

/* A "+" between a closing and an opening quote (spaces around it): literals joined into one,
 * each of them possibly shorter than HTML_B64_MIN. */
static bool html_join(const unsigned char *d, size_t n)
{
	const unsigned char *p = d, *end = d + n;

	while ((p = memchr(p, '+', (size_t)(end - p))) != NULL) {
		const unsigned char *b = p, *a = p + 1;

		while (b > d && is_space(b[-1]))
			b--;
		while (a < end && is_space(*a))
			a++;
		if (b > d && is_quote(b[-1]) && a < end && is_quote(*a))
			return true;
		p = a > p + 1 ? a : p + 1;
	}
	return false;
}

/* The pre-gate of html_read: everything the reader takes as a member starts with "data:" (any
 * case), is a single literal of HTML_B64_MIN base64 characters or joins literals with "+"
 * between quotes. Ordinary HTML has none of these and is passed in a memchr-class time. */
bool html_probe(const unsigned char *data, size_t len)
{
	return html_data_colon(data, len) || html_long_run(data, len) || html_join(data, len);
}

int html_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
              GPtrArray *members_r, GError **error)
{
	struct html_state st = {.members = members_r};
	size_t i = 0;

	reader_budget_init(&st.b, lim, len);
	while (i < len && !st.limit) {
		unsigned char c = data[i];

		if ((c == 'd' || c == 'D') && len - i >= 5 &&
		    g_ascii_strncasecmp((const char *)data + i, "data:", 5) == 0 &&
		    (i == 0 || !g_ascii_isalnum(data[i - 1])))
			i = data_uri(&st, data, len, i);
		else if (c == '"' || c == '\'' || c == '`')
			i = script_literal(&st, data, len, i);
		else
			i++;
	}
	if (st.limit) {
		g_set_error(error, READER_ERROR, READER_ERROR_LIMIT,
		            "HTML: more than %u data: URIs and base64 literals: the rest not read",
		            st.b.lim.max_archive_members);
		return -1;
	}
	return 0;
}
