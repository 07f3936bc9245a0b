/*
 * ftype.c: the real type of a buffer, learned from its bytes.
 *
 * In order to keep the cost independent of the size, detection looks at bounded places only:
 * fixed footers at the end (VHD, DMG), the ISO 9660 / UDF volume descriptors at 32 KB, magic
 * numbers at the head, one PE header at e_lfanew, the OLE2 and zip directories (read by
 * ftype_container.c within FTYPE_OLE2_MAX_ENTRIES / FTYPE_ZIP_MAX_ENTRIES), and a text sample
 * of at most FTYPE_TEXT_SAMPLE bytes (ftype_text.c: mail, text, markup, scripts). The bytes are
 * hostile: every read is checked against the size and every offset or count taken from the
 * data is validated before use. Weak magic numbers (MZ, BM, cpio, tar, ARJ, ICO, LZMA) need a
 * sane header as well, so that text starting with "MZ" or "BM" stays text.
 *
 * Thread safety: no state; every table is const. Safe to call from any thread.
 */

#include "engine/ftype.h"
#include "engine/ftype_bytes.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#define HEAD_WINDOW 1024 /* "%PDF-" may start anywhere in the first KB */

/* Magic numbers that need no further check: long enough or checked by the reader anyway. */
struct magic {
	unsigned char off, len;
	const char *bytes;
	enum ftype type;
	unsigned int flags;
};

static const struct magic magics[] = {
        {0, 8, "\x89PNG\r\n\x1a\n", FTYPE_PNG, 0},
        {0, 3, "\xff\xd8\xff", FTYPE_JPEG, 0},
        {0, 6, "GIF87a", FTYPE_GIF, 0},
        {0, 6, "GIF89a", FTYPE_GIF, 0},
        {0, 4, "II*\0", FTYPE_TIFF, 0},
        {0, 4, "MM\0*", FTYPE_TIFF, 0},
        {0, 4, "II+\0", FTYPE_TIFF, 0}, /* BigTIFF */
        {0, 4, "MM\0+", FTYPE_TIFF, 0},
        {0, 6, "7z\xbc\xaf\x27\x1c", FTYPE_7Z, 0},
        {0, 3, "\x1f\x8b\x08", FTYPE_GZIP, 0},
        {0, 6,
         "\xfd"
         "7zXZ\0",
         FTYPE_XZ, 0},
        {0, 4, "\x28\xb5\x2f\xfd", FTYPE_ZSTD, 0},
        {0, 4, "\x78\x9f\x3e\x22", FTYPE_TNEF, 0},
        {0, 8, "vhdxfile", FTYPE_VHDX, 0},
        {0, 8, "conectix", FTYPE_VHD, 0}, /* dynamic disk: copy of the footer at 0 */
        {7, 7, "**ACE**", FTYPE_ACE, 0},
        {0, 5, "%PDF-", FTYPE_PDF, 0},
        {0, 4, "\x00\x05\x16\x00", FTYPE_APPLESINGLE, 0}, /* AppleSingle */
        {0, 4, "\x00\x05\x16\x07", FTYPE_APPLESINGLE, 0}, /* AppleDouble header */
        {0, 27, "-----BEGIN PGP MESSAGE-----", FTYPE_PGP, 0},
        {0, 4, "{\\rt", FTYPE_RTF, 0}, /* Word needs only "{\rt": "{\rtf1" is not required */
        /* OneNote section {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}, table of contents (onetoc2) */
        {0, 16, "\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d\xae\xb1\x53\x78\xd0\x29\x96\xd3", FTYPE_ONENOTE,
         0},
        {0, 16, "\xa1\x2f\xff\x43\xd9\xef\x76\x4c\x9e\xe2\x10\xea\x57\x22\x76\x5f", FTYPE_ONENOTE,
         0},
};

/* Shell link: HeaderSize 0x4C, then LinkCLSID {00021401-0000-0000-C000-000000000046}. */
static const char lnk_magic[20] = "\x4c\0\0\0\x01\x14\x02\0\0\0\0\0\xc0\0\0\0\0\0\0\x46";

