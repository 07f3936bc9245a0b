/*
 * archive_memory: the memory a compressed stream's decoder will ask for, read from the
 * stream's own headers before libarchive opens it (archive.c checks it against the message's
 * max_decoder_memory, summed over the archive levels open at once).
 *
 * Why: libarchive offers no memory limit for its decoders (its xz reader allows 1 GiB, its
 * lzma, lzip and 7z readers none), and a dictionary is what the header claims, not what the
 * data needs: a few hundred bytes of xz can claim 1.5 GiB. At 32 archive levels each level's
 * decoder would be allocated at once. What is read:
 *   xz     every block header of every stream (found from each stream's index, liblzma),
 *          the decoder memory of its filter chain (lzma_raw_decoder_memusage); a stream whose
 *          index cannot be read (cut short) counts its first block and at least
 *          MIME_DECMEM_UNKNOWN_XZ, what libarchive would allow
 *   lzma   the header's properties and dictionary size (.lzma, "LZMA alone")
 *   lzip   every member's coded dictionary size (members found from the end)
 *   lz4    the largest frame's block size (frames walked block by block; legacy: 8 MiB)
 *   zstd   every frame's window (its window descriptor or, single segment, its content
 *          size), the frames walked block by block, skippable frames (pzstd's) stepped over
 *   bzip2  the block size digit (at most 9: 3.6 MB)
 *   gzip, compress: a fixed 64 KiB / 384 KiB (not worth reading)
 *   7z     the coders of its header (archive_7z.c)
 *   RAR    the files' windows and a first block's PPMd model (archive_rar.c)
 * and the same for a zip member compressed with LZMA (14), xz (95), zstd (93), bzip2 (12) or
 * PPMd (98: the model's memory, from its first two bytes),
 * found by the central directory, or (the streaming reading of a first zip that no directory
 * names) by its local header.
 * Limits: the walk reads each block or frame header once, at most MIME_DECMEM_MAX_BLOCKS
 * of them (more: counted as unknown); liblzma decodes an index within 16 MiB.
 * Thread safety: no state.
 */

#include "mime/archive_private.h"
#include "mime/zipx.h"

#include <archive.h>
#include <archive_entry.h>

#include <lzma.h>
#include <string.h>

#define MIB                    ((uint64_t)1024 * 1024)
#define MIME_DECMEM_MAX_BLOCKS 100000
#define MIME_DECMEM_UNKNOWN_XZ (1024 * MIB)
#define MIME_DECMEM_ZSTD_EXTRA (256u * 1024u)    /* block buffers beside the window */
#define MIME_DECMEM_PPMD_EXTRA (64u * 1024u)     /* the decoder beside its model */
#define MIME_DECMEM_LZIP_MAX   (128 * MIB + MIB) /* libarchive's largest lzip dictionary */
#define MIME_DECMEM_LZ4_MAX    (8 * MIB)         /* libarchive's legacy lz4 block */
#define MIME_DECMEM_COMPRESS   (384u * 1024u)    /* libarchive's LZW tables and output block */

/* The decoder memory of the block whose header is at d[0..n), or UINT64_MAX. */
static uint64_t xz_block(const unsigned char *d, size_t n, lzma_check check)
{
	lzma_filter filters[LZMA_FILTERS_MAX + 1];
	lzma_block b;
	uint64_t mem;

	if (n < 1 || d[0] == 0)
		return UINT64_MAX;
	memset(&b, 0, sizeof(b));
	b.version = 1;
	b.check = check;
	b.filters = filters;
	b.header_size = lzma_block_header_size_decode(d[0]);
	if (b.header_size > n || lzma_block_header_decode(&b, NULL, d) != LZMA_OK)
		return UINT64_MAX;
	mem = lzma_raw_decoder_memusage(filters);
	for (size_t i = 0; filters[i].id != LZMA_VLI_UNKNOWN; i++)
		free(filters[i].options);
	return mem;
}

