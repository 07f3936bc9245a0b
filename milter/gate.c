/*
 * gate: whole milter packets only, for libmilter (see gate.h). One thread polls the
 * listening socket, a wake-up pipe and both ends of every connection. Per connection at most
 * one packet in assembly (GATE_MAX_PACKET) and GATE_BUF bytes queued each way: past that the
 * gate stops reading that side until the other has taken its bytes, so neither a fast MTA
 * nor a slow one makes it buffer without bound. Thread safety: everything but
 * gate_open/start/stop belongs to the gate thread.
 */

#include "milter/gate.h"
#include "milter/mlog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define GATE_BUF     (256 * 1024) /* bytes queued one way before reading that side stops */
#define GATE_TICK_MS 1000         /* how often deadlines are looked at */
#define GATE_HDR     4            /* a packet: 4 bytes of length (network order), then data */
#define GATE_DIRECT  16384        /* packet data at least this long is read into the packet */

struct gate_conn {
	int mta, milter;       /* -1 once closed */
	GByteArray *pkt;       /* the MTA's packet in assembly */
	gint64 pkt_since;      /* monotonic time of its first byte; 0: none in progress */
	GByteArray *to_milter; /* whole packets not yet taken by libmilter, from milter_head */
	GByteArray *to_mta;    /* libmilter's bytes not yet taken by the MTA, from mta_head */
	guint milter_head, mta_head; /* bytes at the front already sent */
	bool pkt_ready;              /* pkt is whole and waits for to_milter to empty (no copy) */
	bool mta_eof, milter_eof, milter_shut;
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

static void gate_conn_free(gpointer data)
{
	struct gate_conn *c = data;

	if (c->mta >= 0)
		close(c->mta);
	if (c->milter >= 0)
		close(c->milter);
	g_byte_array_unref(c->pkt);
	g_byte_array_unref(c->to_milter);
	g_byte_array_unref(c->to_mta);
	g_free(c);
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
		c->pkt = g_byte_array_new();
		c->to_milter = g_byte_array_new();
		c->to_mta = g_byte_array_new();
		g_ptr_array_add(gate_conns, c);
	}
}

/* The data length a packet's header declares (its first GATE_HDR bytes). */
static uint32_t gate_pkt_len(const struct gate_conn *c)
{
	uint32_t len;

	memcpy(&len, c->pkt->data, GATE_HDR);
	return ntohl(len);
}

/* Bytes of a queue not yet sent. */
static guint gate_pending(const GByteArray *q, guint head)
{
	return q->len - head;
}

/* The packet in assembly is whole: it joins to_milter. When nothing is queued there (the
   usual case) the two arrays trade places, so the packet's bytes are not copied again. */
static void gate_pkt_done(struct gate_conn *c)
{
	if (gate_pending(c->to_milter, c->milter_head) == 0) {
		GByteArray *t = c->to_milter;

		c->to_milter = c->pkt;
		c->pkt = t;
		c->milter_head = 0;
	} else {
		g_byte_array_append(c->to_milter, c->pkt->data, c->pkt->len);
	}
	g_byte_array_set_size(c->pkt, 0);
	c->pkt_since = 0;
}

/* The bytes the packet in assembly still needs. */
static size_t gate_pkt_want(const struct gate_conn *c)
{
	if (c->pkt->len < GATE_HDR)
		return GATE_HDR - c->pkt->len;
	return GATE_HDR + (size_t)gate_pkt_len(c) - c->pkt->len;
}

/* Take the MTA's bytes into packets; whole ones go to to_milter. -1: end the connection. */
static int gate_take(struct gate_conn *c, const unsigned char *p, size_t n)
{
	while (n > 0) {
		size_t take;

		if (c->pkt->len == 0)
			c->pkt_since = g_get_monotonic_time();
		take = MIN(n, gate_pkt_want(c));
		g_byte_array_append(c->pkt, p, (guint)take);
		p += take;
		n -= take;
		if (c->pkt->len == GATE_HDR) {
			uint32_t len = gate_pkt_len(c);

			if (len == 0 || len > GATE_MAX_PACKET)
				return -1; /* libmilter would end the session too */
		} else if (gate_pkt_want(c) == 0) {
			gate_pkt_done(c);
		}
	}
	return 0;
}

