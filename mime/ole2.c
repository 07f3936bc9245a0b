/*
 * ole2: the attachments and bodies of an Outlook .msg, and the embedded objects of any other
 * compound file, read with libgsf (GsfInfileMSOle over a GsfInputMemory: no copy, no
 * temporary file). Bytes in, members out; no call back into part scanning.
 *
 * libgsf 1.14.50 (Debian 12) trusts a few header and directory fields further than a mail
 * filter may: it sizes a table by the directory's sectors times the sector size times 128
 * (32-bit arithmetic that a 32 MiB directory wraps), recurses once per directory entry,
 * keeps each storage's children in a sorted list (quadratic), and puts a bitmap of the
 * minifat's and FAT's entries on the stack. ole2_check() therefore reads the header and
 * walks the FAT first, with its own bounds, and refuses what is outside the format or over
 * MIME_OLE2_MAX_ENTRIES: sector sizes other than 512 and 4096 (mini sectors other than 64),
 * FAT sector counts the file cannot hold, DIFAT chains longer than the FAT needs, a
 * directory chain of more entries (a FAT loop ends the walk as "loop"), a minifat
 * chain longer than MIME_OLE2_MAX_ENTRIES small streams can fill, and a stream entry that
 * claims more bytes than the file holds (libgsf would silently leave it out: unreadable),
 * and a root entry with siblings (libgsf reads them with no parent and never frees them).
 * libgsf's own warnings about broken files are dropped (its log domain; children are opened
 * through the class methods, whose public wrappers warn without one), never written to the
 * milter's stderr.
 *
 * Output: streams are read in 64 KiB steps into one buffer of at most max_member_bytes; a
 * stream whose sectors end early gives what was read (TRUNCATED). The streams returned stay
 * under max_total_bytes and 2 * len + 1 MiB: each byte of a well-formed file belongs to one
 * stream, so more means streams sharing sectors (a bomb), and the rest is left unread as a
 * limit. PowerPoint's compressed objects may inflate to max(8 MiB, max_ratio * len) in all.
 * An attached message or OLE object (a storage) is copied into a new compound file in
 * memory (GsfOutfileMSOle over GsfOutputMemory), within the same bounds, for the caller to
 * read again. Outlook messages: ole2_msg.c; PowerPoint: ole2_ppt.c.
 *
 * Thread safety: libgsf is initialised once (g_once); each call has its own objects.
 */

#include "mime/ole2.h"
#include "mime/ole2_private.h"

#include <gsf/gsf-infile-impl.h>
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-utils.h>
#include <stdint.h>
#include <string.h>

#define OLE2_END           0xfffffffau /* sector numbers from here on are markers */
#define OLE2_STEP          (64u * 1024u)
#define OLE2_NAME_MAX      1024
#define OLE2_SLACK         (1024u * 1024u)
#define OLE2_SMALL_MAX     4096u /* streams below this size live in the mini stream */
#define OLE2_INFLATE_FLOOR (8u * 1024u * 1024u) /* inflated bytes always allowed (max_ratio) */

static GQuark ole2_error_quark(void)
{
	return g_quark_from_static_string("partscan-ole2");
}

/* ---- the header and FAT, checked before libgsf sees them ---- */

struct ole2_hdr {
	const unsigned char *d;
	size_t len;
	unsigned int shift;
	size_t ss;     /* sector size */
	uint32_t nsec; /* sectors wholly or partly in the file */
};

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* The offset of a sector wholly inside the file, or 0. */
static size_t hdr_sector(const struct ole2_hdr *h, uint32_t sec)
{
	uint64_t off;

	if (sec >= OLE2_END)
		return 0;
	off = ((uint64_t)sec + 1) << h->shift;
	if (off > h->len || h->len - off < h->ss)
		return 0;
	return (size_t)off;
}

