/*
 * skeleton: what GMime needs to see of a big message (see skeleton.h).
 */

#include "mime/skeleton.h"

#include <stdatomic.h>
#include <string.h>

static size_t skel_min = 256 * 1024;
static atomic_ulong skel_used, skel_refused;

void mime_skel_counts(unsigned long *used, unsigned long *refused)
{
	*used = atomic_load(&skel_used);
	*refused = atomic_load(&skel_refused);
}

size_t mime_skel_min(size_t min)
{
	size_t was = skel_min;

	skel_min = min;
	return was;
}

/*
 * The cut of the stretch [a, b) (no line in it starts with "--"; a and b are line starts):
 * from the first line end past a + head to the start of the last line. false: nothing to cut.
 */
static bool stretch_cut(const unsigned char *data, size_t a, size_t b, size_t head, size_t *from,
                        size_t *to)
{
	const unsigned char *nl, *last;

	if (b - a < skel_min || b - a <= head + 1)
		return false;
	nl = memchr(data + a + head, '\n', b - a - head - 1);
	if (nl == NULL)
		return false;
	/* the last line of the stretch: after the line end before its final byte */
	last = memrchr(data + a, '\n', b - a - 1);
	if (last == NULL || last <= nl)
		return false;
	*from = (size_t)(nl + 1 - data);
	*to = (size_t)(last + 1 - data);
	return *to > *from;
}

bool mime_skel_build(const unsigned char *data, size_t len, const GArray *dashes, size_t inner,
                     struct mime_skel *s)
{
	size_t head = skel_min / 4, kept = 0, removed = 0, a = 0;

	memset(s, 0, sizeof(*s));
	if (skel_min == 0 || dashes == NULL || len < skel_min)
		return false;
	for (guint i = 0; i <= dashes->len; i++) {
		/* the stretch from the line after a "--" line (or the start) to the next one */
		size_t b = i < dashes->len ? g_array_index(dashes, size_t, i) : len, from, to;

		if (b > a && stretch_cut(data, a, b, head, &from, &to)) {
			struct mime_skel_cut c;

			if (s->bytes == NULL) {
				s->bytes = g_byte_array_sized_new(64 * 1024);
				s->cuts = g_array_new(FALSE, FALSE, sizeof(struct mime_skel_cut));
			}
			g_byte_array_append(s->bytes, data + kept, (guint)(from - kept));
			removed += to - from;
			c.at = s->bytes->len;
			c.removed = removed;
			g_array_append_val(s->cuts, c);
			kept = to;
		}
		if (i < dashes->len) {
			/* past the "--" line itself */
			const unsigned char *nl = memchr(data + b, '\n', len - b);

			a = nl != NULL ? (size_t)(nl + 1 - data) : len;
		}
	}
	if (s->bytes == NULL)
		return false;
	/* nothing of GMime's reading moves before the first cut (at: its offset in both) */
	if (inner > g_array_index(s->cuts, struct mime_skel_cut, 0).at || removed < len / 2) {
		mime_skel_free(s);
		return false;
	}
	g_byte_array_append(s->bytes, data + kept, (guint)(len - kept));
	return true;
}

gint64 mime_skel_real(const struct mime_skel *s, gint64 off)
{
	guint lo = 0, hi;

	if (off < 0 || s->cuts == NULL)
		return off;
	/* the last cut at or before off: the bytes cut there lie before off in the message */
	hi = s->cuts->len;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;

		if (g_array_index(s->cuts, struct mime_skel_cut, mid).at <= (size_t)off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? off
	               : off + (gint64)g_array_index(s->cuts, struct mime_skel_cut, lo - 1).removed;
}

/*
 * Mark the cuts inside the leaves under obj: a cut at c is inside a body [b, e) when b < c <=
 * e (at e: the cut lines were the body's last, before the line end that belongs to the
 * boundary).
 */
static void verify_entity(const struct mime_skel *s, GMimeObject *obj, bool *inside,
                          unsigned int depth)
{
	if (obj == NULL || depth > 4096)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));

		for (int i = 0; i < n; i++)
			verify_entity(s, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), inside,
			              depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (m != NULL)
			verify_entity(s, g_mime_message_get_mime_part(m), inside, depth + 1);
	} else if (GMIME_IS_PART(obj)) {
		GMimeDataWrapper *dw = g_mime_part_get_content(GMIME_PART(obj));
		GMimeStream *st = dw != NULL ? g_mime_data_wrapper_get_stream(dw) : NULL;
		gint64 b, e;

		if (st == NULL || !GMIME_IS_STREAM_MEM(st) ||
		    g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st)) != s->bytes)
			return;
		b = st->bound_start;
		e = st->bound_end < 0 ? (gint64)s->bytes->len : st->bound_end;
		for (guint i = 0; i < s->cuts->len; i++) {
			gint64 c = (gint64)g_array_index(s->cuts, struct mime_skel_cut, i).at;

			if (b < c && c <= e)
				inside[i] = true;
		}
	}
}

bool mime_skel_verify(const struct mime_skel *s, GMimeObject *top)
{
	bool *inside = g_new0(bool, s->cuts->len), all = true;

	verify_entity(s, top, inside, 0);
	for (guint i = 0; i < s->cuts->len && all; i++)
		all = inside[i];
	g_free(inside);
	atomic_fetch_add(all ? &skel_used : &skel_refused, 1);
	return all;
}

/* A warning GMime gave while it parsed the skeleton. */
struct held_warning {
	gint64 offset; /* the skeleton's */
	GMimeParserWarning code;
	char *item;
};

static void held_warning_clear(gpointer data)
{
	g_free(((struct held_warning *)data)->item);
}

void mime_skel_hold(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer skel)
{
	struct mime_skel *s = skel;
	struct held_warning h = {offset, code, g_strdup(item)};

	if (s->held == NULL) {
		s->held = g_array_new(FALSE, FALSE, sizeof(struct held_warning));
		g_array_set_clear_func(s->held, held_warning_clear);
	}
	g_array_append_val(s->held, h);
}

void mime_skel_replay(struct mime_skel *s, GMimeParserWarningFunc fn, gpointer data)
{
	for (guint i = 0; s->held != NULL && i < s->held->len; i++) {
		const struct held_warning *h = &g_array_index(s->held, struct held_warning, i);

		fn(mime_skel_real(s, h->offset), h->code, h->item, data);
	}
	if (s->held != NULL)
		g_array_free(s->held, TRUE);
	s->held = NULL;
}

void mime_skel_free(struct mime_skel *s)
{
	if (s->bytes != NULL)
		g_byte_array_unref(s->bytes);
	if (s->cuts != NULL)
		g_array_free(s->cuts, TRUE);
	if (s->held != NULL)
		g_array_free(s->held, TRUE);
	memset(s, 0, sizeof(*s));
}
