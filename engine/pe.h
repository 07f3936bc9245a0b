#ifndef PARTSCAN_PE_H
#define PARTSCAN_PE_H

/*
 * pe: the parts of a Windows PE file that ClamAV's section (.mdb .msb) and import (.imp) hash
 * signatures are taken over, read the way libclamav reads them.
 *
 * Sections: the raw bytes from PointerToRawData aligned down to FileAlignment, SizeOfRawData
 * aligned up to FileAlignment, cut at the end of the file; a section of size 0 (or starting at
 * or past the end of the file) has nothing to hash. Sections may overlap: each is hashed on its
 * own. Imports: the list "dll.function,dll.function,..." in import-table order, lower-cased,
 * the dll name without a .dll / .ocx / .sys extension at its first dot, ordinals of ws2_32 /
 * wsock32 / oleaut32 resolved to names and the others written "ordN"; its MD5 / SHA-1 /
 * SHA-256 and its length are what an .imp signature names. Where pefile's get_imphash() and
 * libclamav read a table differently, libclamav's reading is followed: the directory's Size
 * bounds the descriptors, a name within 258 bytes of the end of the file is left out, a
 * function name with a character other than letters, digits, '_' and '.' gives no list.
 *
 * Bounded: at most PE_MAX_SECTIONS sections, PE_MAX_IMPORT_DLLS import descriptors,
 * PE_MAX_IMPORT_FUNCS imported functions, names of PE_MAX_NAME bytes, an import list of
 * PE_MAX_IMPORT_STRING bytes. Every offset is checked against the buffer: a malformed header
 * gives an error, never a read outside it. Reads only the caller's buffer; no allocation but
 * the import list's string. Thread safe.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PE_MAX_SECTIONS      96 /* as libclamav (and the Windows loader up to XP) */
#define PE_MAX_IMPORT_DLLS   1024
#define PE_MAX_IMPORT_FUNCS  65536
#define PE_MAX_NAME          256
#define PE_MAX_IMPORT_STRING (1024 * 1024)

struct pe_section {
	uint32_t raw;   /* file offset: PointerToRawData aligned down to FileAlignment */
	uint32_t rsz;   /* bytes to hash: SizeOfRawData aligned up, cut at end of file; 0: none */
	uint32_t vaddr; /* VirtualAddress aligned down to SectionAlignment */
	char name[9];   /* the header's 8-byte name, NUL-terminated */
};

struct pe_info {
	bool pe_plus; /* PE32+ (64-bit) */
	uint32_t file_align, section_align, header_size;
	uint32_t import_rva, import_size; /* data directory 1 (0 when absent) */
	unsigned int n_sections;
	struct pe_section sections[PE_MAX_SECTIONS];
};

/*
 * Read the headers and section table of data. Returns 1 with *pe_r filled for a PE, 0 when
 * data is not a PE (no MZ header or no PE signature where e_lfanew points), -1 for a PE whose
 * headers are malformed or over a limit, with the reason in *error_r (a static string).
 */
int pe_parse(const unsigned char *data, size_t size, struct pe_info *pe_r, const char **error_r);

/*
 * Build the import list of a parsed PE into out (appended). Returns 1 when the import table
 * was read (the list may be empty: libclamav then hashes the empty string, size 0), 0 when
 * there is no import directory inside the file (no list at all), -1 when the table is
 * malformed or over a limit (no list), with the reason in *error_r (a static string).
 */
int pe_imports(const unsigned char *data, size_t size, const struct pe_info *pe, GString *out,
               const char **error_r);

/* The name of an import by ordinal from ws2_32.dll / wsock32.dll / oleaut32.dll, or NULL. */
const char *pe_ordinal_name(const char *dll, uint16_t ord);

#endif
