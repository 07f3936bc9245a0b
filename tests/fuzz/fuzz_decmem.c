/*
 * fuzz_decmem: a libFuzzer target over the stream header readers of max_decoder_memory
 * (mime/archive_memory.c: xz streams and their indexes, lzma, lzip members, zstd frames and
 * blocks, lz4 frames and blocks, bzip2, 7z headers, packed ones decoded, RAR 4 and 5 headers:
 * archive_rar.c). The first byte picks the type the part was given (lzma has no magic): 6 is
 * RAR, 7 LZ4, 8 lzip.
 *
 *   make fuzz && build-fuzz/fuzz_decmem -max_len=65536 CORPUS
 */

#include "mime/archive_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ftype types[] = {FTYPE_XZ,    FTYPE_LZMA, FTYPE_ZSTD,
	                                   FTYPE_BZIP2, FTYPE_GZIP, FTYPE_7Z,
	                                   FTYPE_RAR,   FTYPE_LZ4,  FTYPE_LZIP};
	uint64_t mem;

	if (size < 1)
		return 0;
	mem = mime_archive_decoder_memory(types[data[0] % G_N_ELEMENTS(types)], data + 1, size - 1);
	(void)mem;
	return 0;
}
