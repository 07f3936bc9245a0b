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
