/*
 * reader: members, budgets, bounded inflate and base64 shared by the container readers
 * (pdf.c, applefile.c, openpgp.c, html.c).
 *
 * Limits: an output buffer never grows past the cap its caller gives (reader_budget_cap():
 * max_member_bytes, max_ratio over the container past MIME_ARCHIVE_RATIO_FLOOR, and
 * max_total_bytes for all the outputs of one container together), so a
 * stream claiming or inflating to any size costs at most that much memory. Thread safety: no
 * shared state.
 */

#include "mime/reader.h"
#include "mime/archive.h"

#include <string.h>
#include <zlib.h>

G_DEFINE_QUARK(partscan - reader - error - quark, reader_error)

static void member_destroy(gpointer p)
{
	struct reader_member *m = p;

	reader_member_free(&m);
}

GPtrArray *reader_members_new(void)
{
	return g_ptr_array_new_with_free_func(member_destroy);
}

void reader_member_free(struct reader_member **member)
{
	if (member == NULL || *member == NULL)
		return;
	g_free((*member)->name);
	g_free((*member)->note);
	if ((*member)->data != NULL)
		g_bytes_unref((*member)->data);
	g_free(*member);
	*member = NULL;
}

void reader_budget_init(struct reader_budget *b, const struct msg_limits *lim, size_t in_len)
{
	memset(b, 0, sizeof(*b));
	msg_limits_effective(lim, &b->lim);
	b->in_len = in_len;
}

size_t reader_budget_cap(const struct reader_budget *b)
{
	uint64_t cap = b->lim.max_member_bytes;
	uint64_t ratio = (uint64_t)b->in_len * b->lim.max_ratio;

	if (ratio < MIME_ARCHIVE_RATIO_FLOOR)
		ratio = MIME_ARCHIVE_RATIO_FLOOR;
	ratio = b->out < ratio ? ratio - b->out : 0;
	if (ratio < cap)
		cap = ratio;
	/* every member is held until the reader returns: max_total_bytes bounds them together */
	if (b->lim.max_total_bytes - MIN(b->out, b->lim.max_total_bytes) < cap)
		cap = b->lim.max_total_bytes - MIN(b->out, b->lim.max_total_bytes);
	return cap > SIZE_MAX ? SIZE_MAX : (size_t)cap;
}

bool reader_member_add(struct reader_budget *b, GPtrArray *members, const char *name, GBytes *data,
                       unsigned int flags, const char *note)
{
	struct reader_member *m;

	if (b->members >= b->lim.max_archive_members) {
		if (data != NULL)
			g_bytes_unref(data);
		return false;
	}
	b->members++;
	m = g_new0(struct reader_member, 1);
	m->name = g_strdup(name);
	m->data = data != NULL ? data : g_bytes_new(NULL, 0);
	m->flags = flags;
	m->note = g_strdup(note);
	g_ptr_array_add(members, m);
	return true;
}

GBytes *reader_inflate(struct reader_budget *b, const unsigned char *src, size_t len,
                       enum reader_zformat fmt, size_t cap, bool *truncated_r, const char **error_r)
{
	z_stream zs;
	size_t alloc = len < 65536 ? 65536 : len, used = 0;
	unsigned char *out;
	int r = Z_OK;
	bool by_ratio = false;

	*truncated_r = false;
	if (error_r != NULL)
		*error_r = NULL;
	if (cap > reader_budget_cap(b)) {
		cap = reader_budget_cap(b);
		by_ratio = true;
	}
	if (alloc > cap)
		alloc = cap;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, (int)fmt) != Z_OK) {
		if (error_r != NULL)
			*error_r = "zlib could not start";
		return g_bytes_new(NULL, 0);
	}
	out = g_malloc(alloc + 1);
	zs.next_in = (unsigned char *)src;
	while (len > 0 || zs.avail_in > 0) {
		uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;

		if (zs.avail_in == 0) {
			zs.next_in = (unsigned char *)src;
			zs.avail_in = chunk;
			src += chunk;
			len -= chunk;
		}
		if (used == alloc) {
			if (alloc >= cap) {
				*truncated_r = true;
				break;
			}
			alloc = alloc > cap / 2 ? cap : alloc * 2;
			out = g_realloc(out, alloc + 1);
		}
		zs.next_out = out + used;
		zs.avail_out = (uInt)MIN(alloc - used, (size_t)1 << 30);
		r = inflate(&zs, Z_NO_FLUSH);
		used = (size_t)(zs.next_out - out);
		if (r == Z_STREAM_END || (r != Z_OK && r != Z_BUF_ERROR))
			break;
		if (r == Z_BUF_ERROR && zs.avail_in == 0 && len == 0)
			break;
	}
	/* the input ran out inside the stream and the output has room: nothing more to come */
	if (!*truncated_r && used == alloc && alloc >= cap && r != Z_STREAM_END) {
		unsigned char probe;

		zs.next_out = &probe;
		zs.avail_out = 1;
		if (inflate(&zs, Z_NO_FLUSH) == Z_OK && zs.avail_out == 0)
			*truncated_r = true;
	}
	if (!*truncated_r && r != Z_STREAM_END && error_r != NULL)
		*error_r =
		        r == Z_DATA_ERROR ? "corrupt deflate stream" : "deflate stream cut short";
	if (*truncated_r && by_ratio)
		b->ratio_hit = true;
	inflateEnd(&zs);
	b->out += used;
	return g_bytes_new_take(g_realloc(out, used + 1), used);
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

GBytes *reader_base64(const unsigned char *src, size_t len, size_t cap, bool *truncated_r)
{
	size_t max = len / 4 * 3 + 3, used = 0;
	unsigned char *out;
	unsigned int acc = 0, bits = 0;

	*truncated_r = false;
	if (max > cap)
		max = cap;
	out = g_malloc(max + 1);
	for (size_t i = 0; i < len; i++) {
		int v = b64_value(src[i]);

		if (v < 0) {
			if (src[i] == ' ' || src[i] == '\t' || src[i] == '\r' || src[i] == '\n' ||
			    src[i] == '\\')
				continue;
			break; /* '=' padding or the end of the run */
		}
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (used == max) {
				*truncated_r = true;
				break;
			}
			out[used++] = (unsigned char)(acc >> bits);
		}
	}
	return g_bytes_new_take(g_realloc(out, used + 1), used);
}

char *reader_name(const unsigned char *s, size_t n)
{
	if (n == 0)
		return NULL;
	if (g_utf8_validate((const char *)s, (gssize)n, NULL))
		return g_strndup((const char *)s, n);
	return g_convert((const char *)s, (gssize)n, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
}
