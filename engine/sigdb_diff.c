/*
 * sigdb_diff: walk the signatures of a database, and the detections one generation has that
 * the previous one has not (the retro-hunt's input).
 *
 * Both databases keep each (target, digest type) table sorted by (size, hash), `*` last, so
 * the difference is one merge-like pass over the two tables: no lookups, no allocation, no
 * name read except for the signatures reported. Records of one key (a hash under two names, a
 * detection beside its allow-list entry) form a group, compared group to group. What is
 * compared is what decides a verdict: (target, digest type, size, hash, kind); a signature
 * renamed (ClamAV bumps revisions: -0 becomes -1) matched the same parts before and is not
 * new. Thread safe: the databases are immutable.
 */

#include "engine/sigdb_private.h"

static enum sigdb_kind sigdb_rec_kind(const struct sigdb *db, const unsigned char *rec)
{
	const struct sigdb_source *src = sigdb_source_of_name(db, sigdb_rec_name_of(rec));

	return src != NULL ? sigdb_format_kind(src->format) : SIGDB_DETECT;
}

static void sigdb_fill_sig(const struct sigdb *db, int t, const unsigned char *rec,
                           enum sigdb_kind kind, struct sigdb_sig *sig)
{
	uint32_t off = sigdb_rec_name_of(rec);
	uint32_t size = sigdb_rec_size_of(rec);

	sig->name = sigdb_name_at(db, off);
	sig->kind = kind;
	sig->type = SIGDB_TABLE_TYPE(t);
	sig->target = (enum sigdb_target)(t / DIGEST__COUNT);
	sig->hash = rec + SIGDB_REC_HDR;
	sig->size = size == SIGDB_STAR ? SIGDB_SIZE_ANY : size;
	sig->source = sigdb_source_of_name(db, off);
}

int sigdb_foreach(const struct sigdb *db, sigdb_sig_cb cb, void *ctx)
{
	for (int t = 0; t < SIGDB_N_TABLES; t++) {
		const struct sigdb_table *table = &db->tables[t];

		for (size_t i = 0; i < table->count; i++) {
			const unsigned char *rec = table->recs + i * table->rec_size;
			struct sigdb_sig sig;
			int r;

			sigdb_fill_sig(db, t, rec, sigdb_rec_kind(db, rec), &sig);
			r = cb(ctx, &sig);
			if (r != 0)
				return r;
		}
	}
	return 0;
}

/* ---- the walk ---- */

static int sigdb_key_cmp(const unsigned char *a, const unsigned char *b, size_t rec_size)
{
	uint32_t sa = sigdb_rec_size_of(a), sb = sigdb_rec_size_of(b);

	if (sa != sb)
		return sa < sb ? -1 : 1;
	return memcmp(a + SIGDB_REC_HDR, b + SIGDB_REC_HDR, rec_size - SIGDB_REC_HDR);
}

/* One table of one database, with what the walk needs to know about its allow list. */
struct sigdb_side {
	const struct sigdb *db;
	const struct sigdb_table *table;
	int t;           /* its index */
	bool star_allow; /* some `*` record of this table is an allow-list entry */
	bool any_allow;  /* the database has allow-list entries at all */
	int only_kind;   /* the kind of every signature of the database, or -1: mixed */
};

/* The kind of a record: the common case (one kind in the whole database) without a search. */
static enum sigdb_kind sigdb_side_kind(const struct sigdb_side *s, const unsigned char *rec)
{
	return s->only_kind >= 0 ? (enum sigdb_kind)s->only_kind : sigdb_rec_kind(s->db, rec);
}

static void sigdb_side_init(struct sigdb_side *s, const struct sigdb *db, int t)
{
	static const struct sigdb_table empty;

	s->db = db;
	s->table = db != NULL ? &db->tables[t] : &empty;
	s->t = t;
	s->star_allow = false;
	s->any_allow = false;
	s->only_kind = -1;
	for (size_t i = 0; db != NULL && i < db->n_sources; i++) {
		const struct sigdb_source *src = &db->sources[i];
		int kind = (int)sigdb_format_kind(src->format);
		bool has = false;

		for (int d = 0; d < DIGEST__COUNT; d++)
			has = has || src->counts[kind][d] > 0;
		if (!has && src->pool_begin == src->pool_end)
			continue;
		s->any_allow = s->any_allow || kind == SIGDB_ALLOW;
		if (s->only_kind == -1)
			s->only_kind = kind;
		else if (s->only_kind != kind)
			s->only_kind = -2;
	}
	if (s->only_kind < 0)
		s->only_kind = -1;
	for (size_t i = s->table->count - s->table->star; db != NULL && i < s->table->count; i++) {
		if (sigdb_rec_kind(db, s->table->recs + i * s->table->rec_size) == SIGDB_ALLOW) {
			s->star_allow = true;
			break;
		}
	}
}

static const unsigned char *sigdb_side_rec(const struct sigdb_side *s, size_t i)
{
	return s->table->recs + i * s->table->rec_size;
}

