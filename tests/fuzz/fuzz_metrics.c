/*
 * fuzz_metrics: a libFuzzer target over the names that reach the metrics' exposition text:
 * the input, split at NUL bytes, is a list of (database, signature) names of any bytes
 * counted as detections; the rendered text must be valid UTF-8, every name within
 * STATS_NAME_MAX, and the number of signature series within METRICS_TOP_SIGNATURES.
 *
 *   make fuzz && build-fuzz/fuzz_metrics CORPUS
 */

#include "milter/metrics.h"
#include "milter/stats.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *p, *end, *db = NULL;
	GString *out;
	unsigned int series = 0;

	if (size > 65536)
		return 0;
	stats_reset();
	copy = g_malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (p = copy, end = copy + size; p <= end; p += strlen(p) + 1) {
		if (db == NULL) {
			db = p;
			continue;
		}
		stats_detection((*p & 1) ? STATS_DETECT_ALLOWLISTED : STATS_DETECT_FILE, db, p);
		db = NULL;
	}
	out = g_string_new(NULL);
	metrics_render(out, NULL);
	if (!g_utf8_validate(out->str, (gssize)out->len, NULL))
		abort();
	for (p = strstr(out->str, "\npartscan_signature_detections_last_day{"); p != NULL;
	     p = strstr(p + 1, "\npartscan_signature_detections_last_day{")) {
		const char *eol = strchr(p + 1, '\n');

		if (eol == NULL || (size_t)(eol - p) > 64 + 2 * STATS_NAME_MAX)
			abort();
		series++;
	}
	if (series > METRICS_TOP_SIGNATURES)
		abort();
	g_string_free(out, TRUE);
	g_free(copy);
	return 0;
}
