/*
 * partscan quarantine: the store partscan-milter fills (see conf/quarantine.h).
 *   partscan quarantine [-c CONF] [-q DIR] list
 *   partscan quarantine [-c CONF] [-q DIR] show [--raw|--mime] ID
 *   partscan quarantine [-c CONF] [-q DIR] release [--force] ID
 *   partscan quarantine [-c CONF] [-q DIR] delete ID
 * show --raw prints a message as stored, and a removed part as its decoded file (--mime: the
 * MIME entity as stored). release frees a message still held in the MTA's queue there:
 * Postfix's hold queue (postqueue -j says it is held, then postsuper -H) or Sendmail's
 * quarantine (mailq -qQ lists it, then sendmail -Q -qI<QID> and a queue run for it, both with
 * -Am: the MTA's configuration); a message whose only copy is the store's
 * is re-injected with the configured sendmail ("sendmail -i -f SENDER -- RCPT...") carrying a
 * release marker (quarantine.h) that partscan-milter verifies and removes instead of scanning
 * and holding it again. Either way the item is then deleted. When the MTA's queue cannot be
 * asked (neither Postfix nor Sendmail), --force is needed to re-inject.
 */

#include "cli/cli.h"
#include "conf/conf.h"
#include "conf/quarantine.h"

#include <gmime/gmime.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

static JsonObject *q_meta(const char *dir, const char *id, JsonParser **parser_r)
{
	GError *error = NULL;
	char *text = quarantine_read_meta(dir, id, &error);
	JsonParser *parser;
	JsonNode *root;

	*parser_r = NULL;
	if (text == NULL) {
		cli_error("quarantine: %s", error->message);
		g_error_free(error);
		return NULL;
	}
	parser = json_parser_new();
	if (!json_parser_load_from_data(parser, text, -1, &error) ||
	    (root = json_parser_get_root(parser)) == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		cli_error("quarantine: %s: damaged metadata%s%s", id, error != NULL ? ": " : "",
		          error != NULL ? error->message : "");
		g_clear_error(&error);
		g_object_unref(parser);
		g_free(text);
		return NULL;
	}
	g_free(text);
	*parser_r = parser;
	return json_node_get_object(root);
}

static const char *q_str(JsonObject *o, const char *key)
{
	JsonNode *n = json_object_get_member(o, key);

	return n != NULL && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_string(n) : NULL;
}

/* "<a@b>" as the MTA handed it -> "a@b" (new string). */
static char *q_bare_address(const char *addr)
{
	char *a = g_strstrip(g_strdup(addr != NULL ? addr : ""));
	size_t n = strlen(a);

	if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {
		memmove(a, a + 1, n - 2);
		a[n - 2] = '\0';
	}
	return a;
}

static int q_list(const char *dir)
{
	GError *error = NULL;
	GPtrArray *ids = quarantine_list(dir, &error);

	if (ids == NULL) {
		cli_error("quarantine: %s", error->message);
		g_error_free(error);
		return CLI_EXIT_ERROR;
	}
	for (guint i = 0; i < ids->len; i++) {
		JsonParser *parser;
		JsonObject *o = q_meta(dir, ids->pdata[i], &parser);
		JsonArray *rcpts;
		char *sender;

		if (o == NULL)
			continue;
		rcpts = json_object_has_member(o, "recipients")
		                ? json_object_get_array_member(o, "recipients")
		                : NULL;
		sender = q_bare_address(q_str(o, "sender"));
		printf("%s  %-7s %-10s from=<%s> rcpts=%u  %s\n", (char *)ids->pdata[i],
		       q_str(o, "kind"), q_str(o, "action"), sender,
		       rcpts != NULL ? json_array_get_length(rcpts) : 0,
		       q_str(o, "status") != NULL ? q_str(o, "status") : "");
		g_free(sender);
		g_object_unref(parser);
	}
	printf("%u items in %s\n", ids->len, dir);
	g_ptr_array_free(ids, TRUE);
	return CLI_EXIT_CLEAN;
}

/* A removed part's decoded content (the file that was attached), or NULL when the entity is
   not a leaf part (a multipart or a message: it is shown as stored). */
