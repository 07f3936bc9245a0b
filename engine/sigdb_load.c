/*
 * sigdb_load: text signature files into a sigdb.
 *
 * Formats: ClamAV hash lines "HashHex:Size:Name[:MinFLevel[:MaxFLevel]]" (.hdb .hsb .hdu .hsu
 * .fp .sfp .imp; the hash type comes from the hex length, Size may be `*`), PE section hash
 * lines "Size:HashHex:Name[:MinFLevel[:MaxFLevel]]" (.mdb .msb .mdu .msu: size first), ignore
 * lists (.ign2 and the old .ign alike: "Name", "Name:md5-of-the-signature-line" or the old
 * "db:line:Name"; every entry applies, a bare Name whatever the order), and plain hash lists
 * (one hash per line, optional name after whitespace, ',' or ';', '#' comments; CSV lines
 * contribute every field that is a hash), whose signatures are named after the file.
 * Hash lines are read in cli_loadhash's order and with its number rules: the levels first
 * (a line for another level is skipped whatever else it holds), read with atoi().
 *
 * Files are read in 1 MB blocks, never mapped, so loading costs the index and not the text.
 * A malformed line is reported as "file:line: reason" (the first SIGDB_MAX_LINE_WARNINGS per
 * file one by one, the rest summed up), counted, and skipped; in strict mode the whole file is
 * refused (its signatures are rolled back). Not thread safe: one loader per thread.
 */

#include "engine/sigdb_load.h"
#include "engine/field.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIGDB_READ_BLOCK (1024 * 1024)
#define SIGDB_MAX_NAME   511

void sigdb_loader_warn(struct sigdb_loader *ld, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (ld->opts->warn == NULL)
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (ld->warnings != NULL) {
		g_ptr_array_add(ld->warnings, msg); /* a worker thread: reported in file order */
		return;
	}
	ld->opts->warn(ld->opts->warn_ctx, msg);
	g_free(msg);
}

static struct sigdb_source *sigdb_cur(struct sigdb_loader *ld)
{
	return &g_array_index(ld->sources, struct sigdb_source, ld->cur);
}

static void sigdb_bad_line(struct sigdb_loader *ld, unsigned int lineno, const char *reason)
{
	struct sigdb_source *src = sigdb_cur(ld);

	src->bad_lines++;
	if (src->first_error == NULL)
		src->first_error = g_strdup_printf("%s:%u: %s", src->path, lineno, reason);
	if (ld->opts->strict) {
		src->refused = true;
		return;
	}
	if (src->bad_lines <= SIGDB_MAX_LINE_WARNINGS)
		sigdb_loader_warn(ld, "%s:%u: %s (line skipped)", src->path, lineno, reason);
}

static void *sigdb_grow(void *buf, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap > 0 ? *cap : 1024;

	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			g_error("sigdb: out of address space");
		ncap *= 2;
	}
	if (ncap != *cap) {
		buf = g_realloc(buf, ncap * elem);
		*cap = ncap;
	}
	return buf;
}

static uint32_t sigdb_pool_append(struct sigdb_loader *ld, const void *data, size_t len)
{
	struct sigdb *db = ld->db;
	uint32_t off;

	if (db->names_len + len + 1 > UINT32_MAX)
		g_error("sigdb: name pool over 4 GB");
	db->names = sigdb_grow(db->names, &db->names_cap, db->names_len + len, 1);
	off = (uint32_t)db->names_len;
	memcpy(db->names + off, data, len);
	db->names_len += len;
	return off;
}

static uint32_t sigdb_literal(struct sigdb_loader *ld, const char *s, size_t len)
{
	static const char tag = SIGDB_NAME_LITERAL, nul = '\0';
	uint32_t off = sigdb_pool_append(ld, &tag, 1);

	sigdb_pool_append(ld, s, len);
	sigdb_pool_append(ld, &nul, 1);
	return off;
}

static uint32_t sigdb_stem_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void sigdb_stems_insert(struct sigdb_loader *ld, uint32_t off, uint32_t hash)
{
	size_t mask = ld->stems_cap - 1, i = hash & mask;

	while (ld->stems[i] != UINT32_MAX)
		i = (i + 1) & mask;
	ld->stems[i] = off;
	ld->stems_count++;
}