/* The k-th FAT sector's number: the header's 109 slots, then the DIFAT chain (bounded). */
static uint32_t hdr_fat_sector(const struct ole2_hdr *h, uint32_t k)
{
	uint32_t per = (uint32_t)(h->ss / 4) - 1, sec = rd32(h->d + 0x44);
	size_t off;

	if (k < 109)
		return rd32(h->d + 0x4c + 4 * k);
	k -= 109;
	for (uint32_t steps = 0; k >= per; steps++, k -= per) {
		off = hdr_sector(h, sec);
		if (off == 0 || steps > h->nsec)
			return OLE2_END;
		sec = rd32(h->d + off + 4 * per);
	}
	off = hdr_sector(h, sec);
	return off ? rd32(h->d + off + 4 * k) : OLE2_END;
}

static uint32_t hdr_next(const struct ole2_hdr *h, uint32_t sec)
{
	uint32_t per = (uint32_t)(h->ss / 4);
	size_t off;

	if (sec / per >= rd32(h->d + 0x2c))
		return OLE2_END;
	off = hdr_sector(h, hdr_fat_sector(h, sec / per));
	return off ? rd32(h->d + off + 4 * (sec % per)) : OLE2_END;
}

/* Sectors of the chain from sec, counted up to max + 1 (a loop counts as long). */
static uint32_t hdr_chain(const struct ole2_hdr *h, uint32_t sec, uint32_t max)
{
	uint32_t n = 0;

	while (sec < OLE2_END && n <= max) {
		n++;
		sec = hdr_next(h, sec);
	}
	return n;
}

/*
 * true when a stream entry of the directory (chain from sec, already bounded) claims more
 * bytes than the file holds: libgsf would leave it out silently.
 */
static bool hdr_claims(const struct ole2_hdr *h, uint32_t sec)
{
	size_t off;

	for (; sec < OLE2_END && (off = hdr_sector(h, sec)) != 0; sec = hdr_next(h, sec)) {
		for (size_t e = off; e < off + h->ss; e += 128) {
			uint64_t size = rd32(h->d + e + 0x78);

			if (h->shift == 12)
				size |= (uint64_t)rd32(h->d + e + 0x7c) << 32;
			if (h->d[e + 0x42] == 2 && size > h->len)
				return true;
		}
	}
	return false;
}

/*
 * 0 when libgsf may read the file, 1 when a limit refuses it, -1 when it is not a compound
 * file within the format; *why_r says why (static).
 */
static int ole2_check(const unsigned char *d, size_t len, const char **why_r)
{
	static const unsigned char sig[8] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
	struct ole2_hdr h = {.d = d, .len = len};
	uint32_t nfat, ndifat, per, need, max_dir, max_minifat;
	size_t off;

	*why_r = "not an OLE2 compound file";
	if (len < 512 || memcmp(d, sig, 8) != 0)
		return -1;
	h.shift = rd16(d + 0x1e);
	*why_r = "sector size other than 512 or 4096 bytes";
	if (rd16(d + 0x1c) != 0xfffe || (h.shift != 9 && h.shift != 12) || rd16(d + 0x20) != 6)
		return -1;
	h.ss = (size_t)1 << h.shift;
	*why_r = "no sector after the header";
	if (len <= h.ss)
		return -1;
	h.nsec = (uint32_t)MIN((len - h.ss + h.ss - 1) / h.ss, (size_t)UINT32_MAX / 2);
	per = (uint32_t)(h.ss / 4);
	nfat = rd32(d + 0x2c);
	ndifat = rd32(d + 0x48);
	*why_r = "more FAT sectors than the file holds";
	if (nfat == 0 || nfat > h.nsec / per + 1 || nfat > h.nsec)
		return -1;
	need = nfat <= 109 ? 0 : (nfat - 109 + per - 2) / (per - 1);
	*why_r = "DIFAT chain longer than the FAT needs";
	if (ndifat > need + 1 || (ndifat == need + 1 && need > 0))
		return -1;
	/* the directory: at most MIME_OLE2_MAX_ENTRIES entries of 128 bytes */
	max_dir = (uint32_t)((MIME_OLE2_MAX_ENTRIES * 128 + h.ss - 1) / h.ss);
	*why_r = "directory of more than " G_STRINGIFY(
	        MIME_OLE2_MAX_ENTRIES) " entries, or a loop in its sector chain";
	if (hdr_chain(&h, rd32(d + 0x30), max_dir) > max_dir)
		return 1;
	/* the root entry: a root without siblings (libgsf would lose the dirents of a sibling) */
	*why_r = "the root entry is not a root storage without siblings";
	if ((off = hdr_sector(&h, rd32(d + 0x30))) == 0 || d[off + 0x42] != 5 ||
	    rd32(d + off + 0x44) != 0xffffffffu || rd32(d + off + 0x48) != 0xffffffffu)
		return -1;
	*why_r = "a stream claims more bytes than the file holds";
	if (hdr_claims(&h, rd32(d + 0x30)))
		return -1;
	/* the minifat: what MIME_OLE2_MAX_ENTRIES small streams can fill */
	max_minifat =
	        (uint32_t)(((uint64_t)MIME_OLE2_MAX_ENTRIES * OLE2_SMALL_MAX / 64 + per - 1) / per);
	*why_r = "mini FAT longer than its streams can fill, or a loop in its sector chain";
	if (hdr_chain(&h, rd32(d + 0x3c), max_minifat) > max_minifat)
		return 1;
	*why_r = NULL;
	return 0;
}

