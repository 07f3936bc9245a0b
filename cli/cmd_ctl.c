/*
 * partscan ctl: talk to a running partscan-milter over its control socket.
 *   partscan ctl [-s SOCKET] [-c CONF] ping|version|reload|stats
 * The socket is -s, else [control] socket of the configuration. Exit 0 on an answer, 2 when
 * the daemon cannot be reached or answers ERROR.
 */

#include "cli/cli.h"
#include "conf/conf.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_TIMEOUT_MS 120000 /* RELOAD of a large database takes a while */

static int ctl_connect(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		cli_error("ctl: socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		cli_error("ctl: cannot reach partscan-milter at %s: %s", path, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int ctl_exchange(const char *path, const char *cmd)
{
	GString *reply = g_string_new(NULL);
	char *line = g_strdup_printf("%s\n", cmd), buf[4096];
	int fd = ctl_connect(path), ret = CLI_EXIT_ERROR;

	if (fd < 0)
		goto out;
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) != (ssize_t)strlen(line)) {
		cli_error("ctl: send: %s", g_strerror(errno));
		goto out;
	}
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, CTL_TIMEOUT_MS) <= 0) {
			cli_error("ctl: no answer from partscan-milter");
			goto out;
		}
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		g_string_append_len(reply, buf, n);
	}
	fputs(reply->str, stdout);
	ret = g_str_has_prefix(reply->str, "ERROR") || reply->len == 0 ? CLI_EXIT_ERROR
	                                                               : CLI_EXIT_CLEAN;
out:
	if (fd >= 0)
		close(fd);
	g_free(line);
	g_string_free(reply, TRUE);
	return ret;
}

int cli_cmd_ctl(int argc, char **argv)
{
	char *sock = NULL, *conf_path = NULL;
	GOptionEntry entries[] = {
	        {"socket", 's', 0, G_OPTION_ARG_FILENAME, &sock, "control socket", "SOCKET"},
	        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &conf_path,
	         "configuration naming the socket", "FILE"},
	        {NULL}};
	GOptionContext *ctx = g_option_context_new("ping|version|reload|stats");
	static const char *const cmds[] = {"ping", "version", "reload", "stats"};
	struct conf *conf = NULL;
	int ret = CLI_EXIT_ERROR;
	bool known = false;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cli_parse(ctx, &argc, &argv))
		goto out;
	if (argc != 2) {
		cli_error("ctl: expected one of ping, version, reload, stats");
		goto out;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++)
		known |= g_ascii_strcasecmp(argv[1], cmds[i]) == 0;
	if (!known) {
		cli_error("ctl: unknown command '%s' (ping, version, reload, stats)", argv[1]);
		goto out;
	}
	if (sock == NULL) {
		if (cli_load_conf(conf_path, &conf) < 0)
			goto out;
		if (conf->control_socket == NULL) {
			cli_error("ctl: the configuration has no control socket");
			goto out;
		}
		sock = g_strdup(conf->control_socket);
	}
	{
		char *up = g_ascii_strup(argv[1], -1);
		ret = ctl_exchange(sock, up);
		g_free(up);
	}
out:
	g_option_context_free(ctx);
	conf_free(&conf);
	g_free(sock);
	g_free(conf_path);
	return ret;
}
