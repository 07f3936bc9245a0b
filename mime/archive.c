/*
 * archive: archive and compressed-stream members as parts, read with libarchive from the
 * decoded part in memory (archive_read_open_memory: no temporary file, no copy).
 *
 * Formats: zip (zip64, and the formats built on zip: OOXML, ODF, JAR, APK; members compressed
 * with deflate64 or implode, which libarchive does not read, are decoded by zipx.c), 7z, RAR 4/5, tar,
 * cpio, ISO 9660, cab; filters gzip, bzip2, xz, lzma, zstd, compress, lzip, lz4. A compressed
 * stream that holds no archive (clam.exe.bz2) is read again with the "raw" format: one member,
 * named after the container ("x.exe.gz" -> "x.exe"). Only filters that decode in-process are
 * registered (never one that would run an external program).
 *
 * A symbolic link is a member whose bytes are its target text (what zip stores as its data and
 * some extractors write as a file); it is never followed. Directories, hard links and devices
 * have no content of their own and are skipped.
 *
 * Limits, each ending in a flag and a note that names it (the report is then unscannable):
 *   max_archive_depth    archives within archives (counted along the chain, messages between
 *                        them do not reset it): deeper ones are not opened
 *   max_archive_members  entries (files, directories, links) read per archive: the rest is not
 *   max_member_bytes     a member declaring more is not read at all; one that turns out larger
 *                        is cut there (its first bytes typed)
 *   max_ratio            decompressed bytes of the archive's members / the archive's bytes,
 *                        checked once more than MIME_ARCHIVE_RATIO_FLOOR is decompressed and
 *                        against declared sizes before reading: the archive stops there
 *   and the message's max_parts, max_part_bytes and max_total_bytes: members are parts and
 *   their bytes are decoded bytes.
 * Memory: one member buffer per archive level on the chain (each at most max_member_bytes),
 * sized from the declared size or grown by doubling, plus libarchive's reader state (a zip's
 * central directory is held in full: it is part of the bytes already bounded), plus the
 * decoder of a compressed stream: one filter per reader (the part's type, never libarchive's
 * stacking of every filter it recognises), its memory read from the stream's headers
 * (archive_memory.c) and counted over the levels open at once against max_decoder_memory
 * (a stream over it is not opened), and of a zip member compressed with LZMA, xz, zstd or
 * bzip2 while it is read (the streaming reading's members too), and of a 7z archive's coders
 * (archive_7z.c: what a packed header hides is counted when LZMA packs it).
 *
 * Zip tricks (what unzip, 7-Zip, Python and ClamAV open, each reading scanned): a zip with bytes
 * in front (mime_archive_zip_inside: a part of another type whose last 64 KiB hold an
 * end-of-central-directory record is read as an archive too), and zips concatenated. The
 * zip reader finds the central directory at the end (the last zip, prefix allowed, as unzip
 * and Python read it); every other zip found in the bytes (archive_zips.c: the first, which
 * 7-Zip reads, and the middle ones, which 7-Zip's parser splits out) is then read on its own,
 * a reading of the same archive level over its bytes, with the password phase of its own;
 * its members are noted "in the zip at offset N of the bytes". At most MIME_ARCHIVE_ZIPS_MAX
 * zips per part (the last ones kept; past it a limit). When the first local file header
 * belongs to no zip found (a first zip without a directory), a streaming reading walks the
 * local headers from there (as streaming extractors do); its members are jobs that become
 * parts only when their bytes are new (same size and SHA-256: not scanned twice), its
 * encrypted members parts flagged encrypted (their names judged by policy).
 *
 * A member's bytes are read under the limits by archive_member.c. Encrypted members: flagged
 * MSG_PART_ENCRYPTED, then tried with the message's passwords (archive_password.c).
 *
 * Thread safety: one libarchive reader per call, no shared state.
 */

#include "mime/archive.h"
#include "mime/archive_private.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