static GByteArray *q_decode_part(const void *data, size_t len)
{
	GMimeStream *in = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(in);
	GMimeObject *obj = g_mime_parser_construct_part(parser, NULL);
	GByteArray *out = NULL;

	if (obj != NULL && GMIME_IS_PART(obj) && g_mime_part_get_content(GMIME_PART(obj))) {
		GMimeStream *mem = g_mime_stream_mem_new();

		if (g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(obj)),
		                                        mem) >= 0) {
			out = g_byte_array_new();
			g_byte_array_append(
			        out, g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem))->data,
			        g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem))->len);
		}
		g_object_unref(mem);
	}
	if (obj != NULL)
		g_object_unref(obj);
	g_object_unref(parser);
	g_object_unref(in);
	return out;
}

static int q_show_raw(const char *dir, const char *id, bool mime)
{
	GError *error = NULL;
	GBytes *b = quarantine_read_data(dir, id, &error);
	GByteArray *decoded = NULL;
	JsonParser *parser = NULL;
	JsonObject *o;
	gsize len;
	const void *data;

	if (b == NULL) {
		cli_error("quarantine: %s", error->message);
		g_error_free(error);
		return CLI_EXIT_ERROR;
	}
	data = g_bytes_get_data(b, &len);
	o = mime ? NULL : q_meta(dir, id, &parser);
	if (o != NULL && g_strcmp0(q_str(o, "kind"), "part") == 0) {
		g_mime_init();
		decoded = q_decode_part(data, len);
	}
	if (decoded != NULL)
		fwrite(decoded->data, 1, decoded->len, stdout);
	else
		fwrite(data, 1, len, stdout);
	if (decoded != NULL)
		g_byte_array_free(decoded, TRUE);
	if (parser != NULL)
		g_object_unref(parser);
	g_bytes_unref(b);
	return CLI_EXIT_CLEAN;
}

static int q_show(const char *dir, const char *id, bool raw, bool mime)
{
	if (raw || mime)
		return q_show_raw(dir, id, mime);
	{
		JsonParser *parser;
		JsonObject *o = q_meta(dir, id, &parser);
		JsonGenerator *gen;
		char *text;

		if (o == NULL)
			return CLI_EXIT_ERROR;
		gen = json_generator_new();
		json_generator_set_pretty(gen, TRUE);
		json_generator_set_root(gen, json_parser_get_root(parser));
		text = json_generator_to_data(gen, NULL);
		printf("%s\n", text);
		g_free(text);
		g_object_unref(gen);
		g_object_unref(parser);
	}
	return CLI_EXIT_CLEAN;
}

/* Run sendmail with the release marker and then the message on its standard input. */
static int q_sendmail(const char *sendmail, JsonObject *o, const char *marker, GBytes *data)
{
	JsonArray *rcpts = json_object_get_array_member(o, "recipients");
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	char *head = g_strdup_printf("%s: %s\n", QUARANTINE_RELEASE_HEADER, marker);
	GByteArray *in = g_byte_array_new();
	GBytes *input;
	GSubprocess *proc;
	GError *error = NULL;
	int ret = -1;
	gsize len;
	const guint8 *bytes = g_bytes_get_data(data, &len);

	if (rcpts == NULL || json_array_get_length(rcpts) == 0) {
		cli_error("quarantine: the item has no recipients");
		g_ptr_array_free(argv, TRUE);
		g_byte_array_free(in, TRUE);
		g_free(head);
		return -1;
	}
	g_byte_array_append(in, (const guint8 *)head, (guint)strlen(head));
	g_byte_array_append(in, bytes, (guint)len);
	input = g_byte_array_free_to_bytes(in);
	g_ptr_array_add(argv, g_strdup(sendmail));
	g_ptr_array_add(argv, g_strdup("-i"));
	g_ptr_array_add(argv, g_strdup("-f"));
	g_ptr_array_add(argv, q_bare_address(q_str(o, "sender")));
	g_ptr_array_add(argv, g_strdup("--"));
	for (guint i = 0; i < json_array_get_length(rcpts); i++)
		g_ptr_array_add(argv, q_bare_address(json_array_get_string_element(rcpts, i)));
	g_ptr_array_add(argv, NULL);
	proc = g_subprocess_newv((const char *const *)argv->pdata, G_SUBPROCESS_FLAGS_STDIN_PIPE,
	                         &error);
	if (proc != NULL && g_subprocess_communicate(proc, input, NULL, NULL, NULL, &error) &&
	    g_subprocess_get_if_exited(proc) && g_subprocess_get_exit_status(proc) == 0)
		ret = 0;
	else
		cli_error("quarantine: %s failed%s%s", sendmail, error != NULL ? ": " : "",
		          error != NULL ? error->message : "");
	g_clear_error(&error);
	if (proc != NULL)
		g_object_unref(proc);
	g_ptr_array_free(argv, TRUE);
	g_bytes_unref(input);
	g_free(head);
	return ret;
}

