/*
 * partscan db: what signature files and ClamAV containers hold (info), and compiled snapshots
 * (compile). A container is shown with its header (database, version, build time, signature
 * counts), how it was verified or why it was rejected, and the member kinds partscan does not
 * use; `info` fails (exit 2) when a container was rejected, after printing everything.
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

static unsigned int db_total(const struct sigdb_source *s)
{
	unsigned int total = 0;

	for (int k = 0; k < SIGDB_KIND__COUNT; k++)
		for (int t = 0; t < DIGEST__COUNT; t++)
			total += s->counts[k][t];
	return total;
}

static void db_time(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		g_strlcpy(out, "?", len);
}

/* A container's own lines: header, verification, members, age. */
static void db_print_container(const struct sigdb_source *s, unsigned int loaded)
{
	int64_t age = (int64_t)time(NULL) - s->built;
	char built[32];

	db_time(s->built, built, sizeof(built));
	if (s->version != NULL)
		printf("    container %s %u, built %s, flevel %u, %u signatures in the header, "
		       "%u loaded by partscan\n",
		       s->cvd_name, s->cvd_version, built, s->cvd_flevel, s->cvd_sigs, loaded);
	if (s->rejected)
		printf("    REJECTED, nothing loaded: %s\n", s->reject_reason);
	else if (s->superseded)
		printf("    SUPERSEDED, not loaded: %s\n", s->reject_reason);
	else
		printf("    verified (%s): %s\n", sigdb_verify_name(s->verify),
		       s->verify_detail != NULL ? s->verify_detail : "");
	if (s->unused > 0)
		printf("    members not used by partscan: %u (%s)\n", s->unused,
		       s->unused_detail != NULL ? s->unused_detail : "");
	if (!s->rejected && !s->superseded && s->built != 0 && s->cvd_name != NULL &&
	    g_ascii_strcasecmp(s->cvd_name, "daily") == 0 &&
	    age > (int64_t)SIGDB_CVD_MAX_AGE_DAYS * 86400)
		printf("    WARNING: %s is %lld days old (more than %u): is freshclam running?\n",
		       s->name, (long long)(age / 86400), SIGDB_CVD_MAX_AGE_DAYS);
}

static void db_print_source(const struct sigdb *db, size_t idx)
{
	const struct sigdb_source *s = sigdb_source_get(db, idx);
	unsigned int total = db_total(s);
	char when[32];

	/* a container's signatures are those of its members, which follow it */
	for (size_t i = idx + 1; s->format == SIGDB_FORMAT_CONTAINER && i < sigdb_source_count(db);
	     i++) {
		const struct sigdb_source *m = sigdb_source_get(db, i);
		if (m->container == NULL || strcmp(m->container, s->path) != 0)
			break;
		total += db_total(m);
	}

	db_time(s->mtime, when, sizeof(when));
	printf("%s\n", s->path);
	printf("    format %s, %u signatures, %llu bytes, modified %s\n",
	       sigdb_format_name(s->format), total, (unsigned long long)s->size, when);
	if (sigdb_format_target(s->format) != SIGDB_TARGET_FILE)
		printf("    hashes of: %s\n", sigdb_target_name(sigdb_format_target(s->format)));
	if (s->format == SIGDB_FORMAT_CONTAINER) {
		db_print_container(s, total);
		return;
	}
	if (s->version != NULL)
		printf("    version %s\n", s->version);
	db_print_counts(s);
	if (s->ign_entries > 0)
		printf("    ignore entries: %u\n", s->ign_entries);
	if (s->unused > 0)
		printf("    not used by partscan (file of another kind)\n");
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

static size_t db_sum(const struct sigdb *db, enum sigdb_kind kind)
{
	return sigdb_count_of(db, kind, DIGEST_MD5) + sigdb_count_of(db, kind, DIGEST_SHA1) +
	       sigdb_count_of(db, kind, DIGEST_SHA256);
}

static int db_info(char **paths, const struct sigdb_options *base)
{
	int ret = CLI_EXIT_CLEAN;

	for (size_t i = 0; paths[i] != NULL; i++) {
		char *one[] = {paths[i], NULL};
		struct sigdb_options opts = *base;
		struct sigdb *db;
		GError *error = NULL;
		GString *targets;
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

			db_print_source(db, s);
			bad += src->bad_lines;
			if (src->rejected) {
				/* a container that could not be verified is a problem to look at */
				cli_error("%s: rejected: %s", src->path, src->reject_reason);
				ret = CLI_EXIT_ERROR;
			}
		}
		targets = g_string_new("kinds: ");
		sigdb_describe_targets(db, targets);
		printf("total: %zu signatures (detect %zu, pua %zu, allow %zu) from %zu files, "
		       "%zu malformed lines\n%s",
		       sigdb_count(db), db_sum(db, SIGDB_DETECT), db_sum(db, SIGDB_PUA),
		       db_sum(db, SIGDB_ALLOW), sigdb_source_count(db), bad, targets->str);
		g_string_free(targets, TRUE);
		sigdb_unref(&db);
	}
	return ret;
}

