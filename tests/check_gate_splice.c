/*
 * libcheck suite: gate_splice — the packet gate (milter/gate.c) on real sockets, between a test
 * MTA and a test libmilter (the listening socket the gate takes over is the test's own): large
 * packets spliced whole and in order with small ones, never handed on before they are whole,
 * the timeout of one never finished, the MTA ending in the middle of one, a slow libmilter,
 * and the fallback to the gate's buffers when splice(2) fails. Unix and inet milter sockets.
 */

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "milter/gate.h"
#include "milter/gate_asm.h"

/* A milter packet: 4 bytes of length, command, data (bytes that differ packet to packet). */
static void put_packet(GByteArray *s, char cmd, size_t datalen)
{
	uint32_t len = htonl((uint32_t)datalen + 1);
	size_t at = s->len + 5;

	g_byte_array_append(s, (const guint8 *)&len, 4);
	g_byte_array_append(s, (const guint8 *)&cmd, 1);
	g_byte_array_set_size(s, (guint)(at + datalen));
	for (size_t i = 0; i < datalen; i++)
		s->data[at + i] = (guint8)(i * 7 + at);
}

/* The gate between the test's MTA end and the test's libmilter end. */
struct rig {
	char *dir;
	int lib;    /* libmilter's listening socket: the inner one once the gate has it */
	int mta;    /* the MTA's end */
	int milter; /* libmilter's end of the gate's connection */
	int fds;    /* descriptors open before */
};

static int count_fds(void)
{
	GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
	int n = 0;

	while (d != NULL && g_dir_read_name(d) != NULL)
		n++;
	if (d != NULL)
		g_dir_close(d);
	return n;
}

static void rig_open(struct rig *r, bool inet, unsigned int timeout)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	GError *error = NULL;
	char *spec;

	signal(SIGPIPE, SIG_IGN); /* as partscan-milter */
	r->fds = count_fds();
	r->dir = g_dir_make_tmp("check_gate_XXXXXX", NULL);
	ck_assert_ptr_nonnull(r->dir);
	memset(&ss, 0, sizeof(ss));
	if (inet) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sslen = sizeof(*sin);
		spec = g_strdup("inet:0@127.0.0.1");
	} else {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		sun->sun_family = AF_UNIX;
		g_snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/m.sock", r->dir);
		sslen = sizeof(*sun);
		spec = g_strconcat("unix:", sun->sun_path, NULL);
	}
	r->lib = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(r->lib, (struct sockaddr *)&ss, sslen), 0);
	ck_assert_int_eq(listen(r->lib, 8), 0);
	ck_assert_int_eq(getsockname(r->lib, (struct sockaddr *)&ss, &sslen), 0);
	ck_assert_msg(gate_open(spec, timeout, &error) == 0, "gate_open: %s",
	              error != NULL ? error->message : "?");
	g_free(spec);
	gate_start();
	r->mta = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(r->mta, (struct sockaddr *)&ss, sslen), 0);
	r->milter = accept(r->lib, NULL, NULL);
	ck_assert_int_ge(r->milter, 0);
}

static void rig_close(struct rig *r)
{
	if (r->mta >= 0)
		close(r->mta);
	close(r->milter);
	gate_stop();
	close(r->lib);
	ck_assert_int_eq(rmdir(r->dir), 0); /* the gate removed its sockets */
	g_free(r->dir);
	/* no pipe, socket or other descriptor left behind */
	ck_assert_int_eq(count_fds(), r->fds);
	gate_splice_fn = splice;
}

static void put_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		ck_assert_msg(w > 0, "write: %s", g_strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

/* What libmilter's end has to read within wait_ms (up to max bytes); chunk: bytes per read,
   pause_us: a slow reader's pause between reads. */
static GByteArray *take(int fd, size_t max, int wait_ms, size_t chunk, unsigned pause_us)
{
	GByteArray *got = g_byte_array_new();
	gint64 end = g_get_monotonic_time() + (gint64)wait_ms * 1000;
	unsigned char *buf = g_malloc(chunk);

	while (got->len < max) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)((end - g_get_monotonic_time()) / 1000);
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		n = read(fd, buf, MIN(chunk, max - got->len));
		if (n <= 0)
			break;
		g_byte_array_append(got, buf, (guint)n);
		if (pause_us > 0)
			g_usleep(pause_us);
	}
	g_free(buf);
	return got;
}

/* libmilter's end sees the end of the connection within wait_ms. */
static bool sees_end(int fd, int wait_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	unsigned char b;

	return poll(&p, 1, wait_ms) == 1 && read(fd, &b, 1) <= 0;
}

