/*
 * sigdb_snapshot: the compiled form of a sigdb, opened with no parsing.
 *
 * Layout (little-endian, 8-aligned sections):
 *   header      magic "PSCANSDB", format version, byte-order mark, file size, checksum,
 *               flevel, creation time, source count, section table
 *   sources     fixed-size provenance records (strings by offset into "strings")
 *   strings     NUL-terminated paths, names, versions
 *   names       the signature name pool, exactly as in memory
 *   tables      the sorted record tables, exactly as in memory: MD5, SHA-1, SHA-256 of whole
 *               parts, then of PE sections, then of PE import lists
 * The checksum (a 64-bit multiply-rotate hash over the whole file, checksum field zeroed)
 * catches truncation and corruption; every offset and length is checked against the file
 * before use, so a damaged file gives a clear error, never a crash. Opening costs one read of
 * the file into private memory and one pass of the checksum. The file is not mapped: a
 * shared mapping would let a `cp` over the file change the signatures under running scans
 * and a `truncate` kill the process with SIGBUS. The writer replaces the file by rename
 * only, so a reader sees the old file or the new one.
 */

#include "engine/sigdb_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SNAP_MAGIC   "PSCANSDB"
#define SNAP_VERSION 3 /* 2: container fields in the sources; 3: PE section and import tables */
#define SNAP_BOM     0x01020304u
#define SNAP_NONE    UINT32_MAX

enum {
	SNAP_SOURCES,
	SNAP_STRINGS,
	SNAP_NAMES,
	SNAP_TABLES,
	SNAP__SECTS = SNAP_TABLES + SIGDB_N_TABLES
};

struct snap_section {
	uint64_t off;
	uint64_t len;
	uint64_t extra; /* tables: trailing `*` records */
};

struct snap_header {
	char magic[8];
	uint32_t version;
	uint32_t bom;
	uint64_t file_size;
	uint64_t checksum;
	uint32_t flevel;
	uint32_t n_sources;
	int64_t created;
	struct snap_section sect[SNAP__SECTS];
	uint64_t reserved[4];
};

struct snap_source {
	uint32_t path, name, version, first_error; /* offsets into strings, SNAP_NONE = NULL */
	uint32_t format, refused;
	int64_t mtime;
	uint64_t size;
	uint32_t counts[SIGDB_KIND__COUNT][DIGEST__COUNT];
	uint32_t star[DIGEST__COUNT];
	uint32_t lines, bad_lines, skipped_flevel, skipped_pua, ignored, ign_entries, unused;
	uint32_t pool_begin, pool_end, reserved;
	/* containers (version 2) */
	uint32_t container, cvd_name, verify_detail, reject_reason, unused_detail;
	uint32_t cvd_version, cvd_sigs, cvd_flevel, verify, flags; /* SNAP_REJECTED ... */
	int64_t built;
};

#define SNAP_REJECTED   1u
#define SNAP_SUPERSEDED 2u

G_STATIC_ASSERT(sizeof(struct snap_source) == 176);

/* ---- checksum ---- */

#define CK_P1 0x9E3779B185EBCA87ull
#define CK_P2 0xC2B2AE3D27D4EB4Full
#define CK_P3 0x165667B19E3779F9ull

static inline uint64_t ck_rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t snap_checksum(uint64_t seed, const unsigned char *p, size_t n)
{
	uint64_t v[4] = {seed + CK_P1, seed + CK_P2, seed, seed - CK_P1}, h, w;
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		for (int k = 0; k < 4; k++) {
			memcpy(&w, p + i + 8 * k, 8);
			v[k] = ck_rotl(v[k] + w * CK_P2, 31) * CK_P1;
		}
	}
	h = ck_rotl(v[0], 1) + ck_rotl(v[1], 7) + ck_rotl(v[2], 12) + ck_rotl(v[3], 18);
	for (; i < n; i++)
		h = ck_rotl(h ^ (p[i] * CK_P3), 11) * CK_P1;
	h ^= (uint64_t)n;
	h ^= h >> 33;
	h *= CK_P2;
	h ^= h >> 29;
	h *= CK_P3;
	h ^= h >> 32;
	return h;
}

static uint64_t snap_file_checksum(const unsigned char *file, size_t size)
{
	struct snap_header hdr;

	memcpy(&hdr, file, sizeof(hdr));
	hdr.checksum = 0;
	return snap_checksum(snap_checksum(0, (const unsigned char *)&hdr, sizeof(hdr)),
	                     file + sizeof(hdr), size - sizeof(hdr));
}

