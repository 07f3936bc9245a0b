/*
 * ftype_container.c: refine OLE2 compound files and zip archives by their directories.
 *
 * OLE2: the header, the FAT sectors it lists (DIFAT chains followed at most OLE2_MAX_STEPS
 * sectors), and at most FTYPE_OLE2_MAX_ENTRIES directory entries in at most OLE2_MAX_DIR_SECTORS
 * sectors; a FAT loop or a chain leaving the file ends the walk. The type comes from the root
 * entry's CLSID (MSI) and the names of the root's children (found through the red-black tree
 * links, every entry visited at most once); MACROS and ENCRYPTED from names anywhere, and a Word
 * document's FIB fEncrypted bit.
 *
 * zip: the end of central directory record (searched in the last 64 KB + 22 bytes), zip64
 * when the fields say so, then at most FTYPE_ZIP_MAX_ENTRIES central directory entries. When the
 * end record is missing or the directory is cut, the local headers are walked from the start
 * instead and the result is flagged TRUNCATED. Only member names and flags are read, never data
 * (except the stored "mimetype" of an OpenDocument file).
 *
 * Thread safety: no state; safe to call from any thread.
 */

#include "engine/ftype.h"
#include "engine/ftype_bytes.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#define OLE2_MAX_DIR_SECTORS 256         /* 1024 entries of 128 bytes in 512-byte sectors */
#define OLE2_MAX_STEPS       4096        /* DIFAT sectors followed to find one FAT sector */
#define OLE2_END             0xfffffffau /* sector numbers from here on are special markers */
#define ZIP_EOCD_SEARCH      (65535 + 22)

/* ---- OLE2 ---- */

struct ole2 {
	const unsigned char *data;
	size_t size;
	unsigned int shift;
	size_t secsize;
	size_t dir_off[OLE2_MAX_DIR_SECTORS]; /* file offsets of the directory's sectors */
	size_t ndir_sectors;
	size_t nentries;
};

/* What a directory entry name says. */
#define NAME_DOC (1u << 0)
#define NAME_XLS (1u << 1)
#define NAME_PPT (1u << 2)
#define NAME_MSG (1u << 3)
#define NAME_VBA (1u << 4)
#define NAME_ENC (1u << 5)

/* Offset of a sector that lies wholly inside the file, or 0 (the header) when it does not. */
static size_t ole2_sector(const struct ole2 *o, uint32_t sec)
{
	uint64_t off;

	if (sec >= OLE2_END)
		return 0;
	off = ((uint64_t)sec + 1) << o->shift;
	if (off > o->size || o->size - off < o->secsize)
		return 0;
	return (size_t)off;
}

/* The sector number of the k-th FAT sector: the header's 109 DIFAT slots, then the chain. */
static uint32_t ole2_fat_sector(const struct ole2 *o, uint32_t k)
{
	const unsigned char *d = o->data;
	uint32_t per = (uint32_t)(o->secsize / 4) - 1, sec = le32(d + 0x44);
	uint32_t nsec = le32(d + 0x48); /* DIFAT sectors the header announces */
	size_t off;

	if (k < 109)
		return le32(d + 0x4c + 4 * k);
	k -= 109;
	for (unsigned int steps = 0; k >= per; steps++, k -= per) {
		off = ole2_sector(o, sec);
		if (off == 0 || steps >= OLE2_MAX_STEPS || steps >= nsec)
			return OLE2_END;
		sec = le32(d + off + 4 * per);
	}
	off = ole2_sector(o, sec);
	return off ? le32(d + off + 4 * k) : OLE2_END;
}

static uint32_t ole2_next(const struct ole2 *o, uint32_t sec)
{
	uint32_t per = (uint32_t)(o->secsize / 4);
	size_t off = ole2_sector(o, ole2_fat_sector(o, sec / per));

	return off ? le32(o->data + off + 4 * (sec % per)) : OLE2_END;
}

/* Collect the directory's sectors; a chain that leaves the file flags TRUNCATED. */
static void ole2_dir_chain(struct ole2 *o, struct ftype_info *info)
{
	uint32_t sec = le32(o->data + 0x30);
	size_t per = o->secsize / 128;

	while (sec < OLE2_END && o->ndir_sectors < OLE2_MAX_DIR_SECTORS &&
	       o->nentries < FTYPE_OLE2_MAX_ENTRIES) {
		size_t off = ole2_sector(o, sec);
		if (off == 0) {
			info->flags |= FTYPE_FLAG_TRUNCATED;
			break;
		}
		/* a loop revisits a sector: stop there */
		for (size_t i = 0; i < o->ndir_sectors; i++)
			if (o->dir_off[i] == off)
				return;
		o->dir_off[o->ndir_sectors++] = off;
		o->nentries += per;
		sec = ole2_next(o, sec);
	}
	if (o->nentries > FTYPE_OLE2_MAX_ENTRIES)
		o->nentries = FTYPE_OLE2_MAX_ENTRIES;
}

