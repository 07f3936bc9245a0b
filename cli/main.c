/*
 * partscan: the command-line face of the scanning engine.
 *
 *   partscan scan [options] PATH...|-     scan files, directories, messages, mailboxes
 *   partscan hash [--md5|--sha1|--sha256] FILE...
 *   partscan db info PATH... | db compile -o FILE PATH...
 *   partscan hunt [-c CONF | --index URL] [--since WHEN] [--until WHEN] [--json] HASH...
 *   partscan hunt [...] --signatures FILE...
 *
 * Each subcommand lives in its own cmd_*.c; this file dispatches and holds the shared helpers.
 */

#include "cli/cli.h"
#include "conf/conf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const cli_default_db_paths[] = {"/var/lib/partscan", "/var/lib/clamav", NULL};

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("partscan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("partscan: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

char *cli_printable(const char *s)
{
	GString *out;

	if (s == NULL || *s == '\0')
		return g_strdup("-");
	out = g_string_sized_new(strlen(s));
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\n')
			g_string_append(out, "\\n");
		else if (*p == '\t')
			g_string_append(out, "\\t");
		else if (*p == '\r')
			g_string_append(out, "\\r");
		else if (*p == '\\')
			g_string_append(out, "\\\\");
		else if (*p < 0x20 || *p == 0x7f)
			g_string_append_printf(out, "\\x%02x", *p);
		else
			g_string_append_c(out, (char)*p);
	}
	return g_string_free(out, FALSE);
}

static void cli_db_warn(void *ctx, const char *message)
{
	cli_warn("%s", message);
}

/* A refused file (strict mode, or no valid line at all) fails the whole command. */
static bool cli_refused(const struct sigdb *db, bool strict)
{
	bool refused = false;

	for (size_t i = 0; i < sigdb_source_count(db); i++) {
		const struct sigdb_source *s = sigdb_source_get(db, i);

		if (s->refused) {
			cli_error("%s: refused%s: %s", s->path, strict ? " (strict mode)" : "",
			          s->first_error);
			refused = true;
		}
	}
	return refused;
}

int cli_load_db(char **paths, bool strict, bool pua, struct sigdb **db_r)
{
	struct sigdb_options opts = {.strict = strict, .pua = pua, .warn = cli_db_warn};
	GPtrArray *use = g_ptr_array_new();
	GError *error = NULL;
	int ret;

	if (paths != NULL && paths[0] != NULL) {
		for (size_t i = 0; paths[i] != NULL; i++)
			g_ptr_array_add(use, paths[i]);
	} else {
		for (size_t i = 0; cli_default_db_paths[i] != NULL; i++) {
			if (g_file_test(cli_default_db_paths[i], G_FILE_TEST_IS_DIR))
				g_ptr_array_add(use, (char *)cli_default_db_paths[i]);
		}
	}
	if (use->len == 0) {
		cli_error("no signature database: none of the default paths exists (use -d)");
		g_ptr_array_free(use, TRUE);
		return -1;
	}
	g_ptr_array_add(use, NULL);
	ret = sigdb_load((const char *const *)use->pdata, &opts, db_r, &error);
	if (ret < 0) {
		cli_error("%s", error->message);
		g_error_free(error);
	} else if (cli_refused(*db_r, strict)) {
		sigdb_unref(db_r);
		ret = -1;
	} else if (sigdb_count(*db_r) == 0) {
		cli_error("no signatures loaded from %s%s", (char *)use->pdata[0],
		          use->len > 2 ? " and the other paths" : "");
		sigdb_unref(db_r);
		ret = -1;
	}
	g_ptr_array_free(use, TRUE);
	return ret;
}

int cli_load_conf(const char *path, struct conf **conf_r)
{
	static const char *const def = "/etc/partscan/partscan.conf";
	GError *error = NULL;

	if (path == NULL && !g_file_test(def, G_FILE_TEST_EXISTS)) {
		*conf_r = conf_defaults();
		return 0;
	}
	if (conf_load(path != NULL ? path : def, conf_r, &error) < 0) {
		cli_error("%s", error->message);
		g_error_free(error);
		return -1;
	}
	return 0;
}

bool cli_parse(GOptionContext *ctx, int *argc, char ***argv)
{
	GError *error = NULL;

	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		cli_error("%s (see --help)", error->message);
		g_error_free(error);
		return false;
	}
	return true;
}

static void cli_usage(FILE *out)
{
	fputs("Usage: partscan COMMAND [OPTIONS] [ARGS]\n"
	      "\n"
	      "Commands:\n"
	      "  scan [-d DB]... [--json] [--infected] [--no-summary] PATH...|-\n"
	      "                       scan files, directories (recursively), messages,\n"
	      "                       mailboxes or standard input\n"
	      "  hash [--md5|--sha1|--sha256] FILE...\n"
	      "                       print HASH:SIZE:NAME signature lines (.hdb / .hsb)\n"
	      "  db info PATH...      what a signature file or directory holds\n"
	      "  db compile -o FILE PATH...\n"
	      "                       write a compiled snapshot that opens by mmap\n"
	      "  hunt [-c CONF | --index URL] [--since WHEN] [--until WHEN] [--json] HASH...\n"
	      "                       which delivered parts had these hashes (the index)\n"
	      "  hunt [...] --signatures FILE...\n"
	      "                       which delivered parts these signatures match\n"
	      "  ctl [-s SOCKET] ping|version|reload|stats\n"
	      "                       talk to a running partscan-milter\n"
	      "  quarantine list | show [--raw] ID | release [--force] ID | delete ID\n"
	      "                       the quarantine store of partscan-milter\n"
	      "\n"
	      "Options:\n"
	      "  -h, --help           this help; COMMAND --help for a command's options\n"
	      "  -V, --version        version, and the signatures on disk\n"
	      "\n"
	      "Exit status: 0 clean, 1 something found, 2 error.\n",
	      out);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL) {
		cli_usage(stderr);
		return CLI_EXIT_ERROR;
	}
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		cli_usage(stdout);
		return CLI_EXIT_CLEAN;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0 ||
	    strcmp(cmd, "version") == 0) {
		cli_version();
		return CLI_EXIT_CLEAN;
	}
	if (strcmp(cmd, "scan") == 0)
		return cli_cmd_scan(argc - 1, argv + 1);
	if (strcmp(cmd, "hash") == 0)
		return cli_cmd_hash(argc - 1, argv + 1);
	if (strcmp(cmd, "db") == 0)
		return cli_cmd_db(argc - 1, argv + 1);
	if (strcmp(cmd, "hunt") == 0)
		return cli_cmd_hunt(argc - 1, argv + 1);
	if (strcmp(cmd, "ctl") == 0)
		return cli_cmd_ctl(argc - 1, argv + 1);
	if (strcmp(cmd, "quarantine") == 0)
		return cli_cmd_quarantine(argc - 1, argv + 1);
	cli_error("unknown command '%s' (see --help)", cmd);
	return CLI_EXIT_ERROR;
}
