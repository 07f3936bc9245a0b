/*
 * fuzz_html: a libFuzzer target over data: URIs and base64 literals of HTML and SVG (mime/html.c): html_probe() and
 * html_read() (fuzz_reader.h).
 *
 *   make fuzz && build-fuzz/fuzz_html -max_len=65536 CORPUS tests/data/readers
 */

#include "mime/html.h"
#include "tests/fuzz/fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_reader(data, size, html_probe, html_read);
}
