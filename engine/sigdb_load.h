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
	size_t mark_count[SIGDB_N_TABLES]; /* table sizes when the current source began */
	uint32_t *stems; /* open-addressing set of pool offsets of literal stems */
	size_t stems_cap, stems_count;
	unsigned int odd_flevels; /* level fields of this source that are not plain numbers */
	bool owns_ignore;         /* the ignore table is freed with the loader */
	GPtrArray *warnings;      /* non-NULL in a worker thread: warnings kept for later */
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
/* Add one signature to the current source (to the tables of its format's target). */
void sigdb_loader_add(struct sigdb_loader *ld, enum digest_type type, const unsigned char *hash,
                      uint32_t size, const char *name, size_t name_len);

/* ---- ClamAV containers (sigdb_container.c) ---- */

/* A container read, checked, and its used members held in memory until they are parsed. */
struct sigdb_cvd;

/*
 * Step 1: map the file, check its header and signatures, copy its used members out. Returns 0
 * with *cvd_r set — rejected or not — or -1 when the file cannot be opened or mapped.
 * Thread safe for distinct containers; opts must outlive the container.
 */
int sigdb_cvd_read(const char *path, const struct sigdb_options *opts, struct sigdb_cvd **cvd_r,
                   GError **error);
void sigdb_cvd_free(struct sigdb_cvd **cvd);
/* Of containers of the same database, mark all but the newest loadable one superseded. */
void sigdb_cvd_precedence(struct sigdb_cvd *const *cvds, size_t n);
/* Step 2: the container's own source (status, version, warnings). */
void sigdb_cvd_add_source(struct sigdb_loader *ld, const struct sigdb_cvd *cvd);
/* Members to parse (0 for a rejected or superseded container). */
size_t sigdb_cvd_member_count(const struct sigdb_cvd *cvd);
/* true for an ignore list (.ign2 / .ign): parsed before every signature file. */
bool sigdb_cvd_member_is_ignore(const struct sigdb_cvd *cvd, size_t i);
/* Parse member i as a source of its own, then free its text. One loader per member. */
void sigdb_cvd_load_member(struct sigdb_loader *ld, struct sigdb_cvd *cvd, size_t i);

#endif
