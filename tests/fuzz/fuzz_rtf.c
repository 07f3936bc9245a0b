/*
 * fuzz_rtf: a libFuzzer target over the embedded objects of RTF (mime/rtf.c): rtf_probe()
 * and rtf_read() (fuzz_reader.h).
 *
 *   make fuzz && build-fuzz/fuzz_rtf -max_len=65536 CORPUS tests/data/readers
 */

#include "mime/rtf.h"
#include "tests/fuzz/fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_reader(data, size, rtf_probe, rtf_read);
}
