/*
 * scan: type -> digests -> lookups -> findings for one buffer.
 *
 * With a cache, and when this size needs more than SHA-256, SHA-256 is computed first and the
 * cache consulted: a hit skips the other digests (MD5 is the slowest of the three). Otherwise
 * every digest needed is computed in one pass; so too when the caller wants more than SHA-256
 * whatever the signatures say (the index's MD5 and SHA-1): the cache could not spare them,
 * and a hit keeps the digests computed here. Typing reads a bounded prefix, so a part whose
 * size no signature has costs no pass over its bytes at all. PE parts (only when section or
 * import signatures are loaded): each section whose size some section signature has is
 * hashed in place (the digests it needs, one pass, no copy), the import list only when import
 * signatures are loaded. Thread safe.
 */

#include "engine/scan.h"
#include "engine/pe.h"

#include <string.h>

#define SCAN_LOOKUP_MAX 16

static void scan_record(struct scan_result *r, const struct sigdb_match *m, int section,
                        uint32_t size, const unsigned char *hash)
{
	struct scan_finding f = {m->name, m->kind, m->type, m->source, m->target, section, 0, {0}};

	if (m->target != SIGDB_TARGET_FILE) {
		f.size = size;
		memcpy(f.hash, hash, digest_len(m->type));
	}

	if (m->kind == SIGDB_ALLOW) {
		if (!r->allowlisted)
			r->allow = f;
		r->allowlisted = true;
		return;
	}
	for (unsigned int i = 0; i < r->n_findings; i++) {
		if (strcmp(r->findings[i].name, f.name) == 0)
			return; /* one name matched twice (by MD5 and SHA-256, or exact and `*`) */
	}
	if (r->n_findings < SCAN_MAX_FINDINGS)
		r->findings[r->n_findings++] = f;
	else
		r->n_more++;
}

/* Look up every digest of set in the tables of target; section: -1 unless a PE section. */
static void scan_lookups_in(const struct sigdb *db, struct scan_result *r, enum sigdb_target target,
                            const struct digest_set *set, uint64_t size, int section)
{
	struct sigdb_match m[SCAN_LOOKUP_MAX];

	for (int t = 0; t < DIGEST__COUNT; t++) {
		const unsigned char *h = digest_get(set, t);
		struct sigdb_match *all = m;
		size_t n;

		if (!(set->mask & DIGEST_BIT(t)))
			continue;
		n = sigdb_lookup_target(db, target, (enum digest_type)t, h, size, m,
		                        SCAN_LOOKUP_MAX);
		if (n > SCAN_LOOKUP_MAX) {
			/* every match, not the first few: an allow-list entry among the rest
			   clears the part (as libclamav's separate allow-list check does) */
			all = g_new(struct sigdb_match, n);
			n = MIN(n, sigdb_lookup_target(db, target, (enum digest_type)t, h, size,
			                               all, n));
		}
		for (size_t i = 0; i < n; i++)
			scan_record(r, &all[i], section, (uint32_t)size, h);
		if (all != m)
			g_free(all);
	}
}

static void scan_lookups(const struct sigdb *db, struct scan_result *r)
{
	scan_lookups_in(db, r, SIGDB_TARGET_FILE, &r->digests, r->size, -1);
}

static int scan_digest_failed(GError **error)
{
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "digest computation failed");
	return -1;
}

/* Each section whose size a section signature has: hashed in place, in one pass. */
static int scan_pe_sections(const struct sigdb *db, const unsigned char *data,
                            const struct pe_info *pe, struct scan_result *r, GError **error)
{
	for (unsigned int i = 0; i < pe->n_sections; i++) {
		const struct pe_section *s = &pe->sections[i];
		struct digest_set set;
		unsigned int mask;

		if (s->rsz == 0)
			continue;
		mask = sigdb_digests_for(db, SIGDB_TARGET_PE_SECTION, s->rsz);
		if (mask == 0)
			continue;
		if (digest_compute(data + s->raw, s->rsz, mask, &set) < 0)
			return scan_digest_failed(error);
		r->pe_sections_hashed++;
		scan_lookups_in(db, r, SIGDB_TARGET_PE_SECTION, &set, s->rsz, (int)i);
	}
	return 0;
}