static void detect_pe(const unsigned char *d, size_t size, size_t pe, struct ftype_info *info)
{
	size_t opt = pe + 24, ndir_off, dir_off, clr;
	uint16_t optsize = le16(d + pe + 20), magic;
	uint32_t ndir;

	set(info, FTYPE_PE, (le16(d + pe + 22) & 0x2000) ? FTYPE_FLAG_DLL : 0);
	if (!has(size, opt, 2)) {
		info->flags |= FTYPE_FLAG_TRUNCATED;
		return;
	}
	magic = le16(d + opt);
	if (magic == 0x20b) {
		info->flags |= FTYPE_FLAG_64BIT;
		ndir_off = 108;
		dir_off = 112;
	} else if (magic == 0x10b) {
		ndir_off = 92;
		dir_off = 96;
	} else {
		return; /* ROM image or garbage: still a PE signature */
	}
	if (!has(size, opt, dir_off)) {
		info->flags |= FTYPE_FLAG_TRUNCATED;
		return;
	}
	/* Data directory 14 is the CLR (COM descriptor) header: a .NET assembly. */
	ndir = le32(d + opt + ndir_off);
	clr = dir_off + 14 * 8;
	if (ndir <= 14 || optsize < clr + 8)
		return;
	if (!has(size, opt + clr, 8))
		info->flags |= FTYPE_FLAG_TRUNCATED;
	else if (le32(d + opt + clr) != 0 && le32(d + opt + clr + 4) != 0)
		info->flags |= FTYPE_FLAG_DOTNET;
}

/*
 * "MZ": a PE when e_lfanew points at "PE\0\0", else a DOS program when the header is sane
 * (text starting with "MZ" is not), else not an executable at all.
 */
static bool detect_mz(const unsigned char *d, size_t size, struct ftype_info *info)
{
	bool dos_ok;
	uint32_t lfanew;

	if (size < 6)
		return set(info, FTYPE_MZ, FTYPE_FLAG_TRUNCATED);
	dos_ok = le16(d + 2) < 512 && le16(d + 4) != 0; /* bytes on the last page, pages */
	if (size < 0x40)
		return dos_ok ? set(info, FTYPE_MZ, FTYPE_FLAG_TRUNCATED) : false;
	lfanew = le32(d + 0x3c);
	if (lfanew >= 4 && has(size, lfanew, 24) && memcmp(d + lfanew, "PE\0\0", 4) == 0) {
		detect_pe(d, size, lfanew, info);
		return true;
	}
	if (!dos_ok)
		return false;
	return set(info, FTYPE_MZ,
	           lfanew >= 0x40 && !has(size, lfanew, 4) ? FTYPE_FLAG_TRUNCATED : 0);
}

/*
 * 0xCAFEBABE is both a fat Mach-O (then a small architecture count follows) and a Java class
 * file (then minor and major version: the major is 45 or more, so the big-endian word is never
 * small).
 */
static bool detect_cafebabe(const unsigned char *d, size_t size, struct ftype_info *info,
                            bool fat64)
{
	size_t entsize = fat64 ? 32 : 20;
	uint32_t n;

	if (size < 8)
		return false;
	n = be32(d + 4);
	if (n >= 1 && n <= 20) {
		set(info, FTYPE_MACHO, FTYPE_FLAG_FAT);
		for (uint32_t i = 0; i < n; i++) {
			if (!has(size, 8 + i * entsize, entsize)) {
				info->flags |= FTYPE_FLAG_TRUNCATED;
				break;
			}
			if (be32(d + 8 + i * entsize) & 0x01000000) /* CPU_ARCH_ABI64 */
				info->flags |= FTYPE_FLAG_64BIT;
		}
		return true;
	}
	if (!fat64 && (n & 0xffff) >= 45 && (n & 0xffff) < 100)
		return set(info, FTYPE_CLASS, 0);
	return false;
}

static bool detect_exec(const unsigned char *d, size_t size, struct ftype_info *info)
{
	uint32_t m = size >= 4 ? be32(d) : 0;

	if (at(d, size, 0, "MZ", 2))
		return detect_mz(d, size, info);
	if (at(d, size, 0,
	       "\x7f"
	       "ELF",
	       4)) {
		bool is64 = size > 4 && d[4] == 2;
		return set(info, FTYPE_ELF,
		           (is64 ? FTYPE_FLAG_64BIT : 0) |
		                   (size < (is64 ? 64u : 52u) ? FTYPE_FLAG_TRUNCATED : 0));
	}
	if (m == 0xfeedface || m == 0xcefaedfe)
		return set(info, FTYPE_MACHO, size < 28 ? FTYPE_FLAG_TRUNCATED : 0);
	if (m == 0xfeedfacf || m == 0xcffaedfe)
		return set(info, FTYPE_MACHO,
		           FTYPE_FLAG_64BIT | (size < 32 ? FTYPE_FLAG_TRUNCATED : 0));
	if (m == 0xcafebabe || m == 0xcafebabf)
		return detect_cafebabe(d, size, info, m == 0xcafebabf);
	/* "dex\n035\0": three version digits */
	if (at(d, size, 0, "dex\n", 4) && size >= 8 && d[4] >= '0' && d[4] <= '9' && d[5] >= '0' &&
	    d[5] <= '9' && d[6] >= '0' && d[6] <= '9' && d[7] == 0)
		return set(info, FTYPE_DEX, size < 0x70 ? FTYPE_FLAG_TRUNCATED : 0);
	if (at(d, size, 0, lnk_magic, sizeof(lnk_magic)))
		return set(info, FTYPE_LNK, size < 0x4c ? FTYPE_FLAG_TRUNCATED : 0);
	if (at(d, size, 0, "#!", 2)) {
		size_t i = 2;
		while (i < size && i < 16 && (d[i] == ' ' || d[i] == '\t'))
			i++;
		if (i < size && d[i] == '/')
			return set(info, FTYPE_SCRIPT, 0);
	}
	return false;
}

