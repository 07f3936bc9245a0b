/*
 * partscan quarantine: the store partscan-milter fills (see conf/quarantine.h).
 *   partscan quarantine [-c CONF] [-q DIR] list
 *   partscan quarantine [-c CONF] [-q DIR] show [--raw] ID
 *   partscan quarantine [-c CONF] [-q DIR] release [--force] ID
 *   partscan quarantine [-c CONF] [-q DIR] delete ID
 * release re-injects a quarantined message with the configured sendmail
 * ("sendmail -i -f SENDER -- RCPT..."), then deletes the item. A message that is also held in
 * the MTA's queue is released there instead (postsuper -H), unless --force.
 */

#include "cli/cli.h"
#include "conf/conf.h"
#include "conf/quarantine.h"

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

		if (o == NULL)
			continue;
		rcpts = json_object_has_member(o, "recipients")
		                ? json_object_get_array_member(o, "recipients")
		                : NULL;
		printf("%s  %-7s %-10s from=<%s> rcpts=%u  %s\n", (char *)ids->pdata[i],
		       q_str(o, "kind"), q_str(o, "action"),
		       q_str(o, "sender") != NULL ? q_str(o, "sender") : "",
		       rcpts != NULL ? json_array_get_length(rcpts) : 0,
		       q_str(o, "status") != NULL ? q_str(o, "status") : "");
		g_object_unref(parser);
	}
	printf("%u items in %s\n", ids->len, dir);
	g_ptr_array_free(ids, TRUE);
	return CLI_EXIT_CLEAN;
}

static int q_show(const char *dir, const char *id, bool raw)
{
	GError *error = NULL;

	if (raw) {
		GBytes *b = quarantine_read_data(dir, id, &error);
		gsize len;
		const void *data;

		if (b == NULL) {
			cli_error("quarantine: %s", error->message);
			g_error_free(error);
			return CLI_EXIT_ERROR;
		}
		data = g_bytes_get_data(b, &len);
		fwrite(data, 1, len, stdout);
		g_bytes_unref(b);
		return CLI_EXIT_CLEAN;
	}
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

/* Run sendmail with the message on its standard input. */
static int q_sendmail(const char *sendmail, JsonObject *o, GBytes *data)
{
	JsonArray *rcpts = json_object_get_array_member(o, "recipients");
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	GSubprocess *proc;
	GError *error = NULL;
	int ret = -1;

	if (rcpts == NULL || json_array_get_length(rcpts) == 0) {
		cli_error("quarantine: the item has no recipients");
		g_ptr_array_free(argv, TRUE);
		return -1;
	}
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
	if (proc != NULL && g_subprocess_communicate(proc, data, NULL, NULL, NULL, &error) &&
	    g_subprocess_get_if_exited(proc) && g_subprocess_get_exit_status(proc) == 0)
		ret = 0;
	else
		cli_error("quarantine: %s failed%s%s", sendmail, error != NULL ? ": " : "",
		          error != NULL ? error->message : "");
	g_clear_error(&error);
	if (proc != NULL)
		g_object_unref(proc);
	g_ptr_array_free(argv, TRUE);
	return ret;
}

static int q_release(const struct conf *conf, const char *dir, const char *id, bool force)
{
	JsonParser *parser;
	JsonObject *o = q_meta(dir, id, &parser);
	GError *error = NULL;
	GBytes *data;
	int ret = CLI_EXIT_ERROR;

	if (o == NULL)
		return CLI_EXIT_ERROR;
	if (g_strcmp0(q_str(o, "kind"), "message") != 0) {
		cli_error("quarantine: %s is a removed part, not a message: 'show --raw' extracts "
		          "it",
		          id);
		goto out;
	}
	if (g_strcmp0(q_str(o, "action"), "quarantine") == 0 && !force) {
		cli_error("quarantine: %s is also held in the MTA's queue as %s: release it there "
		          "(postsuper -H %s), or use --force to re-inject this copy",
		          id, q_str(o, "queue_id"), q_str(o, "queue_id"));
		goto out;
	}
	data = quarantine_read_data(dir, id, &error);
	if (data == NULL) {
		cli_error("quarantine: %s", error->message);
		g_error_free(error);
		goto out;
	}
	if (q_sendmail(conf->sendmail, o, data) == 0 && quarantine_delete(dir, id, &error) == 0) {
		printf("%s: released and removed from the quarantine\n", id);
		ret = CLI_EXIT_CLEAN;
	} else if (error != NULL) {
		cli_error("quarantine: released, but: %s", error->message);
		g_error_free(error);
	}
	g_bytes_unref(data);
out:
	g_object_unref(parser);
	return ret;
}

int cli_cmd_quarantine(int argc, char **argv)
{
	char *conf_path = NULL, *dir = NULL;
	gboolean raw = FALSE, force = FALSE;
	GOptionEntry entries[] = {
	        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &conf_path, "configuration", "FILE"},
	        {"directory", 'q', 0, G_OPTION_ARG_FILENAME, &dir, "quarantine directory", "DIR"},
	        {"raw", 0, 0, G_OPTION_ARG_NONE, &raw, "show: the stored bytes", NULL},
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
		ret = q_show(dir, argv[2], raw);
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