bool sigdb_is_snapshot(const char *path)
{
	char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ret;

	if (fd < 0)
		return false;
	ret = read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
	      memcmp(magic, SNAP_MAGIC, 8) == 0;
	close(fd);
	return ret;
}

/* ---- writing ---- */

static uint32_t snap_string(GString *strings, const char *s)
{
	uint32_t off;

	if (s == NULL)
		return SNAP_NONE;
	off = (uint32_t)strings->len;
	g_string_append_len(strings, s, (gssize)strlen(s) + 1);
	return off;
}

static void snap_put_source(GByteArray *out, GString *strings, const struct sigdb_source *s)
{
	struct snap_source r = {0};

	r.path = snap_string(strings, s->path);
	r.name = snap_string(strings, s->name);
	r.version = snap_string(strings, s->version);
	r.first_error = snap_string(strings, s->first_error);
	r.format = (uint32_t)s->format;
	r.refused = s->refused;
	r.mtime = s->mtime;
	r.size = s->size;
	memcpy(r.counts, s->counts, sizeof(r.counts));
	memcpy(r.star, s->star, sizeof(r.star));
	r.lines = s->lines;
	r.bad_lines = s->bad_lines;
	r.skipped_flevel = s->skipped_flevel;
	r.skipped_pua = s->skipped_pua;
	r.ignored = s->ignored;
	r.ign_entries = s->ign_entries;
	r.unused = s->unused;
	r.pool_begin = s->pool_begin;
	r.pool_end = s->pool_end;
	r.container = snap_string(strings, s->container);
	r.cvd_name = snap_string(strings, s->cvd_name);
	r.verify_detail = snap_string(strings, s->verify_detail);
	r.reject_reason = snap_string(strings, s->reject_reason);
	r.unused_detail = snap_string(strings, s->unused_detail);
	r.cvd_version = s->cvd_version;
	r.cvd_sigs = s->cvd_sigs;
	r.cvd_flevel = s->cvd_flevel;
	r.verify = (uint32_t)s->verify;
	r.flags = (s->rejected ? SNAP_REJECTED : 0) | (s->superseded ? SNAP_SUPERSEDED : 0);
	r.built = s->built;
	g_byte_array_append(out, (const guint8 *)&r, sizeof(r));
}

static void snap_append_section(GByteArray *file, struct snap_section *sect, const void *data,
                                size_t len)
{
	static const guint8 zeros[8];

	sect->off = file->len;
	sect->len = len;
	g_byte_array_append(file, data, (guint)len);
	if (file->len % 8 != 0)
		g_byte_array_append(file, zeros, 8 - file->len % 8);
}

static int snap_write_file(const char *path, const guint8 *data, size_t len, GError **error)
{
	char *tmp = g_strdup_printf("%s.tmpXXXXXX", path);
	int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
	size_t done = 0;

	if (fd < 0)
		goto fail;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		done += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	g_free(tmp);
	return 0;
fail:
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path,
	            g_strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	g_free(tmp);
	return -1;
}

int sigdb_compile(const struct sigdb *db, const char *path, GError **error)
{
	struct snap_header hdr = {0};
	GByteArray *file, *sources;
	GString *strings;
	struct stat st;
	uint64_t ck;
	int ret;

	/* the file is replaced by rename: never do that to a device, a pipe or a directory */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s: exists and is not a regular file", path);
		return -1;
	}
	file = g_byte_array_new();
	sources = g_byte_array_new();
	strings = g_string_new(NULL);
	for (size_t i = 0; i < db->n_sources; i++)
		snap_put_source(sources, strings, &db->sources[i]);
	g_byte_array_set_size(file, sizeof(hdr));
	snap_append_section(file, &hdr.sect[SNAP_SOURCES], sources->data, sources->len);
	snap_append_section(file, &hdr.sect[SNAP_STRINGS], strings->str, strings->len);
	snap_append_section(file, &hdr.sect[SNAP_NAMES], db->names, db->names_len);
	for (int t = 0; t < SIGDB_N_TABLES; t++) {
		const struct sigdb_table *tab = &db->tables[t];

		snap_append_section(file, &hdr.sect[SNAP_TABLES + t], tab->recs,
		                    tab->count * tab->rec_size);
		hdr.sect[SNAP_TABLES + t].extra = tab->star;
	}
	memcpy(hdr.magic, SNAP_MAGIC, 8);
	hdr.version = SNAP_VERSION;
	hdr.bom = SNAP_BOM;
	hdr.file_size = file->len;
	hdr.flevel = db->flevel;
	hdr.n_sources = (uint32_t)db->n_sources;
	hdr.created = (int64_t)time(NULL);
	memcpy(file->data, &hdr, sizeof(hdr));
	ck = snap_file_checksum(file->data, file->len);
	memcpy(file->data + offsetof(struct snap_header, checksum), &ck, sizeof(ck));

	ret = snap_write_file(path, file->data, file->len, error);
	g_byte_array_free(file, TRUE);
	g_byte_array_free(sources, TRUE);
	g_string_free(strings, TRUE);
	return ret;
}

