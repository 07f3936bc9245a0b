/*
 * live: the published (conf, sigdb) snapshot. A mutex guards the one pointer; the snapshots
 * themselves are immutable and reference-counted, so the lock is held for a pointer copy and
 * an atomic increment only.
 */

#include "milter/live.h"

static GMutex live_lock;
static struct live *live_current;
static struct cache *live_verdicts;

struct live *live_new(struct conf *conf, struct sigdb *db, double load_seconds)
{
	struct live *l = g_new0(struct live, 1);

	l->refcount = 1;
	l->conf = conf;
	l->db = db;
	l->loaded_at = g_get_real_time();
	l->load_seconds = load_seconds;
	return l;
}

struct live *live_ref(struct live *l)
{
	g_atomic_int_inc(&l->refcount);
	return l;
}

struct live *live_acquire(void)
{
	struct live *l;

	g_mutex_lock(&live_lock);
	l = live_current != NULL ? live_ref(live_current) : NULL;
	g_mutex_unlock(&live_lock);
	return l;
}

void live_release(struct live **lp)
{
	struct live *l = *lp;

	if (l == NULL)
		return;
	*lp = NULL;
	if (!g_atomic_int_dec_and_test(&l->refcount))
		return;
	conf_free(&l->conf);
	sigdb_unref(&l->db);
	g_free(l->load_error);
	g_free(l);
}

void live_publish(struct live *l)
{
	struct live *old;

	g_mutex_lock(&live_lock);
	old = live_current;
	live_current = l;
	if (live_verdicts == NULL)
		live_verdicts = cache_new(0);
	g_mutex_unlock(&live_lock);
	live_release(&old);
}

struct cache *live_cache(void)
{
	struct cache *c;

	g_mutex_lock(&live_lock);
	if (live_verdicts == NULL)
		live_verdicts = cache_new(0);
	c = live_verdicts;
	g_mutex_unlock(&live_lock);
	return c;
}

void live_shutdown(void)
{
	struct live *old;

	g_mutex_lock(&live_lock);
	old = live_current;
	live_current = NULL;
	g_mutex_unlock(&live_lock);
	live_release(&old);
	cache_free(&live_verdicts);
}