/* One stream ending at end (footer included); *start_r its start. false: not readable. */
static bool xz_stream(const unsigned char *d, size_t end, size_t *start_r, uint64_t *max_r,
                      unsigned int *blocks_r)
{
	lzma_stream_flags footer, header;
	lzma_index *idx = NULL;
	lzma_index_iter it;
	uint64_t memlimit = 16 * MIB, size;
	size_t pos = 0, istart;

	if (end < 24 || lzma_stream_footer_decode(&footer, d + end - 12) != LZMA_OK ||
	    footer.backward_size > end - 24)
		return false;
	istart = end - 12 - (size_t)footer.backward_size;
	if (lzma_index_buffer_decode(&idx, &memlimit, NULL, d + istart, &pos,
	                             (size_t)footer.backward_size) != LZMA_OK)
		return false;
	size = lzma_index_stream_size(idx);
	if (size > end || lzma_stream_header_decode(&header, d + end - size) != LZMA_OK) {
		lzma_index_end(idx, NULL);
		return false;
	}
	*start_r = end - (size_t)size;
	lzma_index_iter_init(&it, idx);
	while (!lzma_index_iter_next(&it, LZMA_INDEX_ITER_BLOCK)) {
		uint64_t off = it.block.compressed_file_offset, mem;

		if (++*blocks_r > MIME_DECMEM_MAX_BLOCKS || off >= size) {
			*max_r = UINT64_MAX;
			break;
		}
		mem = xz_block(d + *start_r + off, (size_t)(size - off), header.check);
		if (mem > *max_r)
			*max_r = mem;
	}
	lzma_index_end(idx, NULL);
	return true;
}

static uint64_t xz_memory(const unsigned char *d, size_t len)
{
	lzma_stream_flags header;
	uint64_t max = 0, first;
	unsigned int blocks = 0;
	size_t end = len;

	while (end > 0) {
		size_t start;

		while (end >= 4 && mime_archive_le(d + end - 4, 4) == 0)
			end -= 4; /* stream padding */
		if (end == 0)
			break;
		if (!xz_stream(d, end, &start, &max, &blocks))
			goto unknown;
		end = start;
	}
	return max;
unknown:
	/* no index (cut short): the first block, and what libarchive would allow */
	if (len < 12 || lzma_stream_header_decode(&header, d) != LZMA_OK)
		return MIME_DECMEM_UNKNOWN_XZ;
	first = xz_block(d + 12, len - 12, header.check);
	return first != UINT64_MAX && first > MIME_DECMEM_UNKNOWN_XZ ? first
	                                                             : MIME_DECMEM_UNKNOWN_XZ;
}

/*
 * The claim of the xz stream at d[0] when what follows it is not known to be its (a zip
 * member whose size is left for its data descriptor): every "YZ" whose footer agrees with
 * the stream's header and whose index reads back to d[0] may be its end, and the bytes of a
 * block can hold such a footer (an uncompressed chunk), so the largest claim of them all,
 * which is the true end's at least; at most XZ_ENDS_MAX footers are tried, else (or with
 * none) as xz_memory() counts all the bytes (what libarchive would allow when their index
 * cannot be read).
 */
#define XZ_ENDS_MAX 64

static uint64_t xz_descriptor_memory(const unsigned char *d, size_t len)
{
	lzma_stream_flags header, footer;
	const unsigned char *yz;
	size_t at = 24, start;
	uint64_t max = 0;
	unsigned int ends = 0;
	bool found = false;

	if (len < 24 || lzma_stream_header_decode(&header, d) != LZMA_OK)
		return xz_memory(d, len);
	while (at <= len && (yz = memmem(d + at - 2, len - (at - 2), "YZ", 2)) != NULL) {
		size_t end = (size_t)(yz - d) + 2;
		uint64_t mem = 0;
		unsigned int blocks = 0;

		if (end >= 24 && lzma_stream_footer_decode(&footer, d + end - 12) == LZMA_OK &&
		    lzma_stream_flags_compare(&header, &footer) == LZMA_OK) {
			if (++ends > XZ_ENDS_MAX)
				return xz_memory(d, len);
			/* a footer of a later stream (the next member's) reads back to its start */
			if (xz_stream(d, end, &start, &mem, &blocks) && start == 0) {
				found = true;
				max = MAX(max, mem);
			}
		}
		at = end + 1;
	}
	return found ? max : xz_memory(d, len);
}