/* ---- reading ---- */

static int snap_fail(GError **error, const char *path, const char *reason)
{
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a usable snapshot: %s", path,
	            reason);
	return -1;
}

static char *snap_str(const char *strings, size_t len, uint32_t off, bool *bad)
{
	if (off == SNAP_NONE)
		return NULL;
	if (off >= len) {
		*bad = true;
		return NULL;
	}
	return g_strdup(strings + off);
}

static void snap_read_container(struct sigdb_source *s, const struct snap_source *r,
                                const char *strings, size_t len, bool *bad)
{
	s->container = snap_str(strings, len, r->container, bad);
	s->cvd_name = snap_str(strings, len, r->cvd_name, bad);
	s->verify_detail = snap_str(strings, len, r->verify_detail, bad);
	s->reject_reason = snap_str(strings, len, r->reject_reason, bad);
	s->unused_detail = snap_str(strings, len, r->unused_detail, bad);
	s->cvd_version = r->cvd_version;
	s->cvd_sigs = r->cvd_sigs;
	s->cvd_flevel = r->cvd_flevel;
	s->verify =
	        r->verify < SIGDB_VERIFY__COUNT ? (enum sigdb_verify)r->verify : SIGDB_VERIFY_NONE;
	s->rejected = (r->flags & SNAP_REJECTED) != 0;
	s->superseded = (r->flags & SNAP_SUPERSEDED) != 0;
	s->built = r->built;
	if (r->verify >= SIGDB_VERIFY__COUNT ||
	    (r->flags & ~(SNAP_REJECTED | SNAP_SUPERSEDED)) != 0)
		*bad = true;
}

static int snap_read_sources(struct sigdb *db, const unsigned char *file,
                             const struct snap_header *hdr)
{
	const struct snap_section *ss = &hdr->sect[SNAP_SOURCES];
	const struct snap_section *st = &hdr->sect[SNAP_STRINGS];
	const char *strings = (const char *)file + st->off;
	bool bad = false;

	if (ss->len != (uint64_t)hdr->n_sources * sizeof(struct snap_source))
		return -1;
	if (st->len > 0 && strings[st->len - 1] != '\0')
		return -1;
	db->n_sources = hdr->n_sources;
	db->sources = g_new0(struct sigdb_source, db->n_sources);
	for (size_t i = 0; i < db->n_sources; i++) {
		struct snap_source r;
		struct sigdb_source *s = &db->sources[i];

		memcpy(&r, file + ss->off + i * sizeof(r), sizeof(r));
		s->path = snap_str(strings, st->len, r.path, &bad);
		s->name = snap_str(strings, st->len, r.name, &bad);
		s->version = snap_str(strings, st->len, r.version, &bad);
		s->first_error = snap_str(strings, st->len, r.first_error, &bad);
		s->format = r.format < SIGDB_FORMAT__COUNT ? (enum sigdb_format)r.format
		                                           : SIGDB_FORMAT_UNKNOWN;
		s->refused = r.refused != 0;
		s->mtime = r.mtime;
		s->size = r.size;
		memcpy(s->counts, r.counts, sizeof(s->counts));
		memcpy(s->star, r.star, sizeof(s->star));
		s->lines = r.lines;
		s->bad_lines = r.bad_lines;
		s->skipped_flevel = r.skipped_flevel;
		s->skipped_pua = r.skipped_pua;
		s->ignored = r.ignored;
		s->ign_entries = r.ign_entries;
		s->unused = r.unused;
		s->pool_begin = r.pool_begin;
		s->pool_end = r.pool_end;
		snap_read_container(s, &r, strings, st->len, &bad);
		if (s->path == NULL || s->name == NULL || r.pool_begin > r.pool_end ||
		    (i > 0 && r.pool_begin < db->sources[i - 1].pool_end))
			bad = true;
	}
	return bad ? -1 : 0;
}

