/*
 * archive_7z: the decoder memory a 7z archive's coders claim, read from its header before
 * libarchive opens it (archive_memory.c counts it against max_decoder_memory).
 *
 * A 7z archive's coders (LZMA, LZMA2, PPMd, bzip2, ...) and their properties (the dictionary
 * or model size) are listed in its header, found from the start header's next-header offset
 * and size. libarchive allocates what the properties claim, for each folder in turn (the
 * coders of one folder at once), so the claim is the largest folder's sum of its coders.
 * The header is often packed itself (kEncodedHeader): the coders that pack it are readable in
 * the clear and counted (libarchive decodes the header with them first); the folders of the
 * files are inside the packed header, which is decoded here in memory when a single LZMA or
 * LZMA2 coder packs it, as 7-Zip writes it. What cannot be known, counted as UINT64_MAX (not
 * opened): a header cut short or malformed, a packed header larger than MIME_7Z_HEADER_MAX
 * or whose coder claims more than MIME_7Z_HEADER_DECMEM. Not counted: the files' coders of a
 * header packed otherwise (encrypted: libarchive does not read those archives either) or
 * whose packed bytes do not decode (libarchive cannot list the files then).
 *
 * Limits: the header is parsed once, at most MIME_7Z_MAX_CODERS coders per folder; a packed
 * header is decoded into one buffer of its declared size, at most MIME_7Z_HEADER_MAX bytes,
 * with liblzma. Thread safety: no state.
 */

#include "mime/archive_private.h"

#include <lzma.h>
#include <string.h>

#define MIB                   ((uint64_t)1024 * 1024)
#define MIME_7Z_MAX_CODERS    64
#define MIME_7Z_HEADER_MAX    (16 * MIB)
#define MIME_7Z_HEADER_DECMEM (64 * MIB)
#define MIME_7Z_SMALL         (64u * 1024u) /* filters, deflate, copy: a window at most */
#define MIME_7Z_ZSTD          (128 * MIB + 256u * 1024u) /* libzstd's default window limit */

/* A cursor over header bytes: reading past the end sets bad. */
struct sz {
	const unsigned char *p;
	size_t left;
	bool bad;
};

/* The folder of a packed header: its single coder and sizes, when it has one. */
struct sz_pack {
	uint64_t pack_pos, pack_size, unpack_size;
	const unsigned char *id, *props;
	size_t id_len, props_len;
	unsigned int coders;
};

static unsigned int sz_byte(struct sz *s)
{
	if (s->left == 0) {
		s->bad = true;
		return 0;
	}
	s->left--;
	return *s->p++;
}

/* 7z's NUMBER: the leading one bits of the first byte say how many bytes follow. */
static uint64_t sz_num(struct sz *s)
{
	unsigned int first = sz_byte(s), mask = 0x80;
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++) {
		if ((first & mask) == 0)
			return v | (uint64_t)(first & (mask - 1)) << (8 * i);
		v |= (uint64_t)sz_byte(s) << (8 * i);
		mask >>= 1;
	}
	return v;
}

