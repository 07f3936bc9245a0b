/*
 * quarantine: the on-disk store (see quarantine.h). Writes go to ".tmp-*" files first;
 * a crash leaves at most such temporary files, which the list ignores and
 * quarantine_clean_tmp() removes once they are old enough not to be a write in progress.
 */

#include "conf/quarantine.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define QUARANTINE_ID_LEN 33 /* 16 + 1 + 16 */

char *quarantine_new_id(void)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	return g_strdup_printf("%s-%08x%08x", stamp, g_random_int(), g_random_int());
}

gboolean quarantine_id_valid(const char *id)
{
	if (id == NULL || strlen(id) != QUARANTINE_ID_LEN || id[16] != '-')
		return FALSE;
	for (size_t i = 0; i < QUARANTINE_ID_LEN; i++) {
		if (i == 16)
			continue;
		if (!g_ascii_isalnum(id[i]))
			return FALSE;
	}
	return TRUE;
}

static int quarantine_fail(GError **error, const char *what, int err)
{
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", what,
	            g_strerror(err));
	return -1;
}

/* Write one file atomically with mode 0600. */
static int quarantine_put(const char *dir, const char *name, const void *data, size_t len,
                          GError **error)
{
	char *tmp = g_strdup_printf("%s/.tmp-%s", dir, name);
	char *path = g_strdup_printf("%s/%s", dir, name);
	const unsigned char *p = data;
	size_t done = 0;
	int fd, ret = -1, err = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		err = errno;
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			goto out;
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0) {
		err = errno;
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err = errno;
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0) {
		unlink(tmp);
		quarantine_fail(error, path, err);
	}
	g_free(tmp);
	g_free(path);
	return ret;
}

static void quarantine_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int quarantine_write(const char *dir, const char *id, const unsigned char *data, size_t len,
                     const char *json, GError **error)
{
	char *dname = g_strdup_printf("%s.data", id), *jname = g_strdup_printf("%s.json", id);
	int ret;

	if (!quarantine_id_valid(id)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "bad quarantine id");
		ret = -1;
	} else {
		ret = quarantine_put(dir, dname, data, len, error);
		if (ret == 0) {
			ret = quarantine_put(dir, jname, json, strlen(json), error);
			if (ret < 0) {
				char *p = g_build_filename(dir, dname, NULL);
				unlink(p);
				g_free(p);
			}
		}
		if (ret == 0)
			quarantine_sync_dir(dir);
	}
	g_free(dname);
	g_free(jname);
	return ret;
}

static gint quarantine_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *quarantine_list(const char *dir, GError **error)
{
	GDir *d = g_dir_open(dir, 0, error);
	GPtrArray *ids;
	const char *name;

	if (d == NULL)
		return NULL;
	ids = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(d)) != NULL) {
		size_t n = strlen(name);

		if (n == QUARANTINE_ID_LEN + 5 && strcmp(name + QUARANTINE_ID_LEN, ".json") == 0) {
			char *id = g_strndup(name, QUARANTINE_ID_LEN);
			if (quarantine_id_valid(id))
				g_ptr_array_add(ids, id);
			else
				g_free(id);
		}
	}
	g_dir_close(d);
	g_ptr_array_sort(ids, quarantine_cmp);
	return ids;
}

int quarantine_clean_tmp(const char *dir, unsigned int min_age, unsigned int *removed_r,
                         GError **error)
{
	GDir *d = g_dir_open(dir, 0, error);
	time_t now = time(NULL);
	const char *name;

	*removed_r = 0;
	if (d == NULL)
		return -1;
	while ((name = g_dir_read_name(d)) != NULL) {
		char *path;
		struct stat st;

		if (!g_str_has_prefix(name, ".tmp-"))
			continue;
		path = g_build_filename(dir, name, NULL);
		/* a regular file of ours only (lstat: a link is left alone), old enough that no
		   writer still has it open */
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_mtime <= now - (time_t)min_age && unlink(path) == 0)
			(*removed_r)++;
		g_free(path);
	}
	g_dir_close(d);
	return 0;
}

static char *quarantine_path(const char *dir, const char *id, const char *ext, GError **error)
{
	if (!quarantine_id_valid(id)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: not a quarantine id", id);
		return NULL;
	}
	return g_strdup_printf("%s/%s.%s", dir, id, ext);
}

