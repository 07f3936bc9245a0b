/*
 * gate: whole milter packets only, for libmilter (see gate.h). One thread waits with epoll
 * (edge-triggered: a descriptor is registered once, and each side is read or written until the
 * kernel says EAGAIN) on the listening socket, a wake-up pipe and both ends of every
 * connection. Per connection one queue each way (gate_asm.h): at most one packet in assembly
 * (GATE_MAX_PACKET) and GATE_ASM_QUEUE bytes ready: past that the gate stops reading that side
 * until the other has taken its bytes, so neither a fast MTA nor a slow one makes it buffer
 * without bound. Bytes are read in large chunks straight into the queue and every whole packet
 * read is sent on with one send. Thread safety: everything but gate_open/start/stop belongs to
 * the gate thread.
 */

#include "milter/gate.h"
#include "milter/gate_asm.h"
#include "milter/mlog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

G_STATIC_ASSERT(GATE_MAX_PACKET == GATE_ASM_MAX_PACKET);

#define GATE_TICK_MS 1000 /* how often deadlines are looked at */
#define GATE_EVENTS  64   /* epoll events taken per wait */

#define GATE_PIPE_SIZE  (1024 * 1024) /* asked of each pipe (the default unprivileged most) */
#define GATE_PIPES_MAX  32            /* pipes at once: beyond, packets go through buffers */
#define GATE_PIPES_IDLE 4             /* empty pipes kept for the next large packet */

struct gate_conn;

/* One end of a connection, as epoll knows it. */
struct gate_end {
	struct gate_conn *c;
	bool mta;
};

struct gate_conn {
	int mta, milter;            /* -1 once closed */
	struct gate_end end[2];     /* [0] the MTA's socket, [1] libmilter's */
	struct gate_asm to_milter;  /* the MTA's bytes: whole packets go on, one waits in part */
	struct gate_asm to_mta;     /* libmilter's bytes not yet taken by the MTA */
	bool mta_in, milter_in;     /* the kernel said readable and no EAGAIN since */
	bool mta_out, milter_out;   /* the same for writable */
	bool mta_hup, milter_hup;   /* the kernel said the other end has shut down */
	bool mta_wout, milter_wout; /* EPOLLOUT asked for (only while a send is short) */
	bool mta_eof, milter_eof, milter_shut;
	int pipe[2];   /* the rest of a large packet from the MTA, or -1 (gate_pipe_get) */
	bool nosplice; /* splicing failed once: buffers only */
	bool dead;     /* ended: freed after this round of events */
	bool busy;     /* in gate_busy */
	guint index;   /* in gate_conns */
};

static int gate_listen = -1; /* the milter socket, taken from libmilter */
static struct sockaddr_storage gate_inner;
static socklen_t gate_inner_len;
static char *gate_path;          /* the inner unix socket, or NULL */
static char *gate_real_path;     /* the milter socket's path (unix), or NULL */
static struct stat gate_real_st; /* of that socket: unlink only that one at the end */
static gint64 gate_timeout_us;
static int gate_wake[2] = {-1, -1};
static GThread *gate_thread;
static GPtrArray *gate_conns;
static int gate_idle[GATE_PIPES_IDLE][2]; /* empty pipes */
static guint gate_nidle, gate_npipes;     /* idle ones; all open ones */
static struct gate_counts gate_n;         /* written by the gate thread, atomically */

ssize_t (*gate_splice_fn)(int, loff_t *, int, loff_t *, size_t, unsigned int) = splice;

#define GATE_COUNT(field, n) __atomic_fetch_add(&gate_n.field, (guint64)(n), __ATOMIC_RELAXED)

void gate_counts(struct gate_counts *r)
{
	r->spliced_in = __atomic_load_n(&gate_n.spliced_in, __ATOMIC_RELAXED);
	r->spliced_out = __atomic_load_n(&gate_n.spliced_out, __ATOMIC_RELAXED);
	r->copied = __atomic_load_n(&gate_n.copied, __ATOMIC_RELAXED);
	r->pipes = __atomic_load_n(&gate_n.pipes, __ATOMIC_RELAXED);
}

