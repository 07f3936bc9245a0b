/*
 * sigdb_container: ClamAV containers (.cvd .cld .cud) as signature sources.
 *
 * A container is read in two steps. First (sigdb_cvd_read, one thread per container) it is
 * mapped, its header parsed, its signatures checked, and the members partscan uses (.hdb .hsb
 * .hdu .hsu .mdb .msb .mdu .msu .imp .fp .sfp .ign2 .ign, and the .info) copied out of the
 * body; members of other kinds are only counted. Then its ignore lists join the shared table, and its hash members are
 * parsed like files, each as a source of its own (sigdb_cvd_load_member), in parallel.
 *
 * What a container needs, as ClamAV's loader does:
 *   .cvd  a detached NAME-VERSION.cvd.sign that verifies against the CA directory, or, when
 *         there is none (or nothing to check it with), the legacy header signature; a .sign
 *         that is checked and fails refuses the container, with no fallback
 *   .cld  its header is not signed: the .info member must carry a valid DSIG
 *   .cud  unsigned by design (local databases), as in ClamAV
 * and for all three: a .info member whose header line matches the container's header, and
 * that lists every used member with its size and SHA-256. A container that fails any of this
 * is rejected: recorded as a source with the reason, warned about, nothing of it loaded; the
 * other paths still load. Of containers of the same database (daily.cvd, daily.cld ...), the
 * newest verified one loads; the others are recorded as superseded.
 *
 * Limits: members per container, bytes per member and in all (sigdb_options); the used
 * members are held in memory from the first step to their parsing, then freed.
 * Thread safety: a struct sigdb_cvd is filled by one thread; afterwards each member is parsed
 * by exactly one loader, and the rest is read-only.
 */

#include "engine/sigdb_load.h"

#include "engine/cvd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sigdb_cvd {
	char *path;
	char *file_name;
	char db_name[64];
	enum cvd_kind kind;
	struct cvd_header hdr;
	bool have_hdr;
	int64_t mtime;
	struct sigdb_stamp stamp;
	uint64_t size;
	enum sigdb_verify verify;
	char *verify_detail;
	bool rejected, superseded;
	char *reject_reason;
	GPtrArray *members; /* struct cvd_member: the whole body */
	GPtrArray *used;    /* struct cvd_member *: the members to load, in body order */
	unsigned int unused;
	char *unused_detail;
	char *version;
	const struct sigdb_options *opts;
};

static bool sigdb_cvd_used_format(enum sigdb_format f)
{
	return f == SIGDB_FORMAT_HDB || f == SIGDB_FORMAT_HSB || f == SIGDB_FORMAT_HDU ||
	       f == SIGDB_FORMAT_HSU || f == SIGDB_FORMAT_FP || f == SIGDB_FORMAT_SFP ||
	       f == SIGDB_FORMAT_IGN2 || f == SIGDB_FORMAT_IGN || f == SIGDB_FORMAT_MDB ||
	       f == SIGDB_FORMAT_MSB || f == SIGDB_FORMAT_MDU || f == SIGDB_FORMAT_MSU ||
	       f == SIGDB_FORMAT_IMP;
}

static bool sigdb_cvd_is_info(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && g_ascii_strcasecmp(name + n - 5, ".info") == 0;
}

static bool sigdb_cvd_keep(const char *name, void *ctx)
{
	return sigdb_cvd_is_info(name) || sigdb_cvd_used_format(sigdb_format_from_name(name));
}

static void sigdb_cvd_reject(struct sigdb_cvd *cvd, GError *error)
{
	cvd->rejected = true;
	cvd->verify = SIGDB_VERIFY_NONE;
	g_clear_pointer(&cvd->verify_detail, g_free);
	cvd->reject_reason = g_strdup(error != NULL ? error->message : "rejected");
	if (error != NULL)
		g_error_free(error);
}

static GError *sigdb_cvd_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static GError *sigdb_cvd_error(const char *fmt, ...)
{
	va_list ap;
	GError *e;

	va_start(ap, fmt);
	e = g_error_new_valist(CVD_ERROR, CVD_ERROR_VERIFY, fmt, ap);
	va_end(ap);
	return e;
}

static const char *sigdb_cvd_cert_dir(const struct sigdb_options *opts)
{
	const char *env = getenv("CVD_CERTS_DIR");

	if (opts->cert_dir != NULL)
		return opts->cert_dir;
	return env != NULL && env[0] != '\0' ? env : SIGDB_CERT_DIR;
}