/* .lzma ("LZMA alone"): 5 bytes of properties (lc/lp/pb, dictionary size) first. */
static uint64_t lzma_alone_memory(const unsigned char *d, size_t len)
{
	lzma_filter f = {LZMA_FILTER_LZMA1, NULL};
	uint64_t mem;

	if (len < 5 || lzma_properties_decode(&f, NULL, d, 5) != LZMA_OK)
		return UINT64_MAX;
	mem = lzma_raw_decoder_memusage((lzma_filter[]){f, {LZMA_VLI_UNKNOWN, NULL}});
	free(f.options);
	return mem;
}

/* An lzip member's decoder: its header's coded dictionary size, and the rest of liblzma's. */
static uint64_t lzip_dict(unsigned char coded)
{
	uint64_t dict = (uint64_t)1 << (coded & 0x1f);

	return dict - (dict / 16) * ((coded >> 5) & 7) + MIB;
}

/*
 * lzip: every member's dictionary (libarchive starts a decoder for each, one at a time), the
 * members found from the end (a version 1 trailer ends with its member's size); when they
 * cannot be walked (version 0, bytes after them, cut short), the largest of the first
 * member's and what libarchive allows (2^27).
 */
static uint64_t lzip_memory(const unsigned char *d, size_t len)
{
	uint64_t max = 0;
	size_t end = len;
	unsigned int members = 0;

	if (len < 6)
		return UINT64_MAX;
	while (end > 0) {
		uint64_t msize;

		if (end < 26 || ++members > MIME_DECMEM_MAX_BLOCKS)
			return MAX(lzip_dict(d[5]), MIME_DECMEM_LZIP_MAX);
		msize = mime_archive_le(d + end - 8, 8);
		if (msize < 26 || msize > end || memcmp(d + end - msize, "LZIP\1", 5) != 0)
			return MAX(lzip_dict(d[5]), MIME_DECMEM_LZIP_MAX);
		max = MAX(max, lzip_dict(d[end - msize + 5]));
		end -= (size_t)msize;
	}
	return max;
}

/*
 * lz4: libarchive holds one output block for the stream, grown to the largest frame's (its
 * block size, 64 KiB to 4 MiB, and 64 KiB of history when the blocks are linked; legacy
 * frames 8 MiB); the input is read in place. The frames are walked block by block, skippable
 * frames stepped over; what follows them is not read by libarchive either.
 */
static uint64_t lz4_memory(const unsigned char *d, size_t len)
{
	unsigned int blocks = 0;
	uint64_t max = 0;
	size_t p = 0;

	while (len - p >= 7) {
		uint32_t m = (uint32_t)mime_archive_le(d + p, 4);
		unsigned int flg = d[p + 4], bd = d[p + 5];
		size_t hdr = 7 + (flg & 8 ? 8 : 0) + (flg & 1 ? 4 : 0);

		if ((m & 0xfffffff0u) == 0x184d2a50u) {
			uint64_t n;

			if (len - p < 8)
				break;
			n = mime_archive_le(d + p + 4, 4);
			if (n > len - p - 8)
				break;
			p += 8 + (size_t)n;
			continue;
		}
		if (m == 0x184c2102u)
			return MIME_DECMEM_LZ4_MAX;
		if (m != 0x184d2204u || (bd >> 4 & 7) < 4 || hdr > len - p)
			break;
		max = MAX(max, ((uint64_t)1 << (8 + 2 * (bd >> 4 & 7))) + (flg & 0x20 ? 0 : 65536));
		for (p += hdr;;) {
			uint64_t b;

			if (len - p < 4 || ++blocks > MIME_DECMEM_MAX_BLOCKS)
				return blocks > MIME_DECMEM_MAX_BLOCKS ? MIME_DECMEM_LZ4_MAX : max;
			b = mime_archive_le(d + p, 4) & 0x7fffffffu;
			p += 4;
			if (b == 0)
				break;
			b += flg & 0x10 ? 4 : 0; /* the block's checksum */
			if (b > len - p)
				return max; /* cut short */
			p += (size_t)b;
		}
		if (flg & 4) { /* the content checksum */
			if (len - p < 4)
				break;
			p += 4;
		}
	}
	return max;
}