/* libmilter's listening socket: the one descriptor that accepts connections. */
static int gate_find_listener(GError **error)
{
	GDir *d = g_dir_open("/proc/self/fd", 0, error);
	const char *name;
	int found = -1, n = 0;

	if (d == NULL)
		return -1;
	while ((name = g_dir_read_name(d)) != NULL) {
		int fd = atoi(name), on = 0;
		socklen_t len = sizeof(on);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on) {
			found = fd;
			n++;
		}
	}
	g_dir_close(d);
	if (n != 1) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		            "%d listening sockets, expected libmilter's alone", n);
		return -1;
	}
	return found;
}

/* The inner listening socket, where libmilter will accept the gate's connections. */
static int gate_inner_socket(const char *upath, GError **error)
{
	int fd;

	memset(&gate_inner, 0, sizeof(gate_inner));
	if (upath != NULL) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&gate_inner;

		gate_path = g_strconcat(upath, ".gate", NULL);
		if (strlen(gate_path) >= sizeof(sun->sun_path)) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG, "%s: too long",
			            gate_path);
			return -1;
		}
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, gate_path);
		gate_inner_len = sizeof(*sun);
		(void)unlink(gate_path); /* of an earlier run */
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&gate_inner;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		gate_inner_len = sizeof(*sin);
	}
	fd = socket(gate_inner.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&gate_inner, gate_inner_len) < 0 ||
	    (gate_path != NULL && chmod(gate_path, 0600) < 0) || listen(fd, SOMAXCONN) < 0 ||
	    getsockname(fd, (struct sockaddr *)&gate_inner, &gate_inner_len) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "inner milter socket: %s", g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int gate_open(const char *socket, unsigned int timeout, GError **error)
{
	const char *upath = NULL;
	int lib, inner, real;

	if (g_str_has_prefix(socket, "unix:"))
		upath = socket + 5;
	else if (g_str_has_prefix(socket, "local:"))
		upath = socket + 6;
	else if (socket[0] == '/')
		upath = socket;
	else if (!g_str_has_prefix(socket, "inet:")) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not gated", socket);
		return -1;
	}
	lib = gate_find_listener(error);
	if (lib < 0)
		return -1;
	inner = gate_inner_socket(upath, error);
	if (inner < 0) {
		g_clear_pointer(&gate_path, g_free);
		return -1;
	}
	/* the gate keeps the milter socket; libmilter's descriptor becomes the inner socket */
	real = fcntl(lib, F_DUPFD_CLOEXEC, 0);
	if (real < 0 || dup2(inner, lib) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "dup: %s",
		            g_strerror(errno));
		if (real >= 0)
			close(real);
		close(inner);
		if (gate_path != NULL)
			(void)unlink(gate_path);
		g_clear_pointer(&gate_path, g_free);
		return -1;
	}
	(void)fcntl(lib, F_SETFD, FD_CLOEXEC);
	close(inner);
	(void)fcntl(real, F_SETFL, fcntl(real, F_GETFL) | O_NONBLOCK);
	gate_listen = real;
	/* libmilter no longer recognises the socket as its own and leaves it at exit: ours */
	if (upath != NULL && stat(upath, &gate_real_st) == 0)
		gate_real_path = g_strdup(upath);
	gate_timeout_us = (gint64)timeout * G_USEC_PER_SEC;
	return 0;
}

const char *gate_inner_path(void)
{
	return gate_path;
}

static int gate_epoll = -1;
static GPtrArray *gate_dead; /* ended in this round of events: freed after it */
static GPtrArray *gate_busy; /* had more to move than one turn: another turn after the others */

/* A pipe for the connection's packet in part: its own, an idle one or a new one; false when
   none may be had (then the packet goes through the buffer). */