static void sigdb_stems_resize(struct sigdb_loader *ld, size_t cap)
{
	uint32_t *old = ld->stems;
	size_t old_cap = ld->stems_cap;

	ld->stems_cap = cap;
	ld->stems = g_malloc(ld->stems_cap * sizeof(uint32_t));
	memset(ld->stems, 0xff, ld->stems_cap * sizeof(uint32_t));
	ld->stems_count = 0;
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i] != UINT32_MAX) {
			const char *s = ld->db->names + old[i] + 1;
			sigdb_stems_insert(ld, old[i], sigdb_stem_hash(s, strlen(s)));
		}
	}
	g_free(old);
}

static void sigdb_stems_grow(struct sigdb_loader *ld)
{
	sigdb_stems_resize(ld, ld->stems_cap > 0 ? ld->stems_cap * 2 : 1024);
}

/* After removing entries from an open-addressing table its probe chains must be rebuilt. */
static void sigdb_stems_rehash(struct sigdb_loader *ld)
{
	if (ld->stems_cap > 0)
		sigdb_stems_resize(ld, ld->stems_cap);
}

/* The pool offset of the literal entry holding stem, added when new. */
static uint32_t sigdb_stem(struct sigdb_loader *ld, const char *stem, size_t len)
{
	uint32_t hash = sigdb_stem_hash(stem, len), off;
	size_t mask, i;

	if (ld->stems_count * 2 >= ld->stems_cap)
		sigdb_stems_grow(ld);
	mask = ld->stems_cap - 1;
	for (i = hash & mask; ld->stems[i] != UINT32_MAX; i = (i + 1) & mask) {
		const char *s = ld->db->names + ld->stems[i] + 1;
		if (strncmp(s, stem, len) == 0 && s[len] == '\0')
			return ld->stems[i];
	}
	off = sigdb_literal(ld, stem, len);
	sigdb_stems_insert(ld, off, hash);
	return off;
}

/* Parse the decimal digits of s[0..len) without leading zeros into *v (<= max). */
static bool sigdb_canonical_uint(const char *s, size_t len, uint32_t max, uint32_t *v)
{
	uint64_t n = 0;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	if (n > max)
		return false;
	*v = (uint32_t)n;
	return true;
}

/* Split "<stem>-<id>-<rev>" (ClamAV's scheme); false when the name is not of that form. */
static bool sigdb_split_name(const char *name, size_t len, size_t *stem_len, uint32_t *id,
                             uint32_t *rev)
{
	size_t d2 = len, d1;

	while (d2 > 0 && name[d2 - 1] != '-')
		d2--;
	if (d2 < 2 || !sigdb_canonical_uint(name + d2, len - d2, 255, rev))
		return false;
	d1 = d2 - 1;
	while (d1 > 0 && name[d1 - 1] != '-')
		d1--;
	if (d1 < 2 || !sigdb_canonical_uint(name + d1, d2 - 1 - d1, UINT32_MAX, id))
		return false;
	*stem_len = d1 - 1;
	return true;
}

/* The pool offset of name's entry, reusing the previous name of this source when equal. */
static uint32_t sigdb_intern(struct sigdb_loader *ld, const char *name, size_t len)
{
	unsigned char enc[SIGDB_NAME_STEMMED_LEN];
	size_t stem_len;
	uint32_t id, rev, off, stem;

	if (ld->have_last && ld->last_len == len && memcmp(ld->last_name, name, len) == 0)
		return ld->last_off;
	if (sigdb_split_name(name, len, &stem_len, &id, &rev)) {
		stem = sigdb_stem(ld, name, stem_len);
		enc[0] = SIGDB_NAME_STEMMED;
		memcpy(enc + 1, &stem, 4);
		memcpy(enc + 5, &id, 4);
		enc[9] = (unsigned char)rev;
		off = sigdb_pool_append(ld, enc, sizeof(enc));
	} else {
		off = sigdb_literal(ld, name, len);
	}
	ld->have_last = true;
	ld->last_off = off;
	ld->last_len = len;
	memcpy(ld->last_name, name, len);
	return off;
}