/* A Postfix program beside the configured sendmail (/usr/sbin/sendmail -> /usr/sbin/NAME), or
   NULL when there is none (not Postfix). */
static char *q_postfix_tool(const char *sendmail, const char *name)
{
	char *dir = g_path_get_dirname(sendmail), *path = g_build_filename(dir, name, NULL);

	g_free(dir);
	if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
		return path;
	g_free(path);
	return NULL;
}

/* Whether Postfix holds queue id qid in its hold queue: 1 yes, 0 no (released, delivered or
   deleted there), -1 the queue could not be asked. */
static int q_postfix_held(const char *sendmail, const char *qid)
{
	char *postqueue = q_postfix_tool(sendmail, "postqueue"), *out = NULL;
	const char *argv[] = {postqueue, "-j", NULL};
	GSubprocess *proc;
	int held = -1;

	if (postqueue == NULL || qid == NULL)
		goto out;
	proc = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, NULL);
	if (proc != NULL && g_subprocess_communicate_utf8(proc, NULL, NULL, &out, NULL, NULL) &&
	    g_subprocess_get_if_exited(proc) && g_subprocess_get_exit_status(proc) == 0) {
		char **lines = g_strsplit(out != NULL ? out : "", "\n", 0);

		held = 0;
		for (char **l = lines; *l != NULL && held == 0; l++) {
			JsonParser *p = json_parser_new();
			JsonNode *root;

			if (json_parser_load_from_data(p, *l, -1, NULL) &&
			    (root = json_parser_get_root(p)) != NULL &&
			    JSON_NODE_HOLDS_OBJECT(root) &&
			    g_strcmp0(q_str(json_node_get_object(root), "queue_id"), qid) == 0 &&
			    g_strcmp0(q_str(json_node_get_object(root), "queue_name"), "hold") == 0)
				held = 1;
			g_object_unref(p);
		}
		g_strfreev(lines);
	}
	if (proc != NULL)
		g_object_unref(proc);
out:
	g_free(out);
	g_free(postqueue);
	return held;
}

/* Run argv; whether it exited 0. */
static bool q_run(const char *const *argv)
{
	GSubprocess *proc = argv[0] != NULL ? g_subprocess_newv(argv, 0, NULL) : NULL;
	bool ok = proc != NULL && g_subprocess_wait_check(proc, NULL, NULL);

	if (proc != NULL)
		g_object_unref(proc);
	return ok;
}

/* postsuper -H qid (to the deferred queue), then postqueue -i qid (deliver it now, not at the
   next queue run): 0, or -1 (reported). */
static int q_postsuper_release(const char *sendmail, const char *qid)
{
	char *postsuper = q_postfix_tool(sendmail, "postsuper");
	char *postqueue = q_postfix_tool(sendmail, "postqueue");
	const char *release[] = {postsuper, "-H", qid, NULL},
	           *flush[] = {postqueue, "-i", qid, NULL};
	int ret = q_run(release) ? 0 : -1;

	if (ret < 0)
		cli_error("quarantine: postsuper -H %s failed", qid);
	else if (!q_run(flush))
		cli_error(
		        "quarantine: warning: postqueue -i %s failed: it is delivered at the next "
		        "queue run",
		        qid);
	g_free(postsuper);
	g_free(postqueue);
	return ret;
}

/* Run argv (standard input /dev/null) with stdout and stderr captured together: the exit
   status (-1 when it could not run or did not exit), and the output in *out_r (free it). */
static int q_capture(const char *const *argv, char **out_r)
{
	GSubprocess *proc = g_subprocess_newv(
	        argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, NULL);
	int status = -1;

	*out_r = NULL;
	if (proc == NULL)
		return -1;
	if (g_subprocess_communicate_utf8(proc, NULL, NULL, out_r, NULL, NULL) &&
	    g_subprocess_get_if_exited(proc))
		status = g_subprocess_get_exit_status(proc);
	g_object_unref(proc);
	return status;
}