char *quarantine_read_meta(const char *dir, const char *id, GError **error)
{
	char *path = quarantine_path(dir, id, "json", error), *text = NULL;

	if (path != NULL && !g_file_get_contents(path, &text, NULL, error))
		text = NULL;
	g_free(path);
	return text;
}

GBytes *quarantine_read_data(const char *dir, const char *id, GError **error)
{
	char *path = quarantine_path(dir, id, "data", error), *data;
	gsize len;
	GBytes *b = NULL;

	if (path != NULL && g_file_get_contents(path, &data, &len, error))
		b = g_bytes_new_take(data, len);
	g_free(path);
	return b;
}

int quarantine_delete(const char *dir, const char *id, GError **error)
{
	char *json = quarantine_path(dir, id, "json", error);
	char *data = json != NULL ? quarantine_path(dir, id, "data", error) : NULL;
	int ret = -1;

	if (json != NULL && data != NULL) {
		if (unlink(json) < 0)
			quarantine_fail(error, json, errno);
		else
			ret = 0;
		(void)unlink(data);
		quarantine_sync_dir(dir);
	}
	g_free(json);
	g_free(data);
	return ret;
}

/* ---- release markers ---- */

#define QUARANTINE_KEY_LEN 32

/* The store's release key; made (and given to the store's owner) when create is set. */
static GBytes *quarantine_key(const char *dir, gboolean create, GError **error)
{
	char *path = g_build_filename(dir, ".release-key", NULL);
	GBytes *key = NULL;
	gchar *text = NULL;
	gsize len = 0;

	if (g_file_get_contents(path, &text, &len, NULL) && len == QUARANTINE_KEY_LEN) {
		key = g_bytes_new_take(text, len);
		text = NULL;
	} else if (create) {
		unsigned char buf[QUARANTINE_KEY_LEN];
		struct stat st;
		GError *rerr = NULL;
		int fd;

		for (size_t i = 0; i < sizeof(buf); i += 4) {
			guint32 r = g_random_int();
			memcpy(buf + i, &r, 4);
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
		    fsync(fd) < 0) {
			quarantine_fail(&rerr, path, errno);
		} else if (stat(dir, &st) == 0 && fchown(fd, st.st_uid, st.st_gid) < 0 &&
		           geteuid() == 0) {
			quarantine_fail(&rerr, path, errno);
		}
		if (fd >= 0)
			close(fd);
		if (rerr == NULL) {
			key = g_bytes_new(buf, sizeof(buf));
		} else {
			(void)unlink(path);
			g_propagate_error(error, rerr);
		}
	} else {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no release key", path);
	}
	g_free(text);
	g_free(path);
	return key;
}

/* ---- the body digest a marker binds ---- */

struct quarantine_body_hash {
	EVP_MD_CTX *md;
	bool cr;       /* the last byte fed was a CR, not yet hashed (a line end if LF follows) */
	uint64_t ends; /* line ends since the last other byte, not yet hashed (trailing ones
	                  never are) */
};

struct quarantine_body_hash *quarantine_body_hash_new(void)
{
	struct quarantine_body_hash *h = g_new0(struct quarantine_body_hash, 1);

	h->md = EVP_MD_CTX_new();
	if (h->md == NULL || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1)
		g_error("quarantine: SHA-256 unavailable"); /* OpenSSL without SHA-256: cannot run */
	return h;
}

/* Hash what is pending before a byte that is not a line end: the line ends seen, then a CR
   not followed by LF. */
static void quarantine_body_hash_pending(struct quarantine_body_hash *h)
{
	static const char crlf[] = "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

	while (h->ends > 0) {
		uint64_t n = MIN(h->ends, (uint64_t)(sizeof(crlf) - 1) / 2);

		EVP_DigestUpdate(h->md, crlf, (size_t)n * 2);
		h->ends -= n;
	}
	if (h->cr)
		EVP_DigestUpdate(h->md, "\r", 1);
	h->cr = false;
}

void quarantine_body_hash_feed(struct quarantine_body_hash *h, const unsigned char *data,
                               size_t len)
{
	size_t run = 0; /* where the run of other bytes not yet hashed starts */

	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\r' && data[i] != '\n') {
			if (h->cr || h->ends > 0) /* only at the start of a run: run == i */
				quarantine_body_hash_pending(h);
			continue;
		}
		if (i > run)
			EVP_DigestUpdate(h->md, data + run, i - run);
		run = i + 1;
		if (data[i] == '\n') {
			h->cr = false; /* CR LF or a bare LF: one line end */
			h->ends++;
		} else {
			if (h->cr) /* the CR before was a bare one */
				quarantine_body_hash_pending(h);
			h->cr = true;
		}
	}
	if (len > run)
		EVP_DigestUpdate(h->md, data + run, len - run);
}

