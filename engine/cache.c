/*
 * cache: bounded LRU verdict cache (see cache.h). A GHashTable indexes intrusive list nodes;
 * the list runs from most to least recently used. Every operation holds the one mutex.
 */

#include "engine/cache.h"

#include <string.h>

struct cache_node {
	struct cache_key key;
	GBytes *value;
	struct cache_node *prev, *next;
};

struct cache {
	GMutex lock;
	GHashTable *index; /* struct cache_key * -> struct cache_node * */
	struct cache_node *head, *tail;
	size_t max_entries;
	struct cache_stats stats;
};

static guint cache_key_hash(gconstpointer p)
{
	const struct cache_key *k = p;
	guint h;

	memcpy(&h, k->sha256, sizeof(h)); /* already uniformly distributed */
	return h ^ (guint)k->size ^ (guint)k->generation;
}

static gboolean cache_key_equal(gconstpointer a, gconstpointer b)
{
	const struct cache_key *x = a, *y = b;

	return x->size == y->size && x->generation == y->generation &&
	       memcmp(x->sha256, y->sha256, sizeof(x->sha256)) == 0;
}

struct cache *cache_new(size_t max_entries)
{
	struct cache *c = g_new0(struct cache, 1);

	g_mutex_init(&c->lock);
	c->index = g_hash_table_new(cache_key_hash, cache_key_equal);
	c->max_entries = max_entries > 0 ? max_entries : CACHE_DEFAULT_ENTRIES;
	return c;
}

static void cache_unlink(struct cache *c, struct cache_node *n)
{
	if (n->prev != NULL)
		n->prev->next = n->next;
	else
		c->head = n->next;
	if (n->next != NULL)
		n->next->prev = n->prev;
	else
		c->tail = n->prev;
	n->prev = n->next = NULL;
}

static void cache_push_front(struct cache *c, struct cache_node *n)
{
	n->prev = NULL;
	n->next = c->head;
	if (c->head != NULL)
		c->head->prev = n;
	c->head = n;
	if (c->tail == NULL)
		c->tail = n;
}

void cache_free(struct cache **cp)
{
	struct cache *c = *cp;
	struct cache_node *n, *next;

	if (c == NULL)
		return;
	for (n = c->head; n != NULL; n = next) {
		next = n->next;
		g_bytes_unref(n->value);
		g_free(n);
	}
	g_hash_table_destroy(c->index);
	g_mutex_clear(&c->lock);
	g_free(c);
	*cp = NULL;
}

GBytes *cache_get(struct cache *c, const struct cache_key *key)
{
	struct cache_node *n;
	GBytes *value = NULL;

	g_mutex_lock(&c->lock);
	n = g_hash_table_lookup(c->index, key);
	if (n != NULL) {
		cache_unlink(c, n);
		cache_push_front(c, n);
		value = g_bytes_ref(n->value);
		c->stats.hits++;
	} else {
		c->stats.misses++;
	}
	g_mutex_unlock(&c->lock);
	return value;
}

void cache_put(struct cache *c, const struct cache_key *key, GBytes *value)
{
	struct cache_node *n;

	g_mutex_lock(&c->lock);
	n = g_hash_table_lookup(c->index, key);
	if (n != NULL) {
		g_bytes_unref(n->value);
		n->value = g_bytes_ref(value);
		cache_unlink(c, n);
		cache_push_front(c, n);
		g_mutex_unlock(&c->lock);
		return;
	}
	if (g_hash_table_size(c->index) >= c->max_entries && c->tail != NULL) {
		struct cache_node *old = c->tail;

		cache_unlink(c, old);
		g_hash_table_remove(c->index, &old->key);
		g_bytes_unref(old->value);
		g_free(old);
		c->stats.evictions++;
	}
	n = g_new0(struct cache_node, 1);
	n->key = *key;
	n->value = g_bytes_ref(value);
	g_hash_table_insert(c->index, &n->key, n);
	cache_push_front(c, n);
	c->stats.inserts++;
	g_mutex_unlock(&c->lock);
}

void cache_get_stats(struct cache *c, struct cache_stats *stats_r)
{
	g_mutex_lock(&c->lock);
	*stats_r = c->stats;
	stats_r->entries = g_hash_table_size(c->index);
	stats_r->max_entries = c->max_entries;
	g_mutex_unlock(&c->lock);
}
