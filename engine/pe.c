/*
 * pe: PE headers, section table and import table, for ClamAV's section and import hashes.
 *
 * Only what the hashes need is read: the DOS header's e_lfanew, the COFF header, the optional
 * header's alignments, SizeOfHeaders and import directory, the section table, and the import
 * descriptors with their thunks and names. Every read goes through pe_u16 / pe_u32 / pe_u64,
 * which check the offset against the buffer, so a malformed or truncated file gives an error
 * (or a smaller result), never a read outside the buffer. Limits are in pe.h. Thread safe.
 */

#include "engine/pe.h"

#include <string.h>

#define PE_IMPORT_DESC 20

static bool pe_u16(const unsigned char *d, size_t size, uint64_t off, uint16_t *v)
{
	if (off > size || size - off < 2)
		return false;
	*v = (uint16_t)(d[off] | d[off + 1] << 8);
	return true;
}

static bool pe_u32(const unsigned char *d, size_t size, uint64_t off, uint32_t *v)
{
	if (off > size || size - off < 4)
		return false;
	*v = (uint32_t)d[off] | (uint32_t)d[off + 1] << 8 | (uint32_t)d[off + 2] << 16 |
	     (uint32_t)d[off + 3] << 24;
	return true;
}

static bool pe_u64(const unsigned char *d, size_t size, uint64_t off, uint64_t *v)
{
	uint32_t lo, hi;

	if (!pe_u32(d, size, off, &lo) || !pe_u32(d, size, off + 4, &hi))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

/* libclamav's PEALIGN (down) and PESALIGN (up); an alignment of 0 leaves the value. */
static uint64_t pe_align_down(uint64_t v, uint32_t a)
{
	return a != 0 ? v / a * a : v;
}

static uint64_t pe_align_up(uint64_t v, uint32_t a)
{
	return a != 0 ? (v / a + (v % a != 0)) * a : v;
}

static int pe_fail(const char **error_r, const char *reason)
{
	if (error_r != NULL)
		*error_r = reason;
	return -1;
}

static void pe_read_section(const unsigned char *h, size_t size, const struct pe_info *pe,
                            struct pe_section *s)
{
	uint32_t vaddr, rsize, rptr;
	uint64_t raw, rsz;

	memcpy(s->name, h, 8);
	s->name[8] = '\0';
	vaddr = (uint32_t)h[12] | (uint32_t)h[13] << 8 | (uint32_t)h[14] << 16 |
	        (uint32_t)h[15] << 24;
	rsize = (uint32_t)h[16] | (uint32_t)h[17] << 8 | (uint32_t)h[18] << 16 |
	        (uint32_t)h[19] << 24;
	rptr = (uint32_t)h[20] | (uint32_t)h[21] << 8 | (uint32_t)h[22] << 16 |
	       (uint32_t)h[23] << 24;
	s->vaddr = (uint32_t)pe_align_down(vaddr, pe->section_align);
	raw = pe_align_down(rptr, pe->file_align);
	/* 32-bit as in libclamav: a size aligned up past 4 GB wraps (to 0: nothing to hash) */
	rsz = (uint32_t)pe_align_up(rsize, pe->file_align);
	/* cut at the end of the file; a section starting there or beyond has nothing */
	if (raw >= size)
		rsz = 0;
	else if (rsz > size - raw)
		rsz = size - raw;
	s->raw = (uint32_t)raw;
	s->rsz = (uint32_t)rsz;
}

/*
 * libclamav's file alignment fallback: a FileAlignment other than 0x200 that some non-empty
 * section's PointerToRawData does not follow, where 0x200 does, is taken to be 0x200.
 */
static uint32_t pe_file_align(const unsigned char *tbl, unsigned int n, uint32_t falign)
{
	for (unsigned int i = 0; falign != 0 && falign != 0x200 && i < n; i++) {
		const unsigned char *h = tbl + 40 * i;
		uint32_t rsize = (uint32_t)h[16] | (uint32_t)h[17] << 8 | (uint32_t)h[18] << 16 |
		                 (uint32_t)h[19] << 24;
		uint32_t rptr = (uint32_t)h[20] | (uint32_t)h[21] << 8 | (uint32_t)h[22] << 16 |
		                (uint32_t)h[23] << 24;

		if (rsize != 0 && rptr % falign != 0 && rptr % 0x200 == 0)
			return 0x200;
	}
	return falign;
}

int pe_parse(const unsigned char *d, size_t size, struct pe_info *pe, const char **error_r)
{
	uint32_t lfanew, sig, falign, salign, hdr;
	uint16_t nsect, optsize, magic;
	uint64_t opt, sect, dirs;

	memset(pe, 0, sizeof(*pe));
	if (size < 64 || d[0] != 'M' || d[1] != 'Z')
		return 0;
	if (!pe_u32(d, size, 0x3c, &lfanew) || !pe_u32(d, size, lfanew, &sig) || sig != 0x00004550)
		return 0; /* a DOS program (or something else starting with MZ) */
	if (!pe_u16(d, size, (uint64_t)lfanew + 6, &nsect) ||
	    !pe_u16(d, size, (uint64_t)lfanew + 20, &optsize))
		return pe_fail(error_r, "truncated COFF header");
	opt = (uint64_t)lfanew + 24;
	if (!pe_u16(d, size, opt, &magic))
		return pe_fail(error_r, "truncated optional header");
	if (magic != 0x10b && magic != 0x20b)
		return pe_fail(error_r, "unknown optional header magic");
	pe->pe_plus = magic == 0x20b;
	/* libclamav reads the whole standard optional header (224 / 240 bytes) */
	if (opt + (pe->pe_plus ? 240 : 224) > size)
		return pe_fail(error_r, "truncated optional header");
	if (pe->pe_plus && optsize != 240)
		return pe_fail(error_r, "SizeOfOptionalHeader is not 240 in a PE32+");
	(void)pe_u32(d, size, opt + 32, &salign);
	(void)pe_u32(d, size, opt + 36, &falign);
	(void)pe_u32(d, size, opt + 60, &hdr);
	dirs = opt + (pe->pe_plus ? 112 : 96);
	(void)pe_u32(d, size, dirs + 8, &pe->import_rva);
	(void)pe_u32(d, size, dirs + 12, &pe->import_size);
	if (nsect == 0)
		return pe_fail(error_r, "no sections");
	if (nsect > PE_MAX_SECTIONS)
		return pe_fail(error_r, "more than 96 sections");
	sect = opt + optsize;
	if (sect > size || (size - sect) / 40 < nsect)
		return pe_fail(error_r, "section table past the end of the file");
	pe->section_align = salign;
	pe->file_align = pe_file_align(d + sect, nsect, falign);
	pe->header_size = (uint32_t)pe_align_up(hdr, salign); /* libclamav's hdr_size (32-bit) */
	pe->n_sections = nsect;
	for (unsigned int i = 0; i < nsect; i++)
		pe_read_section(d + sect + 40 * (uint64_t)i, size, pe, &pe->sections[i]);
	return 1;
}

/* libclamav's cli_rawaddr: the file offset of an RVA; false when no section holds it. */
static bool pe_rva_to_off(const struct pe_info *pe, size_t size, uint32_t rva, uint64_t *off_r)
{
	if (rva < pe->header_size) {
		*off_r = rva;
		return rva < size;
	}
	for (unsigned int i = pe->n_sections; i > 0; i--) {
		const struct pe_section *s = &pe->sections[i - 1];

		if (s->rsz != 0 && s->vaddr <= rva && rva - s->vaddr < s->rsz) {
			*off_r = (uint64_t)s->raw + (rva - s->vaddr);
			return *off_r < size;
		}
	}
	return false;
}

/* A name of at most PE_MAX_NAME bytes at off (cut at its NUL or at the end of the file). */
static const char *pe_name(const unsigned char *d, size_t size, uint64_t off, size_t *len_r)
{
	size_t max = size - off < PE_MAX_NAME ? size - off : PE_MAX_NAME;
	const unsigned char *nul = memchr(d + off, '\0', max);

	*len_r = nul != NULL ? (size_t)(nul - (d + off)) : max;
	return (const char *)d + off;
}

struct pe_imp {
	const unsigned char *d;
	size_t size;
	const struct pe_info *pe;
	GString *out;
	size_t start; /* out->len when the list began */
	bool first;
	unsigned int funcs;
};

/* The dll name as the list spells it: without a .dll / .ocx / .sys at its first dot. */
static size_t pe_dll_len(const char *dll, size_t len)
{
	const char *dot = memchr(dll, '.', len);

	if (dot != NULL && len - (size_t)(dot - dll) >= 4 &&
	    (g_ascii_strncasecmp(dot, ".dll", 4) == 0 || g_ascii_strncasecmp(dot, ".ocx", 4) == 0 ||
	     g_ascii_strncasecmp(dot, ".sys", 4) == 0))
		return (size_t)(dot - dll);
	return len;
}

/* libclamav accepts function names of letters, digits, '_' and '.' only. */
static bool pe_valid_name(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isalnum(s[i]) && s[i] != '_' && s[i] != '.')
			return false;
	}
	return true;
}

