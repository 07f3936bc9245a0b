/*
 * fuzz_readings: a libFuzzer target over the header readings of mime/readings.c: any bytes,
 * under every reading, give no copy or a copy of bounded size (a rewritten Content-Type is at
 * most four times its field: a boundary written back %-encoded; a CR alone gains a LF), and
 * a copy read again does not fail.
 *
 *   make fuzz && build-fuzz/fuzz_readings CORPUS tests/data/msgs
 */

#include "mime/readings.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int kinds[] = {MIME_READING_FIRST,
	                                     MIME_READING_VALUES,
	                                     MIME_READING_BOTH,
	                                     MIME_READING_CR,
	                                     MIME_READING_CR | MIME_READING_FIRST,
	                                     MIME_READING_CR | MIME_READING_BOTH};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		GBytes *b = mime_readings_make(data, size, kinds[k]), *again;
		size_t n;
		const unsigned char *out;

		if (b == NULL)
			continue;
		out = g_bytes_get_data(b, &n);
		if (n > ((kinds[k] & MIME_READING_CR) ? 8 : 4) * size + 64)
			abort();
		again = mime_readings_make(out, n, kinds[k]);
		g_bytes_unref(again);
		g_bytes_unref(b);
	}
	return 0;
}