static const unsigned char *ole2_entry(const struct ole2 *o, size_t i)
{
	size_t per = o->secsize / 128;

	return o->data + o->dir_off[i / per] + (i % per) * 128;
}

/* The entry's name in ASCII (others as '?'); returns its length. */
static size_t ole2_name(const unsigned char *e, char *buf)
{
	size_t len = le16(e + 0x40) / 2, n = 0;

	if (len > 32)
		len = 32;
	for (size_t i = 0; i < len; i++) {
		uint16_t c = le16(e + 2 * i);
		if (c == 0)
			break;
		buf[n++] = c < 0x80 ? (char)c : '?';
	}
	buf[n] = 0;
	return n;
}

static unsigned int ole2_name_bits(const unsigned char *e)
{
	char name[33];
	size_t n = ole2_name(e, name);

	if (strcasecmp(name, "WordDocument") == 0)
		return NAME_DOC;
	if (strcasecmp(name, "Workbook") == 0 || strcasecmp(name, "Book") == 0)
		return NAME_XLS;
	if (strcasecmp(name, "PowerPoint Document") == 0)
		return NAME_PPT;
	if ((n >= 12 && strncasecmp(name, "__substg1.0_", 12) == 0) ||
	    strcasecmp(name, "__properties_version1.0") == 0)
		return NAME_MSG;
	if (strcasecmp(name, "VBA") == 0 || strcasecmp(name, "_VBA_PROJECT") == 0 ||
	    strcasecmp(name, "_VBA_PROJECT_CUR") == 0 || strcasecmp(name, "Macros") == 0 ||
	    strcasecmp(name, "PROJECT") == 0)
		return NAME_VBA;
	if (strcasecmp(name, "EncryptionInfo") == 0 || strcasecmp(name, "EncryptedPackage") == 0)
		return NAME_ENC;
	return 0;
}

/*
 * The names of the root storage's children: walk the sibling tree under the root's child with
 * an explicit stack, visiting each entry at most once (a corrupt tree may loop).
 */
static unsigned int ole2_root_children(const struct ole2 *o)
{
	uint32_t stack[FTYPE_OLE2_MAX_ENTRIES + 1]; /* each visit pops one, pushes two */
	unsigned char seen[FTYPE_OLE2_MAX_ENTRIES / 8] = {0};
	unsigned int bits = 0, sp = 0;

	stack[sp++] = le32(ole2_entry(o, 0) + 0x4c);
	while (sp > 0) {
		uint32_t i = stack[--sp];
		const unsigned char *e;
		if (i >= o->nentries || (seen[i / 8] & (1u << (i % 8))))
			continue;
		seen[i / 8] |= (unsigned char)(1u << (i % 8));
		e = ole2_entry(o, i);
		bits |= ole2_name_bits(e);
		stack[sp++] = le32(e + 0x44); /* left sibling */
		stack[sp++] = le32(e + 0x48); /* right sibling */
	}
	return bits;
}

/* Word's FIB: fEncrypted (0x0100) in the flags at 0x0A of the WordDocument stream. */
static bool ole2_word_encrypted(const struct ole2 *o)
{
	for (size_t i = 1; i < o->nentries; i++) {
		const unsigned char *e = ole2_entry(o, i);
		size_t off;
		if (e[0x42] != 2 || ole2_name_bits(e) != NAME_DOC)
			continue;
		if (le32(e + 0x78) < le32(o->data + 0x38))
			return false; /* in the mini stream: not worth following */
		off = ole2_sector(o, le32(e + 0x74));
		return off && le16(o->data + off) == 0xa5ec &&
		       (le16(o->data + off + 0x0a) & 0x0100);
	}
	return false;
}

static enum ftype ole2_type(unsigned int bits)
{
	if (bits & NAME_MSG)
		return FTYPE_MSG;
	if (bits & NAME_DOC)
		return FTYPE_DOC;
	if (bits & NAME_XLS)
		return FTYPE_XLS;
	if (bits & NAME_PPT)
		return FTYPE_PPT;
	return FTYPE_OLE2;
}

