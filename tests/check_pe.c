/*
 * libcheck suite: pe — section bytes and import lists as libclamav takes them, built PE32 and
 * PE32+ images, malformed headers, every truncation of a valid image, and clam.exe.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine/digest.h"
#include "engine/pe.h"
#include "tests/lib/testutil.h"

#define LFANEW 0x40
#define OPT    (LFANEW + 24)

struct tsect {
	uint32_t vaddr, vsize, rsize, rptr;
};

static void w16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void w32(unsigned char *p, uint32_t v)
{
	w16(p, (uint16_t)v);
	w16(p + 2, (uint16_t)(v >> 16));
}

static void w64(unsigned char *p, uint64_t v)
{
	w32(p, (uint32_t)v);
	w32(p + 4, (uint32_t)(v >> 32));
}

/* A zero-filled PE32 / PE32+ image of size bytes with these sections and import directory. */
static unsigned char *pe_build(size_t size, bool plus, const struct tsect *s, unsigned int n,
                               uint32_t imp_rva, uint32_t imp_size, uint32_t falign)
{
	unsigned char *d = g_malloc0(size);
	uint16_t optsize = plus ? 240 : 224;
	unsigned char *dirs = d + OPT + (plus ? 112 : 96);
	unsigned char *sect = d + OPT + optsize;

	d[0] = 'M';
	d[1] = 'Z';
	w32(d + 0x3c, LFANEW);
	memcpy(d + LFANEW, "PE\0\0", 4);
	w16(d + LFANEW + 4, plus ? 0x8664 : 0x14c);
	w16(d + LFANEW + 6, (uint16_t)n);
	w16(d + LFANEW + 20, optsize);
	w16(d + OPT, plus ? 0x20b : 0x10b);
	w32(d + OPT + 32, 0x1000);
	w32(d + OPT + 36, falign);
	w32(d + OPT + 60, 0x200);
	w32(dirs - 4, 16);
	w32(dirs + 8, imp_rva);
	w32(dirs + 12, imp_size);
	for (unsigned int i = 0; i < n; i++) {
		unsigned char *h = sect + 40 * i;

		g_snprintf((char *)h, 8, ".s%u", i);
		w32(h + 8, s[i].vsize);
		w32(h + 12, s[i].vaddr);
		w32(h + 16, s[i].rsize);
		w32(h + 20, s[i].rptr);
	}
	return d;
}

START_TEST(test_section_alignment)
{
	static const struct tsect s[] = {
	        {0x1000, 0x100, 0x100, 0x210}, /* raw aligned down to 0x200, size up to 0x200 */
	        {0x2000, 0x400, 0x400, 0x400}, /* exact */
	        {0x3000, 0x800, 0x800, 0x700}, /* 0x600 + 0x800 > 0xa00: cut at end of file */
	        {0x4000, 0x100, 0, 0x400},     /* zero size: nothing to hash */
	        {0x5000, 0x100, 0x200, 0xa00}, /* starts at the end of the file */
	        {0x6000, 0x100, 0x200, 0x400}, /* overlaps section 1: hashed on its own */
	        {0x7000, 0x100, 0xffffff01u, 0x200}, /* aligned up past 4 GB: wraps to 0 */
	};
	unsigned char *d = pe_build(0xa00, false, s, 7, 0, 0, 0x200);
	struct pe_info pe;
	const char *why = NULL;

	ck_assert_int_eq(pe_parse(d, 0xa00, &pe, &why), 1);
	ck_assert_uint_eq(pe.n_sections, 7);
	ck_assert_uint_eq(pe.sections[0].raw, 0x200);
	ck_assert_uint_eq(pe.sections[0].rsz, 0x200);
	ck_assert_uint_eq(pe.sections[1].raw, 0x400);
	ck_assert_uint_eq(pe.sections[1].rsz, 0x400);
	ck_assert_uint_eq(pe.sections[2].raw, 0x600);
	ck_assert_uint_eq(pe.sections[2].rsz, 0x400);
	ck_assert_uint_eq(pe.sections[3].rsz, 0);
	ck_assert_uint_eq(pe.sections[4].rsz, 0);
	ck_assert_uint_eq(pe.sections[5].raw, 0x400);
	ck_assert_uint_eq(pe.sections[5].rsz, 0x200);
	ck_assert_uint_eq(pe.sections[6].rsz, 0);
	ck_assert_str_eq(pe.sections[2].name, ".s2");
	g_free(d);
	/* an alignment of 0 leaves the header's values as they are */
	d = pe_build(0xa00, false, s, 1, 0, 0, 0);
	ck_assert_int_eq(pe_parse(d, 0xa00, &pe, &why), 1);
	ck_assert_uint_eq(pe.sections[0].raw, 0x210);
	ck_assert_uint_eq(pe.sections[0].rsz, 0x100);
	g_free(d);
}
END_TEST

