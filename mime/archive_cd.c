/*
 * archive_cd: a zip as its central directory lists it, the way unzip, Python's zipfile and
 * 7-Zip extract it, after libarchive's reading (archive.c).
 *
 * libarchive reads a member's name, sizes and method from its local header, looks for the
 * end-of-central-directory record in the last 16 KiB only (then reads local headers from the
 * first, up to the first central header), and keeps one member per local header offset.
 * unzip and Python's zipfile find the record in the last 64 KiB and take name, sizes and
 * method from the central directory. So a member could be extracted by them and never be
 * read here: behind an archive comment of more than 16 KiB and a decoy central header, a
 * local header whose sizes or method are not the directory's, two directory entries at one
 * offset, a name that is another in the local header.
 *
 * Every member libarchive reads is noted (mime_archive_cd_note: its name when ASCII, its size
 * and method); after the entries, each central directory entry not among them is read from
 * the directory (stored, deflate, deflate64, implode: zipx.c) and becomes a part only when its
 * bytes are new, else a copy of the part that has them, under the directory's name (msgscan.h,
 * COPIES). An entry that cannot be read so (another method, encrypted, its bytes outside the
 * zip) leaves the zip unscannable. Well-formed zips read the same both ways and cost one pass
 * over their directory.
 *
 * Limits: at most max_archive_members directory entries; each read within max_member_bytes,
 * max_ratio and what is left of max_total_bytes. Thread safety: belongs to its archive reader.
 */

#include "mime/archive_private.h"
#include "mime/zipx.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

#define LE(p, n) mime_archive_le((p), (n))

/*
 * A member's key: its name when ASCII (libarchive converts the others), its size (-1: not
 * known) and its method when stored or deflate (libarchive names no other: -1).
 */
static char *cd_key(const unsigned char *name, size_t n, int64_t size, int method)
{
	bool ascii = true;

	if (method != MIME_ZIPX_STORED && method != MIME_ZIPX_DEFLATE)
		method = -1;

	char *key;

	for (size_t i = 0; i < n && ascii; i++)
		ascii = name[i] >= 0x20 && name[i] < 0x7f;
	key = g_strdup_printf("%" G_GINT64_FORMAT " %d %.*s", size, method, ascii ? (int)n : 1,
	                      ascii ? (const char *)name : "*");
	/* libarchive reads a '\\' in a zip name as '/' (Windows writers use it) */
	g_strdelimit(key, "\\", '/');
	return key;
}

/* The zip method libarchive names its current member's (-1: one of those it has no name of). */
static int cd_method(struct archive *a)
{
	const char *fmt = archive_format_name(a);

	if (fmt == NULL)
		return -1;
	if (strstr(fmt, "(uncompressed)") != NULL)
		return MIME_ZIPX_STORED;
	if (strstr(fmt, "(deflation)") != NULL) /* not "(deflation-64-bit)" */
		return MIME_ZIPX_DEFLATE;
	return -1;
}

void mime_archive_cd_note(struct arch *st, struct archive *a, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	int64_t size = -1;

	if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_ZIP || st->raw ||
	    st->streaming || name == NULL)
		return;
	if (archive_entry_filetype(e) == AE_IFLNK) {
		const char *t = archive_entry_symlink(e);

		size = t != NULL ? (int64_t)strlen(t) : 0; /* what libarchive gives of its bytes */
	} else if (archive_entry_size_is_set(e)) {
		size = archive_entry_size(e);
	}
	if (st->read_keys == NULL)
		st->read_keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_add(st->read_keys,
	                 cd_key((const unsigned char *)name, strlen(name), size, cd_method(a)));
}

/*
 * The central directory an extractor reads: the last end-of-central-directory record in the
 * last 64 KiB whose directory lies in the bytes (zip64 records followed), right before the
 * record as Python's zipfile takes it, with what to add to the offsets the zip gives (bytes in
 * front of it; negative when its directory offset is larger than the bytes before it allow)
 * and where it ends (its entries are walked to there, whatever count the record gives).
 * false when there is none.
 */
static bool cd_find(const unsigned char *d, size_t len, int64_t *shift_r, uint64_t *cd_r,
                    uint64_t *end_r)
{
	size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;

	for (size_t e = len >= 22 ? len - 22 + 1 : 0; e-- > lo;) {
		uint64_t size, off, rec = e;

		/* its comment may claim more than the bytes hold (Python's zipfile reads on) */
		if (LE(d + e, 4) != 0x06054b50)
			continue;
		size = LE(d + e + 12, 4);
		off = LE(d + e + 16, 4);
		/* a zip64 locator right before: its record is what extractors follow */
		if (e >= 20 + 56 && LE(d + e - 20, 4) == 0x07064b50 &&
		    LE(d + e - 76, 4) == 0x06064b50) {
			rec = e - 76;
			size = LE(d + rec + 40, 8);
			off = LE(d + rec + 48, 8);
		}
		if (size > rec || off > (uint64_t)INT64_MAX)
			continue;
		*shift_r = (int64_t)(rec - size) - (int64_t)off;
		*cd_r = rec - size;
		*end_r = rec;
		return true;
	}
	return false;
}