void ftype_detect_ole2(const unsigned char *data, size_t size, struct ftype_info *info_r)
{
	/* root CLSID of an MSI {000C1084-0000-0000-C000-000000000046}, or 0x86: a patch (MSP) */
	static const unsigned char msi[16] = {0x84, 0x10, 0x0c, 0, 0, 0, 0, 0,
	                                      0xc0, 0,    0,    0, 0, 0, 0, 0x46};
	struct ole2 o = {.data = data, .size = size};
	unsigned int all = 0, root;
	const unsigned char *e;

	info_r->type = FTYPE_OLE2;
	if (size < 512) {
		info_r->flags |= FTYPE_FLAG_TRUNCATED;
		return;
	}
	o.shift = le16(data + 0x1e);
	if (le16(data + 0x1c) != 0xfffe || (o.shift != 9 && o.shift != 12))
		return; /* not a compound file we can read: no more than OLE2 */
	o.secsize = (size_t)1 << o.shift;
	ole2_dir_chain(&o, info_r);
	if (o.nentries == 0)
		return;
	e = ole2_entry(&o, 0);
	if ((e[0x50] == 0x84 || e[0x50] == 0x86) && memcmp(e + 0x51, msi + 1, 15) == 0) {
		info_r->type = FTYPE_MSI;
		return;
	}
	for (size_t i = 1; i < o.nentries; i++)
		if (ole2_entry(&o, i)[0x42] != 0)
			all |= ole2_name_bits(ole2_entry(&o, i));
	root = ole2_root_children(&o);
	info_r->type = ole2_type(root ? root : all);
	if (all & NAME_VBA)
		info_r->flags |= FTYPE_FLAG_MACROS;
	if ((all & NAME_ENC) || (info_r->type == FTYPE_DOC && ole2_word_encrypted(&o)))
		info_r->flags |= FTYPE_FLAG_ENCRYPTED;
}

/* ---- zip ---- */

#define ZN_CT       (1u << 0) /* [Content_Types].xml */
#define ZN_WORD     (1u << 1) /* word/ */
#define ZN_XL       (1u << 2) /* xl/ */
#define ZN_PPT      (1u << 3) /* ppt/ */
#define ZN_VBA      (1u << 4) /* .../vbaProject.bin */
#define ZN_MANIFEST (1u << 5) /* META-INF/MANIFEST.MF */
#define ZN_CLASS    (1u << 6) /* *.class */
#define ZN_ANDROID  (1u << 7) /* AndroidManifest.xml */
#define ZN_DEX      (1u << 8) /* classes.dex */
#define ZN_ENC      (1u << 9) /* general purpose bit 0 */

static bool name_is(const unsigned char *n, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp((const char *)n, lit, len) == 0;
}

static bool name_prefix(const unsigned char *n, size_t len, const char *lit)
{
	return len >= strlen(lit) && strncasecmp((const char *)n, lit, strlen(lit)) == 0;
}

static bool name_suffix(const unsigned char *n, size_t len, const char *lit)
{
	size_t l = strlen(lit);

	return len >= l && strncasecmp((const char *)n + len - l, lit, l) == 0;
}

static unsigned int zip_name_bits(const unsigned char *n, size_t len, uint16_t gpflags)
{
	unsigned int bits = (gpflags & 1) ? ZN_ENC : 0;

	if (name_is(n, len, "[Content_Types].xml"))
		bits |= ZN_CT;
	else if (name_prefix(n, len, "word/"))
		bits |= ZN_WORD;
	else if (name_prefix(n, len, "xl/"))
		bits |= ZN_XL;
	else if (name_prefix(n, len, "ppt/"))
		bits |= ZN_PPT;
	else if (name_is(n, len, "META-INF/MANIFEST.MF"))
		bits |= ZN_MANIFEST;
	else if (name_is(n, len, "AndroidManifest.xml"))
		bits |= ZN_ANDROID;
	else if (name_is(n, len, "classes.dex"))
		bits |= ZN_DEX;
	else if (name_suffix(n, len, ".class"))
		bits |= ZN_CLASS;
	if (name_suffix(n, len, "/vbaProject.bin"))
		bits |= ZN_VBA;
	return bits;
}

/* Where the central directory starts; allows for data prepended to the archive. */
static bool zip_cd_start(const unsigned char *d, size_t eocd, uint64_t cd_off, uint64_t cd_size,
                         size_t *start_r)
{
	if (cd_off <= eocd && has(eocd, (size_t)cd_off, 4) &&
	    memcmp(d + cd_off, "PK\1\2", 4) == 0) {
		*start_r = (size_t)cd_off;
		return true;
	}
	if (cd_size <= eocd && has(eocd, eocd - (size_t)cd_size, 4) &&
	    memcmp(d + eocd - cd_size, "PK\1\2", 4) == 0) {
		*start_r = eocd - (size_t)cd_size;
		return true;
	}
	return false;
}