/* The header's MD5 of the body, when it has one. */
static int sigdb_cvd_check_md5(struct sigdb_cvd *cvd, const unsigned char *body, size_t len,
                               GError **error)
{
	struct digest_set d;
	char md5[33];

	if (cvd->hdr.md5[0] == '\0')
		return 0;
	if (digest_compute(body, len, DIGEST_BIT(DIGEST_MD5), &d) < 0) {
		*error = sigdb_cvd_error("MD5 failed");
		return -1;
	}
	digest_hex(d.md5, 16, md5);
	if (strcmp(md5, cvd->hdr.md5) != 0) {
		*error = sigdb_cvd_error("the body's MD5 %s is not the header's %s (corrupt or "
		                         "tampered)",
		                         md5, cvd->hdr.md5);
		return -1;
	}
	return 0;
}

/* No usable .sign: the legacy header signature, or (tests) nothing at all. */
static int sigdb_cvd_verify_header(struct sigdb_cvd *cvd, const unsigned char *file,
                                   const char *sign_name, const GError *why, GError **error)
{
	const unsigned char *body = file + CVD_HEADER_SIZE;
	size_t len = cvd->size - CVD_HEADER_SIZE;

	if (cvd->hdr.dsig[0] != '\0') {
		if (cvd_verify_legacy(&cvd->hdr, body, len, error) < 0)
			return -1;
		cvd->verify = SIGDB_VERIFY_LEGACY;
		cvd->verify_detail =
		        g_strdup("header signature (MD5 of the body, ClamAV's RSA key)");
		return 0;
	}
	if (!cvd->opts->allow_unsigned) {
		*error = sigdb_cvd_error("unsigned: no digital signature in the header, and no "
		                         "usable %s (%s)",
		                         sign_name,
		                         why != NULL ? why->message : "no signature file");
		return -1;
	}
	if (sigdb_cvd_check_md5(cvd, body, len, error) < 0)
		return -1;
	cvd->verify = SIGDB_VERIFY_UNSIGNED;
	cvd->verify_detail = g_strdup("NOT verified: unsigned, accepted (allow_unsigned)");
	return 0;
}

/* .cvd: the detached signature, else the header's. */
static int sigdb_cvd_verify_cvd(struct sigdb_cvd *cvd, const unsigned char *file, GError **error)
{
	char *dir = g_path_get_dirname(cvd->path);
	char *sign_name = g_strdup_printf("%s-%u.cvd.sign", cvd->hdr.name, cvd->hdr.version);
	char *sign = g_build_filename(dir, sign_name, NULL), *signer = NULL;
	const char *certs = sigdb_cvd_cert_dir(cvd->opts);
	GError *why = NULL;
	enum cvd_sign_result r = CVD_SIGN_ABSENT;
	int ret = 0;

	if (g_file_test(sign, G_FILE_TEST_EXISTS))
		r = cvd_sign_verify(sign, file, cvd->size, certs, cvd->opts->verify_time, &signer,
		                    &why);
	if (r == CVD_SIGN_OK) {
		cvd->verify = SIGDB_VERIFY_SIGN;
		cvd->verify_detail = g_strdup_printf("detached signature %s, signer %s (CA %s)",
		                                     sign_name, signer, certs);
	} else if (r == CVD_SIGN_INVALID) {
		*error = sigdb_cvd_error("the detached signature %s does not verify against the "
		                         "CA certificates of %s: %s",
		                         sign_name, certs, why->message);
		ret = -1;
	} else {
		ret = sigdb_cvd_verify_header(cvd, file, sign_name, why, error);
	}
	g_clear_error(&why);
	g_free(signer);
	g_free(sign);
	g_free(sign_name);
	g_free(dir);
	return ret;
}

