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
 *   PE section signatures (4M .mdb lines, section sizes like real PE sections: mostly
 *     512-byte multiples under 1 MB): load time and RSS from text and from a snapshot,
 *     clamscan on the same file, and scan MB/s of PE parts whose section sizes match no
 *     signature, of PE parts whose every section size matches, and of a non-PE part
 *   sigdb_diff (the retro-hunt's input): the 2M signatures above against the same plus a
 *     daily update of 10,000, and a generation against an identical one
 *
 * Usage: bench_engine [DIR]   (DIR keeps the generated signature files; default
 * build/bench-data). BENCH_SIGS=N changes the count per hash type (default 1000000),
 * BENCH_SECT_SIGS=N the section signatures (default 4000000); BENCH_PE_ONLY=1 runs the PE
 * part only, BENCH_DIFF_ONLY=1 the sigdb_diff part only.
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

/* clamscan loading file1 (and file2), scanning /dev/null; against our load time and RSS. */
static void bench_clamscan(const char *file1, const char *file2, double ours_s, long ours_kb)
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
		if (file2 != NULL)
			execl("/usr/bin/clamscan", "clamscan", "--no-summary", "-d", file1, "-d",
			      file2, "/dev/null", (char *)NULL);
		else
			execl("/usr/bin/clamscan", "clamscan", "--no-summary", "-d", file1,
			      "/dev/null", (char *)NULL);
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

/* A section size as real PE sections have them: mostly 512-byte multiples under 1 MB. */
static uint32_t bench_section_size(void)
{
	uint64_t r = rng() % 100;

	if (r < 70)
		return 512u * (uint32_t)(1 + rng() % 64); /* up to 32 KB: most sections */
	if (r < 95)
		return 512u * (uint32_t)(65 + rng() % 1983); /* up to 1 MB */
	return (uint32_t)(1 + rng() % (1u << 20));           /* unaligned (cut at end of file) */
}

static int gen_mdb(const char *path, size_t n)
{
	FILE *f;
	char hex[33];

	if (access(path, R_OK) == 0)
		return 0;
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint64_t a = rng(), b = rng();

		for (int k = 0; k < 16; k++) {
			hex[k] = "0123456789abcdef"[(a >> (4 * k)) & 15];
			hex[16 + k] = "0123456789abcdef"[(b >> (4 * k)) & 15];
		}
		hex[32] = '\0';
		fprintf(f, "%u:%s:%s.%s.%s-%u-%u\n", bench_section_size(), hex,
		        platforms[rng() % 8], categories[rng() % 8], families[rng() % 16],
		        (unsigned)(rng() % 9000000 + 1000000), (unsigned)(rng() % 3));
	}
	return fclose(f);
}

/* A PE32 of nsect (<= 16) sections of sect_size random bytes each, 0x400 bytes of headers. */
static unsigned char *bench_make_pe(unsigned int nsect, size_t sect_size, size_t *len_r)
{
	size_t len = 0x400 + nsect * sect_size;
	unsigned char *d = g_malloc0(len), *h;

	for (size_t i = 0x400; i < len; i++)
		d[i] = (unsigned char)(rng() >> 56);
	d[0] = 'M';
	d[1] = 'Z';
	d[0x3c] = 0x40;
	memcpy(d + 0x40, "PE\0\0", 4);
	d[0x44] = 0x4c, d[0x45] = 0x01; /* i386 */
	d[0x46] = (unsigned char)nsect; /* NumberOfSections */
	d[0x54] = 224;                  /* SizeOfOptionalHeader */
	d[0x58] = 0x0b, d[0x59] = 0x01; /* PE32 */
	d[0x58 + 33] = 0x10;            /* SectionAlignment 0x1000 */
	d[0x58 + 37] = 0x02;            /* FileAlignment 0x200 */
	d[0x58 + 61] = 0x04;            /* SizeOfHeaders 0x400 */
	for (unsigned int i = 0; i < nsect; i++) {
		uint32_t raw = (uint32_t)(0x400 + i * sect_size), size = (uint32_t)sect_size;
		uint32_t va = 0x1000 + (uint32_t)(i * ((sect_size + 0xfff) & ~(size_t)0xfff));

		h = d + 0x138 + 40 * i;
		memcpy(h, ".bench", 6);
		memcpy(h + 8, &size, 4);
		memcpy(h + 12, &va, 4);
		memcpy(h + 16, &size, 4);
		memcpy(h + 20, &raw, 4);
	}
	*len_r = len;
	return d;
}

static void bench_pe_scan(struct sigdb *db, const char *label, const unsigned char *buf,
                          size_t size)
{
	struct scan_result r;
	double t0 = now(), t;
	int rounds = 0;

	do {
		scan_bytes(db, buf, size, NULL, &r, NULL);
		rounds++;
		t = now() - t0;
	} while (t < 1.0 && rounds < 1000000);
	printf("scan %-44s %10.0f MB/s, %9.2f us per part (pe %s, %u of %u sections hashed)\n",
	       label, (double)size * rounds / t / 1e6, t / rounds * 1e6, r.pe ? "yes" : "no",
	       r.pe_sections_hashed, r.pe_sections);
}

