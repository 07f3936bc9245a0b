/*
 * fuzz_cvd: a libFuzzer target over ClamAV containers: the 512-byte header parser, the body
 * reader (gzip'd or plain tar, bounded), the .info parser and the whole load of a container
 * file (with unsigned containers allowed, so that the members are read and parsed too).
 *
 *   make fuzz && build-fuzz/fuzz_cvd -max_len=65536 CORPUS ../shared/corpus/clamav-cvd
 */

#include "engine/cvd.h"
#include "engine/sigdb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool keep_all(const char *name, void *ctx)
{
	return true;
}

static void fuzz_parts(const uint8_t *data, size_t size)
{
	struct cvd_limits limits = {.max_member = 1 << 20, .max_members = 64, .max_total = 4 << 20};
	struct cvd_header hdr;
	struct cvd_info info;
	GPtrArray *members = NULL;

	(void)cvd_header_parse((const char *)data, MIN(size, 512), &hdr, NULL);
	if (size > 512 &&
	    cvd_members_read(data + 512, size - 512, &limits, keep_all, NULL, &members, NULL) == 0)
		g_ptr_array_unref(members);
	if (cvd_info_parse(data, size, &info, NULL) == 0)
		cvd_info_clear(&info);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *path;
	struct sigdb_options opts = {.allow_unsigned = true,
	                             .cvd_max_member = 1 << 20,
	                             .cvd_max_members = 64,
	                             .cvd_max_total = 4 << 20};
	const char *paths[2] = {NULL, NULL};
	struct sigdb *db = NULL;

	fuzz_parts(data, size);
	if (path == NULL)
		path = g_strdup_printf(
		        "%s/partscan-fuzz-%ld-daily.cud",
		        g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir(),
		        (long)getpid());
	if (!g_file_set_contents(path, (const char *)data, (gssize)size, NULL))
		abort();
	paths[0] = path;
	if (sigdb_load(paths, &opts, &db, NULL) == 0)
		sigdb_unref(&db);
	unlink(path);
	return 0;
}
