/*
 * stats: atomic counters (see stats.h). Reads are not a consistent snapshot across counters
 * (each is read atomically), which is what monitoring needs.
 */

#include "milter/stats.h"
#include "engine/json.h"

static const unsigned int stats_bounds[STATS_BUCKETS - 1] = {1,   2,   5,   10,   20,  50,
                                                             100, 200, 500, 1000, 5000};

static struct {
	gint64 started;
	guint64 messages, skipped, errors, parts, bytes;
	guint64 classes[POLICY_CLASS__COUNT];
	guint64 actions[CONF_ACTION__COUNT];
	guint64 hist[STATS_BUCKETS];
	guint64 reloads_ok, reloads_failed;
	guint64 log_lost;
	gint scanning, scanning_peak, connections;
	guint64 scan_us_total;
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

void stats_message(enum policy_class cls, enum conf_action action, unsigned int parts,
                   uint64_t bytes, double scan_ms)
{
	size_t b = 0;

	add(&stats.messages, 1);
	add(&stats.classes[cls], 1);
	add(&stats.actions[action], 1);
	add(&stats.parts, parts);
	add(&stats.bytes, bytes);
	add(&stats.scan_us_total, (guint64)(scan_ms * 1000.0));
	while (b < STATS_BUCKETS - 1 && scan_ms > stats_bounds[b])
		b++;
	add(&stats.hist[b], 1);
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
	json_begin_object(&j, "concurrency");
	json_int(&j, "scanning", g_atomic_int_get(&stats.scanning));
	json_int(&j, "scanning_peak", g_atomic_int_get(&stats.scanning_peak));
	json_int(&j, "connections", g_atomic_int_get(&stats.connections));
	json_end_object(&j);
	json_end_object(&j);
	return g_string_free(out, FALSE);
}