/* The .info member: its header line, its signature, every used member's size and SHA-256. */
static int sigdb_cvd_check_info(struct sigdb_cvd *cvd, const struct cvd_member *im,
                                const struct cvd_info *info, GError **error)
{
	const struct cvd_header *h = &cvd->hdr, *ih = &info->hdr;

	if (ih->version != h->version || ih->sigs != h->sigs || ih->flevel != h->flevel ||
	    ih->built != h->built) {
		*error = sigdb_cvd_error("%s does not match the header (version %u, %u signatures, "
		                         "flevel %u, built %lld; the header: %u, %u, %u, %lld)",
		                         im->name, ih->version, ih->sigs, ih->flevel,
		                         (long long)ih->built, h->version, h->sigs, h->flevel,
		                         (long long)h->built);
		return -1;
	}
	for (guint i = 0; i < cvd->used->len; i++) {
		const struct cvd_member *m = cvd->used->pdata[i];
		const struct cvd_info_entry *e = cvd_info_find(info, m->name);

		if (e == NULL) {
			*error =
			        sigdb_cvd_error("member %s is not listed in %s", m->name, im->name);
			return -1;
		}
		if (e->size != m->size || memcmp(e->sha256, m->sha256, 32) != 0) {
			*error = sigdb_cvd_error(
			        "member %s: %s differs from %s (corrupt or tampered)", m->name,
			        e->size != m->size ? "size" : "SHA-256", im->name);
			return -1;
		}
	}
	return 0;
}

/* What the .info's DSIG means for each kind of container. */
static int sigdb_cvd_info_dsig(struct sigdb_cvd *cvd, const char *info_name,
                               const struct cvd_info *info, GError **error)
{
	if (cvd->kind == CVD_KIND_CUD) {
		cvd->verify = SIGDB_VERIFY_CUD;
		cvd->verify_detail = g_strdup("unsigned by design (.cud)");
		return 0;
	}
	if (info->has_dsig && !info->dsig_ok) {
		*error = sigdb_cvd_error(
		        "the DSIG signature of %s does not verify with ClamAV's key", info_name);
		return -1;
	}
	if (!info->has_dsig && !cvd->opts->allow_unsigned) {
		*error = sigdb_cvd_error("%s is not signed (no DSIG line)", info_name);
		return -1;
	}
	if (cvd->kind == CVD_KIND_CLD && info->has_dsig) {
		cvd->verify = SIGDB_VERIFY_INFO;
		cvd->verify_detail = g_strdup("the .info member's DSIG (ClamAV's key)");
	} else if (!info->has_dsig) {
		cvd->verify = SIGDB_VERIFY_UNSIGNED;
		g_free(cvd->verify_detail);
		cvd->verify_detail = g_strdup_printf("NOT verified: %s is unsigned, accepted "
		                                     "(allow_unsigned)",
		                                     info_name);
	}
	return 0;
}

/* Split the members into used ones and counted ones; find the .info. */
static const struct cvd_member *sigdb_cvd_sort_members(struct sigdb_cvd *cvd)
{
	const struct cvd_member *info = NULL;
	GHashTable *kinds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GList *keys;
	GString *detail = g_string_new(NULL);

	cvd->used = g_ptr_array_new();
	for (guint i = 0; i < cvd->members->len; i++) {
		struct cvd_member *m = cvd->members->pdata[i];
		const char *dot = strrchr(m->name, '.');
		char *kind;

		if (sigdb_cvd_is_info(m->name)) {
			if (info == NULL)
				info = m;
			continue;
		}
		if (sigdb_cvd_used_format(sigdb_format_from_name(m->name))) {
			g_ptr_array_add(cvd->used, m);
			continue;
		}
		if (strcmp(m->name, "COPYING") == 0)
			continue; /* the licence every container carries */
		cvd->unused++;
		kind = g_ascii_strdown(dot != NULL && dot[1] != '\0' ? dot + 1 : "other", -1);
		g_hash_table_replace(
		        kinds, kind,
		        GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(kinds, kind)) + 1));
	}
	keys = g_list_sort(g_hash_table_get_keys(kinds), (GCompareFunc)strcmp);
	for (GList *k = keys; k != NULL; k = k->next)
		g_string_append_printf(detail, "%s%s %u", detail->len > 0 ? ", " : "",
		                       (const char *)k->data,
		                       GPOINTER_TO_UINT(g_hash_table_lookup(kinds, k->data)));
	g_list_free(keys);
	g_hash_table_destroy(kinds);
	cvd->unused_detail = detail->len > 0 ? g_string_free(detail, FALSE)
	                                     : (g_string_free(detail, TRUE), NULL);
	return info;
}

static struct cvd_limits sigdb_cvd_limits(const struct sigdb_options *opts)
{
	struct cvd_limits l;