struct writer {
	int fd;
	const GByteArray *s;
	guint32 seed; /* 0: one write; else writes of random sizes with pauses */
};

static gpointer write_thread(gpointer data)
{
	struct writer *w = data;
	GRand *rng = g_rand_new_with_seed(w->seed);
	size_t at = 0;

	while (at < w->s->len) {
		size_t n = w->s->len - at, piece = (size_t)g_rand_int_range(rng, 1, 150000);
		ssize_t r;

		if (w->seed != 0)
			n = MIN(n, piece);
		r = write(w->fd, w->s->data + at, n);

		if (r <= 0)
			break;
		at += (size_t)r;
		if (w->seed != 0 && g_rand_int_range(rng, 0, 4) == 0)
			g_usleep((gulong)g_rand_int_range(rng, 0, 3000));
	}
	g_rand_free(rng);
	return GSIZE_TO_POINTER(at);
}

/* The stream s through the gate, as the MTA writes it (seed: see struct writer) and a
   libmilter reading in chunks of chunk bytes (pause_us between them). */
static void pass(struct rig *r, const GByteArray *s, guint32 seed, size_t chunk, unsigned pause_us)
{
	struct writer w = {r->mta, s, seed};
	GThread *t = g_thread_new("mta", write_thread, &w);
	GByteArray *got = take(r->milter, s->len, 20000, chunk, pause_us);

	ck_assert_uint_eq(GPOINTER_TO_SIZE(g_thread_join(t)), s->len);
	ck_assert_uint_eq(got->len, s->len);
	ck_assert_mem_eq(got->data, s->data, s->len);
	g_byte_array_unref(got);
}

/* The counts since before (pipes: as now), once total bytes have gone to libmilter (the gate
   counts them just after libmilter can read them) or after a second. */
static struct gate_counts counts_since(const struct gate_counts *before, size_t total)
{
	struct gate_counts now;

	for (int i = 0; i < 100; i++) {
		gate_counts(&now);
		now.spliced_in -= before->spliced_in;
		now.spliced_out -= before->spliced_out;
		now.copied -= before->copied;
		if (now.spliced_out + now.copied >= total)
			break;
		g_usleep(10000);
	}
	return now;
}

/* Large packets go whole, in order, by splice; the small ones through the buffer. */
START_TEST(test_spliced_whole)
{
	GByteArray *s = g_byte_array_new();
	struct gate_counts before, d;
	struct rig r;

	put_packet(s, 'O', 12);
	put_packet(s, 'B', 200000);
	put_packet(s, 'B', 70000);
	put_packet(s, 'E', 0);
	gate_counts(&before);
	rig_open(&r, _i == 1, 10);
	pass(&r, s, 0, 65536, 0);
	d = counts_since(&before, s->len);
	/* at most one read's worth of the first body packet comes through the buffer */
	ck_assert_msg(d.spliced_out >= 200000 + 70000 - GATE_ASM_READ,
	              "spliced in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT
	              ", copied %" G_GUINT64_FORMAT,
	              d.spliced_in, d.spliced_out, d.copied);
	ck_assert_uint_eq(d.spliced_in, d.spliced_out);
	ck_assert_uint_eq(d.spliced_out + d.copied, s->len);
	ck_assert_uint_le(d.pipes, 1); /* back in the pool */
	rig_close(&r);
	g_byte_array_unref(s);
}
END_TEST

/* A large packet arriving in pieces with pauses goes on only once whole; one never finished
   ends the connection after the timeout, none of it handed on, its pipe closed. */
