/*
 * partscan hunt: ask the part-hash index whether mail carried a hash, when and to whom.
 *
 *   partscan hunt [-c CONF | --index URL] [--since WHEN] [--until WHEN] [--json] HASH[:SIZE]...
 *   partscan hunt [...] --signatures FILE...   (every whole-part signature of the files:
 *                                               cmd_hunt_sigs.c)
 *
 * HASH is MD5, SHA-1 or SHA-256 hex (the length says which); :SIZE narrows to parts of that
 * many bytes. WHEN is an ISO date or time (2026-12-01, 2026-12-01T10:00:00Z) or a duration
 * back from now (90s, 30m, 12h, 7d, 2w). One line (or, with --json, one JSON object) per part
 * found, oldest first. Exit status: 0 nothing found, 1 found, 2 error. The index is opened
 * without a writer: the command only reads.
 */

#include "cli/cli.h"
#include "conf/conf.h"
#include "engine/json.h"
#include "index/index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* WHEN -> seconds since the epoch; -1 when it is neither a date nor a duration. */
static int64_t hunt_parse_when(const char *s, int64_t now)
{
	char *end = NULL;
	guint64 n = g_ascii_strtoull(s, &end, 10);

	if (end != s && end != NULL && end[0] != '\0' && end[1] == '\0' && n < (1ull << 32)) {
		static const char units[] = "smhdw";
		static const int64_t secs[] = {1, 60, 3600, 86400, 7 * 86400};
		const char *u = strchr(units, end[0]);
		if (u != NULL)
			return now - (int64_t)n * secs[u - units];
	}
	GTimeZone *utc = g_time_zone_new_utc();
	char *iso = strchr(s, 'T') != NULL ? g_strdup(s) : g_strdup_printf("%sT00:00:00Z", s);
	GDateTime *dt = g_date_time_new_from_iso8601(iso, utc);
	int64_t t = dt != NULL ? g_date_time_to_unix(dt) : -1;
	if (dt != NULL)
		g_date_time_unref(dt);
	g_free(iso);
	g_time_zone_unref(utc);
	return t;
}

/* HASH[:SIZE] -> a query; false when it is not one. */
static bool hunt_parse_hash(const char *arg, struct index_query *q)
{
	const char *colon = strchr(arg, ':');
	size_t len = colon != NULL ? (size_t)(colon - arg) : strlen(arg);
	enum digest_type t;

	if (digest_type_from_hexlen(len, &t) < 0 || digest_unhex(arg, digest_len(t), q->hash) < 0)
		return false;
	q->type = t;
	q->size = INDEX_ANY_SIZE;
	if (colon != NULL) {
		guint64 size;
		/* digits only (strtoull takes "-5" as 2^64 - 5); too large is an error, not "any" */
		if (!g_ascii_isdigit(colon[1]) ||
		    !g_ascii_string_to_unsigned(colon + 1, 10, 0, INT64_MAX, &size, NULL))
			return false;
		q->size = size;
	}
	return true;
}

struct hunt_ctx {
	bool json;
	uint64_t found;
};

static void hunt_time(int64_t t, char *buf, size_t size)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(t);
	char *s = dt != NULL ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;

	g_strlcpy(buf, s != NULL ? s : "?", size);
	g_free(s);
	if (dt != NULL)
		g_date_time_unref(dt);
}

void cli_hunt_json_part(struct json *j, const struct index_found *f, const char *when)
{
	char hex[DIGEST_MAX_HEX];

	json_string(j, "time", when);
	json_int(j, "unix_time", f->time);
	json_string(j, "queue_id", f->queue_id);
	json_string(j, "message_id", f->message_id);
	json_string(j, "client", f->client);
	json_string(j, "sender", f->sender);
	json_begin_array(j, "recipients");
	for (const char *const *r = f->rcpts; r != NULL && *r != NULL; r++)
		json_string(j, NULL, *r);
	json_end_array(j);
	json_string(j, "path", f->path);
	json_string(j, "name", f->name);
	json_string(j, "type", f->type);
	json_uint(j, "size", f->size);
	json_string(j, "verdict", f->verdict);
	json_string(j, "action", f->action);
	for (int t = 0; f->digests != NULL && t < DIGEST__COUNT; t++) {
		if (f->digests->mask & DIGEST_BIT(t))
			json_string(j, digest_name((enum digest_type)t),
			            digest_hex(digest_get(f->digests, (enum digest_type)t),
			                       digest_len((enum digest_type)t), hex));
	}
}