bool mime_archive_type(enum ftype type)
{
	switch (type) {
	case FTYPE_ZIP:
	case FTYPE_JAR:
	case FTYPE_APK:
	case FTYPE_OOXML:
	case FTYPE_DOCX:
	case FTYPE_XLSX:
	case FTYPE_PPTX:
	case FTYPE_ODF:
	case FTYPE_RAR:
	case FTYPE_7Z:
	case FTYPE_GZIP:
	case FTYPE_BZIP2:
	case FTYPE_XZ:
	case FTYPE_ZSTD:
	case FTYPE_LZMA:
	case FTYPE_COMPRESS:
	case FTYPE_LZIP:
	case FTYPE_LZ4:
	case FTYPE_CAB:
	case FTYPE_CPIO:
	case FTYPE_TAR:
	case FTYPE_ISO:
	case FTYPE_UDF:
		return true;
	default:
		return false;
	}
}

/* The libarchive filter of a compressed stream's type; ARCHIVE_FILTER_NONE for the others. */
int mime_archive_filter(enum ftype type)
{
	switch (type) {
	case FTYPE_GZIP:
		return ARCHIVE_FILTER_GZIP;
	case FTYPE_BZIP2:
		return ARCHIVE_FILTER_BZIP2;
	case FTYPE_XZ:
		return ARCHIVE_FILTER_XZ;
	case FTYPE_ZSTD:
		return ARCHIVE_FILTER_ZSTD;
	case FTYPE_LZMA:
		return ARCHIVE_FILTER_LZMA;
	case FTYPE_COMPRESS:
		return ARCHIVE_FILTER_COMPRESS;
	case FTYPE_LZIP:
		return ARCHIVE_FILTER_LZIP;
	case FTYPE_LZ4:
		return ARCHIVE_FILTER_LZ4;
	default:
		return ARCHIVE_FILTER_NONE;
	}
}

static bool arch_stream_type(enum ftype type)
{
	return mime_archive_filter(type) != ARCHIVE_FILTER_NONE;
}

/* A reader over the container; NULL with *error_r set (g_free it) when it cannot be opened. */
struct archive *mime_archive_open(const struct arch *st, const char *passphrase, char **error_r)
{
	struct archive *a = archive_read_new();