/* A directory entry read here has bytes a part has: a copy of it under the directory's name. */
static void cd_copy(struct mime_ctx *ctx, struct mime_work *w, int of)
{
	struct msg_copy c = {.found_by = g_strdup("the zip's central directory (unzip, Python's "
	                                          "zipfile)"),
	                     .name = g_strdup(w->name),
	                     .parent = w->parent};

	mime_part_add_copy(ctx, of, &c);
}

/* The container unscannable: an entry of its directory could not be read. */
static void cd_unread(struct arch *st, const char *name, const char *why)
{
	mime_part_flag(mime_part_at(st->ctx, st->idx), MSG_PART_OPAQUE,
	               "%s, which the zip's central directory lists, %s", name, why);
}

/* An entry's name as extractors write it: UTF-8 when flagged so, else code page 437. */
static char *cd_name(const unsigned char *p, size_t n, unsigned int flags)
{
	char *raw = g_strndup((const char *)p, n), *utf8 = NULL, *clean;

	if (!(flags & 0x800))
		utf8 = g_convert(raw, -1, "UTF-8", "CP437", NULL, NULL, NULL);
	clean = mime_archive_clean_name(utf8 != NULL ? utf8 : raw);
	g_free(utf8);
	g_free(raw);
	return clean;
}

/*
 * The entry at c (its central header) read from the zip whose offsets are shift from the
 * bytes', handed back as a job; false when the archive is to stop (a limit).
 */
static bool cd_entry(struct arch *st, int64_t shift, const unsigned char *c)
{
	struct mime_ctx *ctx = st->ctx;
	const struct msg_part *p = mime_part_at(ctx, st->idx);
	struct mime_zipx_entry z = {0};
	size_t nl = LE(c + 28, 2), xl = LE(c + 30, 2);
	uint64_t usize = LE(c + 24, 4), csize = LE(c + 20, 4), off = LE(c + 42, 4), lh, data, cap;
	uint64_t want;
	struct mime_use use;
	struct mime_work *w;
	unsigned char *buf;
	char *name = cd_name(c + 46, nl, (unsigned int)LE(c + 8, 2)), *why = NULL;
	size_t n;
	bool ok = true;

	mime_zipx_extra64(c + 46 + nl, xl, &usize, &csize, &off);
	z.method = (unsigned int)LE(c + 10, 2);
	z.flags = (unsigned int)LE(c + 8, 2);
	z.usize = usize;
	lh = shift < 0 && off < (uint64_t)-shift ? UINT64_MAX : off + (uint64_t)shift;
	data = lh <= st->len && st->len - lh >= 30
	               ? lh + 30 + LE(st->data + lh + 26, 2) + LE(st->data + lh + 28, 2)
	               : UINT64_MAX;
	if (z.flags & 1)
		why = g_strdup("is encrypted and was not read");
	else if (z.method != MIME_ZIPX_STORED && z.method != MIME_ZIPX_DEFLATE &&
	         z.method != MIME_ZIPX_DEFLATE64 && z.method != MIME_ZIPX_IMPLODE)
		why = g_strdup_printf("(method %u) was not read", z.method);
	else if (data > st->len || LE(st->data + lh, 4) != 0x04034b50 || st->len - data < csize)
		why = g_strdup("has no bytes in the zip");
	if (why != NULL) {
		cd_unread(st, name, why);
		g_free(why);
		g_free(name);
		return true;
	}
	use = mime_archive_use(st);
	if (mime_jobs_budget(&ctx->lim, &use, MIME_RES_MEMBER_SIZE, usize, NULL) !=
	    MIME_BOUND_NONE) {
		cd_unread(st, name, "declares more than max_member_bytes");
		g_free(name);
		return true;
	}
	if (mime_jobs_budget(&ctx->lim, &use, MIME_RES_RATIO, usize, NULL) != MIME_BOUND_NONE) {
		mime_archive_limit(st, -1,
		                   "max_ratio: the central directory's members are not read");
		g_free(name);
		return false;
	}
	mime_jobs_budget(&ctx->lim, &ctx->use, MIME_RES_MEMBER_BYTES, UINT64_MAX, &cap);
	if (cap == 0) {
		mime_archive_limit(st, -1,
		                   "max_total_bytes: the central directory's members are not read");
		g_free(name);
		return false;
	}
	/*
	 * What extractors write: a stored member's compressed size, an imploded one's declared
	 * size, a deflated one's stream to its end whatever its declared size says (read to
	 * one byte past that, at least 64 KiB: a stream longer than that is cut and said so).
	 */
	if (z.method == MIME_ZIPX_STORED)
		want = csize;
	else if (z.method == MIME_ZIPX_IMPLODE)
		want = usize;
	else
		want = MAX(usize, (uint64_t)64 * 1024) + 1;
	want = MIN(want, cap);
	z.data = st->data + data;
	z.csize = (size_t)csize;
	buf = g_try_malloc(want > 0 ? (size_t)want : 1);
	if (buf == NULL) {
		g_free(name);
		return false;
	}
	n = mime_zipx_decode(&z, buf, (size_t)want, &ok);
	use = mime_archive_use(st);
	if (mime_jobs_budget(&ctx->lim, &use, MIME_RES_RATIO, n, NULL) != MIME_BOUND_NONE) {
		mime_archive_limit(st, -1,
		                   "max_ratio: the central directory's members are not read");
		g_free(buf);
		g_free(name);
		return false;
	}
	if (!ok)
		cd_unread(st, name, "could not be decoded whole");
	else if (n == want &&
	         (want == cap || (z.method != MIME_ZIPX_STORED && z.method != MIME_ZIPX_IMPLODE)))
		cd_unread(st, name,
		          "is longer than what is read of it (max_member_bytes, "
		          "max_total_bytes, or more than it declares): cut");
	buf = g_realloc(buf, n > 0 ? n : 1);
	/* decoding is work whether the bytes turn out new or a copy: max_total_bytes bounds it
	   (a part made of them counts them again) */
	ctx->use.decoded += n;
	st->out += n;
	w = mime_work_new(g_bytes_new_take(buf, n), MIME_FROM_READING, MIME_ENC_RAW, -1);
	w->make = mime_archive_member_make;
	w->copy = cd_copy;
	w->parent = st->idx;
	w->depth = p->depth + 1;
	w->name = name;
	w->path = g_strdup_printf("%s/zip:%s", p->path, name);
	w->encoding = "zip";
	w->note = "read as the zip's central directory lists it (unzip, Python's zipfile), not as "
	          "its local header says";
	g_ptr_array_add(st->jobs, w);
	return true;
}

