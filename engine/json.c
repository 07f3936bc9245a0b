/*
 * json: streaming writer (see json.h). Nesting deeper than JSON_MAX_DEPTH is a programming
 * error and aborts; values are never truncated.
 */

#include "engine/json.h"

#include <math.h>
#include <string.h>

void json_init(struct json *j, GString *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

void json_append_escaped(GString *out, const char *value, size_t len)
{
	static const char hexdigits[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)value, *end = p + len;

	g_string_append_c(out, '"');
	while (p < end) {
		unsigned char c = *p;

		if (c >= 0x80) {
			gunichar u = g_utf8_get_char_validated((const gchar *)p, end - p);

			if (u < 0x110000) {
				size_t n = (size_t)g_utf8_skip[c];

				g_string_append_len(out, (const gchar *)p, (gssize)n);
				p += n;
			} else {
				g_string_append_printf(out, "\\u00%c%c", hexdigits[c >> 4],
				                       hexdigits[c & 15]);
				p++;
			}
			continue;
		}
		switch (c) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				g_string_append_printf(out, "\\u00%c%c", hexdigits[c >> 4],
				                       hexdigits[c & 15]);
			else
				g_string_append_c(out, (gchar)c);
		}
		p++;
	}
	g_string_append_c(out, '"');
}

static void json_prefix(struct json *j, const char *key)
{
	if (j->need_comma[j->depth])
		g_string_append_c(j->out, ',');
	j->need_comma[j->depth] = true;
	if (key != NULL) {
		json_append_escaped(j->out, key, strlen(key));
		g_string_append_c(j->out, ':');
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_prefix(j, key);
	g_string_append_c(j->out, c);
	if (j->depth + 1 >= JSON_MAX_DEPTH)
		g_error("json: nesting too deep");
	j->depth++;
	j->need_comma[j->depth] = false;
}

static void json_close(struct json *j, char c)
{
	g_string_append_c(j->out, c);
	if (j->depth > 0)
		j->depth--;
}

void json_begin_object(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_end_object(struct json *j)
{
	json_close(j, '}');
}

void json_begin_array(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_end_array(struct json *j)
{
	json_close(j, ']');
}

void json_string_len(struct json *j, const char *key, const char *value, size_t len)
{
	json_prefix(j, key);
	if (value == NULL)
		g_string_append(j->out, "null");
	else
		json_append_escaped(j->out, value, len);
}

void json_string(struct json *j, const char *key, const char *value)
{
	json_string_len(j, key, value, value != NULL ? strlen(value) : 0);
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
	json_prefix(j, key);
	g_string_append_printf(j->out, "%" G_GUINT64_FORMAT, (guint64)value);
}

void json_int(struct json *j, const char *key, int64_t value)
{
	json_prefix(j, key);
	g_string_append_printf(j->out, "%" G_GINT64_FORMAT, (gint64)value);
}

void json_double(struct json *j, const char *key, double value)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	json_prefix(j, key);
	if (!isfinite(value))
		g_string_append(j->out, "null");
	else
		g_string_append(j->out, g_ascii_formatd(buf, sizeof(buf), "%.3f", value));
}

void json_bool(struct json *j, const char *key, bool value)
{
	json_prefix(j, key);
	g_string_append(j->out, value ? "true" : "false");
}

void json_null(struct json *j, const char *key)
{
	json_prefix(j, key);
	g_string_append(j->out, "null");
}
