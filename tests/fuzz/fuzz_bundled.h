#ifndef PARTSCAN_FUZZ_BUNDLED_H
#define PARTSCAN_FUZZ_BUNDLED_H

/*
 * The signatures of the libFuzzer targets that scan whole messages (fuzz_msgscan,
 * fuzz_skeleton): PARTSCAN_FUZZ_DB, or the bundled test signatures, loaded once.
 */

#include <stdio.h>
#include <stdlib.h>

#include "engine/sigdb.h"

static inline struct sigdb *fuzz_bundled_db(const char *who)
{
	static struct sigdb *db;
	const char *path = getenv("PARTSCAN_FUZZ_DB");
	const char *paths[] = {path != NULL ? path : "contrib/test-signatures", NULL};
	GError *error = NULL;

	if (db == NULL && sigdb_load(paths, NULL, &db, &error) < 0) {
		fprintf(stderr, "%s: %s\n", who, error->message);
		abort();
	}
	return db;
}

#endif