void sigdb_loader_add(struct sigdb_loader *ld, enum digest_type type, const unsigned char *hash,
                      uint32_t size, const char *name, size_t name_len)
{
	struct sigdb_source *src = sigdb_cur(ld);
	struct sigdb_table *t =
	        &ld->db->tables[SIGDB_TABLE(sigdb_format_target(src->format), type)];
	enum sigdb_kind kind = sigdb_format_kind(src->format);
	uint32_t off = sigdb_intern(ld, name, name_len);
	unsigned char *rec;

	t->recs = sigdb_grow(t->recs, &t->cap, t->count + 1, t->rec_size);
	rec = t->recs + t->count * t->rec_size;
	memcpy(rec, &size, 4);
	memcpy(rec + 4, &off, 4);
	memcpy(rec + SIGDB_REC_HDR, hash, digest_len(type));
	t->count++;
	src->counts[kind][type]++;
	if (size == SIGDB_STAR)
		src->star[type]++;
}

/* true when an ignore entry drops this signature line. */
static bool sigdb_ignored(struct sigdb_loader *ld, const char *name, size_t name_len,
                          const char *line, size_t len)
{
	GArray *md5s;
	struct digest_set d;
	char *key;

	if (ld->ignore == NULL || g_hash_table_size(ld->ignore) == 0)
		return false;
	key = g_strndup(name, name_len);
	md5s = g_hash_table_lookup(ld->ignore, key);
	g_free(key);
	if (md5s == NULL)
		return false;
	if (md5s->len == 0)
		return true; /* the name alone */
	if (digest_compute((const unsigned char *)line, len, DIGEST_BIT(DIGEST_MD5), &d) < 0)
		return false;
	for (guint i = 0; i + 16 <= md5s->len; i += 16) {
		if (memcmp(md5s->data + i, d.md5, 16) == 0)
			return true;
	}
	return false;
}

