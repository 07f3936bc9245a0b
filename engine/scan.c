/*
 * scan: type -> digests -> lookups -> findings for one buffer.
 *
 * With a cache, and when this size needs more than SHA-256, SHA-256 is computed first and the
 * cache consulted: a hit skips the other digests (MD5 is the slowest of the three). Otherwise
 * every digest needed is computed in one pass. Typing reads a bounded prefix, so a part whose
 * size no signature has costs no pass over its bytes at all. Thread safe.
 */

#include "engine/scan.h"

#include <string.h>

#define SCAN_LOOKUP_MAX 16

static void scan_record(struct scan_result *r, const struct sigdb_match *m)
{
	struct scan_finding f = {m->name, m->kind, m->type, m->source};

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

static void scan_lookups(const struct sigdb *db, struct scan_result *r)
{
	struct sigdb_match m[SCAN_LOOKUP_MAX];

	for (int t = 0; t < DIGEST__COUNT; t++) {
		size_t n;

		if (!(r->digests.mask & DIGEST_BIT(t)))
			continue;
		n = sigdb_lookup(db, (enum digest_type)t, digest_get(&r->digests, t), r->size, m,
		                 SCAN_LOOKUP_MAX);
		for (size_t i = 0; i < n && i < SCAN_LOOKUP_MAX; i++)
			scan_record(r, &m[i]);
		if (n > SCAN_LOOKUP_MAX)
			r->n_more += (unsigned int)(n - SCAN_LOOKUP_MAX);
	}
}

static int scan_hash(const unsigned char *data, size_t size, unsigned int mask,
                     struct digest_set *set, GError **error)
{
	struct digest_set more;

	mask &= ~set->mask;
	if (mask == 0)
		return 0;
	if (digest_compute(data, size, mask, &more) < 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "digest computation failed");
		return -1;
	}
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
	unsigned int need;
	struct cache_key key;
	GBytes *hit;

	if (opts == NULL)
		opts = &defaults;
	memset(r, 0, sizeof(*r));
	r->size = size;
	ftype_detect(data, size, &r->type);
	need = sigdb_digests_for_size(db, size) | opts->want;

	if (opts->cache == NULL || (need & ~DIGEST_BIT(DIGEST_SHA256)) == 0) {
		if (scan_hash(data, size, need, &r->digests, error) < 0)
			return -1;
		scan_lookups(db, r);
		return 0;
	}

	if (scan_hash(data, size, DIGEST_BIT(DIGEST_SHA256), &r->digests, error) < 0)
		return -1;
	memcpy(key.sha256, r->digests.sha256, sizeof(key.sha256));
	key.size = size;
	key.generation = sigdb_generation(db);
	hit = cache_get(opts->cache, &key);
	if (hit != NULL && g_bytes_get_size(hit) == sizeof(*r)) {
		struct ftype_info type = r->type;

		memcpy(r, g_bytes_get_data(hit, NULL), sizeof(*r));
		r->type = type;
		r->cached = true;
		g_bytes_unref(hit);
		return 0;
	}
	if (hit != NULL)
		g_bytes_unref(hit);
	if (scan_hash(data, size, need, &r->digests, error) < 0)
		return -1;
	scan_lookups(db, r);
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
}