static void hunt_json(const struct index_found *f, const char *when)
{
	GString *out = g_string_new(NULL);
	struct json j;

	json_init(&j, out);
	json_begin_object(&j, NULL);
	cli_hunt_json_part(&j, f, when);
	json_end_object(&j);
	puts(out->str);
	g_string_free(out, TRUE);
}

static int hunt_found(void *ctx, const struct index_found *f)
{
	struct hunt_ctx *h = ctx;
	char when[32];

	h->found++;
	hunt_time(f->time, when, sizeof(when));
	if (h->json) {
		hunt_json(f, when);
		return 0;
	}
	char *joined = g_strjoinv(",", (char **)f->rcpts);
	/* tab-separated: time, queue id, Message-ID, sender, recipients, path, name, verdict;
	   what came with the mail escaped (cli_printable) */
	char *v[8] = {cli_printable(f->queue_id), cli_printable(f->message_id),
	              cli_printable(f->sender),   cli_printable(joined),
	              cli_printable(f->path),     cli_printable(f->name),
	              cli_printable(f->verdict),  cli_printable(f->action)};
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s/%s\n", when, v[0], v[1], v[2], v[3], v[4], v[5],
	       v[6], v[7]);
	for (size_t i = 0; i < G_N_ELEMENTS(v); i++)
		g_free(v[i]);
	g_free(joined);
	return 0;
}

/*
 * Look the queries up and print what is found. The hashes of a signature file (any loadable
 * format) can be fed here the same way as those of the command line.
 */
static int hunt_run(const char *url, const struct index_query *qs, size_t n, int64_t since,
                    int64_t until, bool json)
{
	struct index_options o = {.url = url};
	struct hunt_ctx h = {.json = json};
	struct index *idx = NULL;
	GError *err = NULL;
	int ret = CLI_EXIT_ERROR;

	if (index_open(&o, &idx, &err) < 0) {
		cli_error("hunt: %s", err->message);
		g_error_free(err);
		return CLI_EXIT_ERROR;
	}
	if (index_find(idx, qs, n, since, until, hunt_found, &h, &err) < 0) {
		cli_error("hunt: %s", err->message);
		g_error_free(err);
	} else {
		ret = h.found > 0 ? CLI_EXIT_FOUND : CLI_EXIT_CLEAN;
	}
	index_close(&idx);
	return ret;
}

/* --signatures: the files' signatures, through cli_hunt_signatures (cmd_hunt_sigs.c). */
static int hunt_signatures(const char *url, int n, char **files, int64_t since, int64_t until,
                           bool json)
{
	struct index_options o = {.url = url};
	char **list = g_new0(char *, (size_t)n + 1);
	struct index *idx = NULL;
	GError *err = NULL;
	int ret;

	for (int i = 0; i < n; i++)
		list[i] = files[i];
	if (index_open(&o, &idx, &err) < 0) {
		cli_error("hunt: %s", err->message);
		g_error_free(err);
		g_free(list);
		return CLI_EXIT_ERROR;
	}
	ret = cli_hunt_signatures(idx, list, json, since, until);
	index_close(&idx);
	g_free(list);
	return ret;
}

/*
 * The password of --index URL out of the command line every user sees (ps, /proc/PID/cmdline):
 * overwritten in the arguments as given, now that the option holds its own copy. It is still
 * in the shell's history: ~/.pgpass, PGPASSWORD or -c CONF keep it off the command line.
 */
