/*
 * ftype_ext.c: names of types, families and flags, and the file name extension table.
 *
 * The short names are an interface (configuration, logs, JSON) and never change. The extension
 * table says which family a name announces and which real types a file of that name may be;
 * ftype_ext_mismatch() applies the rule documented above it. Names are compared in ASCII
 * lower case; an extension longer than 15 bytes is no known extension.
 *
 * Thread safety: const tables only; safe from any thread.
 */

#include "engine/ftype.h"

#include <string.h>
#include <strings.h>

#define N_(x) (sizeof(x) / sizeof((x)[0]))

struct type_row {
	const char *name;
	enum ftype_family family;
	const char *description;
};

static const struct type_row types[FTYPE__COUNT] = {
        [FTYPE_BINARY] = {"binary", FTYPE_FAMILY_OTHER, "unrecognised binary data"},
        [FTYPE_EMPTY] = {"empty", FTYPE_FAMILY_OTHER, "empty"},
        [FTYPE_TEXT] = {"text", FTYPE_FAMILY_TEXT, "text"},
        [FTYPE_UTF16] = {"utf16", FTYPE_FAMILY_TEXT, "UTF-16 text"},
        [FTYPE_PE] = {"pe", FTYPE_FAMILY_EXECUTABLE, "Windows PE executable"},
        [FTYPE_MZ] = {"mz", FTYPE_FAMILY_EXECUTABLE, "DOS MZ executable"},
        [FTYPE_ELF] = {"elf", FTYPE_FAMILY_EXECUTABLE, "ELF executable"},
        [FTYPE_MACHO] = {"macho", FTYPE_FAMILY_EXECUTABLE, "Mach-O executable"},
        [FTYPE_CLASS] = {"class", FTYPE_FAMILY_EXECUTABLE, "Java class file"},
        [FTYPE_SCRIPT] = {"script", FTYPE_FAMILY_SCRIPT, "script with a #! interpreter line"},
        [FTYPE_MSI] = {"msi", FTYPE_FAMILY_EXECUTABLE, "Windows Installer package"},
        [FTYPE_JAR] = {"jar", FTYPE_FAMILY_EXECUTABLE, "Java archive"},
        [FTYPE_APK] = {"apk", FTYPE_FAMILY_EXECUTABLE, "Android package"},
        [FTYPE_DEX] = {"dex", FTYPE_FAMILY_EXECUTABLE, "Dalvik executable"},
        [FTYPE_HTA] = {"hta", FTYPE_FAMILY_SCRIPT, "HTML application"},
        [FTYPE_JS] = {"js", FTYPE_FAMILY_SCRIPT, "JavaScript / JScript"},
        [FTYPE_VBS] = {"vbs", FTYPE_FAMILY_SCRIPT, "VBScript"},
        [FTYPE_PS1] = {"ps1", FTYPE_FAMILY_SCRIPT, "PowerShell script"},
        [FTYPE_BAT] = {"bat", FTYPE_FAMILY_SCRIPT, "Windows batch file"},
        [FTYPE_WSF] = {"wsf", FTYPE_FAMILY_SCRIPT, "Windows Script File"},
        [FTYPE_LNK] = {"lnk", FTYPE_FAMILY_SHORTCUT, "Windows shell link"},
        [FTYPE_URL] = {"url", FTYPE_FAMILY_SHORTCUT, "Internet shortcut"},
        [FTYPE_OLE2] = {"ole2", FTYPE_FAMILY_DOCUMENT, "OLE2 compound file"},
        [FTYPE_DOC] = {"doc", FTYPE_FAMILY_DOCUMENT, "Word 97-2003 document"},
        [FTYPE_XLS] = {"xls", FTYPE_FAMILY_DOCUMENT, "Excel 97-2003 workbook"},
        [FTYPE_PPT] = {"ppt", FTYPE_FAMILY_DOCUMENT, "PowerPoint 97-2003 presentation"},
        [FTYPE_MSG] = {"msg", FTYPE_FAMILY_DOCUMENT, "Outlook message"},
        [FTYPE_OOXML] = {"ooxml", FTYPE_FAMILY_DOCUMENT, "Office Open XML package"},
        [FTYPE_DOCX] = {"docx", FTYPE_FAMILY_DOCUMENT, "Word document (OOXML)"},
        [FTYPE_XLSX] = {"xlsx", FTYPE_FAMILY_DOCUMENT, "Excel workbook (OOXML)"},
        [FTYPE_PPTX] = {"pptx", FTYPE_FAMILY_DOCUMENT, "PowerPoint presentation (OOXML)"},
        [FTYPE_ODF] = {"odf", FTYPE_FAMILY_DOCUMENT, "OpenDocument file"},
        [FTYPE_PDF] = {"pdf", FTYPE_FAMILY_DOCUMENT, "PDF document"},
        [FTYPE_RTF] = {"rtf", FTYPE_FAMILY_DOCUMENT, "Rich Text Format document"},
        [FTYPE_ONENOTE] = {"onenote", FTYPE_FAMILY_DOCUMENT, "OneNote section"},
        [FTYPE_CHM] = {"chm", FTYPE_FAMILY_SCRIPT, "compiled HTML help"},
        [FTYPE_HTML] = {"html", FTYPE_FAMILY_TEXT, "HTML document"},
        [FTYPE_XML] = {"xml", FTYPE_FAMILY_TEXT, "XML document"},
        [FTYPE_SVG] = {"svg", FTYPE_FAMILY_TEXT, "SVG image"},
        [FTYPE_ZIP] = {"zip", FTYPE_FAMILY_ARCHIVE, "zip archive"},
        [FTYPE_RAR] = {"rar", FTYPE_FAMILY_ARCHIVE, "RAR archive"},
        [FTYPE_7Z] = {"7z", FTYPE_FAMILY_ARCHIVE, "7-Zip archive"},
        [FTYPE_GZIP] = {"gzip", FTYPE_FAMILY_ARCHIVE, "gzip compressed data"},
        [FTYPE_BZIP2] = {"bzip2", FTYPE_FAMILY_ARCHIVE, "bzip2 compressed data"},
        [FTYPE_XZ] = {"xz", FTYPE_FAMILY_ARCHIVE, "xz compressed data"},
        [FTYPE_ZSTD] = {"zstd", FTYPE_FAMILY_ARCHIVE, "Zstandard compressed data"},
        [FTYPE_LZMA] = {"lzma", FTYPE_FAMILY_ARCHIVE, "LZMA compressed data"},
        [FTYPE_COMPRESS] = {"compress", FTYPE_FAMILY_ARCHIVE, "Unix compress (LZW) data"},
        [FTYPE_LZIP] = {"lzip", FTYPE_FAMILY_ARCHIVE, "lzip compressed data"},
        [FTYPE_LZ4] = {"lz4", FTYPE_FAMILY_ARCHIVE, "LZ4 compressed data"},
        [FTYPE_CAB] = {"cab", FTYPE_FAMILY_ARCHIVE, "Microsoft cabinet"},
        [FTYPE_CPIO] = {"cpio", FTYPE_FAMILY_ARCHIVE, "cpio archive"},
        [FTYPE_TAR] = {"tar", FTYPE_FAMILY_ARCHIVE, "tar archive"},
        [FTYPE_ARJ] = {"arj", FTYPE_FAMILY_ARCHIVE, "ARJ archive"},
        [FTYPE_ACE] = {"ace", FTYPE_FAMILY_ARCHIVE, "ACE archive"},
        [FTYPE_ISO] = {"iso", FTYPE_FAMILY_DISKIMAGE, "ISO 9660 disc image"},
        [FTYPE_UDF] = {"udf", FTYPE_FAMILY_DISKIMAGE, "UDF disc image"},
        [FTYPE_VHD] = {"vhd", FTYPE_FAMILY_DISKIMAGE, "Virtual Hard Disk image"},
        [FTYPE_VHDX] = {"vhdx", FTYPE_FAMILY_DISKIMAGE, "Hyper-V VHDX disk image"},
        [FTYPE_DMG] = {"dmg", FTYPE_FAMILY_DISKIMAGE, "Apple disk image"},
        [FTYPE_PNG] = {"png", FTYPE_FAMILY_IMAGE, "PNG image"},
        [FTYPE_JPEG] = {"jpeg", FTYPE_FAMILY_IMAGE, "JPEG image"},
        [FTYPE_GIF] = {"gif", FTYPE_FAMILY_IMAGE, "GIF image"},
        [FTYPE_BMP] = {"bmp", FTYPE_FAMILY_IMAGE, "BMP image"},
        [FTYPE_WEBP] = {"webp", FTYPE_FAMILY_IMAGE, "WebP image"},
        [FTYPE_TIFF] = {"tiff", FTYPE_FAMILY_IMAGE, "TIFF image"},
        [FTYPE_ICO] = {"ico", FTYPE_FAMILY_IMAGE, "Windows icon"},
        [FTYPE_EML] = {"eml", FTYPE_FAMILY_MAIL, "RFC 5322 mail message"},
        [FTYPE_MBOX] = {"mbox", FTYPE_FAMILY_MAIL, "mbox mailbox"},
        [FTYPE_TNEF] = {"tnef", FTYPE_FAMILY_MAIL, "TNEF (winmail.dat)"},
        [FTYPE_APPLESINGLE] = {"applefile", FTYPE_FAMILY_ARCHIVE, "AppleSingle / AppleDouble"},
        [FTYPE_PGP] = {"pgp", FTYPE_FAMILY_MAIL, "OpenPGP message"},
        [FTYPE_PKCS7] = {"pkcs7", FTYPE_FAMILY_MAIL, "CMS / PKCS #7 (S/MIME) data"},
};

