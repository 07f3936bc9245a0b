/*
 * fuzz_pdf: a libFuzzer target over PDF embedded files (mime/pdf.c): pdf_probe() and
 * pdf_read() (fuzz_reader.h).
 *
 *   make fuzz && build-fuzz/fuzz_pdf -max_len=65536 CORPUS tests/data/readers
 */

#include "mime/pdf.h"
#include "tests/fuzz/fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_reader(data, size, pdf_probe, pdf_read);
}