static bool gate_pipe_get(struct gate_conn *c)
{
	if (c->pipe[0] >= 0)
		return true;
	if (c->nosplice)
		return false;
	if (gate_nidle > 0) {
		gate_nidle--;
		c->pipe[0] = gate_idle[gate_nidle][0];
		c->pipe[1] = gate_idle[gate_nidle][1];
		return true;
	}
	if (gate_npipes >= GATE_PIPES_MAX || pipe2(c->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		c->pipe[0] = c->pipe[1] = -1;
		return false;
	}
	/* else the default size: a packet that does not fit comes back to the buffer */
	(void)fcntl(c->pipe[1], F_SETPIPE_SZ, GATE_PIPE_SIZE);
	gate_npipes++;
	GATE_COUNT(pipes, 1);
	return true;
}

/* The connection's pipe goes back to the pool when empty, else it is closed. */
static void gate_pipe_put(struct gate_conn *c, bool empty)
{
	if (c->pipe[0] < 0)
		return;
	if (empty && gate_nidle < GATE_PIPES_IDLE) {
		gate_idle[gate_nidle][0] = c->pipe[0];
		gate_idle[gate_nidle][1] = c->pipe[1];
		gate_nidle++;
	} else {
		close(c->pipe[0]);
		close(c->pipe[1]);
		gate_npipes--;
		GATE_COUNT(pipes, -1);
	}
	c->pipe[0] = c->pipe[1] = -1;
}

/* Splicing failed: the pipe's bytes come back into the buffer, and the connection goes on
   without splicing. Returns 0, or -1: end the connection. */
static int gate_unpipe(struct gate_conn *c)
{
	struct gate_asm *q = &c->to_milter;
	unsigned char *at;
	size_t left = gate_asm_unpipe_room(q, &at);

	c->nosplice = true;
	while (left > 0) {
		ssize_t n = read(c->pipe[0], at, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1; /* the bytes counted in the pipe are not there */
		gate_asm_unpiped(q, (size_t)n);
		at += n;
		left -= (size_t)n;
	}
	gate_pipe_put(c, true);
	return 0;
}

/* The MTA has ended: a packet cut short is dropped (libmilter sees the end at a boundary). */
static void gate_mta_eof(struct gate_conn *c)
{
	bool junk = !c->to_milter.pipe_whole && c->to_milter.piped > 0;

	c->mta_eof = true;
	gate_asm_drop_partial(&c->to_milter);
	if (junk)
		gate_pipe_put(c, false);
}

/* Splice up to want bytes of the packet in part from the MTA into the pipe. Returns the bytes
   moved (an end of file counts 1), 0 when nothing moved (the socket is drained: mta_in is
   cleared; or splicing has given way to the buffer), -1: end the connection. */
static ssize_t gate_splice_in(struct gate_conn *c, size_t want)
{
	ssize_t n;

	do
		n = gate_splice_fn(c->mta, NULL, c->pipe[1], NULL, want,
		                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		gate_asm_spliced(&c->to_milter, (size_t)n);
		GATE_COUNT(spliced_in, n);
		return n;
	}
	if (n == 0) {
		c->mta_in = false;
		gate_mta_eof(c);
		return 1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		struct pollfd room = {.fd = c->pipe[1], .events = POLLOUT};

		/* the socket is drained when the pipe has room: epoll says when more comes (bytes
		   come after the splice make a new edge) */
		if (poll(&room, 1, 0) == 1 && (room.revents & POLLOUT)) {
			c->mta_in = false;
			return 0;
		}
	}
	/* the pipe is full, or splice cannot be used here */
	return gate_unpipe(c) < 0 ? -1 : 0;
}

static void gate_conn_free(gpointer data)
{
	struct gate_conn *c = data;

	if (c->mta >= 0)
		close(c->mta);
	if (c->milter >= 0)
		close(c->milter);
	gate_pipe_put(c, false);
	gate_asm_deinit(&c->to_milter);
	gate_asm_deinit(&c->to_mta);
	g_free(c);
}

/* The connection is over: out of the list at once, freed after this round of events (an event
   of the same round may still point at it). */
static void gate_conn_end(struct gate_conn *c)
{
	struct gate_conn *last = g_ptr_array_index(gate_conns, gate_conns->len - 1);

	if (c->dead)
		return;
	c->dead = true;
	if (c->busy)
		g_ptr_array_remove(gate_busy, c);
	last->index = c->index;
	g_ptr_array_remove_index_fast(gate_conns, c->index);
	g_ptr_array_add(gate_dead, c);
}

/* A socket's events: EPOLLOUT only while a send has been short (else every read of the peer
   would wake the gate for nothing). */
static int gate_watch(int fd, struct gate_end *e, int op, bool out)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (out ? EPOLLOUT : 0),
	                         .data.ptr = e};

	return epoll_ctl(gate_epoll, op, fd, &ev);
}

