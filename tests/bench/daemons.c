/*
 * daemons: what bench_milter needs to run the milters it measures: start one with its output
 * to a file, wait until a probe answers (or it dies: its output is shown), stop it with
 * SIGTERM (SIGKILL after 20 s); the RSS and CPU time of a process from /proc, the machine's
 * busy time; small file helpers. Included by bench_milter.c after benchlib.c and
 * milterclient.c; not thread safe (main thread).
 */

#include <fcntl.h>
#include <ftw.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct daemon {
	const char *name;
	pid_t pid;
	char *log;
};

static long proc_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	FILE *f;
	long v = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, strlen(field)) == 0)
			v = strtol(line + strlen(field), NULL, 10);
	}
	fclose(f);
	return v;
}

static int daemon_start(struct daemon *d, const char *dir, const char *const *argv)
{
	d->log = g_strdup_printf("%s/%s.out", dir, d->name);
	d->pid = fork();
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	return d->pid > 0 ? 0 : -1;
}

static void daemon_show_log(const struct daemon *d)
{
	gchar *text = NULL;

	if (g_file_get_contents(d->log, &text, NULL, NULL))
		fprintf(stderr, "%s output:\n%s\n", d->name, text);
	g_free(text);
}

/* Wait until probe(arg) answers 0, for at most 180 s; -1 if the daemon dies first. */
static int daemon_wait(struct daemon *d, int (*probe)(const void *), const void *arg)
{
	double t0 = now();
	int status;

	while (now() - t0 < 180) {
		if (probe(arg) == 0)
			return 0;
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			fprintf(stderr, "%s exited before it was ready\n", d->name);
			daemon_show_log(d);
			d->pid = 0;
			return -1;
		}
		g_usleep(100000);
	}
	fprintf(stderr, "%s not ready after 180 s\n", d->name);
	daemon_show_log(d);
	return -1;
}

/* SIGTERM, then SIGKILL if it has not stopped within 20 s. */
static void daemon_stop(struct daemon *d)
{
	double t0 = now();

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		while (waitpid(d->pid, NULL, WNOHANG) == 0) {
			if (now() - t0 > 20) {
				kill(d->pid, SIGKILL);
				waitpid(d->pid, NULL, 0);
				break;
			}
			g_usleep(20000);
		}
	}
	d->pid = 0;
	g_clear_pointer(&d->log, g_free);
}

/* utime + stime of /proc/PID/stat (or "self"), in seconds */
static double proc_cpu(const char *pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (p == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* busy CPU seconds of the whole machine, from /proc/stat */
static double machine_cpu(void)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
	           &v[4], &v[5], &v[6], &v[7]) != 8)
		v[0] = v[1] = v[2] = v[5] = v[6] = v[7] = 0;
	fclose(f);
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

static int probe_unix(const void *path)
{
	char *spec = g_strdup_printf("unix:%s", (const char *)path);
	int fd = mc_dial(spec);

	g_free(spec);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* argv of `partscan ctl -s SOCKET ping` */
static int probe_ctl(const void *argv)
{
	gint status;

	if (!g_spawn_sync(NULL, (gchar **)argv, NULL,
	                  G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
	                  NULL, &status, NULL))
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
	GError *error = NULL;

	if (!g_file_set_contents(path, text, -1, &error)) {
		fprintf(stderr, "%s\n", error->message);
		exit(1);
	}
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}