static bool all_digits(const unsigned char *p, size_t n, bool octal)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		bool ok = octal ? (c >= '0' && c <= '7')
		                : ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		                   (c >= 'A' && c <= 'F'));
		if (!ok)
			return false;
	}
	return true;
}

/* cpio: ASCII headers must be all (hex or octal) digits; binary ones need a sane name. */
static bool detect_cpio(const unsigned char *d, size_t size, struct ftype_info *info)
{
	if ((at(d, size, 0, "070701", 6) || at(d, size, 0, "070702", 6)) && has(size, 0, 110) &&
	    all_digits(d + 6, 104, false))
		return set(info, FTYPE_CPIO, 0);
	if (at(d, size, 0, "070707", 6) && has(size, 0, 76) && all_digits(d + 6, 70, true))
		return set(info, FTYPE_CPIO, 0);
	if (size >= 26 && ((d[0] == 0xc7 && d[1] == 0x71) || (d[0] == 0x71 && d[1] == 0xc7))) {
		bool le = d[0] == 0xc7;
		size_t namesize = le ? le16(d + 20) : (size_t)(d[20] << 8 | d[21]);
		if (namesize >= 2 && namesize <= 4096 && has(size, 26, namesize) &&
		    d[26 + namesize - 1] == 0 && d[26] != 0)
			return set(info, FTYPE_CPIO, 0);
	}
	return false;
}

/* tar: the ustar magic, or an old-style header whose checksum is right. */
static bool detect_tar(const unsigned char *d, size_t size, struct ftype_info *info)
{
	uint32_t sum = 0, ssum = 0, want = 0;
	size_t i;

	if (size < 512 || d[0] == 0)
		return false;
	if (at(d, size, 257, "ustar", 5) && (d[262] == 0 || d[262] == ' '))
		return set(info, FTYPE_TAR, 0);
	for (i = 148; i < 156 && (d[i] == ' ' || d[i] == 0); i++)
		;
	if (i == 156 || d[i] < '0' || d[i] > '7')
		return false;
	for (; i < 156 && d[i] >= '0' && d[i] <= '7'; i++)
		want = want * 8 + (d[i] - '0');
	if (i < 156 && d[i] != ' ' && d[i] != 0)
		return false;
	for (i = 0; i < 512; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : d[i];
		sum += c;
		ssum += (uint32_t)(int32_t)(signed char)c;
	}
	return (want == sum || want == ssum) ? set(info, FTYPE_TAR, 0) : false;
}

static uint32_t crc32_nibble(const unsigned char *p, size_t n)
{
	static const uint32_t t[16] = {0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	                               0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	                               0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	                               0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c};
	uint32_t crc = 0xffffffff;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		crc = (crc >> 4) ^ t[crc & 15];
		crc = (crc >> 4) ^ t[crc & 15];
	}
	return ~crc;
}

/* ARJ: 0x60 0xEA, a basic header of at most 2600 bytes and its CRC-32. */
static bool detect_arj(const unsigned char *d, size_t size, struct ftype_info *info)
{
	size_t n;

	if (!at(d, size, 0, "\x60\xea", 2) || size < 8)
		return false;
	n = le16(d + 2);
	if (n < 30 || n > 2600 || !has(size, 4, n + 4) || d[4] > n)
		return false;
	return crc32_nibble(d + 4, n) == le32(d + 4 + n) ? set(info, FTYPE_ARJ, 0) : false;
}

