/*
 * scan_report: one scanned target -> output lines or one JSON object, and the counters of the
 * summary.
 */

#include "cli/scan_report.h"
#include "engine/json.h"

#include <stdio.h>

static void report_finding_json(struct json *j, const char *key, const struct scan_finding *f)
{
	json_begin_object(j, key);
	json_string(j, "name", f->name);
	json_string(j, "kind", sigdb_kind_name(f->kind));
	json_string(j, "hash", digest_name(f->type));
	json_string(j, "db", f->source != NULL ? f->source->name : NULL);
	json_end_object(j);
}

/* "dll,dotnet" -> ["dll","dotnet"] */
static void report_flags_json(struct json *j, const char *flags)
{
	char **names = g_strsplit(flags, ",", -1);

	json_begin_array(j, "flags");
	for (size_t i = 0; names[i] != NULL; i++) {
		if (names[i][0] != '\0')
			json_string(j, NULL, names[i]);
	}
	json_end_array(j);
	g_strfreev(names);
}

static void report_digests_json(struct json *j, const struct digest_set *d)
{
	for (int t = 0; t < DIGEST__COUNT; t++) {
		char hex[DIGEST_MAX_HEX];

		if (d->mask & DIGEST_BIT(t))
			json_string(j, digest_name(t),
			            digest_hex(digest_get(d, t), digest_len(t), hex));
	}
}

static void report_json(const char *name, const struct scan_result *r)
{
	GString *out = g_string_new(NULL);
	char flags[128];
	struct json j;
	char *base = g_path_get_basename(name);

	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_string(&j, "path", name);
	json_string(&j, "result", scan_result_infected(r) ? "infected" : "clean");
	json_uint(&j, "size", r->size);
	json_string(&j, "type", ftype_name(r->type.type));
	json_string(&j, "family", ftype_family_name(ftype_family(r->type.type)));
	report_flags_json(&j, ftype_flags_string(r->type.flags, flags, sizeof(flags)));
	json_bool(&j, "extension_mismatch", ftype_ext_mismatch(base, &r->type));
	report_digests_json(&j, &r->digests);
	json_begin_array(&j, "findings");
	for (unsigned int i = 0; i < r->n_findings; i++)
		report_finding_json(&j, NULL, &r->findings[i]);
	json_end_array(&j);
	if (r->n_more > 0)
		json_uint(&j, "more_findings", r->n_more);
	if (r->allowlisted)
		report_finding_json(&j, "allowlisted", &r->allow);
	else
		json_null(&j, "allowlisted");
	json_end_object(&j);
	puts(out->str);
	g_string_free(out, TRUE);
	g_free(base);
}

void scan_report_target(struct scan_ctx *ctx, const char *name, const struct fmap *map)
{
	struct scan_result r;
	GError *error = NULL;

	if (scan_bytes(ctx->db, map->data, map->size, &ctx->opts, &r, &error) < 0) {
		ctx->errors++;
		printf("%s: ERROR %s\n", name, error->message);
		g_error_free(error);
		return;
	}
	ctx->files++;
	ctx->bytes += map->size;
	if (scan_result_infected(&r))
		ctx->infected++;
	if (ctx->json) {
		report_json(name, &r);
		return;
	}
	if (scan_result_infected(&r)) {
		for (unsigned int i = 0; i < r.n_findings; i++)
			printf("%s: %s FOUND\n", name, r.findings[i].name);
	} else if (!ctx->infected_only) {
		printf("%s: OK\n", name);
	}
}
