/*
 * mindex: the milter's part-hash index (see mindex.h). One mutex guards the current index and
 * its reference count; index_submit itself never blocks, so holding the mutex around it costs
 * a queue push. A reopen swaps the pointer and closes the old index when its last user
 * (a retro-hunt, a submit) lets go, outside the mutex: its writer drains for up to a few
 * seconds on the reload thread (or on the retro thread when a hunt held it), never on a scan.
 */

#include "milter/mindex.h"
#include "milter/mlog.h"

#include <string.h>

struct mindex_slot {
	struct index *idx;
	gint refs;
	gint long_refs; /* of refs, those of mindex_acquire (a retro-hunt, a control command) */
	char *url;
	unsigned int keep_days, queue;
	unsigned int digests; /* [index] digests: what the scan computes for the index */
};

static GMutex mindex_lock;
static struct mindex_slot *mindex_cur;

static void mindex_log(const char *msg)
{
	mlog_warn("%s", msg);
}

static void mindex_slot_unref(struct mindex_slot *slot)
{
	if (slot == NULL || !g_atomic_int_dec_and_test(&slot->refs))
		return;
	index_close(&slot->idx);
	g_free(slot->url);
	g_free(slot);
}

/*
 * Drop the reference of the swapped-out slot once its short users are done (a submit or a
 * STATS holds one for microseconds), so that the close, which waits for the writer to drain,
 * never happens on a scan. A retro-hunt may hold it for hours (a program per hit): it is not
 * waited for; its mindex_release closes the index on the retro thread. Nobody takes a new
 * reference on a swapped-out slot, so the counts only go down.
 */
static void mindex_slot_close(struct mindex_slot *slot)
{
	if (slot == NULL)
		return;
	while (g_atomic_int_get(&slot->refs) - g_atomic_int_get(&slot->long_refs) > 1)
		g_usleep(1000);
	mindex_slot_unref(slot);
}

void mindex_configure(const struct conf *conf)
{
	struct mindex_slot *old, *slot = NULL;
	GError *err = NULL;

	g_mutex_lock(&mindex_lock);
	old = mindex_cur;
	if (old != NULL && conf->index_url != NULL && strcmp(old->url, conf->index_url) == 0 &&
	    old->keep_days == conf->index_keep_days && old->queue == conf->index_queue) {
		old->digests = conf->index_digests; /* read under the lock by mindex_want */
		g_mutex_unlock(&mindex_lock);
		return; /* unchanged */
	}
	g_mutex_unlock(&mindex_lock);

	if (conf->index_url != NULL) {
		struct index_options o = {
		        .url = conf->index_url,
		        .keep_days = conf->index_keep_days,
		        .queue_max = conf->index_queue,
		        .writer = true,
		        .lazy = true,
		        .log = mindex_log,
		};
		slot = g_new0(struct mindex_slot, 1);
		if (index_open(&o, &slot->idx, &err) < 0) {
			mlog_error("%s; running without the index (mail flows, nothing is indexed)",
			           err->message);
			g_clear_error(&err);
			g_free(slot);
			slot = NULL;
		} else {
			slot->refs = 1;
			slot->url = g_strdup(conf->index_url);
			slot->keep_days = conf->index_keep_days;
			slot->queue = conf->index_queue;
			slot->digests = conf->index_digests;
			char *shown = index_url_redacted(conf->index_url);

			mlog_info("index: %s index %s", index_driver_name(slot->idx), shown);
			g_free(shown);
		}
	}
	g_mutex_lock(&mindex_lock);
	old = mindex_cur;
	mindex_cur = slot;
	g_mutex_unlock(&mindex_lock);
	mindex_slot_close(old);
}

static struct mindex_slot *mindex_slot_acquire(void)
{
	struct mindex_slot *slot;

	g_mutex_lock(&mindex_lock);
	slot = mindex_cur;
	if (slot != NULL)
		g_atomic_int_inc(&slot->refs);
	g_mutex_unlock(&mindex_lock);
	return slot;
}

/* The slots handed out by mindex_acquire, by index (a handful at most). */
static GHashTable *mindex_out;

struct index *mindex_acquire(void)
{
	struct mindex_slot *slot = mindex_slot_acquire();

