/*
 * fuzz_skeleton: a libFuzzer target that checks GMime's parse of a message's skeleton
 * (mime/skeleton.c) against the parse of the message itself: msg_scan()'s JSON report must be
 * the same, byte for byte, with skeletons off and with the shortest cut stretch at 64 and 512
 * bytes (so that small inputs are cut everywhere a cut can go, and refused where it cannot).
 *
 * Build and run: make fuzz; build-fuzz/fuzz_skeleton -max_len=65536 CORPUS_DIR tests/data/msgs
 * PARTSCAN_FUZZ_DB names the signatures (default contrib/test-signatures).
 */

#include "engine/json.h"
#include "mime/msgscan.h"
#include "tests/fuzz/fuzz_bundled.h"
#include "mime/skeleton.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sigdb *fuzz_db(void)
{
	return fuzz_bundled_db("fuzz_skeleton");
}

/* The JSON report of data with the shortest cut stretch at min (0: no skeleton). */
static char *report(const uint8_t *data, size_t size, size_t min)
{
	struct msg_scan_options o = {.scan = {.want = DIGEST_BIT(DIGEST_SHA256)}};
	struct msg_report *r = NULL;
	GString *out = g_string_new(NULL);
	struct json j;

	mime_skel_min(min);
	if (msg_scan(fuzz_db(), data, size, &o, &r, NULL) < 0) {
		g_string_free(out, TRUE);
		return g_strdup("(failed)");
	}
	json_init(&j, out);
	json_begin_object(&j, NULL);
	msg_report_json(r, &j);
	json_end_object(&j);
	msg_report_free(&r);
	return g_string_free(out, FALSE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t mins[] = {64, 512};
	char *whole = report(data, size, 0);

	for (size_t i = 0; i < sizeof(mins) / sizeof(mins[0]); i++) {
		char *skel = report(data, size, mins[i]);

		if (strcmp(whole, skel) != 0) {
			fprintf(stderr, "fuzz_skeleton: reports differ with stretch %zu:\n%s\n%s\n",
			        mins[i], whole, skel);
			abort();
		}
		g_free(skel);
	}
	g_free(whole);
	return 0;
}
