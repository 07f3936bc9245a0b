#ifndef PARTSCAN_FTYPE_H
#define PARTSCAN_FTYPE_H

/*
 * ftype: the real type of a byte buffer, learned from its bytes (magic numbers and bounded
 * structure checks), never from a name. Each type has a short stable name ("pe", "docx", "zip")
 * used by the configuration, the logs and the JSON reports; those names are an interface and do
 * not change.
 *
 * Families group types for policy ("executable", "script", ...). The extension table maps a file
 * name's extension to the types a file of that name may really be, so "invoice.pdf" that is a PE
 * is reported as a mismatch.
 */

#include <stdbool.h>
#include <stddef.h>

enum ftype {
	FTYPE_BINARY = 0, /* unknown binary: nothing recognised */
	FTYPE_EMPTY,      /* zero bytes */
	FTYPE_TEXT,       /* ASCII / UTF-8 text (flags say which) */
	FTYPE_UTF16,      /* UTF-16 text, with or without BOM */

	/* executables */
	FTYPE_PE,     /* MZ + PE header; flags: DLL, DOTNET, 64BIT */
	FTYPE_MZ,     /* DOS MZ without a valid PE header */
	FTYPE_ELF,    /* flags: 64BIT */
	FTYPE_MACHO,  /* thin or fat (flag FAT) */
	FTYPE_CLASS,  /* Java class file */
	FTYPE_SCRIPT, /* "#!" shebang script */
	FTYPE_MSI,    /* OLE2 with the MSI root CLSID */
	FTYPE_JAR,    /* zip with META-INF/MANIFEST.MF or .class members */
	FTYPE_APK,    /* zip with AndroidManifest.xml + classes.dex */
	FTYPE_DEX,    /* Dalvik executable */

	/* scripts recognisable from their text */
	FTYPE_HTA, /* HTML with <hta:application> */
	FTYPE_JS,  /* JavaScript / JScript */
	FTYPE_VBS, /* VBScript */
	FTYPE_PS1, /* PowerShell */
	FTYPE_BAT, /* Windows batch */
	FTYPE_WSF, /* Windows Script File (<job> / <package> XML) */

	/* shortcuts */
	FTYPE_LNK, /* Windows shell link */
	FTYPE_URL, /* Internet shortcut ([InternetShortcut]) */

	/* documents */
	FTYPE_OLE2,  /* OLE2 compound file of no more specific kind */
	FTYPE_DOC,   /* OLE2 Word; flags: MACROS, ENCRYPTED */
	FTYPE_XLS,   /* OLE2 Excel */
	FTYPE_PPT,   /* OLE2 PowerPoint */
	FTYPE_MSG,   /* OLE2 Outlook message */
	FTYPE_OOXML, /* OOXML package of no more specific kind */
	FTYPE_DOCX,  /* flags: MACROS when word/vbaProject.bin is present */
	FTYPE_XLSX,
	FTYPE_PPTX,
	FTYPE_ODF, /* OpenDocument (odt/ods/odp/...) */
	FTYPE_PDF,
	FTYPE_RTF,
	FTYPE_ONENOTE,
	FTYPE_CHM,

	/* markup */
	FTYPE_HTML,
	FTYPE_XML,
	FTYPE_SVG,

	/* archives and compressed streams */
	FTYPE_ZIP,
	FTYPE_RAR, /* RAR 4 or 5 (flag RAR5) */
	FTYPE_7Z,
	FTYPE_GZIP,
	FTYPE_BZIP2,
	FTYPE_XZ,
	FTYPE_ZSTD, /* a zstd frame, or skippable frames before one (pzstd) */
	FTYPE_LZMA,
	FTYPE_COMPRESS, /* Unix compress (.Z, LZW) */
	FTYPE_LZIP,
	FTYPE_LZ4, /* LZ4 frame or legacy format */
	FTYPE_CAB,
	FTYPE_CPIO,
	FTYPE_TAR,
	FTYPE_ARJ,
	FTYPE_ACE,

	/* disk images */
	FTYPE_ISO, /* ISO 9660 */
	FTYPE_UDF,
	FTYPE_VHD,
	FTYPE_VHDX,
	FTYPE_DMG,

	/* images */
	FTYPE_PNG,
	FTYPE_JPEG,
	FTYPE_GIF,
	FTYPE_BMP,
	FTYPE_WEBP,
	FTYPE_TIFF,
	FTYPE_ICO,

	/* mail */
	FTYPE_EML,         /* RFC 5322 message */
	FTYPE_MBOX,        /* mbox: "From " line then a message */
	FTYPE_TNEF,        /* winmail.dat */
	FTYPE_APPLESINGLE, /* AppleSingle or AppleDouble header (application/applefile) */
	FTYPE_PGP,         /* OpenPGP message, binary or armoured: compressed, literal, encrypted */
	FTYPE_PKCS7,       /* DER CMS / PKCS #7 signed or enveloped data (S/MIME .p7m) */

	FTYPE__COUNT
};

enum ftype_family {
	FTYPE_FAMILY_OTHER = 0, /* unknown binary, empty */
	FTYPE_FAMILY_EXECUTABLE,
	FTYPE_FAMILY_SCRIPT,
	FTYPE_FAMILY_SHORTCUT,
	FTYPE_FAMILY_DOCUMENT,
	FTYPE_FAMILY_ARCHIVE,
	FTYPE_FAMILY_DISKIMAGE,
	FTYPE_FAMILY_IMAGE,
	FTYPE_FAMILY_TEXT,
	FTYPE_FAMILY_MAIL,
	FTYPE_FAMILY__COUNT
};