/* RAR: flag RAR5 and archives whose headers are encrypted (RAR4 MHD_PASSWORD, RAR5 header 4). */
static bool detect_rar(const unsigned char *d, size_t size, struct ftype_info *info)
{
	if (at(d, size, 0, "Rar!\x1a\x07\x01\x00", 8)) {
		set(info, FTYPE_RAR, FTYPE_FLAG_RAR5);
		/* CRC32, then vint header size (1-3 bytes), then vint header type */
		for (size_t i = 12; i < 15 && i + 1 < size; i++) {
			if (!(d[i] & 0x80)) {
				if (d[i + 1] == 4)
					info->flags |= FTYPE_FLAG_ENCRYPTED;
				break;
			}
		}
		return true;
	}
	if (at(d, size, 0, "Rar!\x1a\x07\x00", 7)) {
		set(info, FTYPE_RAR, 0);
		if (size >= 12 && d[9] == 0x73 && (le16(d + 10) & 0x80))
			info->flags |= FTYPE_FLAG_ENCRYPTED;
		return true;
	}
	return false;
}

static bool detect_image(const unsigned char *d, size_t size, struct ftype_info *info)
{
	if (at(d, size, 0, "BM", 2) && size >= 18) {
		uint32_t dib = le32(d + 14), off = le32(d + 10);
		bool dib_ok = dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 ||
		              dib == 108 || dib == 124;
		if (dib_ok && le32(d + 6) == 0 && off >= 14 + dib)
			return set(info, FTYPE_BMP, 0);
	}
	if (at(d, size, 0, "RIFF", 4) && at(d, size, 8, "WEBP", 4))
		return set(info, FTYPE_WEBP, 0);
	/* ICO: reserved 0, type 1, a count, then a sane first entry */
	if (at(d, size, 0, "\0\0\1\0", 4) && size >= 22) {
		uint16_t n = le16(d + 4), bpp = le16(d + 12);
		uint32_t bytes = le32(d + 14), off = le32(d + 18);
		if (n >= 1 && (d[9] == 0 || d[9] == 0xff) && le16(d + 10) <= 1 && bpp <= 32 &&
		    (bpp & (bpp - 1)) == 0 && bytes > 0 && off >= 6 + 16u * n)
			return set(info, FTYPE_ICO, 0);
	}
	return false;
}

/*
 * An LZ4 frame (04 22 4D 18; FLG version 01 and its reserved bit clear; BD a block size of 64
 * KiB to 4 MiB, reserved bits clear), or the legacy format (02 21 4C 18, then a first block of
 * at most LZ4_compressBound(8 MiB) bytes), as libarchive reads them.
 */
static bool detect_lz4(const unsigned char *d, size_t size)
{
	if (at(d, size, 0, "\x04\x22\x4d\x18", 4))
		return size >= 7 && (d[4] & 0xc2) == 0x40 && !(d[5] & 0x8f) && d[5] >> 4 >= 4;
	return at(d, size, 0, "\x02\x21\x4c\x18", 4) && size >= 8 && le32(d + 4) != 0 &&
	       le32(d + 4) <= 8421520u;
}

#define SKIPPABLE_MAX 16 /* skippable frames walked before a stream's first frame */

/*
 * Skippable frames (magic 0x184D2A50..5F little-endian, a 4-byte size, that many bytes) come
 * before the first frame of a zstd stream that pzstd wrote (one before every frame, holding
 * its size) and of any zstd stream a writer chose to tag; zstd, libzstd and 7-Zip skip them.
 * Such bytes are zstd when, after frames that lie whole in the bytes, a zstd frame follows,
 * or more skippable frames than SKIPPABLE_MAX (zstd -dc would read on): a bounded walk. LZ4
 * uses the same skippable frames: an LZ4 frame after them is LZ4.
 */
static bool detect_skippable(const unsigned char *d, size_t size, struct ftype_info *info)
{
	size_t p = 0;

	for (unsigned int i = 0; i <= SKIPPABLE_MAX; i++) {
		if (!has(size, p, 8) || (le32(d + p) & 0xfffffff0u) != 0x184d2a50u)
			return false;
		if (i == SKIPPABLE_MAX)
			return set(info, FTYPE_ZSTD, 0);
		if (!has(size, p + 8, le32(d + p + 4)))
			return false;
		p += 8 + (size_t)le32(d + p + 4);
		if (at(d, size, p, "\x28\xb5\x2f\xfd", 4))
			return set(info, FTYPE_ZSTD, 0);
		if (detect_lz4(d + p, size - p)) /* LZ4 frames share the skippable frames */
			return set(info, FTYPE_LZ4, 0);
	}
	return false;
}

/*
 * Compressed streams with a magic number and header bits that must hold: Unix compress
 * (1F 9D, reserved bits clear, 9 to 16 code bits, first codes that can begin a stream), lzip ("LZIP", version 0 or 1, a dictionary
 * of 2^12 to 2^29 bytes), LZ4 (above).
 */
