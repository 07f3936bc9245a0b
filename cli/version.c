/*
 * partscan --version: the program's version and what the default signature paths hold on
 * disk, labelled as such (nothing is loaded or verified: that is what `partscan db info`
 * does).
 */

#include "cli/cli.h"

#include <stdio.h>

void cli_version(void)
{
	GString *out = g_string_new(NULL);

	printf("partscan %s (ClamAV functionality level %u, ClamAV %s's)\n", PARTSCAN_VERSION,
	       SIGDB_FLEVEL, SIGDB_FLEVEL_RELEASE);
	printf("signatures on disk (not loaded):\n");
	sigdb_describe_disk(cli_default_db_paths, out);
	fputs(out->str, stdout);
	g_string_free(out, TRUE);
}
