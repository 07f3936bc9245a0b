/*
 * fuzz_pe: a libFuzzer target over the PE reader: headers and section table (pe_parse), the
 * import list (pe_imports), and the scan of the bytes with section and import signatures of
 * every size loaded (so that every section and the import list are hashed and looked up).
 * Aborts when a section would reach past the input or the import list breaks its bounds.
 *
 *   make fuzz && build-fuzz/fuzz_pe -max_len=65536 CORPUS /usr/share/clamav-testfiles
 */

#include "engine/pe.h"
#include "engine/scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A database with a `*`-size section signature of each hash type and a `*` import one. */
static struct sigdb *fuzz_db(void)
{
	static struct sigdb *db;
	char *dir, *mdb, *msb, *imp;
	const char *paths[4];

	if (db != NULL)
		return db;
	dir = g_strdup_printf("%s/partscan-fuzz-pe-%ld",
	                      g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm"
	                                                                  : g_get_tmp_dir(),
	                      (long)getpid());
	g_mkdir_with_parents(dir, 0700);
	mdb = g_build_filename(dir, "f.mdb", NULL);
	msb = g_build_filename(dir, "f.msb", NULL);
	imp = g_build_filename(dir, "f.imp", NULL);
	if (!g_file_set_contents(mdb, "*:00000000000000000000000000000000:S.Md5:73\n", -1, NULL) ||
	    !g_file_set_contents(
	            msb,
	            "*:0000000000000000000000000000000000000000:S.Sha1:73\n"
	            "*:0000000000000000000000000000000000000000000000000000000000000000"
	            ":S.Sha256:73\n",
	            -1, NULL) ||
	    !g_file_set_contents(imp, "00000000000000000000000000000000:*:I.Md5:73\n", -1, NULL))
		abort();
	paths[0] = mdb;
	paths[1] = msb;
	paths[2] = imp;
	paths[3] = NULL;
	if (sigdb_load(paths, NULL, &db, NULL) < 0 || sigdb_count(db) != 4)
		abort();
	unlink(mdb);
	unlink(msb);
	unlink(imp);
	rmdir(dir);
	g_free(mdb);
	g_free(msb);
	g_free(imp);
	g_free(dir);
	return db;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_info pe;
	struct scan_result r;
	const char *why = NULL;
	GString *list;
	int rc = pe_parse(data, size, &pe, &why);

	if (rc < 0 && why == NULL)
		abort();
	if (rc == 1) {
		if (pe.n_sections == 0 || pe.n_sections > PE_MAX_SECTIONS)
			abort();
		for (unsigned int i = 0; i < pe.n_sections; i++) {
			if (pe.sections[i].rsz != 0 &&
			    (uint64_t)pe.sections[i].raw + pe.sections[i].rsz > size)
				abort();
		}
		list = g_string_new(NULL);
		rc = pe_imports(data, size, &pe, list, &why);
		if ((rc < 0 && why == NULL) || (rc == 0 && list->len != 0) ||
		    list->len > PE_MAX_IMPORT_STRING + 2 * PE_MAX_NAME + 2)
			abort();
		g_string_free(list, TRUE);
	}
	if (scan_bytes(fuzz_db(), data, size, NULL, &r, NULL) < 0)
		abort();
	return 0;
}