	l.max_member = opts->cvd_max_member != 0 ? opts->cvd_max_member : SIGDB_CVD_MAX_MEMBER;
	l.max_members = opts->cvd_max_members != 0 ? opts->cvd_max_members : SIGDB_CVD_MAX_MEMBERS;
	l.max_total = opts->cvd_max_total != 0 ? opts->cvd_max_total : SIGDB_CVD_MAX_TOTAL;
	return l;
}

/* Everything after the header is parsed: signatures, body, .info. */
static int sigdb_cvd_check(struct sigdb_cvd *cvd, const unsigned char *file, GError **error)
{
	struct cvd_limits limits = sigdb_cvd_limits(cvd->opts);
	const struct cvd_member *im;
	struct cvd_info info;
	int ret;

	/* a .cvd is verified before its body is even decompressed */
	if (cvd->kind == CVD_KIND_CVD && sigdb_cvd_verify_cvd(cvd, file, error) < 0)
		return -1;
	if (cvd_members_read(file + CVD_HEADER_SIZE, cvd->size - CVD_HEADER_SIZE, &limits,
	                     sigdb_cvd_keep, NULL, &cvd->members, error) < 0)
		return -1;
	im = sigdb_cvd_sort_members(cvd);
	if (im == NULL) {
		*error = sigdb_cvd_error("no .info member (it lists and signs the members)");
		return -1;
	}
	if (cvd_info_parse(im->data, im->size, &info, error) < 0) {
		g_prefix_error(error, "%s: ", im->name);
		return -1;
	}
	ret = sigdb_cvd_check_info(cvd, im, &info, error);
	if (ret == 0)
		ret = sigdb_cvd_info_dsig(cvd, im->name, &info, error);
	if (ret == 0) {
		char *d = g_strdup_printf("%s; %u used member%s checked against %s%s",
		                          cvd->verify_detail, cvd->used->len,
		                          cvd->used->len == 1 ? "" : "s", im->name,
		                          info.dsig_ok ? " (signed)" : "");
		g_free(cvd->verify_detail);
		cvd->verify_detail = d;
	}
	cvd_info_clear(&info);
	return ret;
}

