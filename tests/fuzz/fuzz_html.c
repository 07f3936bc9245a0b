/*
 * fuzz_html: a libFuzzer target over data: URIs and base64 literals of HTML and SVG (mime/html.c): html_probe() and
 * html_read() (fuzz_reader.h). html_probe() is the reader's pre-gate: when it says no, the reader
 * must find nothing (a miss there would be a smuggled file never scanned): the target aborts.
 *
 *   make fuzz && build-fuzz/fuzz_html -max_len=65536 CORPUS tests/data/readers
 */

#include <stdlib.h>

#include "mime/html.h"
#include "tests/fuzz/fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!html_probe(data, size)) {
		GPtrArray *members = reader_members_new();
		GError *error = NULL;

		if (html_read(data, size, NULL, members, &error) != 0 || members->len > 0)
			abort();
		g_ptr_array_unref(members);
	}
	return fuzz_reader(data, size, html_probe, html_read);
}
