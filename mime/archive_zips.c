/*
 * archive_zips: where the zips in a part's bytes lie, for the archive reader (archive.c).
 *
 * What the extractors see in the same bytes differs: unzip and Python read the central
 * directory named by the last end-of-central-directory record (bytes in front allowed),
 * 7-Zip and streaming readers the local headers from the first one, and 7-Zip's parser
 * ("7z l -t#") every zip of a concatenation, the middle ones too. mime_archive_zips() finds
 * each zip a reader could open: every end-of-central-directory record of the bytes whose
 * directory lies before it and starts with a central header, and whose first local header
 * is where the directory's offset puts it.
 *
 * The archive reader reads each of them on its own (mime_archive_find_zips), and a first zip
 * that no directory names with the streaming reader (mime_archive_stream_member).
 *
 * Limits: one pass over the bytes (memmem), at most MIME_ARCHIVE_ZIPS_MAX zips kept; a zip
 * that lies inside another one found (a zip stored uncompressed as a member: a fat jar's
 * nested jars) is not counted: it is read as that member. Thread safety: no state.
 */

#include "mime/archive_private.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

static uint32_t arch_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Where the zip that a reader of the central directory sees starts: the last valid
 * end-of-central-directory record in the last 64 KiB (its comment within the bytes, its
 * directory before it and starting with a central header), minus the directory's offset.
 * false when there is none; a zip64 directory (offsets 0xffffffff) is found through its
 * record right before its locator (else it counts as starting at 0).
 */
bool mime_archive_zip_start(const unsigned char *d, size_t len, size_t *start_r)
{
	size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0, hi;

	if (len < 22)
		return false;
	/*
	 * From the last byte 5 where a record could start (e + 2 <= len - 20) backwards: memrchr
	 * runs at memory speed and text holds no byte 5, so a part that is not a zip costs one
	 * vectorised pass over its last 64 KiB, not a comparison per byte.
	 */
	for (hi = len - 20 + 1; hi > lo + 2;) {
		const unsigned char *q = memrchr(d + lo + 2, '\005', hi - (lo + 2));
		uint32_t cd_size, cd_off;
		size_t clen, e;

		if (q == NULL)
			break;
		hi = (size_t)(q - d);
		e = hi - 2;
		if (d[e] != 'P' || d[e + 1] != 'K' || d[e + 3] != '\006')
			continue;
		clen = (size_t)d[e + 20] | (size_t)d[e + 21] << 8;
		if (clen > len - e - 22)
			continue;
		cd_size = arch_le32(d + e + 12);
		cd_off = arch_le32(d + e + 16);
		if (cd_off == 0xffffffffu || cd_size == 0xffffffffu) {
			/* zip64: its record right before its locator, when they are there */
			uint64_t rec = e - 76, size, off;

			*start_r = 0;
			if (e >= 76 && arch_le32(d + e - 20) == 0x07064b50u &&
			    arch_le32(d + rec) == 0x06064b50u) {
				size = mime_archive_le(d + rec + 40, 8);
				off = mime_archive_le(d + rec + 48, 8);
				if (size <= rec && off <= rec - size)
					*start_r = (size_t)(rec - size - off);
			}
			return true;
		}
		if ((uint64_t)cd_size + cd_off > e)
			continue;
		if (cd_size > 0 && memcmp(d + e - cd_size, "PK\001\002", 4) != 0)
			continue;
		*start_r = e - cd_size - cd_off;
		return true;
	}
	return false;
}

/* The offset of the first local file header ("PK\3\4"), or len. */
size_t mime_archive_zip_first(const unsigned char *d, size_t len)
{
	const unsigned char *p = len >= 4 ? memmem(d, len, "PK\003\004", 4) : NULL;

	return p != NULL ? (size_t)(p - d) : len;
}

bool mime_archive_zip_inside(const unsigned char *data, size_t len)
{
	size_t start;

	return mime_archive_zip_start(data, len, &start) && start > 0 && start < len &&
	       memcmp(data + start, "PK\003\004", 4) == 0;
}