/* Flags refining a type. */
#define FTYPE_FLAG_DLL       (1u << 0) /* PE: IMAGE_FILE_DLL */
#define FTYPE_FLAG_DOTNET    (1u << 1) /* PE: has a CLR (COM descriptor) header */
#define FTYPE_FLAG_64BIT     (1u << 2) /* PE32+, ELF64, Mach-O 64 */
#define FTYPE_FLAG_FAT       (1u << 3) /* Mach-O universal binary */
#define FTYPE_FLAG_MACROS    (1u << 4) /* VBA project present (OLE2 dir / vbaProject.bin) */
#define FTYPE_FLAG_ENCRYPTED (1u << 5) /* encrypted document/archive where the header says so */
#define FTYPE_FLAG_UTF8      (1u << 6) /* text: contains valid non-ASCII UTF-8 */
#define FTYPE_FLAG_BOM       (1u << 7) /* text: starts with a byte order mark */
#define FTYPE_FLAG_RAR5      (1u << 8) /* RAR: version 5 format */
#define FTYPE_FLAG_TRUNCATED (1u << 9) /* structure claims more bytes than present */

struct ftype_info {
	enum ftype type;
	unsigned int flags;
};

/*
 * Type a buffer. Looks at bounded places only (the head, a PE/OLE2/zip directory, the tail
 * for zip and VHD footers), never the whole buffer, so its cost does not grow with the size.
 * Never fails: the fallback is FTYPE_BINARY (or FTYPE_EMPTY for size 0).
 */
void ftype_detect(const unsigned char *data, size_t size, struct ftype_info *info_r);

/* Limits of the bounded reads (see ftype.c, ftype_text.c and ftype_container.c). */
#define FTYPE_TEXT_SAMPLE      8192 /* bytes of the head the text heuristics look at */
#define FTYPE_OLE2_MAX_ENTRIES 1024 /* OLE2 directory entries read */
#define FTYPE_ZIP_MAX_ENTRIES  4096 /* zip central directory (or local header) entries read */

/*
 * Refine a buffer that starts with the OLE2 signature (msi, doc, xls, ppt, msg or ole2) or with a
 * zip signature (docx, xlsx, pptx, ooxml, odf, apk, jar or zip), reading only the OLE2
 * directory or the zip central directory (the local headers when that is missing or
 * truncated), within the limits above. Called by ftype_detect(); exposed for callers that
 * already know the container and for the tests. Never fails: a container whose directory
 * cannot be read is typed FTYPE_OLE2 or FTYPE_ZIP.
 */
void ftype_detect_ole2(const unsigned char *data, size_t size, struct ftype_info *info_r);
void ftype_detect_zip(const unsigned char *data, size_t size, struct ftype_info *info_r);

/*
 * Type a buffer by its first FTYPE_TEXT_SAMPLE bytes as mail (eml, mbox), UTF-16, or text and
 * what a text may be: pdf (a "%PDF-" in the first KB), html, hta, xml, svg, wsf, url, js, vbs,
 * ps1, bat, else text (flags UTF8, BOM). Returns true when it typed the buffer, false (info_r
 * untouched) when the sample is neither mail nor text. Called by ftype_detect() after the magic
 * numbers; exposed for the tests.
 */
bool ftype_detect_text(const unsigned char *data, size_t size, struct ftype_info *info_r);

/* The stable short name of a type ("pe", "docx", "binary"). */
const char *ftype_name(enum ftype type);
/* Look a type up by its short name; returns 0, or -1 when unknown. */
int ftype_from_name(const char *name, enum ftype *type_r);
/* A human description ("Windows PE executable"). */
const char *ftype_description(enum ftype type);

enum ftype_family ftype_family(enum ftype type);
/* Stable family names: "executable", "script", "shortcut", "document", "archive", "diskimage",
   "image", "text", "mail", "other". */
const char *ftype_family_name(enum ftype_family family);
int ftype_family_from_name(const char *name, enum ftype_family *family_r);

/* Flag names joined by ',' into buf (e.g. "dll,dotnet"); "" when none. Returns buf. */
const char *ftype_flags_string(unsigned int flags, char *buf, size_t bufsize);

/*
 * The extension of a file name, lower-cased into buf without the dot ("exe"), or NULL when the
 * name has none. Trailing dots and spaces (which Windows strips: "a.exe. ") are ignored. Path
 * components ('/' or '\\') are skipped. A leading dot counts, as on Windows: ".exe" has the
 * extension "exe" (".bashrc" has "bashrc", which no table knows).
 */
const char *ftype_extension(const char *filename, char *buf, size_t bufsize);

/*
 * The family a file name's extension announces, or FTYPE_FAMILY_OTHER when the extension is
 * unknown or absent.
 */
enum ftype_family ftype_ext_family(const char *filename);

/*
 * true when the name's extension is known and the real type is not one a file of that name may
 * be ("invoice.pdf" that is a PE). Unknown extensions and unknown real types never mismatch.
 */
bool ftype_ext_mismatch(const char *filename, const struct ftype_info *info);

#endif
