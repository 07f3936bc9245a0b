/*
 * sigdb: the in-memory signature index and its lookups.
 *
 * Nine tables (MD5, SHA-1, SHA-256 for each target: whole parts, PE sections, PE import
 * lists) of fixed-size records sorted by (size, hash); names live in one pool. A lookup is
 * two binary searches (exact size, then `*`; a third, size 1, when SHA-1 / SHA-256
 * allow-list entries of size 1 are loaded: libclamav lets them match any size); "does any
 * signature have this size" is one. The structure is immutable once built, so lookups take no
 * lock; the reference count is atomic. Loading lives in sigdb_load.c, snapshots in
 * sigdb_snapshot.c.
 */

#include "engine/sigdb_private.h"

#include <sys/stat.h>

static const char *const sigdb_format_names[SIGDB_FORMAT__COUNT] = {
        [SIGDB_FORMAT_UNKNOWN] = "unknown",   [SIGDB_FORMAT_HDB] = "hdb",
        [SIGDB_FORMAT_HSB] = "hsb",           [SIGDB_FORMAT_HDU] = "hdu",
        [SIGDB_FORMAT_HSU] = "hsu",           [SIGDB_FORMAT_FP] = "fp",
        [SIGDB_FORMAT_SFP] = "sfp",           [SIGDB_FORMAT_IGN2] = "ign2",
        [SIGDB_FORMAT_IGN] = "ign",           [SIGDB_FORMAT_PLAIN] = "plain",
        [SIGDB_FORMAT_SNAPSHOT] = "snapshot", [SIGDB_FORMAT_CONTAINER] = "container",
        [SIGDB_FORMAT_OTHER] = "other",       [SIGDB_FORMAT_MDB] = "mdb",
        [SIGDB_FORMAT_MSB] = "msb",           [SIGDB_FORMAT_MDU] = "mdu",
        [SIGDB_FORMAT_MSU] = "msu",           [SIGDB_FORMAT_IMP] = "imp",
};

static const char *const sigdb_target_names[SIGDB_TARGET__COUNT] = {"file", "pe-section",
                                                                    "pe-imports"};

static const char *const sigdb_kind_names[SIGDB_KIND__COUNT] = {"detect", "pua", "allow"};

/* ClamAV database kinds we recognise but do not use (counted, reported, never an error). */
static const char *const sigdb_other_exts[] = {
        "ndb", "ndu", "ldb", "ldu",  "idb",  "cdb", "pdb",   "gdb", "wdb", "cbc", "ftm", "crb",
        "cfg", "hwp", "yar", "yara", "pwdb", "cat", "crtdb", "db",  "zmd", "rmd", "sdb", "info",
};

uint64_t sigdb_next_generation(void)
{
	static gint64 counter;

	return (uint64_t)__atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
}

struct sigdb *sigdb_new_empty(void)
{
	static const size_t rec_sizes[DIGEST__COUNT] = {SIGDB_REC_HDR + 16, SIGDB_REC_HDR + 20,
	                                                SIGDB_REC_HDR + 32};
	struct sigdb *db = g_new0(struct sigdb, 1);

	db->refcount = 1;
	db->generation = sigdb_next_generation();
	db->flevel = SIGDB_FLEVEL;
	for (int t = 0; t < SIGDB_N_TABLES; t++)
		db->tables[t].rec_size = rec_sizes[SIGDB_TABLE_TYPE(t)];
	g_mutex_init(&db->memo.lock);
	db->memo.names = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	return db;
}

static const char *sigdb_literal_at(const struct sigdb *db, uint32_t off)
{
	/* the pool ends with a NUL (checked when a snapshot is opened), so this terminates */
	if ((size_t)off + 1 >= db->names_len || db->names[off] != SIGDB_NAME_LITERAL)
		return NULL;
	return db->names + off + 1;
}

