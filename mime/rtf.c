/*
 * rtf: the embedded objects of RTF (\objdata), bounded.
 *
 * An object is "{\object ... {\*\objdata HEX}}": the hex digits of an OLE1 object (MS-OLEDS
 * 2.2.4: version, format 2 for embedded, class, topic and item names, the native data's size
 * and bytes). Word reads the digits whatever is put between them (control words, groups,
 * white space): exploit kits do put things there, so every hex digit until the \objdata
 * group closes is taken, the rest skipped (ignorable destinations "{\* ...}" whole, as
 * Word does; \binN's N bytes as they are). A "Package" object's native data is the Package
 * structure of an Ole10Native stream: the file it carries is the member (ole2.c reads it).
 *
 * Limits: RTF_MAX_OBJECTS groups, max_archive_members members, max_member_bytes each (and
 * the reader budget); the hex output is half its input at most, the scan one pass.
 * Thread safety: no state.
 */

#include "mime/rtf.h"
#include "mime/ole2.h"
#include "mime/pdf_filter.h"

#include <string.h>

bool rtf_probe(const unsigned char *data, size_t len)
{
	size_t p = 0;

	while (p < len && p < 64 && g_ascii_isspace(data[p]))
		p++;
	return len - p >= 5 && memcmp(data + p, "{\\rtf", 5) == 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A length-prefixed ANSI string at *pos (MS-OLEDS LengthPrefixedAnsiString); false if bad. */
static bool lp_string(const unsigned char *d, size_t n, size_t *pos, char **s_r)
{
	const unsigned char *s;
	uint32_t len;
	size_t k;

	*s_r = NULL;
	if (n - *pos < 4)
		return false;
	len = le32(d + *pos);
	*pos += 4;
	if (len > n - *pos || len > 4096)
		return false;
	s = d + *pos;
	*pos += len;
	k = strnlen((const char *)s, len);
	*s_r = k > 0 ? reader_name(s, k) : NULL;
	return true;
}

/*
 * The hex digits of the group that \objdata opens (from *pos, just after the word) until it
 * closes, control words and nested groups skipped; \binN takes N raw bytes. At most cap bytes.
 */
static GBytes *objdata_bytes(const unsigned char *d, size_t n, size_t *pos, size_t cap, bool *cut_r)
{
	GByteArray *out = g_byte_array_new();
	size_t p = *pos;
	int depth = 0, hi = -1;

	*cut_r = false;
	while (p < n && !*cut_r) {
		unsigned char c = d[p];
		int h;

		if (c == '{' && n - p >= 3 && d[p + 1] == '\\' && d[p + 2] == '*') {
			/* an ignorable destination inside: Word skips it whole */
			int skip = 0;

			for (; p < n; p++) {
				if (d[p] == '\\')
					p++;
				else if (d[p] == '{')
					skip++;
				else if (d[p] == '}' && --skip == 0)
					break;
			}
		} else if (c == '{') {
			depth++;
		} else if (c == '}') {
			if (depth-- == 0)
				break;
		} else if (c == '\\' && p + 1 < n && g_ascii_isalpha(d[p + 1])) {
			size_t w = ++p, num = 0;
			bool bin;

			while (p < n && g_ascii_isalpha(d[p]) && p - w < 32)
				p++;
			bin = p - w == 3 && memcmp(d + w, "bin", 3) == 0;
			if (p < n && d[p] == '-')
				p++;
			while (p < n && g_ascii_isdigit(d[p])) {
				if (num < (1u << 30))
					num = num * 10 + (size_t)(d[p] - '0');
				p++;
			}
			if (p < n && d[p] == ' ')
				p++;
			if (bin) {
				num = MIN(num, n - p);
				if (num > cap - out->len) {
					num = cap - out->len;
					*cut_r = true;
				}
				g_byte_array_append(out, d + p, (guint)num);
				p += num;
				hi = -1;
			}
			continue;
		} else if (c == '\\') {
			p++; /* a control symbol: the next byte is not data */
		} else if ((h = pdf_hexval(c)) >= 0) {
			if (hi < 0) {
				hi = h;
			} else if (out->len >= cap) {
				*cut_r = true;
			} else {
				g_byte_array_append(
				        out, &(unsigned char){(unsigned char)(hi << 4 | h)}, 1);
				hi = -1;
			}
		}
		p++;
	}
	*pos = p;
	return g_byte_array_free_to_bytes(out);
}

/* One object: the file of a Package, the native data of another class, or its bytes. */
static bool rtf_object(struct reader_budget *b, GPtrArray *members, GBytes *obj, unsigned int k,
                       bool cut)
{
	size_t len, pos = 8, off, plen;
	const unsigned char *d = g_bytes_get_data(obj, &len);
	char *cls = NULL, *topic = NULL, *item = NULL, *name = NULL, *note;
	unsigned int flags = cut ? READER_MEMBER_TRUNCATED : 0;
	GBytes *data = NULL;
	bool ok = false;
	uint32_t nsize;

	if (len >= 8 && le32(d + 4) == 2 && lp_string(d, len, &pos, &cls) &&
	    lp_string(d, len, &pos, &topic) && lp_string(d, len, &pos, &item) && len - pos >= 4) {
		nsize = le32(d + pos);
		if (nsize > len - pos - 4) {
			nsize = (uint32_t)(len - pos - 4);
			flags |= READER_MEMBER_TRUNCATED;
		}
		if (cls != NULL && strcmp(cls, "Package") == 0 &&
		    mime_ole2_package(d + pos, len - pos, &off, &plen, &name) &&
		    plen <= len - pos - off) {
			data = g_bytes_new_from_bytes(obj, pos + off, plen);
			note = g_strdup("the file of a Package object (\\objdata)");
		} else {
			g_free(name);
			name = g_strdup_printf("obj%u.%s", k, cls != NULL ? cls : "bin");
			data = g_bytes_new_from_bytes(obj, pos + 4, nsize);
			note = g_strdup_printf("native data of an embedded %s object (\\objdata)",
			                       cls != NULL ? cls : "unnamed");
		}
	} else {
		name = g_strdup_printf("obj%u.bin", k);
		data = g_bytes_ref(obj);
		flags |= READER_MEMBER_OPAQUE;
		note = g_strdup("\\objdata that is no embedded OLE1 object: its bytes scanned");
	}
	if (flags & READER_MEMBER_TRUNCATED) {
		char *more = g_strdup_printf("%s; cut short", note);

		g_free(note);
		note = more;
	}
	ok = reader_member_add(b, members, name, data, flags, note);
	g_free(note);
	g_free(name);
	g_free(cls);
	g_free(topic);
	g_free(item);
	return ok;
}

int rtf_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
             GPtrArray *members_r, GError **error)
{
	struct reader_budget b;
	const unsigned char *o;
	unsigned int k = 0;
	size_t pos = 0;

	if (!rtf_probe(data, len)) {
		g_set_error(error, READER_ERROR, READER_ERROR_MALFORMED, "no {\\rtf header");
		return -1;
	}
	reader_budget_init(&b, lim, len);
	while (pos < len && (o = memmem(data + pos, len - pos, "\\objdata", 8)) != NULL) {
		GBytes *obj;
		bool cut;

		pos = (size_t)(o - data) + 8;
		if (pos < len && g_ascii_isalpha(data[pos]))
			continue; /* a longer control word */
		if (++k > RTF_MAX_OBJECTS) {
			g_set_error(error, READER_ERROR, READER_ERROR_LIMIT,
			            "more than %u embedded objects: the rest not read",
			            RTF_MAX_OBJECTS);
			return -1;
		}
		obj = objdata_bytes(data, len, &pos, reader_budget_cap(&b), &cut);
		b.out += g_bytes_get_size(obj);
		if (g_bytes_get_size(obj) == 0) {
			g_bytes_unref(obj);
			continue;
		}
		if (!rtf_object(&b, members_r, obj, k, cut)) {
			g_bytes_unref(obj);
			g_set_error(error, READER_ERROR, READER_ERROR_LIMIT,
			            "more than %u members: the rest not read",
			            b.lim.max_archive_members);
			return -1;
		}
		g_bytes_unref(obj);
	}
	return 0;
}