/* The end of the group of records with the key of record i. */
static size_t sigdb_group_end(const struct sigdb_side *s, size_t i)
{
	size_t rs = s->table->rec_size, end = i + 1;

	while (end < s->table->count &&
	       sigdb_key_cmp(sigdb_side_rec(s, i), sigdb_side_rec(s, end), rs) == 0)
		end++;
	return end;
}

static bool sigdb_group_has_allow(const struct sigdb_side *s, size_t begin, size_t end)
{
	if (!s->any_allow)
		return false;
	for (size_t i = begin; i < end; i++) {
		if (sigdb_rec_kind(s->db, sigdb_side_rec(s, i)) == SIGDB_ALLOW)
			return true;
	}
	return false;
}

/* Does a `*` allow-list entry hold this hash? (A binary search of the `*` records.) */
static bool sigdb_star_allows(const struct sigdb_side *s, const unsigned char *hash)
{
	const struct sigdb_table *t = s->table;
	size_t hlen = t->rec_size - SIGDB_REC_HDR, lo = t->count - t->star, hi = t->count;

	if (!s->star_allow)
		return false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(sigdb_side_rec(s, mid) + SIGDB_REC_HDR, hash, hlen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < t->count; lo++) {
		const unsigned char *rec = sigdb_side_rec(s, lo);

		if (memcmp(rec + SIGDB_REC_HDR, hash, hlen) != 0)
			break;
		if (sigdb_rec_kind(s->db, rec) == SIGDB_ALLOW)
			return true;
	}
	return false;
}

/*
 * Is the key of the group [begin, end) allow-listed, exactly, by a `*` entry, or by a SHA-1 /
 * SHA-256 entry of size 1 (which matches any size: see sigdb_table.allow_one)?
 */
static bool sigdb_group_allowed(const struct sigdb_side *s, size_t begin, size_t end)
{
	const unsigned char *rec;

	if (begin == end)
		return false;
	if (sigdb_group_has_allow(s, begin, end))
		return true;
	rec = sigdb_side_rec(s, begin);
	if (sigdb_rec_size_of(rec) != SIGDB_STAR && sigdb_star_allows(s, rec + SIGDB_REC_HDR))
		return true;
	return s->db != NULL && sigdb_allow_one_holds(s->db, s->t, rec + SIGDB_REC_HDR);
}

/* Does the old group [begin, end) hold a signature of this kind? */
static bool sigdb_group_holds(const struct sigdb_side *old, size_t begin, size_t end,
                              enum sigdb_kind kind)
{
	for (size_t j = begin; j < end; j++) {
		if (sigdb_side_kind(old, sigdb_side_rec(old, j)) == kind)
			return true;
	}
	return false;
}

/* The new detections of one group of new ([i, i2)) against old's group of that key. */
static int sigdb_diff_group(const struct sigdb_side *old, size_t j, size_t j2,
                            const struct sigdb_side *nw, size_t i, size_t i2, int t,
                            sigdb_sig_cb cb, void *ctx)
{
	int old_allowed = -1; /* computed when first needed */

	if (sigdb_group_allowed(nw, i, i2))
		return 0;
	for (size_t k = i; k < i2; k++) {
		const unsigned char *rec = sigdb_side_rec(nw, k);
		enum sigdb_kind kind = sigdb_side_kind(nw, rec);
		struct sigdb_sig sig;
		int r;

		if (kind == SIGDB_ALLOW)
			continue;
		if (j < j2 && sigdb_group_holds(old, j, j2, kind)) {
			if (old_allowed < 0)
				old_allowed = sigdb_group_allowed(old, j, j2);
			if (!old_allowed)
				continue; /* old had it, in force */
		}
		sigdb_fill_sig(nw->db, t, rec, kind, &sig);
		r = cb(ctx, &sig);
		if (r != 0)
			return r;
	}
	return 0;
}

static int sigdb_diff_table(const struct sigdb *old_db, const struct sigdb *new_db, int t,
                            sigdb_sig_cb cb, void *ctx)
{
	struct sigdb_side old, nw;
	size_t i = 0, j = 0, rs = new_db->tables[t].rec_size;

	sigdb_side_init(&old, old_db, t);
	sigdb_side_init(&nw, new_db, t);
	while (i < nw.table->count) {
		const unsigned char *key = sigdb_side_rec(&nw, i);
		size_t i2 = sigdb_group_end(&nw, i), j2;
		int c = 1, r;

		while (j < old.table->count &&
		       (c = sigdb_key_cmp(sigdb_side_rec(&old, j), key, rs)) < 0)
			j++;
		if (j >= old.table->count)
			c = 1;
		j2 = c == 0 ? sigdb_group_end(&old, j) : j;
		r = sigdb_diff_group(&old, j, j2, &nw, i, i2, t, cb, ctx);
		if (r != 0)
			return r;
		i = i2;
		j = j2;
	}
	return 0;
}

int sigdb_diff(const struct sigdb *old, const struct sigdb *new_db, sigdb_sig_cb cb, void *ctx)
{
	for (int t = 0; t < SIGDB_N_TABLES; t++) {
		int r = sigdb_diff_table(old, new_db, t, cb, ctx);

		if (r != 0)
			return r;
	}
	return 0;
}