static const char *const families[FTYPE_FAMILY__COUNT] = {
        [FTYPE_FAMILY_OTHER] = "other",         [FTYPE_FAMILY_EXECUTABLE] = "executable",
        [FTYPE_FAMILY_SCRIPT] = "script",       [FTYPE_FAMILY_SHORTCUT] = "shortcut",
        [FTYPE_FAMILY_DOCUMENT] = "document",   [FTYPE_FAMILY_ARCHIVE] = "archive",
        [FTYPE_FAMILY_DISKIMAGE] = "diskimage", [FTYPE_FAMILY_IMAGE] = "image",
        [FTYPE_FAMILY_TEXT] = "text",           [FTYPE_FAMILY_MAIL] = "mail",
};

/* In bit order: FTYPE_FLAG_DLL is bit 0. */
static const char *const flag_names[] = {"dll",       "dotnet", "64bit", "fat",  "macros",
                                         "encrypted", "utf8",   "bom",   "rar5", "truncated"};

const char *ftype_name(enum ftype type)
{
	return (unsigned int)type < FTYPE__COUNT ? types[type].name : "binary";
}

int ftype_from_name(const char *name, enum ftype *type_r)
{
	for (int t = 0; name != NULL && t < FTYPE__COUNT; t++) {
		if (strcasecmp(name, types[t].name) == 0) {
			*type_r = (enum ftype)t;
			return 0;
		}
	}
	return -1;
}