/* Whether the configured sendmail is Sendmail's own (not Postfix's or another MTA's
   compatibility program): its debug output (-d0.1) starts with "Version 8.N" and lists what it
   was "Compiled with:". Asked in address test mode (-bt) with an empty standard input, which
   neither sends nor queues anything whatever program it is, and only when no Postfix program
   is beside it (Postfix's sendmail would take -bv as "mail a report"). -Am: the MTA's
   configuration, not the submission program's. */
static bool q_is_sendmail(const char *sendmail)
{
	const char *argv[] = {sendmail, "-Am", "-d0.1", "-bt", NULL};
	char *postqueue = q_postfix_tool(sendmail, "postqueue"), *out = NULL;
	bool yes;

	if (postqueue != NULL) {
		g_free(postqueue);
		return false;
	}
	(void)q_capture(argv, &out);
	yes = out != NULL && g_str_has_prefix(out, "Version 8.") &&
	      strstr(out, "Compiled with:") != NULL;
	g_free(out);
	return yes;
}

/* Whether Sendmail holds queue id qid in its quarantine: 1 yes, 0 no (unquarantined,
   delivered or deleted there), -1 the queue could not be asked. mailq -qQ lists quarantined
   items only, each as a line "QID[flag] SIZE TIME SENDER" followed by "QUARANTINE: reason". */
static int q_sendmail_held(const char *sendmail, const char *qid)
{
	const char *argv[] = {sendmail, "-Am", "-bp", "-qQ", NULL};
	char *out = NULL, **lines;
	int held = 0;
	size_t n = strlen(qid);

	if (q_capture(argv, &out) != 0) {
		g_free(out);
		return -1;
	}
	lines = g_strsplit(out != NULL ? out : "", "\n", 0);
	for (char **l = lines; *l != NULL && held == 0; l++) {
		const char *rest = *l + n;

		if (strncmp(*l, qid, n) != 0 || strchr("*X- \t", *rest) == NULL || *rest == '\0')
			continue;
		for (char **r = l + 1; *r != NULL && (*r)[0] == ' ' && held == 0; r++)
			if (strstr(*r, "QUARANTINE:") != NULL)
				held = 1;
	}
	g_strfreev(lines);
	g_free(out);
	return held;
}

/* sendmail -Q -qI<qid> (an empty -Q reason unquarantines the matching items), checked with the
   queue listing, then sendmail -qI<qid> (a queue run for it: delivered now, not at the next
   queue run): 0, or -1 (reported). */
static int q_sendmail_release(const char *sendmail, const char *qid)
{
	char *sel = g_strdup_printf("-qI%s", qid), *out = NULL;
	const char *release[] = {sendmail, "-Am", "-Q", "-qQ", sel, NULL},
	           *run[] = {sendmail, "-Am", sel, NULL};
	int ret = -1;

	if (q_capture(release, &out) != 0 || q_sendmail_held(sendmail, qid) != 0)
		cli_error("quarantine: sendmail -Q %s did not unquarantine %s%s%s", sel, qid,
		          out != NULL && *out != '\0' ? ": " : "",
		          out != NULL ? g_strchomp(out) : "");
	else
		ret = 0;
	g_free(out);
	if (ret == 0 && q_capture(run, &out) != 0)
		cli_error("quarantine: warning: sendmail %s failed: it is delivered at the next "
		          "queue run",
		          sel);
	g_free(out);
	g_free(sel);
	return ret;
}