/* Find the end record and walk the central directory. Returns false when there is none. */
static bool zip_central(const unsigned char *d, size_t size, unsigned int *bits_r,
                        unsigned int *flags_r)
{
	size_t lo = size > ZIP_EOCD_SEARCH ? size - ZIP_EOCD_SEARCH : 0, e, p;
	uint64_t n, cd_off, cd_size;

	if (size < 22)
		return false;
	for (e = size - 22;; e--) {
		if (d[e] == 'P' && memcmp(d + e, "PK\5\6", 4) == 0)
			break;
		if (e == lo)
			return false;
	}
	n = le16(d + e + 10);
	cd_size = le32(d + e + 12);
	cd_off = le32(d + e + 16);
	if ((n == 0xffff || cd_off == 0xffffffff) && e >= 20 &&
	    memcmp(d + e - 20, "PK\6\7", 4) == 0) {
		uint64_t z = le64(d + e - 20 + 8);
		if (z < e && has(size, (size_t)z, 56) && memcmp(d + z, "PK\6\6", 4) == 0) {
			n = le64(d + z + 32);
			cd_size = le64(d + z + 40);
			cd_off = le64(d + z + 48);
		}
	}
	if (n == 0)
		return true;
	if (!zip_cd_start(d, e, cd_off, cd_size, &p))
		return false;
	for (uint64_t i = 0; i < n && i < FTYPE_ZIP_MAX_ENTRIES; i++) {
		size_t len;
		if (!has(e, p, 46) || memcmp(d + p, "PK\1\2", 4) != 0 ||
		    !has(e, p + 46, le16(d + p + 28))) {
			*flags_r |= FTYPE_FLAG_TRUNCATED;
			break;
		}
		len = le16(d + p + 28);
		*bits_r |= zip_name_bits(d + p + 46, len, le16(d + p + 8));
		p += 46 + len + le16(d + p + 30) + le16(d + p + 32);
	}
	return true;
}

/* Without a central directory: walk the local headers from the start, as far as they go. */
static void zip_local(const unsigned char *d, size_t size, unsigned int *bits_r)
{
	size_t p = memcmp(d, "PK\7\x08", 4) == 0 ? 4 : 0;

	for (unsigned int i = 0; i < FTYPE_ZIP_MAX_ENTRIES; i++) {
		uint16_t gp, nlen, xlen;
		uint32_t csize;
		if (!has(size, p, 30) || memcmp(d + p, "PK\3\4", 4) != 0)
			break;
		gp = le16(d + p + 6);
		csize = le32(d + p + 18);
		nlen = le16(d + p + 26);
		xlen = le16(d + p + 28);
		if (!has(size, p + 30, nlen))
			break;
		*bits_r |= zip_name_bits(d + p + 30, nlen, gp);
		if ((gp & 8) && csize == 0)
			break; /* size only in the data descriptor: cannot skip the data */
		if (!has(size, p + 30 + nlen + xlen, csize))
			break;
		p += 30 + (size_t)nlen + xlen + csize;
		if (gp & 8)
			p += has(size, p, 4) && memcmp(d + p, "PK\7\x08", 4) == 0 ? 16 : 12;
	}
}

/* OpenDocument: the first member is a stored "mimetype" naming an opendocument type. */
static bool zip_is_odf(const unsigned char *d, size_t size)
{
	static const char mt[] = "application/vnd.oasis.opendocument";
	size_t data;

	if (!has(size, 0, 38) || memcmp(d, "PK\3\4", 4) != 0 || le16(d + 8) != 0 ||
	    !name_is(d + 30, le16(d + 26) == 8 ? 8 : 0, "mimetype"))
		return false;
	data = 30 + (size_t)le16(d + 26) + le16(d + 28);
	return has(size, data, sizeof(mt) - 1) && memcmp(d + data, mt, sizeof(mt) - 1) == 0;
}

void ftype_detect_zip(const unsigned char *data, size_t size, struct ftype_info *info_r)
{
	unsigned int bits = 0, flags = 0;

	if (!zip_central(data, size, &bits, &flags)) {
		flags |= FTYPE_FLAG_TRUNCATED;
		zip_local(data, size, &bits);
	} else if (flags & FTYPE_FLAG_TRUNCATED) {
		zip_local(data, size, &bits);
	}
	if (zip_is_odf(data, size))
		info_r->type = FTYPE_ODF;
	else if ((bits & ZN_CT) && (bits & ZN_WORD))
		info_r->type = FTYPE_DOCX;
	else if ((bits & ZN_CT) && (bits & ZN_XL))
		info_r->type = FTYPE_XLSX;
	else if ((bits & ZN_CT) && (bits & ZN_PPT))
		info_r->type = FTYPE_PPTX;
	else if (bits & ZN_CT)
		info_r->type = FTYPE_OOXML;
	else if ((bits & ZN_ANDROID) && (bits & ZN_DEX))
		info_r->type = FTYPE_APK;
	else if (bits & (ZN_MANIFEST | ZN_CLASS))
		info_r->type = FTYPE_JAR;
	else
		info_r->type = FTYPE_ZIP;
	if ((bits & ZN_CT) && (bits & ZN_VBA))
		flags |= FTYPE_FLAG_MACROS;
	if (bits & ZN_ENC)
		flags |= FTYPE_FLAG_ENCRYPTED;
	info_r->flags |= flags;
}
