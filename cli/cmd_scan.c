/*
 * partscan scan: files, directories (recursively, symlinked directories not followed) and
 * standard input, with the engine the milter uses. Messages and mailboxes (recognised by their
 * bytes, or --mbox) are scanned part by part with the milter's message pipeline.
 *
 * Output: "PATH: NAME FOUND" per finding ("PATH[PART NAME]: ..." inside a message,
 * "PATH[zip:MEMBER]: ..." inside an archive), "PATH: OK",
 * "PATH: ERROR reason", "PATH[PART NAME]: UNSCANNABLE reason"; a summary unless --no-summary.
 * With --json one object per file or message and a final {"summary": ...} object, each on its
 * own line. Exit: 0 clean, 1 found, 2 error (an error wins: the scan was incomplete).
 * Unscannable parts are counted, not found, unless --alert-unscannable.
 *
 * -c FILE: the milter's configuration: its limits, and for each message or file the policy's
 * answer ("PATH: POLICY CLASS ACTION: REASONS"); a class other than clean counts as found.
 *
 * Limits: standard input and explicit paths that are not regular files (a FIFO, /dev/zero)
 * are read up to max_message_size (or max_part_size if larger) and no further: what was read
 * is scanned and the target is unscannable ("larger than N bytes"), as the milter treats a
 * message past its buffer. Inside a directory only regular files are scanned: anything else
 * (FIFOs, devices, sockets) is skipped with a note on standard error, never opened.
 */

#include "cli/cli.h"
#include "cli/scan_report.h"
#include "conf/conf.h"
#include "engine/fmap.h"
#include "engine/json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void scan_count_error(struct scan_ctx *ctx, const char *path, const char *message)
{
	ctx->errors++;
	if (ctx->json) {
		GString *out = g_string_new(NULL);
		struct json j;

		json_init(&j, out);
		json_begin_object(&j, NULL);
		json_string(&j, "path", path);
		json_string(&j, "result", "error");
		json_string(&j, "error", message);
		json_end_object(&j);
		puts(out->str);
		g_string_free(out, TRUE);
	} else {
		printf("%s: ERROR %s\n", path, message);
	}
}

/* The largest stream read: the milter's message buffer, or a part if that is larger. */
static size_t scan_stream_cap(const struct scan_ctx *ctx)
{
	uint64_t cap = MAX(ctx->limits.max_message_bytes, ctx->limits.max_part_bytes);

	return cap >= SIZE_MAX ? SIZE_MAX - 1 : (size_t)cap;
}

/* Open a target: a regular file is mapped, anything else read as a capped stream. */
static int scan_open(struct scan_ctx *ctx, const char *path, struct fmap *map_r, bool *over_r,
                     GError **error)
{
	struct stat st;
	int fd, ret;

	*over_r = false;
	if (strcmp(path, "-") == 0)
		return fmap_read_fd(STDIN_FILENO, scan_stream_cap(ctx), over_r, map_r, error);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s",
		            g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		close(fd);
		return fmap_open_file(path, map_r, error);
	}
	ret = fmap_read_fd(fd, scan_stream_cap(ctx), over_r, map_r, error);
	close(fd);
	return ret;
}

static void scan_file(struct scan_ctx *ctx, const char *path)
{
	struct fmap map;
	GError *error = NULL;
	bool over;
	int r = scan_open(ctx, path, &map, &over, &error);
	char *why = NULL;

	if (r < 0) {
		/* the message already names the path */
		const char *msg = error->message;
		size_t plen = strlen(path);

		if (strncmp(msg, path, plen) == 0 && strncmp(msg + plen, ": ", 2) == 0)
			msg += plen + 2;
		scan_count_error(ctx, path, msg);
		g_error_free(error);
		return;
	}
	if (over)
		why = g_strdup_printf("larger than %zu bytes (max_message_size): only the first "
		                      "%zu bytes read and scanned",
		                      scan_stream_cap(ctx), scan_stream_cap(ctx));
	scan_report_target(ctx, strcmp(path, "-") == 0 ? "stdin" : path, &map, why);
	g_free(why);
	fmap_close(&map);
}