static int pe_add_import(struct pe_imp *im, const char *dll, size_t dll_len, const char *fn,
                         size_t fn_len, const char **error_r)
{
	if (!pe_valid_name(fn, fn_len))
		return pe_fail(error_r,
		               "imported function name with a character libclamav refuses");
	if (++im->funcs > PE_MAX_IMPORT_FUNCS)
		return pe_fail(error_r, "more than 65536 imported functions");
	if (!im->first)
		g_string_append_c(im->out, ',');
	im->first = false;
	for (size_t i = 0, n = pe_dll_len(dll, dll_len); i < n; i++)
		g_string_append_c(im->out, g_ascii_tolower(dll[i]));
	g_string_append_c(im->out, '.');
	for (size_t i = 0; i < fn_len; i++)
		g_string_append_c(im->out, g_ascii_tolower(fn[i]));
	if (im->out->len - im->start > PE_MAX_IMPORT_STRING)
		return pe_fail(error_r, "import list over 1 MiB");
	return 0;
}

/*
 * The name an import-by-name thunk points to, as libclamav reads it: the hint/name entry's
 * offset (in a PE32 an RVA no section holds reads as offset 0, as libclamav does), and the
 * name only when PE_MAX_NAME + 2 bytes follow that offset in the file; otherwise NULL (the
 * import is left out of the list).
 */
