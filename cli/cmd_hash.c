/*
 * partscan hash: print "HASH:SIZE:NAME" lines, loadable as .hdb (MD5) or .hsb (SHA-1/256).
 * NAME is the file's base name ("stdin" for -), as ClamAV's sigtool does.
 */

#include "cli/cli.h"
#include "engine/digest.h"
#include "engine/fmap.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cli_cmd_hash(int argc, char **argv)
{
	gboolean md5 = FALSE, sha1 = FALSE, sha256 = FALSE;
	GOptionEntry entries[] = {
	        {"md5", 0, 0, G_OPTION_ARG_NONE, &md5, "MD5 (.hdb, the default)", NULL},
	        {"sha1", 0, 0, G_OPTION_ARG_NONE, &sha1, "SHA-1 (.hsb)", NULL},
	        {"sha256", 0, 0, G_OPTION_ARG_NONE, &sha256, "SHA-256 (.hsb)", NULL},
	        {NULL}};
	GOptionContext *ctx = g_option_context_new("FILE... - print signature lines");
	enum digest_type type = DIGEST_MD5;
	int ret = CLI_EXIT_CLEAN;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cli_parse(ctx, &argc, &argv)) {
		g_option_context_free(ctx);
		return CLI_EXIT_ERROR;
	}
	g_option_context_free(ctx);
	if (md5 + sha1 + sha256 > 1) {
		cli_error("hash: choose one of --md5, --sha1, --sha256");
		return CLI_EXIT_ERROR;
	}
	if (sha1)
		type = DIGEST_SHA1;
	else if (sha256)
		type = DIGEST_SHA256;
	if (argc < 2) {
		cli_error("hash: no file given (see hash --help)");
		return CLI_EXIT_ERROR;
	}
	for (int i = 1; i < argc; i++) {
		struct fmap map;
		struct digest_set d;
		GError *error = NULL;
		char hex[DIGEST_MAX_HEX];
		char *name;
		int r = strcmp(argv[i], "-") == 0 ? fmap_read_fd(STDIN_FILENO, 0, &map, &error)
		                                  : fmap_open_file(argv[i], &map, &error);

		if (r < 0) {
			cli_error("%s", error->message);
			g_error_free(error);
			ret = CLI_EXIT_ERROR;
			continue;
		}
		if (digest_compute(map.data, map.size, DIGEST_BIT(type), &d) < 0) {
			cli_error("%s: digest failed", argv[i]);
			fmap_close(&map);
			ret = CLI_EXIT_ERROR;
			continue;
		}
		name = strcmp(argv[i], "-") == 0 ? g_strdup("stdin") : g_path_get_basename(argv[i]);
		/* a ':' would end the name field early; signature names never contain one */
		g_strdelimit(name, ":\r\n", '_');
		printf("%s:%zu:%s\n", digest_hex(digest_get(&d, type), digest_len(type), hex),
		       map.size, name);
		g_free(name);
		fmap_close(&map);
	}
	return ret;
}
