/*
 * fuzz_applefile: a libFuzzer target over AppleSingle and AppleDouble forks (mime/applefile.c): applefile_probe() and
 * applefile_read() (fuzz_reader.h).
 *
 *   make fuzz && build-fuzz/fuzz_applefile -max_len=65536 CORPUS tests/data/readers
 */

#include "mime/applefile.h"
#include "tests/fuzz/fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_reader(data, size, applefile_probe, applefile_read);
}
