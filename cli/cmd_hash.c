/*
 * partscan hash: print "HASH:SIZE:NAME" lines, loadable as .hdb (MD5) or .hsb (SHA-1/256);
 * with --mdb, one "SIZE:HASH:NAME" line per section of a PE (.mdb, or .msb with --sha1 /
 * --sha256), the section bytes as the scanner hashes them; with --imp, "HASH:SIZE:NAME" of a
 * PE's import list (.imp). NAME is the file's base name ("stdin" for -), as ClamAV's sigtool
 * does.
 */

#include "cli/cli.h"
#include "engine/digest.h"
#include "engine/fmap.h"
#include "engine/pe.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum hash_what { HASH_FILE, HASH_MDB, HASH_IMP };

/* The PE lines of one file (--mdb, --imp). Returns 0, or -1 after reporting why not. */
static int hash_pe(const char *path, const struct fmap *map, enum hash_what what,
                   enum digest_type type, const char *name)
{
	struct pe_info pe;
	struct digest_set d;
	const char *why = NULL;
	char hex[DIGEST_MAX_HEX];
	GString *list;
	int rc = pe_parse(map->data, map->size, &pe, &why);

	if (rc <= 0) {
		cli_error("%s: %s%s", path,
		          rc == 0 ? "not a PE file" : "malformed PE: ", rc == 0 ? "" : why);
		return -1;
	}
	if (what == HASH_MDB) {
		for (unsigned int i = 0; i < pe.n_sections; i++) {
			const struct pe_section *s = &pe.sections[i];

			if (s->rsz == 0)
				continue; /* nothing to hash: the scanner skips it too */
			if (digest_compute(map->data + s->raw, s->rsz, DIGEST_BIT(type), &d) < 0)
				return -1;
			printf("%u:%s:%s\n", s->rsz,
			       digest_hex(digest_get(&d, type), digest_len(type), hex), name);
		}
		return 0;
	}
	list = g_string_new(NULL);
	rc = pe_imports(map->data, map->size, &pe, list, &why);
	if (rc <= 0) {
		cli_error("%s: %s%s", path,
		          rc == 0 ? "no import table" : "malformed import table: ",
		          rc == 0 ? "" : why);
	} else if (list->len == 0) {
		cli_error("%s: empty import list: no signature line (a size is 1 or more)", path);
		rc = -1;
	} else if (digest_compute((const unsigned char *)list->str, list->len, DIGEST_BIT(type),
	                          &d) == 0) {
		printf("%s:%zu:%s\n", digest_hex(digest_get(&d, type), digest_len(type), hex),
		       list->len, name);
	}
	g_string_free(list, TRUE);
	return rc > 0 ? 0 : -1;
}

int cli_cmd_hash(int argc, char **argv)
{
	gboolean md5 = FALSE, sha1 = FALSE, sha256 = FALSE, mdb = FALSE, imp = FALSE;
	GOptionEntry entries[] = {
	        {"md5", 0, 0, G_OPTION_ARG_NONE, &md5, "MD5 (.hdb, the default)", NULL},
	        {"sha1", 0, 0, G_OPTION_ARG_NONE, &sha1, "SHA-1 (.hsb)", NULL},
	        {"sha256", 0, 0, G_OPTION_ARG_NONE, &sha256, "SHA-256 (.hsb)", NULL},
	        {"mdb", 0, 0, G_OPTION_ARG_NONE, &mdb,
	         "one SIZE:HASH:NAME line per PE section (.mdb; .msb with --sha1/--sha256)", NULL},
	        {"imp", 0, 0, G_OPTION_ARG_NONE, &imp, "HASH:SIZE:NAME of the PE's imports (.imp)",
	         NULL},
	        {NULL}};
	enum hash_what what = HASH_FILE;
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
	if (mdb && imp) {
		cli_error("hash: choose one of --mdb, --imp");
		return CLI_EXIT_ERROR;
	}
	what = mdb ? HASH_MDB : imp ? HASH_IMP : HASH_FILE;
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
		int r = strcmp(argv[i], "-") == 0
		                ? fmap_read_fd(STDIN_FILENO, 0, NULL, &map, &error)
		                : fmap_open_file(argv[i], &map, &error);

		if (r < 0) {
			cli_error("%s", error->message);
			g_error_free(error);
			ret = CLI_EXIT_ERROR;
			continue;
		}
		name = strcmp(argv[i], "-") == 0 ? g_strdup("stdin") : g_path_get_basename(argv[i]);
		/* a ':' would end the name field early, and the loaders (partscan's, libclamav's)
		   refuse a name with a control character */
		for (char *c = name; *c != '\0'; c++)
			if (*c == ':' || (unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '_';
		if (what != HASH_FILE) {
			if (hash_pe(argv[i], &map, what, type, name) < 0)
				ret = CLI_EXIT_ERROR;
			g_free(name);
			fmap_close(&map);
			continue;
		}
		if (map.size == 0) {
			/* size 0 is refused by every loader (libclamav: the whole database) */
			cli_error("%s: empty file: no signature line (a size is 1 or more)",
			          argv[i]);
			g_free(name);
			fmap_close(&map);
			ret = CLI_EXIT_ERROR;
			continue;
		}
		if (digest_compute(map.data, map.size, DIGEST_BIT(type), &d) < 0) {
			cli_error("%s: digest failed", argv[i]);
			g_free(name);
			fmap_close(&map);
			ret = CLI_EXIT_ERROR;
			continue;
		}
		printf("%s:%zu:%s\n", digest_hex(digest_get(&d, type), digest_len(type), hex),
		       map.size, name);
		g_free(name);
		fmap_close(&map);
	}
	return ret;
}