static bool detect_streams(const unsigned char *d, size_t size, struct ftype_info *info)
{
	/* ... and, compress's first code being a byte, no 9th bit in it; its second a byte,
	   the clear code or the first new code (at most 257) */
	if (at(d, size, 0, "\x1f\x9d", 2) && size >= 3 && !(d[2] & 0x60) && (d[2] & 0x1f) >= 9 &&
	    (d[2] & 0x1f) <= 16 && (size < 5 || !(d[4] & 1)) &&
	    (size < 6 || ((unsigned int)d[4] >> 1 | ((unsigned int)d[5] & 3) << 7) <= 257))
		return set(info, FTYPE_COMPRESS, 0);
	if (at(d, size, 0, "LZIP", 4) && size >= 6 && d[4] <= 1 && (d[5] & 0x1f) >= 12 &&
	    (d[5] & 0x1f) <= 29)
		return set(info, FTYPE_LZIP, 0);
	return detect_lz4(d, size) ? set(info, FTYPE_LZ4, 0) : false;
}

static bool detect_archive(const unsigned char *d, size_t size, struct ftype_info *info)
{
	if (detect_rar(d, size, info) || detect_skippable(d, size, info) ||
	    detect_streams(d, size, info))
		return true;
	/* bzip2: "BZh1".."BZh9", then a block magic (pi) or the end-of-stream magic (sqrt pi) */
	if (at(d, size, 0, "BZh", 3) && size >= 4 && d[3] >= '1' && d[3] <= '9' &&
	    (size < 10 || at(d, size, 4, "1AY&SY", 6) ||
	     at(d, size, 4, "\x17\x72\x45\x38\x50\x90", 6)))
		return set(info, FTYPE_BZIP2, 0);
	/* CAB: "MSCF", reserved1 zero, format version 1.x */
	if (at(d, size, 0, "MSCF\0\0\0\0", 8) && size >= 26 && d[25] == 1)
		return set(info, FTYPE_CAB, 0);
	/* CHM: "ITSF" version 2 or 3 */
	if (at(d, size, 0, "ITSF", 4) && size >= 8 && (le32(d + 4) == 2 || le32(d + 4) == 3))
		return set(info, FTYPE_CHM, 0);
	return detect_cpio(d, size, info) || detect_tar(d, size, info) || detect_arj(d, size, info);
}

/* Structures found at the end or at 32 KB: they win over what the head looks like. */
static bool detect_disk(const unsigned char *d, size_t size, struct ftype_info *info)
{
	static const size_t iso_off[] = {0x8001, 0x8801, 0x9001};
	bool bea = false;

	if (size >= 512 && (at(d, size, size - 512, "conectix", 8) ||
	                    (size >= 511 && at(d, size, size - 511, "conectix", 8))))
		return set(info, FTYPE_VHD, 0);
	if (size >= 512 && at(d, size, size - 512, "koly", 4) && be32(d + size - 508) == 4 &&
	    be32(d + size - 504) == 512)
		return set(info, FTYPE_DMG, 0);
	/* UDF volume recognition sequence: BEA01, then NSR02/NSR03 (2 KB or larger sectors) */
	for (size_t k = 0; k < 32 && has(size, 0x8000 + k * 2048, 6); k++) {
		const unsigned char *p = d + 0x8000 + k * 2048 + 1;
		if (memcmp(p, "BEA01", 5) == 0)
			bea = true;
		else if (bea && (memcmp(p, "NSR02", 5) == 0 || memcmp(p, "NSR03", 5) == 0))
			return set(info, FTYPE_UDF, 0);
		else if (memcmp(p, "TEA01", 5) == 0)
			break;
	}
	for (size_t i = 0; i < sizeof(iso_off) / sizeof(iso_off[0]); i++)
		if (at(d, size, iso_off[i], "CD001", 5))
			return set(info, FTYPE_ISO, 0);
	return false;
}

/*
 * LZMA "alone" has no magic: a properties byte below 225, a dictionary size of 2^n or
 * 2^n + 2^(n-1), an uncompressed size that is unknown (-1) or plausible, and the range coder's
 * first byte, which is always 0.
 */
static bool detect_lzma(const unsigned char *d, size_t size, struct ftype_info *info)
{
	uint32_t dict, low;
	uint64_t usize = 0;

	if (size < 14 || d[0] >= 225 || d[13] != 0)
		return false;
	dict = le32(d + 1);
	low = dict & (~dict + 1); /* lowest bit set */
	if (dict < 4096 || (dict - low != 0 && dict - low != low << 1))
		return false;
	for (int i = 7; i >= 0; i--)
		usize = usize << 8 | d[5 + i];
	if (usize != UINT64_MAX && usize > ((uint64_t)1 << 40))
		return false;
	return set(info, FTYPE_LZMA, 0);
}