static void gate_accept(void)
{
	for (;;) {
		int mta = accept4(gate_listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), milter;
		struct gate_conn *c;

		if (mta < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				mlog_warn("milter socket: accept: %s", g_strerror(errno));
			return;
		}
		milter =
		        socket(gate_inner.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (milter < 0 ||
		    (connect(milter, (struct sockaddr *)&gate_inner, gate_inner_len) < 0 &&
		     errno != EINPROGRESS)) {
			mlog_warn("milter socket: cannot reach libmilter: %s", g_strerror(errno));
			if (milter >= 0)
				close(milter);
			close(mta);
			continue;
		}
		c = g_new0(struct gate_conn, 1);
		c->mta = mta;
		c->milter = milter;
		c->pipe[0] = c->pipe[1] = -1;
		c->end[0] = (struct gate_end){c, true};
		c->end[1] = (struct gate_end){c, false};
		gate_asm_init(&c->to_milter, true);
		gate_asm_init(&c->to_mta, false);
		c->mta_out = c->milter_out = true; /* until a send says EAGAIN */
		c->index = gate_conns->len;
		g_ptr_array_add(gate_conns, c);
		if (gate_watch(mta, &c->end[0], EPOLL_CTL_ADD, false) < 0 ||
		    gate_watch(milter, &c->end[1], EPOLL_CTL_ADD, false) < 0) {
			mlog_warn("milter socket: epoll: %s", g_strerror(errno));
			gate_conn_end(c);
		}
	}
}

/* Read one side into its queue until the socket is drained or the queue is full. Returns the
   bytes read (an end of file counts 1: it is noted, not an error), or -1: end the connection. */
static ssize_t gate_read(struct gate_conn *c, bool from_mta, gint64 now)
{
	struct gate_asm *q = from_mta ? &c->to_milter : &c->to_mta;
	bool *in = from_mta ? &c->mta_in : &c->milter_in;
	bool hup = from_mta ? c->mta_hup : c->milter_hup;
	ssize_t moved = 0;
	unsigned char *at;
	size_t room;

	while (*in) {
		size_t want = from_mta && !c->nosplice ? gate_asm_splice_want(q) : 0;
		ssize_t n;

		if (want > 0 && gate_pipe_get(c)) {
			n = gate_splice_in(c, want);
			if (n < 0)
				return -1;
			moved += n;
			if (c->mta_eof)
				return moved;
			continue;
		}
		room = gate_asm_room(q, &at);
		if (room == 0)
			break;
		if (from_mta && !c->nosplice)
			room = gate_asm_read_max(q,
			                         room); /* stop after a header: splice the rest */
		n = read(from_mta ? c->mta : c->milter, at, room);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			*in = false;
			break;
		}
		if (n == 0) {
			*in = false;
			if (from_mta) {
				gate_mta_eof(c);
			} else {
				c->milter_eof = true;
			}
			return moved + 1;
		}
		if (gate_asm_filled(q, (size_t)n, now) < 0)
			return -1;
		moved += n;
		if ((size_t)n < room && !hup) {
			/* drained: epoll says when more comes (an end already seen is read on) */
			*in = false;
			break;
		}
	}
	return moved;
}

/* Splice the pipe's whole packet (ready bytes of it) into libmilter's socket. Returns the bytes
   moved (0: the socket is full, milter_out is cleared; or the pipe's bytes came back into the
   buffer), -1: end the connection. SIGPIPE is ignored (splice has no MSG_NOSIGNAL). */
static ssize_t gate_splice_out(struct gate_conn *c, size_t ready)
{
	struct gate_asm *q = &c->to_milter;
	ssize_t n;

	do
		n = gate_splice_fn(c->pipe[0], NULL, c->milter, NULL, ready,
		                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN) {
			c->milter_out = false;
			return 0;
		}
		if (errno == EPIPE || errno == ECONNRESET)
			return -1;
		return gate_unpipe(c) < 0 ? -1 : 0; /* sent from the buffer instead */
	}
	gate_asm_pipe_sent(q, (size_t)n);
	GATE_COUNT(spliced_out, n);
	if (q->piped == 0)
		gate_pipe_put(c, true);
	if ((size_t)n < ready)
		c->milter_out = false; /* the socket is full */
	return n;
}