static gint scan_name_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_path(struct scan_ctx *ctx, const char *path, bool explicit);

static void scan_dir(struct scan_ctx *ctx, const char *path)
{
	GError *error = NULL;
	GDir *d = g_dir_open(path, 0, &error);
	GPtrArray *names;
	const char *name;

	if (d == NULL) {
		scan_count_error(ctx, path, error->message);
		g_error_free(error);
		return;
	}
	names = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_dir_close(d);
	g_ptr_array_sort(names, scan_name_cmp);
	for (guint i = 0; i < names->len; i++) {
		char *child = g_build_filename(path, names->pdata[i], NULL);
		scan_path(ctx, child, false);
		g_free(child);
	}
	g_ptr_array_free(names, TRUE);
}

static void scan_path(struct scan_ctx *ctx, const char *path, bool explicit)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		return scan_file(ctx, path);
	if ((explicit ? stat(path, &st) : lstat(path, &st)) < 0) {
		scan_count_error(ctx, path, g_strerror(errno));
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		/* inside a tree: follow links to files, never to directories (loops) */
		if (stat(path, &st) < 0 || S_ISDIR(st.st_mode))
			return;
	}
	if (S_ISDIR(st.st_mode))
		scan_dir(ctx, path);
	else if (S_ISREG(st.st_mode) || explicit)
		scan_file(ctx, path);
	else
		cli_warn("%s: skipped: not a regular file (%s)", path,
		         S_ISFIFO(st.st_mode)   ? "fifo"
		         : S_ISSOCK(st.st_mode) ? "socket"
		                                : "device");
}

static void scan_summary(struct scan_ctx *ctx, double seconds)
{
	if (ctx->json) {
		GString *out = g_string_new(NULL);
		struct json j;

		json_init(&j, out);
		json_begin_object(&j, NULL);
		json_begin_object(&j, "summary");
		json_uint(&j, "signatures", sigdb_count(ctx->db));
		json_uint(&j, "files", ctx->files);
		json_uint(&j, "infected", ctx->infected);
		json_uint(&j, "errors", ctx->errors);
		json_uint(&j, "bytes", ctx->bytes);
		if (ctx->messages > 0 || ctx->parts > 0) {
			json_uint(&j, "messages", ctx->messages);
			json_uint(&j, "parts", ctx->parts);
			json_uint(&j, "infected_parts", ctx->infected_parts);
			json_uint(&j, "unscannable", ctx->unscannable);
		}
		json_double(&j, "seconds", seconds);
		json_end_object(&j);
		json_end_object(&j);
		puts(out->str);
		g_string_free(out, TRUE);
		return;
	}
	printf("----------- SCAN SUMMARY -----------\n"
	       "Known signatures: %zu\n"
	       "Scanned files: %" G_GUINT64_FORMAT "\n"
	       "Infected files: %" G_GUINT64_FORMAT "\n"
	       "Errors: %" G_GUINT64_FORMAT "\n"
	       "Data scanned: %.2f MB\n"
	       "Time: %.3f sec\n",
	       sigdb_count(ctx->db), ctx->files, ctx->infected, ctx->errors,
	       (double)ctx->bytes / (1024.0 * 1024.0), seconds);
	if (ctx->messages > 0 || ctx->parts > 0)
		printf("Scanned messages: %" G_GUINT64_FORMAT "\n"
		       "Scanned parts: %" G_GUINT64_FORMAT "\n"
		       "Infected parts: %" G_GUINT64_FORMAT "\n"
		       "Unscannable parts: %" G_GUINT64_FORMAT "\n",
		       ctx->messages, ctx->parts, ctx->infected_parts, ctx->unscannable);
}