#define PGP_PROBE_IN  4096u         /* compressed bytes a trial decode reads */
#define PGP_PROBE_OUT (64u * 1024u) /* decoded bytes after which it has seen enough */

/* A compressed data packet's stream (n bytes; zlib window_bits -15 for ZIP, raw deflate; 15
   for ZLIB) decodes: to its end, exactly at the packet's, when it lies within PGP_PROBE_IN
   bytes, else without error or end through the first PGP_PROBE_IN. Random bytes whose first
   bits pass for a block header fail within a few hundred bytes. */
static bool pgp_inflates(const unsigned char *s, size_t n, int window_bits)
{
	unsigned char out[4096];
	z_stream z;
	size_t total = 0;
	int r;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, window_bits) != Z_OK)
		return false;
	z.next_in = (Bytef *)(uintptr_t)s;
	z.avail_in = (uInt)(n < PGP_PROBE_IN ? n : PGP_PROBE_IN);
	do {
		z.next_out = out;
		z.avail_out = sizeof(out);
		r = inflate(&z, Z_NO_FLUSH);
		total += sizeof(out) - z.avail_out;
	} while (r == Z_OK && z.avail_in > 0 && total < PGP_PROBE_OUT);
	inflateEnd(&z);
	/* a stream ends where its packet does: one that ends before is random bytes that happened
	   to form a short stream */
	if (r == Z_STREAM_END)
		return n <= PGP_PROBE_IN && z.avail_in == 0;
	return n > PGP_PROBE_IN && (r == Z_OK || r == Z_BUF_ERROR);
}

/*
 * The packet header at d: its tag, the header's size, and the body's length (definite false:
 * to the end of the data, or partial lengths). false when the header does not fit.
 */
static bool pgp_header(const unsigned char *d, size_t size, unsigned int *tag_r, size_t *skip_r,
                       size_t *len_r, bool *definite_r)
{
	static const unsigned char skips[4] = {2, 3, 5, 1};

	if (size < 2 || !(d[0] & 0x80))
		return false;
	*definite_r = true;
	if (d[0] & 0x40) {
		*tag_r = d[0] & 0x3f;
		if (d[1] < 192) {
			*skip_r = 2;
			*len_r = d[1];
		} else if (d[1] < 224) {
			*skip_r = 3;
			*len_r = size < 3 ? 0 : ((size_t)(d[1] - 192) << 8) + d[2] + 192;
		} else if (d[1] == 255) {
			*skip_r = 6;
			*len_r = size < 6 ? 0 : (size_t)be32(d + 2);
		} else {
			*skip_r = 2;
			*len_r = 0;
			*definite_r = false; /* a partial length */
		}
	} else {
		*tag_r = (d[0] >> 2) & 0x0f;
		*skip_r = skips[d[0] & 3];
		if (size < *skip_r)
			return false;
		*len_r = (d[0] & 3) == 0   ? d[1]
		         : (d[0] & 3) == 1 ? (size_t)d[1] << 8 | d[2]
		         : (d[0] & 3) == 2 ? (size_t)be32(d + 1)
		                           : 0;
		*definite_r = (d[0] & 3) != 3;
	}
	return size >= *skip_r;
}

/* A multiprecision integer of at most max_bits at p (n bytes left): its size, or 0. Its bit
   count must be that of its first byte (no leading zero bits). */
static size_t pgp_mpi(const unsigned char *p, size_t n, unsigned int max_bits)
{
	unsigned int bits, bytes;

	if (n < 3)
		return 0;
	bits = (unsigned int)p[0] << 8 | p[1];
	bytes = (bits + 7) / 8;
	if (bits == 0 || bits > max_bits || n - 2 < bytes || p[2] == 0 ||
	    (unsigned int)(32 - __builtin_clz(p[2])) != (bits - 1) % 8 + 1)
		return 0;
	return 2 + bytes;
}

/* A public-key encrypted session key packet (version 3) whose fields fill its length: the
   key id, an RSA, Elgamal or ECDH algorithm and its values. */