START_TEST(test_not_pe_and_malformed)
{
	static const struct tsect s[] = {{0x1000, 0x200, 0x200, 0x200}};
	unsigned char *d = pe_build(0x400, false, s, 1, 0, 0, 0x200);
	struct pe_info pe;
	const char *why = NULL;

	/* not a PE: no MZ, a DOS program, e_lfanew outside the file */
	ck_assert_int_eq(pe_parse((const unsigned char *)"hello", 5, &pe, &why), 0);
	d[LFANEW] = 'X';
	ck_assert_int_eq(pe_parse(d, 0x400, &pe, &why), 0);
	d[LFANEW] = 'P';
	w32(d + 0x3c, 0xfffffff0u);
	ck_assert_int_eq(pe_parse(d, 0x400, &pe, &why), 0);
	w32(d + 0x3c, LFANEW);
	ck_assert_int_eq(pe_parse(d, 0x400, &pe, &why), 1);
	/* malformed: reasons, never a crash */
	w16(d + LFANEW + 6, 0);
	ck_assert_int_eq(pe_parse(d, 0x400, &pe, &why), -1);
	ck_assert_str_eq(why, "no sections");
	w16(d + LFANEW + 6, 97);
	ck_assert_int_eq(pe_parse(d, 0x400, &pe, &why), -1);
	ck_assert_str_eq(why, "more than 96 sections");
	w16(d + LFANEW + 6, 20); /* 20 headers of 40 bytes do not fit before the end */
	ck_assert_int_eq(pe_parse(d, 0x300, &pe, &why), -1);
	ck_assert_str_eq(why, "section table past the end of the file");
	w16(d + LFANEW + 6, 1);
	w16(d + OPT, 0x107);
	ck_assert_int_eq(pe_parse(d, 0x400, &pe, &why), -1);
	ck_assert_str_eq(why, "unknown optional header magic");
	g_free(d);
}
END_TEST

/* An image importing by name, by resolved and unresolved ordinal, through FirstThunk only. */
static unsigned char *pe_with_imports(bool plus, size_t *size_r)
{
	static const struct tsect s[] = {{0x1000, 0x400, 0x400, 0x400}};
	const size_t size = 0x800;
	unsigned char *d = pe_build(size, plus, s, 1, 0x1000, 0x64, 0x200);
	unsigned char *sec = d + 0x400; /* RVA 0x1000 */
	unsigned int step = plus ? 8 : 4;
	uint64_t ord = plus ? (1ull << 63) : 0x80000000u;
	struct {
		uint32_t oft, name, ft;
		const char *dll;
		uint64_t thunks[3];
	} desc[] = {
	        {0x1100, 0x1080, 0x1100, "KERNEL32.dll", {0x1200, 0x1210, 0}},
	        {0x1120, 0x1090, 0x1300, "WS2_32.dll", {ord | 1, ord | 116, 0}},
	        {0, 0x10a0, 0x1140, "foo.dll", {ord | 5, 0, 0}},
	        {0x1160, 0x10b0, 0, "MyLib.OCX", {0x1220, 0, 0}},
	};

	for (unsigned int i = 0; i < G_N_ELEMENTS(desc); i++) {
		uint32_t tbl = desc[i].oft != 0 ? desc[i].oft : desc[i].ft;

		w32(sec + 20 * i, desc[i].oft);
		w32(sec + 20 * i + 12, desc[i].name);
		w32(sec + 20 * i + 16, desc[i].ft);
		strcpy((char *)sec + (desc[i].name - 0x1000), desc[i].dll);
		for (unsigned int k = 0; k < 3; k++) {
			unsigned char *t = sec + (tbl - 0x1000) + k * step;
			if (plus)
				w64(t, desc[i].thunks[k]);
			else
				w32(t, (uint32_t)desc[i].thunks[k]);
		}
	}
	strcpy((char *)sec + 0x202, "LoadLibraryA");
	strcpy((char *)sec + 0x212, "GetProcAddress");
	strcpy((char *)sec + 0x222, "Func");
	*size_r = size;
	return d;
}