static bool sigdb_valid_name(const char *name, size_t len)
{
	if (len == 0 || len > SIGDB_MAX_NAME)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* Split line at ':' into at most max fields (the last one ends at the next ':'); the count. */
static size_t sigdb_split(const char *line, size_t len, const char **f, size_t *flen, size_t max)
{
	size_t nf = 0, start = 0;

	while (nf < max) {
		const char *colon = memchr(line + start, ':', len - start);
		size_t end = colon != NULL ? (size_t)(colon - line) : len;

		f[nf] = line + start;
		flen[nf++] = end - start;
		if (colon == NULL)
			break;
		start = end + 1;
	}
	return nf;
}

/* A level field that is not a plain number: file:line and the value read (the first few). */
static void sigdb_flevel_odd(struct sigdb_loader *ld, unsigned int lineno, const char *what,
                             const char *field, size_t len, uint32_t lvl, bool skipped)
{
	char *raw, *shown;

	if (++ld->odd_flevels > SIGDB_MAX_LINE_WARNINGS)
		return;
	raw = g_strndup(field, MIN(len, 32));
	shown = g_strescape(raw, NULL);
	sigdb_loader_warn(ld,
	                  "%s:%u: %s \"%s%s\" is not a plain number: read as %u, as libclamav "
	                  "reads it%s",
	                  sigdb_cur(ld)->path, lineno, what, shown, len > 32 ? "..." : "", lvl,
	                  skipped ? " (line skipped)" : "");
	g_free(shown);
	g_free(raw);
}

/*
 * true when MinFLevel (f[3]) or MaxFLevel (f[4]) puts the line outside our level. Read as
 * cli_loadhash reads them, with atoi() compared unsigned: an empty or non-numeric field is 0
 * (an empty MaxFLevel skips the line), "20x" is 20, "-1" is above every level.
 */
static bool sigdb_flevel_skips(struct sigdb_loader *ld, const char *const *f, const size_t *flen,
                               size_t nf, unsigned int lineno)
{
	static const char *const what[2] = {"MinFLevel", "MaxFLevel"};

	for (size_t k = 3; k < nf && k < 5; k++) {
		bool plain;
		uint32_t lvl = field_atoi(f[k], flen[k], &plain);
		bool out = k == 3 ? ld->flevel < lvl : ld->flevel > lvl;

		/* an empty MinFLevel reads as what it looks like: no minimum */
		if (!plain && !(k == 3 && flen[k] == 0))
			sigdb_flevel_odd(ld, lineno, what[k - 3], f[k], flen[k], lvl, out);
		if (out)
			return true;
	}
	return false;
}

/*
 * "HashHex:Size:Name[:MinFLevel[:MaxFLevel]]", or for PE section hashes (.mdb .msb .mdu .msu)
 * "Size:HashHex:Name[:MinFLevel[:MaxFLevel]]".
 */
static void sigdb_parse_clam(struct sigdb_loader *ld, const char *line, size_t len,
                             unsigned int lineno)
{
	const char *f[6];
	size_t flen[6], nf;
	unsigned char hash[DIGEST_MAX_LEN];
	enum digest_type type;
	uint64_t size = SIGDB_STAR;
	struct sigdb_source *src = sigdb_cur(ld);
	bool size_first = sigdb_format_target(src->format) == SIGDB_TARGET_PE_SECTION;

	nf = sigdb_split(line, len, f, flen, 6);
	if (nf < 3)
		return sigdb_bad_line(ld, lineno,
		                      size_first ? "expected SIZE:HASH:NAME"
		                                 : "expected HASH:SIZE:NAME");
	if (nf > 5)
		return sigdb_bad_line(ld, lineno, "too many fields");
	/*
	 * The levels first, as cli_loadhash reads them: a line for another level is skipped
	 * whatever its other fields hold, since a later level may bring a hash type or a size
	 * syntax of its own (one such line in daily must not refuse it in strict mode).
	 */
	if (sigdb_flevel_skips(ld, f, flen, nf, lineno)) {
		src->skipped_flevel++;
		return;
	}
	if (size_first) {
		const char *tf = f[0];
		size_t tl = flen[0];

		if (!(tl == 1 && tf[0] == '*') && !field_uint(tf, tl, SIGDB_MAX_SIZE, &size))
			return sigdb_bad_line(ld, lineno,
			                      "expected SIZE:HASH:NAME (in .mdb / .msb the section "
			                      "size comes first)");

		f[0] = f[1];
		flen[0] = flen[1];
		f[1] = tf;
		flen[1] = tl;
	}
	if (digest_type_from_hexlen(flen[0], &type) < 0)
		return sigdb_bad_line(ld, lineno, "hash is not 32, 40 or 64 hex digits");
	if (digest_unhex(f[0], flen[0] / 2, hash) < 0)
		return sigdb_bad_line(ld, lineno, "hash has a non-hex character");
	if (!(flen[1] == 1 && f[1][0] == '*') && !field_uint(f[1], flen[1], SIGDB_MAX_SIZE, &size))
		return sigdb_bad_line(ld, lineno, "size is neither a number (< 4 GB) nor '*'");
	if (size == 0)
		return sigdb_bad_line(ld, lineno,
		                      "size 0 (libclamav refuses it: a size is 1 or more, or '*')");
	if (!sigdb_valid_name(f[2], flen[2]))
		return sigdb_bad_line(ld, lineno, "empty, over-long or unprintable name");
	if (sigdb_format_kind(src->format) == SIGDB_PUA && !ld->opts->pua) {
		src->skipped_pua++;
		return;
	}
	if (sigdb_ignored(ld, f[2], flen[2], line, len)) {
		src->ignored++;
		return;
	}
	sigdb_loader_add(ld, type, hash, (uint32_t)size, f[2], flen[2]);
}

static bool sigdb_is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',' || c == ';';
}

/* A CSV line: every field that is a bare hash becomes a signature named after the file. */
static void sigdb_parse_csv(struct sigdb_loader *ld, const char *line, size_t len,
                            unsigned int lineno)
{
	size_t i = 0, found = 0;

	while (i <= len) {
		size_t s = i, e;
		unsigned char hash[DIGEST_MAX_LEN];
		enum digest_type type;

		while (i < len && line[i] != ',')
			i++;
		e = i++;
		while (s < e && (line[s] == '"' || line[s] == ' '))
			s++;
		while (e > s && (line[e - 1] == '"' || line[e - 1] == ' '))
			e--;
		if (digest_type_from_hexlen(e - s, &type) == 0 &&
		    digest_unhex(line + s, (e - s) / 2, hash) == 0) {
			sigdb_loader_add(ld, type, hash, SIGDB_STAR, ld->stem, strlen(ld->stem));
			found++;
		}
	}
	if (found == 0)
		sigdb_bad_line(ld, lineno, "no hash in this CSV line");
}