char *quarantine_body_hash_end(struct quarantine_body_hash **hp)
{
	struct quarantine_body_hash *h = *hp;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char *hex;

	if (h->cr) /* a bare CR at the very end counts, and the line ends before it */
		quarantine_body_hash_pending(h);
	EVP_DigestFinal_ex(h->md, md, &n);
	hex = g_malloc(n * 2 + 1);
	for (unsigned int i = 0; i < n; i++)
		g_snprintf(hex + i * 2, 3, "%02x", md[i]);
	hex[n * 2] = '\0';
	quarantine_body_hash_free(hp);
	return hex;
}

void quarantine_body_hash_free(struct quarantine_body_hash **hp)
{
	if (*hp == NULL)
		return;
	EVP_MD_CTX_free((*hp)->md);
	g_free(*hp);
	*hp = NULL;
}

size_t quarantine_body_offset(const unsigned char *message, size_t len)
{
	if (len >= 1 && message[0] == '\n')
		return 1;
	if (len >= 2 && message[0] == '\r' && message[1] == '\n')
		return 2;
	for (size_t i = 0; i + 1 < len; i++) {
		if (message[i] != '\n')
			continue;
		if (message[i + 1] == '\n')
			return i + 2;
		if (message[i + 1] == '\r' && i + 2 < len && message[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

/* The HMAC of a marker: its id and time, and the digest of the body it was made for. */
static char *quarantine_mac(GBytes *key, const char *id, gint64 when, const char *body_sha256)
{
	char *msg = g_strdup_printf("%s %" G_GINT64_FORMAT " %s", id, when, body_sha256);
	gsize klen;
	const guchar *k = g_bytes_get_data(key, &klen);
	char *mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256, k, klen, msg, -1);

	g_free(msg);
	return mac;
}

char *quarantine_release_marker(const char *dir, const char *id, const unsigned char *message,
                                size_t len, GError **error)
{
	GBytes *key = quarantine_key(dir, TRUE, error);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	size_t body = quarantine_body_offset(message, len);
	struct quarantine_body_hash *h;
	char *digest, *mac, *marker;

	if (key == NULL)
		return NULL;
	h = quarantine_body_hash_new();
	quarantine_body_hash_feed(h, message + body, len - body);
	digest = quarantine_body_hash_end(&h);
	mac = quarantine_mac(key, id, now, digest);
	marker = g_strdup_printf("%s %" G_GINT64_FORMAT " %s", id, now, mac);
	g_free(mac);
	g_free(digest);
	g_bytes_unref(key);
	return marker;
}

gboolean quarantine_release_valid(const char *dir, const char *value, const char *body_sha256,
                                  char **id_r, gint64 *expires_r)
{
	char *v = g_strstrip(g_strdup(value != NULL ? value : ""));
	char **f = g_strsplit(v, " ", 0);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC, when;
	gboolean ok = FALSE;
	GBytes *key;

	if (dir == NULL || body_sha256 == NULL || g_strv_length(f) != 3 ||
	    !quarantine_id_valid(f[0]) || !g_ascii_isdigit(f[1][0]))
		goto out;
	when = g_ascii_strtoll(f[1], NULL, 10);
	if (when > now + 300 || now - when > QUARANTINE_RELEASE_TTL)
		goto out;
	key = quarantine_key(dir, FALSE, NULL);
	if (key != NULL) {
		char *mac = quarantine_mac(key, f[0], when, body_sha256);

		/* both are hex of the same length: compare every byte, whatever the first
		   difference */
		if (strlen(mac) == strlen(f[2])) {
			unsigned char diff = 0;

			for (size_t i = 0; mac[i] != '\0'; i++)
				diff |= (unsigned char)(mac[i] ^ f[2][i]);
			ok = diff == 0;
		}
		g_free(mac);
		g_bytes_unref(key);
	}
	if (ok && id_r != NULL)
		*id_r = g_strdup(f[0]);
	if (ok && expires_r != NULL)
		*expires_r = when + QUARANTINE_RELEASE_TTL;
out:
	g_strfreev(f);
	g_free(v);
	return ok;
}