const char *sigdb_name_at(const struct sigdb *db, uint32_t off)
{
	struct sigdb_memo *memo = (struct sigdb_memo *)&db->memo;
	const unsigned char *e = (const unsigned char *)db->names + off;
	uint32_t stem_off, id;
	const char *stem, *name;

	if ((size_t)off >= db->names_len)
		return "(corrupt)";
	if (e[0] == SIGDB_NAME_LITERAL)
		return sigdb_literal_at(db, off) != NULL ? db->names + off + 1 : "(corrupt)";
	if (e[0] != SIGDB_NAME_STEMMED || (size_t)off + SIGDB_NAME_STEMMED_LEN > db->names_len)
		return "(corrupt)";
	memcpy(&stem_off, e + 1, 4);
	memcpy(&id, e + 5, 4);
	stem = sigdb_literal_at(db, stem_off);
	if (stem == NULL)
		return "(corrupt)";
	g_mutex_lock(&memo->lock);
	name = g_hash_table_lookup(memo->names, GUINT_TO_POINTER(off));
	if (name == NULL) {
		char *spelled = g_strdup_printf("%s-%u-%u", stem, id, e[9]);
		g_hash_table_insert(memo->names, GUINT_TO_POINTER(off), spelled);
		name = spelled;
	}
	g_mutex_unlock(&memo->lock);
	return name;
}

enum sigdb_kind sigdb_format_kind(enum sigdb_format format)
{
	switch (format) {
	case SIGDB_FORMAT_HDU:
	case SIGDB_FORMAT_HSU:
	case SIGDB_FORMAT_MDU:
	case SIGDB_FORMAT_MSU:
		return SIGDB_PUA;
	case SIGDB_FORMAT_FP:
	case SIGDB_FORMAT_SFP:
		return SIGDB_ALLOW;
	default:
		return SIGDB_DETECT;
	}
}

enum sigdb_target sigdb_format_target(enum sigdb_format format)
{
	switch (format) {
	case SIGDB_FORMAT_MDB:
	case SIGDB_FORMAT_MSB:
	case SIGDB_FORMAT_MDU:
	case SIGDB_FORMAT_MSU:
		return SIGDB_TARGET_PE_SECTION;
	case SIGDB_FORMAT_IMP:
		return SIGDB_TARGET_PE_IMPORTS;
	default:
		return SIGDB_TARGET_FILE;
	}
}

const char *sigdb_target_name(enum sigdb_target target)
{
	return (unsigned)target < SIGDB_TARGET__COUNT ? sigdb_target_names[target] : "unknown";
}

const char *sigdb_format_name(enum sigdb_format format)
{
	return (unsigned)format < SIGDB_FORMAT__COUNT ? sigdb_format_names[format] : "unknown";
}

const char *sigdb_kind_name(enum sigdb_kind kind)
{
	return (unsigned)kind < SIGDB_KIND__COUNT ? sigdb_kind_names[kind] : "unknown";
}

enum sigdb_format sigdb_format_from_name(const char *name)
{
	static const struct {
		const char *ext;
		enum sigdb_format format;
	} map[] = {
	        {"hdb", SIGDB_FORMAT_HDB},       {"hsb", SIGDB_FORMAT_HSB},
	        {"hdu", SIGDB_FORMAT_HDU},       {"hsu", SIGDB_FORMAT_HSU},
	        {"fp", SIGDB_FORMAT_FP},         {"sfp", SIGDB_FORMAT_SFP},
	        {"ign2", SIGDB_FORMAT_IGN2},     {"ign", SIGDB_FORMAT_IGN},
	        {"txt", SIGDB_FORMAT_PLAIN},     {"lst", SIGDB_FORMAT_PLAIN},
	        {"csv", SIGDB_FORMAT_PLAIN},     {"md5", SIGDB_FORMAT_PLAIN},
	        {"sha1", SIGDB_FORMAT_PLAIN},    {"sha256", SIGDB_FORMAT_PLAIN},
	        {"hashes", SIGDB_FORMAT_PLAIN},  {"psdb", SIGDB_FORMAT_SNAPSHOT},
	        {"cvd", SIGDB_FORMAT_CONTAINER}, {"cld", SIGDB_FORMAT_CONTAINER},
	        {"cud", SIGDB_FORMAT_CONTAINER}, {"mdb", SIGDB_FORMAT_MDB},
	        {"msb", SIGDB_FORMAT_MSB},       {"mdu", SIGDB_FORMAT_MDU},
	        {"msu", SIGDB_FORMAT_MSU},       {"imp", SIGDB_FORMAT_IMP},
	};
	const char *dot = strrchr(name, '.');

