/*
 * released: the release markers honoured (see released.h). A hash table of item id ->
 * expiry under one mutex; the expired are dropped at each claim (a linear pass over at most
 * RELEASED_MAX entries, at a release, which is rare).
 */

#include "milter/released.h"

static GMutex released_lock;
static GHashTable *released_table; /* char *id -> gint64 *expires */

static gboolean released_expired(gpointer key, gpointer value, gpointer now)
{
	return *(const gint64 *)value < *(const gint64 *)now;
}

enum released_claim released_claim(const char *id, gint64 expires, gint64 now)
{
	enum released_claim ret;
	gint64 *when;

	g_mutex_lock(&released_lock);
	if (released_table == NULL)
		released_table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_foreach_remove(released_table, released_expired, &now);
	if (g_hash_table_contains(released_table, id)) {
		ret = RELEASED_USED;
	} else if (g_hash_table_size(released_table) >= RELEASED_MAX) {
		ret = RELEASED_FULL;
	} else {
		when = g_new(gint64, 1);
		*when = expires;
		g_hash_table_insert(released_table, g_strdup(id), when);
		ret = RELEASED_NEW;
	}
	g_mutex_unlock(&released_lock);
	return ret;
}

void released_forget(const char *id)
{
	g_mutex_lock(&released_lock);
	if (released_table != NULL)
		g_hash_table_remove(released_table, id);
	g_mutex_unlock(&released_lock);
}

unsigned int released_count(void)
{
	unsigned int n;

	g_mutex_lock(&released_lock);
	n = released_table != NULL ? g_hash_table_size(released_table) : 0;
	g_mutex_unlock(&released_lock);
	return n;
}

void released_clear(void)
{
	g_mutex_lock(&released_lock);
	g_clear_pointer(&released_table, g_hash_table_destroy);
	g_mutex_unlock(&released_lock);
}