	if (slot == NULL)
		return NULL;
	g_mutex_lock(&mindex_lock);
	if (mindex_out == NULL)
		mindex_out = g_hash_table_new(NULL, NULL);
	g_hash_table_insert(mindex_out, slot->idx, slot);
	g_atomic_int_inc(&slot->long_refs);
	g_mutex_unlock(&mindex_lock);
	return slot->idx;
}

void mindex_release(struct index **idx)
{
	struct mindex_slot *slot = NULL;

	if (*idx == NULL)
		return;
	g_mutex_lock(&mindex_lock);
	if (mindex_out != NULL)
		slot = g_hash_table_lookup(mindex_out, *idx);
	if (slot != NULL && g_atomic_int_dec_and_test(&slot->long_refs))
		g_hash_table_remove(mindex_out, *idx); /* its address may be reused once closed */
	g_mutex_unlock(&mindex_lock);
	*idx = NULL;
	mindex_slot_unref(slot);
}

unsigned int mindex_want(void)
{
	unsigned int want;

	g_mutex_lock(&mindex_lock);
	want = mindex_cur != NULL ? mindex_cur->digests : 0;
	g_mutex_unlock(&mindex_lock);
	return want;
}

/* An envelope address without its angle brackets ("<a@b>" -> "a@b"), as hunt prints it. */
static char *mindex_addr(const char *addr)
{
	size_t len;

	if (addr == NULL)
		return NULL;
	len = strlen(addr);
	if (len >= 2 && addr[0] == '<' && addr[len - 1] == '>')
		return g_strndup(addr + 1, len - 2);
	return g_strdup(addr);
}

struct index_msg *mindex_msg_new(const struct mindex_envelope *env, const struct msg_report *report,
                                 unsigned int digests, bool body_digests)
{
	struct index_msg *m = index_msg_new();

	m->time = g_get_real_time() / G_USEC_PER_SEC;
	m->queue_id = g_strdup(env->queue_id);
	m->message_id = g_strdup(env->message_id);
	m->client = g_strdup(env->client);
	m->sender = mindex_addr(env->sender);
	m->verdict = g_strdup(env->verdict);
	m->action = g_strdup(env->action);
	for (size_t i = 0; env->rcpts != NULL && env->rcpts[i] != NULL; i++)
		g_ptr_array_add(m->rcpts, mindex_addr(env->rcpts[i]));
	for (guint i = 0; report != NULL && i < report->parts->len; i++) {
		const struct msg_part *mp = g_ptr_array_index(report->parts, i);
		if (!mp->scanned || !(mp->scan.digests.mask & DIGEST_BIT(DIGEST_SHA256)))
			continue;
		struct index_part *p = index_part_new();
		p->path = g_strdup(mp->path);
		p->name = g_strdup(mp->name);
		p->type = g_strdup(ftype_name(mp->scan.type.type));
		p->size = mp->scan.size;
		p->digests = mp->scan.digests;
		/* what [index] digests asks for; a text or HTML body: SHA-256 only unless
		   body_digests (computed all the same when a signature needed them) */
		p->digests.mask &= (mp->flags & MSG_PART_BODY) && !body_digests
		                           ? DIGEST_BIT(DIGEST_SHA256)
		                           : digests;
		g_ptr_array_add(m->parts, p);
	}
	return m;
}

void mindex_submit(const struct mindex_envelope *env, const struct msg_report *report,
                   bool body_digests)
{
	struct mindex_slot *slot = mindex_slot_acquire();

	if (slot == NULL)
		return;
	index_submit(slot->idx, mindex_msg_new(env, report, slot->digests, body_digests));
	mindex_slot_unref(slot);
}

bool mindex_stats(struct index_stats *stats_r)
{
	struct mindex_slot *slot = mindex_slot_acquire();

	memset(stats_r, 0, sizeof(*stats_r));
	if (slot == NULL)
		return false;
	index_get_stats(slot->idx, stats_r);
	mindex_slot_unref(slot);
	return true;
}

void mindex_shutdown(void)
{
	struct mindex_slot *old;

	g_mutex_lock(&mindex_lock);
	old = mindex_cur;
	mindex_cur = NULL;
	g_mutex_unlock(&mindex_lock);
	mindex_slot_close(old);
}
