/*
 * cvd: ClamAV container headers and bodies (signatures are in cvd_verify.c).
 *
 * The header is parsed strictly: every numeric field must be a number, the MD5 32 hex digits
 * or absent, the signature of ClamAV's alphabet, text fields printable and short, so that a
 * damaged header is refused with the name of the field. The body is read in memory with
 * libarchive (gzip or plain tar only); members are bounded in number and size before any of
 * their bytes is copied, and only the members the caller keeps are copied at all.
 * Reentrant: no global state.
 */

#include "engine/cvd.h"
#include "engine/field.h"

#include "engine/digest.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK(partscan - cvd - error - quark, cvd_error)

#define CVD_MAX_NAME 255

static const char cvd_alphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";

int cvd_kind_from_name(const char *file_name, enum cvd_kind *kind_r)
{
	const char *dot = strrchr(file_name, '.');

	if (dot == NULL)
		return -1;
	if (g_ascii_strcasecmp(dot, ".cvd") == 0)
		*kind_r = CVD_KIND_CVD;
	else if (g_ascii_strcasecmp(dot, ".cld") == 0)
		*kind_r = CVD_KIND_CLD;
	else if (g_ascii_strcasecmp(dot, ".cud") == 0)
		*kind_r = CVD_KIND_CUD;
	else
		return -1;
	return 0;
}

void cvd_db_name(const char *file_name, char *out, size_t out_len)
{
	const char *base = strrchr(file_name, '/');
	size_t n;

	base = base != NULL ? base + 1 : file_name;
	n = strcspn(base, "-.");
	if (n >= out_len)
		n = out_len - 1;
	memcpy(out, base, n);
	out[n] = '\0';
}

/* ---- header ---- */

static int cvd_bad_field(GError **error, const char *what)
{
	g_set_error(error, CVD_ERROR, CVD_ERROR_FORMAT, "bad header: %s", what);
	return -1;
}

static bool cvd_copy_text(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap || !field_printable(s, len))
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/* The md5 and dsig fields: present, or absent as "" / one placeholder character. */
static int cvd_parse_sums(struct cvd_header *hdr, const char *md5, size_t md5_len, const char *dsig,
                          size_t dsig_len, GError **error)
{
	unsigned char bin[16];

	if (md5_len == 32) {
		if (digest_unhex(md5, 16, bin) < 0)
			return cvd_bad_field(error, "the MD5 field is not hex");
		digest_hex(bin, 16, hdr->md5);
	} else if (md5_len > 1) {
		return cvd_bad_field(error, "the MD5 field is neither 32 hex digits nor absent");
	}
	if (dsig_len > 1) {
		if (dsig_len >= sizeof(hdr->dsig) || strspn(dsig, cvd_alphabet) < dsig_len)
			return cvd_bad_field(error, "the digital signature field is malformed");
		memcpy(hdr->dsig, dsig, dsig_len);
		hdr->dsig[dsig_len] = '\0';
	}
	return 0;
}

