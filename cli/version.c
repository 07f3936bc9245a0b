/*
 * partscan --version: the program's version and what the signature paths hold on disk,
 * labelled as such (nothing is loaded).
 */

#include "cli/cli.h"

#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

void cli_version(void)
{
	printf("partscan %s (ClamAV functionality level %u)\n", PARTSCAN_VERSION, SIGDB_FLEVEL);
	printf("signatures on disk (not loaded):\n");
	for (size_t i = 0; cli_default_db_paths[i] != NULL; i++) {
		const char *dir = cli_default_db_paths[i];
		GDir *d = g_dir_open(dir, 0, NULL);
		const char *name;

		if (d == NULL) {
			printf("  %s: absent\n", dir);
			continue;
		}
		printf("  %s:\n", dir);
		while ((name = g_dir_read_name(d)) != NULL) {
			char *path = g_build_filename(dir, name, NULL);
			struct stat st;
			char when[32];

			if (sigdb_format_from_name(name) != SIGDB_FORMAT_UNKNOWN &&
			    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
				         gmtime(&st.st_mtime));
				printf("    %s (%s, %lld bytes, modified %s)\n", name,
				       sigdb_format_name(sigdb_format_from_name(name)),
				       (long long)st.st_size, when);
			}
			g_free(path);
		}
		g_dir_close(d);
	}
}