	if (dot == NULL || dot[1] == '\0')
		return SIGDB_FORMAT_UNKNOWN;
	for (size_t i = 0; i < G_N_ELEMENTS(map); i++) {
		if (g_ascii_strcasecmp(dot + 1, map[i].ext) == 0)
			return map[i].format;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(sigdb_other_exts); i++) {
		if (g_ascii_strcasecmp(dot + 1, sigdb_other_exts[i]) == 0)
			return SIGDB_FORMAT_OTHER;
	}
	return SIGDB_FORMAT_UNKNOWN;
}

struct sigdb *sigdb_ref(struct sigdb *db)
{
	g_atomic_int_inc(&db->refcount);
	return db;
}

void sigdb_source_clear(struct sigdb_source *src)
{
	g_free(src->path);
	g_free(src->name);
	g_free(src->version);
	g_free(src->first_error);
	g_free(src->container);
	g_free(src->cvd_name);
	g_free(src->verify_detail);
	g_free(src->reject_reason);
	g_free(src->unused_detail);
	memset(src, 0, sizeof(*src));
}

void sigdb_unref(struct sigdb **dbp)
{
	struct sigdb *db = *dbp;

	if (db == NULL)
		return;
	*dbp = NULL;
	if (!g_atomic_int_dec_and_test(&db->refcount))
		return;
	for (size_t i = 0; i < db->n_sources; i++)
		sigdb_source_clear(&db->sources[i]);
	g_free(db->sources);
	for (int t = 0; t < SIGDB_N_TABLES; t++) {
		if (db->tables[t].cap > 0)
			g_free(db->tables[t].recs);
	}
	if (db->names_cap > 0)
		g_free(db->names);
	g_free(db->snap_buf);
	g_free(db->snapshot_path);
	g_hash_table_destroy(db->memo.names);
	g_mutex_clear(&db->memo.lock);
	g_free(db);
}

/* Compare a record with (size, hash). */
static int sigdb_rec_cmp_key(const unsigned char *rec, uint32_t size, const unsigned char *hash,
                             size_t hlen)
{
	uint32_t rsize = sigdb_rec_size_of(rec);

	if (rsize != size)
		return rsize < size ? -1 : 1;
	return memcmp(rec + SIGDB_REC_HDR, hash, hlen);
}