static const unsigned char *sz_skip(struct sz *s, uint64_t n)
{
	const unsigned char *at = s->p;

	if (n > s->left) {
		s->bad = true;
		s->left = 0;
		return NULL;
	}
	s->p += n;
	s->left -= (size_t)n;
	return at;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t lzma_props_memory(lzma_vli filter, const unsigned char *pr, size_t n)
{
	lzma_filter f[2] = {{filter, NULL}, {LZMA_VLI_UNKNOWN, NULL}};
	uint64_t mem;

	if (pr == NULL || lzma_properties_decode(&f[0], NULL, pr, n) != LZMA_OK)
		return UINT64_MAX;
	mem = lzma_raw_decoder_memusage(f);
	free(f[0].options);
	return mem;
}

/* What one coder's decoder allocates, from its method id and properties. */
static uint64_t sz_coder(const unsigned char *id, size_t id_len, const unsigned char *pr, size_t n)
{
	if (id_len == 3 && memcmp(id, "\003\001\001", 3) == 0) /* LZMA */
		return n == 5 ? lzma_props_memory(LZMA_FILTER_LZMA1, pr, n) : UINT64_MAX;
	if (id_len == 1 && id[0] == 0x21) /* LZMA2 */
		return n == 1 ? lzma_props_memory(LZMA_FILTER_LZMA2, pr, n) : UINT64_MAX;
	if (id_len == 3 && memcmp(id, "\003\004\001", 3) == 0) /* PPMd: order, model size */
		return n >= 5 ? add_sat((uint64_t)pr[1] | (uint64_t)pr[2] << 8 |
		                                (uint64_t)pr[3] << 16 | (uint64_t)pr[4] << 24,
		                        MIB)
		              : UINT64_MAX;
	if (id_len == 3 && memcmp(id, "\004\002\002", 3) == 0) /* bzip2: block size 9 at most */
		return 9u * 400000u + MIME_7Z_SMALL;
	if (id_len == 4 && memcmp(id, "\004\367\021\001", 4) == 0) /* zstd */
		return MIME_7Z_ZSTD;
	return MIME_7Z_SMALL;
}

/* One folder: the sum of its coders' claims; its out streams in *outs_r. */
static uint64_t sz_folder(struct sz *s, uint64_t *outs_r, struct sz_pack *one)
{
	uint64_t n = sz_num(s), ins = 0, outs = 0, mem = 0, bind;

	if (n == 0 || n > MIME_7Z_MAX_CODERS) {
		s->bad = true;
		return UINT64_MAX;
	}
	for (uint64_t i = 0; i < n && !s->bad; i++) {
		unsigned int f = sz_byte(s);
		size_t id_len = f & 0xf;
		const unsigned char *id = sz_skip(s, id_len), *pr = NULL;
		uint64_t ni = 1, no = 1, plen = 0;

		if (f & 0x10) {
			ni = sz_num(s);
			no = sz_num(s);
		}
		if (f & 0x20) {
			plen = sz_num(s);
			pr = sz_skip(s, plen);
		}
		if (s->bad || (f & 0x80) || ni > MIME_7Z_MAX_CODERS || no > MIME_7Z_MAX_CODERS) {
			s->bad = true; /* 0x80: alternative methods, which no reader writes */
			return UINT64_MAX;
		}
		mem = add_sat(mem, sz_coder(id, id_len, pr, (size_t)plen));
		ins += ni;
		outs += no;
		if (one != NULL && n == 1) {
			one->id = id;
			one->id_len = id_len;
			one->props = pr;
			one->props_len = (size_t)plen;
		}
	}
	if (one != NULL)
		one->coders = (unsigned int)n;
	bind = outs - 1;
	if (ins < bind) {
		s->bad = true;
		return UINT64_MAX;
	}
	for (uint64_t i = 0; i < bind && !s->bad; i++) {
		sz_num(s);
		sz_num(s);
	}
	if (ins - bind > 1) {
		for (uint64_t i = 0; i < ins - bind && !s->bad; i++)
			sz_num(s);
	}
	*outs_r = outs;
	return mem;
}

/* The digests of n streams (kCRC): which are defined, then 4 bytes each. */
static void sz_digests(struct sz *s, uint64_t n)
{
	uint64_t defined = n;

	if (n > s->left) {
		s->bad = true;
		return;
	}
	if (sz_byte(s) == 0) {
		const unsigned char *bits = sz_skip(s, (n + 7) / 8);

		defined = 0;
		for (uint64_t i = 0; bits != NULL && i < n; i++)
			defined += (bits[i / 8] >> (7 - i % 8)) & 1;
	}
	sz_skip(s, defined * 4);
}

/*
 * StreamsInfo: the pack info (kept in pack for a packed header), then the folders: the largest
 * folder's claim. The substreams after them are not needed.
 */
static uint64_t sz_streams(struct sz *s, struct sz_pack *pack)
{
	unsigned int t = sz_byte(s);
	uint64_t max = 0, outs_all = 0, nf;

	if (t == 0x06) { /* kPackInfo */
		uint64_t pos = sz_num(s), n = sz_num(s);

		if (pack != NULL)
			pack->pack_pos = pos;
		while (!s->bad && (t = sz_byte(s)) != 0) {
			if (n > s->left) {
				s->bad = true;
			} else if (t == 0x09) { /* kSize */
				for (uint64_t i = 0; i < n && !s->bad; i++) {
					uint64_t v = sz_num(s);

					if (i == 0 && pack != NULL)
						pack->pack_size = v;
				}
			} else if (t == 0x0a) {
				sz_digests(s, n);
			} else {
				s->bad = true;
			}
		}
		t = sz_byte(s);
	}
	if (t != 0x07) /* kUnPackInfo: no folder, nothing to decode */
		return s->bad ? UINT64_MAX : 0;
	if (sz_byte(s) != 0x0b) /* kFolder */
		s->bad = true;
	nf = sz_num(s);
	if (nf > s->left || sz_byte(s) != 0) /* folders elsewhere: libarchive refuses them */
		s->bad = true;
	for (uint64_t i = 0; i < nf && !s->bad; i++) {
		uint64_t outs = 0, mem = sz_folder(s, &outs, i == 0 && nf == 1 ? pack : NULL);

		max = mem > max ? mem : max;
		outs_all += outs;
	}
	if (sz_byte(s) != 0x0c) /* kCodersUnPackSize */
		s->bad = true;
	for (uint64_t i = 0; i < outs_all && !s->bad; i++) {
		uint64_t v = sz_num(s);

		if (i == 0 && pack != NULL)
			pack->unpack_size = v;
	}
	return s->bad ? UINT64_MAX : max;
}

/* A plain header (kHeader read): the claim of its main streams' folders. */
static uint64_t sz_header(struct sz *s)
{
	unsigned int t = sz_byte(s);

	if (t == 0x02) { /* kArchiveProperties */
		while (!s->bad && sz_byte(s) != 0)
			sz_skip(s, sz_num(s));
		t = sz_byte(s);
	}
	if (t == 0x03) /* kAdditionalStreamsInfo: not read by libarchive either */
		return UINT64_MAX;
	if (t == 0x04) /* kMainStreamsInfo */
		return sz_streams(s, NULL);
	return s->bad ? UINT64_MAX : 0; /* only empty files */
}

/*
 * A packed header's bytes decoded with its single LZMA/LZMA2 coder, within the limits;
 * NULL when it cannot be (*unknown_r: for a reason that hides the files' coders).
 */
static unsigned char *sz_unpack(const unsigned char *d, size_t len, const struct sz_pack *pk,
                                bool *unknown_r)
{
	lzma_filter f[2] = {{LZMA_VLI_UNKNOWN, NULL}, {LZMA_VLI_UNKNOWN, NULL}};
	lzma_stream z = LZMA_STREAM_INIT;
	unsigned char *out;
	bool ok;

	*unknown_r = false;
	if (pk->coders != 1 || pk->id == NULL)
		return NULL;
	if (pk->id_len == 3 && memcmp(pk->id, "\003\001\001", 3) == 0)
		f[0].id = LZMA_FILTER_LZMA1;
	else if (pk->id_len == 1 && pk->id[0] == 0x21)
		f[0].id = LZMA_FILTER_LZMA2;
	else
		return NULL; /* encrypted or another method: libarchive cannot list the files */
	*unknown_r = true;
	if (pk->unpack_size == 0 || pk->unpack_size > MIME_7Z_HEADER_MAX ||
	    pk->pack_pos > len - 32 || pk->pack_size > len - 32 - pk->pack_pos ||
	    pk->props == NULL ||
	    lzma_properties_decode(&f[0], NULL, pk->props, pk->props_len) != LZMA_OK)
		return NULL;
	if (lzma_raw_decoder_memusage(f) > MIME_7Z_HEADER_DECMEM ||
	    lzma_raw_decoder(&z, f) != LZMA_OK) {
		free(f[0].options);
		return NULL;
	}
	*unknown_r = false;
	out = g_malloc((size_t)pk->unpack_size);
	z.next_in = d + 32 + pk->pack_pos;
	z.avail_in = (size_t)pk->pack_size;
	z.next_out = out;
	z.avail_out = (size_t)pk->unpack_size;
	while (z.avail_out > 0 && lzma_code(&z, LZMA_RUN) == LZMA_OK && z.avail_in > 0)
		;
	ok = z.avail_out == 0;
	lzma_end(&z);
	free(f[0].options);
	if (!ok) {
		g_free(out);
		return NULL;
	}
	return out;
}

uint64_t mime_archive_7z_memory(const unsigned char *d, size_t len)
{
	struct sz_pack pk = {0};
	uint64_t off, size, hmem, fmem;
	unsigned char *h;
	bool unknown;
	struct sz s;

	if (len < 32 || memcmp(d, "7z\274\257\047\034", 6) != 0)
		return UINT64_MAX;
	off = (uint64_t)d[12] | (uint64_t)d[13] << 8 | (uint64_t)d[14] << 16 |
	      (uint64_t)d[15] << 24 | (uint64_t)d[16] << 32 | (uint64_t)d[17] << 40 |
	      (uint64_t)d[18] << 48 | (uint64_t)d[19] << 56;
	size = (uint64_t)d[20] | (uint64_t)d[21] << 8 | (uint64_t)d[22] << 16 |
	       (uint64_t)d[23] << 24 | (uint64_t)d[24] << 32 | (uint64_t)d[25] << 40 |
	       (uint64_t)d[26] << 48 | (uint64_t)d[27] << 56;
	if (size == 0)
		return 0; /* an empty archive */
	if (off > len - 32 || size > len - 32 - off)
		return UINT64_MAX;
	s = (struct sz){d + 32 + off, (size_t)size, false};
	switch (sz_byte(&s)) {
	case 0x01: /* kHeader */
		return sz_header(&s);
	case 0x17: /* kEncodedHeader: the coders that pack it, then the header's own */
		hmem = sz_streams(&s, &pk);
		if (hmem == UINT64_MAX)
			return UINT64_MAX;
		h = sz_unpack(d, len, &pk, &unknown);
		if (h == NULL)
			return unknown ? UINT64_MAX : hmem;
		s = (struct sz){h, (size_t)pk.unpack_size, false};
		fmem = sz_byte(&s) == 0x01 ? sz_header(&s) : UINT64_MAX;
		g_free(h);
		return fmem > hmem ? fmem : hmem;
	default:
		return UINT64_MAX;
	}
}