int cli_cmd_scan(int argc, char **argv)
{
	struct scan_ctx ctx = {0};
	gboolean json = FALSE, infected_only = FALSE, no_summary = FALSE, strict = FALSE;
	gboolean pua = FALSE, mbox = FALSE, mail = FALSE, alert_unscannable = FALSE;
	char **dbs = NULL, *conf_path = NULL;
	struct conf *conf = NULL;
	GOptionEntry entries[] = {
	        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &conf_path,
	         "the milter's configuration: its limits, and for each message the action it "
	         "would take",
	         "FILE"},
	        {"database", 'd', 0, G_OPTION_ARG_FILENAME_ARRAY, &dbs,
	         "signature file, directory or snapshot (repeatable)", "DB"},
	        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "one JSON object per file", NULL},
	        {"infected", 0, 0, G_OPTION_ARG_NONE, &infected_only,
	         "print only infected files and errors", NULL},
	        {"no-summary", 0, 0, G_OPTION_ARG_NONE, &no_summary, "no summary at the end", NULL},
	        {"strict", 0, 0, G_OPTION_ARG_NONE, &strict,
	         "refuse a signature file with a malformed line", NULL},
	        {"pua", 0, 0, G_OPTION_ARG_NONE, &pua, "load PUA signatures (.hdu/.hsu)", NULL},
	        {"mbox", 0, 0, G_OPTION_ARG_NONE, &mbox,
	         "read every target as an mbox and scan each of its messages", NULL},
	        {"mail", 0, 0, G_OPTION_ARG_NONE, &mail,
	         "read every target as one mail message, whatever its head looks like", NULL},
	        {"alert-unscannable", 0, 0, G_OPTION_ARG_NONE, &alert_unscannable,
	         "count a message with unscannable parts (encrypted, limits) as found", NULL},
	        {NULL}};
	GOptionContext *octx =
	        g_option_context_new("PATH...|- - scan files, messages and mailboxes");
	gint64 t0;
	int ret;

	g_option_context_add_main_entries(octx, entries, NULL);
	if (!cli_parse(octx, &argc, &argv)) {
		g_option_context_free(octx);
		return CLI_EXIT_ERROR;
	}
	g_option_context_free(octx);
	if (argc < 2) {
		cli_error("scan: nothing to scan (give paths, or - for standard input)");
		g_strfreev(dbs);
		g_free(conf_path);
		return CLI_EXIT_ERROR;
	}
	if ((conf_path != NULL && cli_load_conf(conf_path, &conf) < 0) ||
	    cli_load_db(dbs, strict, pua, &ctx.db) < 0) {
		g_strfreev(dbs);
		g_free(conf_path);
		conf_free(&conf);
		return CLI_EXIT_ERROR;
	}
	g_strfreev(dbs);
	g_free(conf_path);
	ctx.conf = conf;
	msg_limits_effective(conf != NULL ? &conf->limits : NULL, &ctx.limits);
	ctx.json = json;
	ctx.infected_only = infected_only;
	ctx.force_mbox = mbox;
	ctx.force_mail = mail && !mbox;
	ctx.alert_unscannable = alert_unscannable;
	/* SHA-256 of every part is part of the JSON report */
	ctx.opts.want = json ? DIGEST_BIT(DIGEST_SHA256) : 0;

	/*
	 * libarchive turns each zip member's DOS time into local time: with TZ unset, glibc
	 * stats /etc/localtime every time, a system call per archive member (single-threaded
	 * here, before any scan, so setenv is safe).
	 */
	if (getenv("TZ") == NULL)
		setenv("TZ", ":/etc/localtime", 0);
	t0 = g_get_monotonic_time();
	for (int i = 1; i < argc; i++)
		scan_path(&ctx, argv[i], true);
	if (!no_summary)
		scan_summary(&ctx, (double)(g_get_monotonic_time() - t0) / 1e6);
	ret = ctx.errors > 0 ? CLI_EXIT_ERROR : ctx.infected > 0 ? CLI_EXIT_FOUND : CLI_EXIT_CLEAN;
	sigdb_unref(&ctx.db);
	conf_free(&conf);
	return ret;
}