/* ---- libgsf ---- */

static void ole2_log_drop(const gchar *domain, GLogLevelFlags level, const gchar *message,
                          gpointer data)
{
	/* libgsf's complaints about a broken file: the member's note says what was not read */
}

static gpointer ole2_init_once(gpointer unused)
{
	gsf_init();
	g_log_set_handler("libgsf:msole", G_LOG_LEVEL_MASK, ole2_log_drop, NULL);
	g_log_set_handler("libgsf", G_LOG_LEVEL_MASK, ole2_log_drop, NULL);
	return NULL;
}

static void ole2_init(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, ole2_init_once, NULL);
}

/*
 * A child by index or name: the class methods themselves, since gsf_infile_child_by_*()
 * write a warning to stderr (no log domain) for every child that cannot be opened.
 */
GsfInput *ole2_child(GsfInfile *dir, int i)
{
	GError *err = NULL;
	GsfInput *in = GSF_INFILE_CLASS(G_OBJECT_GET_CLASS(dir))->child_by_index(dir, i, &err);

	g_clear_error(&err);
	return in;
}

GsfInput *ole2_child_named(GsfInfile *dir, const char *name)
{
	GError *err = NULL;
	GsfInput *in = GSF_INFILE_CLASS(G_OBJECT_GET_CLASS(dir))->child_by_name(dir, name, &err);

	g_clear_error(&err);
	return in;
}

/* ---- members ---- */

static void member_free(gpointer p)
{
	struct mime_ole2_member *m = p;

	g_free(m->path);
	g_free(m->name);
	if (m->data != NULL)
		g_bytes_unref(m->data);
	g_free(m->note);
	g_free(m);
}

void mime_ole2_free(struct mime_ole2 **ole)
{
	if (ole == NULL || *ole == NULL)
		return;
	g_ptr_array_free((*ole)->members, TRUE);
	g_free((*ole)->note);
	g_free(*ole);
	*ole = NULL;
}

void ole2_stop(struct ole2_rd *rd, const char *fmt, ...)
{
	va_list ap;

	if (rd->stop)
		return;
	va_start(ap, fmt);
	rd->ole->note = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	rd->ole->flags |= MIME_OLE2_LIMIT;
	rd->stop = true;
}

/* Add to a member's note. */
void ole2_note(struct mime_ole2_member *m, const char *fmt, ...)
{
	va_list ap;
	char *s, *old = m->note;

	va_start(ap, fmt);
	s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	m->note = old != NULL ? g_strconcat(old, "; ", s, NULL) : s;
	if (old != NULL) {
		g_free(old);
		g_free(s);
	}
}

/* A new member (NULL when max_archive_members are taken: the walk stops). */
struct mime_ole2_member *ole2_member(struct ole2_rd *rd, char *path, char *name)
{
	struct mime_ole2_member *m;

	if (rd->ole->members->len >= rd->lim.max_archive_members) {
		ole2_stop(rd, "max_archive_members: more than %u members: the rest is not read",
		          rd->lim.max_archive_members);
		g_free(path);
		g_free(name);
		return NULL;
	}
	m = g_new0(struct mime_ole2_member, 1);
	m->path = path;
	m->name = name;
	g_ptr_array_add(rd->ole->members, m);
	return m;
}

