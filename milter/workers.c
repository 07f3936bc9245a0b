/*
 * workers: the bound on concurrent scans (see workers.h). A counting semaphore (mutex +
 * condition) holds the slots; a pool of as many threads as slots runs the large scans, so a
 * job pushed with a slot in hand never waits in the pool's queue. Each job lives on the
 * waiting session's stack: libmilter runs one callback at a time per session, so the job
 * always outlives the worker's use of it. Without workers_init() (tests, tools) every scan
 * runs on the caller's thread, unbounded.
 */

#include "milter/workers.h"
#include "milter/stats.h"

struct workers_job {
	struct sigdb *db;
	const unsigned char *raw;
	size_t len;
	const struct msg_scan_options *opts;
	struct msg_report *report;
	GError *error;
	int ret;
	bool done;
	GMutex lock;
	GCond cond;
};

static GThreadPool *workers_pool;
static GMutex workers_lock;
static GCond workers_freed;
static unsigned int workers_free;
static int (*workers_scan_fn)(struct sigdb *db, const unsigned char *raw, size_t len,
                              const struct msg_scan_options *opts, struct msg_report **report_r,
                              GError **error) = msg_scan;
static gint64 workers_progress_us = WORKERS_PROGRESS_SECONDS * G_TIME_SPAN_SECOND;

void workers_set_hooks(int (*scan)(struct sigdb *db, const unsigned char *raw, size_t len,
                                   const struct msg_scan_options *opts,
                                   struct msg_report **report_r, GError **error),
                       unsigned int progress_ms)
{
	workers_scan_fn = scan != NULL ? scan : msg_scan;
	workers_progress_us = progress_ms != 0 ? (gint64)progress_ms * G_TIME_SPAN_MILLISECOND
	                                       : WORKERS_PROGRESS_SECONDS * G_TIME_SPAN_SECOND;
}

static void workers_run(gpointer data, gpointer unused)
{
	struct workers_job *job = data;
	struct msg_report *report = NULL;
	GError *error = NULL;
	int ret;

	stats_scan_begin();
	ret = workers_scan_fn(job->db, job->raw, job->len, job->opts, &report, &error);
	stats_scan_end();
	if (ret == 0 && workers_scan_fn == msg_scan) /* (a test's hook returns a token) */
		stats_report(report);
	g_mutex_lock(&job->lock);
	job->ret = ret;
	job->report = report;
	job->error = error;
	job->done = true;
	g_cond_signal(&job->cond);
	g_mutex_unlock(&job->lock);
}

int workers_init(unsigned int threads, GError **error)
{
	if (threads == 0)
		threads = g_get_num_processors();
	workers_free = threads;
	stats_workers(threads);
	workers_pool = g_thread_pool_new(workers_run, NULL, (gint)threads, FALSE, error);
	return workers_pool != NULL ? 0 : -1;
}

void workers_shutdown(void)
{
	if (workers_pool != NULL)
		g_thread_pool_free(workers_pool, FALSE, TRUE);
	workers_pool = NULL;
}

/* Wait for a slot, telling the MTA every few seconds. */
static void workers_acquire(void (*progress)(void *ctx), void *ctx)
{
	gint64 waited = 0;

	g_mutex_lock(&workers_lock);
	if (workers_free == 0) {
		waited = g_get_monotonic_time();
		stats_wait_begin();
	}
	while (workers_free == 0) {
		gint64 until = g_get_monotonic_time() + workers_progress_us;

		if (!g_cond_wait_until(&workers_freed, &workers_lock, until) && progress != NULL) {
			g_mutex_unlock(&workers_lock);
			progress(ctx);
			g_mutex_lock(&workers_lock);
		}
	}
	workers_free--;
	g_mutex_unlock(&workers_lock);
	/* the queue wait histogram counts the scans that waited (a free slot is no wait) */
	if (waited != 0)
		stats_wait_end((double)(g_get_monotonic_time() - waited) / G_USEC_PER_SEC);
}

static void workers_release(void)
{
	g_mutex_lock(&workers_lock);
	workers_free++;
	g_cond_signal(&workers_freed);
	g_mutex_unlock(&workers_lock);
}

/* Run the job on a pool thread and wait for it, with progress every few seconds. */
static void workers_on_pool(struct workers_job *job, void (*progress)(void *ctx), void *ctx)
{
	GError *push_error = NULL;

	if (!g_thread_pool_push(workers_pool, job, &push_error)) {
		g_clear_error(&push_error);
		workers_run(job, NULL);
	}
	g_mutex_lock(&job->lock);
	while (!job->done) {
		gint64 until = g_get_monotonic_time() + workers_progress_us;

		if (!g_cond_wait_until(&job->cond, &job->lock, until) && !job->done &&
		    progress != NULL) {
			g_mutex_unlock(&job->lock);
			progress(ctx);
			g_mutex_lock(&job->lock);
		}
	}
	g_mutex_unlock(&job->lock);
}

int workers_scan(struct sigdb *db, const unsigned char *raw, size_t len,
                 const struct msg_scan_options *opts, struct msg_report **report_r, GError **error,
                 void (*progress)(void *ctx), void *ctx)
{
	struct workers_job job = {.db = db, .raw = raw, .len = len, .opts = opts};
	bool bounded = workers_pool != NULL;

	*report_r = NULL;
	g_mutex_init(&job.lock);
	g_cond_init(&job.cond);
	if (bounded)
		workers_acquire(progress, ctx);
	if (!bounded || len <= WORKERS_INLINE_MAX)
		workers_run(&job, NULL);
	else
		workers_on_pool(&job, progress, ctx);
	if (bounded)
		workers_release();
	g_mutex_clear(&job.lock);
	g_cond_clear(&job.cond);
	*report_r = job.report;
	if (job.error != NULL)
		g_propagate_error(error, job.error);
	return job.ret;
}