static void sigdb_cvd_describe(struct sigdb_cvd *cvd)
{
	char when[32];
	time_t t = (time_t)cvd->hdr.built;
	struct tm tm;

	if (cvd->hdr.built != 0 && gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	else
		g_strlcpy(when, cvd->hdr.time, sizeof(when));
	cvd->version = g_strdup_printf("%s %u (%s, %u signatures)", cvd->hdr.name, cvd->hdr.version,
	                               when, cvd->hdr.sigs);
}

int sigdb_cvd_read(const char *path, const struct sigdb_options *opts, struct sigdb_cvd **cvd_r,
                   GError **error)
{
	struct sigdb_cvd *cvd = g_new0(struct sigdb_cvd, 1);
	GError *why = NULL;
	struct stat st;
	void *map = MAP_FAILED;
	int fd;

	*cvd_r = NULL;
	cvd->path = g_strdup(path);
	cvd->file_name = g_path_get_basename(path);
	cvd->opts = opts;
	cvd_db_name(cvd->file_name, cvd->db_name, sizeof(cvd->db_name));
	if (cvd_kind_from_name(cvd->file_name, &cvd->kind) < 0)
		cvd->kind = CVD_KIND_CVD;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 ||
	    (st.st_size >= CVD_HEADER_SIZE &&
	     (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path,
		            g_strerror(errno));
		if (fd >= 0)
			close(fd);
		sigdb_cvd_free(&cvd);
		return -1;
	}
	close(fd);
	cvd->mtime = (int64_t)st.st_mtime;
	cvd->size = (uint64_t)st.st_size;
	sigdb_stamp_from_stat(&st, &cvd->stamp);
	if (map == MAP_FAILED) {
		why = sigdb_cvd_error("truncated: %llu bytes, shorter than the %d-byte header",
		                      (unsigned long long)cvd->size, CVD_HEADER_SIZE);
	} else {
		(void)madvise(map, cvd->size, MADV_SEQUENTIAL);
		if (cvd_header_parse(map, CVD_HEADER_SIZE, &cvd->hdr, &why) == 0) {
			cvd->have_hdr = true;
			g_strlcpy(cvd->hdr.name, cvd->db_name, sizeof(cvd->hdr.name));
			sigdb_cvd_describe(cvd);
			(void)sigdb_cvd_check(cvd, map, &why);
		}
		munmap(map, cvd->size);
	}
	if (why != NULL)
		sigdb_cvd_reject(cvd, why);
	*cvd_r = cvd;
	return 0;
}

void sigdb_cvd_free(struct sigdb_cvd **cvdp)
{
	struct sigdb_cvd *cvd = *cvdp;

	if (cvd == NULL)
		return;
	*cvdp = NULL;
	g_free(cvd->path);
	g_free(cvd->file_name);
	g_free(cvd->verify_detail);
	g_free(cvd->reject_reason);
	g_free(cvd->unused_detail);
	g_free(cvd->version);
	if (cvd->used != NULL)
		g_ptr_array_unref(cvd->used);
	if (cvd->members != NULL)
		g_ptr_array_unref(cvd->members);
	g_free(cvd);
}

/* ---- precedence ---- */

static int sigdb_cvd_rank(enum cvd_kind kind)
{
	/* on equal versions ClamAV keeps the .cld (the patched copy) */
	return kind == CVD_KIND_CLD ? 3 : kind == CVD_KIND_CVD ? 2 : 1;
}

/* true when a should load rather than b (both loadable, same database). */
static bool sigdb_cvd_better(const struct sigdb_cvd *a, const struct sigdb_cvd *b)
{
	if (a->hdr.version != b->hdr.version)
		return a->hdr.version > b->hdr.version;
	return sigdb_cvd_rank(a->kind) > sigdb_cvd_rank(b->kind);
}

void sigdb_cvd_precedence(struct sigdb_cvd *const *cvds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t best = i;

		if (cvds[i]->rejected || cvds[i]->superseded)
			continue;
		/* the best of i's database: the first of equals wins */
		for (size_t j = 0; j < n; j++) {
			const struct sigdb_cvd *c = cvds[j];

			if (j == i || c->rejected || c->superseded ||
			    g_ascii_strcasecmp(c->db_name, cvds[i]->db_name) != 0)
				continue;
			if (sigdb_cvd_better(c, cvds[best]) ||
			    (j < best && !sigdb_cvd_better(cvds[best], c)))
				best = j;
		}
		if (best == i)
			continue;
		cvds[i]->superseded = true;
		cvds[i]->reject_reason = g_strdup_printf("superseded by %s (version %u)",
		                                         cvds[best]->path, cvds[best]->hdr.version);
		g_ptr_array_set_size(cvds[i]->used, 0);
		g_clear_pointer(&cvds[i]->members, g_ptr_array_unref);
	}
}

/* ---- sources ---- */

static void sigdb_cvd_fill(struct sigdb_source *src, const struct sigdb_cvd *cvd)
{
	src->mtime = cvd->mtime;
	src->stamp = cvd->stamp;
	src->cvd_name = g_strdup(cvd->db_name);
	src->version = g_strdup(cvd->version);
	src->cvd_version = cvd->hdr.version;
	src->cvd_sigs = cvd->hdr.sigs;
	src->cvd_flevel = cvd->hdr.flevel;
	src->built = cvd->hdr.built;
	src->verify = cvd->verify;
}

static void sigdb_cvd_warn_age(struct sigdb_loader *ld, const struct sigdb_cvd *cvd)
{
	unsigned int max_days =
	        ld->opts->max_age_days != 0 ? ld->opts->max_age_days : SIGDB_CVD_MAX_AGE_DAYS;
	int64_t now = (int64_t)time(NULL), built = cvd->hdr.built;

	if (g_ascii_strcasecmp(cvd->db_name, "daily") != 0 || built == 0)
		return;
	if (built > now + 3600)
		sigdb_loader_warn(ld, "%s: built in the future (%s): check the clock", cvd->path,
		                  cvd->version);
	else if (now - built > (int64_t)max_days * 86400)
		sigdb_loader_warn(
		        ld, "%s: %s is %lld days old (more than %u): is freshclam running?",
		        cvd->path, cvd->version, (long long)((now - built) / 86400), max_days);
}