const char *ftype_description(enum ftype type)
{
	return (unsigned int)type < FTYPE__COUNT ? types[type].description : types[0].description;
}

enum ftype_family ftype_family(enum ftype type)
{
	return (unsigned int)type < FTYPE__COUNT ? types[type].family : FTYPE_FAMILY_OTHER;
}

const char *ftype_family_name(enum ftype_family family)
{
	return (unsigned int)family < FTYPE_FAMILY__COUNT ? families[family] : "other";
}

int ftype_family_from_name(const char *name, enum ftype_family *family_r)
{
	for (int f = 0; name != NULL && f < FTYPE_FAMILY__COUNT; f++) {
		if (strcasecmp(name, families[f]) == 0) {
			*family_r = (enum ftype_family)f;
			return 0;
		}
	}
	return -1;
}

/* Names that do not fit whole are left out: the result is always NUL-terminated. */
const char *ftype_flags_string(unsigned int flags, char *buf, size_t bufsize)
{
	size_t len = 0;

	if (buf == NULL || bufsize == 0)
		return "";
	buf[0] = 0;
	for (size_t i = 0; i < N_(flag_names); i++) {
		size_t n = strlen(flag_names[i]), need = n + (len > 0);
		if (!(flags & (1u << i)) || need >= bufsize - len)
			continue;
		if (len > 0)
			buf[len++] = ',';
		memcpy(buf + len, flag_names[i], n);
		len += n;
		buf[len] = 0;
	}
	return buf;
}

/* ---- extensions ---- */

/* What a name may really be beyond its own family (see ftype_ext_mismatch()). */
enum ext_allow {
	A_FAMILY, /* its own family only */
	A_OFFICE, /* + text family: Office opens HTML, XML, CSV and plain text by these names */
	A_OOXML,  /* + plain zip: a package whose content types we did not find */
	A_ZIP,    /* + jar, apk and the zip-based documents (ooxml, docx, xlsx, pptx, odf) */
	A_TEXT,   /* + mail family and the text scripts (an editor opens them) */
	A_HTML,   /* + hta: a browser ignores <hta:application>; only the .hta name runs it */
	A_MAIL,   /* + text family (and mail family for .msg) */
};