#define WANT_IMPORTS                                                                               \
	"kernel32.loadlibrarya,kernel32.getprocaddress,ws2_32.accept,ws2_32.wsacleanup,foo.ord5,"  \
	"mylib.func"

START_TEST(test_imports_pe32_and_pe32plus)
{
	for (int plus = 0; plus < 2; plus++) {
		size_t size;
		unsigned char *d = pe_with_imports(plus, &size);
		struct pe_info pe;
		const char *why = NULL;
		GString *list = g_string_new(NULL);

		ck_assert_int_eq(pe_parse(d, size, &pe, &why), 1);
		ck_assert_int_eq(pe.pe_plus, plus);
		ck_assert_int_eq(pe_imports(d, size, &pe, list, &why), 1);
		ck_assert_str_eq(list->str, WANT_IMPORTS);
		/* the directory's Size bounds the descriptors: more than 20 bytes must be left */
		pe.import_size = 41;
		g_string_truncate(list, 0);
		ck_assert_int_eq(pe_imports(d, size, &pe, list, &why), 1);
		ck_assert_str_eq(list->str, "kernel32.loadlibrarya,kernel32.getprocaddress,"
		                            "ws2_32.accept,ws2_32.wsacleanup");
		pe.import_size = 20; /* one descriptor's worth: an empty list, hashed as such */
		g_string_truncate(list, 0);
		ck_assert_int_eq(pe_imports(d, size, &pe, list, &why), 1);
		ck_assert_uint_eq(list->len, 0);
		/* no import directory, or one past the end of the file: no list at all */
		pe.import_size = 0x64;
		pe.import_rva = 0;
		ck_assert_int_eq(pe_imports(d, size, &pe, list, &why), 0);
		pe.import_rva = 0x1000;
		pe.import_size = 0x500;
		ck_assert_int_eq(pe_imports(d, size, &pe, list, &why), 0);
		g_string_free(list, TRUE);
		g_free(d);
	}
}
END_TEST

START_TEST(test_import_errors)
{
	size_t size;
	unsigned char *d = pe_with_imports(false, &size);
	struct pe_info pe;
	const char *why = NULL;
	GString *list = g_string_new(NULL);

	ck_assert_int_eq(pe_parse(d, size, &pe, &why), 1);
	/* a dll name RVA that no section holds: no list */
	w32(d + 0x400 + 12, 0x9000);
	ck_assert_int_eq(pe_imports(d, size, &pe, list, &why), -1);
	ck_assert_str_eq(why, "imported dll name outside the file");
	w32(d + 0x400 + 12, 0x1080);
	/* thunks that no section holds */
	w32(d + 0x400 + 20 + 0, 0x9000);
	w32(d + 0x400 + 20 + 16, 0x9000);
	ck_assert_int_eq(pe_imports(d, size, &pe, list, &why), -1);
	ck_assert_str_eq(why, "import thunks outside the file");
	w32(d + 0x400 + 20 + 0, 0x1120);
	/* a name libclamav refuses ('-'): no list */
	d[0x400 + 0x206] = '-';
	g_string_truncate(list, 0);
	ck_assert_int_eq(pe_imports(d, size, &pe, list, &why), -1);
	ck_assert_str_eq(why, "imported function name with a character libclamav refuses");
	d[0x400 + 0x206] = 'L';
	/* a PE32 name RVA that no section holds reads at offset 0, as in libclamav ("MZ\0") */
	w32(d + 0x400 + 0x100, 0x7000);
	g_string_truncate(list, 0);
	ck_assert_int_eq(pe_imports(d, size, &pe, list, &why), 1);
	ck_assert(g_str_has_prefix(list->str, "kernel32.,kernel32.getprocaddress,"));
	/* a name within 258 bytes of the end of the file is left out */
	g_string_truncate(list, 0);
	ck_assert_int_eq(pe_imports(d, 0x602 + 257, &pe, list, &why), 1);
	ck_assert(g_str_has_prefix(list->str, "kernel32.,ws2_32.accept"));
	g_string_free(list, TRUE);
	g_free(d);
}
END_TEST