	*error_r = NULL;
	if (a == NULL) {
		*error_r = g_strdup("out of memory");
		return NULL;
	}
	/*
	 * The one filter of the part's type, not libarchive's bidding, which stacks every filter
	 * it recognises (xz in xz in xz ... in one reader): a stream inside is a member, read
	 * by a reader of its own whose decoder memory is counted (max_decoder_memory).
	 * compress is the exception: its reader reads the stream's header when it is set up,
	 * which an appended filter has no stream for yet (libarchive 3.6 crashes), so it bids;
	 * a compress stream it would stack inside is refused after the open (below).
	 */
	if (st->filter == ARCHIVE_FILTER_COMPRESS) {
		archive_read_support_filter_compress(a);
	} else if (st->filter != ARCHIVE_FILTER_NONE &&
	           archive_read_append_filter(a, st->filter) != ARCHIVE_OK) {
		const char *e = archive_error_string(a);

		*error_r = g_strdup(e != NULL ? e : "filter not supported");
		archive_read_free(a);
		return NULL;
	}
	if (st->raw) {
		archive_read_support_format_raw(a);
	} else if (st->streaming) {
		archive_read_support_format_zip_streamable(a);
	} else {
		archive_read_support_format_zip(a);
		archive_read_support_format_7zip(a);
		archive_read_support_format_rar(a);
		archive_read_support_format_rar5(a);
		archive_read_support_format_tar(a);
		archive_read_support_format_cpio(a);
		archive_read_support_format_iso9660(a);
		archive_read_support_format_cab(a);
	}
	if (passphrase != NULL)
		archive_read_add_passphrase(a, passphrase);
	if (archive_read_open_memory(a, st->data + (st->streaming ? st->stream_from : 0),
	                             st->len - (st->streaming ? st->stream_from : 0)) !=
	    ARCHIVE_OK) {
		const char *e = archive_error_string(a);

		*error_r = g_strdup(e != NULL ? e : "unrecognized format");
		archive_read_free(a);
		return NULL;
	}
	if (st->raw && archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE) {
		*error_r = g_strdup("not a compressed stream of a known kind");
		archive_read_free(a);
		return NULL;
	}
	if (st->filter != ARCHIVE_FILTER_NONE && archive_filter_count(a) != 2) {
		*error_r = g_strdup("a compressed stream inside it in the same reader");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* The tag of member paths: "zip", "7z", ..., for a raw stream its filter ("gz", "bz2"). */
static const char *arch_fmt(struct archive *a)
{
	switch (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) {
	case ARCHIVE_FORMAT_ZIP:
		return "zip";
	case ARCHIVE_FORMAT_7ZIP:
		return "7z";
	case ARCHIVE_FORMAT_RAR:
	case ARCHIVE_FORMAT_RAR_V5:
		return "rar";
	case ARCHIVE_FORMAT_TAR:
		return "tar";
	case ARCHIVE_FORMAT_CPIO:
		return "cpio";
	case ARCHIVE_FORMAT_ISO9660:
		return "iso";
	case ARCHIVE_FORMAT_CAB:
		return "cab";
	case ARCHIVE_FORMAT_RAW:
		break;
	default:
		return "archive";
	}
	switch (archive_filter_code(a, 0)) {
	case ARCHIVE_FILTER_GZIP:
		return "gz";
	case ARCHIVE_FILTER_BZIP2:
		return "bz2";
	case ARCHIVE_FILTER_XZ:
		return "xz";
	case ARCHIVE_FILTER_LZMA:
		return "lzma";
	case ARCHIVE_FILTER_ZSTD:
		return "zst";
	case ARCHIVE_FILTER_COMPRESS:
		return "Z";
	case ARCHIVE_FILTER_LZIP:
		return "lz";
	case ARCHIVE_FILTER_LZ4:
		return "lz4";
	default:
		return "raw";
	}
}

/* Valid UTF-8, at most MIME_ARCHIVE_NAME_MAX bytes, control characters as '?'. */
char *mime_archive_clean_name(const char *s)
{
	size_t n = strlen(s);
	char *valid, *cut;

	if (n > MIME_ARCHIVE_NAME_MAX)
		n = MIME_ARCHIVE_NAME_MAX;
	cut = g_strndup(s, n);
	valid = g_utf8_make_valid(cut, -1);
	g_free(cut);
	if (strlen(valid) > MIME_ARCHIVE_NAME_MAX) /* replacement characters are 3 bytes */
		*g_utf8_find_prev_char(valid, valid + MIME_ARCHIVE_NAME_MAX + 1) = '\0';
	for (char *p = valid; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	return valid;
}

/* A raw stream's member is named after the container: "a.exe.gz" -> "a.exe", "b.tgz" -> "b.tar". */
static char *arch_raw_name(const char *container)
{
	static const char *const sfx[][2] = {{".tgz", ".tar"}, {".tbz2", ".tar"}, {".tbz", ".tar"},
	                                     {".txz", ".tar"}, {".tzst", ".tar"}, {".tlz", ".tar"},
	                                     {".taz", ".tar"}, {".gz", ""},       {".bz2", ""},
	                                     {".xz", ""},      {".zst", ""},      {".lzma", ""},
	                                     {".lz", ""},      {".z", ""},        {".lz4", ""}};
	const char *base;
	size_t n;

	if (container == NULL)
		return NULL;
	base = strrchr(container, '/') != NULL ? strrchr(container, '/') + 1 : container;
	n = strlen(base);
	for (size_t i = 0; i < G_N_ELEMENTS(sfx); i++) {
		size_t k = strlen(sfx[i][0]);

		if (n > k && g_ascii_strcasecmp(base + n - k, sfx[i][0]) == 0)
			return g_strdup_printf("%.*s%s", (int)(n - k), base, sfx[i][1]);
	}
	return NULL;
}

/* The part of a member, or -1 when max_parts is reached. */
static int arch_child(struct arch *st, struct archive *a, struct archive_entry *e)
{
	struct msg_part *p = mime_part_at(st->ctx, st->idx);
	const char *fmt = arch_fmt(a), *s;
	char *name = NULL, *path;
	struct msg_part *c;
	int child;

	if (st->raw) {
		name = arch_raw_name(p->name);
	} else {
		s = archive_entry_pathname_utf8(e);
		if (s == NULL)
			s = archive_entry_pathname(e);
		if (s != NULL && *s != '\0')
			name = mime_archive_clean_name(s);
	}
	/* a file with data that libarchive took for a directory: named as it is extracted */
	while (name != NULL && g_str_has_suffix(name, "/") && name[1] != '\0')
		name[strlen(name) - 1] = '\0';
	if (name != NULL)
		path = g_strdup_printf("%s/%s:%s", p->path, fmt, name);
	else if (st->raw)
		path = g_strdup_printf("%s/%s:data", p->path, fmt);
	else
		path = g_strdup_printf("%s/%s:#%u", p->path, fmt, st->entries);
	child = mime_part_new(st->ctx, path, st->idx, p->depth + 1);
	g_free(path);
	if (child < 0) {
		g_free(name);
		return -1;
	}
	c = mime_part_at(st->ctx, child);
	c->name = name;
	c->content_type = g_strdup("application/octet-stream");
	c->disposition = g_strdup("attachment");
	c->encoding = g_strdup(fmt);
	c->encoded_size = st->raw ? st->len : 0;
	c->flags |= MSG_PART_ARCHIVE_MEMBER;
	if (st->slice)
		mime_part_flag(c, 0, "in the zip at offset %" G_GUINT64_FORMAT " of the bytes",
		               st->at);
	return child;
}

/*
 * Flag an archive limit on the member (if any) and on the container, whose other members are
 * not read (a compressed stream has no other member), and stop the archive.
 */
void mime_archive_limit(struct arch *st, int child, const char *what)
{
	struct msg_part *p = mime_part_at(st->ctx, st->idx);

	if (child >= 0)
		mime_part_flag(mime_part_at(st->ctx, child), MSG_PART_LIMIT, "%s", what);
	if (child < 0 || !st->raw)
		mime_part_flag(p, MSG_PART_LIMIT, "%s", what);
	mime_limit(st->ctx, MSG_LIMIT_ARCHIVE, "part %s: %s", p->path, what);
	st->stop = true;
}

/*
 * A symbolic link: its target text is what a zip stores as the member's data (libarchive
 * hands it over as the link target) and what some extractors (7-Zip on Windows) write as a
 * file, so it is a member with those bytes, typed, hashed and listed; the link is never
 * followed. false when max_parts is reached.
 */
static bool arch_symlink(struct arch *st, struct archive *a, struct archive_entry *e)
{
	const char *target = archive_entry_symlink(e);
	struct mime_ctx *ctx = st->ctx;
	struct msg_part *c;
	size_t n, grant;
	int child;

	if (target == NULL)
		target = "";
	child = arch_child(st, a, e);
	if (child < 0)
		return false;
	c = mime_part_at(ctx, child);
	mime_part_flag(c, 0, "symbolic link: its target scanned as its bytes, not followed");
	n = strlen(target);
	grant = mime_bytes_budget(ctx, c, MIME_RES_BYTES, n, NULL);
	if (grant < n) {
		if (grant == 0) {
			st->stop = true;
			return true;
		}
		mime_part_flag(c, MSG_PART_TRUNCATED, "only the first %zu bytes scanned", grant);
		n = grant;
	}
	ctx->use.decoded += n;
	mime_archive_member_job(st, child, g_bytes_new(target, n));
	return true;
}

/*
 * An entry whose bytes a reader extracts: a regular file, and any other entry with bytes but
 * a symbolic link (read before) or a hard link. Zip, RAR and 7z written on Unix give each
 * entry a mode that libarchive takes as it is, while unzip, Python, 7-Zip and WinRAR extract
 * a file from an entry with data: a mode without its type bits came out as no type at all,
 * one saying directory (or a DOS directory attribute) as a directory, and the file was
 * skipped unseen. The directories of ISO 9660 have a size of their own: not read.
 */
static bool arch_content(struct archive *a, struct archive_entry *e)
{
	bool bytes = !archive_entry_size_is_set(e) || archive_entry_size(e) > 0;

	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		return true;
	case AE_IFDIR:
		return bytes &&
		       (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_ISO9660;
	default:
		return bytes && archive_entry_hardlink(e) == NULL;
	}
}

/* The next entries of the archive, as parts, up to a member handed back; false at the end. */
static bool arch_walk(struct arch *st, struct archive *a)
{
	struct mime_ctx *ctx = st->ctx;
	struct archive_entry *e;
	guint before = st->jobs->len;
	int r;

	while (!st->stop && ctx->error == NULL && st->jobs->len == before) {
		struct mime_use use;
		int child;

		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		use = mime_archive_use(st);
		if (mime_jobs_budget(&ctx->lim, &use, MIME_RES_MEMBERS, 1, NULL) !=
		    MIME_BOUND_NONE) {
			char *what =
			        g_strdup_printf("max_archive_members: more than %u entries: the "
			                        "rest is not read",
			                        ctx->lim.max_archive_members);

			mime_archive_limit(st, -1, what);
			g_free(what);
			break;
		}
		st->entries++;
		if (r < ARCHIVE_WARN) {
			const char *why = archive_error_string(a);
			struct msg_part *p = mime_part_at(ctx, st->idx);

			if (st->entries == 1 && (archive_read_has_encrypted_entries(a) > 0 ||
			                         (p->scan.type.flags & FTYPE_FLAG_ENCRYPTED)))
				mime_part_flag(
				        p, MSG_PART_ENCRYPTED,
				        "encrypted archive: its list of members cannot be read");
			else
				mime_part_flag(p, MSG_PART_OPAQUE,
				               "unreadable %s after %u entries: %s", arch_fmt(a),
				               st->entries - 1, why != NULL ? why : "error");
			if (r == ARCHIVE_FATAL)
				break;
			continue;
		}
		mime_archive_cd_note(st, a, e);
		if (archive_entry_filetype(e) == AE_IFLNK) {
			if (!arch_symlink(st, a, e))
				break;
			continue;
		}
		if (!arch_content(a, e))
			continue;
		if (st->streaming && mime_archive_stream_member(st, a, e))
			continue;
		child = arch_child(st, a, e);
		if (child < 0)
			break; /* max_parts: flagged by mime_part_new */
		if (archive_entry_is_data_encrypted(e) && st->streaming)
			mime_part_flag(mime_part_at(ctx, child), MSG_PART_ENCRYPTED,
			               "encrypted (in the first zip of the bytes: not tried with "
			               "passwords)");
		else if (archive_entry_is_data_encrypted(e))
			mime_archive_lock(st, a, child);
		else
			mime_archive_read(st, a, e, child, false);
	}
	return st->jobs->len > before;
}

/* The entries are read: a stream read as an archive after all, an image with no file. */
static void arch_entries_end(struct arch *st)
{
	struct msg_part *p = mime_part_at(st->ctx, st->idx);
	char *error;

	archive_read_free(st->a);
	st->a = NULL;
	if (st->streaming) {
		st->streaming = false; /* the passwords are tried with the ordinary reading */
		return;
	}
	if (st->stream_wanted && !st->stop) {
		st->stream_wanted = false;
		st->streaming = true;
		st->a = mime_archive_open(st, NULL, &error);
		g_free(error);
		if (st->a != NULL)
			return;
		st->streaming = false;
	}
	if (!st->raw && st->entries == 0 && arch_stream_type(p->scan.type.type)) {
		/* no entry: not an archive after all (zeros read as an empty tar), the stream */
		st->raw = true;
		st->a = mime_archive_open(st, NULL, &error);
		g_free(error);
		if (st->a != NULL)
			return;
	}
	if (st->entries == 0 && (p->scan.type.type == FTYPE_UDF || p->scan.type.type == FTYPE_ISO))
		mime_part_flag(p, MSG_PART_OPAQUE, "%s image: no file found (UDF is not read)",
		               ftype_name(p->scan.type.type));
}

static const struct mime_reader arch_slice_reader;

/* The other zips of the bytes: each a reading of its own at the same archive level. */
static void arch_slices(struct arch *st)
{
	struct mime_ctx *ctx = st->ctx;

	for (guint i = 0; i < st->n_zips && !st->stop && ctx->error == NULL; i++) {
		const struct mime_archive_zip *z = &st->zips[i];
		struct mime_work *w =
		        mime_work_new(g_bytes_new_from_bytes(st->hold, z->start, z->end - z->start),
		                      MIME_FROM_PART, MIME_ENC_RAW, st->idx);

		w->reader = &arch_slice_reader;
		w->begin = z->start;
		if (ctx->job != NULL)
			w->use = ctx->job->use; /* the container's level: a sibling reading */
		w->keep_use = true;
		g_ptr_array_add(st->jobs, w);
	}
	st->n_zips = 0;
}

static int arch_next(void *state, GPtrArray *children)
{
	struct arch *st = state;

	st->jobs = children;
	while (st->a != NULL) {
		if (arch_walk(st, st->a))
			return 1;
		arch_entries_end(st);
	}
	/* the members of a zip as its central directory lists them (unzip, Python's zipfile) */
	if (mime_archive_cd(st))
		return 1;
	if (mime_archive_unlock(st))
		return 1;
	if (st->n_zips == 0)
		return 0;
	arch_slices(st);
	return 1;
}

static void arch_close(void *state)
{
	struct arch *st = state;

	if (st->a != NULL)
		archive_read_free(st->a);
	if (st->ua != NULL)
		archive_read_free(st->ua);
	g_array_free(st->locked, TRUE);
	g_free(st->zips);
	if (st->read_keys != NULL)
		g_hash_table_destroy(st->read_keys);
	st->ctx->use.decoder_memory -= st->decoder_memory;
	g_bytes_unref(st->hold);
	g_free(st);
}

static void *arch_open_common(struct mime_ctx *ctx, int idx, GBytes *bytes, bool slice)
{
	struct msg_part *p = mime_part_at(ctx, idx);
	enum ftype t = p->scan.type.type;
	struct arch st0 = {.ctx = ctx, .idx = idx}, *st;
	struct mime_use use = mime_jobs_use(ctx);
	struct archive *a;
	char *error;

	if (t == FTYPE_ARJ || t == FTYPE_ACE) {
		mime_part_flag(p, MSG_PART_OPAQUE, "%s archive: no reader, contents not scanned",
		               ftype_name(t));
		return NULL;
	}
	if (!mime_expand_depth_ok(ctx, p))
		return NULL;
	st0.data = g_bytes_get_data(bytes, &st0.len);
	if (mime_jobs_budget(&ctx->lim, &use, MIME_RES_ARCHIVE_DEPTH, 1, NULL) != MIME_BOUND_NONE) {
		char *what =
		        g_strdup_printf("max_archive_depth: archive nested deeper than %u: not "
		                        "opened",
		                        ctx->lim.max_archive_depth);

		mime_archive_limit(&st0, -1, what);
		g_free(what);
		return NULL;
	}
	if (!slice && !mime_archive_memory_ok(&st0, t))
		return NULL;
	st0.filter = slice ? ARCHIVE_FILTER_NONE : mime_archive_filter(t);
	a = mime_archive_open(&st0, NULL, &error);
	if (a == NULL && arch_stream_type(t)) {
		g_free(error);
		st0.raw = true;
		a = mime_archive_open(&st0, NULL, &error);
	}
	if (a == NULL) {
		mime_part_flag(p, MSG_PART_OPAQUE, "%s contents could not be read: %s",
		               ftype_name(t), error);
		g_free(error);
		return NULL;
	}
	p->flags |= MSG_PART_CONTAINER;
	if (!st0.raw && (!mime_archive_type(t) || t == FTYPE_ZIP || t == FTYPE_JAR ||
	                 t == FTYPE_APK || t == FTYPE_OOXML || t == FTYPE_DOCX || t == FTYPE_XLSX ||
	                 t == FTYPE_PPTX || t == FTYPE_ODF)) {
		if (!slice)
			mime_archive_find_zips(&st0, ctx);
		/* the members its central directory lists are read too, and scanned once
		   (archive_cd.c) */
		st0.cd_wanted = true;
		ctx->dedupe = true;
	}
	st = g_memdup2(&st0, sizeof(st0));
	st->hold = g_bytes_ref(bytes);
	st->a = a;
	st->locked = g_array_new(FALSE, FALSE, sizeof(struct arch_locked));
	if (slice) {
		st->slice = true;
		st->at = ctx->job != NULL ? ctx->job->begin : 0;
	}
	ctx->use.decoder_memory += st->decoder_memory;
	mime_jobs_level(ctx);
	return st;
}

static void *arch_reader_open(struct mime_ctx *ctx, int idx, GBytes *bytes)
{
	return arch_open_common(ctx, idx, bytes, false);
}

static void *arch_slice_open(struct mime_ctx *ctx, int idx, GBytes *bytes)
{
	return arch_open_common(ctx, idx, bytes, true);
}

const struct mime_reader mime_archive_reader = {"archive", arch_reader_open, arch_next, arch_close};
static const struct mime_reader arch_slice_reader = {"zip", arch_slice_open, arch_next, arch_close};