static int bench_pe(const char *dir)
{
	size_t n = getenv("BENCH_SECT_SIGS") != NULL ? strtoul(getenv("BENCH_SECT_SIGS"), NULL, 10)
	                                             : 4000000;
	char *mdb = g_strdup_printf("%s/bench-sect-%zu.mdb", dir, n);
	char *snap = g_strdup_printf("%s/bench-sect-%zu.psdb", dir, n);
	const char *text_paths[] = {mdb, NULL};
	const char *snap_paths[] = {snap, NULL};
	double secs, text_secs;
	long rss, hwm, text_rss;
	size_t count, len;
	struct sigdb *db;
	GError *error = NULL;
	unsigned char *pe;

	printf("generating %zu PE section signatures (.mdb) in %s (once)\n", n, dir);
	if (gen_mdb(mdb, n) < 0) {
		fprintf(stderr, "cannot write %s: %s\n", mdb, strerror(errno));
		return 1;
	}
	if (measure_load(text_paths, &text_secs, &text_rss, &hwm, &count) < 0)
		return 1;
	printf("section signatures, text load: %zu in %.3f s, RSS %.1f MB (peak %.1f MB)\n", count,
	       text_secs, text_rss / 1024.0, hwm / 1024.0);
	if (compile_in_child(text_paths, snap, &secs) < 0)
		return 1;
	printf("section signatures, snapshot compile: %.3f s\n", secs);
	if (measure_load(snap_paths, &secs, &rss, &hwm, &count) < 0)
		return 1;
	printf("section signatures, snapshot open: %zu in %.3f s, RSS %.1f MB\n", count, secs,
	       rss / 1024.0);
	bench_clamscan(mdb, NULL, text_secs, text_rss);
	if (sigdb_open_snapshot(snap, &db, &error) < 0) {
		fprintf(stderr, "%s\n", error->message);
		return 1;
	}
	/* 4 sections of 4 MB: no section signature has that size, only the headers are read */
	pe = bench_make_pe(4, 4u << 20, &len);
	bench_pe_scan(db, "16 MB PE, no section size matches", pe, len);
	memcpy(pe, "XX", 2);
	bench_pe_scan(db, "16 MB non-PE part", pe, len);
	g_free(pe);
	/* 16 sections of 512 KB: every section's size has signatures, each is hashed (MD5) */
	pe = bench_make_pe(16, 512u << 10, &len);
	bench_pe_scan(db, "8 MB PE, every section size matches (MD5)", pe, len);
	g_free(pe);
	pe = bench_make_pe(3, 4096, &len);
	bench_pe_scan(db, "13 KB PE, 3 sections of 4 KB, all matching", pe, len);
	g_free(pe);
	sigdb_unref(&db);
	g_free(mdb);
	g_free(snap);
	return 0;
}

static int bench_diff_count(void *ctx, const struct sigdb_sig *sig)
{
	(*(size_t *)ctx)++;
	return 0;
}

/* The daily update against two million: sigdb_diff's cost is one pass over both tables. */
static int bench_diff(const char *md5, const char *sha, const char *dir)
{
	char *daily = g_strdup_printf("%s/bench-daily-10000.hdb", dir);
	const char *old_paths[] = {md5, sha, NULL};
	const char *new_paths[] = {md5, sha, daily, NULL};
	struct sigdb *old = NULL, *nw = NULL, *same = NULL;
	GError *error = NULL;
	size_t found = 0, none = 0;
	double t0, t_new, t_same;

	if (gen_file(daily, 10000, 32) < 0 || sigdb_load(old_paths, NULL, &old, &error) < 0 ||
	    sigdb_load(new_paths, NULL, &nw, &error) < 0 ||
	    sigdb_load(old_paths, NULL, &same, &error) < 0) {
		fprintf(stderr, "diff: %s\n", error != NULL ? error->message : strerror(errno));
		return -1;
	}
	t0 = now();
	sigdb_diff(old, nw, bench_diff_count, &found);
	t_new = now() - t0;
	t0 = now();
	sigdb_diff(old, same, bench_diff_count, &none);
	t_same = now() - t0;
	printf("sigdb_diff: %zu old + 10000 new: %zu new found in %.1f ms; identical "
	       "generations (%zu): %zu found in %.1f ms\n",
	       sigdb_count(old), found, t_new * 1e3, sigdb_count(same), none, t_same * 1e3);
	sigdb_unref(&old);
	sigdb_unref(&nw);
	sigdb_unref(&same);
	g_free(daily);
	return 0;
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
	if (getenv("BENCH_PE_ONLY") != NULL)
		return bench_pe(dir);
	printf("generating %zu MD5 + %zu SHA-256 signatures in %s (once)\n", n, n, dir);
	if (gen_file(md5, n, 32) < 0 || gen_file(sha, n, 64) < 0 ||
	    gen_size_match(extra, bufsize) < 0) {
		fprintf(stderr, "cannot write %s: %s\n", dir, strerror(errno));
		return 1;
	}
	printf("cores: %d\n", g_get_num_processors());
	if (bench_diff(md5, sha, dir) < 0)
		return 1;
	if (getenv("BENCH_DIFF_ONLY") != NULL)
		return 0;
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
	return bench_pe(dir);
}
