#ifndef PARTSCAN_SCAN_H
#define PARTSCAN_SCAN_H

/*
 * scan: one byte view -> its real type, the digests computed, and what matched.
 *
 * Only the digests some signature of this size (or a `*` signature) needs are computed, plus
 * those the caller always wants (SHA-256 for the log), in one pass. When PE section or import
 * signatures are loaded, a part that is a PE also has each section whose size a section
 * signature has (or every section, with a `*` one) hashed in place, and its import list
 * hashed when import signatures are loaded; a part that does not start with "MZ" costs
 * nothing more. Every match is looked up;
 * an allow-list (.fp / .sfp) match clears the part whatever else matched. A verdict is data:
 * scan_bytes() fails only when hashing itself fails (OpenSSL), never because something was
 * found. Thread safe with a shared sigdb and cache.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/cache.h"
#include "engine/digest.h"
#include "engine/json.h"
#include "engine/ftype.h"
#include "engine/sigdb.h"

#define SCAN_MAX_FINDINGS 8

struct scan_finding {
	const char *name; /* owned by the sigdb: valid while the caller holds its reference */
	enum sigdb_kind kind;
	enum digest_type type;
	const struct sigdb_source *source;
	enum sigdb_target target; /* what was hashed: the part, a PE section, a PE's imports */
	int section;              /* pe-section: index in the section table (0-based); else -1 */
	uint32_t size;            /* pe targets: bytes hashed (section, import list) */
	unsigned char hash[DIGEST_MAX_LEN]; /* pe targets: the digest that matched */
};

struct scan_options {
	unsigned int want;   /* DIGEST_BIT()s computed whether or not a signature needs them */
	struct cache *cache; /* optional verdict cache (used when it can save hashing) */
	/* digests already computed over these very bytes (as they were decoded), of those in
	   want: not computed again; NULL or mask 0: none */
	const struct digest_set *pre;
};

struct scan_result {
	uint64_t size;
	struct ftype_info type;
	struct digest_set digests; /* digests.mask: the ones computed */
	unsigned int n_findings;   /* detection and PUA matches stored below */
	unsigned int n_more;       /* matches beyond SCAN_MAX_FINDINGS, not stored */
	struct scan_finding findings[SCAN_MAX_FINDINGS];
	bool allowlisted; /* an allow-list entry matched: findings do not count */
	struct scan_finding allow;
	bool cached; /* the verdict came from the cache */
	/*
	 * PE analysis, done only when section (.mdb .msb) or import (.imp) signatures are loaded
	 * and the part starts with "MZ": pe is set for a PE; pe_error says why its headers or
	 * import table could not be read (the whole-part lookups are done all the same).
	 */
	bool pe;
	unsigned int pe_sections;        /* sections in the table */
	unsigned int pe_sections_hashed; /* sections whose size some signature has */
	bool pe_imports_hashed;          /* the import list was hashed */
	const char *pe_error;            /* static string, or NULL */
};

/*
 * Scan one buffer against db. Returns 0 with result_r filled, or -1 with error set when the
 * digests could not be computed (the part is then unscanned, not clean).
 */
int scan_bytes(const struct sigdb *db, const unsigned char *data, size_t size,
               const struct scan_options *opts, struct scan_result *result_r, GError **error);

/* true when a detection (or enabled PUA) signature matched and no allow entry cleared it. */
bool scan_result_infected(const struct scan_result *result);

/*
 * The result as JSON members of the object the caller has open: "type", "family",
 * "type_flags", each digest computed ("md5", "sha1", "sha256"), "findings" (name, kind, hash,
 * db, target; for pe targets also section, size, digest), "more_findings" (when some were not
 * stored), "allowlisted" (the entry, or null), and "pe" (sections, sections_hashed,
 * imports_hashed, error) when the part was read as a PE.
 */
void scan_result_json(const struct scan_result *result, struct json *j);

/* The name to report for an infected result ("Sig.Name", the first finding). */
const char *scan_result_name(const struct scan_result *result);

#endif