/* One zstd frame at d[0..len): its window; *size_r its size (0: cannot walk further). */
static uint64_t zstd_frame(const unsigned char *d, size_t len, size_t *size_r,
                           unsigned int *blocks_r)
{
	static const unsigned int did_len[4] = {0, 1, 2, 4};
	unsigned int fhd, did, fcs_len;
	uint64_t window = 0;
	size_t p;
	bool single;

	*size_r = 0;
	if (len >= 8 &&
	    (mime_archive_le(d, 4) & 0xfffffff0u) == 0x184d2a50u) { /* skippable frame */
		uint64_t n = mime_archive_le(d + 4, 4);

		*size_r = n <= len - 8 ? (size_t)n + 8 : 0;
		return 0;
	}
	if (len < 6 || mime_archive_le(d, 4) != 0xfd2fb528u)
		return UINT64_MAX;
	fhd = d[4];
	single = (fhd & 0x20) != 0;
	did = did_len[fhd & 3];
	fcs_len = fhd >> 6 == 0 ? (single ? 1 : 0) : 1u << (fhd >> 6);
	p = 5;
	if (!single) {
		unsigned int exp = d[p] >> 3, mant = d[p] & 7;
		uint64_t base = (uint64_t)1 << (10 + exp);

		window = base + (base / 8) * mant;
		p++;
	}
	if (len - p < (size_t)did + fcs_len)
		return UINT64_MAX;
	p += did;
	if (single) {
		window = mime_archive_le(d + p, fcs_len);
		if (fcs_len == 2)
			window += 256;
	}
	p += fcs_len;
	/* the blocks: 3-byte headers, last one flagged */
	for (;;) {
		uint32_t h;
		size_t bsize;

		if (len - p < 3 || ++*blocks_r > MIME_DECMEM_MAX_BLOCKS)
			return window; /* cut short: no more frames */
		h = (uint32_t)mime_archive_le(d + p, 3);
		bsize = ((h >> 1) & 3) == 1 ? 1 : h >> 3; /* RLE: one byte */
		p += 3;
		if (bsize > len - p)
			return window;
		p += bsize;
		if (h & 1)
			break;
	}
	if (fhd & 4)
		p += 4; /* content checksum */
	*size_r = p <= len ? p : 0;
	return window;
}

static uint64_t zstd_memory(const unsigned char *d, size_t len)
{
	unsigned int blocks = 0;
	uint64_t max = 0;
	size_t p = 0;

	while (p < len) {
		size_t n;
		uint64_t w = zstd_frame(d + p, len - p, &n, &blocks);

		if (w == UINT64_MAX)
			return p == 0 ? UINT64_MAX : max; /* bytes after the frames: not zstd */
		if (w > max)
			max = w;
		if (n == 0)
			break;
		p += n;
	}
	return max + MIME_DECMEM_ZSTD_EXTRA;
}

/*
 * A zip member compressed with PPMd (98, PPMd variant I rev. 1): its first two bytes hold the
 * model order, the restore method and the model's memory in MiB less one (up to 256 MiB),
 * which libarchive allocates at once, whatever the data needs.
 */
static uint64_t zip_ppmd_memory(const unsigned char *d, size_t len)
{
	if (len < 2)
		return UINT64_MAX;
	return ((((uint64_t)mime_archive_le(d, 2) >> 4 & 0xff) + 1) << 20) + MIME_DECMEM_PPMD_EXTRA;
}

/* The decoder memory of a member's compressed bytes d[0, n) of a method. */
static uint64_t zip_method_memory(unsigned int method, const unsigned char *d, size_t n)
{
	switch (method) {
	case 14: /* LZMA: version (2), properties size (2), properties (5) */
		return n >= 9 ? lzma_alone_memory(d + 4, n - 4) : UINT64_MAX;
	case 95:
		return xz_memory(d, n);
	case 93:
		return zstd_memory(d, n);
	case 12:
		return n >= 4 ? mime_archive_decoder_memory(FTYPE_BZIP2, d, n) : 0;
	case 98:
		return zip_ppmd_memory(d, n);
	default:
		return 0;
	}
}

