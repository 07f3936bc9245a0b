/*
 * bufpool: large message buffers kept for the next message (see bufpool.h). Limits: at most
 * BUFPOOL_MAX buffers and BUFPOOL_BYTES bytes kept; emptied after BUFPOOL_IDLE_S idle seconds
 * by a thread started with the first buffer kept. Thread safety: one mutex.
 */

#include "milter/bufpool.h"

#include <malloc.h>
#include <stdbool.h>
#include <string.h>

struct bufpool_entry {
	GByteArray *b;
	size_t cap;
};

static GMutex bufpool_lock;
static struct bufpool_entry bufpool[BUFPOOL_MAX];
static unsigned int bufpool_n;
static size_t bufpool_bytes;
static gint64 bufpool_used; /* monotonic time of the last take or give */

size_t bufpool_class(size_t size)
{
	size_t top = BUFPOOL_MIN, step, up;

	if (size <= BUFPOOL_MIN)
		return size;
	while (top <= size / 2)
		top *= 2;
	step = top / 8;
	up = (size + step - 1) / step * step;
	return up < size || up > G_MAXUINT ? size : up;
}

GByteArray *bufpool_take(size_t size, size_t *cap_r)
{
	GByteArray *b = NULL;
	unsigned int best = BUFPOOL_MAX;

	size = bufpool_class(size);

	g_mutex_lock(&bufpool_lock);
	bufpool_used = g_get_monotonic_time();
	for (unsigned int i = 0; i < bufpool_n; i++)
		if (bufpool[i].cap >= size &&
		    (best == BUFPOOL_MAX || bufpool[i].cap < bufpool[best].cap))
			best = i;
	if (best < BUFPOOL_MAX) {
		b = bufpool[best].b;
		*cap_r = bufpool[best].cap;
		bufpool_bytes -= bufpool[best].cap;
		bufpool[best] = bufpool[--bufpool_n];
	}
	g_mutex_unlock(&bufpool_lock);
	if (b == NULL) {
		b = g_byte_array_sized_new((guint)MIN(size, G_MAXUINT));
		*cap_r = size;
	}
	return b;
}

/* Every second: a pool unused for BUFPOOL_IDLE_S is emptied and the memory trimmed. */
static gpointer bufpool_idle(gpointer unused)
{
	for (;;) {
		bool trim;

		g_usleep(G_USEC_PER_SEC);
		g_mutex_lock(&bufpool_lock);
		trim = bufpool_n > 0 &&
		       g_get_monotonic_time() - bufpool_used > BUFPOOL_IDLE_S * G_USEC_PER_SEC;
		g_mutex_unlock(&bufpool_lock);
		if (trim)
			bufpool_trim();
	}
	return NULL;
}

/* The smallest kept buffer smaller than cap (BUFPOOL_MAX: none). Called locked. */
static unsigned int bufpool_smallest_below(size_t cap)
{
	unsigned int best = BUFPOOL_MAX;

	for (unsigned int i = 0; i < bufpool_n; i++)
		if (bufpool[i].cap < cap &&
		    (best == BUFPOOL_MAX || bufpool[i].cap < bufpool[best].cap))
			best = i;
	return best;
}

void bufpool_give(GByteArray **bp, size_t cap)
{
	static gsize started;
	GByteArray *b = *bp, *evicted[BUFPOOL_MAX];
	unsigned int nevicted = 0;
	bool kept = false;

	if (b == NULL)
		return;
	*bp = NULL;
	if (cap >= BUFPOOL_MIN && cap <= BUFPOOL_BYTES) {
		g_byte_array_set_size(b, 0);
		g_mutex_lock(&bufpool_lock);
		bufpool_used = g_get_monotonic_time();
		/*
		 * A full pool makes room for a larger buffer by dropping smaller ones: a large buffer
		 * serves a small message too, not the other way round (a pool filled by 1 MB
		 * messages made every 10 MB message fault its buffer in afresh).
		 */
		while (bufpool_n == BUFPOOL_MAX || cap > BUFPOOL_BYTES - bufpool_bytes) {
			unsigned int i = bufpool_smallest_below(cap);

			if (i == BUFPOOL_MAX)
				break;
			evicted[nevicted++] = bufpool[i].b;
			bufpool_bytes -= bufpool[i].cap;
			bufpool[i] = bufpool[--bufpool_n];
		}
		if (bufpool_n < BUFPOOL_MAX && cap <= BUFPOOL_BYTES - bufpool_bytes) {
			bufpool[bufpool_n++] = (struct bufpool_entry){b, cap};
			bufpool_bytes += cap;
			kept = true;
		}
		g_mutex_unlock(&bufpool_lock);
	}
	for (unsigned int i = 0; i < nevicted; i++)
		g_byte_array_free(evicted[i], TRUE);
	if (!kept) {
		g_byte_array_free(b, TRUE);
	} else if (g_once_init_enter(&started)) {
		g_thread_unref(g_thread_new("bufpool", bufpool_idle, NULL));
		g_once_init_leave(&started, 1);
	}
}

unsigned int bufpool_count(size_t *bytes_r)
{
	unsigned int n;

	g_mutex_lock(&bufpool_lock);
	n = bufpool_n;
	if (bytes_r != NULL)
		*bytes_r = bufpool_bytes;
	g_mutex_unlock(&bufpool_lock);
	return n;
}

void bufpool_trim(void)
{
	struct bufpool_entry gone[BUFPOOL_MAX];
	unsigned int n;

	g_mutex_lock(&bufpool_lock);
	n = bufpool_n;
	memcpy(gone, bufpool, n * sizeof(gone[0]));
	bufpool_n = 0;
	bufpool_bytes = 0;
	g_mutex_unlock(&bufpool_lock);
	for (unsigned int i = 0; i < n; i++)
		g_byte_array_free(gone[i].b, TRUE);
	malloc_trim(0);
}