/* The zip whose end-of-central-directory record is at e, or false (zip64 is not followed). */
static bool zip_at(const unsigned char *d, size_t len, size_t e, struct mime_archive_zip *z)
{
	uint32_t cd_size, cd_off;
	size_t clen;

	if (len - e < 22)
		return false;
	clen = (size_t)d[e + 20] | (size_t)d[e + 21] << 8;
	if (clen > len - e - 22)
		return false;
	cd_size = arch_le32(d + e + 12);
	cd_off = arch_le32(d + e + 16);
	if (cd_size == 0 || cd_off == 0xffffffffu || cd_size == 0xffffffffu ||
	    (uint64_t)cd_size + cd_off > e || memcmp(d + e - cd_size, "PK\001\002", 4) != 0)
		return false;
	z->start = e - cd_size - cd_off;
	z->end = e + 22 + clen;
	return memcmp(d + z->start, "PK\003\004", 4) == 0;
}

guint mime_archive_zips(const unsigned char *d, size_t len, struct mime_archive_zip *zips,
                        guint max, bool *more_r)
{
	GArray *all = g_array_new(FALSE, FALSE, sizeof(struct mime_archive_zip));
	size_t off = 0;
	guint n = 0;

	*more_r = false;
	while (len - off >= 22) {
		const unsigned char *p = memmem(d + off, len - off, "PK\005\006", 4);
		struct mime_archive_zip z;

		if (p == NULL)
			break;
		if (zip_at(d, len, (size_t)(p - d), &z))
			g_array_append_val(all, z);
		off = (size_t)(p - d) + 1;
	}
	/* from the last: a zip that ends after the start of one kept lies inside it */
	for (guint i = all->len; i > 0; i--) {
		const struct mime_archive_zip *z =
		        &g_array_index(all, struct mime_archive_zip, i - 1);

		if (n > 0 && z->end > zips[n - 1].start)
			continue;
		if (n == max) {
			*more_r = true;
			break;
		}
		zips[n++] = *z;
	}
	g_array_free(all, TRUE);
	/* in the order of the bytes */
	for (guint i = 0; i < n / 2; i++) {
		struct mime_archive_zip t = zips[i];

		zips[i] = zips[n - 1 - i];
		zips[n - 1 - i] = t;
	}
	return n;
}

/*
 * The zips a reader could see in the bytes besides the one the central directory at the end
 * names (read by the ordinary reading): read each on its own after it; a first zip without a
 * directory of its own is read with the streaming reader from its first local header.
 */
void mime_archive_find_zips(struct arch *st, struct mime_ctx *ctx)
{
	struct mime_archive_zip zips[MIME_ARCHIVE_ZIPS_MAX];
	size_t start = 0, first;
	bool main_found = mime_archive_zip_start(st->data, st->len, &start), more;
	guint n;

	if (main_found && start == 0)
		return; /* the common zip: nothing lies before the one its directory names */
	first = mime_archive_zip_first(st->data, st->len);
	n = mime_archive_zips(st->data, st->len, zips, G_N_ELEMENTS(zips), &more);

	if (n > 0 && main_found && zips[n - 1].start == start)
		n--; /* the ordinary reading's */
	if (more) {
		struct msg_part *p = mime_part_at(ctx, st->idx);

		mime_part_flag(p, MSG_PART_LIMIT,
		               "more than %u zips in the bytes: the first ones are not read",
		               MIME_ARCHIVE_ZIPS_MAX);
		mime_limit(ctx, MSG_LIMIT_ARCHIVE, "part %s: more than %u zips in the bytes",
		           p->path, MIME_ARCHIVE_ZIPS_MAX);
	}
	if (n > 0) {
		st->zips = g_memdup2(zips, n * sizeof(zips[0]));
		st->n_zips = n;
	}
	/* the first zip, when no directory found names it: the streaming reading */
	if (main_found && first < start && (n == 0 || first < zips[0].start)) {
		st->stream_wanted = true;
		st->stream_from = first;
		ctx->dedupe = true; /* so that its members are scanned once */
	}
}