/* The claim of the member the central directory names (false: it names none such). */
static bool zip_dir_member_memory(const unsigned char *zip, size_t len, const char *name,
                                  uint64_t usize, uint64_t *claim_r)
{
	struct mime_zipx_entry z;

	if (!mime_zipx_find(zip, len, name, strlen(name), usize, &z))
		return false;
	*claim_r = zip_method_memory(z.method, z.data, z.csize);
	return true;
}

/*
 * A member of the streaming reading (no directory names it): its local header, the one at
 * d + off (where libarchive is) or else the first after it that names the member, gives the
 * method and the compressed size (none found: UINT64_MAX, the member is not read); a size
 * left for the data descriptor (0 or zip64) reads to the end of the bytes (an xz stream's
 * claim: xz_descriptor_memory).
 */
static uint64_t zip_local_member_memory(const unsigned char *d, size_t len, size_t off,
                                        const char *name)
{
	size_t nl = strlen(name);
	const unsigned char *h;
	uint64_t csize, data;
	unsigned int method;

	/* the local header where libarchive is, whatever name it gave the entry */
	for (bool at = true;; at = false) {
		if (off > len || len - off < 30)
			return UINT64_MAX;
		h = memmem(d + off, len - off, "PK\003\004", 4);
		if (h == NULL || (size_t)(d + len - h) < 30)
			return UINT64_MAX; /* not found: not known, not read */
		if (at && h == d + off)
			break;
		off = (size_t)(h - d);
		if (mime_archive_le(h + 26, 2) == nl && len - off - 30 >= nl &&
		    memcmp(h + 30, name, nl) == 0)
			break;
		off++;
	}
	method = (unsigned int)mime_archive_le(h + 8, 2);
	csize = mime_archive_le(h + 18, 4);
	data = off + 30 + mime_archive_le(h + 26, 2) + mime_archive_le(h + 28, 2);
	if (data > len)
		return UINT64_MAX;
	if (csize == 0 || csize == 0xffffffffu || csize > len - data) {
		csize = len - data;
		if (method == 95) /* what follows it is its data descriptor, and more */
			return xz_descriptor_memory(d + data, (size_t)csize);
	}
	return zip_method_memory(method, d + data, (size_t)csize);
}

uint64_t mime_archive_decoder_memory(enum ftype type, const unsigned char *d, size_t len)
{
	if (len >= 6 && memcmp(d, "\3757zXZ\0", 6) == 0)
		return xz_memory(d, len);
	if (type == FTYPE_LZ4) /* before zstd's: both may start with skippable frames */
		return lz4_memory(d, len);
	if (type == FTYPE_COMPRESS)
		return MIME_DECMEM_COMPRESS;
	/* a zstd part may start with skippable frames (pzstd's): its frames are walked too */
	if (type == FTYPE_ZSTD || (len >= 4 && mime_archive_le(d, 4) == 0xfd2fb528u))
		return zstd_memory(d, len);
	if (len >= 4 && memcmp(d, "LZIP", 4) == 0)
		return lzip_memory(d, len);
	if (len >= 4 && memcmp(d, "BZh", 3) == 0 && d[3] >= '1' && d[3] <= '9')
		return (uint64_t)(d[3] - '0') * 400000u + 64u * 1024u;
	if (type == FTYPE_7Z)
		return mime_archive_7z_memory(d, len);
	if (type == FTYPE_RAR)
		return mime_archive_rar_memory(d, len);
	if (type == FTYPE_LZMA) /* no magic: typed by its properties */
		return lzma_alone_memory(d, len);
	return 64u * 1024u; /* gzip, compress, no stream filter: a fixed window at most */
}

/*
 * The memory its stream's decoder claims, within max_decoder_memory with the levels open
 * around it: false (the part flagged, the limit noted) when it is over.
 */