static bool pgp_pkesk(const unsigned char *b, size_t len)
{
	size_t n, m;

	if (len < 13 || b[0] != 3)
		return false;
	switch (b[9]) {
	case 1: /* RSA */
	case 2:
		return pgp_mpi(b + 10, len - 10, 16384) == len - 10;
	case 16: /* Elgamal */
		n = pgp_mpi(b + 10, len - 10, 16384);
		return n > 0 && (m = pgp_mpi(b + 10 + n, len - 10 - n, 16384)) > 0 &&
		       10 + n + m == len;
	case 18: /* ECDH: a point, then the wrapped key's length and the key */
		n = pgp_mpi(b + 10, len - 10, 1024);
		return n > 0 && 10 + n < len && 10 + n + 1 + b[10 + n] == len;
	default:
		return false;
	}
}

/* A symmetric-key encrypted session key packet (version 4): a cipher, a string-to-key
   specifier (simple, salted or iterated; a known hash), then no key or an encrypted one. */
static bool pgp_skesk(const unsigned char *b, size_t len)
{
	static const unsigned char s2k_len[4] = {2, 10, 0, 11};
	size_t rest;

	if (len < 4 || b[0] != 4 || b[1] < 1 || b[1] > 13 || b[2] > 3 || b[2] == 2 ||
	    len < 2 + (size_t)s2k_len[b[2]])
		return false;
	if (!(b[3] >= 1 && b[3] <= 3) && !(b[3] >= 8 && b[3] <= 11))
		return false;
	rest = len - 2 - s2k_len[b[2]];
	return rest == 0 || (rest >= 17 && rest <= 33);
}

/* A literal data packet at d: its format byte, a name of printable characters, and a known
   length that lies whole in the bytes and ends them or is followed by the message's
   signature. */
static bool pgp_literal(const unsigned char *d, size_t size)
{
	unsigned int tag, next_tag;
	size_t skip, len, n, next_skip, next_len;
	bool definite, next_definite;
	const unsigned char *b;

	if (!pgp_header(d, size, &tag, &skip, &len, &definite) || tag != 11 || size - skip < 2)
		return false;
	b = d + skip;
	n = b[1];
	if ((b[0] != 'b' && b[0] != 't' && b[0] != 'u') || n >= 128 || size - skip < 2 + n ||
	    (definite && (len < 6 + n || len > size - skip)))
		return false;
	if (definite && skip + len < size &&
	    (!pgp_header(d + skip + len, size - skip - len, &next_tag, &next_skip, &next_len,
	                 &next_definite) ||
	     next_tag != 2))
		return false;
	for (size_t i = 0; i < n; i++)
		if (b[2 + i] < 0x20 || b[2 + i] == 0x7f)
			return false;
	return true;
}

/*
 * A binary OpenPGP message (RFC 4880): a packet header, then a body that fits the packet:
 * compressed data whose stream decodes (ZIP, ZLIB: a trial decode of its first bytes, or of
 * all of it when short; BZip2: its header and first block's magic; none: a literal data packet
 * inside), literal data (its format byte, a printable name, a known length that ends the bytes
 * or a signature follows), or a session key packet whose fields fill
 * its length exactly, followed by another session key or encrypted data packet. Every check
 * is needed: random bytes passed the first byte of each check in about one file of 5000, and
 * were then unscannable ("corrupt deflate stream") or held as encrypted.
 */