static int scan_pe_imports(const struct sigdb *db, const unsigned char *data, size_t size,
                           const struct pe_info *pe, struct scan_result *r, GError **error)
{
	GString *list = g_string_new(NULL);
	struct digest_set set;
	unsigned int mask;
	int ret = 0;

	/* an empty list is hashed too (size 0), as libclamav does */
	if (pe_imports(data, size, pe, list, &r->pe_error) > 0) {
		mask = sigdb_digests_for(db, SIGDB_TARGET_PE_IMPORTS, list->len);
		if (mask != 0) {
			if (digest_compute((const unsigned char *)list->str, list->len, mask,
			                   &set) < 0) {
				ret = scan_digest_failed(error);
			} else {
				r->pe_imports_hashed = true;
				scan_lookups_in(db, r, SIGDB_TARGET_PE_IMPORTS, &set, list->len,
				                -1);
			}
		}
	}
	g_string_free(list, TRUE);
	return ret;
}

/*
 * PE section and import lookups. Costs nothing unless such signatures are loaded and the
 * part starts with "MZ"; a malformed PE is noted in pe_error and leaves the whole-part
 * lookups as they are.
 */
static int scan_pe(const struct sigdb *db, const unsigned char *data, size_t size,
                   struct scan_result *r, GError **error)
{
	bool sections = sigdb_has_target(db, SIGDB_TARGET_PE_SECTION);
	bool imports = sigdb_has_target(db, SIGDB_TARGET_PE_IMPORTS);
	struct pe_info pe;
	int rc;

	if ((!sections && !imports) || size < 2 || data[0] != 'M' || data[1] != 'Z')
		return 0;
	rc = pe_parse(data, size, &pe, &r->pe_error);
	if (rc == 0)
		return 0;
	r->pe = true;
	if (rc < 0)
		return 0;
	r->pe_sections = pe.n_sections;
	if (sections && scan_pe_sections(db, data, &pe, r, error) < 0)
		return -1;
	if (imports && scan_pe_imports(db, data, size, &pe, r, error) < 0)
		return -1;
	return 0;
}

static int scan_hash(const unsigned char *data, size_t size, unsigned int mask,
                     struct digest_set *set, GError **error)
{
	struct digest_set more;

	mask &= ~set->mask;
	if (mask == 0)
		return 0;
	if (digest_compute(data, size, mask, &more) < 0)
		return scan_digest_failed(error);
	for (int t = 0; t < DIGEST__COUNT; t++) {
		if (more.mask & DIGEST_BIT(t))
			memcpy((unsigned char *)digest_get(set, t), digest_get(&more, t),
			       digest_len(t));
	}
	set->mask |= more.mask;
	return 0;
}

