/*
 * fuzz_release: a libFuzzer target over the release marker check of partscan-milter (a header
 * value from the network, conf/quarantine.h): any value is judged without a crash, and only a
 * marker made with the store's key passes; the same marker with any byte changed does not,
 * nor the marker with the input as the body of the message (unless that body hashes as the
 * one the marker was made for).
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

static char *store, *marker, *digest;

static const char message[] = "Subject: released\r\n\r\nthe body\r\n";

/* The digest a marker binds of a body. */
static char *fuzz_release_digest(const unsigned char *body, size_t len)
{
	struct quarantine_body_hash *h = quarantine_body_hash_new();

	quarantine_body_hash_feed(h, body, len);
	return quarantine_body_hash_end(&h);
}

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
	size_t body = quarantine_body_offset((const unsigned char *)message, sizeof(message) - 1);

	store = g_dir_make_tmp("fuzz_release-XXXXXX", NULL);
	digest = fuzz_release_digest((const unsigned char *)message + body,
	                             sizeof(message) - 1 - body);
	if (store == NULL ||
	    (marker = quarantine_release_marker(store, id, (const unsigned char *)message,
	                                        sizeof(message) - 1, NULL)) == NULL ||
	    !quarantine_release_valid(store, marker, digest, NULL, NULL))
		abort();
	atexit(fuzz_release_cleanup);
	g_free(id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = g_strndup((const char *)data, size);
	char *changed, *other;

	if (store == NULL)
		fuzz_release_init();
	if (quarantine_release_valid(store, value, digest, NULL, NULL) &&
	    strcmp(g_strstrip(value), marker) != 0)
		abort(); /* only our own marker passes */
	/* our marker on a message whose body is the input: only a body that hashes alike */
	other = fuzz_release_digest(data, size);
	if (quarantine_release_valid(store, marker, other, NULL, NULL) &&
	    strcmp(other, digest) != 0)
		abort();
	g_free(other);
	/* our marker with one byte changed by the input */
	if (size >= 2) {
		changed = g_strdup(marker);
		changed[data[0] % strlen(changed)] ^= (char)(data[1] | 1);
		if (strchr(changed, '\0') == changed + strlen(marker) &&
		    quarantine_release_valid(store, changed, digest, NULL, NULL) &&
		    strcmp(changed, marker) != 0) {
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