static bool detect_pgp(const unsigned char *d, size_t size, struct ftype_info *info)
{
	unsigned int tag, next_tag;
	size_t skip, len, next_skip, next_len;
	bool definite, next_definite;
	const unsigned char *b;

	if (size < 16 || !pgp_header(d, size, &tag, &skip, &len, &definite))
		return false;
	b = d + skip;
	if (tag == 8) {
		size_t n = definite && len <= size - skip ? len : size - skip;

		if (n < 2)
			return false;
		if ((b[0] == 1 && (b[1] & 6) != 6 && pgp_inflates(b + 1, n - 1, -15)) ||
		    (b[0] == 2 && (b[1] & 0x0f) == 8 && ((b[1] << 8) | b[2]) % 31 == 0 &&
		     pgp_inflates(b + 1, n - 1, 15)) ||
		    (b[0] == 3 && n >= 11 && memcmp(b + 1, "BZh", 3) == 0 && b[4] >= '1' &&
		     b[4] <= '9' &&
		     (memcmp(b + 5, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
		      memcmp(b + 5, "\x17\x72\x45\x38\x50\x90", 6) == 0)) ||
		    (b[0] == 0 && pgp_literal(b + 1, n - 1)))
			return set(info, FTYPE_PGP, 0);
		return false;
	}
	if (tag == 11)
		return pgp_literal(d, size) && set(info, FTYPE_PGP, 0);
	if ((tag != 1 && tag != 3) || !definite || len > size - skip ||
	    !(tag == 1 ? pgp_pkesk(b, len) : pgp_skesk(b, len)))
		return false;
	/* what follows: another session key, or the encrypted data (SED, SEIPD, AEAD) */
	if (skip + len == size)
		return false;
	if (!pgp_header(d + skip + len, size - skip - len, &next_tag, &next_skip, &next_len,
	                &next_definite))
		return false;
	if (next_tag != 1 && next_tag != 3 && next_tag != 9 && next_tag != 18 && next_tag != 20)
		return false;
	return set(info, FTYPE_PGP, 0);
}

/*
 * DER (or BER, indefinite length) CMS ContentInfo (RFC 5652) of S/MIME: a SEQUENCE, then the
 * content type OID pkcs7-signedData or -envelopedData (1.2.840.113549.1.7.2 / .3) or
 * id-ct-authEnvelopedData (1.2.840.113549.1.9.16.1.23), then the [0] explicit content.
 */
static bool detect_pkcs7(const unsigned char *d, size_t size, struct ftype_info *info)
{
	static const unsigned char p7[] = {0x06, 0x09, 0x2a, 0x86, 0x48,
	                                   0x86, 0xf7, 0x0d, 0x01, 0x07};
	static const unsigned char ae[] = {0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7,
	                                   0x0d, 0x01, 0x09, 0x10, 0x01, 0x17, 0xa0};
	size_t off;

	if (size < 32 || d[0] != 0x30)
		return false;
	if (d[1] == 0x80 || d[1] < 0x80)
		off = 2;
	else if (d[1] >= 0x81 && d[1] <= 0x84)
		off = 2 + (size_t)(d[1] & 0x7f);
	else
		return false;
	if (memcmp(d + off, p7, sizeof(p7)) == 0 &&
	    (d[off + sizeof(p7)] == 2 || d[off + sizeof(p7)] == 3) &&
	    d[off + sizeof(p7) + 1] == 0xa0)
		return set(info, FTYPE_PKCS7, 0);
	if (memcmp(d + off, ae, sizeof(ae)) == 0)
		return set(info, FTYPE_PKCS7, 0);
	return false;
}

static bool detect_binary_head(const unsigned char *d, size_t size, struct ftype_info *info)
{
	if (at(d, size, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8)) {
		ftype_detect_ole2(d, size, info);
		return true;
	}
	if (at(d, size, 0, "PK\3\4", 4) || at(d, size, 0, "PK\5\6", 4) ||
	    at(d, size, 0, "PK\7\x08PK\3\4", 8)) {
		ftype_detect_zip(d, size, info);
		return true;
	}
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (at(d, size, magics[i].off, magics[i].bytes, magics[i].len))
			return set(info, magics[i].type, magics[i].flags);
	return detect_exec(d, size, info) || detect_archive(d, size, info) ||
	       detect_image(d, size, info) || detect_pgp(d, size, info) ||
	       detect_pkcs7(d, size, info);
}

static bool pdf_in_head(const unsigned char *d, size_t size, struct ftype_info *info)
{
	size_t n = size < HEAD_WINDOW ? size : HEAD_WINDOW;

	return memmem(d, n, "%PDF-", 5) != NULL ? set(info, FTYPE_PDF, 0) : false;
}

/* A PDF whose trailer (at the end, or at the start when linearized) names an /Encrypt dict. */
static void pdf_flags(const unsigned char *d, size_t size, struct ftype_info *info)
{
	size_t n = size < 4096 ? size : 4096;

	if (memmem(d + size - n, n, "/Encrypt", 8) || memmem(d, n, "/Encrypt", 8))
		info->flags |= FTYPE_FLAG_ENCRYPTED;
}

/*
 * Order matters: footers and disc descriptors first (a DMG or a disc image may start with
 * anything), then magic numbers, then mail and text (ftype_text.c; mail before "%PDF-" in the
 * first KB, as a message may quote a PDF header), then a PDF header after binary junk, then
 * LZMA, which has no magic.
 */
void ftype_detect(const unsigned char *data, size_t size, struct ftype_info *info_r)
{
	info_r->type = FTYPE_BINARY;
	info_r->flags = 0;
	if (size == 0 || data == NULL) {
		info_r->type = FTYPE_EMPTY;
		return;
	}
	if (detect_disk(data, size, info_r) || detect_binary_head(data, size, info_r) ||
	    ftype_detect_text(data, size, info_r) || pdf_in_head(data, size, info_r) ||
	    detect_lzma(data, size, info_r)) {
		if (info_r->type == FTYPE_PDF)
			pdf_flags(data, size, info_r);
		return;
	}
	info_r->type = FTYPE_BINARY;
	info_r->flags = 0;
}