/* Send what a queue has ready to one side until its socket is full or nothing is left; EPOLLOUT
   is asked for while the socket is full. Returns the bytes sent, or -1: error. */
static ssize_t gate_write(struct gate_conn *c, bool to_mta)
{
	struct gate_asm *q = to_mta ? &c->to_mta : &c->to_milter;
	bool *out = to_mta ? &c->mta_out : &c->milter_out;
	bool *wout = to_mta ? &c->mta_wout : &c->milter_wout;
	int fd = to_mta ? c->mta : c->milter;
	const unsigned char *at;
	ssize_t moved = 0;
	size_t ready;

	while (*out) {
		ssize_t n;

		ready = gate_asm_ready(q, &at);
		if (ready == 0 && !to_mta && (ready = gate_asm_pipe_ready(q)) > 0) {
			n = gate_splice_out(c, ready);
			if (n < 0)
				return -1;
			moved += n;
			continue;
		}
		if (ready == 0)
			break;
		n = send(fd, at, ready, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN)
				return -1;
			*out = false;
			break;
		}
		gate_asm_sent(q, (size_t)n);
		if (!to_mta)
			GATE_COUNT(copied, n);
		moved += n;
		if ((size_t)n < ready)
			*out = false; /* the socket is full */
	}
	if (!*out != *wout) {
		*wout = !*out;
		if (gate_watch(fd, &c->end[to_mta ? 0 : 1], EPOLL_CTL_MOD, *wout) < 0)
			return -1;
	}
	return moved;
}

#define GATE_ROUNDS 16 /* read/write rounds for one connection before the others' turn */

/* Move bytes both ways until nothing moves (a read may wait for a write of the other side,
   its queue being full, and the other way round). Returns 0, 1 when the connection still had
   bytes to move after GATE_ROUNDS (its turn comes again after the others'), -1 when it is
   over. */
static int gate_step(struct gate_conn *c, gint64 now)
{
	const unsigned char *at;
	int round;

	for (round = 0; round < GATE_ROUNDS; round++) {
		ssize_t r1 = gate_read(c, true, now), r2 = gate_read(c, false, now), w1, w2;

		if (r1 < 0 || r2 < 0)
			return -1;
		w1 = gate_write(c, false);
		w2 = gate_write(c, true);
		if (w1 < 0 || w2 < 0)
			return -1;
		if (r1 + r2 + w1 + w2 == 0)
			break;
	}
	/* the end of a message has gone on: the MTA waits for the reply, and 200 connections
	   doing so keep no body-sized buffers (SMFIC_BODYEOB, SMFIC_ABORT, SMFIC_QUIT) */
	if (c->to_milter.last == 'E' || c->to_milter.last == 'A' || c->to_milter.last == 'Q')
		gate_asm_release(&c->to_milter);
	if (c->milter_eof && gate_asm_ready(&c->to_mta, &at) == 0)
		return -1; /* libmilter is done, and the MTA has had everything */
	if (c->mta_eof && gate_asm_ready(&c->to_milter, &at) == 0 && c->to_milter.piped == 0 &&
	    !c->milter_shut) {
		(void)shutdown(c->milter, SHUT_WR); /* libmilter sees the end as it would */
		c->milter_shut = true;
	}
	return round == GATE_ROUNDS ? 1 : 0;
}

/* Step a connection; one still busy joins gate_busy (once), one over ends. */
static void gate_run(struct gate_conn *c, gint64 now)
{
	int r;

	if (c->dead)
		return;
	r = gate_step(c, now);
	if (r < 0) {
		gate_conn_end(c);
	} else if (r > 0 && !c->busy) {
		c->busy = true;
		g_ptr_array_add(gate_busy, c);
	}
}

/* Every second: a packet begun and never finished within the timeout ends its connection. */
static void gate_deadlines(gint64 now)
{
	for (guint i = gate_conns->len; i-- > 0;) {
		struct gate_conn *c = gate_conns->pdata[i];

		if (c->to_milter.since != 0 && now - c->to_milter.since > gate_timeout_us)
			gate_conn_end(c);
	}
}

