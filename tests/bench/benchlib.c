/*
 * benchlib: what the benchmarks share, included by each tests/bench/bench_*.c (the bench rule
 * builds one source file per program): the clock, a deterministic generator and the random
 * signature files (ClamAV-style names, random sizes), generated once into the bench-data
 * directory.
 */

#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the calling thread (figures that other load on the machine does not skew). */
static inline double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x243F6A8885A308D3ull;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic, so the generated files are the same on every run */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static const char *const platforms[] = {"Win", "Doc", "Xls", "Pdf", "Html", "Unix", "Andr", "Js"};
static const char *const categories[] = {"Trojan",  "Malware", "Downloader", "Exploit",
                                         "Dropper", "Packed",  "Phishing",   "Ransomware"};
static const char *const families[] = {
        "Agent",   "Emotet", "Generic", "Qakbot", "Zbot",   "Mirai",  "AgentTesla", "Formbook",
        "Lokibot", "Remcos", "Njrat",   "Ursnif", "Dridex", "IcedID", "Valyria",    "Kryptik"};

/* n random signatures with hashlen hex digits, unless path already exists. */
static int gen_file(const char *path, size_t n, size_t hashlen)
{
	FILE *f;
	char hex[65];

	if (access(path, R_OK) == 0)
		return 0;
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < hashlen; k += 16) {
			uint64_t v = rng();
			for (size_t b = 0; b < 16 && k + b < hashlen; b++)
				hex[k + b] = "0123456789abcdef"[(v >> (4 * b)) & 15];
		}
		hex[hashlen] = '\0';
		fprintf(f, "%s:%u:%s.%s.%s-%u-%u\n", hex, (unsigned)(rng() % 20000000 + 100),
		        platforms[rng() % 8], categories[rng() % 8], families[rng() % 16],
		        (unsigned)(rng() % 9000000 + 1000000), (unsigned)(rng() % 3));
	}
	return fclose(f);
}
