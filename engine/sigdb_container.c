/*
 * sigdb_container: ClamAV containers (.cvd / .cld / .cud).
 *
 * Not read yet: a container found in a database directory is recorded (name, size, mtime) and
 * reported as unused, so that `partscan db info` shows it and nothing fails because of it.
 */

#include "engine/sigdb_load.h"

#include <sys/stat.h>

int sigdb_load_container(struct sigdb_loader *ld, const char *path, GError **error)
{
	struct sigdb_source *src;
	struct stat st;
	char *name = g_path_get_basename(path);

	sigdb_loader_begin(ld, path, name, SIGDB_FORMAT_CONTAINER);
	g_free(name);
	src = &g_array_index(ld->sources, struct sigdb_source, ld->cur);
	if (stat(path, &st) == 0) {
		src->mtime = (int64_t)st.st_mtime;
		src->size = (uint64_t)st.st_size;
	}
	src->unused = 1;
	sigdb_loader_warn(ld, "%s: containers (.cvd/.cld/.cud) are not read yet; skipped", path);
	sigdb_loader_end(ld);
	return 0;
}