int mime_archive_member_make(struct mime_ctx *ctx, struct mime_work *w, size_t n,
                             unsigned int dflags)
{
	int idx = mime_part_new(ctx, w->path, w->parent, w->depth);
	struct msg_part *c;

	(void)n, (void)dflags;
	if (idx < 0)
		return -1;
	c = mime_part_at(ctx, idx);
	c->name = g_strdup(w->name);
	c->content_type = g_strdup("application/octet-stream");
	c->disposition = g_strdup("attachment");
	c->encoding = g_strdup(w->encoding);
	c->flags |= MSG_PART_ARCHIVE_MEMBER;
	mime_part_flag(c, 0, "%s", w->note);
	return idx;
}

/*
 * A member of the streaming reading (the first zip of the bytes): read whole within the
 * budget and handed back as a job that is a part only when its bytes are new. false when it
 * is to be read the ordinary way (encrypted, declared too large: flagged there).
 */
bool mime_archive_stream_member(struct arch *st, struct archive *a, struct archive_entry *e)
{
	struct mime_ctx *ctx = st->ctx;
	const struct msg_part *p = mime_part_at(ctx, st->idx);
	int64_t declared = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
	const char *s = archive_entry_pathname_utf8(e);
	struct mime_work *w;
	unsigned char *buf;
	uint64_t cap;
	size_t n;
	int code;
	enum mime_archive_fill r;
	uint64_t claim;
	struct mime_use use = mime_jobs_use(ctx);

	if (archive_entry_is_data_encrypted(e) ||
	    (declared >= 0 && mime_jobs_budget(&ctx->lim, &ctx->use, MIME_RES_MEMBER_SIZE,
	                                       (uint64_t)declared, NULL) != MIME_BOUND_NONE))
		return false;
	/* a decoder claiming more than max_decoder_memory: flagged by the ordinary way */
	claim = mime_archive_member_claim(st, a, e);
	if (mime_jobs_budget(&ctx->lim, &use, MIME_RES_DECODER_MEMORY, claim, NULL) !=
	    MIME_BOUND_NONE)
		return false;
	mime_jobs_budget(&ctx->lim, &ctx->use, MIME_RES_MEMBER_BYTES, UINT64_MAX, &cap);
	if (cap == 0) {
		st->stop = true;
		return true;
	}
	ctx->use.decoder_memory += claim;
	r = mime_archive_fill(st, a, -1,
	                      declared >= 0 ? MIN((size_t)declared, (size_t)cap)
	                                    : MIN(MIME_ARCHIVE_FIRST_BUF, (size_t)cap),
	                      (size_t)cap, &buf, &n, &code);
	ctx->use.decoder_memory -= claim;
	if (r == MIME_ARCHIVE_FILL_CUT)
		mime_archive_limit(
		        st, -1,
		        "max_member_bytes: a member of the first zip is larger: the rest "
		        "is not read");
	if (r == MIME_ARCHIVE_FILL_ERROR)
		mime_part_flag(mime_part_at(ctx, st->idx), MSG_PART_OPAQUE,
		               "the first zip of the bytes could not be read whole");
	if (r != MIME_ARCHIVE_FILL_OK) {
		g_free(buf);
		st->stop = st->stop || code == ARCHIVE_FATAL;
		return true;
	}
	if (s == NULL)
		s = archive_entry_pathname(e);
	w = mime_work_new(g_bytes_new_take(buf, n), MIME_FROM_READING, MIME_ENC_RAW, -1);
	w->make = mime_archive_member_make;
	w->parent = st->idx;
	w->depth = p->depth + 1;
	w->name = s != NULL && *s != '\0' ? mime_archive_clean_name(s) : NULL;
	w->path = w->name != NULL ? g_strdup_printf("%s/zip:%s", p->path, w->name)
	                          : g_strdup_printf("%s/zip:#%u", p->path, st->entries);
	w->encoding = "zip";
	w->note = "in the first zip of the bytes (a streaming reading)";
	g_ptr_array_add(st->jobs, w);
	return true;
}