struct ext_row {
	const char *ext;
	unsigned char family; /* enum ftype_family */
	unsigned char allow;  /* enum ext_allow */
};

#define EXE(e)                                                                                     \
	{                                                                                          \
		e, FTYPE_FAMILY_EXECUTABLE, A_FAMILY                                               \
	}
#define SCR(e)                                                                                     \
	{                                                                                          \
		e, FTYPE_FAMILY_SCRIPT, A_FAMILY                                                   \
	}
#define LNK(e)                                                                                     \
	{                                                                                          \
		e, FTYPE_FAMILY_SHORTCUT, A_FAMILY                                                 \
	}
#define DOC(e, a)                                                                                  \
	{                                                                                          \
		e, FTYPE_FAMILY_DOCUMENT, a                                                        \
	}
#define ARC(e, a)                                                                                  \
	{                                                                                          \
		e, FTYPE_FAMILY_ARCHIVE, a                                                         \
	}
#define DSK(e)                                                                                     \
	{                                                                                          \
		e, FTYPE_FAMILY_DISKIMAGE, A_FAMILY                                                \
	}
#define IMG(e)                                                                                     \
	{                                                                                          \
		e, FTYPE_FAMILY_IMAGE, A_FAMILY                                                    \
	}
#define TXT(e, a)                                                                                  \
	{                                                                                          \
		e, FTYPE_FAMILY_TEXT, a                                                            \
	}
#define MAIL(e)                                                                                    \
	{                                                                                          \
		e, FTYPE_FAMILY_MAIL, A_MAIL                                                       \
	}

/*
 * "dat" is deliberately absent: winmail.dat is typed by its bytes (tnef), and any file at all
 * may be called .dat, so the name announces nothing.
 */