/* "hash [name]": one MD5 / SHA-1 / SHA-256, optionally followed by a name. */
static void sigdb_parse_plain(struct sigdb_loader *ld, const char *line, size_t len,
                              unsigned int lineno)
{
	unsigned char hash[DIGEST_MAX_LEN];
	enum digest_type type;
	size_t i = 0, name_len;
	const char *name;

	if (line[0] == '"')
		return sigdb_parse_csv(ld, line, len, lineno);
	while (i < len && !sigdb_is_sep(line[i]))
		i++;
	if (digest_type_from_hexlen(i, &type) < 0 || digest_unhex(line, i / 2, hash) < 0)
		return sigdb_bad_line(ld, lineno, "not an MD5, SHA-1 or SHA-256 hex hash");
	while (i < len && sigdb_is_sep(line[i]))
		i++;
	name = line + i;
	name_len = len - i;
	if (name_len == 0) {
		name = ld->stem;
		name_len = strlen(ld->stem);
	} else if (!sigdb_valid_name(name, name_len)) {
		return sigdb_bad_line(ld, lineno, "over-long or unprintable name");
	}
	sigdb_loader_add(ld, type, hash, SIGDB_STAR, name, name_len);
}

/*
 * .ign2 and .ign lines, both read as cli_loadign reads both: "Name" (the whole signature),
 * "Name:MD5" (the signature line whose MD5 this is), or the old "db:line:Name" (the whole
 * signature; db and line are not used). Every entry applies, in whatever order they come:
 * a bare Name drops the signature whatever Name:MD5 entries say (in libclamav the entry
 * loaded last for a name decides, and a bare Name after a Name:MD5 in one file is refused).
 */
static void sigdb_parse_ign(struct sigdb_loader *ld, const char *line, size_t len,
                            unsigned int lineno)
{
	struct sigdb_source *src = sigdb_cur(ld);
	const char *f[4], *name;
	size_t flen[4], nf, name_len;
	unsigned char md5[16];
	GArray *md5s;
	char *key;

	nf = sigdb_split(line, len, f, flen, 4);
	if (nf > 3)
		return sigdb_bad_line(ld, lineno, "expected NAME, NAME:MD5 or DB:LINE:NAME");
	name = f[nf == 3 ? 2 : 0];
	name_len = flen[nf == 3 ? 2 : 0];
	if (!sigdb_valid_name(name, name_len))
		return sigdb_bad_line(ld, lineno, "empty, over-long or unprintable name");
	if (nf == 2 && (flen[1] != 32 || digest_unhex(f[1], 16, md5) < 0))
		return sigdb_bad_line(ld, lineno, "expected NAME:MD5 (32 hex digits)");
	key = g_strndup(name, name_len);
	md5s = g_hash_table_lookup(ld->ignore, key);
	if (md5s == NULL) {
		/* a new name: the MD5 of its line, or nothing (the whole name) */
		md5s = g_array_new(FALSE, FALSE, 1);
		if (nf == 2)
			g_array_append_vals(md5s, md5, 16);
		g_hash_table_insert(ld->ignore, key, md5s);
	} else {
		g_free(key);
		if (nf != 2)
			g_array_set_size(md5s, 0); /* the whole name, from now on */
		else if (md5s->len > 0)
			g_array_append_vals(md5s, md5, 16); /* unless it is whole already */
	}
	src->ign_entries++;
}

static void sigdb_parse_line(struct sigdb_loader *ld, const char *line, size_t len,
                             unsigned int lineno)
{
	const struct sigdb_source *src = sigdb_cur(ld);

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (src->format == SIGDB_FORMAT_PLAIN) {
		while (len > 0 && (line[0] == ' ' || line[0] == '\t')) {
			line++;
			len--;
		}
	}
	if (len == 0 || line[0] == '#')
		return;
	switch (src->format) {
	case SIGDB_FORMAT_PLAIN:
		sigdb_parse_plain(ld, line, len, lineno);
		break;
	case SIGDB_FORMAT_IGN2:
	case SIGDB_FORMAT_IGN:
		sigdb_parse_ign(ld, line, len, lineno);
		break;
	default:
		sigdb_parse_clam(ld, line, len, lineno);
		break;
	}
}

size_t sigdb_loader_feed(struct sigdb_loader *ld, const char *data, size_t len, bool final)
{
	struct sigdb_source *src = sigdb_cur(ld);
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end;

		if (nl == NULL && !final)
			break;
		end = nl != NULL ? (size_t)(nl - data) : len;
		src->lines++;
		sigdb_parse_line(ld, data + pos, end - pos, src->lines);
		src = sigdb_cur(ld);
		pos = nl != NULL ? end + 1 : len;
	}
	return pos;
}

