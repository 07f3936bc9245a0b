/*
 * fmap: read-only byte views over memory and mmapped files.
 *
 * Files are mapped MAP_PRIVATE + PROT_READ; a file that shrinks while mapped would raise SIGBUS
 * on access, which is why the milter never maps files it does not own (it scans memory) and the
 * CLI maps only what it was asked to scan. Streams are read into one growing buffer bounded by
 * the caller's limit. Thread safety: a view is immutable; distinct views are independent.
 */

#include "engine/fmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void fmap_init_mem(struct fmap *map_r, const void *data, size_t size)
{
	memset(map_r, 0, sizeof(*map_r));
	map_r->data = size > 0 ? data : (const unsigned char *)"";
	map_r->size = size;
}

/* A view that takes ownership of a g_malloc'd buffer (freed by fmap_close). */
static void fmap_take(struct fmap *map_r, void *data, size_t size)
{
	fmap_init_mem(map_r, data, size);
	map_r->owned = data;
}

int fmap_open_file(const char *path, struct fmap *map_r, GError **error)
{
	struct stat st;
	void *base;
	int fd;

	memset(map_r, 0, sizeof(*map_r));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path,
		            g_strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path,
		            g_strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		/* a FIFO or device: read it as a stream */
		int ret = fmap_read_fd(fd, 0, NULL, map_r, error);
		if (ret < 0)
			g_prefix_error(error, "%s: ", path);
		close(fd);
		return ret;
	}
	if (st.st_size == 0) {
		close(fd);
		fmap_init_mem(map_r, "", 0);
		return 0;
	}
	if ((unsigned long long)st.st_size > SIZE_MAX) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: file too large", path);
		close(fd);
		return -1;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (base == MAP_FAILED) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: mmap: %s",
		            path, g_strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	map_r->data = base;
	map_r->size = (size_t)st.st_size;
	map_r->map_base = base;
	map_r->map_len = (size_t)st.st_size;
	return 0;
}

int fmap_read_fd(int fd, size_t max_size, bool *over_r, struct fmap *map_r, GError **error)
{
	size_t limit = max_size > 0 ? max_size : SIZE_MAX - 1;
	size_t len = 0, size = MIN(limit + 1, (size_t)65536);
	unsigned char *buf = g_malloc(size);

	memset(map_r, 0, sizeof(*map_r));
	if (over_r != NULL)
		*over_r = false;
	for (;;) {
		ssize_t n;

		if (len == size) {
			if (len > limit) {
				/* one byte past the limit: there is more */
				if (over_r != NULL) {
					*over_r = true;
					break;
				}
				g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
				            "input larger than %zu bytes", max_size);
				g_free(buf);
				return -1;
			}
			size = size > (limit + 1) / 2 ? limit + 1 : size * 2;
			buf = g_realloc(buf, size);
		}
		n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "read: %s",
			            g_strerror(errno));
			g_free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	fmap_take(map_r, buf, MIN(len, limit));
	return 0;
}

const unsigned char *fmap_need(const struct fmap *map, size_t offset, size_t len)
{
	if (offset > map->size || len > map->size - offset)
		return NULL;
	return map->data + offset;
}

void fmap_close(struct fmap *map)
{
	if (map == NULL)
		return;
	if (map->map_base != NULL)
		munmap(map->map_base, map->map_len);
	g_free(map->owned);
	memset(map, 0, sizeof(*map));
}