/* Index of the first record >= (size, hash); hash NULL compares sizes only. */
static size_t sigdb_lower_bound(const struct sigdb_table *t, uint32_t size,
                                const unsigned char *hash)
{
	size_t lo = 0, hi = t->count, hlen = t->rec_size - SIGDB_REC_HDR;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const unsigned char *rec = t->recs + mid * t->rec_size;
		int c;

		if (hash != NULL) {
			c = sigdb_rec_cmp_key(rec, size, hash, hlen);
		} else {
			uint32_t rsize = sigdb_rec_size_of(rec);
			c = rsize < size ? -1 : (rsize > size ? 1 : 0);
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

unsigned int sigdb_digests_for(const struct sigdb *db, enum sigdb_target target, uint64_t size)
{
	unsigned int mask = 0;

	if ((unsigned)target >= SIGDB_TARGET__COUNT)
		return 0;
	for (int t = 0; t < DIGEST__COUNT; t++) {
		const struct sigdb_table *table = &db->tables[SIGDB_TABLE(target, t)];
		size_t i;

		if (table->star > 0 || table->allow_one > 0) {
			mask |= DIGEST_BIT(t);
			continue;
		}
		if (table->count == 0 || size > SIGDB_MAX_SIZE)
			continue;
		i = sigdb_lower_bound(table, (uint32_t)size, NULL);
		if (i < table->count &&
		    sigdb_rec_size_of(table->recs + i * table->rec_size) == (uint32_t)size)
			mask |= DIGEST_BIT(t);
	}
	return mask;
}

unsigned int sigdb_digests_for_size(const struct sigdb *db, uint64_t size)
{
	return sigdb_digests_for(db, SIGDB_TARGET_FILE, size);
}

bool sigdb_has_target(const struct sigdb *db, enum sigdb_target target)
{
	if ((unsigned)target >= SIGDB_TARGET__COUNT)
		return false;
	for (int t = 0; t < DIGEST__COUNT; t++) {
		if (db->tables[SIGDB_TABLE(target, t)].count > 0)
			return true;
	}
	return false;
}

const struct sigdb_source *sigdb_source_of_name(const struct sigdb *db, uint32_t off)
{
	size_t lo = 0, hi = db->n_sources;

	/* sources own consecutive, increasing pool ranges (empty ranges allowed) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (db->sources[mid].pool_end <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < db->n_sources ? &db->sources[lo] : NULL;
}

/* The records of (size, hash) into matches[n..max), allow-list entries only if allow_only. */
static size_t sigdb_collect(const struct sigdb *db, enum sigdb_target target, enum digest_type type,
                            uint32_t size, const unsigned char *hash, struct sigdb_match *matches,
                            size_t max, size_t n, bool allow_only)
{
	const struct sigdb_table *t = &db->tables[SIGDB_TABLE(target, type)];
	size_t hlen = t->rec_size - SIGDB_REC_HDR;

	for (size_t i = sigdb_lower_bound(t, size, hash); i < t->count; i++) {
		const unsigned char *rec = t->recs + i * t->rec_size;
		const struct sigdb_source *src;
		uint32_t off;

		if (sigdb_rec_cmp_key(rec, size, hash, hlen) != 0)
			break;
		off = sigdb_rec_name_of(rec);
		src = allow_only || n < max ? sigdb_source_of_name(db, off) : NULL;
		if (allow_only && (src == NULL || sigdb_format_kind(src->format) != SIGDB_ALLOW))
			continue;
		if (n < max) {
			matches[n].name = sigdb_name_at(db, off);
			matches[n].type = type;
			matches[n].target = target;
			matches[n].source = src;
			matches[n].kind =
			        src != NULL ? sigdb_format_kind(src->format) : SIGDB_DETECT;
		}
		n++;
	}
	return n;
}

size_t sigdb_lookup_target(const struct sigdb *db, enum sigdb_target target, enum digest_type type,
                           const unsigned char *hash, uint64_t size, struct sigdb_match *matches,
                           size_t max)
{
	const struct sigdb_table *t;
	size_t n = 0;

	if ((unsigned)type >= DIGEST__COUNT || (unsigned)target >= SIGDB_TARGET__COUNT)
		return 0;
	t = &db->tables[SIGDB_TABLE(target, type)];
	if (t->count == 0)
		return 0;
	if (size <= SIGDB_MAX_SIZE)
		n = sigdb_collect(db, target, type, (uint32_t)size, hash, matches, max, n, false);
	if (t->star > 0)
		n = sigdb_collect(db, target, type, SIGDB_STAR, hash, matches, max, n, false);
	if (t->allow_one > 0 && size != 1)
		n = sigdb_collect(db, target, type, 1, hash, matches, max, n, true);
	return n;
}

static bool sigdb_rec_is_allow(const struct sigdb *db, const unsigned char *rec)
{
	const struct sigdb_source *src = sigdb_source_of_name(db, sigdb_rec_name_of(rec));

	return src != NULL && sigdb_format_kind(src->format) == SIGDB_ALLOW;
}

void sigdb_count_allow_one(struct sigdb *db)
{
	static const enum digest_type types[] = {DIGEST_SHA1, DIGEST_SHA256};

	for (int t = 0; t < SIGDB_N_TABLES; t++)
		db->tables[t].allow_one = 0;
	/* libclamav takes them for every hash type but MD5, and for whole files only */
	for (size_t k = 0; k < G_N_ELEMENTS(types); k++) {
		struct sigdb_table *t = &db->tables[SIGDB_TABLE(SIGDB_TARGET_FILE, types[k])];

		for (size_t i = sigdb_lower_bound(t, 1, NULL); i < t->count; i++) {
			const unsigned char *rec = t->recs + i * t->rec_size;

			if (sigdb_rec_size_of(rec) != 1)
				break;
			if (sigdb_rec_is_allow(db, rec))
				t->allow_one++;
		}
	}
}

bool sigdb_allow_one_holds(const struct sigdb *db, int t, const unsigned char *hash)
{
	const struct sigdb_table *tab = &db->tables[t];
	size_t hlen = tab->rec_size - SIGDB_REC_HDR;

	if (tab->allow_one == 0)
		return false;
	for (size_t i = sigdb_lower_bound(tab, 1, hash); i < tab->count; i++) {
		const unsigned char *rec = tab->recs + i * tab->rec_size;

		if (sigdb_rec_cmp_key(rec, 1, hash, hlen) != 0)
			break;
		if (sigdb_rec_is_allow(db, rec))
			return true;
	}
	return false;
}

bool sigdb_allowed(const struct sigdb *db, const struct digest_set *set, uint64_t size)
{
	for (int t = 0; set != NULL && t < DIGEST__COUNT; t++) {
		struct sigdb_match m[16], *all = m;
		const unsigned char *h = digest_get(set, (enum digest_type)t);
		bool allowed = false;
		size_t n;

		if (!(set->mask & DIGEST_BIT(t)))
			continue;
		n = sigdb_lookup(db, (enum digest_type)t, h, size, m, G_N_ELEMENTS(m));
		if (n > G_N_ELEMENTS(m)) {
			/* every match: the allow-list entry may be past the first 16 (scan.c too) */
			all = g_new(struct sigdb_match, n);
			n = MIN(n, sigdb_lookup(db, (enum digest_type)t, h, size, all, n));
		}
		for (size_t i = 0; i < n && !allowed; i++)
			allowed = all[i].kind == SIGDB_ALLOW;
		if (all != m)
			g_free(all);
		if (allowed)
			return true;
	}
	return false;
}

size_t sigdb_lookup(const struct sigdb *db, enum digest_type type, const unsigned char *hash,
                    uint64_t size, struct sigdb_match *matches, size_t max)
{
	return sigdb_lookup_target(db, SIGDB_TARGET_FILE, type, hash, size, matches, max);
}

uint64_t sigdb_generation(const struct sigdb *db)
{
	return db->generation;
}

size_t sigdb_count(const struct sigdb *db)
{
	size_t n = 0;

	for (int t = 0; t < SIGDB_N_TABLES; t++)
		n += db->tables[t].count;
	return n;
}

size_t sigdb_count_target(const struct sigdb *db, enum sigdb_target target)
{
	size_t n = 0;

	if ((unsigned)target >= SIGDB_TARGET__COUNT)
		return 0;
	for (int t = 0; t < DIGEST__COUNT; t++)
		n += db->tables[SIGDB_TABLE(target, t)].count;
	return n;
}

size_t sigdb_count_of(const struct sigdb *db, enum sigdb_kind kind, enum digest_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < db->n_sources; i++)
		n += db->sources[i].counts[kind][type];
	return n;
}

void sigdb_describe_targets(const struct sigdb *db, GString *out)
{
	for (int g = 0; g < SIGDB_TARGET__COUNT; g++)
		g_string_append_printf(out, "%s%s %zu", g > 0 ? ", " : "",
		                       sigdb_target_name((enum sigdb_target)g),
		                       sigdb_count_target(db, (enum sigdb_target)g));
	g_string_append_c(out, '\n');
}

size_t sigdb_source_count(const struct sigdb *db)
{
	return db->n_sources;
}

const struct sigdb_source *sigdb_source_get(const struct sigdb *db, size_t i)
{
	return i < db->n_sources ? &db->sources[i] : NULL;
}

const char *sigdb_snapshot_path(const struct sigdb *db)
{
	return db->snapshot_path;
}

const struct sigdb_stamp *sigdb_snapshot_stamp(const struct sigdb *db)
{
	return db->snapshot_path != NULL ? &db->snapshot_stamp : NULL;
}

void sigdb_stamp_from_stat(const struct stat *st, struct sigdb_stamp *stamp_r)
{
	stamp_r->dev = (uint64_t)st->st_dev;
	stamp_r->ino = (uint64_t)st->st_ino;
	stamp_r->size = (uint64_t)st->st_size;
	stamp_r->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	stamp_r->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

int sigdb_stamp_path(const char *path, struct sigdb_stamp *stamp_r)
{
	struct stat st;

	memset(stamp_r, 0, sizeof(*stamp_r));
	if (stat(path, &st) < 0)
		return -1;
	sigdb_stamp_from_stat(&st, stamp_r);
	return 0;
}

bool sigdb_stamp_equal(const struct sigdb_stamp *a, const struct sigdb_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* ---- sorting: in-place MSD radix (American flag) sort on the (size, hash) key bytes ---- */

#define SIGDB_SORT_SMALL 24

static inline unsigned int sigdb_key_byte(const unsigned char *rec, size_t depth)
{
	if (depth < 4)
		return (sigdb_rec_size_of(rec) >> (24 - 8 * depth)) & 0xff;
	return rec[SIGDB_REC_HDR + depth - 4];
}

static int sigdb_rec_cmp(const unsigned char *a, const unsigned char *b, size_t rec_size)
{
	uint32_t sa = sigdb_rec_size_of(a), sb = sigdb_rec_size_of(b);

	if (sa != sb)
		return sa < sb ? -1 : 1;
	return memcmp(a + SIGDB_REC_HDR, b + SIGDB_REC_HDR, rec_size - SIGDB_REC_HDR);
}

/* Records are 4-aligned multiples of 4 bytes: move them as words, not with memcpy calls. */
static inline void sigdb_rec_copy(unsigned char *dst, const unsigned char *src, size_t rs)
{
	for (size_t i = 0; i < rs; i += 4) {
		uint32_t w;
		memcpy(&w, src + i, 4);
		memcpy(dst + i, &w, 4);
	}
}

static inline void sigdb_rec_swap(unsigned char *a, unsigned char *b, size_t rs)
{
	for (size_t i = 0; i < rs; i += 4) {
		uint32_t x, y;
		memcpy(&x, a + i, 4);
		memcpy(&y, b + i, 4);
		memcpy(a + i, &y, 4);
		memcpy(b + i, &x, 4);
	}
}

static void sigdb_insertion_sort(unsigned char *base, size_t n, size_t rs, unsigned char *tmp)
{
	for (size_t i = 1; i < n; i++) {
		size_t j = i;

		if (sigdb_rec_cmp(base + (i - 1) * rs, base + i * rs, rs) <= 0)
			continue;
		sigdb_rec_copy(tmp, base + i * rs, rs);
		while (j > 0 && sigdb_rec_cmp(base + (j - 1) * rs, tmp, rs) > 0) {
			sigdb_rec_copy(base + j * rs, base + (j - 1) * rs, rs);
			j--;
		}
		sigdb_rec_copy(base + j * rs, tmp, rs);
	}
}

static void sigdb_radix_sort(unsigned char *base, size_t n, size_t rs, size_t depth, size_t key_len,
                             unsigned char *tmp)
{
	size_t count[256] = {0}, start[256], next[256];

	if (n <= SIGDB_SORT_SMALL || depth >= key_len) {
		if (depth < key_len)
			sigdb_insertion_sort(base, n, rs, tmp);
		return;
	}
	for (size_t i = 0; i < n; i++)
		count[sigdb_key_byte(base + i * rs, depth)]++;
	/* one bucket holds them all (the high bytes of sizes): nothing to move at this depth */
	if (count[sigdb_key_byte(base, depth)] == n)
		return sigdb_radix_sort(base, n, rs, depth + 1, key_len, tmp);
	start[0] = 0;
	for (int b = 1; b < 256; b++)
		start[b] = start[b - 1] + count[b - 1];
	memcpy(next, start, sizeof(next));
	/* cycle each misplaced record to the next free slot of its bucket */
	for (int b = 0; b < 256; b++) {
		size_t end = start[b] + count[b];

		while (next[b] < end) {
			unsigned char *slot = base + next[b] * rs;
			unsigned int kb = sigdb_key_byte(slot, depth);

			if ((int)kb == b) {
				next[b]++;
				continue;
			}
			/* swap slot with the next free place of bucket kb */
			sigdb_rec_swap(slot, base + next[kb] * rs, rs);
			next[kb]++;
		}
	}
	for (int b = 0; b < 256; b++) {
		if (count[b] > 1)
			sigdb_radix_sort(base + start[b] * rs, count[b], rs, depth + 1, key_len,
			                 tmp);
	}
}

void sigdb_table_sort(struct sigdb_table *table)
{
	unsigned char tmp[SIGDB_REC_HDR + DIGEST_MAX_LEN] __attribute__((aligned(4)));
	size_t key_len = 4 + table->rec_size - SIGDB_REC_HDR;
	size_t i;

	sigdb_radix_sort(table->recs, table->count, table->rec_size, 0, key_len, tmp);
	table->star = 0;
	for (i = table->count; i > 0; i--) {
		if (sigdb_rec_size_of(table->recs + (i - 1) * table->rec_size) != SIGDB_STAR)
			break;
		table->star++;
	}
}