/* Every prefix of a valid image: a result or an error, never a read outside the prefix. */
START_TEST(test_every_truncation)
{
	for (int plus = 0; plus < 2; plus++) {
		size_t size;
		unsigned char *d = pe_with_imports(plus, &size);

		for (size_t len = 0; len <= size; len++) {
			unsigned char *cut = g_memdup2(d, len);
			struct pe_info pe;
			const char *why = NULL;
			GString *list = g_string_new(NULL);
			int rc = pe_parse(cut, len, &pe, &why);

			if (rc == 1) {
				for (unsigned int i = 0; i < pe.n_sections; i++) {
					const struct pe_section *sc = &pe.sections[i];

					if (sc->rsz != 0)
						ck_assert_uint_le((uint64_t)sc->raw + sc->rsz, len);
				}
				rc = pe_imports(cut, len, &pe, list, &why);
				if (len == size)
					ck_assert_str_eq(list->str, WANT_IMPORTS);
			}
			if (rc < 0)
				ck_assert_ptr_nonnull(why);
			g_string_free(list, TRUE);
			g_free(cut);
		}
		g_free(d);
	}
}
END_TEST

START_TEST(test_ordinal_names)
{
	ck_assert_str_eq(pe_ordinal_name("ws2_32.dll", 1), "accept");
	ck_assert_str_eq(pe_ordinal_name("WSOCK32.DLL", 116), "WSACleanup");
	ck_assert_str_eq(pe_ordinal_name("OleAut32.dll", 2), "SysAllocString");
	ck_assert_ptr_null(pe_ordinal_name("ws2_32.dll", 60000));
	ck_assert_ptr_null(pe_ordinal_name("kernel32.dll", 1));
}
END_TEST

START_TEST(test_clam_exe)
{
	char *path = testutil_clamav_file("clam.exe");
	size_t len;
	unsigned char *data = (unsigned char *)testutil_read(path, &len);
	struct pe_info pe;
	const char *why = NULL;
	GString *list = g_string_new(NULL);
	struct digest_set d;
	char hex[DIGEST_MAX_HEX];

	ck_assert_int_eq(pe_parse(data, len, &pe, &why), 1);
	ck_assert_uint_eq(pe.n_sections, 1);
	ck_assert_uint_eq(pe.sections[0].rsz, 512);
	ck_assert_int_eq(pe_imports(data, len, &pe, list, &why), 1);
	/* pefile's get_imphash() of clam.exe, and the length of the list it hashes */
	ck_assert_uint_eq(list->len, 39);
	ck_assert_int_eq(
	        digest_compute((unsigned char *)list->str, list->len, DIGEST_BIT(DIGEST_MD5), &d),
	        0);
	ck_assert_str_eq(digest_hex(d.md5, 16, hex), "98c88d882f01a3f6ac1e5f7dfd761624");
	g_string_free(list, TRUE);
	g_free(data);
	g_free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pe");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_section_alignment);
	tcase_add_test(tc, test_not_pe_and_malformed);
	tcase_add_test(tc, test_imports_pe32_and_pe32plus);
	tcase_add_test(tc, test_import_errors);
	tcase_add_test(tc, test_every_truncation);
	tcase_add_test(tc, test_ordinal_names);
	tcase_add_test(tc, test_clam_exe);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