static gpointer gate_main(gpointer unused)
{
	struct epoll_event ev[GATE_EVENTS];
	gint64 tick = g_get_monotonic_time() + GATE_TICK_MS * 1000;

	for (;;) {
		gint64 now = g_get_monotonic_time();
		int n, wait_ms = now >= tick || gate_busy->len > 0
		                         ? 0
		                         : (int)((tick - now + 999) / 1000);
		bool quit = false;
		guint busy;

		n = epoll_wait(gate_epoll, ev, GATE_EVENTS, wait_ms);
		if (n < 0 && errno != EINTR)
			break;
		now = g_get_monotonic_time();
		for (int i = 0; i < n; i++) {
			struct gate_end *e = ev[i].data.ptr;
			struct gate_conn *c;

			if (e == NULL) {
				quit = true;
				continue;
			}
			if (e == (struct gate_end *)&gate_listen) {
				gate_accept();
				continue;
			}
			c = e->c;
			if (ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				*(e->mta ? &c->mta_in : &c->milter_in) = true;
			if (ev[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				*(e->mta ? &c->mta_hup : &c->milter_hup) = true;
			if (ev[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
				*(e->mta ? &c->mta_out : &c->milter_out) = true;
			gate_run(c, now);
		}
		/* those that had more to move than one turn: another turn each */
		busy = gate_busy->len;
		for (guint i = 0; i < busy; i++) {
			struct gate_conn *c = gate_busy->pdata[i];

			c->busy = false;
			gate_run(c, now);
		}
		g_ptr_array_remove_range(gate_busy, 0, busy);
		if (now >= tick) {
			gate_deadlines(now);
			tick = now + GATE_TICK_MS * 1000;
		}
		g_ptr_array_set_size(gate_dead, 0);
		if (quit)
			break;
	}
	return NULL;
}

void gate_start(void)
{
	struct epoll_event wake = {.events = EPOLLIN, .data.ptr = NULL};
	struct epoll_event listen = {.events = EPOLLIN, .data.ptr = &gate_listen};

	if (gate_listen < 0 || pipe2(gate_wake, O_CLOEXEC) < 0)
		return;
	gate_epoll = epoll_create1(EPOLL_CLOEXEC);
	if (gate_epoll < 0 || epoll_ctl(gate_epoll, EPOLL_CTL_ADD, gate_wake[0], &wake) < 0 ||
	    epoll_ctl(gate_epoll, EPOLL_CTL_ADD, gate_listen, &listen) < 0) {
		mlog_warn("packet gate: epoll: %s", g_strerror(errno));
		return;
	}
	gate_conns = g_ptr_array_new_with_free_func(NULL);
	gate_dead = g_ptr_array_new_with_free_func(gate_conn_free);
	gate_busy = g_ptr_array_new();
	gate_thread = g_thread_new("gate", gate_main, NULL);
}

void gate_stop(void)
{
	if (gate_thread != NULL) {
		(void)!write(gate_wake[1], "q", 1);
		g_thread_join(gate_thread);
		gate_thread = NULL;
		close(gate_wake[0]);
		close(gate_wake[1]);
		gate_wake[0] = gate_wake[1] = -1;
		while (gate_conns->len > 0)
			gate_conn_end(gate_conns->pdata[0]);
		g_ptr_array_free(gate_dead, TRUE);
		g_ptr_array_free(gate_conns, TRUE);
		g_ptr_array_free(gate_busy, TRUE);
		gate_dead = gate_conns = gate_busy = NULL;
	}
	while (gate_nidle > 0) {
		gate_nidle--;
		close(gate_idle[gate_nidle][0]);
		close(gate_idle[gate_nidle][1]);
		gate_npipes--;
		GATE_COUNT(pipes, -1);
	}
	if (gate_epoll >= 0) {
		close(gate_epoll);
		gate_epoll = -1;
	}
	if (gate_listen >= 0) {
		close(gate_listen);
		gate_listen = -1;
	}
	if (gate_path != NULL)
		(void)unlink(gate_path);
	g_clear_pointer(&gate_path, g_free);
	if (gate_real_path != NULL) {
		struct stat st;

		/* a newer instance may already listen on the same path: leave its socket alone */
		if (stat(gate_real_path, &st) == 0 && st.st_ino == gate_real_st.st_ino &&
		    st.st_dev == gate_real_st.st_dev)
			(void)unlink(gate_real_path);
		g_clear_pointer(&gate_real_path, g_free);
	}
}
