/*
 * check_ftype: the ftype module against real samples (tests/data/ftype, made by
 * make-samples.sh, and Debian's clamav-testfiles), hand-made truncated and corrupt headers,
 * every prefix and random corruptions of every sample (run under ASan to catch over-reads), a
 * 64 MB buffer whose middle is unreadable (typing must not touch it), names, families, flags
 * and the extension table.
 */

#include "engine/ftype.h"

#include <check.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define FIXTURES TEST_DATA "/ftype/"
#define CLAMAV   "/usr/share/clamav-testfiles/"
#define N_(x)    (sizeof(x) / sizeof((x)[0]))

#define F_DLL   FTYPE_FLAG_DLL
#define F_NET   FTYPE_FLAG_DOTNET
#define F_64    FTYPE_FLAG_64BIT
#define F_FAT   FTYPE_FLAG_FAT
#define F_MAC   FTYPE_FLAG_MACROS
#define F_ENC   FTYPE_FLAG_ENCRYPTED
#define F_UTF8  FTYPE_FLAG_UTF8
#define F_BOM   FTYPE_FLAG_BOM
#define F_RAR5  FTYPE_FLAG_RAR5
#define F_TRUNC FTYPE_FLAG_TRUNCATED

struct sample {
	const char *file;
	enum ftype type;
	unsigned int flags; /* exactly these */
};

static const struct sample samples[] = {
        {"../readers/applesingle.as", FTYPE_APPLESINGLE, 0},
        {"../readers/appledouble.ad", FTYPE_APPLESINGLE, 0},
        {"../readers/payload.gpg", FTYPE_PGP, 0},
        {"../readers/payload.asc", FTYPE_PGP, 0},
        {"smime-signed.p7m", FTYPE_PKCS7, 0},
        {"smime-enveloped.p7m", FTYPE_PKCS7, 0},
        {"pe64.exe", FTYPE_PE, F_64},
        {"pe64.dll", FTYPE_PE, F_DLL | F_64},
        {"dotnet.exe", FTYPE_PE, F_NET},
        {"dotnet.dll", FTYPE_PE, F_DLL | F_NET},
        {"dos.exe", FTYPE_MZ, 0},
        {"elf64", FTYPE_ELF, F_64},
        {"elf32", FTYPE_ELF, 0},
        {"macho64", FTYPE_MACHO, F_64},
        {"macho32-ppc", FTYPE_MACHO, 0},
        {"macho-fat", FTYPE_MACHO, F_FAT | F_64},
        {"Hello.class", FTYPE_CLASS, 0},
        {"hello.sh", FTYPE_SCRIPT, 0},
        {"hello.py", FTYPE_SCRIPT, 0},
        {"setup.msi", FTYPE_MSI, 0},
        {"hello.jar", FTYPE_JAR, 0},
        {"app.apk", FTYPE_APK, 0},
        {"classes.dex", FTYPE_DEX, 0},
        {"app.hta", FTYPE_HTA, 0},
        {"script.js", FTYPE_JS, 0},
        {"script.vbs", FTYPE_VBS, 0},
        {"script.ps1", FTYPE_PS1, 0},
        {"script-utf16.ps1", FTYPE_PS1, F_BOM},
        {"script.bat", FTYPE_BAT, 0},
        {"script.wsf", FTYPE_WSF, 0},
        {"shortcut.lnk", FTYPE_LNK, 0},
        {"link.url", FTYPE_URL, 0},
        {"ole2-generic.ole", FTYPE_OLE2, 0},
        {"encrypted-ooxml.docx", FTYPE_OLE2, F_ENC},
        {"word.doc", FTYPE_DOC, 0},
        {"word-macros.doc", FTYPE_DOC, F_MAC},
        {"word-encrypted.doc", FTYPE_DOC, F_ENC},
        {"word-embeds-msg.doc", FTYPE_DOC, 0},
        {"excel.xls", FTYPE_XLS, 0},
        {"excel-macros.xls", FTYPE_XLS, F_MAC},
        {"slides.ppt", FTYPE_PPT, 0},
        {"outlook.msg", FTYPE_MSG, 0},
        {"drawing.vsdx", FTYPE_OOXML, 0},
        {"document.docx", FTYPE_DOCX, 0},
        {"macros.docm", FTYPE_DOCX, F_MAC},
        {"sheet.xlsx", FTYPE_XLSX, 0},
        {"macros.xlsm", FTYPE_XLSX, F_MAC},
        {"slides.pptx", FTYPE_PPTX, 0},
        {"text.odt", FTYPE_ODF, 0},
        {"tiny.pdf", FTYPE_PDF, 0},
        {"offset.pdf", FTYPE_PDF, 0},
        {"encrypted.pdf", FTYPE_PDF, F_ENC},
        {"tiny.rtf", FTYPE_RTF, 0},
        {"notebook.one", FTYPE_ONENOTE, 0},
        {"page.html", FTYPE_HTML, 0},
        {"data.xml", FTYPE_XML, 0},
        {"image.svg", FTYPE_SVG, 0},
        {"plain.zip", FTYPE_ZIP, 0},
        {"encrypted.zip", FTYPE_ZIP, F_ENC},
        {"rar4.rar", FTYPE_RAR, 0},
        {"rar4-encrypted.rar", FTYPE_RAR, F_ENC},
        {"rar5.rar", FTYPE_RAR, F_RAR5},
        {"rar5-encrypted.rar", FTYPE_RAR, F_RAR5 | F_ENC},
        {"archive.7z", FTYPE_7Z, 0},
        {"hello.txt.gz", FTYPE_GZIP, 0},
        {"hello.txt.bz2", FTYPE_BZIP2, 0},
        {"hello.txt.xz", FTYPE_XZ, 0},
        {"hello.txt.zst", FTYPE_ZSTD, 0},
        {"hello.txt.pzstd.zst", FTYPE_ZSTD, 0},
        {"hello.txt.lzma", FTYPE_LZMA, 0},
        {"hello.txt.Z", FTYPE_COMPRESS, 0},
        {"hello.txt.lz", FTYPE_LZIP, 0},
        {"hello.txt.lz4", FTYPE_LZ4, 0},
        {"hello.txt.legacy.lz4", FTYPE_LZ4, 0},
        {"archive.cab", FTYPE_CAB, 0},
        {"archive-newc.cpio", FTYPE_CPIO, 0},
        {"archive-crc.cpio", FTYPE_CPIO, 0},
        {"archive-odc.cpio", FTYPE_CPIO, 0},
        {"archive-bin.cpio", FTYPE_CPIO, 0},
        {"archive-ustar.tar", FTYPE_TAR, 0},
        {"archive-gnu.tar", FTYPE_TAR, 0},
        {"archive-v7.tar", FTYPE_TAR, 0},
        {"archive.arj", FTYPE_ARJ, 0},
        {"archive.ace", FTYPE_ACE, 0},
        {"dynamic.vhd", FTYPE_VHD, 0},
        {"image.dmg", FTYPE_DMG, 0},
        {"image.png", FTYPE_PNG, 0},
        {"image.jpg", FTYPE_JPEG, 0},
        {"image.gif", FTYPE_GIF, 0},
        {"image.bmp", FTYPE_BMP, 0},
        {"image.webp", FTYPE_WEBP, 0},
        {"image.tif", FTYPE_TIFF, 0},
        {"image.ico", FTYPE_ICO, 0},
        {"message.eml", FTYPE_EML, 0},
        {"mailbox.mbox", FTYPE_MBOX, 0},
        {"ascii.txt", FTYPE_TEXT, 0},
        {"prose.txt", FTYPE_TEXT, 0},
        {"table.csv", FTYPE_TEXT, 0},
        {"latin1.txt", FTYPE_TEXT, 0},
        {"utf8.txt", FTYPE_TEXT, F_UTF8},
        {"utf8-bom.txt", FTYPE_TEXT, F_UTF8 | F_BOM},
        {"utf16-bom.txt", FTYPE_UTF16, F_BOM},
        {"utf16le.txt", FTYPE_UTF16, 0},
        {"utf16be.txt", FTYPE_UTF16, 0},
};