START_TEST(test_pieces_and_timeout)
{
	GByteArray *s = g_byte_array_new(), *got;
	struct gate_counts before, d;
	struct rig r;
	size_t first = 17 + 5 + 30000;
	gint64 t0;

	put_packet(s, 'O', 12);
	put_packet(s, 'B', 100000);
	gate_counts(&before);
	rig_open(&r, _i == 1, 2);
	put_all(r.mta, s->data, first);
	got = take(r.milter, 17, 10000, 65536, 0);
	ck_assert_uint_eq(got->len, 17); /* the whole OPTNEG */
	g_byte_array_unref(got);
	got = take(r.milter, s->len, 300, 65536, 0);
	ck_assert_uint_eq(got->len, 0); /* and no more */
	g_byte_array_unref(got);
	put_all(r.mta, s->data + first, 40000);
	got = take(r.milter, s->len, 300, 65536, 0);
	ck_assert_uint_eq(got->len, 0); /* still not whole */
	g_byte_array_unref(got);
	put_all(r.mta, s->data + first + 40000, s->len - first - 40000);
	got = take(r.milter, s->len - 17, 5000, 65536, 0);
	ck_assert_uint_eq(got->len, s->len - 17);
	ck_assert_mem_eq(got->data, s->data + 17, s->len - 17);
	g_byte_array_unref(got);
	d = counts_since(&before, s->len);
	ck_assert_uint_ge(d.spliced_out, 100000 - 30000 - 5);

	/* the next one stops half way: the connection ends after the timeout (2 s, looked at
	   every second), and libmilter has seen nothing of it */
	g_byte_array_set_size(s, 0);
	put_packet(s, 'B', 100000);
	put_all(r.mta, s->data, 60000);
	t0 = g_get_monotonic_time();
	got = take(r.milter, s->len, 1500, 65536, 0);
	ck_assert_uint_eq(got->len, 0);
	g_byte_array_unref(got);
	ck_assert(sees_end(r.milter, 3000));
	ck_assert_int_ge(g_get_monotonic_time() - t0, 2 * G_USEC_PER_SEC - 200000);
	d = counts_since(&before, 0);
	ck_assert_uint_ge(d.spliced_in, 100000 - 30000 - 5 + 60000 - 5 - GATE_ASM_READ);
	for (int i = 0; i < 100 && d.pipes > 0; i++) {
		g_usleep(10000);
		d = counts_since(&before, 0);
	}
	ck_assert_uint_eq(d.pipes, 0); /* the pipe holding a part was closed, not pooled */
	rig_close(&r);
	g_byte_array_unref(s);
}
END_TEST

/* libmilter reads slowly: splicing into its socket is short and resumes. */
START_TEST(test_slow_libmilter)
{
	GByteArray *s = g_byte_array_new();
	struct gate_counts before, d;
	struct rig r;

	put_packet(s, 'O', 12);
	put_packet(s, 'B', 600000);
	put_packet(s, 'B', 300000);
	put_packet(s, 'E', 0);
	gate_counts(&before);
	rig_open(&r, _i == 1, 10);
	pass(&r, s, 0, 4096, 100);
	d = counts_since(&before, s->len);
	ck_assert_uint_ge(d.spliced_out, 900000 - GATE_ASM_READ);
	rig_close(&r);
	g_byte_array_unref(s);
}
END_TEST

/* Small and large packets interleaved, written in pieces of any size with pauses: the same
   bytes in the same order. */
START_TEST(test_order)
{
	static const size_t sizes[] = {0,     1,     100,   4000,   16383, 16384,
	                               16385, 20000, 65535, 131072, 300000};
	GByteArray *s = g_byte_array_new();
	GRand *rng = g_rand_new_with_seed(17);
	struct gate_counts before, d;
	struct rig r;

	put_packet(s, 'O', 12);
	for (int i = 0; i < 60; i++)
		put_packet(s, "BHLE"[g_rand_int_range(rng, 0, 4)],
		           sizes[g_rand_int_range(rng, 0, G_N_ELEMENTS(sizes))]);
	gate_counts(&before);
	rig_open(&r, _i == 1, 10);
	for (guint32 seed = 1; seed <= 3; seed++)
		pass(&r, s, seed, 65536, 0);
	d = counts_since(&before, 3 * (size_t)s->len);
	ck_assert_uint_gt(d.spliced_out, 0);
	ck_assert_uint_gt(d.copied, 0);
	ck_assert_uint_eq(d.spliced_out + d.copied, 3 * s->len);
	rig_close(&r);
	g_rand_free(rng);
	g_byte_array_unref(s);
}
END_TEST

/* The MTA ends in the middle of a spliced packet: libmilter sees the whole packets before it
   and the end; the pipe's part is dropped (no descriptor left: rig_close; no leak: ASan). */
