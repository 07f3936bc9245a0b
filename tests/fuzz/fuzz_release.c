/*
 * fuzz_release: a libFuzzer target over the release marker check of partscan-milter (a header
 * value from the network, conf/quarantine.h): any value is judged without a crash, and only a
 * marker made with the store's key passes; the same marker with any byte changed does not.
 *
 *   make fuzz && build-fuzz/fuzz_release CORPUS
 */

#include "conf/quarantine.h"

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *store, *marker;

static void fuzz_release_cleanup(void)
{
	char *key = g_build_filename(store, ".release-key", NULL);

	(void)remove(key);
	(void)remove(store);
	g_free(key);
}

static void fuzz_release_init(void)
{
	char *id = quarantine_new_id();

	store = g_dir_make_tmp("fuzz_release-XXXXXX", NULL);
	if (store == NULL || (marker = quarantine_release_marker(store, id, NULL)) == NULL ||
	    !quarantine_release_valid(store, marker))
		abort();
	atexit(fuzz_release_cleanup);
	g_free(id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = g_strndup((const char *)data, size);
	char *changed;

	if (store == NULL)
		fuzz_release_init();
	if (quarantine_release_valid(store, value) && strcmp(g_strstrip(value), marker) != 0)
		abort(); /* only our own marker passes */
	/* our marker with one byte changed by the input */
	if (size >= 2) {
		changed = g_strdup(marker);
		changed[data[0] % strlen(changed)] ^= (char)(data[1] | 1);
		if (strchr(changed, '\0') == changed + strlen(marker) &&
		    quarantine_release_valid(store, changed) && strcmp(changed, marker) != 0) {
			/* a change that only adds or drops white space around it may pass */
			char *t = g_strstrip(g_strdup(changed));

			if (strcmp(t, marker) != 0)
				abort();
			g_free(t);
		}
		g_free(changed);
	}
	g_free(value);
	return 0;
}