size_t sigdb_loader_begin(struct sigdb_loader *ld, const char *path, const char *name,
                          enum sigdb_format format)
{
	struct sigdb_source src = {0};
	char *stem;

	src.path = g_strdup(path);
	src.name = g_strdup(name);
	src.format = format;
	src.pool_begin = src.pool_end = (uint32_t)ld->db->names_len;
	g_array_append_val(ld->sources, src);
	ld->cur = ld->sources->len - 1;
	ld->have_last = false;
	ld->odd_flevels = 0;
	for (int t = 0; t < SIGDB_N_TABLES; t++)
		ld->mark_count[t] = ld->db->tables[t].count;
	g_free(ld->stem);
	stem = g_strdup(name);
	if (strchr(stem, '.') != NULL && stem[0] != '.')
		*strrchr(stem, '.') = '\0';
	ld->stem = stem;
	return ld->cur;
}

/* Did a file give anything at all: a signature, an ignore entry, a line we chose to skip? */
static bool sigdb_source_any_valid(const struct sigdb_source *src)
{
	if (src->ignored > 0 || src->ign_entries > 0 || src->skipped_flevel > 0 ||
	    src->skipped_pua > 0)
		return true;
	for (int k = 0; k < SIGDB_KIND__COUNT; k++)
		for (int t = 0; t < DIGEST__COUNT; t++)
			if (src->counts[k][t] > 0)
				return true;
	return false;
}

void sigdb_loader_end(struct sigdb_loader *ld)
{
	struct sigdb_source *src = sigdb_cur(ld);

	/*
	 * A file of malformed lines only (an HTML error page saved by a failed download) is not a
	 * database with a few bad lines: refused even without strict mode, so that a reload
	 * fails and keeps the signatures it would otherwise lose.
	 */
	if (!ld->opts->strict && src->bad_lines > SIGDB_MAX_LINE_WARNINGS)
		sigdb_loader_warn(ld, "%s: %u more malformed lines skipped", src->path,
		                  src->bad_lines - SIGDB_MAX_LINE_WARNINGS);
	if (ld->odd_flevels > SIGDB_MAX_LINE_WARNINGS)
		sigdb_loader_warn(ld, "%s: %u more level fields that are not plain numbers",
		                  src->path, ld->odd_flevels - SIGDB_MAX_LINE_WARNINGS);
	if (!src->refused && src->bad_lines > 0 && src->container == NULL &&
	    !sigdb_source_any_valid(src)) {
		char *why = g_strdup_printf("%s (no valid line)", src->first_error);

		g_free(src->first_error);
		src->first_error = why;
		src->refused = true;
	}
	if (src->refused) {
		/* strict mode: roll the whole file back */
		for (int t = 0; t < SIGDB_N_TABLES; t++)
			ld->db->tables[t].count = ld->mark_count[t];
		ld->db->names_len = src->pool_begin;
		for (size_t i = 0; i < ld->stems_cap; i++) {
			/* stems made by the refused file went with its part of the pool */
			if (ld->stems[i] != UINT32_MAX && ld->stems[i] >= src->pool_begin)
				ld->stems[i] = UINT32_MAX;
		}
		sigdb_stems_rehash(ld);
		memset(src->counts, 0, sizeof(src->counts));
		memset(src->star, 0, sizeof(src->star));
		sigdb_loader_warn(ld, "%s; file refused%s", src->first_error,
		                  ld->opts->strict ? " (strict mode)" : "");
	}
	src->pool_end = (uint32_t)ld->db->names_len;
	ld->have_last = false;
}

void sigdb_loader_clear(struct sigdb_loader *ld)
{
	if (ld->ignore != NULL && ld->owns_ignore)
		g_hash_table_destroy(ld->ignore);
	ld->ignore = NULL;
	if (ld->warnings != NULL)
		g_ptr_array_free(ld->warnings, TRUE);
	ld->warnings = NULL;
	g_free(ld->stems);
	ld->stems = NULL;
	ld->stems_cap = ld->stems_count = 0;
	g_free(ld->stem);
	ld->stem = NULL;
}