int cvd_header_parse(const char *text, size_t len, struct cvd_header *hdr, GError **error)
{
	const char *f[10];
	size_t fl[10], nf = 0, start = 0;
	uint64_t v;

	memset(hdr, 0, sizeof(*hdr));
	/* the padding: spaces (ClamAV's), NULs, line ends (a .info line) */
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\0' || text[len - 1] == '\n' ||
	                   text[len - 1] == '\r' || text[len - 1] == '\t'))
		len--;
	if (len < 11 || memcmp(text, "ClamAV-VDB:", 11) != 0) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_FORMAT,
		            "not a ClamAV container (no ClamAV-VDB header)");
		return -1;
	}
	if (!field_printable(text, len))
		return cvd_bad_field(error, "control characters inside the header");
	while (nf < G_N_ELEMENTS(f)) {
		const char *colon = memchr(text + start, ':', len - start);
		size_t end = colon != NULL ? (size_t)(colon - text) : len;

		f[nf] = text + start;
		fl[nf++] = end - start;
		if (colon == NULL)
			break;
		start = end + 1;
	}
	if (nf < 8 || nf > 9)
		return cvd_bad_field(error, "expected 9 ':'-separated fields");
	if (!cvd_copy_text(hdr->time, sizeof(hdr->time), f[1], fl[1]))
		return cvd_bad_field(error, "the time field is too long or unprintable");
	if (!field_uint(f[2], fl[2], UINT32_MAX, &v))
		return cvd_bad_field(error, "the version is not a number");
	hdr->version = (uint32_t)v;
	if (!field_uint(f[3], fl[3], UINT32_MAX, &v))
		return cvd_bad_field(error, "the signature count is not a number");
	hdr->sigs = (uint32_t)v;
	if (!field_uint(f[4], fl[4], UINT32_MAX, &v))
		return cvd_bad_field(error, "the functionality level is not a number");
	hdr->flevel = (uint32_t)v;
	if (cvd_parse_sums(hdr, f[5], fl[5], f[6], fl[6], error) < 0)
		return -1;
	if (!cvd_copy_text(hdr->builder, sizeof(hdr->builder), f[7], fl[7]))
		return cvd_bad_field(error, "the builder field is too long or unprintable");
	if (nf == 9) {
		/* seconds since the epoch, up to year ~36800: anything larger is damage */
		if (!field_uint(f[8], fl[8], (uint64_t)1 << 40, &v))
			return cvd_bad_field(error, "the build time is not a number");
		hdr->built = (int64_t)v;
	}
	return 0;
}

int cvd_header_read(const char *path, struct cvd_header *hdr, GError **error)
{
	char block[CVD_HEADER_SIZE];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *base;

	memset(hdr, 0, sizeof(*hdr));
	if (fd < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path,
		            g_strerror(errno));
		return -1;
	}
	do {
		n = read(fd, block, sizeof(block));
	} while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path,
		            g_strerror(errno));
		return -1;
	}
	if (n < CVD_HEADER_SIZE) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_FORMAT,
		            "truncated: %zd bytes, shorter than the %d-byte header", n,
		            CVD_HEADER_SIZE);
		return -1;
	}
	if (cvd_header_parse(block, sizeof(block), hdr, error) < 0)
		return -1;
	base = g_path_get_basename(path);
	cvd_db_name(base, hdr->name, sizeof(hdr->name));
	g_free(base);
	return 0;
}

/* ---- body ---- */

static void cvd_member_free(gpointer p)
{
	struct cvd_member *m = p;

	g_free(m->name);
	g_free(m->data);
	g_free(m);
}

static int cvd_archive_error(struct archive *a, GError **error, const char *what)
{
	const char *msg = archive_error_string(a);

	g_set_error(error, CVD_ERROR, CVD_ERROR_FORMAT, "damaged body: %s%s%s", what,
	            msg != NULL ? ": " : "", msg != NULL ? msg : "");
	return -1;
}

static int cvd_limit(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static int cvd_limit(GError **error, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, CVD_ERROR, CVD_ERROR_LIMIT, "%s", msg);
	g_free(msg);
	return -1;
}

