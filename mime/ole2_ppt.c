/*
 * ole2_ppt: the OLE objects a PowerPoint 97-2003 file embeds (part of the ole2 module).
 *
 * PowerPoint keeps an embedded object not as a storage of the compound file but as an
 * ExOleObjStg record (type 0x1011) of its "PowerPoint Document" stream: the object's own
 * compound file, stored (instance 0) or zlib-compressed after its uncompressed size
 * (instance 1). The records are walked at the top level of the stream, each length checked
 * against the stream; a record that runs past its end (or a stream cut short) makes the
 * stream a member flagged unread: what follows is unseen. Inflation (GIO's zlib converter)
 * stops at the caller's cap.
 *
 * Thread safety: no state.
 */

#include "mime/ole2_private.h"

#include <gio/gio.h>
#include <string.h>

#define PPT_EXOLEOBJSTG 0x1011u

struct ole2_ppt_obj {
	const unsigned char *data; /* the record's data: a compound file, or zlib data */
	size_t len;
	bool compressed; /* zlib data; usize is the size it declares */
	uint32_t usize;
};

static uint32_t ppt_rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 1 with the next embedded object from *pos, 0 at the end, -1 at a record that is cut. */
static int ole2_ppt_next(const unsigned char *s, size_t n, size_t *pos, struct ole2_ppt_obj *obj_r)
{
	while (*pos <= n && n - *pos >= 8) {
		const unsigned char *r = s + *pos;
		unsigned int inst = (unsigned int)(r[0] | r[1] << 8) >> 4;
		unsigned int type = (unsigned int)(r[2] | r[3] << 8);
		uint32_t len = ppt_rd32(r + 4);

		if (len > n - *pos - 8)
			return -1; /* a record longer than the stream */
		*pos += 8 + (size_t)len;
		if (type != PPT_EXOLEOBJSTG || (inst == 1 && len < 4))
			continue;
		obj_r->compressed = inst == 1;
		obj_r->usize = obj_r->compressed ? ppt_rd32(r + 8) : len;
		obj_r->data = r + 8 + (obj_r->compressed ? 4 : 0);
		obj_r->len = len - (obj_r->compressed ? 4 : 0);
		return 1;
	}
	return 0;
}

/*
 * Inflate zlib data into out, at most cap bytes; returns the bytes written. *complete_r:
 * the stream ended within cap (false: cut at cap, or corrupt).
 */
static size_t ole2_inflate(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                           bool *complete_r)
{
	GZlibDecompressor *z = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
	size_t ip = 0, op = 0;

	*complete_r = false;
	while (op < cap) {
		gsize got = 0, put = 0;
		GConverterResult r =
		        g_converter_convert(G_CONVERTER(z), in + ip, len - ip, out + op, cap - op,
		                            G_CONVERTER_INPUT_AT_END, &got, &put, NULL);

		ip += got;
		op += put;
		if (r == G_CONVERTER_FINISHED) {
			*complete_r = true;
			break;
		}
		if (r == G_CONVERTER_ERROR || (got == 0 && put == 0))
			break;
	}
	g_object_unref(z);
	return op;
}

/* One ExOleObjStg: the object's compound file, inflated within the limits. */
static void ole2_ppt_obj(struct ole2_rd *rd, const struct ole2_ppt_obj *o, const char *path,
                         unsigned int k)
{
	struct mime_ole2_member *m =
	        ole2_member(rd, g_strdup_printf("ole:%s/ExOleObjStg%u", path, k), NULL);
	uint64_t cap =
	        MIN(MIN((uint64_t)o->usize, rd->lim.max_member_bytes),
	            MIN(rd->inflate_max - rd->inflated,
	                rd->lim.max_total_bytes - MIN(rd->ole->out, rd->lim.max_total_bytes)));
	unsigned char *buf;
	size_t n;
	bool complete;

	if (m == NULL)
		return;
	m->flags |= MIME_OLE2_STORAGE;
	if (!o->compressed) {
		cap = MIN((uint64_t)o->len, rd->lim.max_member_bytes);
		if (cap < o->len || rd->ole->out + cap > rd->lim.max_total_bytes) {
			m->flags |= MIME_OLE2_LIMIT;
			ole2_note(m,
			          "object of %zu bytes over max_member_bytes or max_total_bytes: "
			          "not read",
			          o->len);
			return;
		}
		m->data = g_bytes_new(o->data, o->len);
		rd->ole->out += o->len;
		return;
	}
	buf = g_try_malloc(cap > 0 ? (size_t)cap : 1);
	if (buf == NULL) {
		m->flags |= MIME_OLE2_UNREAD;
		ole2_note(m, "out of memory");
		return;
	}
	n = ole2_inflate(o->data, o->len, buf, (size_t)cap, &complete);
	rd->inflated += n;
	rd->ole->out += n;
	if (!complete && n == cap && cap < o->usize) {
		m->flags |= MIME_OLE2_LIMIT;
		ole2_note(m,
		          "object of %u bytes cut at %zu (max_member_bytes, max_total_bytes, or "
		          "more than %u times the file)",
		          o->usize, n, rd->lim.max_ratio);
	} else if (!complete || n != o->usize) {
		m->flags |= MIME_OLE2_TRUNCATED;
		ole2_note(m, "corrupt zlib data: %zu bytes of %u inflated", n, o->usize);
	}
	m->data = g_bytes_new_take(buf, n);
}

/* The objects PowerPoint embeds as ExOleObjStg records of its "PowerPoint Document". */
void ole2_ppt(struct ole2_rd *rd, GsfInput *in, const char *path)
{
	struct ole2_ppt_obj o;
	size_t n, pos = 0;
	unsigned int k = 0;
	bool cut;
	char *why;
	unsigned char *s = ole2_read_stream(rd, in, &n, &cut, &why);
	int r;

	if (s == NULL) {
		ole2_stop(rd, "%s: %s", path, why);
		g_free(why);
		return;
	}
	rd->ole->out -= n; /* read to be looked into, not returned */
	while (!rd->stop && (r = ole2_ppt_next(s, n, &pos, &o)) == 1)
		ole2_ppt_obj(rd, &o, path, ++k);
	if (!rd->stop && (r < 0 || cut)) {
		/* the records after it are unseen (PowerPoint finds its objects by offsets) */
		struct mime_ole2_member *m = ole2_member(rd, g_strconcat("ole:", path, NULL), NULL);

		if (m != NULL) {
			m->flags |= MIME_OLE2_UNREAD;
			ole2_note(m, "%s at byte %zu of %zu: the records after it not read",
			          r < 0 ? "a record runs past the end of the stream"
			                : "the stream's sectors end before its size",
			          pos, n);
		}
	}
	g_free(s);
}