static const char *snap_check(const unsigned char *file, size_t size, const struct snap_header *hdr)
{
	static const size_t rec_sizes[DIGEST__COUNT] = {24, 28, 40};

	if (hdr->version != SNAP_VERSION)
		return "unsupported snapshot format version (recompile it with this partscan)";
	if (hdr->bom != SNAP_BOM)
		return "written on a machine of the other byte order";
	if (hdr->file_size > size)
		return "truncated (shorter than its header says)";
	if (hdr->file_size < size)
		return "trailing bytes after the end its header gives";
	if (snap_file_checksum(file, size) != hdr->checksum)
		return "checksum mismatch (the file is corrupt)";
	for (int i = 0; i < SNAP__SECTS; i++) {
		const struct snap_section *s = &hdr->sect[i];

		if (s->off < sizeof(*hdr) || s->off % 8 != 0 || s->off > size ||
		    s->len > size - s->off)
			return "a section lies outside the file";
	}
	for (int t = 0; t < SIGDB_N_TABLES; t++) {
		const struct snap_section *s = &hdr->sect[SNAP_TABLES + t];
		size_t rs = rec_sizes[SIGDB_TABLE_TYPE(t)];

		if (s->len % rs != 0 || s->extra > s->len / rs)
			return "a signature table has a bad length";
	}
	if (hdr->sect[SNAP_NAMES].len > UINT32_MAX ||
	    (hdr->sect[SNAP_NAMES].len > 0 &&
	     file[hdr->sect[SNAP_NAMES].off + hdr->sect[SNAP_NAMES].len - 1] != '\0'))
		return "the name pool is damaged";
	return NULL;
}

/* Read the whole file into *buf_r; the file must keep its stamp while it is read. */
static int snap_read_all(const char *path, void **buf_r, struct sigdb_stamp *stamp_r,
                         GError **error)
{
	struct stat st, after;
	unsigned char *buf = NULL;
	size_t size, done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*buf_r = NULL;
	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail_errno;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return snap_fail(error, path, "not a regular file");
	}
	if ((uint64_t)st.st_size < sizeof(struct snap_header)) {
		close(fd);
		return snap_fail(error, path, "truncated (shorter than a header)");
	}
	if ((uint64_t)st.st_size > SIZE_MAX / 2 ||
	    (buf = g_try_malloc((size_t)st.st_size)) == NULL) {
		close(fd);
		return snap_fail(error, path, "too large for memory");
	}
	size = (size_t)st.st_size;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (done < size) {
		ssize_t n = read(fd, buf + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail_errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	/* rewritten, truncated or grown meanwhile: the bytes may be a mixture */
	if (done != size || fstat(fd, &after) < 0 || after.st_size != st.st_size ||
	    after.st_mtim.tv_sec != st.st_mtim.tv_sec ||
	    after.st_mtim.tv_nsec != st.st_mtim.tv_nsec ||
	    after.st_ctim.tv_sec != st.st_ctim.tv_sec ||
	    after.st_ctim.tv_nsec != st.st_ctim.tv_nsec) {
		close(fd);
		g_free(buf);
		return snap_fail(error, path, "changed while it was read (write it by rename)");
	}
	close(fd);
	sigdb_stamp_from_stat(&st, stamp_r);
	*buf_r = buf;
	return 0;
fail_errno:
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path,
	            g_strerror(errno));
	if (fd >= 0)
		close(fd);
	g_free(buf);
	return -1;
}

int sigdb_open_snapshot(const char *path, struct sigdb **db_r, GError **error)
{
	struct snap_header hdr;
	struct sigdb_stamp stamp;
	const unsigned char *file;
	const char *reason;
	struct sigdb *db;
	void *base;

	*db_r = NULL;
	if (snap_read_all(path, &base, &stamp, error) < 0)
		return -1;
	file = base;
	memcpy(&hdr, file, sizeof(hdr));
	reason = memcmp(hdr.magic, SNAP_MAGIC, 8) != 0 ? "bad magic"
	                                               : snap_check(file, (size_t)stamp.size, &hdr);
	if (reason != NULL) {
		g_free(base);
		return snap_fail(error, path, reason);
	}
	db = sigdb_new_empty();
	db->snap_buf = base;
	db->snapshot_stamp = stamp;
	db->flevel = hdr.flevel;
	db->snapshot_path = g_strdup(path);
	db->names = (char *)file + hdr.sect[SNAP_NAMES].off;
	db->names_len = hdr.sect[SNAP_NAMES].len;
	for (int t = 0; t < SIGDB_N_TABLES; t++) {
		struct sigdb_table *tab = &db->tables[t];
		const struct snap_section *s = &hdr.sect[SNAP_TABLES + t];

		tab->recs = (unsigned char *)file + s->off;
		tab->count = s->len / tab->rec_size;
		tab->star = s->extra;
	}
	if (snap_read_sources(db, file, &hdr) < 0) {
		sigdb_unref(&db);
		return snap_fail(error, path, "the source table is damaged");
	}
	sigdb_count_allow_one(db);
	*db_r = db;
	return 0;
}