START_TEST(test_mta_ends_mid_splice)
{
	GByteArray *s = g_byte_array_new(), *got;
	struct gate_counts before, d;
	struct rig r;

	put_packet(s, 'O', 12);
	put_packet(s, 'B', 100000);
	gate_counts(&before);
	rig_open(&r, _i == 1, 10);
	put_all(r.mta, s->data, 17 + 5 + 20000);
	g_usleep(100000);
	put_all(r.mta, s->data + 17 + 5 + 20000, 30000);
	for (int i = 0; i < 1000 && (d = counts_since(&before, 0)).spliced_in < 30000; i++)
		g_usleep(10000);
	ck_assert_uint_ge(d.spliced_in, 30000);
	ck_assert_uint_eq(d.pipes, 1);
	close(r.mta);
	r.mta = -1;
	got = take(r.milter, s->len, 10000, 65536, 0); /* up to the end */
	ck_assert_uint_eq(got->len, 17);
	ck_assert_mem_eq(got->data, s->data, 17);
	g_byte_array_unref(got);
	ck_assert(sees_end(r.milter, 10000));
	d = counts_since(&before, 17);
	ck_assert_uint_eq(d.pipes, 0);
	rig_close(&r);
	g_byte_array_unref(s);
}
END_TEST

/* The MTA writes a large packet 100 bytes at a time: each write takes a slot of the pipe,
   which fills long before the packet is whole; its bytes come back into the buffer. */
START_TEST(test_pipe_full)
{
	GByteArray *s = g_byte_array_new(), *got;
	struct gate_counts before, d;
	struct rig r;

	put_packet(s, 'O', 12);
	put_packet(s, 'B', 100000);
	put_packet(s, 'E', 0);
	gate_counts(&before);
	rig_open(&r, false, 10);
	put_all(r.mta, s->data, 17 + 5);
	for (size_t at = 17 + 5; at < s->len; at += 100)
		put_all(r.mta, s->data + at, MIN(100, s->len - at));
	got = take(r.milter, s->len, 5000, 65536, 0);
	ck_assert_uint_eq(got->len, s->len);
	ck_assert_mem_eq(got->data, s->data, s->len);
	d = counts_since(&before, s->len);
	ck_assert_uint_gt(d.spliced_in, 0);
	ck_assert_uint_eq(d.spliced_out, 0);
	ck_assert_uint_eq(d.copied, s->len);
	g_byte_array_unref(got);
	rig_close(&r);
	g_byte_array_unref(s);
}
END_TEST

static int hook_mode; /* 1: every splice fails; 2: into libmilter fails; 3: the 2nd from
                         the MTA fails, the 1st moves at most 10000 bytes */
static int hook_calls;

static ssize_t failing_splice(int in, loff_t *off_in, int out, loff_t *off_out, size_t len,
                              unsigned int flags)
{
	struct stat st;
	bool to_milter = fstat(in, &st) == 0 && S_ISFIFO(st.st_mode);

	if (hook_mode == 1 || (hook_mode == 2 && to_milter) ||
	    (hook_mode == 3 && !to_milter && hook_calls++ > 0)) {
		errno = EINVAL;
		return -1;
	}
	return splice(in, off_in, out, off_out, hook_mode == 3 ? MIN(len, 10000) : len, flags);
}

/* splice(2) fails before, after or in the middle of a packet: the gate's buffers take over,
   and libmilter gets the same bytes. */
START_TEST(test_fallback)
{
	GByteArray *s = g_byte_array_new();
	struct gate_counts before, d;
	struct rig r;

	put_packet(s, 'O', 12);
	put_packet(s, 'B', 200000);
	put_packet(s, 'B', 70000);
	put_packet(s, 'E', 0);
	for (hook_mode = 1; hook_mode <= 3; hook_mode++) {
		hook_calls = 0;
		gate_counts(&before);
		gate_splice_fn = failing_splice;
		rig_open(&r, false, 10);
		pass(&r, s, 0, 65536, 0);
		d = counts_since(&before, s->len);
		ck_assert_uint_eq(d.spliced_out, 0);
		ck_assert_uint_eq(d.copied, s->len);
		if (hook_mode == 1)
			ck_assert_uint_eq(d.spliced_in, 0);
		else
			ck_assert_uint_gt(d.spliced_in, 0);
		rig_close(&r);
	}
	g_byte_array_unref(s);
}
END_TEST

static Suite *gate_splice_suite(void)
{
	Suite *s = suite_create("gate_splice");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	/* _i: 0 a unix milter socket, 1 an inet one */
	tcase_add_loop_test(tc, test_spliced_whole, 0, 2);
	tcase_add_loop_test(tc, test_pieces_and_timeout, 0, 2);
	tcase_add_loop_test(tc, test_slow_libmilter, 0, 2);
	tcase_add_loop_test(tc, test_order, 0, 2);
	tcase_add_loop_test(tc, test_mta_ends_mid_splice, 0, 2);
	tcase_add_test(tc, test_pipe_full);
	tcase_add_test(tc, test_fallback);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(gate_splice_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