/* Disc and disk images are stored compressed; inflated in memory by gzip -dc. */
static const struct sample packed[] = {
        {"image.iso.gz", FTYPE_ISO, 0},
        {"image.udf.gz", FTYPE_UDF, 0},
        {"fixed.vhd.gz", FTYPE_VHD, 0},
        {"disk.vhdx.gz", FTYPE_VHDX, 0},
};

static const struct sample clamav[] = {
        {"clam.exe", FTYPE_PE, 0},
        {"clam-upx.exe", FTYPE_PE, 0},
        {"clam.zip", FTYPE_ZIP, 0},
        {"clam.7z", FTYPE_7Z, 0},
        {"clam.cab", FTYPE_CAB, 0},
        {"clam.chm", FTYPE_CHM, 0},
        {"clam.ole.doc", FTYPE_DOC, 0},
        {"clam.ppt", FTYPE_PPT, 0},
        {"clam.pdf", FTYPE_PDF, 0},
        {"clam.exe.rtf", FTYPE_RTF, 0},
        {"clam.tnef", FTYPE_TNEF, 0},
        {"clam.mail", FTYPE_EML, 0},
        {"clam.exe.mbox.base64", FTYPE_MBOX, 0},
        {"clam.exe.bz2", FTYPE_BZIP2, 0},
        {"clam.tar.gz", FTYPE_GZIP, 0},
        {"clam.newc.cpio", FTYPE_CPIO, 0},
        {"clam.odc.cpio", FTYPE_CPIO, 0},
        {"clam.bin-le.cpio", FTYPE_CPIO, 0},
        {"clam.bin-be.cpio", FTYPE_CPIO, 0},
        {"clam.arj", FTYPE_ARJ, 0},
        {"clam.exe.html", FTYPE_HTML, 0},
};

static GBytes *load(const char *path)
{
	gchar *buf = NULL;
	gsize len = 0;
	GError *error = NULL;

	if (!g_file_get_contents(path, &buf, &len, &error))
		ck_abort_msg("cannot read %s: %s", path, error->message);
	/* an exact-size copy, so that ASan sees any read past the end */
	GBytes *b = g_bytes_new(buf, len);
	g_free(buf);
	return b;
}

