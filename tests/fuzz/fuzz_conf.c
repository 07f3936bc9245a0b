/*
 * fuzz_conf: a libFuzzer target over the configuration parser: any text either parses, and
 * then its dump parses back to the same dump, or is refused with a reason.
 *
 *   make fuzz && build-fuzz/fuzz_conf CORPUS conf
 */

#include "conf/conf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = NULL, *back = NULL;
	GError *error = NULL;
	char *d1, *d2;

	if (conf_parse("fuzz", (const char *)data, size, &c, &error) < 0) {
		if (error == NULL || strncmp(error->message, "fuzz:", 5) != 0)
			abort(); /* every refusal names the file (and line) */
		g_error_free(error);
		return 0;
	}
	d1 = conf_dump(c);
	if (conf_parse("fuzz", d1, strlen(d1), &back, NULL) < 0)
		abort();
	d2 = conf_dump(back);
	if (strcmp(d1, d2) != 0)
		abort();
	g_free(d1);
	g_free(d2);
	conf_free(&c);
	conf_free(&back);
	return 0;
}