bool mime_archive_memory_ok(struct arch *st, enum ftype t)
{
	struct mime_ctx *ctx = st->ctx;
	struct mime_use use = mime_jobs_use(ctx);
	uint64_t claim =
	        mime_archive_filter(t) != ARCHIVE_FILTER_NONE || t == FTYPE_7Z || t == FTYPE_RAR
	                ? mime_archive_decoder_memory(t, st->data, st->len)
	                : 0;
	char *what;

	if (mime_jobs_budget(&ctx->lim, &use, MIME_RES_DECODER_MEMORY, claim, NULL) ==
	    MIME_BOUND_NONE) {
		st->decoder_memory = claim;
		return true;
	}
	if (claim == UINT64_MAX)
		what = g_strdup_printf(
		        "max_decoder_memory: %s stream whose decoder memory cannot be "
		        "known: not opened",
		        ftype_name(t));
	else
		what = g_strdup_printf(
		        "max_decoder_memory: %s stream claiming %" G_GUINT64_FORMAT
		        " bytes of decoder memory (%" G_GUINT64_FORMAT
		        " claimed around it, limit %" G_GUINT64_FORMAT "): not opened",
		        ftype_name(t), claim, use.decoder_memory, ctx->lim.max_decoder_memory);
	mime_archive_limit(st, -1, what);
	g_free(what);
	return false;
}

const char *mime_archive_zipx_method(const char *fmt)
{
	/* libarchive's names: "bzip" (12), "lzma" (14), "zstd" (93), "xz" (95), "ppmd-1" (98) */
	static const char *const names[] = {"bzip", "lzma", "zstd", "xz", "ppmd"};

	for (size_t i = 0; fmt != NULL && i < G_N_ELEMENTS(names); i++)
		if (strstr(fmt, names[i]) != NULL)
			return names[i];
	return NULL;
}

/*
 * A zip member compressed with a method whose decoder claims memory (LZMA, xz, zstd, bzip2,
 * PPMd: named in libarchive's format name): its claim, within max_decoder_memory with the levels open
 * around it, in *claim_r; false (the member flagged, not read) when it is over.
 */
uint64_t mime_archive_member_claim(const struct arch *st, struct archive *a,
                                   struct archive_entry *e)
{
	const char *fmt = archive_format_name(a), *name = archive_entry_pathname(e);
	uint64_t claim = 0;
	size_t base;
	int64_t at;

	if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_ZIP || name == NULL ||
	    mime_archive_zipx_method(fmt) == NULL)
		return 0;
	/*
	 * The central directory's entry, or (the streaming reading, or libarchive reading a zip
	 * without a directory from its local headers) the local header where libarchive is
	 */
	if (!st->streaming && archive_entry_size_is_set(e) &&
	    zip_dir_member_memory(st->data, st->len, name, (uint64_t)archive_entry_size(e), &claim))
		return claim;
	if (archive_entry_is_data_encrypted(e))
		return 0; /* its first bytes are the cipher's (not counted, as in the directory) */
	base = st->streaming ? st->stream_from : 0;
	at = archive_read_header_position(a);
	return at >= 0 && (uint64_t)at <= st->len - base
	               ? zip_local_member_memory(st->data, st->len, base + (size_t)at, name)
	               : UINT64_MAX;
}

bool mime_archive_member_memory_ok(struct arch *st, struct archive *a, struct archive_entry *e,
                                   int child, uint64_t *claim_r)
{
	struct mime_ctx *ctx = st->ctx;
	struct mime_use use = mime_jobs_use(ctx);
	struct msg_part *c;
	char *what;

	*claim_r = mime_archive_member_claim(st, a, e);
	if (*claim_r == 0 || mime_jobs_budget(&ctx->lim, &use, MIME_RES_DECODER_MEMORY, *claim_r,
	                                      NULL) == MIME_BOUND_NONE)
		return true;
	c = mime_part_at(ctx, child);
	what = g_strdup_printf(
	        "max_decoder_memory: member compressed with a decoder claiming %" G_GUINT64_FORMAT
	        " bytes (%" G_GUINT64_FORMAT " claimed around it, limit %" G_GUINT64_FORMAT
	        "): not read",
	        *claim_r, use.decoder_memory, ctx->lim.max_decoder_memory);
	mime_part_flag(c, MSG_PART_LIMIT, "%s", what);
	mime_limit(ctx, MSG_LIMIT_ARCHIVE, "part %s: %s", c->path, what);
	g_free(what);
	*claim_r = 0;
	return false;
}
