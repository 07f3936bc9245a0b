/*
 * fuzz_sfx: a libFuzzer target over self-extracting archives (mime/sfx.c): sfx_probe() and
 * sfx_read() (fuzz_reader.h), on executables with a RAR or 7z appended.
 *
 *   make fuzz && build-fuzz/fuzz_sfx -max_len=65536 CORPUS
 */

#include "mime/sfx.h"
#include "tests/fuzz/fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_reader(data, size, sfx_probe, sfx_read);
}
