/*
 * partscan db: what signature files hold (info) and compiled snapshots (compile).
 */

#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void db_print_counts(const struct sigdb_source *s)
{
	static const char *const kinds[SIGDB_KIND__COUNT] = {"detect", "pua", "allow"};

	for (int k = 0; k < SIGDB_KIND__COUNT; k++) {
		unsigned int total = 0;

		for (int t = 0; t < DIGEST__COUNT; t++)
			total += s->counts[k][t];
		if (total == 0)
			continue;
		printf("    %-6s %u:", kinds[k], total);
		for (int t = 0; t < DIGEST__COUNT; t++) {
			if (s->counts[k][t] > 0)
				printf(" %s %u", digest_name(t), s->counts[k][t]);
		}
		printf("\n");
	}
	if (s->star[0] + s->star[1] + s->star[2] > 0)
		printf("    size *: md5 %u, sha1 %u, sha256 %u\n", s->star[0], s->star[1],
		       s->star[2]);
}

static void db_print_source(const struct sigdb_source *s)
{
	unsigned int total = 0;
	char when[32];
	time_t mtime = (time_t)s->mtime;

	for (int k = 0; k < SIGDB_KIND__COUNT; k++)
		for (int t = 0; t < DIGEST__COUNT; t++)
			total += s->counts[k][t];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&mtime));
	printf("%s\n", s->path);
	printf("    format %s, %u signatures, %llu bytes, modified %s\n",
	       sigdb_format_name(s->format), total, (unsigned long long)s->size, when);
	if (s->version != NULL)
		printf("    version %s\n", s->version);
	db_print_counts(s);
	if (s->ign_entries > 0)
		printf("    ignore entries: %u\n", s->ign_entries);
	if (s->unused > 0)
		printf("    not used by partscan (%u %s)\n", s->unused,
		       s->format == SIGDB_FORMAT_CONTAINER ? "container" : "file of another kind");
	if (s->skipped_flevel > 0)
		printf("    outside functionality level: %u\n", s->skipped_flevel);
	if (s->skipped_pua > 0)
		printf("    PUA signatures not loaded (PUA disabled): %u\n", s->skipped_pua);
	if (s->ignored > 0)
		printf("    dropped by ignore lists: %u\n", s->ignored);
	if (s->bad_lines > 0)
		printf("    malformed lines: %u%s (first: %s)\n", s->bad_lines,
		       s->refused ? ", file refused" : ", skipped", s->first_error);
}

static int db_info(char **paths, bool strict, bool pua)
{
	int ret = CLI_EXIT_CLEAN;

	for (size_t i = 0; paths[i] != NULL; i++) {
		char *one[] = {paths[i], NULL};
		struct sigdb_options opts = {.strict = strict, .pua = pua};
		struct sigdb *db;
		GError *error = NULL;
		size_t bad = 0;

		if (sigdb_load((const char *const *)one, &opts, &db, &error) < 0) {
			cli_error("%s", error->message);
			g_error_free(error);
			ret = CLI_EXIT_ERROR;
			continue;
		}
		if (sigdb_snapshot_path(db) != NULL)
			printf("%s: compiled snapshot of:\n", paths[i]);
		for (size_t s = 0; s < sigdb_source_count(db); s++) {
			const struct sigdb_source *src = sigdb_source_get(db, s);
			db_print_source(src);
			bad += src->bad_lines;
		}
		printf("total: %zu signatures (detect %zu, pua %zu, allow %zu) from %zu files, "
		       "%zu malformed lines\n",
		       sigdb_count(db),
		       sigdb_count_of(db, SIGDB_DETECT, DIGEST_MD5) +
		               sigdb_count_of(db, SIGDB_DETECT, DIGEST_SHA1) +
		               sigdb_count_of(db, SIGDB_DETECT, DIGEST_SHA256),
		       sigdb_count_of(db, SIGDB_PUA, DIGEST_MD5) +
		               sigdb_count_of(db, SIGDB_PUA, DIGEST_SHA1) +
		               sigdb_count_of(db, SIGDB_PUA, DIGEST_SHA256),
		       sigdb_count_of(db, SIGDB_ALLOW, DIGEST_MD5) +
		               sigdb_count_of(db, SIGDB_ALLOW, DIGEST_SHA1) +
		               sigdb_count_of(db, SIGDB_ALLOW, DIGEST_SHA256),
		       sigdb_source_count(db), bad);
		sigdb_unref(&db);
	}
	return ret;
}

static int db_compile(char **paths, const char *output, bool strict, bool pua)
{
	struct sigdb *db;
	GError *error = NULL;
	gint64 t0 = g_get_monotonic_time();

	if (cli_load_db(paths, strict, pua, &db) < 0)
		return CLI_EXIT_ERROR;
	if (sigdb_compile(db, output, &error) < 0) {
		cli_error("%s", error->message);
		g_error_free(error);
		sigdb_unref(&db);
		return CLI_EXIT_ERROR;
	}
	printf("%s: %zu signatures from %zu files compiled in %.3f s\n", output, sigdb_count(db),
	       sigdb_source_count(db), (double)(g_get_monotonic_time() - t0) / 1e6);
	sigdb_unref(&db);
	return CLI_EXIT_CLEAN;
}

int cli_cmd_db(int argc, char **argv)
{
	gboolean strict = FALSE, pua = FALSE;
	char *output = NULL;
	GOptionEntry entries[] = {
	        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "snapshot to write (compile)",
	         "FILE"},
	        {"strict", 0, 0, G_OPTION_ARG_NONE, &strict, "refuse a file with a malformed line",
	         NULL},
	        {"pua", 0, 0, G_OPTION_ARG_NONE, &pua, "load PUA signatures (.hdu/.hsu)", NULL},
	        {NULL}};
	GOptionContext *ctx = g_option_context_new("info PATH... | compile -o FILE PATH...");
	int ret;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cli_parse(ctx, &argc, &argv)) {
		g_option_context_free(ctx);
		return CLI_EXIT_ERROR;
	}
	g_option_context_free(ctx);
	if (argc < 3) {
		cli_error("db: expected 'info PATH...' or 'compile -o FILE PATH...'");
		g_free(output);
		return CLI_EXIT_ERROR;
	}
	if (strcmp(argv[1], "info") == 0) {
		ret = db_info(argv + 2, strict, pua);
	} else if (strcmp(argv[1], "compile") == 0) {
		if (output == NULL) {
			cli_error("db compile: -o FILE is required");
			ret = CLI_EXIT_ERROR;
		} else {
			ret = db_compile(argv + 2, output, strict, pua);
		}
	} else {
		cli_error("db: unknown subcommand '%s'", argv[1]);
		ret = CLI_EXIT_ERROR;
	}
	g_free(output);
	return ret;
}