static void db_warn(void *ctx, const char *message)
{
	cli_warn("%s", message);
}

/* Like cli_load_db(), with the container options of this command. */
static int db_load(char **paths, const struct sigdb_options *base, struct sigdb **db_r)
{
	struct sigdb_options opts = *base;
	GError *error = NULL;

	opts.warn = db_warn;
	if (sigdb_load((const char *const *)paths, &opts, db_r, &error) < 0) {
		cli_error("%s", error->message);
		g_error_free(error);
		return -1;
	}
	for (size_t i = 0; i < sigdb_source_count(*db_r); i++) {
		const struct sigdb_source *s = sigdb_source_get(*db_r, i);

		if (s->refused) {
			cli_error("%s: refused%s: %s", s->path, opts.strict ? " (strict mode)" : "",
			          s->first_error);
			sigdb_unref(db_r);
			return -1;
		}
	}
	if (sigdb_count(*db_r) == 0) {
		cli_error("no signatures loaded from %s%s", paths[0],
		          paths[1] != NULL ? " and the other paths" : "");
		sigdb_unref(db_r);
		return -1;
	}
	return 0;
}

static int db_compile(char **paths, const char *output, const struct sigdb_options *opts)
{
	struct sigdb *db;
	GError *error = NULL;
	gint64 t0 = g_get_monotonic_time();

	if (db_load(paths, opts, &db) < 0)
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
	gboolean strict = FALSE, pua = FALSE, allow_unsigned = FALSE;
	char *output = NULL, *certs = NULL;
	GOptionEntry entries[] = {
	        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "snapshot to write (compile)",
	         "FILE"},
	        {"strict", 0, 0, G_OPTION_ARG_NONE, &strict, "refuse a file with a malformed line",
	         NULL},
	        {"pua", 0, 0, G_OPTION_ARG_NONE, &pua, "load PUA signatures (.hdu .hsu .mdu .msu)",
	         NULL},
	        {"certs-dir", 0, 0, G_OPTION_ARG_FILENAME, &certs,
	         "CA certificates for .cvd.sign files (default: $CVD_CERTS_DIR or " SIGDB_CERT_DIR
	         ")",
	         "DIR"},
	        {"allow-unsigned", 0, 0, G_OPTION_ARG_NONE, &allow_unsigned,
	         "TESTING ONLY: accept .cvd/.cld containers that carry no signature", NULL},
	        {NULL}};
	GOptionContext *ctx = g_option_context_new("info PATH... | compile -o FILE PATH...");
	struct sigdb_options opts = {0};
	int ret;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cli_parse(ctx, &argc, &argv)) {
		g_option_context_free(ctx);
		return CLI_EXIT_ERROR;
	}
	g_option_context_free(ctx);
	opts.strict = strict;
	opts.pua = pua;
	opts.cert_dir = certs;
	opts.allow_unsigned = allow_unsigned;
	if (argc < 3) {
		cli_error("db: expected 'info PATH...' or 'compile -o FILE PATH...'");
		ret = CLI_EXIT_ERROR;
	} else if (strcmp(argv[1], "info") == 0) {
		ret = db_info(argv + 2, &opts);
	} else if (strcmp(argv[1], "compile") == 0) {
		if (output == NULL) {
			cli_error("db compile: -o FILE is required");
			ret = CLI_EXIT_ERROR;
		} else {
			ret = db_compile(argv + 2, output, &opts);
		}
	} else {
		cli_error("db: unknown subcommand '%s'", argv[1]);
		ret = CLI_EXIT_ERROR;
	}
	g_free(output);
	g_free(certs);
	return ret;
}
