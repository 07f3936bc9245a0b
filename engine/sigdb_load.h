#ifndef PARTSCAN_SIGDB_LOAD_H
#define PARTSCAN_SIGDB_LOAD_H

/*
 * The loader that turns signature text into a sigdb: used by sigdb_paths.c (files and
 * directories) and by the container reader (members of .cvd / .cld files). Not public API.
 */

#include "engine/sigdb_private.h"

struct sigdb_loader {
	struct sigdb *db;
	const struct sigdb_options *opts;
	unsigned int flevel;
	GArray *sources;    /* struct sigdb_source, becomes db->sources */
	GHashTable *ignore; /* name -> GArray of 16-byte MD5s (empty: the whole name) */
	size_t cur;         /* index of the source being read */
	char *stem;         /* the current file's name without extension (plain lists) */
	bool have_last;     /* last_* hold the previous line's name */
	uint32_t last_off;
	size_t last_len;
	char last_name[512];
	size_t mark_count[DIGEST__COUNT]; /* table sizes when the current source began */
	uint32_t *stems;                  /* open-addressing set of pool offsets of literal stems */
	size_t stems_cap, stems_count;
	bool owns_ignore;    /* the ignore table is freed with the loader */
	GPtrArray *warnings; /* non-NULL in a worker thread: warnings kept for later */
};

/* Free what the loader owns besides the database (ignore table, stems, stem of the file). */
void sigdb_loader_clear(struct sigdb_loader *ld);

void sigdb_loader_warn(struct sigdb_loader *ld, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Start a source (file or container member); returns its index in ld->sources. */
size_t sigdb_loader_begin(struct sigdb_loader *ld, const char *path, const char *name,
                          enum sigdb_format format);
/*
 * Parse the complete lines of data; with final, the last unterminated line too. Returns the
 * bytes consumed (the rest is an incomplete line to feed again with more data).
 */
size_t sigdb_loader_feed(struct sigdb_loader *ld, const char *data, size_t len, bool final);
/* Finish the current source: strict-mode rollback, the summary of skipped lines. */
void sigdb_loader_end(struct sigdb_loader *ld);
/* Add one signature to the current source. */
void sigdb_loader_add(struct sigdb_loader *ld, enum digest_type type, const unsigned char *hash,
                      uint32_t size, const char *name, size_t name_len);

/*
 * Read a container (.cvd / .cld / .cud) into the loader: its hash members become sources.
 * Returns 0, or -1 with error set for a container that cannot be used at all.
 */
int sigdb_load_container(struct sigdb_loader *ld, const char *path, GError **error);

#endif
