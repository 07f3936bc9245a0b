/*
 * pdf_object: the lexer and value parser of the PDF reader (pdf.c): names, strings, numbers,
 * references, arrays and dictionaries of one object, from bytes in memory.
 *
 * Limits: PDF_MAX_DEPTH nesting of arrays and dictionaries and PDF_MAX_VALUES values per
 * parsed object (pdf.h); strings and names are copied, at most the bytes they span.
 * Thread safety: no state.
 */

#include "mime/pdf.h"
#include "mime/pdf_filter.h"
#include "mime/pdf_private.h"

#include <stdlib.h>
#include <string.h>

bool pdf_is_ws(unsigned char c)
{
	return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32;
}

bool pdf_is_delim(unsigned char c)
{
	return pdf_is_ws(c) || strchr("()<>[]{}/%", c) != NULL;
}

void pdf_skip_ws(struct pdf_lex *lx)
{
	while (lx->pos < lx->n) {
		unsigned char c = lx->d[lx->pos];

		if (pdf_is_ws(c)) {
			lx->pos++;
		} else if (c == '%') {
			while (lx->pos < lx->n && lx->d[lx->pos] != '\n' && lx->d[lx->pos] != '\r')
				lx->pos++;
		} else {
			break;
		}
	}
}

void pdf_val_free(struct pdf_val *v)
{
	if (v == NULL)
		return;
	if (v->s != NULL)
		g_byte_array_unref(v->s);
	if (v->items != NULL)
		g_ptr_array_unref(v->items);
	g_free(v);
}

static void val_destroy(gpointer p)
{
	pdf_val_free(p);
}

static struct pdf_val *val_new(struct pdf_lex *lx, enum pdf_kind kind)
{
	struct pdf_val *v;

	if (lx->values >= PDF_MAX_VALUES)
		return NULL;
	lx->values++;
	v = g_new0(struct pdf_val, 1);
	v->kind = kind;
	return v;
}

int pdf_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static struct pdf_val *parse_name(struct pdf_lex *lx)
{
	struct pdf_val *v = val_new(lx, PDF_NAME);

	if (v == NULL)
		return NULL;
	v->s = g_byte_array_new();
	lx->pos++;
	while (lx->pos < lx->n && !pdf_is_delim(lx->d[lx->pos])) {
		unsigned char c = lx->d[lx->pos++];

		if (c == '#' && lx->n - lx->pos >= 2 && pdf_hexval(lx->d[lx->pos]) >= 0 &&
		    pdf_hexval(lx->d[lx->pos + 1]) >= 0) {
			c = (unsigned char)(pdf_hexval(lx->d[lx->pos]) << 4 |
			                    pdf_hexval(lx->d[lx->pos + 1]));
			lx->pos += 2;
		}
		g_byte_array_append(v->s, &c, 1);
	}
	return v;
}

static struct pdf_val *parse_literal(struct pdf_lex *lx)
{
	struct pdf_val *v = val_new(lx, PDF_STR);
	unsigned int nest = 1;

	if (v == NULL)
		return NULL;
	v->s = g_byte_array_new();
	lx->pos++;
	while (lx->pos < lx->n) {
		unsigned char c = lx->d[lx->pos++];

		if (c == '(') {
			nest++;
		} else if (c == ')' && --nest == 0) {
			return v;
		} else if (c == '\\' && lx->pos < lx->n) {
			c = lx->d[lx->pos++];
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case '\r':
				if (lx->pos < lx->n && lx->d[lx->pos] == '\n')
					lx->pos++;
				continue;
			case '\n':
				continue;
			default:
				if (c >= '0' && c <= '7') {
					unsigned int o = c - '0';

					for (int k = 0;
					     k < 2 && lx->pos < lx->n && lx->d[lx->pos] >= '0' &&
					     lx->d[lx->pos] <= '7';
					     k++)
						o = o * 8 + (lx->d[lx->pos++] - '0');
					c = (unsigned char)o;
				}
				break;
			}
		}
		g_byte_array_append(v->s, &c, 1);
	}
	pdf_val_free(v);
	return NULL;
}

static struct pdf_val *parse_hex(struct pdf_lex *lx)
{
	struct pdf_val *v = val_new(lx, PDF_STR);
	int hi = -1;

	if (v == NULL)
		return NULL;
	v->s = g_byte_array_new();
	lx->pos++;
	while (lx->pos < lx->n) {
		unsigned char c = lx->d[lx->pos++];
		int h = pdf_hexval(c);

		if (c == '>') {
			if (hi >= 0) {
				unsigned char b = (unsigned char)(hi << 4);

				g_byte_array_append(v->s, &b, 1);
			}
			return v;
		}
		if (h < 0)
			continue;
		if (hi < 0) {
			hi = h;
		} else {
			unsigned char b = (unsigned char)(hi << 4 | h);

			g_byte_array_append(v->s, &b, 1);
			hi = -1;
		}
	}
	pdf_val_free(v);
	return NULL;
}