static void hunt_hide_password(int argc, char **given)
{
	for (int i = 1; i < argc; i++) {
		if (g_str_has_prefix(given[i], "--index="))
			index_url_scrub(given[i] + strlen("--index="));
		else if (strcmp(given[i - 1], "--index") == 0)
			index_url_scrub(given[i]);
	}
}

int cli_cmd_hunt(int argc, char **argv)
{
	char *conf_path = NULL, *url = NULL, *since_s = NULL, *until_s = NULL;
	gboolean json = FALSE, sigs = FALSE;
	GOptionEntry entries[] = {
	        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &conf_path,
	         "the index of this configuration's [index] url", "CONF"},
	        {"index", 0, 0, G_OPTION_ARG_STRING, &url,
	         "the index itself (a SQLite path or URI)", "URL"},
	        {"since", 0, 0, G_OPTION_ARG_STRING, &since_s,
	         "messages from then on (ISO date/time, or 7d, 12h ... ago)", "WHEN"},
	        {"until", 0, 0, G_OPTION_ARG_STRING, &until_s, "messages before then", "WHEN"},
	        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "one JSON object per part found", NULL},
	        {"signatures", 0, 0, G_OPTION_ARG_NONE, &sigs,
	         "the arguments are signature files (any format partscan loads): hunt every "
	         "whole-part signature in them",
	         NULL},
	        {NULL}};
	GOptionContext *ctx = g_option_context_new(
	        "HASH[:SIZE]... | --signatures FILE... - find delivered parts by hash");
	int64_t now = g_get_real_time() / G_USEC_PER_SEC, since = 0, until = 0;
	struct conf *conf = NULL;
	int ret = CLI_EXIT_ERROR;

	char **given = g_memdup2(argv, sizeof(*argv) * (size_t)argc);
	int nargs = argc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cli_parse(ctx, &argc, &argv)) {
		g_option_context_free(ctx);
		g_free(given);
		return CLI_EXIT_ERROR;
	}
	g_option_context_free(ctx);
	hunt_hide_password(nargs, given);
	g_free(given);
	for (int k = 0; k < 2; k++) {
		const char *s = k == 0 ? since_s : until_s;
		int64_t *t = k == 0 ? &since : &until;

		if (s != NULL && (*t = hunt_parse_when(s, now)) < 0) {
			cli_error("hunt: %s: not a date (2026-12-01, 2026-12-01T10:00:00Z) nor a "
			          "duration (7d, 12h, 30m, 90s, 2w)",
			          s);
			goto out;
		}
	}
	if (since != 0 && until != 0 && since >= until) {
		cli_error("hunt: --since %s is not before --until %s: nothing is after --until and "
		          "before it",
		          since_s, until_s);
		goto out;
	}
	if (argc < 2) {
		cli_error(sigs ? "hunt: --signatures: no file given"
		               : "hunt: no hash given (MD5, SHA-1 or SHA-256 hex)");
		goto out;
	}
	if (url == NULL) {
		if (cli_load_conf(conf_path, &conf) < 0)
			goto out;
		if (conf->index_url == NULL) {
			cli_error(
			        "hunt: no index: [index] url is not set in %s (or use --index URL)",
			        conf->path != NULL ? conf->path : "the built-in defaults");
			goto out;
		}
	}
	if (sigs) {
		ret = hunt_signatures(url != NULL ? url : conf->index_url, argc - 1, argv + 1,
		                      since, until, json);
		goto out;
	}
	struct index_query *qs = g_new0(struct index_query, argc - 1);
	for (int i = 1; i < argc; i++) {
		if (!hunt_parse_hash(argv[i], &qs[i - 1])) {
			cli_error("hunt: %s: not an MD5, SHA-1 or SHA-256 hex digest (HASH or "
			          "HASH:SIZE)",
			          argv[i]);
			g_free(qs);
			goto out;
		}
	}
	ret = hunt_run(url != NULL ? url : conf->index_url, qs, (size_t)argc - 1, since, until,
	               json);
	g_free(qs);
out:
	conf_free(&conf);
	g_free(conf_path);
	g_free(url);
	g_free(since_s);
	g_free(until_s);
	return ret;
}