/* Check one entry's header: type, name, size, duplicates. */
static int cvd_check_entry(struct archive_entry *e, const struct cvd_limits *limits,
                           GHashTable *seen, uint64_t *total, GError **error)
{
	const char *name = archive_entry_pathname(e);
	int64_t size = archive_entry_size(e);

	if (name == NULL || name[0] == '\0' || strlen(name) > CVD_MAX_NAME ||
	    !field_printable(name, strlen(name))) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_FORMAT,
		            "damaged body: a member has an empty, over-long or unprintable name");
		return -1;
	}
	if (strchr(name, '/') != NULL) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_FORMAT,
		            "damaged body: member name '%s' has a '/' (not allowed in a container)",
		            name);
		return -1;
	}
	if (archive_entry_filetype(e) != AE_IFREG) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_FORMAT,
		            "damaged body: member '%s' is not a regular file", name);
		return -1;
	}
	if (g_hash_table_contains(seen, name)) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_FORMAT,
		            "damaged body: member '%s' appears twice", name);
		return -1;
	}
	if (size < 0 || (uint64_t)size > limits->max_member)
		return cvd_limit(error, "member '%s' is %lld bytes, over the limit of %llu", name,
		                 (long long)size, (unsigned long long)limits->max_member);
	if ((uint64_t)size > limits->max_total - *total)
		return cvd_limit(error, "the members are over the limit of %llu bytes in all",
		                 (unsigned long long)limits->max_total);
	*total += (uint64_t)size;
	g_hash_table_add(seen, g_strdup(name));
	return 0;
}

/* Copy a kept member's bytes and hash them. */
static int cvd_read_data(struct archive *a, struct cvd_member *m, GError **error)
{
	struct digest_set d;
	size_t have = 0;

	m->data = g_malloc(m->size > 0 ? m->size : 1);
	while (have < m->size) {
		la_ssize_t n = archive_read_data(a, m->data + have, m->size - have);

		if (n < 0)
			return cvd_archive_error(a, error, m->name);
		if (n == 0)
			break;
		have += (size_t)n;
	}
	if (have != m->size) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_FORMAT,
		            "damaged body: member '%s' is truncated", m->name);
		return -1;
	}
	if (digest_compute(m->data, m->size, DIGEST_BIT(DIGEST_SHA256), &d) < 0) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_FORMAT, "SHA-256 failed");
		return -1;
	}
	memcpy(m->sha256, d.sha256, 32);
	return 0;
}

static int cvd_read_entries(struct archive *a, const struct cvd_limits *limits,
                            bool (*keep)(const char *name, void *ctx), void *ctx,
                            GPtrArray *members, GError **error)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	struct archive_entry *e;
	uint64_t total = 0;
	int ret = 0, r;

	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		struct cvd_member *m;

		if (members->len >= limits->max_members) {
			ret = cvd_limit(error, "more than %u members", limits->max_members);
			break;
		}
		if (cvd_check_entry(e, limits, seen, &total, error) < 0) {
			ret = -1;
			break;
		}
		m = g_new0(struct cvd_member, 1);
		m->name = g_strdup(archive_entry_pathname(e));
		m->size = (uint64_t)archive_entry_size(e);
		g_ptr_array_add(members, m);
		if (keep(m->name, ctx))
			ret = cvd_read_data(a, m, error);
		else if (archive_read_data_skip(a) != ARCHIVE_OK)
			ret = cvd_archive_error(a, error, m->name);
		if (ret < 0)
			break;
	}
	if (ret == 0 && r != ARCHIVE_EOF)
		ret = cvd_archive_error(a, error, "tar");
	g_hash_table_destroy(seen);
	return ret;
}

int cvd_members_read(const unsigned char *body, size_t len, const struct cvd_limits *limits,
                     bool (*keep)(const char *name, void *ctx), void *ctx, GPtrArray **members_r,
                     GError **error)
{
	struct archive *a = archive_read_new();
	GPtrArray *members = g_ptr_array_new_with_free_func(cvd_member_free);
	int ret;

	*members_r = NULL;
	/* gzip or nothing: the two forms ClamAV writes; tar formats only */
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (len == 0) {
		g_set_error(error, CVD_ERROR, CVD_ERROR_FORMAT, "damaged body: empty");
		ret = -1;
	} else if (archive_read_open_memory(a, body, len) != ARCHIVE_OK) {
		ret = cvd_archive_error(a, error, "not a tar or gzip'd tar");
	} else {
		ret = cvd_read_entries(a, limits, keep, ctx, members, error);
	}
	archive_read_free(a);
	if (ret < 0) {
		g_ptr_array_unref(members);
		return -1;
	}
	*members_r = members;
	return 0;
}
