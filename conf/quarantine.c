/*
 * quarantine: the on-disk store (see quarantine.h). Writes go to ".tmp-*" files first;
 * a crash leaves at most such temporary files, which the list ignores and
 * quarantine_clean_tmp() removes once they are old enough not to be a write in progress.
 */

#include "conf/quarantine.h"

#include <errno.h>
#include <fcntl.h>
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

static char *quarantine_mac(GBytes *key, const char *id, gint64 when)
{
	char *msg = g_strdup_printf("%s %" G_GINT64_FORMAT, id, when);
	gsize klen;
	const guchar *k = g_bytes_get_data(key, &klen);
	char *mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256, k, klen, msg, -1);

	g_free(msg);
	return mac;
}

char *quarantine_release_marker(const char *dir, const char *id, GError **error)
{
	GBytes *key = quarantine_key(dir, TRUE, error);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	char *mac, *marker;

	if (key == NULL)
		return NULL;
	mac = quarantine_mac(key, id, now);
	marker = g_strdup_printf("%s %" G_GINT64_FORMAT " %s", id, now, mac);
	g_free(mac);
	g_bytes_unref(key);
	return marker;
}

gboolean quarantine_release_valid(const char *dir, const char *value)
{
	char *v = g_strstrip(g_strdup(value != NULL ? value : ""));
	char **f = g_strsplit(v, " ", 0);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC, when;
	gboolean ok = FALSE;
	GBytes *key;

	if (dir == NULL || g_strv_length(f) != 3 || !quarantine_id_valid(f[0]) ||
	    !g_ascii_isdigit(f[1][0]))
		goto out;
	when = g_ascii_strtoll(f[1], NULL, 10);
	if (when > now + 300 || now - when > QUARANTINE_RELEASE_TTL)
		goto out;
	key = quarantine_key(dir, FALSE, NULL);
	if (key != NULL) {
		char *mac = quarantine_mac(key, f[0], when);

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
out:
	g_strfreev(f);
	g_free(v);
	return ok;
}
