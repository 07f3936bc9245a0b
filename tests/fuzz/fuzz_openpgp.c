/*
 * fuzz_openpgp: a libFuzzer target over OpenPGP literal and compressed data (mime/openpgp.c): openpgp_probe() and
 * openpgp_read() (fuzz_reader.h).
 *
 *   make fuzz && build-fuzz/fuzz_openpgp -max_len=65536 CORPUS tests/data/readers
 */

#include "mime/openpgp.h"
#include "tests/fuzz/fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_reader(data, size, openpgp_probe, openpgp_read);
}
