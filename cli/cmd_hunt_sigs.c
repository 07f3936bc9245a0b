/*
 * partscan hunt --signatures FILE...: which delivered parts do these signatures match?
 *
 * The files are loaded as the milter loads signatures (any format: ClamAV hash databases,
 * containers, plain lists, snapshots; PUA files included, since they were named); every
 * whole-part detection becomes an index query (PE section and import signatures cannot be:
 * the index keeps the digests of whole parts, and saying so is better than a silent nothing).
 * A part an allow-list entry of the files holds is left out, as at scan time. Queries only:
 * nothing is recorded in the index.
 */

#include "cli/cli.h"
#include "engine/json.h"
#include "index/index.h"

#include <stdio.h>
#include <string.h>

struct hunt_sig {
	char *name;
	char *source;
	enum sigdb_kind kind;
	enum digest_type type;
};

struct hunt_ctx {
	const struct sigdb *db;
	GArray *queries; /* struct index_query */
	GArray *sigs;    /* struct hunt_sig */
	uint64_t other, found, allowed;
	bool json;
};

static void hunt_sig_clear(gpointer p)
{
	struct hunt_sig *s = p;

	g_free(s->name);
	g_free(s->source);
}

static int hunt_collect(void *ctx, const struct sigdb_sig *sig)
{
	struct hunt_ctx *c = ctx;
	struct index_query q = {.type = sig->type};
	struct hunt_sig s = {.kind = sig->kind, .type = sig->type};

	if (sig->kind == SIGDB_ALLOW)
		return 0;
	if (sig->target != SIGDB_TARGET_FILE) {
		c->other++;
		return 0;
	}
	memcpy(q.hash, sig->hash, digest_len(sig->type));
	q.size = sig->size == SIGDB_SIZE_ANY ? INDEX_ANY_SIZE : sig->size;
	s.name = g_strdup(sig->name);
	s.source = g_strdup(sig->source != NULL ? sig->source->name : NULL);
	g_array_append_val(c->queries, q);
	g_array_append_val(c->sigs, s);
	return 0;
}

static char *hunt_time(int64_t t)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(t);
	char *s = dt != NULL ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("?");

	if (dt != NULL)
		g_date_time_unref(dt);
	return s;
}

/* As `partscan hunt HASH --json` prints a part, with the signature that found it. */
static void hunt_print_json(const struct index_found *f, const struct hunt_sig *s)
{
	GString *out = g_string_new(NULL);
	char *when = hunt_time(f->time);
	struct json j;

	json_init(&j, out);
	json_begin_object(&j, NULL);
	cli_hunt_json_part(&j, f, when);
	json_begin_object(&j, "signature");
	json_string(&j, "name", s->name);
	json_string(&j, "kind", sigdb_kind_name(s->kind));
	json_string(&j, "digest", digest_name(s->type));
	json_string(&j, "source", s->source);
	json_end_object(&j);
	json_end_object(&j);
	puts(out->str);
	g_string_free(out, TRUE);
	g_free(when);
}

/* As `partscan hunt HASH` prints a part (tab-separated), then the signature's name. */
static void hunt_print_plain(const struct index_found *f, const struct hunt_sig *s)
{
	char *when = hunt_time(f->time);
	char *rcpts = f->rcpts != NULL ? g_strjoinv(",", (char **)f->rcpts) : g_strdup("");
	/* what came with the mail escaped (cli_printable) */
	char *v[9] = {
	        cli_printable(f->queue_id), cli_printable(f->message_id), cli_printable(f->sender),
	        cli_printable(rcpts),       cli_printable(f->path),       cli_printable(f->name),
	        cli_printable(f->verdict),  cli_printable(f->action),     cli_printable(s->name)};

	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s/%s\t%s\n", when, v[0], v[1], v[2], v[3], v[4], v[5],
	       v[6], v[7], v[8]);
	for (size_t i = 0; i < G_N_ELEMENTS(v); i++)
		g_free(v[i]);
	g_free(rcpts);
	g_free(when);
}

static int hunt_found(void *ctx, const struct index_found *f)
{
	struct hunt_ctx *c = ctx;
	const struct hunt_sig *s = &g_array_index(c->sigs, struct hunt_sig, f->query);

	if (sigdb_allowed(c->db, f->digests, f->size)) {
		c->allowed++;
		return 0;
	}
	c->found++;
	if (c->json)
		hunt_print_json(f, s);
	else
		hunt_print_plain(f, s);
	return 0;
}

int cli_hunt_signatures(struct index *idx, char **files, bool json, int64_t since, int64_t until)
{
	struct hunt_ctx c = {.json = json};
	struct sigdb *db = NULL;
	GError *error = NULL;
	int ret = CLI_EXIT_CLEAN;

	if (files == NULL || files[0] == NULL) {
		cli_error("hunt: --signatures needs at least one file");
		return CLI_EXIT_ERROR;
	}
	if (cli_load_db(files, false, true, &db) < 0)
		return CLI_EXIT_ERROR;
	c.db = db;
	c.queries = g_array_new(FALSE, FALSE, sizeof(struct index_query));
	c.sigs = g_array_new(FALSE, FALSE, sizeof(struct hunt_sig));
	g_array_set_clear_func(c.sigs, hunt_sig_clear);
	sigdb_foreach(db, hunt_collect, &c);
	if (c.other > 0)
		cli_warn("hunt: %" G_GUINT64_FORMAT " PE section / import signatures cannot be "
		         "hunted (the index keeps the digests of whole parts)",
		         (guint64)c.other);
	if (c.queries->len > 0 &&
	    index_find(idx, (const struct index_query *)(void *)c.queries->data, c.queries->len,
	               since, until, hunt_found, &c, &error) < 0) {
		cli_error("hunt: %s", error->message);
		g_error_free(error);
		ret = CLI_EXIT_ERROR;
	} else if (c.found > 0) {
		ret = CLI_EXIT_FOUND;
	}
	if (!json)
		fprintf(stderr,
		        "partscan: hunt: %u signatures looked up, %" G_GUINT64_FORMAT
		        " parts found%s\n",
		        c.queries->len, (guint64)c.found,
		        c.allowed > 0 ? " (some left out: allow-listed)" : "");
	g_array_free(c.sigs, TRUE);
	g_array_free(c.queries, TRUE);
	sigdb_unref(&db);
	return ret;
}
