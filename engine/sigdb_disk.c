/*
 * sigdb_disk: what signature paths hold on disk, without loading anything: per file its
 * format, size and modification time, and for a ClamAV container what its 512-byte header
 * says (database, version, build time, signature count; not verified: loading verifies).
 * Used by `partscan --version` and `partscan-milter --version`.
 */

#include "engine/cvd.h"
#include "engine/sigdb.h"

#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void disk_time(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		g_strlcpy(out, "?", len);
}

static void disk_container(GString *out, const char *path)
{
	struct cvd_header hdr;
	GError *error = NULL;
	char built[32];

	if (cvd_header_read(path, &hdr, &error) < 0) {
		g_string_append_printf(out, "      on disk: unreadable header: %s\n",
		                       error->message);
		g_error_free(error);
		return;
	}
	if (hdr.built != 0)
		disk_time(hdr.built, built, sizeof(built));
	else
		g_strlcpy(built, hdr.time, sizeof(built));
	g_string_append_printf(
	        out, "      on disk: %s %u, built %s, %u signatures (header only, not verified)\n",
	        hdr.name, hdr.version, built, hdr.sigs);
}

static gint disk_name_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void disk_dir(GString *out, const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	if (d == NULL) {
		g_string_append_printf(out, "  %s: absent\n", dir);
		g_ptr_array_free(names, TRUE);
		return;
	}
	g_string_append_printf(out, "  %s:\n", dir);
	while ((name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_dir_close(d);
	g_ptr_array_sort(names, disk_name_cmp);
	for (guint i = 0; i < names->len; i++) {
		const char *n = names->pdata[i];
		enum sigdb_format format = sigdb_format_from_name(n);
		char *path = g_build_filename(dir, n, NULL);
		struct stat st;
		char when[32];

		if (format != SIGDB_FORMAT_UNKNOWN && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			disk_time((int64_t)st.st_mtime, when, sizeof(when));
			g_string_append_printf(out, "    %s (%s, %lld bytes, modified %s)\n", n,
			                       sigdb_format_name(format), (long long)st.st_size,
			                       when);
			if (format == SIGDB_FORMAT_CONTAINER)
				disk_container(out, path);
		}
		g_free(path);
	}
	g_ptr_array_free(names, TRUE);
}

void sigdb_describe_disk(const char *const *paths, GString *out)
{
	for (size_t i = 0; paths != NULL && paths[i] != NULL; i++) {
		struct stat st;

		if (stat(paths[i], &st) == 0 && !S_ISDIR(st.st_mode)) {
			char when[32];

			disk_time((int64_t)st.st_mtime, when, sizeof(when));
			g_string_append_printf(out, "  %s (%s, %lld bytes, modified %s)\n",
			                       paths[i],
			                       sigdb_format_name(sigdb_format_from_name(paths[i])),
			                       (long long)st.st_size, when);
			if (sigdb_format_from_name(paths[i]) == SIGDB_FORMAT_CONTAINER)
				disk_container(out, paths[i]);
			continue;
		}
		disk_dir(out, paths[i]);
	}
}