static int q_release(const struct conf *conf, const char *dir, const char *id, bool force)
{
	JsonParser *parser;
	JsonObject *o = q_meta(dir, id, &parser);
	const char *qid;
	GError *error = NULL;
	GBytes *data;
	char *marker = NULL;
	int ret = CLI_EXIT_ERROR, held = -1;

	if (o == NULL)
		return CLI_EXIT_ERROR;
	qid = q_str(o, "queue_id");
	if (g_strcmp0(q_str(o, "kind"), "message") != 0) {
		cli_error("quarantine: %s is a removed part, not a message: 'show --raw' extracts "
		          "it",
		          id);
		goto out;
	}
	if (g_strcmp0(q_str(o, "action"), "quarantine") == 0 && !force) {
		bool sendmail = false;

		held = q_postfix_held(conf->sendmail, qid);
		if (held < 0 && qid != NULL && q_is_sendmail(conf->sendmail)) {
			sendmail = true;
			held = q_sendmail_held(conf->sendmail, qid);
		}
		if (held == 1) {
			if ((sendmail ? q_sendmail_release(conf->sendmail, qid)
			              : q_postsuper_release(conf->sendmail, qid)) < 0)
				goto out;
			if (quarantine_delete(dir, id, &error) < 0) {
				cli_error("quarantine: released, but: %s", error->message);
				g_error_free(error);
				goto out;
			}
			printf("%s: released from the MTA's %s (%s) and removed from the "
			       "quarantine\n",
			       id, sendmail ? "quarantine" : "hold queue", qid);
			ret = CLI_EXIT_CLEAN;
			goto out;
		}
		if (held < 0) {
			cli_error("quarantine: %s may also be held in the MTA's queue as %s, which "
			          "cannot be asked: release it there, or use --force to re-inject "
			          "this copy",
			          id, qid != NULL ? qid : "(unknown)");
			goto out;
		}
	}
	data = quarantine_read_data(dir, id, &error);
	if (data != NULL) {
		gsize len;
		const unsigned char *bytes = g_bytes_get_data(data, &len);

		marker = quarantine_release_marker(dir, id, bytes, len, &error);
	}
	if (data == NULL || marker == NULL) {
		cli_error("quarantine: %s", error->message);
		g_error_free(error);
		if (data != NULL)
			g_bytes_unref(data);
		goto out;
	}
	if (q_sendmail(conf->sendmail, o, marker, data) == 0 &&
	    quarantine_delete(dir, id, &error) == 0) {
		printf("%s: %sre-injected and removed from the quarantine\n", id,
		       held == 0 ? "not held in the MTA's queue any more: " : "");
		ret = CLI_EXIT_CLEAN;
	} else if (error != NULL) {
		cli_error("quarantine: released, but: %s", error->message);
		g_error_free(error);
	}
	g_bytes_unref(data);
out:
	g_free(marker);
	g_object_unref(parser);
	return ret;
}

int cli_cmd_quarantine(int argc, char **argv)
{
	char *conf_path = NULL, *dir = NULL;
	gboolean raw = FALSE, mime = FALSE, force = FALSE;
	GOptionEntry entries[] = {
	        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &conf_path, "configuration", "FILE"},
	        {"directory", 'q', 0, G_OPTION_ARG_FILENAME, &dir, "quarantine directory", "DIR"},
	        {"raw", 0, 0, G_OPTION_ARG_NONE, &raw,
	         "show: the message as stored, a removed part's decoded file", NULL},
	        {"mime", 0, 0, G_OPTION_ARG_NONE, &mime, "show: a removed part's MIME entity",
	         NULL},
	        {"force", 0, 0, G_OPTION_ARG_NONE, &force,
	         "release: re-inject even when held in the MTA", NULL},
	        {NULL}};
	GOptionContext *ctx = g_option_context_new("list | show ID | release ID | delete ID");
	struct conf *conf = NULL;
	const char *cmd;
	int ret = CLI_EXIT_ERROR;
	GError *error = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cli_parse(ctx, &argc, &argv) || cli_load_conf(conf_path, &conf) < 0)
		goto out;
	if (dir == NULL)
		dir = g_strdup(conf->quarantine_dir);
	cmd = argc > 1 ? argv[1] : "";
	if (strcmp(cmd, "list") == 0 && argc == 2) {
		ret = q_list(dir);
	} else if (argc != 3) {
		cli_error("quarantine: expected list, or show|release|delete ID");
	} else if (strcmp(cmd, "show") == 0) {
		ret = q_show(dir, argv[2], raw, mime);
	} else if (strcmp(cmd, "release") == 0) {
		ret = q_release(conf, dir, argv[2], force);
	} else if (strcmp(cmd, "delete") == 0) {
		if (quarantine_delete(dir, argv[2], &error) == 0) {
			printf("%s: deleted\n", argv[2]);
			ret = CLI_EXIT_CLEAN;
		} else {
			cli_error("quarantine: %s", error->message);
			g_error_free(error);
		}
	} else {
		cli_error("quarantine: unknown subcommand '%s'", cmd);
	}
out:
	g_option_context_free(ctx);
	conf_free(&conf);
	g_free(conf_path);
	g_free(dir);
	return ret;
}