static const struct ext_row exts[] = {
        EXE("exe"),
        EXE("dll"),
        EXE("scr"),
        EXE("com"),
        EXE("pif"),
        EXE("cpl"),
        EXE("sys"),
        EXE("ocx"),
        EXE("drv"),
        EXE("efi"),
        EXE("msi"),
        EXE("msp"),
        EXE("mst"),
        EXE("jar"),
        EXE("apk"),
        EXE("xapk"),
        EXE("aab"),
        EXE("dex"),
        EXE("class"),
        EXE("elf"),
        EXE("so"),
        EXE("appx"),
        EXE("msix"),
        EXE("appxbundle"),
        EXE("msixbundle"),
        EXE("xll"),
        EXE("gadget"),
        EXE("xbap"),
        SCR("js"),
        SCR("jse"),
        SCR("mjs"),
        SCR("vbs"),
        SCR("vbe"),
        SCR("vb"),
        SCR("wsf"),
        SCR("wsh"),
        SCR("wsc"),
        SCR("ps1"),
        SCR("psm1"),
        SCR("psd1"),
        SCR("ps1xml"),
        SCR("psc1"),
        SCR("bat"),
        SCR("cmd"),
        SCR("hta"),
        SCR("sh"),
        SCR("bash"),
        SCR("ksh"),
        SCR("csh"),
        SCR("zsh"),
        SCR("py"),
        SCR("pyw"),
        SCR("pl"),
        SCR("rb"),
        SCR("php"),
        SCR("sct"),
        SCR("reg"),
        SCR("inf"),
        SCR("msc"),
        SCR("jnlp"),
        SCR("chm"),
        SCR("hlp"),
        SCR("scpt"),
        SCR("applescript"),
        LNK("lnk"),
        LNK("url"),
        LNK("scf"),
        LNK("website"),
        LNK("webloc"),
        LNK("desktop"),
        LNK("settingcontent-ms"),
        DOC("doc", A_OFFICE),
        DOC("dot", A_OFFICE),
        DOC("wbk", A_OFFICE),
        DOC("xls", A_OFFICE),
        DOC("xlt", A_OFFICE),
        DOC("xla", A_OFFICE),
        DOC("xlm", A_OFFICE),
        DOC("ppt", A_OFFICE),
        DOC("pot", A_OFFICE),
        DOC("pps", A_OFFICE),
        DOC("ppa", A_OFFICE),
        DOC("rtf", A_OFFICE),
        DOC("docx", A_OOXML),
        DOC("docm", A_OOXML),
        DOC("dotx", A_OOXML),
        DOC("dotm", A_OOXML),
        DOC("xlsx", A_OOXML),
        DOC("xlsm", A_OOXML),
        DOC("xlsb", A_OOXML),
        DOC("xltx", A_OOXML),
        DOC("xltm", A_OOXML),
        DOC("xlam", A_OOXML),
        DOC("pptx", A_OOXML),
        DOC("pptm", A_OOXML),
        DOC("potx", A_OOXML),
        DOC("potm", A_OOXML),
        DOC("ppsx", A_OOXML),
        DOC("ppsm", A_OOXML),
        DOC("ppam", A_OOXML),
        DOC("sldx", A_OOXML),
        DOC("vsdx", A_OOXML),
        DOC("vsdm", A_OOXML),
        DOC("xps", A_OOXML),
        DOC("oxps", A_OOXML),
        DOC("epub", A_OOXML),
        DOC("odt", A_OOXML),
        DOC("ods", A_OOXML),
        DOC("odp", A_OOXML),
        DOC("odg", A_OOXML),
        DOC("odf", A_OOXML),
        DOC("ott", A_OOXML),
        DOC("ots", A_OOXML),
        DOC("otp", A_OOXML),
        DOC("pdf", A_FAMILY),
        DOC("one", A_FAMILY),
        DOC("onetoc2", A_FAMILY),
        DOC("pub", A_FAMILY),
        DOC("vsd", A_FAMILY),
        DOC("msg", A_MAIL),
        ARC("zip", A_ZIP),
        ARC("zipx", A_ZIP),
        ARC("rar", A_FAMILY),
        ARC("7z", A_FAMILY),
        ARC("gz", A_FAMILY),
        ARC("gzip", A_FAMILY),
        ARC("tgz", A_FAMILY),
        ARC("taz", A_FAMILY),
        ARC("bz2", A_FAMILY),
        ARC("tbz", A_FAMILY),
        ARC("tbz2", A_FAMILY),
        ARC("xz", A_FAMILY),
        ARC("txz", A_FAMILY),
        ARC("zst", A_FAMILY),
        ARC("tzst", A_FAMILY),
        ARC("lzma", A_FAMILY),
        ARC("tlz", A_FAMILY),
        ARC("z", A_FAMILY),
        ARC("lz", A_FAMILY),
        ARC("lz4", A_FAMILY),
        ARC("cab", A_FAMILY),
        ARC("cpio", A_FAMILY),
        ARC("tar", A_FAMILY),
        ARC("arj", A_FAMILY),
        ARC("ace", A_FAMILY),
        ARC("lzh", A_FAMILY),
        ARC("lha", A_FAMILY),
        ARC("r00", A_FAMILY),
        ARC("r01", A_FAMILY),
        DSK("iso"),
        DSK("img"),
        DSK("udf"),
        DSK("vhd"),
        DSK("vhdx"),
        DSK("dmg"),
        DSK("vmdk"),
        IMG("png"),
        IMG("jpg"),
        IMG("jpeg"),
        IMG("jpe"),
        IMG("jfif"),
        IMG("gif"),
        IMG("bmp"),
        IMG("dib"),
        IMG("webp"),
        IMG("tif"),
        IMG("tiff"),
        IMG("ico"),
        TXT("txt", A_TEXT),
        TXT("text", A_TEXT),
        TXT("csv", A_TEXT),
        TXT("tsv", A_TEXT),
        TXT("log", A_TEXT),
        TXT("md", A_TEXT),
        TXT("rst", A_TEXT),
        TXT("nfo", A_TEXT),
        TXT("ini", A_TEXT),
        TXT("cfg", A_TEXT),
        TXT("conf", A_TEXT),
        TXT("json", A_TEXT),
        TXT("yaml", A_TEXT),
        TXT("yml", A_TEXT),
        TXT("ics", A_TEXT),
        TXT("vcf", A_TEXT),
        TXT("diff", A_TEXT),
        TXT("patch", A_TEXT),
        TXT("xml", A_TEXT),
        TXT("xsl", A_TEXT),
        TXT("svg", A_TEXT),
        TXT("html", A_HTML),
        TXT("htm", A_HTML),
        TXT("xhtml", A_HTML),
        TXT("shtml", A_HTML),
        TXT("mht", A_MAIL),
        TXT("mhtml", A_MAIL),
        MAIL("eml"),
        MAIL("mbox"),
        MAIL("mbx"),
};

