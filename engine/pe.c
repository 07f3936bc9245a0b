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
	rsz = pe_align_up(rsize, pe->file_align);
	/* cut at the end of the file; a section starting there or beyond has nothing */
	if (raw >= size)
		rsz = 0;
	else if (rsz > size - raw)
		rsz = size - raw;
	if (rsz > UINT32_MAX)
		rsz = 0;
	s->raw = (uint32_t)raw;
	s->rsz = (uint32_t)rsz;
}

int pe_parse(const unsigned char *d, size_t size, struct pe_info *pe, const char **error_r)
{
	uint32_t lfanew, sig, ndirs, falign, salign;
	uint16_t nsect, optsize, magic;
	uint64_t opt, sect, dirs;

	memset(pe, 0, sizeof(*pe));
	if (size < 64 || d[0] != 'M' || d[1] != 'Z')
		return 0;
	if (!pe_u32(d, size, 0x3c, &lfanew) || !pe_u32(d, size, lfanew, &sig) ||
	    sig != 0x00004550)
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
	if (!pe_u32(d, size, opt + 32, &salign) || !pe_u32(d, size, opt + 36, &falign) ||
	    !pe_u32(d, size, opt + 60, &pe->header_size))
		return pe_fail(error_r, "truncated optional header");
	pe->section_align = salign;
	pe->file_align = falign;
	dirs = opt + (pe->pe_plus ? 112 : 96);
	if (pe_u32(d, size, dirs - 4, &ndirs) && ndirs >= 2 && dirs + 16 <= opt + optsize) {
		if (!pe_u32(d, size, dirs + 8, &pe->import_rva) ||
		    !pe_u32(d, size, dirs + 12, &pe->import_size))
			pe->import_rva = pe->import_size = 0;
	}
	if (nsect == 0)
		return pe_fail(error_r, "no sections");
	if (nsect > PE_MAX_SECTIONS)
		return pe_fail(error_r, "more than 96 sections");
	sect = opt + optsize;
	if (sect > size || (size - sect) / 40 < nsect)
		return pe_fail(error_r, "section table past the end of the file");
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

/* The NUL-terminated name at an RVA, at most PE_MAX_NAME bytes; NULL when unreadable. */
static const char *pe_name_at(const unsigned char *d, size_t size, const struct pe_info *pe,
                              uint32_t rva, size_t *len_r)
{
	uint64_t off;
	size_t max;
	const unsigned char *nul;

	if (!pe_rva_to_off(pe, size, rva, &off))
		return NULL;
	max = size - off < PE_MAX_NAME + 1 ? size - off : PE_MAX_NAME + 1;
	nul = memchr(d + off, '\0', max);
	*len_r = nul != NULL ? (size_t)(nul - (d + off)) : max;
	if (*len_r > PE_MAX_NAME)
		*len_r = PE_MAX_NAME; /* libclamav cuts long names too */
	return (const char *)d + off;
}

struct pe_imp {
	const unsigned char *d;
	size_t size;
	const struct pe_info *pe;
	GString *out;
	size_t start; /* out->len when the list began */
	unsigned int funcs;
};

static void pe_append_lower(GString *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		g_string_append_c(out, g_ascii_tolower(s[i]));
}

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

static int pe_add_import(struct pe_imp *im, const char *dll, size_t dll_len, const char *fn,
                         size_t fn_len, const char **error_r)
{
	if (fn_len == 0)
		return 0; /* an empty name is left out, as pefile does */
	if (++im->funcs > PE_MAX_IMPORT_FUNCS)
		return pe_fail(error_r, "more than 65536 imported functions");
	if (im->out->len > im->start)
		g_string_append_c(im->out, ',');
	pe_append_lower(im->out, dll, pe_dll_len(dll, dll_len));
	g_string_append_c(im->out, '.');
	pe_append_lower(im->out, fn, fn_len);
	if (im->out->len - im->start > PE_MAX_IMPORT_STRING)
		return pe_fail(error_r, "import list over 1 MiB");
	return 0;
}

/* The functions one descriptor imports, from its thunk array. */
static int pe_import_thunks(struct pe_imp *im, uint32_t thunk_rva, const char *dll,
                            size_t dll_len, const char **error_r)
{
	unsigned int step = im->pe->pe_plus ? 8 : 4;
	char dllz[PE_MAX_NAME + 1], ordname[16];
	uint64_t off;

	memcpy(dllz, dll, dll_len);
	dllz[dll_len] = '\0';
	if (!pe_rva_to_off(im->pe, im->size, thunk_rva, &off))
		return pe_fail(error_r, "import thunks outside the file");
	for (;; off += step) {
		uint64_t thunk;
		uint32_t v32;
		bool by_ord;
		const char *fn;
		size_t fn_len;

		if (im->pe->pe_plus) {
			if (!pe_u64(im->d, im->size, off, &thunk))
				return pe_fail(error_r, "import thunks cut by the end of the file");
			by_ord = (thunk >> 63) != 0;
		} else {
			if (!pe_u32(im->d, im->size, off, &v32))
				return pe_fail(error_r, "import thunks cut by the end of the file");
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
			fn = pe_name_at(im->d, im->size, im->pe, (uint32_t)(thunk & 0x7fffffff) + 2,
			                &fn_len);
			if (fn == NULL)
				return pe_fail(error_r, "import name outside the file");
		}
		if (pe_add_import(im, dll, dll_len, fn, fn_len, error_r) < 0)
			return -1;
	}
}

int pe_imports(const unsigned char *d, size_t size, const struct pe_info *pe, GString *out,
               const char **error_r)
{
	struct pe_imp im = {d, size, pe, out, out->len, 0};
	uint64_t off;

	if (pe->import_rva == 0 || pe->import_size == 0)
		return 0;
	if (!pe_rva_to_off(pe, size, pe->import_rva, &off))
		return pe_fail(error_r, "import directory outside the file");
	for (unsigned int n = 0;; n++, off += PE_IMPORT_DESC) {
		uint32_t oft, name_rva, ft;
		const char *dll;
		size_t dll_len;

		/* the end of the file ends the table too (as pefile reads it) */
		if (!pe_u32(d, size, off, &oft) || !pe_u32(d, size, off + 12, &name_rva) ||
		    !pe_u32(d, size, off + 16, &ft) || name_rva == 0)
			break;
		if (n >= PE_MAX_IMPORT_DLLS)
			return pe_fail(error_r, "more than 1024 import descriptors");
		dll = pe_name_at(d, size, pe, name_rva, &dll_len);
		if (dll == NULL)
			return pe_fail(error_r, "imported dll name outside the file");
		if (pe_import_thunks(&im, oft != 0 ? oft : ft, dll, dll_len, error_r) < 0)
			return -1;
	}
	return out->len > im.start ? 1 : 0;
}