/* The data of a packet whose header is in: read straight into the packet (no copy through
   a buffer of ours), at most what it still needs and 64 KiB at a time (a packet announced
   and never sent costs what arrived, not what it announced). -1: end the connection. */
static int gate_read_pkt(struct gate_conn *c)
{
	guint len = c->pkt->len;
	size_t want = MIN(gate_pkt_want(c), 65536);
	ssize_t n;

	g_byte_array_set_size(c->pkt, len + (guint)want);
	n = read(c->mta, c->pkt->data + len, want);
	g_byte_array_set_size(c->pkt, len + (guint)MAX(n, 0));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0) {
		c->mta_eof = true; /* a packet cut short is dropped */
		g_byte_array_set_size(c->pkt, 0);
		c->pkt_since = 0;
	} else if (gate_pkt_want(c) == 0) {
		/* a large packet is not copied behind the queued ones: it waits, whole, and the
		   MTA is not read meanwhile (at most two packets held, as before: one queued, one
		   in assembly) */
		c->pkt_since = 0;
		if (gate_pending(c->to_milter, c->milter_head) == 0)
			gate_pkt_done(c);
		else
			c->pkt_ready = true;
	}
	return 0;
}

/* Read what one side has: libmilter's bytes are queued for the MTA, the MTA's go into
   packets. -1: end the connection. An end of file is noted, not an error. */
static int gate_read(struct gate_conn *c, bool from_mta)
{
	unsigned char buf[65536];
	ssize_t n;

	if (from_mta && c->pkt_ready)
		return 0; /* (a hang-up is seen once the whole packet has gone on) */
	/* a body chunk: its data goes straight into the packet */
	if (from_mta && c->pkt->len >= GATE_HDR && gate_pkt_want(c) >= GATE_DIRECT)
		return gate_read_pkt(c);
	n = read(from_mta ? c->mta : c->milter, buf, sizeof(buf));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0) {
		if (from_mta) {
			/* a packet cut short is dropped: libmilter sees the end at a boundary */
			c->mta_eof = true;
			g_byte_array_set_size(c->pkt, 0);
			c->pkt_since = 0;
		} else {
			c->milter_eof = true;
		}
		return 0;
	}
	if (!from_mta) {
		g_byte_array_append(c->to_mta, buf, (guint)n);
		return 0;
	}
	return gate_take(c, buf, (size_t)n);
}

/* Write what is queued for fd from *head on. The sent front is not moved away after each
   send (a memmove of all that is left, every time): the queue empties to its start, or is
   compacted once its sent front reaches GATE_BUF. -1: error. */