static const char *pe_thunk_name(const struct pe_imp *im, uint64_t thunk, size_t *len_r)
{
	uint64_t off;

	if (!pe_rva_to_off(im->pe, im->size, (uint32_t)thunk, &off)) {
		if (im->pe->pe_plus)
			return NULL;
		off = 0;
	}
	if (off > im->size || im->size - off < PE_MAX_NAME + 2)
		return NULL;
	return pe_name(im->d, im->size, off + 2, len_r);
}

/* The functions one descriptor imports, from its thunk array. */
static int pe_import_thunks(struct pe_imp *im, uint64_t off, const char *dll, size_t dll_len,
                            const char **error_r)
{
	unsigned int step = im->pe->pe_plus ? 8 : 4;
	char dllz[PE_MAX_NAME + 1], ordname[16];

	memcpy(dllz, dll, dll_len);
	dllz[dll_len] = '\0';
	for (;; off += step) {
		uint64_t thunk;
		uint32_t v32;
		bool by_ord;
		const char *fn;
		size_t fn_len = 0;

		if (im->pe->pe_plus) {
			if (!pe_u64(im->d, im->size, off, &thunk))
				return 0; /* the end of the file ends the array */
			by_ord = (thunk >> 63) != 0;
		} else {
			if (!pe_u32(im->d, im->size, off, &v32))
				return 0;
			thunk = v32;
			by_ord = (v32 >> 31) != 0;
		}
		if (thunk == 0)
			return 0;
		if (by_ord) {
			uint16_t ord = (uint16_t)(thunk & 0xffff);

			fn = pe_ordinal_name(dllz, ord);
			if (fn == NULL) {
				g_snprintf(ordname, sizeof(ordname), "ord%u", ord);
				fn = ordname;
			}
			fn_len = strlen(fn);
		} else {
			fn = pe_thunk_name(im, thunk, &fn_len);
			if (fn == NULL)
				continue;
		}
		if (pe_add_import(im, dll, dll_len, fn, fn_len, error_r) < 0)
			return -1;
	}
}

/*
 * libclamav's reading: the import directory must lie in the file (else there is no list);
 * descriptors are read while more than one descriptor's worth of the directory's Size is
 * left, up to PE_MAX_IMPORT_DLLS, and until one with Name 0.
 */
int pe_imports(const unsigned char *d, size_t size, const struct pe_info *pe, GString *out,
               const char **error_r)
{
	struct pe_imp im = {d, size, pe, out, out->len, true, 0};
	uint64_t off;

	if (pe->import_rva == 0 || pe->import_size == 0)
		return 0;
	if (!pe_rva_to_off(pe, size, pe->import_rva, &off) || off + pe->import_size > size)
		return 0;
	for (uint32_t left = pe->import_size, n = 0;
	     left > PE_IMPORT_DESC && n < PE_MAX_IMPORT_DLLS;
	     left -= PE_IMPORT_DESC, n++, off += PE_IMPORT_DESC) {
		uint32_t oft, name_rva, ft;
		uint64_t name_off, thunks = 0;
		const char *dll;
		size_t dll_len;
		bool have = false;

		(void)pe_u32(d, size, off, &oft);
		(void)pe_u32(d, size, off + 12, &name_rva);
		(void)pe_u32(d, size, off + 16, &ft);
		if (name_rva == 0)
			break;
		if (!pe_rva_to_off(pe, size, name_rva, &name_off))
			return pe_fail(error_r, "imported dll name outside the file");
		dll = pe_name(d, size, name_off, &dll_len);
		if (oft != 0)
			have = pe_rva_to_off(pe, size, oft, &thunks) && thunks != 0;
		if (!have && !pe_rva_to_off(pe, size, ft, &thunks))
			return pe_fail(error_r, "import thunks outside the file");
		if (pe_import_thunks(&im, thunks, dll, dll_len, error_r) < 0)
			return -1;
	}
	return 1;
}
