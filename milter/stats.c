/*
 * stats: atomic counters (see stats.h). Reads are not a consistent snapshot across counters
 * (each is read atomically), which is what monitoring needs.
 *
 * Names (signatures, databases) live in fixed open-addressing tables of slots. A slot is
 * claimed once with a compare-and-swap and its name written byte by byte with atomic stores
 * under a sequence number (odd while written), so readers copy a name without a lock and
 * drop one that changed under them. A signature slot counts hits in 24 hourly buckets, each
 * tagged with its hour; a slot without a hit for a day may be taken by a new name. Counts
 * are approximate where two threads meet at an hour's turn (an increment may be lost), never
 * unbounded. Names are at most STATS_NAME_MAX - 1 bytes of valid UTF-8.
 */

#include "milter/stats.h"
#include "milter/mindex.h"
#include "engine/json.h"

#include <string.h>

#define STATS_HOURS  24
#define STATS_PROBES 16

enum { SLOT_FREE = 0, SLOT_WRITING, SLOT_READY };

struct stats_slot {
	gint state;
	guint seq; /* odd while the name is rewritten */
	char name[STATS_NAME_MAX];
	guint64 counts[STATS_DETECT__COUNT]; /* database slots: detections by kind */
	gint64 hour[STATS_HOURS];            /* signature slots: the hour each bucket counts */
	guint64 hits[STATS_HOURS];
	gint64 last_hour;
};

static struct stats_slot stats_sigs[STATS_SIG_SLOTS], stats_sig_other;
static struct stats_slot stats_dbs[STATS_DB_SLOTS], stats_db_other;

static const char *const stats_kind_names[STATS_DETECT__COUNT] = {
#define STATS_KIND_NAME(id, name) name,
        STATS_DETECTION_KINDS(STATS_KIND_NAME)
#undef STATS_KIND_NAME
};

static const unsigned int stats_bounds[STATS_BUCKETS - 1] = {1,   2,   5,   10,   20,  50,
                                                             100, 200, 500, 1000, 5000};

static struct {
	gint64 started;
	guint64 messages, skipped, errors, parts, bytes, scanned_bytes, unscanned_parts;
	guint64 classes[POLICY_CLASS__COUNT];
	guint64 actions[CONF_ACTION__COUNT];
	guint64 families[FTYPE_FAMILY__COUNT];
	guint64 hist[STATS_BUCKETS], wait_hist[STATS_BUCKETS];
	guint64 reloads_ok, reloads_failed;
	guint64 log_lost;
	guint64 retro_hunts, retro_signatures, retro_hits, retro_errors;
	gint64 retro_last;     /* wall clock of the last hunt's end, seconds */
	guint64 retro_last_ms; /* how long it took */
	gint scanning, scanning_peak, connections, waiting;
	guint workers;
	guint64 scan_us_total, wait_us_total, waits;
} stats;