static int gate_write(int fd, GByteArray *q, guint *head)
{
	ssize_t n = send(fd, q->data + *head, q->len - *head, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR || errno == ENOTCONN ? 0 : -1;
	*head += (guint)n;
	if (*head == q->len) {
		g_byte_array_set_size(q, 0);
		*head = 0;
	} else if (*head >= GATE_BUF) {
		g_byte_array_remove_range(q, 0, *head);
		*head = 0;
	}
	return 0;
}

/* After poll: move bytes; false when the connection is over. */
static bool gate_step(struct gate_conn *c, short mta_ev, short milter_ev, gint64 now)
{
	if ((mta_ev & (POLLIN | POLLHUP | POLLERR)) && gate_read(c, true) < 0)
		return false;
	if ((milter_ev & (POLLIN | POLLHUP | POLLERR)) && gate_read(c, false) < 0)
		return false;
	/* what was just read is written at once, not after one more poll */
	if (gate_pending(c->to_milter, c->milter_head) > 0 &&
	    gate_write(c->milter, c->to_milter, &c->milter_head) < 0)
		return false;
	if (c->pkt_ready && gate_pending(c->to_milter, c->milter_head) == 0) {
		c->pkt_ready = false;
		gate_pkt_done(c);
		if (gate_write(c->milter, c->to_milter, &c->milter_head) < 0)
			return false;
	}
	if (gate_pending(c->to_mta, c->mta_head) > 0 &&
	    gate_write(c->mta, c->to_mta, &c->mta_head) < 0)
		return false;
	if (c->pkt_since != 0 && now - c->pkt_since > gate_timeout_us)
		return false; /* a packet begun and never finished */
	if (c->milter_eof && gate_pending(c->to_mta, c->mta_head) == 0)
		return false; /* libmilter is done, and the MTA has had everything */
	if (c->mta_eof && gate_pending(c->to_milter, c->milter_head) == 0 && !c->pkt_ready &&
	    !c->milter_shut) {
		(void)shutdown(c->milter, SHUT_WR); /* libmilter sees the end as it would */
		c->milter_shut = true;
	}
	return true;
}

static short gate_events(const struct gate_conn *c, bool mta)
{
	guint to_milter = gate_pending(c->to_milter, c->milter_head);
	guint to_mta = gate_pending(c->to_mta, c->mta_head);
	short ev = 0;

	if (mta) {
		if (!c->mta_eof && !c->pkt_ready && to_milter < GATE_BUF)
			ev |= POLLIN;
		if (to_mta > 0)
			ev |= POLLOUT;
	} else {
		if (!c->milter_eof && to_mta < GATE_BUF)
			ev |= POLLIN;
		if (to_milter > 0)
			ev |= POLLOUT;
	}
	return ev;
}

static gpointer gate_main(gpointer unused)
{
	GArray *fds = g_array_new(FALSE, FALSE, sizeof(struct pollfd));

	for (;;) {
		struct pollfd head[2] = {{gate_wake[0], POLLIN, 0}, {gate_listen, POLLIN, 0}};
		guint n = gate_conns->len;
		gint64 now;

		g_array_set_size(fds, 0);
		g_array_append_vals(fds, head, 2);
		for (guint i = 0; i < n; i++) {
			const struct gate_conn *c = gate_conns->pdata[i];
			struct pollfd p[2] = {{c->mta, gate_events(c, true), 0},
			                      {c->milter, gate_events(c, false), 0}};

			/* a side that has ended and has nothing to take: not polled (its
			   POLLHUP would wake us for nothing until the other side ends) */
			for (int k = 0; k < 2; k++)
				if (p[k].events == 0)
					p[k].fd = -1;
			g_array_append_vals(fds, p, 2);
		}
		if (poll((struct pollfd *)fds->data, fds->len, GATE_TICK_MS) < 0 && errno != EINTR)
			break;
		if (g_array_index(fds, struct pollfd, 0).revents != 0)
			break;
		now = g_get_monotonic_time();
		for (guint i = n; i-- > 0;) {
			struct pollfd *p = &g_array_index(fds, struct pollfd, 2 + 2 * i);

			if (!gate_step(gate_conns->pdata[i], p[0].revents, p[1].revents, now))
				g_ptr_array_remove_index_fast(gate_conns, i);
		}
		if (g_array_index(fds, struct pollfd, 1).revents != 0)
			gate_accept();
	}
	g_array_free(fds, TRUE);
	return NULL;
}

void gate_start(void)
{
	if (gate_listen < 0 || pipe2(gate_wake, O_CLOEXEC) < 0)
		return;
	gate_conns = g_ptr_array_new_with_free_func(gate_conn_free);
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
		g_ptr_array_free(gate_conns, TRUE);
		gate_conns = NULL;
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