/*
 * The next directory entry from st->cd_pos: its central header, or NULL at the directory's
 * end (or at a header that is not one).
 */
static const unsigned char *cd_next(struct arch *st)
{
	const unsigned char *c = st->data + st->cd_pos;
	size_t nl, xl, cl;

	if (st->cd_end > st->len || st->cd_pos > st->cd_end || st->cd_end - st->cd_pos < 46 ||
	    LE(c, 4) != 0x02014b50)
		return NULL;
	nl = LE(c + 28, 2);
	xl = LE(c + 30, 2);
	cl = LE(c + 32, 2);
	if (st->len - st->cd_pos - 46 < nl + xl + cl)
		return NULL;
	st->cd_pos += 46 + nl + xl + cl;
	return c;
}

bool mime_archive_cd(struct arch *st)
{
	guint before = st->jobs->len;
	const unsigned char *c;

	if (!st->cd_wanted || st->raw)
		return false;
	if (!st->cd_done) {
		st->cd_done = true;
		if (st->stop ||
		    !cd_find(st->data, st->len, &st->cd_shift, &st->cd_pos, &st->cd_end))
			st->cd_end = st->cd_pos = 0;
		if (st->read_keys == NULL) /* libarchive read no member of it */
			st->read_keys =
			        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	}
	/* one member handed back at a time, as arch_walk does: each is scanned, and counted
	   against the message's bytes, before the next is read */
	while (!st->stop && st->jobs->len == before && (c = cd_next(st)) != NULL) {
		size_t nl = LE(c + 28, 2);
		uint64_t us = LE(c + 24, 4), cs = LE(c + 20, 4), off = LE(c + 42, 4);
		int64_t usize;
		char *key, *any;
		bool read;

		if (++st->cd_seen > st->ctx->lim.max_archive_members) {
			char *what = g_strdup_printf("max_archive_members: the central directory "
			                             "lists more than %u entries: the rest is not "
			                             "read",
			                             st->ctx->lim.max_archive_members);

			mime_archive_limit(st, -1, what);
			g_free(what);
			break;
		}
		mime_zipx_extra64(c + 46 + nl, LE(c + 30, 2), &us, &cs, &off);
		usize = (int64_t)MIN(us, (uint64_t)INT64_MAX);
		if (usize == 0)
			continue; /* a directory, an empty file: no bytes to scan */
		key = cd_key(c + 46, nl, usize, (int)LE(c + 10, 2));
		any = cd_key(c + 46, nl, -1, (int)LE(c + 10, 2));
		read = g_hash_table_contains(st->read_keys, key) ||
		       g_hash_table_contains(st->read_keys, any);
		g_free(key);
		g_free(any);
		if (!read && !cd_entry(st, st->cd_shift, c))
			break;
	}
	return st->jobs->len > before;
}