static void add(guint64 *c, guint64 n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static guint64 get(const guint64 *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

void stats_init(void)
{
	stats.started = g_get_real_time();
}

static size_t stats_bucket(double ms)
{
	size_t b = 0;

	while (b < STATS_BUCKETS - 1 && ms > stats_bounds[b])
		b++;
	return b;
}

unsigned int stats_bucket_bound(unsigned int b)
{
	return b < STATS_BUCKETS - 1 ? stats_bounds[b] : 0;
}

void stats_message(enum policy_class cls, enum conf_action action, unsigned int parts,
                   uint64_t bytes, double scan_ms)
{
	add(&stats.messages, 1);
	add(&stats.classes[cls], 1);
	add(&stats.actions[action], 1);
	add(&stats.parts, parts);
	add(&stats.bytes, bytes);
	add(&stats.scan_us_total, (guint64)(scan_ms * 1000.0));
	add(&stats.hist[stats_bucket(scan_ms)], 1);
}

void stats_skipped(void)
{
	add(&stats.skipped, 1);
}

void stats_error(void)
{
	add(&stats.errors, 1);
}

void stats_reload(bool ok)
{
	add(ok ? &stats.reloads_ok : &stats.reloads_failed, 1);
}

void stats_log_lost(void)
{
	add(&stats.log_lost, 1);
}

void stats_retro(uint64_t signatures, uint64_t hits, double seconds, bool ok)
{
	add(&stats.retro_hunts, 1);
	add(&stats.retro_signatures, signatures);
	add(&stats.retro_hits, hits);
	if (!ok)
		add(&stats.retro_errors, 1);
	g_atomic_pointer_set(&stats.retro_last_ms, (guint64)(seconds * 1000.0));
	g_atomic_pointer_set(&stats.retro_last, g_get_real_time() / G_USEC_PER_SEC);
}

void stats_scan_begin(void)
{
	gint now = g_atomic_int_add(&stats.scanning, 1) + 1;
	gint peak = g_atomic_int_get(&stats.scanning_peak);

	while (now > peak && !g_atomic_int_compare_and_exchange(&stats.scanning_peak, peak, now))
		peak = g_atomic_int_get(&stats.scanning_peak);
}

void stats_scan_end(void)
{
	g_atomic_int_add(&stats.scanning, -1);
}

void stats_connection(int delta)
{
	g_atomic_int_add(&stats.connections, delta);
}

void stats_workers(unsigned int n)
{
	g_atomic_int_set(&stats.workers, n);
}

void stats_wait_begin(void)
{
	g_atomic_int_add(&stats.waiting, 1);
}

void stats_wait_end(double seconds)
{
	g_atomic_int_add(&stats.waiting, -1);
	add(&stats.waits, 1);
	add(&stats.wait_us_total, (guint64)(seconds * 1e6));
	add(&stats.wait_hist[stats_bucket(seconds * 1000.0)], 1);
}

const char *stats_detection_kind_name(enum stats_detection_kind kind)
{
	return (unsigned)kind < STATS_DETECT__COUNT ? stats_kind_names[kind] : "unknown";
}

/* name as valid UTF-8 of at most STATS_NAME_MAX - 1 bytes, cut at a character boundary */
static void stats_name_norm(const char *name, char out[STATS_NAME_MAX])
{
	char *valid = g_utf8_validate(name, -1, NULL) ? NULL : g_utf8_make_valid(name, -1);
	const char *src = valid != NULL ? valid : name;
	size_t len = strlen(src);

	if (len >= STATS_NAME_MAX) {
		const char *end = g_utf8_find_prev_char(src, src + STATS_NAME_MAX);

		len = end != NULL ? (size_t)(end - src) : 0;
	}
	memcpy(out, src, len);
	memset(out + len, 0, STATS_NAME_MAX - len);
	g_free(valid);
}

static bool stats_slot_is(const struct stats_slot *s, const char *norm)
{
	for (size_t i = 0; i < STATS_NAME_MAX; i++) {
		if (__atomic_load_n(&s->name[i], __ATOMIC_RELAXED) != norm[i])
			return false;
		if (norm[i] == '\0')
			return true;
	}
	return true;
}

/* Rewrite a slot we hold in state SLOT_WRITING, then make it SLOT_READY. */
static void stats_slot_write(struct stats_slot *s, const char *norm)
{
	__atomic_add_fetch(&s->seq, 1, __ATOMIC_ACQ_REL);
	for (size_t i = 0; i < STATS_NAME_MAX; i++)
		__atomic_store_n(&s->name[i], norm[i], __ATOMIC_RELAXED);
	for (size_t i = 0; i < STATS_HOURS; i++) {
		__atomic_store_n(&s->hour[i], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->hits[i], 0, __ATOMIC_RELAXED);
	}
	for (size_t i = 0; i < STATS_DETECT__COUNT; i++)
		__atomic_store_n(&s->counts[i], 0, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->seq, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&s->state, SLOT_READY, __ATOMIC_RELEASE);
}

/* The slot of a name: found, claimed, or (reclaim) taken from a name idle for a day; NULL when
   the table has no room for it. */
static struct stats_slot *stats_slot_get(struct stats_slot *table, size_t n, const char *norm,
                                         gint64 hour, bool reclaim)
{
	guint h = g_str_hash(norm);

	for (size_t p = 0; p < STATS_PROBES; p++) {
		struct stats_slot *s = &table[(h + p) % n];
		gint st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);

		if (st == SLOT_READY && stats_slot_is(s, norm))
			return s;
		if (st == SLOT_FREE) {
			gint free_state = SLOT_FREE;

			if (__atomic_compare_exchange_n(&s->state, &free_state, SLOT_WRITING, false,
			                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				stats_slot_write(s, norm);
				return s;
			}
		}
	}
	for (size_t p = 0; reclaim && p < STATS_PROBES; p++) {
		struct stats_slot *s = &table[(h + p) % n];
		gint ready = SLOT_READY;

		if (__atomic_load_n(&s->last_hour, __ATOMIC_RELAXED) <= hour - STATS_HOURS &&
		    __atomic_compare_exchange_n(&s->state, &ready, SLOT_WRITING, false,
		                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			stats_slot_write(s, norm);
			return s;
		}
	}
	return NULL;
}

static void stats_slot_hit(struct stats_slot *s, gint64 hour)
{
	size_t i = (size_t)(hour % STATS_HOURS);
	gint64 tag = __atomic_load_n(&s->hour[i], __ATOMIC_ACQUIRE);

	if (tag != hour && __atomic_compare_exchange_n(&s->hour[i], &tag, hour, false,
	                                               __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		__atomic_store_n(&s->hits[i], 0, __ATOMIC_RELEASE);
	add(&s->hits[i], 1);
	__atomic_store_n(&s->last_hour, hour, __ATOMIC_RELAXED);
}

static guint64 stats_slot_day(const struct stats_slot *s, gint64 hour)
{
	guint64 sum = 0;

	for (size_t i = 0; i < STATS_HOURS; i++) {
		gint64 tag = __atomic_load_n(&s->hour[i], __ATOMIC_ACQUIRE);

		if (tag > hour - STATS_HOURS && tag <= hour)
			sum += get(&s->hits[i]);
	}
	return sum;
}

static gint64 stats_hour(void)
{
	return g_get_real_time() / (G_USEC_PER_SEC * (gint64)3600);
}

void stats_detection(enum stats_detection_kind kind, const char *db, const char *signature)
{
	char norm[STATS_NAME_MAX];
	gint64 hour = stats_hour();
	struct stats_slot *s;

	if ((unsigned)kind >= STATS_DETECT__COUNT)
		return;
	stats_name_norm(db != NULL ? db : "unknown", norm);
	s = stats_slot_get(stats_dbs, STATS_DB_SLOTS, norm, hour, false);
	add(&(s != NULL ? s : &stats_db_other)->counts[kind], 1);
	if (signature == NULL || kind == STATS_DETECT_ALLOWLISTED)
		return;
	stats_name_norm(signature, norm);
	s = stats_slot_get(stats_sigs, STATS_SIG_SLOTS, norm, hour, true);
	stats_slot_hit(s != NULL ? s : &stats_sig_other, hour);
}

static const char *stats_db_name(const struct sigdb_source *src)
{
	if (src == NULL)
		return NULL;
	return src->cvd_name != NULL ? src->cvd_name : src->name;
}

void stats_report(const struct msg_report *report)
{
	for (guint i = 0; report != NULL && i < report->parts->len; i++) {
		const struct msg_part *p = g_ptr_array_index(report->parts, i);
		enum ftype_family fam;

		if (!p->scanned) {
			add(&stats.unscanned_parts, 1);
			continue;
		}
		fam = ftype_family(p->scan.type.type);
		add(&stats.families[(unsigned)fam < FTYPE_FAMILY__COUNT ? fam : FTYPE_FAMILY_OTHER],
		    1);
		add(&stats.scanned_bytes, p->scan.size);
		if (p->scan.allowlisted) {
			stats_detection(STATS_DETECT_ALLOWLISTED,
			                stats_db_name(p->scan.allow.source), NULL);
			continue;
		}
		for (unsigned int f = 0; f < p->scan.n_findings && f < SCAN_MAX_FINDINGS; f++) {
			const struct scan_finding *fd = &p->scan.findings[f];
			enum stats_detection_kind kind =
			        fd->target == SIGDB_TARGET_PE_SECTION   ? STATS_DETECT_PE_SECTION
			        : fd->target == SIGDB_TARGET_PE_IMPORTS ? STATS_DETECT_PE_IMPORTS
			                                                : STATS_DETECT_FILE;

			stats_detection(kind, stats_db_name(fd->source), fd->name);
		}
	}
}

void stats_read(struct stats_view *v)
{
	memset(v, 0, sizeof(*v));
	v->started = stats.started;
	v->messages = get(&stats.messages);
	v->skipped = get(&stats.skipped);
	v->errors = get(&stats.errors);
	v->parts = get(&stats.parts);
	v->bytes = get(&stats.bytes);
	v->scanned_bytes = get(&stats.scanned_bytes);
	v->unscanned_parts = get(&stats.unscanned_parts);
	for (int i = 0; i < POLICY_CLASS__COUNT; i++)
		v->classes[i] = get(&stats.classes[i]);
	for (int i = 0; i < CONF_ACTION__COUNT; i++)
		v->actions[i] = get(&stats.actions[i]);
	for (int i = 0; i < FTYPE_FAMILY__COUNT; i++)
		v->families[i] = get(&stats.families[i]);
	for (int i = 0; i < STATS_BUCKETS; i++) {
		v->hist[i] = get(&stats.hist[i]);
		v->wait_hist[i] = get(&stats.wait_hist[i]);
	}
	v->scan_us_total = get(&stats.scan_us_total);
	v->wait_us_total = get(&stats.wait_us_total);
	v->waits = get(&stats.waits);
	v->reloads_ok = get(&stats.reloads_ok);
	v->reloads_failed = get(&stats.reloads_failed);
	v->log_lost = get(&stats.log_lost);
	v->retro_hunts = get(&stats.retro_hunts);
	v->retro_signatures = get(&stats.retro_signatures);
	v->retro_hits = get(&stats.retro_hits);
	v->retro_errors = get(&stats.retro_errors);
	v->retro_last = (int64_t)g_atomic_pointer_get(&stats.retro_last);
	v->retro_last_ms = (uint64_t)g_atomic_pointer_get(&stats.retro_last_ms);
	v->scanning = g_atomic_int_get(&stats.scanning);
	v->scanning_peak = g_atomic_int_get(&stats.scanning_peak);
	v->connections = g_atomic_int_get(&stats.connections);
	v->waiting = g_atomic_int_get(&stats.waiting);
	v->workers = (unsigned int)g_atomic_int_get(&stats.workers);
}

/* Copy a ready slot's name; false when it is not ready or changed meanwhile. */
static bool stats_slot_name(const struct stats_slot *s, char name_r[STATS_NAME_MAX], guint *seq_r)
{
	guint seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

	if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SLOT_READY || (seq & 1))
		return false;
	for (size_t i = 0; i < STATS_NAME_MAX; i++)
		name_r[i] = __atomic_load_n(&s->name[i], __ATOMIC_RELAXED);
	name_r[STATS_NAME_MAX - 1] = '\0';
	*seq_r = seq;
	return true;
}

static bool stats_slot_same(const struct stats_slot *s, guint seq)
{
	return __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE) == seq;
}

int stats_db_next(unsigned int *i, char *name_r, uint64_t counts_r[STATS_DETECT__COUNT])
{
	guint seq;

	for (; *i < STATS_DB_SLOTS; (*i)++) {
		const struct stats_slot *s = &stats_dbs[*i];

		if (!stats_slot_name(s, name_r, &seq))
			continue;
		for (int k = 0; k < STATS_DETECT__COUNT; k++)
			counts_r[k] = get(&s->counts[k]);
		if (!stats_slot_same(s, seq))
			continue;
		(*i)++;
		return 1;
	}
	if (*i == STATS_DB_SLOTS) {
		g_strlcpy(name_r, "other", STATS_NAME_MAX);
		for (int k = 0; k < STATS_DETECT__COUNT; k++)
			counts_r[k] = get(&stats_db_other.counts[k]);
		(*i)++;
		return 1;
	}
	return 0;
}

unsigned int stats_top_signatures(unsigned int n, char *names, uint64_t *counts, uint64_t *other_r)
{
	gint64 hour = stats_hour();
	unsigned int have = 0;
	char name[STATS_NAME_MAX];
	guint seq;

	*other_r = stats_slot_day(&stats_sig_other, hour);
	for (size_t i = 0; i < STATS_SIG_SLOTS && n > 0; i++) {
		const struct stats_slot *s = &stats_sigs[i];
		guint64 c;
		unsigned int at;

		if (!stats_slot_name(s, name, &seq))
			continue;
		c = stats_slot_day(s, hour);
		if (c == 0 || !stats_slot_same(s, seq))
			continue;
		/* insertion into the sorted list (most first, then by name) */
		at = have;
		while (at > 0 && (counts[at - 1] < c ||
		                  (counts[at - 1] == c &&
		                   strcmp(names + (at - 1) * STATS_NAME_MAX, name) > 0)))
			at--;
		if (at >= n)
			continue;
		if (have < n)
			have++;
		memmove(names + (at + 1) * STATS_NAME_MAX, names + at * STATS_NAME_MAX,
		        (size_t)(have - 1 - at) * STATS_NAME_MAX);
		memmove(counts + at + 1, counts + at, (size_t)(have - 1 - at) * sizeof(*counts));
		memcpy(names + at * STATS_NAME_MAX, name, STATS_NAME_MAX);
		counts[at] = c;
	}
	return have;
}

void stats_reset(void)
{
	memset(&stats, 0, sizeof(stats));
	memset(stats_sigs, 0, sizeof(stats_sigs));
	memset(stats_dbs, 0, sizeof(stats_dbs));
	memset(&stats_sig_other, 0, sizeof(stats_sig_other));
	memset(&stats_db_other, 0, sizeof(stats_db_other));
	stats.started = g_get_real_time();
}

/* "index": the part-hash index's counters (all zero, "enabled": 0, when it is off). */
static void stats_index_json(struct json *j)
{
	struct index_stats st;
	bool on = mindex_stats(&st);

	json_begin_object(j, "index");
	json_bool(j, "enabled", on);
	json_bool(j, "up", st.up);
	json_uint(j, "submitted", st.submitted);
	json_uint(j, "written", st.written);
	json_uint(j, "parts", st.parts);
	json_uint(j, "dropped", st.dropped);
	json_uint(j, "errors", st.errors);
	json_uint(j, "queued", st.queued);
	json_uint(j, "pruned", st.pruned);
	json_uint(j, "retro_hits", st.retro_hits);
	json_end_object(j);
}

char *stats_json(size_t signatures, uint64_t generation)
{
	GString *out = g_string_new(NULL);
	struct json j;

	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_int(&j, "uptime_seconds", (g_get_real_time() - stats.started) / G_USEC_PER_SEC);
	json_uint(&j, "messages", get(&stats.messages));
	json_uint(&j, "skipped", get(&stats.skipped));
	json_uint(&j, "errors", get(&stats.errors));
	json_uint(&j, "parts", get(&stats.parts));
	json_uint(&j, "bytes", get(&stats.bytes));
	json_begin_object(&j, "verdicts");
	for (int c = 0; c < POLICY_CLASS__COUNT; c++)
		json_uint(&j, policy_class_name((enum policy_class)c), get(&stats.classes[c]));
	json_end_object(&j);
	json_begin_object(&j, "actions");
	for (int a = 0; a < CONF_ACTION__COUNT; a++)
		json_uint(&j, conf_action_name((enum conf_action)a), get(&stats.actions[a]));
	json_end_object(&j);
	json_begin_object(&j, "scan_ms_histogram");
	for (int b = 0; b < STATS_BUCKETS; b++) {
		char key[32];

		if (b < STATS_BUCKETS - 1)
			g_snprintf(key, sizeof(key), "le_%u", stats_bounds[b]);
		else
			g_snprintf(key, sizeof(key), "gt_%u", stats_bounds[STATS_BUCKETS - 2]);
		json_uint(&j, key, get(&stats.hist[b]));
	}
	json_end_object(&j);
	json_double(&j, "scan_ms_total", (double)get(&stats.scan_us_total) / 1000.0);
	json_uint(&j, "signatures", signatures);
	json_uint(&j, "db_generation", generation);
	json_begin_object(&j, "reloads");
	json_uint(&j, "ok", get(&stats.reloads_ok));
	json_uint(&j, "failed", get(&stats.reloads_failed));
	json_end_object(&j);
	json_uint(&j, "log_records_lost", get(&stats.log_lost));
	stats_index_json(&j);
	json_begin_object(&j, "retro");
	json_uint(&j, "hunts", get(&stats.retro_hunts));
	json_uint(&j, "signatures", get(&stats.retro_signatures));
	json_uint(&j, "hits", get(&stats.retro_hits));
	json_uint(&j, "failed", get(&stats.retro_errors));
	json_int(&j, "last", (int64_t)g_atomic_pointer_get(&stats.retro_last));
	json_uint(&j, "last_ms", (uint64_t)g_atomic_pointer_get(&stats.retro_last_ms));
	json_end_object(&j);
	json_begin_object(&j, "concurrency");
	json_int(&j, "scanning", g_atomic_int_get(&stats.scanning));
	json_int(&j, "scanning_peak", g_atomic_int_get(&stats.scanning_peak));
	json_int(&j, "connections", g_atomic_int_get(&stats.connections));
	json_end_object(&j);
	json_end_object(&j);
	return g_string_free(out, FALSE);
}
