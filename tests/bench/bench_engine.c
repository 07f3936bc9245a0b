/*
 * bench_engine: figures for the engine (printed, never asserted).
 *
 *   signature load from text (1M MD5 + 1M SHA-256 random signatures, random sizes):
 *     wall time and RSS, measured in a child process that only loads
 *   compiled snapshot: compile time, open time and RSS (child process)
 *   lookups per second (half hits, half misses)
 *   scan_bytes MB/s over a 100 MB buffer: no size match (typing only), SHA-256 wanted,
 *     a size match that needs MD5, and all three digests
 *   clamscan on the same files, if installed: wall time and peak RSS, and the ratio
 *
 * Usage: bench_engine [DIR]   (DIR keeps the generated signature files; default
 * build/bench-data). BENCH_SIGS=N changes the count per hash type (default 1000000).
 */

#include "engine/scan.h"
#include "engine/sigdb.h"
#include "tests/bench/benchlib.c"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long rss_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, strlen(field)) == 0)
			v = strtol(line + strlen(field), NULL, 10);
	}
	fclose(f);
	return v;
}

/* In a child: load, report "seconds rss_kb hwm_kb count" through a pipe. */
static int measure_load(const char *const *paths, double *secs, long *rss, long *hwm, size_t *count)
{
	int fds[2];
	pid_t pid;
	char buf[256] = {0};

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct sigdb *db;
		GError *error = NULL;
		double t0 = now();
		int r = sigdb_load(paths, NULL, &db, &error);
		double t = now() - t0;

		if (r < 0) {
			fprintf(stderr, "load: %s\n", error->message);
			_exit(1);
		}
		dprintf(fds[1], "%f %ld %ld %zu\n", t, rss_kb("VmRSS:"), rss_kb("VmHWM:"),
		        sigdb_count(db));
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], buf, sizeof(buf) - 1) <= 0) {
		close(fds[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(fds[0]);
	waitpid(pid, NULL, 0);
	return sscanf(buf, "%lf %ld %ld %zu", secs, rss, hwm, count) == 4 ? 0 : -1;
}

static void bench_lookups(struct sigdb *db, const char *md5_file)
{
	/* read back some real hashes for hits */
	FILE *f = fopen(md5_file, "r");
	size_t n = 0, hits = 0, total = 2000000;
	unsigned char(*hashes)[16] = g_malloc(100000 * 16);
	uint32_t *sizes = g_malloc(100000 * sizeof(uint32_t));
	char line[256];
	double t0, t;

	while (f != NULL && n < 100000 && fgets(line, sizeof(line), f) != NULL) {
		digest_unhex(line, 16, hashes[n]);
		sizes[n] = (uint32_t)strtoul(line + 33, NULL, 10);
		n++;
	}
	if (f != NULL)
		fclose(f);
	if (n == 0)
		return;
	t0 = now();
	for (size_t i = 0; i < total; i++) {
		struct sigdb_match m[4];
		unsigned char h[16];

		memcpy(h, hashes[i % n], 16);
		if (i & 1)
			h[5] ^= 0x5a; /* a miss of the same size */
		hits += sigdb_lookup(db, DIGEST_MD5, h, sizes[i % n], m, 4) > 0;
	}
	t = now() - t0;
	printf("lookups: %.2f M/s (%zu of %zu hit)\n", (double)total / t / 1e6, hits, total);
	t0 = now();
	for (size_t i = 0; i < total; i++)
		hits += sigdb_digests_for_size(db, sizes[i % n] + (i & 1)) != 0;
	t = now() - t0;
	printf("digests_for_size: %.2f M/s\n", (double)total / t / 1e6);
	g_free(hashes);
	g_free(sizes);
}

static void bench_scan(struct sigdb *db, const char *label, size_t size, unsigned int want,
                       const unsigned char *buf)
{
	struct scan_options opts = {.want = want};
	struct scan_result r;
	double t0 = now(), t;
	int rounds = 0;

	do {
		scan_bytes(db, buf, size, &opts, &r, NULL);
		rounds++;
		t = now() - t0;
	} while (t < 1.0 && rounds < 1000000);
	/* no digest: the cost is the typing of a bounded head, whatever the size */
	printf("scan %-36s %12.0f MB/s, %10.2f us per part (type %s, digests:%s%s%s)\n", label,
	       (double)size * rounds / t / 1e6, t / rounds * 1e6, ftype_name(r.type.type),
	       r.digests.mask & DIGEST_BIT(DIGEST_MD5) ? " md5" : "",
	       r.digests.mask & DIGEST_BIT(DIGEST_SHA1) ? " sha1" : "",
	       r.digests.mask & DIGEST_BIT(DIGEST_SHA256) ? " sha256" : " none");
}

static void bench_clamscan(const char *md5_file, const char *sha_file, double ours_s, long ours_kb)
{
	struct rusage ru;
	int status;
	double t0;
	pid_t pid;

	if (access("/usr/bin/clamscan", X_OK) != 0) {
		printf("clamscan: not installed, no comparison\n");
		return;
	}
	t0 = now();
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", 1);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execl("/usr/bin/clamscan", "clamscan", "--no-summary", "-d", md5_file, "-d",
		      sha_file, "/dev/null", (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return;
	t0 = now() - t0;
	printf("clamscan load of the same files: %.2f s, peak RSS %.1f MB "
	       "(partscan text load: %.1fx faster, %.1fx less memory)\n",
	       t0, (double)ru.ru_maxrss / 1024.0, t0 / ours_s,
	       (double)ru.ru_maxrss / (double)ours_kb);
}

/* In a child: load the text files and write the snapshot; report the compile time. */
static int compile_in_child(const char *const *paths, const char *snap, double *secs)
{
	int fds[2];
	pid_t pid;
	char buf[64] = {0};

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct sigdb *db;
		GError *error = NULL;
		double t0;

		if (sigdb_load(paths, NULL, &db, &error) < 0)
			_exit(1);
		t0 = now();
		if (sigdb_compile(db, snap, &error) < 0) {
			fprintf(stderr, "%s\n", error->message);
			_exit(1);
		}
		dprintf(fds[1], "%f\n", now() - t0);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], buf, sizeof(buf) - 1) <= 0) {
		close(fds[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(fds[0]);
	waitpid(pid, NULL, 0);
	return sscanf(buf, "%lf", secs) == 1 ? 0 : -1;
}

/* Signatures whose size is the scan buffer's, so that scanning it needs MD5 and SHA-256. */
static int gen_size_match(const char *path, size_t size)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fprintf(f, "0123456789abcdef0123456789abcdef:%zu:Bench.SizeMatch-1-0\n", size);
	fprintf(f,
	        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef:%zu:"
	        "Bench.SizeMatch-2-0\n",
	        size);
	return fclose(f);
}

int main(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] == '-') {
		fprintf(stderr, "usage: %s [BENCH-DATA-DIRECTORY]\n", argv[0]);
		return 2;
	}
	const char *dir = argc > 1 ? argv[1] : "build/bench-data";
	size_t n = getenv("BENCH_SIGS") != NULL ? strtoul(getenv("BENCH_SIGS"), NULL, 10) : 1000000;
	size_t bufsize = 100u << 20;
	char *md5 = g_strdup_printf("%s/bench-%zu.hdb", dir, n);
	char *sha = g_strdup_printf("%s/bench-%zu.hsb", dir, n);
	char *snap = g_strdup_printf("%s/bench-%zu.psdb", dir, n);
	char *extra = g_strdup_printf("%s/bench-sizematch.hsb", dir);
	const char *text_paths[] = {md5, sha, NULL};
	const char *snap_paths[] = {snap, NULL};
	const char *match_paths[] = {md5, sha, extra, NULL};
	struct sigdb *db;
	GError *error = NULL;
	double secs, text_secs;
	long rss, hwm, text_rss;
	size_t count;
	unsigned char *buf;

	g_mkdir_with_parents(dir, 0755);
	printf("generating %zu MD5 + %zu SHA-256 signatures in %s (once)\n", n, n, dir);
	if (gen_file(md5, n, 32) < 0 || gen_file(sha, n, 64) < 0 ||
	    gen_size_match(extra, bufsize) < 0) {
		fprintf(stderr, "cannot write %s: %s\n", dir, strerror(errno));
		return 1;
	}
	printf("cores: %d\n", g_get_num_processors());
	if (measure_load(text_paths, &text_secs, &text_rss, &hwm, &count) < 0)
		return 1;
	printf("text load: %zu signatures in %.3f s, RSS %.1f MB (peak %.1f MB)\n", count,
	       text_secs, text_rss / 1024.0, hwm / 1024.0);
	if (compile_in_child(text_paths, snap, &secs) < 0)
		return 1;
	printf("snapshot compile: %.3f s\n", secs);
	if (measure_load(snap_paths, &secs, &rss, &hwm, &count) < 0)
		return 1;
	printf("snapshot open: %zu signatures in %.3f s, RSS %.1f MB (a private copy)\n", count,
	       secs, rss / 1024.0);
	bench_clamscan(md5, sha, text_secs, text_rss);

	if (sigdb_load(match_paths, NULL, &db, &error) < 0) {
		fprintf(stderr, "%s\n", error->message);
		return 1;
	}
	bench_lookups(db, md5);
	buf = g_malloc(bufsize + 1);
	for (size_t i = 0; i < bufsize + 1; i++)
		buf[i] = (unsigned char)(rng() >> 56);
	bench_scan(db, "100 MB, no size match", bufsize + 1, 0, buf);
	memset(buf, 'a', bufsize + 1); /* text: the costliest typing (a sample is classified) */
	for (size_t i = 80; i < bufsize + 1; i += 81)
		buf[i] = '\n';
	bench_scan(db, "100 MB text, no size match", bufsize + 1, 0, buf);
	for (size_t i = 0; i < bufsize + 1; i++)
		buf[i] = (unsigned char)(rng() >> 56);
	bench_scan(db, "100 MB, no size match, SHA-256 logged", bufsize + 1,
	           DIGEST_BIT(DIGEST_SHA256), buf);
	bench_scan(db, "100 MB, size match (MD5 + SHA-256)", bufsize, 0, buf);
	bench_scan(db, "100 MB, all three digests", bufsize, DIGEST_ALL, buf);
	g_free(buf);
	sigdb_unref(&db);
	g_free(md5);
	g_free(sha);
	g_free(snap);
	g_free(extra);
	return 0;
}