/* An unsigned integer at p (no sign, no dot), or -1. */
long long pdf_peek_uint(const struct pdf_lex *lx, size_t *p)
{
	long long x = 0;
	size_t q = *p;

	if (q >= lx->n || lx->d[q] < '0' || lx->d[q] > '9')
		return -1;
	while (q < lx->n && lx->d[q] >= '0' && lx->d[q] <= '9') {
		if (x < 100000000000LL)
			x = x * 10 + (lx->d[q] - '0');
		q++;
	}
	if (q < lx->n && !pdf_is_delim(lx->d[q]))
		return -1;
	*p = q;
	return x;
}

static struct pdf_val *parse_number(struct pdf_lex *lx)
{
	size_t q = lx->pos;
	long long a, g;
	struct pdf_val *v;
	char buf[64];
	size_t k = 0;

	/* "N G R": a reference */
	if ((a = pdf_peek_uint(lx, &q)) >= 0) {
		size_t r = q;

		while (r < lx->n && pdf_is_ws(lx->d[r]))
			r++;
		if ((g = pdf_peek_uint(lx, &r)) >= 0) {
			while (r < lx->n && pdf_is_ws(lx->d[r]))
				r++;
			if (r < lx->n && lx->d[r] == 'R' &&
			    (r + 1 == lx->n || pdf_is_delim(lx->d[r + 1]))) {
				if ((v = val_new(lx, PDF_REF)) == NULL)
					return NULL;
				v->rnum = a > UINT32_MAX ? UINT32_MAX : (unsigned int)a;
				v->rgen = g > UINT32_MAX ? UINT32_MAX : (unsigned int)g;
				lx->pos = r + 1;
				return v;
			}
		}
	}
	while (lx->pos < lx->n && !pdf_is_delim(lx->d[lx->pos])) {
		if (k < sizeof(buf) - 1)
			buf[k++] = (char)lx->d[lx->pos];
		lx->pos++;
	}
	buf[k] = '\0';
	if ((v = val_new(lx, PDF_NUM)) == NULL)
		return NULL;
	v->num = strtod(buf, NULL);
	return v;
}

struct pdf_val *pdf_parse_value(struct pdf_lex *lx, unsigned int depth);

static struct pdf_val *parse_container(struct pdf_lex *lx, unsigned int depth, bool dict)
{
	struct pdf_val *v;

	if (depth >= PDF_MAX_DEPTH || (v = val_new(lx, dict ? PDF_DICT : PDF_ARRAY)) == NULL)
		return NULL;
	v->items = g_ptr_array_new_with_free_func(val_destroy);
	lx->pos += dict ? 2 : 1;
	for (;;) {
		struct pdf_val *item;

		pdf_skip_ws(lx);
		if (lx->pos >= lx->n)
			break;
		if (dict && lx->n - lx->pos >= 2 && lx->d[lx->pos] == '>' &&
		    lx->d[lx->pos + 1] == '>') {
			lx->pos += 2;
			return v;
		}
		if (!dict && lx->d[lx->pos] == ']') {
			lx->pos++;
			return v;
		}
		item = pdf_parse_value(lx, depth + 1);
		if (item == NULL)
			break;
		if (dict && v->items->len % 2 == 0 && item->kind != PDF_NAME) {
			pdf_val_free(item);
			break;
		}
		g_ptr_array_add(v->items, item);
	}
	pdf_val_free(v);
	return NULL;
}

struct pdf_val *pdf_parse_value(struct pdf_lex *lx, unsigned int depth)
{
	unsigned char c;
	struct pdf_val *v;

	pdf_skip_ws(lx);
	if (lx->pos >= lx->n)
		return NULL;
	c = lx->d[lx->pos];
	if (c == '<')
		return lx->pos + 1 < lx->n && lx->d[lx->pos + 1] == '<'
		               ? parse_container(lx, depth, true)
		               : parse_hex(lx);
	if (c == '[')
		return parse_container(lx, depth, false);
	if (c == '(')
		return parse_literal(lx);
	if (c == '/')
		return parse_name(lx);
	if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.')
		return parse_number(lx);
	if (lx->n - lx->pos >= 4 && memcmp(lx->d + lx->pos, "true", 4) == 0) {
		lx->pos += 4;
		if ((v = val_new(lx, PDF_BOOL)) != NULL)
			v->num = 1;
		return v;
	}
	if (lx->n - lx->pos >= 5 && memcmp(lx->d + lx->pos, "false", 5) == 0) {
		lx->pos += 5;
		return val_new(lx, PDF_BOOL);
	}
	if (lx->n - lx->pos >= 4 && memcmp(lx->d + lx->pos, "null", 4) == 0) {
		lx->pos += 4;
		return val_new(lx, PDF_NULL);
	}
	return NULL;
}

bool pdf_name_is(const struct pdf_val *v, const char *s)
{
	size_t l = strlen(s);

	return v != NULL && v->kind == PDF_NAME && v->s->len == l && memcmp(v->s->data, s, l) == 0;
}

struct pdf_val *pdf_dict_get(const struct pdf_val *v, const char *key)
{
	if (v == NULL || v->kind != PDF_DICT)
		return NULL;
	for (guint i = 0; i + 1 < v->items->len; i += 2)
		if (pdf_name_is(g_ptr_array_index(v->items, i), key))
			return g_ptr_array_index(v->items, i + 1);
	return NULL;
}
