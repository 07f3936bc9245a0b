/*
 * fuzz_sigdb: a libFuzzer target over the signature loaders. The first byte chooses the
 * format (.hdb .hsb .hdu .fp .sfp .ign2 .ign plain .csv, a compiled snapshot, .mdb .msb .imp);
 * the rest is the file's content, written to a private directory in /dev/shm (the loaders read
 * files), then loaded, looked up and compiled; a snapshot input goes straight to
 * sigdb_open_snapshot(). Every database is also walked (sigdb_foreach: every signature once)
 * and diffed (sigdb_diff against itself and its snapshot: nothing new; against nothing: at
 * most every signature).
 *
 *   make fuzz && build-fuzz/fuzz_sigdb -max_len=8192 CORPUS tests/data/fuzz/sigdb
 */

#include "engine/sigdb.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_exts[] = {"hdb", "hsb", "hdu",  "fp",  "sfp", "ign2", "ign",
                                        "txt", "csv", "psdb", "mdb", "msb", "imp"};

static char *fuzz_dir(void)
{
	static char *dir;

	if (dir == NULL) {
		dir = g_strdup_printf("%s/partscan-fuzz-%ld",
		                      g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm"
		                                                                  : g_get_tmp_dir(),
		                      (long)getpid());
		g_mkdir_with_parents(dir, 0700);
	}
	return dir;
}

static int fuzz_count(void *ctx, const struct sigdb_sig *sig)
{
	if (sig->name == NULL || sig->hash == NULL || (unsigned)sig->type >= DIGEST__COUNT)
		abort();
	(*(size_t *)ctx)++;
	return 0;
}

/* The walks agree with the counts; a generation has nothing new against itself or its copy. */
static void fuzz_walks(struct sigdb *db, struct sigdb *copy)
{
	size_t all = 0, fresh = 0, none = 0;

	sigdb_foreach(db, fuzz_count, &all);
	sigdb_diff(NULL, db, fuzz_count, &fresh);
	sigdb_diff(db, db, fuzz_count, &none);
	if (copy != NULL)
		sigdb_diff(db, copy, fuzz_count, &none);
	if (all != sigdb_count(db) || fresh > all || none != 0)
		abort();
}

static void fuzz_exercise(struct sigdb *db)
{
	static const unsigned char h[32] = {0x90, 0x01, 0x50, 0x98};
	struct sigdb_match m[4];
	char *snap = g_strdup_printf("%s/out.psdb", fuzz_dir());
	struct sigdb *back;

	for (uint64_t size = 0; size < 4; size++) {
		(void)sigdb_digests_for_size(db, size);
		for (int t = 0; t < DIGEST__COUNT; t++)
			(void)sigdb_lookup(db, (enum digest_type)t, h, size, m, 4);
	}
	for (size_t i = 0; i < sigdb_source_count(db); i++)
		(void)sigdb_source_get(db, i)->name;
	/* a snapshot of what loaded opens again to the same counts */
	if (sigdb_compile(db, snap, NULL) == 0 && sigdb_open_snapshot(snap, &back, NULL) == 0) {
		if (sigdb_count(back) != sigdb_count(db))
			abort();
		fuzz_walks(db, back);
		sigdb_unref(&back);
	} else {
		fuzz_walks(db, NULL);
	}
	g_free(snap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sigdb_options opts = {.strict = false};
	const char *ext;
	char *path;
	const char *paths[2] = {NULL, NULL};
	struct sigdb *db = NULL;

	if (size < 1)
		return 0;
	ext = fuzz_exts[data[0] % G_N_ELEMENTS(fuzz_exts)];
	opts.strict = (data[0] & 0x80) != 0;
	path = g_strdup_printf("%s/in.%s", fuzz_dir(), ext);
	if (!g_file_set_contents(path, (const char *)data + 1, (gssize)size - 1, NULL))
		abort();
	paths[0] = path;
	if (strcmp(ext, "psdb") == 0) {
		if (sigdb_open_snapshot(path, &db, NULL) == 0)
			fuzz_exercise(db);
	} else if (sigdb_load(paths, &opts, &db, NULL) == 0) {
		fuzz_exercise(db);
	}
	sigdb_unref(&db);
	unlink(path);
	g_free(path);
	return 0;
}