/* Printable UTF-8 of at most OLE2_NAME_MAX bytes; control characters as '?'. */
char *ole2_clean(char *s)
{
	char *v;

	if (s == NULL)
		return NULL;
	if (strlen(s) > OLE2_NAME_MAX)
		s[OLE2_NAME_MAX] = '\0';
	v = g_utf8_make_valid(s, -1);
	g_free(s);
	if (strlen(v) > OLE2_NAME_MAX)
		*g_utf8_find_prev_char(v, v + OLE2_NAME_MAX + 1) = '\0';
	for (char *p = v; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (*v == '\0') {
		g_free(v);
		return NULL;
	}
	return v;
}

/* Bytes of a 8-bit string in UTF-8: as is when valid, else as Windows-1252. */
char *ole2_ansi(const unsigned char *s, size_t n)
{
	char *out;

	if (g_utf8_validate((const char *)s, (gssize)n, NULL))
		return g_strndup((const char *)s, n);
	out = g_convert((const char *)s, (gssize)n, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
	return out != NULL ? out
	                   : g_convert((const char *)s, (gssize)n, "UTF-8", "ISO-8859-1", NULL,
	                               NULL, NULL);
}

/*
 * Read a stream within the limits. NULL with *why_r (g_free it) when nothing was read;
 * *cut_r when the stream's sectors ended early. Every byte returned counts in ole->out.
 */
unsigned char *ole2_read_stream(struct ole2_rd *rd, GsfInput *in, size_t *len_r, bool *cut_r,
                                char **why_r)
{
	gsf_off_t size = gsf_input_size(in);
	size_t n = 0, want;
	unsigned char *buf;

	*len_r = 0;
	*cut_r = false;
	*why_r = NULL;
	if (size < 0 || (uint64_t)size > rd->lim.max_member_bytes) {
		*why_r = g_strdup_printf("max_member_bytes: stream of %" G_GINT64_FORMAT
		                         " bytes (limit %" G_GUINT64_FORMAT "): not read",
		                         (gint64)size, rd->lim.max_member_bytes);
		return NULL;
	}
	want = (size_t)size;
	if (rd->ole->out - rd->inflated + want > rd->out_max ||
	    rd->ole->out + want > rd->lim.max_total_bytes) {
		ole2_stop(rd,
		          "output limit: members of more than %" G_GUINT64_FORMAT
		          " bytes (max_total_bytes, or twice the file: streams share sectors): "
		          "the rest is not read",
		          rd->out_max);
		*why_r = g_strdup("not read: output limit");
		return NULL;
	}
	buf = g_try_malloc(want > 0 ? want : 1);
	if (buf == NULL) {
		*why_r = g_strdup("out of memory");
		return NULL;
	}
	while (n < want) {
		size_t step = MIN(want - n, (size_t)OLE2_STEP);

		if (gsf_input_read(in, step, buf + n) == NULL) {
			*cut_r = true;
			break;
		}
		n += step;
	}
	rd->ole->out += n;
	*len_r = n;
	return buf;
}

/* A stream as a member's data (flags and note for what was not read). */
void ole2_fill(struct ole2_rd *rd, struct mime_ole2_member *m, GsfInput *in)
{
	size_t n;
	bool cut;
	char *why;
	unsigned char *buf = ole2_read_stream(rd, in, &n, &cut, &why);

	if (buf == NULL) {
		m->flags |= g_str_has_prefix(why, "out of") ? MIME_OLE2_UNREAD : MIME_OLE2_LIMIT;
		ole2_note(m, "%s", why);
		g_free(why);
		return;
	}
	if (cut) {
		m->flags |= MIME_OLE2_TRUNCATED;
		ole2_note(m,
		          "its sectors end after %zu of %" G_GINT64_FORMAT " bytes: those scanned",
		          n, (gint64)gsf_input_size(in));
	}
	m->data = g_bytes_new_take(buf, n);
}

/* A child stream's bytes (small, for names and bodies), or NULL. */
GBytes *ole2_child_bytes(struct ole2_rd *rd, GsfInfile *dir, const char *name)
{
	GsfInput *in = ole2_child_named(dir, name);
	unsigned char *buf;
	size_t n;
	bool cut;
	char *why;

	if (in == NULL)
		return NULL;
	buf = ole2_read_stream(rd, in, &n, &cut, &why);
	g_object_unref(in);
	g_free(why);
	return buf != NULL ? g_bytes_new_take(buf, n) : NULL;
}

/* ---- a storage copied into a compound file of its own ---- */

static bool ole2_copy(struct ole2_rd *rd, GsfInfile *src, GsfOutfile *dst, unsigned int depth,
                      char **why_r);

static bool ole2_copy_child(struct ole2_rd *rd, GsfInfile *src, int i, GsfOutfile *dst,
                            unsigned int depth, char **why_r)
{
	const char *name = gsf_infile_name_by_index(src, i);
	GsfInput *in = ole2_child(src, i);
	GsfOutput *out;
	bool ok = true;

	if (in == NULL || name == NULL) {
		if (in != NULL)
			g_object_unref(in);
		rd->lost++; /* an entry libgsf could not open: left out of the copy, said so */
		return true;
	}
	if (GSF_IS_INFILE(in) && gsf_infile_num_children(GSF_INFILE(in)) >= 0) {
		out = gsf_outfile_new_child(dst, name, TRUE);
		ok = out != NULL &&
		     ole2_copy(rd, GSF_INFILE(in), GSF_OUTFILE(out), depth + 1, why_r);
	} else {
		size_t n;
		bool cut;
		unsigned char *buf = ole2_read_stream(rd, in, &n, &cut, why_r);

		out = gsf_outfile_new_child(dst, name, FALSE);
		ok = buf != NULL && out != NULL && (n == 0 || gsf_output_write(out, n, buf));
		g_free(buf);
	}
	if (out != NULL) {
		gsf_output_close(out);
		g_object_unref(out);
	}
	g_object_unref(in);
	return ok;
}

static bool ole2_copy(struct ole2_rd *rd, GsfInfile *src, GsfOutfile *dst, unsigned int depth,
                      char **why_r)
{
	int n = gsf_infile_num_children(src);

	if (depth > MIME_OLE2_MAX_STORAGE_DEPTH) {
		*why_r = g_strdup("storages nested deeper than " G_STRINGIFY(
		        MIME_OLE2_MAX_STORAGE_DEPTH) ": not copied");
		return false;
	}
	for (int i = 0; i < n; i++)
		if (!ole2_copy_child(rd, src, i, dst, depth, why_r))
			return false;
	return true;
}

/* A storage as a member: a new compound file with the storage as its root. */
void ole2_storage(struct ole2_rd *rd, struct mime_ole2_member *m, GsfInfile *dir)
{
	GsfOutput *mem = gsf_output_memory_new();
	GsfOutfile *out = gsf_outfile_msole_new(mem);
	uint64_t before = rd->ole->out;
	unsigned int lost = rd->lost;
	char *why = NULL;
	bool ok = out != NULL && ole2_copy(rd, dir, out, 0, &why);

	m->flags |= MIME_OLE2_STORAGE;
	if (out != NULL) {
		gsf_output_close(GSF_OUTPUT(out));
		g_object_unref(out);
	}
	if (ok && (uint64_t)gsf_output_size(mem) > rd->lim.max_member_bytes) {
		ok = false;
		why = g_strdup_printf("max_member_bytes: storage of more than %" G_GUINT64_FORMAT
		                      " bytes: not read",
		                      rd->lim.max_member_bytes);
	}
	if (ok) {
		/* the copy's data counted once: as the compound file returned */
		rd->ole->out = before + (uint64_t)gsf_output_size(mem);
		m->data = g_bytes_new(gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem)),
		                      (gsize)gsf_output_size(mem));
		if (rd->lost > lost) {
			/* the copy is read, but what it lacks is unseen: unscannable */
			m->flags |= MIME_OLE2_UNREAD;
			ole2_note(m, "%u entries could not be opened: left out of the copy",
			          rd->lost - lost);
		}
	} else {
		m->flags |= why != NULL && g_str_has_prefix(why, "out of") ? MIME_OLE2_UNREAD
		                                                           : MIME_OLE2_LIMIT;
		ole2_note(m, "%s", why != NULL ? why : "the storage could not be copied");
	}
	g_free(why);
	if (!gsf_output_is_closed(mem)) /* closing the outfile closes its sink */
		gsf_output_close(mem);
	g_object_unref(mem);
}

