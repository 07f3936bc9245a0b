/*
 * partscan --version: the program's version and what the signature paths hold on disk,
 * labelled as such (nothing is loaded). Of a ClamAV container only the 512-byte header is
 * read — database, version, build time, signature count — and it is not verified: that is
 * what loading does (`partscan db info`).
 */

#include "cli/cli.h"

#include "engine/cvd.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void version_time(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		g_strlcpy(out, "?", len);
}

static void version_container(const char *path)
{
	struct cvd_header hdr;
	GError *error = NULL;
	char built[32];

	if (cvd_header_read(path, &hdr, &error) < 0) {
		printf("      on disk: unreadable header: %s\n", error->message);
		g_error_free(error);
		return;
	}
	if (hdr.built != 0)
		version_time(hdr.built, built, sizeof(built));
	else
		g_strlcpy(built, hdr.time, sizeof(built));
	printf("      on disk: %s %u, built %s, %u signatures (header only, not verified)\n",
	       hdr.name, hdr.version, built, hdr.sigs);
}

static gint version_name_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void version_dir(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	if (d == NULL) {
		printf("  %s: absent\n", dir);
		g_ptr_array_free(names, TRUE);
		return;
	}
	printf("  %s:\n", dir);
	while ((name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_dir_close(d);
	g_ptr_array_sort(names, version_name_cmp);
	for (guint i = 0; i < names->len; i++) {
		const char *n = names->pdata[i];
		enum sigdb_format format = sigdb_format_from_name(n);
		char *path = g_build_filename(dir, n, NULL);
		struct stat st;
		char when[32];

		if (format != SIGDB_FORMAT_UNKNOWN && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			version_time((int64_t)st.st_mtime, when, sizeof(when));
			printf("    %s (%s, %lld bytes, modified %s)\n", n,
			       sigdb_format_name(format), (long long)st.st_size, when);
			if (format == SIGDB_FORMAT_CONTAINER)
				version_container(path);
		}
		g_free(path);
	}
	g_ptr_array_free(names, TRUE);
}

void cli_version(void)
{
	printf("partscan %s (ClamAV functionality level %u)\n", PARTSCAN_VERSION, SIGDB_FLEVEL);
	printf("signatures on disk (not loaded):\n");
	for (size_t i = 0; cli_default_db_paths[i] != NULL; i++)
		version_dir(cli_default_db_paths[i]);
}