int scan_bytes(const struct sigdb *db, const unsigned char *data, size_t size,
               const struct scan_options *opts, struct scan_result *r, GError **error)
{
	static const struct scan_options defaults;
	unsigned int need, first;
	struct cache_key key;
	GBytes *hit;

	if (opts == NULL)
		opts = &defaults;
	memset(r, 0, sizeof(*r));
	r->size = size;
	if (opts->pre != NULL)
		r->digests = *opts->pre;
	ftype_detect(data, size, &r->type);
	need = sigdb_digests_for_size(db, size) | opts->want;

	if (opts->cache == NULL || (need & ~DIGEST_BIT(DIGEST_SHA256)) == 0) {
		if (scan_hash(data, size, need, &r->digests, error) < 0)
			return -1;
		scan_lookups(db, r);
		return scan_pe(db, data, size, r, error);
	}

	/* wanted beyond SHA-256 whatever the cache says: all in the one pass */
	first = (opts->want & ~DIGEST_BIT(DIGEST_SHA256)) != 0 ? need | DIGEST_BIT(DIGEST_SHA256)
	                                                       : DIGEST_BIT(DIGEST_SHA256);
	if (scan_hash(data, size, first, &r->digests, error) < 0)
		return -1;
	memcpy(key.sha256, r->digests.sha256, sizeof(key.sha256));
	key.size = size;
	key.generation = sigdb_generation(db);
	hit = cache_get(opts->cache, &key);
	if (hit != NULL && g_bytes_get_size(hit) == sizeof(*r)) {
		struct ftype_info type = r->type;
		struct digest_set mine = r->digests;

		memcpy(r, g_bytes_get_data(hit, NULL), sizeof(*r));
		r->type = type;
		r->cached = true;
		/* the digests of this pass, whatever the cached result had computed */
		for (int t = 0; t < DIGEST__COUNT; t++) {
			if (mine.mask & DIGEST_BIT(t))
				memcpy((unsigned char *)digest_get(&r->digests, t),
				       digest_get(&mine, t), digest_len(t));
		}
		r->digests.mask |= mine.mask;
		g_bytes_unref(hit);
		return 0;
	}
	if (hit != NULL)
		g_bytes_unref(hit);
	if (scan_hash(data, size, need, &r->digests, error) < 0)
		return -1;
	scan_lookups(db, r);
	if (scan_pe(db, data, size, r, error) < 0)
		return -1;
	hit = g_bytes_new(r, sizeof(*r));
	cache_put(opts->cache, &key, hit);
	g_bytes_unref(hit);
	return 0;
}

bool scan_result_infected(const struct scan_result *r)
{
	return r->n_findings > 0 && !r->allowlisted;
}

const char *scan_result_name(const struct scan_result *r)
{
	return r->n_findings > 0 ? r->findings[0].name : NULL;
}

static void scan_finding_json(struct json *j, const char *key, const struct scan_finding *f)
{
	json_begin_object(j, key);
	json_string(j, "name", f->name);
	json_string(j, "kind", sigdb_kind_name(f->kind));
	json_string(j, "hash", digest_name(f->type));
	json_string(j, "db", f->source != NULL ? f->source->name : NULL);
	json_string(j, "target", sigdb_target_name(f->target));
	if (f->target != SIGDB_TARGET_FILE) {
		char hex[DIGEST_MAX_HEX];

		if (f->target == SIGDB_TARGET_PE_SECTION)
			json_uint(j, "section", (uint64_t)f->section);
		json_uint(j, "size", f->size);
		json_string(j, "digest", digest_hex(f->hash, digest_len(f->type), hex));
	}
	json_end_object(j);
}

void scan_result_json(const struct scan_result *r, struct json *j)
{
	char flags[128];
	char **names;

	json_string(j, "type", ftype_name(r->type.type));
	json_string(j, "family", ftype_family_name(ftype_family(r->type.type)));
	names = g_strsplit(ftype_flags_string(r->type.flags, flags, sizeof(flags)), ",", -1);
	json_begin_array(j, "type_flags");
	for (size_t i = 0; names[i] != NULL; i++) {
		if (names[i][0] != '\0')
			json_string(j, NULL, names[i]);
	}
	json_end_array(j);
	g_strfreev(names);
	for (int t = 0; t < DIGEST__COUNT; t++) {
		char hex[DIGEST_MAX_HEX];

		if (r->digests.mask & DIGEST_BIT(t))
			json_string(j, digest_name(t),
			            digest_hex(digest_get(&r->digests, t), digest_len(t), hex));
	}
	json_begin_array(j, "findings");
	for (unsigned int i = 0; i < r->n_findings; i++)
		scan_finding_json(j, NULL, &r->findings[i]);
	json_end_array(j);
	if (r->n_more > 0)
		json_uint(j, "more_findings", r->n_more);
	if (r->allowlisted)
		scan_finding_json(j, "allowlisted", &r->allow);
	else
		json_null(j, "allowlisted");
	if (r->pe) {
		json_begin_object(j, "pe");
		json_uint(j, "sections", r->pe_sections);
		json_uint(j, "sections_hashed", r->pe_sections_hashed);
		json_bool(j, "imports_hashed", r->pe_imports_hashed);
		if (r->pe_error != NULL)
			json_string(j, "error", r->pe_error);
		else
			json_null(j, "error");
		json_end_object(j);
	}
}