/* ---- embedded objects ---- */

/* A NUL-terminated string at *pos, advanced past it; false when it runs off the end. */
static bool pkg_cstr(const unsigned char *s, size_t n, size_t *pos, const unsigned char **str_r,
                     size_t *len_r)
{
	const unsigned char *z;

	if (*pos >= n || (z = memchr(s + *pos, 0, n - *pos)) == NULL)
		return false;
	*str_r = s + *pos;
	*len_r = (size_t)(z - (s + *pos));
	*pos += *len_r + 1;
	return true;
}

/* The last element of a Windows path. */
static char *pkg_base(const unsigned char *s, size_t n)
{
	size_t b = n;

	while (b > 0 && s[b - 1] != '\\' && s[b - 1] != '/')
		b--;
	return n > b ? ole2_clean(ole2_ansi(s + b, n - b)) : NULL;
}

/*
 * An Ole10Native stream: u32 size, then a Package (u16 2, label, file path, u16 0, u16 3,
 * u32 n, temporary path of n bytes, u32 size, the file's data). *name_r: the temporary
 * path's file name, the one the file is opened under, else the file path's, else the label.
 * false (data: what follows the size field) when no Package header is there.
 */
static bool pkg_parse(const unsigned char *s, size_t n, size_t *off_r, size_t *len_r, char **name_r)
{
	const unsigned char *label, *file, *tmp;
	size_t pos = 6, llen, flen, tlen;
	uint32_t total = n >= 4 ? rd32(s) : 0;

	*name_r = NULL;
	*off_r = n >= 4 ? 4 : n;
	*len_r = n - *off_r;
	if (total < *len_r)
		*len_r = total;
	if (n < 6 || rd16(s + 4) != 2 || !pkg_cstr(s, n, &pos, &label, &llen) ||
	    !pkg_cstr(s, n, &pos, &file, &flen) || n - pos < 8)
		return false;
	pos += 4;
	tlen = rd32(s + pos);
	pos += 4;
	if (tlen > n - pos || n - pos - tlen < 4)
		return false;
	tmp = s + pos;
	pos += tlen;
	if (rd32(s + pos) > n - pos - 4)
		return false;
	*off_r = pos + 4;
	*len_r = rd32(s + pos);
	while (tlen > 0 && tmp[tlen - 1] == 0)
		tlen--;
	*name_r = pkg_base(tmp, tlen);
	if (*name_r == NULL)
		*name_r = pkg_base(file, flen);
	if (*name_r == NULL)
		*name_r = ole2_clean(ole2_ansi(label, llen));
	return true;
}