void sigdb_cvd_add_source(struct sigdb_loader *ld, const struct sigdb_cvd *cvd)
{
	struct sigdb_source *src;

	sigdb_loader_begin(ld, cvd->path, cvd->file_name, SIGDB_FORMAT_CONTAINER);
	src = &g_array_index(ld->sources, struct sigdb_source, ld->cur);
	sigdb_cvd_fill(src, cvd);
	src->size = cvd->size;
	src->verify_detail = g_strdup(cvd->verify_detail);
	src->rejected = cvd->rejected;
	src->superseded = cvd->superseded;
	src->reject_reason = g_strdup(cvd->reject_reason);
	src->unused = cvd->unused;
	src->unused_detail = g_strdup(cvd->unused_detail);
	if (cvd->rejected)
		sigdb_loader_warn(ld, "%s: rejected, not loaded: %s", cvd->path,
		                  cvd->reject_reason);
	else if (cvd->superseded)
		sigdb_loader_warn(ld, "%s: not loaded: %s", cvd->path, cvd->reject_reason);
	else
		sigdb_cvd_warn_age(ld, cvd);
	sigdb_loader_end(ld);
}

size_t sigdb_cvd_member_count(const struct sigdb_cvd *cvd)
{
	return cvd->rejected || cvd->superseded || cvd->used == NULL ? 0 : cvd->used->len;
}

bool sigdb_cvd_member_is_ignore(const struct sigdb_cvd *cvd, size_t i)
{
	const struct cvd_member *m = cvd->used->pdata[i];
	enum sigdb_format f = sigdb_format_from_name(m->name);

	return f == SIGDB_FORMAT_IGN2 || f == SIGDB_FORMAT_IGN;
}

void sigdb_cvd_load_member(struct sigdb_loader *ld, struct sigdb_cvd *cvd, size_t i)
{
	struct cvd_member *m = cvd->used->pdata[i];
	char *path = g_strdup_printf("%s:%s", cvd->path, m->name);
	struct sigdb_source *src;

	sigdb_loader_begin(ld, path, m->name, sigdb_format_from_name(m->name));
	g_free(path);
	src = &g_array_index(ld->sources, struct sigdb_source, ld->cur);
	sigdb_cvd_fill(src, cvd);
	src->size = m->size;
	src->container = g_strdup(cvd->path);
	sigdb_loader_feed(ld, (const char *)m->data, m->size, true);
	sigdb_loader_end(ld);
	/* parsed: its text is no longer needed */
	g_clear_pointer(&m->data, g_free);
}

/* ---- looking at the loaded containers ---- */

static bool sigdb_cvd_loaded(const struct sigdb_source *s)
{
	return s->format == SIGDB_FORMAT_CONTAINER && !s->rejected && !s->superseded &&
	       s->cvd_name != NULL;
}

const struct sigdb_source *sigdb_container_find(const struct sigdb *db, const char *cvd_name)
{
	for (size_t i = 0; i < db->n_sources; i++) {
		const struct sigdb_source *s = &db->sources[i];

		if (sigdb_cvd_loaded(s) && g_ascii_strcasecmp(s->cvd_name, cvd_name) == 0)
			return s;
	}
	return NULL;
}

int64_t sigdb_oldest_container_time(const struct sigdb *db)
{
	int64_t oldest = 0;

	for (size_t i = 0; i < db->n_sources; i++) {
		const struct sigdb_source *s = &db->sources[i];

		if (sigdb_cvd_loaded(s) && s->built != 0 && (oldest == 0 || s->built < oldest))
			oldest = s->built;
	}
	return oldest;
}

char *sigdb_containers_describe(const struct sigdb *db)
{
	GString *out = g_string_new(NULL);

	for (size_t i = 0; i < db->n_sources; i++) {
		const struct sigdb_source *s = &db->sources[i];
		time_t t = (time_t)s->built;
		struct tm tm;
		char when[32] = "unknown";

		if (!sigdb_cvd_loaded(s))
			continue;
		if (s->built != 0 && gmtime_r(&t, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		g_string_append_printf(out, "%s%s %u %s", out->len > 0 ? ", " : "", s->cvd_name,
		                       s->cvd_version, when);
	}
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

const char *sigdb_verify_name(enum sigdb_verify verify)
{
	static const char *const names[SIGDB_VERIFY__COUNT] = {
	        [SIGDB_VERIFY_NONE] = "none",     [SIGDB_VERIFY_SIGN] = "sign",
	        [SIGDB_VERIFY_LEGACY] = "legacy", [SIGDB_VERIFY_INFO] = "info",
	        [SIGDB_VERIFY_CUD] = "cud",       [SIGDB_VERIFY_UNSIGNED] = "unsigned",
	};

	return (unsigned)verify < SIGDB_VERIFY__COUNT ? names[verify] : "unknown";
}