static GBytes *inflate(const char *path)
{
	char cmd[1024];
	unsigned char chunk[65536];
	GByteArray *a = g_byte_array_new();
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	p = popen(cmd, "r");
	ck_assert_msg(p != NULL, "cannot run gzip for %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		g_byte_array_append(a, chunk, (guint)n);
	ck_assert_int_eq(pclose(p), 0);
	return g_byte_array_free_to_bytes(a);
}

static struct ftype_info detect_bytes(GBytes *b)
{
	struct ftype_info fi;
	gsize len;
	const unsigned char *d = g_bytes_get_data(b, &len);

	ftype_detect(d, len, &fi);
	return fi;
}

static struct ftype_info detect_mem(const void *d, size_t len)
{
	struct ftype_info fi;
	unsigned char *copy = g_memdup2(d, len); /* exact size: ASan sees over-reads */

	ftype_detect(copy, len, &fi);
	g_free(copy);
	return fi;
}

static void expect(const char *what, struct ftype_info fi, enum ftype type, unsigned int flags)
{
	char got[128], want[128];

	ck_assert_msg(fi.type == type && fi.flags == flags, "%s: got %s [%s], want %s [%s]", what,
	              ftype_name(fi.type), ftype_flags_string(fi.flags, got, sizeof(got)),
	              ftype_name(type), ftype_flags_string(flags, want, sizeof(want)));
}

static void expect_sample(const char *dir, const struct sample *s, bool gz)
{
	char *path = g_strconcat(dir, s->file, NULL);
	GBytes *b = gz ? inflate(path) : load(path);

	expect(s->file, detect_bytes(b), s->type, s->flags);
	g_bytes_unref(b);
	g_free(path);
}

START_TEST(test_sample)
{
	expect_sample(FIXTURES, &samples[_i], false);
}
END_TEST

START_TEST(test_packed)
{
	expect_sample(FIXTURES, &packed[_i], true);
}
END_TEST

START_TEST(test_clamav)
{
	ck_assert_msg(g_file_test(CLAMAV "clam.exe", G_FILE_TEST_EXISTS),
	              "clamav-testfiles missing: run 'make deps'");
	expect_sample(CLAMAV, &clamav[_i], false);
}
END_TEST

/* Every type has a real sample above, in one table or another (or a hand-built one below). */
START_TEST(test_every_type_sampled)
{
	bool seen[FTYPE__COUNT] = {false};

	for (size_t i = 0; i < N_(samples); i++)
		seen[samples[i].type] = true;
	for (size_t i = 0; i < N_(packed); i++)
		seen[packed[i].type] = true;
	for (size_t i = 0; i < N_(clamav); i++)
		seen[clamav[i].type] = true;
	seen[FTYPE_BINARY] = seen[FTYPE_EMPTY] = true; /* test_tiny */
	for (int t = 0; t < FTYPE__COUNT; t++)
		ck_assert_msg(seen[t], "no sample of type %s", ftype_name((enum ftype)t));
}
END_TEST

/* ---- hand-made edge cases ---- */

struct raw {
	const char *what;
	const char *bytes;
	size_t len; /* 0: strlen(bytes) */
	enum ftype type;
	unsigned int flags;
};

#define RAW(w, b, t, f)                                                                            \
	{                                                                                          \
		w, b, sizeof(b) - 1, t, f                                                          \
	}

static const struct raw tiny[] = {
        RAW("one letter", "A", FTYPE_TEXT, 0),
        RAW("one NUL", "\0", FTYPE_BINARY, 0),
        RAW("one control", "\x01", FTYPE_BINARY, 0),
        RAW("MZ alone", "MZ", FTYPE_MZ, F_TRUNC),
        RAW("ELF magic alone",
            "\x7f"
            "ELF",
            FTYPE_ELF, F_TRUNC),
        RAW("ELF64 ident",
            "\x7f"
            "ELF\x02\x01\x01",
            FTYPE_ELF, F_64 | F_TRUNC),
        RAW("zip local header magic alone", "PK\3\4", FTYPE_ZIP, F_TRUNC),
        RAW("empty zip", "PK\5\6\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", FTYPE_ZIP, 0),
        RAW("OLE2 signature alone", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", FTYPE_OLE2, F_TRUNC),
        RAW("PDF magic alone", "%PDF-", FTYPE_PDF, 0),
        RAW("RTF without version", "{\\rt", FTYPE_RTF, 0),
        RAW("CAFEBABE alone", "\xca\xfe\xba\xbe", FTYPE_BINARY, 0),
        RAW("class 45.3", "\xca\xfe\xba\xbe\0\x03\0\x2d", FTYPE_CLASS, 0),
        RAW("fat Mach-O cut", "\xca\xfe\xba\xbe\0\0\0\x03\0\0\0\x07", FTYPE_MACHO, F_FAT | F_TRUNC),
        RAW("CAFEBABE neither", "\xca\xfe\xba\xbe\0\0\0\x19", FTYPE_BINARY, 0),
        RAW("Mach-O 64 magic alone", "\xcf\xfa\xed\xfe", FTYPE_MACHO, F_64 | F_TRUNC),
        RAW("shebang", "#!/bin/sh\n", FTYPE_SCRIPT, 0),
        RAW("not a shebang", "#! hello\n", FTYPE_TEXT, 0),
        RAW("dex header cut", "dex\n035\0", FTYPE_DEX, F_TRUNC),
        RAW("rar5 signature", "Rar!\x1a\x07\x01\x00", FTYPE_RAR, F_RAR5),
        RAW("gzip", "\x1f\x8b\x08\0", FTYPE_GZIP, 0),
        /* skippable frames: zstd when a zstd frame follows them within the bytes */
        RAW("skippable frame, zstd frame", "P*M\x18\x02\0\0\0ab\x28\xb5\x2f\xfd", FTYPE_ZSTD, 0),
        RAW("two skippable frames, zstd frame",
            "\x5f\x2a\x4d\x18\0\0\0\0P*M\x18\x01\0\0\0a\x28\xb5\x2f\xfd", FTYPE_ZSTD, 0),
        RAW("skippable frame, LZ4 frame", "P*M\x18\x02\0\0\0ab\x04\x22\x4d\x18\x64\x40\xa7",
            FTYPE_LZ4, 0),
        RAW("LZ4 frame, bad version", "\x04\x22\x4d\x18\xa4\x40\xa7", FTYPE_BINARY, 0),
        RAW("compress, 8 code bits", "\x1f\x9d\x08", FTYPE_BINARY, 0),
        RAW("compress, reserved bit", "\x1f\x9d\xb0", FTYPE_BINARY, 0),
        /* a first code of 9 bits (no stream begins so), a second beyond the first new code */
        RAW("compress, first code not a byte", "\x1f\x9d\x90\x41\x01\x00", FTYPE_BINARY, 0),
        RAW("compress, second code too high", "\x1f\x9d\x90\x41\xfe\x03", FTYPE_BINARY, 0),
        RAW("compress, a byte then a byte", "\x1f\x9d\x90\x68\xca\x00", FTYPE_COMPRESS, 0),
        RAW("lzip, 2 KiB dictionary", "LZIP\x01\x0b", FTYPE_BINARY, 0),
        RAW("lzip version 2", "LZIP\x02\x0c", FTYPE_BINARY, 0),
        RAW("skippable frame alone", "P*M\x18\x02\0\0\0ab", FTYPE_BINARY, 0),
        RAW("skippable frame, junk", "P*M\x18\x02\0\0\0ab\x28\xb5\x2f\xfe", FTYPE_BINARY, 0),
        RAW("skippable frame past the end", "P*M\x18\x09\0\0\0ab\x28\xb5\x2f\xfd", FTYPE_BINARY, 0),
        RAW("MZ then text",
            "MZ Corp quarterly report: revenue grew, costs fell, all is well.\n"
            "Second line of the report, long enough for a DOS header.\n",
            FTYPE_TEXT, 0),
        RAW("BM then text", "BMW is a car maker from Bavaria, Germany.\n", FTYPE_TEXT, 0),
        RAW("BZh then text", "BZh9 looks like bzip2 but is not\n", FTYPE_TEXT, 0),
        RAW("cpio digits then text", "070701 is the magic of a newc cpio archive\n", FTYPE_TEXT, 0),
        RAW("UTF-16LE HTML", "\xff\xfe<\0h\0t\0m\0l\0>\0<\0/\0h\0t\0m\0l\0>\0", FTYPE_HTML, F_BOM),
        RAW("bad UTF-8 is legacy text", "caf\xe9 cr\xe8me\n", FTYPE_TEXT, 0),
        RAW("UTF-8 overlong",
            "ab\xc0\xaf"
            "cd\n",
            FTYPE_TEXT, 0),
};

START_TEST(test_tiny)
{
	struct ftype_info fi;

	ftype_detect(NULL, 0, &fi);
	expect("NULL, 0", fi, FTYPE_EMPTY, 0);
	expect("zero bytes", detect_mem("x", 0), FTYPE_EMPTY, 0);
	for (size_t i = 0; i < N_(tiny); i++)
		expect(tiny[i].what, detect_mem(tiny[i].bytes, tiny[i].len), tiny[i].type,
		       tiny[i].flags);
}
END_TEST

static const struct raw texts[] = {
        RAW("command in prose", "Please run cmd /c dir to list the files.\n", FTYPE_TEXT, 0),
        RAW("IEX alone", "IEX\n", FTYPE_TEXT, 0),
        RAW("one JS word", "The function of this meeting is planning.\n", FTYPE_TEXT, 0),
        RAW("batch", "@echo off\r\ndir\r\n", FTYPE_BAT, 0),
        RAW("batch after a blank line", "\r\n@ECHO OFF\r\ngoto end\r\n", FTYPE_BAT, 0),
        RAW("powershell", "$c = [Convert]::FromBase64String($s)\nInvoke-Expression $c\n", FTYPE_PS1,
            0),
        RAW("jscript", "var x = new ActiveXObject('MSXML2.XMLHTTP');\nx.open('GET', u);\n",
            FTYPE_JS, 0),
        RAW("vbscript", "Sub Main()\n  MsgBox \"hi\" & vbCrLf\nEnd Sub\n", FTYPE_VBS, 0),
        RAW("html after a comment", "<!-- saved -->\n<html><body>x</body></html>\n", FTYPE_HTML, 0),
        RAW("html after text", "Some text first\n<html><body>x</body></html>\n", FTYPE_HTML, 0),
        RAW("html anchor first", "<a href=\"x\">x</a>\n", FTYPE_HTML, 0),
        RAW("svg with doctype",
            "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG "
            "1.1//EN\" \"x\">\n<svg width=\"1\"></svg>\n",
            FTYPE_SVG, 0),
        RAW("bare svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n", FTYPE_SVG, 0),
        /* an OpenPGP packet header alone is no magic number: the body must fit the packet */
        RAW("pgp-like header, deflate block type 3",
            "\xa3\x01\x07\x00\x00\x00\x00\x00\x00\x00"
            "\x00\x00\x00\x00\x00\x00",
            FTYPE_BINARY, 0),
        RAW("wsf package",
            "<package><job id=\"a\"><script language=\"VBScript\">x</script>"
            "</job></package>\n",
            FTYPE_WSF, 0),
        RAW("xml", "<?xml version=\"1.0\"?><a/>\n", FTYPE_XML, 0),
        RAW("less-than text", "<John Doe> wrote a note\n", FTYPE_TEXT, 0),
        RAW("url without URL=", "[InternetShortcut]\r\nIconIndex=0\r\n", FTYPE_TEXT, 0),
        RAW("eml, folded", "X-Spam: no\nSubject: a long\n subject\nFrom: a@b\n\nbody\n", FTYPE_EML,
            0),
        RAW("eml, CRLF", "From: a@b\r\nTo: c@d\r\n\r\nbody\r\n", FTYPE_EML, 0),
        RAW("eml, headers only", "Date: Mon, 6 Jan 2020 10:00:00 +0000\nFrom: a@b\n", FTYPE_EML, 0),
        RAW("one header field", "Subject: hello\n\nbody\n", FTYPE_TEXT, 0),
        RAW("no known field", "Note: one\nTodo: two\n\nbody\n", FTYPE_TEXT, 0),
        RAW("continuation first", " From: a@b\nTo: c@d\n\n", FTYPE_TEXT, 0),
        RAW("not a header line ends the block (Python)",
            "From: a@b\nTo: c@d\nthis is not a header\n\n", FTYPE_EML, 0),
        RAW("not a header line, one field", "From: a@b\nthis is not a header\n\n", FTYPE_TEXT, 0),
        RAW("white space first (Python drops it)", " x\nFrom: a@b\nTo: c@d\n\nbody\n", FTYPE_EML,
            0),
        RAW("mbox without headers", "From someone on Monday\nhello there\n", FTYPE_TEXT, 0),
        RAW("mail quoting a PDF", "From: a@b\nTo: c@d\n\n%PDF-1.4\n", FTYPE_EML, 0),
        RAW("PDF after junk", "junk\n%PDF-1.4\n", FTYPE_PDF, 0),
        RAW("UTF-16BE with BOM", "\xfe\xff\0h\0i\0\n", FTYPE_UTF16, F_BOM),
};

START_TEST(test_text_heuristics)
{
	expect(texts[_i].what, detect_mem(texts[_i].bytes, texts[_i].len), texts[_i].type,
	       texts[_i].flags);
}
END_TEST

/* The refiners ftype_detect() uses, called directly. */
START_TEST(test_refiners)
{
	struct ftype_info fi = {FTYPE_PNG, F_DLL};
	GBytes *b;
	gsize len;
	const unsigned char *d;

	ck_assert(!ftype_detect_text((const unsigned char *)"\0\1\2\3", 4, &fi));
	ck_assert(fi.type == FTYPE_PNG && fi.flags == F_DLL); /* untouched */
	fi = (struct ftype_info){FTYPE_BINARY, 0};
	ck_assert(ftype_detect_text((const unsigned char *)"hello\n", 6, &fi));
	expect("text refiner", fi, FTYPE_TEXT, 0);
	fi = (struct ftype_info){FTYPE_BINARY, 0};
	ck_assert(ftype_detect_text((const unsigned char *)"\xef\xbb\xbf"
	                                                   "From: a\nTo: b\n\n",
	                            17, &fi));
	expect("mail after a BOM", fi, FTYPE_EML, F_BOM | F_UTF8);
	b = load(FIXTURES "outlook.msg");
	d = g_bytes_get_data(b, &len);
	fi = (struct ftype_info){FTYPE_BINARY, 0};
	ftype_detect_ole2(d, len, &fi);
	expect("OLE2 refiner", fi, FTYPE_MSG, 0);
	g_bytes_unref(b);
	b = load(FIXTURES "app.apk");
	d = g_bytes_get_data(b, &len);
	fi = (struct ftype_info){FTYPE_BINARY, 0};
	ftype_detect_zip(d, len, &fi);
	expect("zip refiner", fi, FTYPE_APK, 0);
	g_bytes_unref(b);
}
END_TEST

START_TEST(test_pdf_beyond_first_kb)
{
	char buf[3000];

	memset(buf, 'a', sizeof(buf));
	buf[sizeof(buf) - 1] = '\n';
	memcpy(buf + 2000, "%PDF-1.4", 8);
	expect("%PDF- at 2000", detect_mem(buf, sizeof(buf)), FTYPE_TEXT, 0);
	memcpy(buf + 1000, "%PDF-1.4", 8);
	expect("%PDF- at 1000", detect_mem(buf, sizeof(buf)), FTYPE_PDF, 0);
}
END_TEST

static unsigned char *load_copy(const char *path, size_t *len_r)
{
	GBytes *b = load(path);
	gsize len;
	unsigned char *d = g_bytes_unref_to_data(b, &len);

	*len_r = len;
	return d;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

START_TEST(test_pe_corrupt)
{
	size_t len;
	unsigned char *d = load_copy(CLAMAV "clam.exe", &len);
	uint32_t pe = get32(d + 0x3c);

	ck_assert_uint_lt(pe + 100, len);
	expect("clam.exe cut in its optional header", detect_mem(d, pe + 26), FTYPE_PE, F_TRUNC);
	expect("clam.exe cut in its COFF header", detect_mem(d, pe + 20), FTYPE_MZ, 0);
	d[pe + 23] |= 0x20; /* IMAGE_FILE_DLL */
	expect("clam.exe with the DLL bit", detect_mem(d, len), FTYPE_PE, F_DLL);
	put32(d + 0x3c, (uint32_t)len + 1000);
	expect("e_lfanew past the end", detect_mem(d, len), FTYPE_MZ, F_TRUNC);
	put32(d + 0x3c, 0xffffffff);
	expect("e_lfanew at 4 GB", detect_mem(d, len), FTYPE_MZ, F_TRUNC);
	g_free(d);
}
END_TEST

/* word.doc from make-samples.py: 512-byte sectors, FAT in sector 0, one directory sector. */
START_TEST(test_ole2_corrupt)
{
	size_t len;
	unsigned char *d = load_copy(FIXTURES "word.doc", &len);
	unsigned char *m = g_memdup2(d, len);
	uint32_t dir = get32(d + 0x30), fat = get32(d + 0x4c);
	size_t fat_off = (fat + 1) * 512, dir_off = (dir + 1) * 512;

	expect("header only", detect_mem(d, 512), FTYPE_OLE2, F_TRUNC);
	expect("cut before the directory", detect_mem(d, dir_off + 100), FTYPE_OLE2, F_TRUNC);
	m[0x1e] = 0xff;
	expect("bogus sector shift", detect_mem(m, len), FTYPE_OLE2, 0);
	memcpy(m, d, len);
	m[0x1c] = 0;
	expect("bad byte order mark", detect_mem(m, len), FTYPE_OLE2, 0);
	memcpy(m, d, len);
	put32(m + fat_off + 4 * dir, dir);
	expect("directory chain loops on itself", detect_mem(m, len), FTYPE_DOC, 0);
	memcpy(m, d, len);
	put32(m + fat_off + 4 * dir, 0x00ffffff);
	expect("directory chain leaves the file", detect_mem(m, len), FTYPE_DOC, F_TRUNC);
	memcpy(m, d, len);
	put32(m + 0x30, 0x00ffffff);
	expect("directory sector past the end", detect_mem(m, len), FTYPE_OLE2, F_TRUNC);
	memcpy(m, d, len);
	put32(m + 0x4c, 0xfffffff0);
	expect("FAT sector number invalid", detect_mem(m, len), FTYPE_DOC, 0);
	memcpy(m, d, len);
	put32(m + dir_off + 0x4c, 1);       /* root's child: 1Table */
	put32(m + dir_off + 128 + 0x44, 1); /* its left sibling: itself */
	put32(m + dir_off + 128 + 0x48, 2); /* its right sibling: WordDocument */
	put32(m + dir_off + 256 + 0x44, 1); /* whose left sibling loops back */
	put32(m + dir_off + 256 + 0x48, 0); /* and whose right one is the root */
	expect("sibling tree with loops", detect_mem(m, len), FTYPE_DOC, 0);
	g_free(m);
	g_free(d);
}
END_TEST

/* A broken sibling tree falls back to every name: the embedded Outlook item then wins. */
START_TEST(test_ole2_tree_fallback)
{
	size_t len;
	unsigned char *d = load_copy(FIXTURES "word-embeds-msg.doc", &len);
	size_t dir_off = (get32(d + 0x30) + 1) * 512;

	put32(d + dir_off + 0x4c, 0xffffffff);
	expect("no root child", detect_mem(d, len), FTYPE_MSG, 0);
	put32(d + dir_off + 0x4c, 9999);
	expect("root child out of range", detect_mem(d, len), FTYPE_MSG, 0);
	g_free(d);
}
END_TEST

/*
 * A 16 MB compound file whose directory sector is described by a FAT sector found through the
 * DIFAT chain (past the header's 109 slots); that chain and the directory chain loop, and the
 * DIFAT length announced is absurd: the walk must end and still find the Word stream.
 */
START_TEST(test_ole2_difat_loop)
{
	const size_t dirsec = 236 * 128 + 5, size = (dirsec + 2) * 512;
	unsigned char *d = g_malloc0(size);
	unsigned char *e = d + (dirsec + 1) * 512;
	const char *names[] = {"Root Entry", "WordDocument"};

	memcpy(d, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
	d[0x1a] = 3;
	d[0x1c] = 0xfe;
	d[0x1d] = 0xff;
	d[0x1e] = 9;
	put32(d + 0x30, (uint32_t)dirsec);
	put32(d + 0x38, 4096);
	put32(d + 0x44, 1);          /* first DIFAT sector */
	put32(d + 0x48, 0xffffffff); /* DIFAT sectors announced */
	for (int i = 0; i < 128; i++)
		put32(d + 2 * 512 + 4 * i, 1); /* sector 1: every slot and the next link: 1 */
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; names[k][i]; i++)
			e[k * 128 + 2 * i] = (unsigned char)names[k][i];
		e[k * 128 + 0x40] = (unsigned char)(2 * strlen(names[k]) + 2);
		e[k * 128 + 0x42] = k == 0 ? 5 : 2;
		put32(e + k * 128 + 0x44, 0xffffffff);
		put32(e + k * 128 + 0x48, 0xffffffff);
		put32(e + k * 128 + 0x4c, k == 0 ? 1 : 0xffffffff);
	}
	struct ftype_info fi;
	ftype_detect(d, size, &fi);
	expect("DIFAT loop", fi, FTYPE_DOC, 0);
	g_free(d);
}
END_TEST

static size_t eocd_of(const unsigned char *d, size_t len)
{
	for (size_t e = len - 22;; e--)
		if (memcmp(d + e, "PK\5\6", 4) == 0 || e == 0)
			return e;
}

START_TEST(test_zip_corrupt)
{
	size_t len;
	unsigned char *d = load_copy(FIXTURES "document.docx", &len);
	unsigned char *m = g_memdup2(d, len);
	size_t e = eocd_of(d, len);

	ck_assert_uint_gt(e, 0);
	expect("end record cut off", detect_mem(d, len - 10), FTYPE_DOCX, F_TRUNC);
	expect("central directory cut", detect_mem(d, e - 30), FTYPE_DOCX, F_TRUNC);
	m[e + 10] = 0xfe; /* entries: far more than there are */
	m[e + 11] = 0xff;
	expect("entry count too large", detect_mem(m, len), FTYPE_DOCX, F_TRUNC);
	memcpy(m, d, len);
	put32(m + e + 16, 0x7fffffff);
	expect("central directory offset wrong", detect_mem(m, len), FTYPE_DOCX, 0);
	put32(m + e + 12, 0x7fffffff);
	expect("offset and size wrong", detect_mem(m, len), FTYPE_DOCX, F_TRUNC);
	memcpy(m, d, len);
	m[get32(d + e + 16) + 28] = 0xff; /* first entry's name length */
	m[get32(d + e + 16) + 29] = 0xff;
	expect("name length past the directory", detect_mem(m, len), FTYPE_DOCX, F_TRUNC);
	g_free(m);
	g_free(d);
	d = load_copy(FIXTURES "plain.zip", &len);
	expect("plain zip cut", detect_mem(d, len / 2), FTYPE_ZIP, F_TRUNC);
	g_free(d);
}
END_TEST

/*
 * Random bytes after the first byte of an OpenPGP packet of each kind that the detector knows
 * (compressed, literal of known length, public-key and symmetric session keys; old and new
 * headers) and a second byte of every value: none is an OpenPGP message. Before the body had
 * to fit the packet, 1 in 1000 of these were typed pgp, then read as a corrupt deflate stream
 * (unscannable) or an encrypted message (held). An old literal packet of no stated length
 * (0xaf), with its format byte and a printable name, is one as gpg reads it (its data is the
 * rest of the bytes, a member).
 */
START_TEST(test_pgp_random)
{
	static const unsigned char firsts[] = {0xa0, 0xa1, 0xa2, 0xa3, 0xc8, 0xac, 0xad, 0xae, 0xcb,
	                                       0x84, 0x85, 0x86, 0xc1, 0x8c, 0x8d, 0x8e, 0xc3};
	static const unsigned char literal[16] = {0xaf, 'b', 3,   'a', '.', 'b', 0,   0,
	                                          0,    0,   'd', 'a', 't', 'a', '.', '.'};
	GRand *r = g_rand_new_with_seed(17);
	unsigned char *d = g_malloc(4096);
	unsigned int pgp = 0, total = 0;

	for (size_t f = 0; f < G_N_ELEMENTS(firsts); f++) {
		for (unsigned int second = 0; second < 256; second++) {
			for (int round = 0; round < 40; round++) {
				struct ftype_info fi;

				for (size_t i = 0; i < 4096; i++)
					d[i] = (unsigned char)g_rand_int(r);
				d[0] = firsts[f];
				d[1] = (unsigned char)second;
				if (round % 2)
					d[2] = (unsigned char)(round % 4); /* an algorithm byte */
				ftype_detect(d, 4096, &fi);
				pgp += fi.type == FTYPE_PGP;
				total++;
			}
		}
	}
	ck_assert_msg(pgp == 0, "%u of %u random buffers typed pgp", pgp, total);
	{
		struct ftype_info fi;

		ftype_detect(literal, sizeof(literal), &fi);
		ck_assert_int_eq(fi.type, FTYPE_PGP);
	}
	g_free(d);
	g_rand_free(r);
}
END_TEST

START_TEST(test_disc_by_hand)
{
	const size_t size = 0x9800;
	unsigned char *d = g_malloc0(size);

	memcpy(d + 0x8000,
	       "\x01"
	       "CD001\x01",
	       7);
	expect("ISO primary descriptor", detect_mem(d, size), FTYPE_ISO, 0);
	memset(d + 0x8000, 0, 7);
	memcpy(d + 0x9000,
	       "\xff"
	       "CD001\x01",
	       7);
	expect("ISO descriptor at 0x9001", detect_mem(d, size), FTYPE_ISO, 0);
	memset(d + 0x9000, 0, 7);
	memcpy(d + 0x8800, "\0NSR02\x01", 7);
	expect("NSR02 without BEA01", detect_mem(d, size), FTYPE_BINARY, 0);
	memcpy(d + 0x8000, "\0BEA01\x01", 7);
	expect("UDF recognition sequence", detect_mem(d, size), FTYPE_UDF, 0);
	memset(d, 0, size);
	memcpy(d + size - 512, "conectix", 8);
	expect("VHD footer at the end", detect_mem(d, size), FTYPE_VHD, 0);
	memset(d, 0, size);
	memcpy(d + size - 511, "conectix", 8);
	expect("511-byte VHD footer", detect_mem(d, size), FTYPE_VHD, 0);
	g_free(d);
}
END_TEST

/*
 * Typing must not grow with the size: a 64 MB mapping whose middle (1 MB .. size - 1 MB) is
 * PROT_NONE types without touching it (a read there would kill the test with SIGSEGV).
 */
START_TEST(test_bounded_reads)
{
	const size_t size = 64u << 20, guard = 1u << 20;
	unsigned char *d =
	        mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ftype_info fi;

	ck_assert_ptr_ne(d, MAP_FAILED);
	memcpy(d, "%PDF-1.7\n", 9);
	ck_assert_int_eq(mprotect(d + guard, size - 2 * guard, PROT_NONE), 0);
	ftype_detect(d, size, &fi);
	expect("64 MB PDF", fi, FTYPE_PDF, 0);
	memset(d, 'a', guard);
	for (size_t i = 79; i < guard; i += 80)
		d[i] = '\n';
	ftype_detect(d, size, &fi);
	expect("64 MB of text", fi, FTYPE_TEXT, 0);
	memset(d, 0, guard);
	ftype_detect(d, size, &fi);
	expect("64 MB of zeros", fi, FTYPE_BINARY, 0);
	memcpy(d, "PK\3\4", 4); /* no end record in the last 64 KB: local headers only */
	ftype_detect(d, size, &fi);
	expect("64 MB zip without directory", fi, FTYPE_ZIP, F_TRUNC);
	memcpy(d, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
	ftype_detect(d, size, &fi);
	expect("64 MB OLE2 with a zero header", fi, FTYPE_OLE2, 0);
	munmap(d, size);
}
END_TEST

START_TEST(test_big_buffers)
{
	const size_t size = 64u << 20;
	unsigned char *d = g_malloc(size);
	struct ftype_info fi;

	for (size_t i = 0; i < size; i++)
		d[i] = (i % 64 == 63) ? '\n' : (unsigned char)('a' + i % 26);
	ftype_detect(d, size, &fi);
	expect("64 MB ASCII", fi, FTYPE_TEXT, 0);
	memset(d, 0, size);
	memcpy(d, "%PDF-1.5", 8);
	ftype_detect(d, size, &fi);
	expect("64 MB zeros under a PDF header", fi, FTYPE_PDF, 0);
	g_free(d);
}
END_TEST

static void check_sane(const unsigned char *d, size_t len)
{
	struct ftype_info fi = detect_mem(d, len);

	ck_assert_int_lt(fi.type, FTYPE__COUNT);
	ck_assert_uint_eq(fi.flags & ~0x3ffu, 0);
}

/* Every prefix up to 1 KB and 64 more, and 64 suffixes: no over-read (ASan), sane results. */
/* The word-at-a-time paths: case folding, printable runs, and the 2 KB first look. */
START_TEST(test_text_fast_paths)
{
	GString *t = g_string_new(NULL);
	struct ftype_info fi;

	g_string_append(t, "ON ERROR RESUME NEXT\r\nDIM Shell\r\nSET Shell = CreateObject("
	                   "\"WScript.Shell\")\r\nEND SUB\r\n");
	ftype_detect((const unsigned char *)t->str, t->len, &fi);
	ck_assert_str_eq(ftype_name(fi.type), "vbs");
	/* 3 KB of prose, then code: the first look sees nothing and stops: text */
	g_string_truncate(t, 0);
	while (t->len < 3000)
		g_string_append(t, "The quarterly figures show that revenue grew. ");
	g_string_append(t, "\non error resume next\ndim x\nend sub\nend function\n");
	ftype_detect((const unsigned char *)t->str, t->len, &fi);
	ck_assert_str_eq(ftype_name(fi.type), "text");
	/* a weak indicator early keeps looking, and the code later decides */
	g_string_prepend(t, "function ");
	ftype_detect((const unsigned char *)t->str, t->len, &fi);
	ck_assert_str_eq(ftype_name(fi.type), "vbs");
	/* a DEL or a control byte inside an otherwise printable word is still seen */
	g_string_assign(t, "abcdefg\x7f"
	                   "abcdefghabcdefgh");
	for (int i = 0; i < 200; i++)
		g_string_append(t, "\x7f\x01\x02\x03\x04\x05\x06\x07\x08");
	ftype_detect((const unsigned char *)t->str, t->len, &fi);
	ck_assert_str_eq(ftype_name(fi.type), "binary");
	g_string_free(t, TRUE);
}
END_TEST

START_TEST(test_cuts)
{
	char *path = g_strconcat(FIXTURES, samples[_i].file, NULL);
	size_t len;
	unsigned char *d = load_copy(path, &len);

	for (size_t n = 0; n <= len && n <= 1024; n++)
		check_sane(d, n);
	for (size_t k = 1; k <= 64 && len > 1024; k++)
		check_sane(d, 1024 + (len - 1024) * k / 64);
	for (size_t k = 1; k < 64 && len > 64; k++)
		check_sane(d + len * k / 64, len - len * k / 64);
	g_free(d);
	g_free(path);
}
END_TEST

/* Random corruptions (fixed seed) near the head, the tail and anywhere. */
START_TEST(test_mutations)
{
	char *path = g_strconcat(FIXTURES, samples[_i].file, NULL);
	size_t len;
	unsigned char *d = load_copy(path, &len);
	unsigned char *m = g_malloc(len ? len : 1);
	GRand *r = g_rand_new_with_seed(0x5eed + (guint32)_i);

	for (int round = 0; round < 300 && len > 0; round++) {
		memcpy(m, d, len);
		for (int k = g_rand_int_range(r, 1, 9); k > 0; k--) {
			size_t span = len < 600 ? len : 600, at;
			switch (g_rand_int_range(r, 0, 3)) {
			case 0:
				at = (size_t)g_rand_int_range(r, 0, (gint32)span);
				break;
			case 1:
				at = len - 1 - (size_t)g_rand_int_range(r, 0, (gint32)span);
				break;
			default:
				at = (size_t)g_rand_double_range(r, 0, (double)len);
				break;
			}
			m[at < len ? at : len - 1] = (unsigned char)g_rand_int_range(r, 0, 256);
		}
		check_sane(m, len);
	}
	g_rand_free(r);
	g_free(m);
	g_free(d);
	g_free(path);
}
END_TEST

/* ---- names ---- */

/* The stable names and families, as the configuration and the logs know them. */
static const struct {
	const char *name, *family;
} stable[] = {
        {"binary", "other"},     {"empty", "other"},       {"text", "text"},
        {"utf16", "text"},       {"pe", "executable"},     {"mz", "executable"},
        {"elf", "executable"},   {"macho", "executable"},  {"class", "executable"},
        {"script", "script"},    {"msi", "executable"},    {"jar", "executable"},
        {"apk", "executable"},   {"dex", "executable"},    {"hta", "script"},
        {"js", "script"},        {"vbs", "script"},        {"ps1", "script"},
        {"bat", "script"},       {"wsf", "script"},        {"lnk", "shortcut"},
        {"url", "shortcut"},     {"ole2", "document"},     {"doc", "document"},
        {"xls", "document"},     {"ppt", "document"},      {"msg", "document"},
        {"ooxml", "document"},   {"docx", "document"},     {"xlsx", "document"},
        {"pptx", "document"},    {"odf", "document"},      {"pdf", "document"},
        {"rtf", "document"},     {"onenote", "document"},  {"chm", "script"},
        {"html", "text"},        {"xml", "text"},          {"svg", "text"},
        {"zip", "archive"},      {"rar", "archive"},       {"7z", "archive"},
        {"gzip", "archive"},     {"bzip2", "archive"},     {"xz", "archive"},
        {"zstd", "archive"},     {"lzma", "archive"},      {"cab", "archive"},
        {"compress", "archive"}, {"lzip", "archive"},      {"lz4", "archive"},
        {"cpio", "archive"},     {"tar", "archive"},       {"arj", "archive"},
        {"ace", "archive"},      {"iso", "diskimage"},     {"udf", "diskimage"},
        {"vhd", "diskimage"},    {"vhdx", "diskimage"},    {"dmg", "diskimage"},
        {"png", "image"},        {"jpeg", "image"},        {"gif", "image"},
        {"bmp", "image"},        {"webp", "image"},        {"tiff", "image"},
        {"ico", "image"},        {"eml", "mail"},          {"mbox", "mail"},
        {"tnef", "mail"},        {"applefile", "archive"}, {"pgp", "mail"},
        {"pkcs7", "mail"},
};

START_TEST(test_names)
{
	enum ftype t;
	enum ftype_family f;

	ck_assert_uint_eq(N_(stable), FTYPE__COUNT);
	for (size_t i = 0; i < N_(stable); i++) {
		ck_assert_int_eq(ftype_from_name(stable[i].name, &t), 0);
		ck_assert_str_eq(ftype_name(t), stable[i].name);
		ck_assert_str_eq(ftype_family_name(ftype_family(t)), stable[i].family);
		ck_assert_ptr_nonnull(ftype_description(t));
		ck_assert_uint_gt(strlen(ftype_description(t)), 3);
	}
	for (int i = 0; i < FTYPE__COUNT; i++) {
		ck_assert_int_eq(ftype_from_name(ftype_name((enum ftype)i), &t), 0);
		ck_assert_int_eq(t, i);
	}
	for (int i = 0; i < FTYPE_FAMILY__COUNT; i++) {
		ck_assert_int_eq(
		        ftype_family_from_name(ftype_family_name((enum ftype_family)i), &f), 0);
		ck_assert_int_eq(f, i);
	}
	ck_assert_int_eq(ftype_from_name("PDF", &t), 0);
	ck_assert_int_eq(t, FTYPE_PDF);
	ck_assert_int_eq(ftype_from_name("exe", &t), -1);
	ck_assert_int_eq(ftype_from_name("", &t), -1);
	ck_assert_int_eq(ftype_from_name(NULL, &t), -1);
	ck_assert_int_eq(ftype_family_from_name("executables", &f), -1);
	ck_assert_str_eq(ftype_name((enum ftype)999), "binary");
	ck_assert_str_eq(ftype_family_name((enum ftype_family)999), "other");
	ck_assert_int_eq(ftype_family((enum ftype)999), FTYPE_FAMILY_OTHER);
}
END_TEST

START_TEST(test_flags_string)
{
	char buf[128], small[10];

	ck_assert_str_eq(ftype_flags_string(0, buf, sizeof(buf)), "");
	ck_assert_str_eq(ftype_flags_string(F_DLL | F_NET, buf, sizeof(buf)), "dll,dotnet");
	ck_assert_str_eq(ftype_flags_string(0x3ff, buf, sizeof(buf)),
	                 "dll,dotnet,64bit,fat,macros,encrypted,utf8,bom,rar5,truncated");
	ck_assert_str_eq(ftype_flags_string(0x3ff | 0x400, buf, sizeof(buf)),
	                 "dll,dotnet,64bit,fat,macros,encrypted,utf8,bom,rar5,truncated");
	/* names that do not fit whole are left out */
	ck_assert_str_eq(ftype_flags_string(F_DLL | F_ENC | F_BOM, small, sizeof(small)),
	                 "dll,bom");
	ck_assert_str_eq(ftype_flags_string(F_DLL, small, 4), "dll");
	ck_assert_str_eq(ftype_flags_string(F_DLL, small, 3), "");
	ck_assert_str_eq(ftype_flags_string(F_DLL, small, 0), "");
}
END_TEST

/* ---- extensions ---- */

static const struct {
	const char *name, *ext; /* ext NULL: none */
} extensions[] = {
        {"a.PDF.", "pdf"},
        {"invoice.pdf", "pdf"},
        {"Invoice.PDF  ", "pdf"},
        {"a.exe. . ", "exe"},
        {"archive.tar.gz", "gz"},
        {"invoice.pdf.exe", "exe"},
        {"noext", NULL},
        {"", NULL},
        {"a.", NULL},
        {"...", NULL},
        {".exe", "exe"},
        {".bashrc", "bashrc"},
        {"dir.d/file", NULL},
        {"C:\\x.y\\file", NULL},
        {"C:\\Users\\bob\\a.Doc", "doc"},
        {"a.verylongextensionname", NULL},
        {"a.settingcontent-ms", "settingcontent-ms"},
};

START_TEST(test_extension)
{
	char buf[32];
	const char *got;

	for (size_t i = 0; i < N_(extensions); i++) {
		got = ftype_extension(extensions[i].name, buf, 20);
		if (extensions[i].ext == NULL)
			ck_assert_msg(got == NULL, "'%s': got '%s'", extensions[i].name, got);
		else
			ck_assert_msg(got != NULL && strcmp(got, extensions[i].ext) == 0,
			              "'%s': got '%s', want '%s'", extensions[i].name,
			              got ? got : "(none)", extensions[i].ext);
	}
	ck_assert_ptr_null(ftype_extension("a.pdf", buf, 3)); /* no room for "pdf" + NUL */
	ck_assert_str_eq(ftype_extension("a.pdf", buf, 4), "pdf");
	ck_assert_ptr_null(ftype_extension(NULL, buf, sizeof(buf)));
}
END_TEST

static const struct {
	const char *name, *family;
} ext_families[] = {
        {"setup.exe", "executable"}, {"x.DLL", "executable"},  {"x.scr", "executable"},
        {"x.msi", "executable"},     {"x.jar", "executable"},  {"x.apk", "executable"},
        {"x.js", "script"},          {"x.vbs", "script"},      {"x.wsf", "script"},
        {"x.ps1", "script"},         {"x.bat", "script"},      {"x.cmd", "script"},
        {"x.hta", "script"},         {"x.chm", "script"},      {"x.lnk", "shortcut"},
        {"x.url", "shortcut"},       {"x.scf", "shortcut"},    {"x.doc", "document"},
        {"x.docm", "document"},      {"x.xlsb", "document"},   {"x.ppsx", "document"},
        {"x.odt", "document"},       {"x.pdf", "document"},    {"x.one", "document"},
        {"x.msg", "document"},       {"x.rtf", "document"},    {"x.zip", "archive"},
        {"x.tgz", "archive"},        {"x.r00", "archive"},     {"x.lzh", "archive"},
        {"x.iso", "diskimage"},      {"x.img", "diskimage"},   {"x.vhdx", "diskimage"},
        {"x.jpg", "image"},          {"x.tiff", "image"},      {"x.ico", "image"},
        {"x.txt", "text"},           {"x.csv", "text"},        {"x.html", "text"},
        {"x.svg", "text"},           {"x.json", "text"},       {"x.eml", "mail"},
        {"x.mbox", "mail"},          {"winmail.dat", "other"}, {"x.qqq", "other"},
        {"noext", "other"},          {"x.", "other"},
};

START_TEST(test_ext_family)
{
	for (size_t i = 0; i < N_(ext_families); i++)
		ck_assert_msg(strcmp(ftype_family_name(ftype_ext_family(ext_families[i].name)),
		                     ext_families[i].family) == 0,
		              "%s: got %s, want %s", ext_families[i].name,
		              ftype_family_name(ftype_ext_family(ext_families[i].name)),
		              ext_families[i].family);
}
END_TEST

static const struct {
	const char *name;
	enum ftype type;
	bool mismatch;
} mismatches[] = {
        {"invoice.pdf", FTYPE_PE, true},      {"invoice.PDF.", FTYPE_PE, true},
        {"photo.jpg", FTYPE_LNK, true},       {"report.docx", FTYPE_JS, true},
        {"a.zip", FTYPE_ISO, true},           {"a.txt", FTYPE_PE, true},
        {"a.pdf", FTYPE_ISO, true},           {"a.eml", FTYPE_PE, true},
        {"a.doc", FTYPE_HTA, true},           {"a.pdf", FTYPE_ZIP, true},
        {"a.png", FTYPE_PDF, true},           {"a.zip", FTYPE_MSI, true},
        {"report.doc", FTYPE_RTF, false},     {"report.doc", FTYPE_HTML, false},
        {"report.doc", FTYPE_DOCX, false},    {"report.doc", FTYPE_OLE2, false},
        {"data.xls", FTYPE_TEXT, false},      {"data.xls", FTYPE_UTF16, false},
        {"data.xls", FTYPE_XLSX, false},      {"photo.jpg", FTYPE_PNG, false},
        {"noext", FTYPE_PE, false},           {"x.qqq", FTYPE_PE, false},
        {"invoice.pdf", FTYPE_BINARY, false}, {"invoice.pdf", FTYPE_EMPTY, false},
        {"setup.exe", FTYPE_ZIP, false},      {"setup.exe", FTYPE_MZ, false},
        {"a.zip", FTYPE_DOCX, false},         {"a.zip", FTYPE_JAR, false},
        {"a.zip", FTYPE_RAR, false},          {"a.docx", FTYPE_ZIP, false},
        {"a.odt", FTYPE_ZIP, false},          {"a.txt", FTYPE_UTF16, false},
        {"a.txt", FTYPE_EML, false},          {"a.txt", FTYPE_PS1, false},
        {"notes.log", FTYPE_TEXT, false},     {"page.html", FTYPE_HTA, false},
        {"page.htm", FTYPE_XML, false},       {"a.eml", FTYPE_TEXT, false},
        {"a.eml", FTYPE_MBOX, false},         {"a.msg", FTYPE_EML, false},
        {"winmail.dat", FTYPE_TNEF, false},   {"invoice.pdf.exe", FTYPE_PE, false},
        {"a.js", FTYPE_TEXT, false},          {"a.iso", FTYPE_UDF, false},
};

START_TEST(test_ext_mismatch)
{
	for (size_t i = 0; i < N_(mismatches); i++) {
		struct ftype_info fi = {mismatches[i].type, 0};
		ck_assert_msg(ftype_ext_mismatch(mismatches[i].name, &fi) == mismatches[i].mismatch,
		              "%s as %s: want %s", mismatches[i].name, ftype_name(fi.type),
		              mismatches[i].mismatch ? "mismatch" : "no mismatch");
	}
	ck_assert(!ftype_ext_mismatch("invoice.pdf", NULL));
	ck_assert(!ftype_ext_mismatch(NULL, &(struct ftype_info){FTYPE_PE, 0}));
}
END_TEST

/* The dangerous case end to end: the bytes of a PE under a document's name. */
START_TEST(test_ext_mismatch_real)
{
	GBytes *b = load(CLAMAV "clam.exe");
	struct ftype_info fi = detect_bytes(b);

	ck_assert(ftype_ext_mismatch("invoice.pdf", &fi));
	ck_assert(!ftype_ext_mismatch("clam.exe", &fi));
	g_bytes_unref(b);
	b = load(FIXTURES "image.png");
	fi = detect_bytes(b);
	ck_assert(!ftype_ext_mismatch("photo.jpg", &fi));
	g_bytes_unref(b);
}
END_TEST

static Suite *ftype_suite(void)
{
	Suite *s = suite_create("ftype");
	TCase *tc = tcase_create("samples");
	TCase *edge = tcase_create("edge");
	TCase *robust = tcase_create("robustness");
	TCase *names = tcase_create("names");

	tcase_add_loop_test(tc, test_sample, 0, N_(samples));
	tcase_add_loop_test(tc, test_packed, 0, N_(packed));
	tcase_add_loop_test(tc, test_clamav, 0, N_(clamav));
	tcase_add_test(tc, test_every_type_sampled);
	suite_add_tcase(s, tc);
	tcase_add_test(edge, test_tiny);
	tcase_add_loop_test(edge, test_text_heuristics, 0, N_(texts));
	tcase_add_test(edge, test_refiners);
	tcase_add_test(edge, test_pdf_beyond_first_kb);
	tcase_add_test(edge, test_pe_corrupt);
	tcase_add_test(edge, test_ole2_corrupt);
	tcase_add_test(edge, test_ole2_tree_fallback);
	tcase_add_test(edge, test_ole2_difat_loop);
	tcase_add_test(edge, test_zip_corrupt);
	tcase_add_test(edge, test_disc_by_hand);
	tcase_add_test(edge, test_pgp_random);
	suite_add_tcase(s, edge);
	tcase_set_timeout(robust, 120);
	tcase_add_test(robust, test_bounded_reads);
	tcase_add_test(robust, test_big_buffers);
	tcase_add_test(robust, test_text_fast_paths);
	tcase_add_loop_test(robust, test_cuts, 0, N_(samples));
	tcase_add_loop_test(robust, test_mutations, 0, N_(samples));
	suite_add_tcase(s, robust);
	tcase_add_test(names, test_names);
	tcase_add_test(names, test_flags_string);
	tcase_add_test(names, test_extension);
	tcase_add_test(names, test_ext_family);
	tcase_add_test(names, test_ext_mismatch);
	tcase_add_test(names, test_ext_mismatch_real);
	suite_add_tcase(s, names);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ftype_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