bool mime_ole2_package(const unsigned char *s, size_t n, size_t *off_r, size_t *len_r,
                       char **name_r)
{
	return pkg_parse(s, n, off_r, len_r, name_r);
}

/* An Ole10Native stream: the file its Package carries. */
static void ole2_native(struct ole2_rd *rd, GsfInput *in, char *path)
{
	struct mime_ole2_member *m = ole2_member(rd, path, NULL);
	const unsigned char *s;
	size_t off, len;
	gsize n;
	GBytes *all;

	if (m == NULL)
		return;
	ole2_fill(rd, m, in);
	if (m->data == NULL)
		return;
	all = m->data;
	s = g_bytes_get_data(all, &n);
	if (!pkg_parse(s, n, &off, &len, &m->name))
		ole2_note(m, "Ole10Native without a Package header: its data scanned");
	m->data = g_bytes_new_from_bytes(all, off, len);
	rd->ole->out -= n - len;
	g_bytes_unref(all);
}

/*
 * Every storage, for Ole10Native, Package and CONTENTS streams and PowerPoint's objects
 * (depth-first, bounded).
 */
static void ole2_objects(struct ole2_rd *rd, GsfInfile *dir, const char *prefix, unsigned int depth)
{
	int n = gsf_infile_num_children(dir);

	if (depth > MIME_OLE2_MAX_STORAGE_DEPTH) {
		ole2_stop(rd, "storages nested deeper than %u: the rest is not read",
		          MIME_OLE2_MAX_STORAGE_DEPTH);
		return;
	}
	for (int i = 0; i < n && !rd->stop; i++) {
		const char *name = gsf_infile_name_by_index(dir, i);
		GsfInput *in;
		char *clean, *path;

		if (name == NULL || (in = ole2_child(dir, i)) == NULL)
			continue;
		clean = ole2_clean(g_strdup(name[0] == '\x01' ? name + 1 : name));
		path = g_strdup_printf("%s%s%s", prefix, *prefix ? "/" : "",
		                       clean != NULL ? clean : "?");
		g_free(clean);
		if (GSF_IS_INFILE(in) && gsf_infile_num_children(GSF_INFILE(in)) >= 0) {
			ole2_objects(rd, GSF_INFILE(in), path, depth + 1);
		} else if (strcmp(name, "\x01Ole10Native") == 0) {
			ole2_native(rd, in, g_strconcat("ole:", path, NULL));
		} else if (strcmp(name, "PowerPoint Document") == 0) {
			ole2_ppt(rd, in, path);
		} else if (g_ascii_strcasecmp(name, "Package") == 0 ||
		           g_ascii_strcasecmp(name, "CONTENTS") == 0) {
			struct mime_ole2_member *m =
			        ole2_member(rd, g_strconcat("ole:", path, NULL), NULL);

			if (m != NULL)
				ole2_fill(rd, m, in);
		}
		g_free(path);
		g_object_unref(in);
	}
}