const char *ftype_extension(const char *filename, char *buf, size_t bufsize)
{
	size_t end, dot;

	if (filename == NULL || buf == NULL || bufsize < 2)
		return NULL;
	end = strlen(filename);
	while (end > 0 && (filename[end - 1] == '.' || filename[end - 1] == ' '))
		end--;
	for (dot = end; dot > 0; dot--) {
		char c = filename[dot - 1];
		if (c == '/' || c == '\\')
			return NULL;
		if (c == '.')
			break;
	}
	if (dot == 0 || end - dot >= bufsize || end == dot)
		return NULL;
	for (size_t i = dot; i < end; i++) {
		char c = filename[i];
		buf[i - dot] = (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
	}
	buf[end - dot] = 0;
	return buf;
}

static const struct ext_row *ext_lookup(const char *filename)
{
	char buf[16];

	if (ftype_extension(filename, buf, sizeof(buf)) == NULL)
		return NULL;
	for (size_t i = 0; i < N_(exts); i++)
		if (strcmp(exts[i].ext, buf) == 0)
			return &exts[i];
	return NULL;
}

enum ftype_family ftype_ext_family(const char *filename)
{
	const struct ext_row *r = ext_lookup(filename);

	return r ? (enum ftype_family)r->family : FTYPE_FAMILY_OTHER;
}

static bool dangerous(enum ftype_family f)
{
	return f == FTYPE_FAMILY_EXECUTABLE || f == FTYPE_FAMILY_SCRIPT ||
	       f == FTYPE_FAMILY_SHORTCUT || f == FTYPE_FAMILY_DISKIMAGE;
}

static bool ext_allows(const struct ext_row *r, enum ftype t)
{
	enum ftype_family f = ftype_family(t);

	if (f == r->family)
		return true;
	switch (r->allow) {
	case A_OFFICE:
		return f == FTYPE_FAMILY_TEXT;
	case A_OOXML:
		return t == FTYPE_ZIP;
	case A_ZIP:
		return t == FTYPE_JAR || t == FTYPE_APK || t == FTYPE_OOXML || t == FTYPE_DOCX ||
		       t == FTYPE_XLSX || t == FTYPE_PPTX || t == FTYPE_ODF;
	case A_TEXT:
		return f == FTYPE_FAMILY_MAIL || t == FTYPE_SCRIPT || t == FTYPE_JS ||
		       t == FTYPE_VBS || t == FTYPE_PS1 || t == FTYPE_BAT || t == FTYPE_WSF ||
		       t == FTYPE_HTA;
	case A_HTML:
		return t == FTYPE_HTA;
	case A_MAIL:
		return f == FTYPE_FAMILY_TEXT || f == FTYPE_FAMILY_MAIL;
	default:
		return false;
	}
}

/*
 * The rule, chosen so that a mail administrator sees the dangerous case and little else:
 *  - an unknown or absent extension, or an unrecognised (binary) or empty file: no mismatch;
 *  - a name that already announces something dangerous (executable, script, shortcut, disk
 *    image) never mismatches: the policy acts on the name itself, and "setup.exe" that is
 *    really a zip is no threat;
 *  - any other name (document, archive, image, text, mail) mismatches when the real type is of
 *    another family, beyond the tolerances of its row (ext_allow: Word and Excel names may be
 *    HTML/XML/text, OOXML names a plain zip, .zip the zip-based documents and jar/apk, text
 *    names mail and the text scripts, .htm(l) an HTA, mail names text). So "invoice.pdf" that
 *    is a PE or "photo.jpg" that is an LNK mismatch; "report.doc" that is RTF, "photo.jpg"
 *    that is a PNG and "data.xls" that is CSV text do not.
 */
bool ftype_ext_mismatch(const char *filename, const struct ftype_info *info)
{
	const struct ext_row *r;

	if (info == NULL || info->type == FTYPE_BINARY || info->type == FTYPE_EMPTY)
		return false;
	r = ext_lookup(filename);
	if (r == NULL || dangerous((enum ftype_family)r->family))
		return false;
	return !ext_allows(r, info->type);
}