static bool ole2_is_msg(GsfInfile *root)
{
	int n = gsf_infile_num_children(root);

	for (int i = 0; i < n; i++) {
		const char *name = gsf_infile_name_by_index(root, i);

		if (name != NULL && (g_ascii_strncasecmp(name, "__substg1.0_", 12) == 0 ||
		                     g_ascii_strcasecmp(name, "__properties_version1.0") == 0))
			return true;
	}
	return false;
}

bool mime_ole2_type(enum ftype type)
{
	return type == FTYPE_MSG || type == FTYPE_OLE2 || type == FTYPE_DOC || type == FTYPE_XLS ||
	       type == FTYPE_PPT;
}

int mime_ole2_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
                   struct mime_ole2 **ole_r, GError **error)
{
	struct ole2_rd rd = {.len = len};
	const char *why;
	GsfInput *in;
	GsfInfile *root;
	GError *err = NULL;
	int check = ole2_check(data, len, &why);

	*ole_r = NULL;
	if (check < 0) {
		g_set_error(error, ole2_error_quark(), 0, "%s", why);
		return -1;
	}
	msg_limits_effective(lim, &rd.lim);
	rd.ole = g_new0(struct mime_ole2, 1);
	rd.ole->members = g_ptr_array_new_with_free_func(member_free);
	rd.out_max = MIN(rd.lim.max_total_bytes, (uint64_t)len * 2 + OLE2_SLACK);
	rd.inflate_max = MIN(rd.lim.max_total_bytes,
	                     MAX((uint64_t)OLE2_INFLATE_FLOOR, (uint64_t)len * rd.lim.max_ratio));
	*ole_r = rd.ole;
	if (check > 0) {
		ole2_stop(&rd, "%s: not read", why);
		return 0;
	}
	ole2_init();
	in = gsf_input_memory_new(data, (gsf_off_t)len, FALSE);
	root = in != NULL ? gsf_infile_msole_new(in, &err) : NULL;
	if (in != NULL)
		g_object_unref(in);
	if (root == NULL) {
		g_set_error(error, ole2_error_quark(), 0, "unreadable OLE2 compound file: %s",
		            err != NULL ? err->message : "out of memory");
		g_clear_error(&err);
		mime_ole2_free(ole_r);
		return -1;
	}
	rd.ole->msg = ole2_is_msg(root);
	if (rd.ole->msg)
		ole2_msg(&rd, root);
	else
		ole2_objects(&rd, root, "", 0);
	g_object_unref(root);
	return 0;
}
