/*
 * metrics: the Prometheus endpoint (see metrics.h). libmicrohttpd parses HTTP on one internal
 * thread, with at most METRICS_MAX_CONNECTIONS connections, METRICS_TIMEOUT seconds of
 * silence, and a small per-connection memory pool; only GET and HEAD of four paths answer.
 *
 * Names follow Prometheus' conventions: base units (seconds, bytes), `_total` for counters,
 * label values from fixed sets (verdicts, actions, type families, detection kinds), databases
 * from a table of STATS_DB_SLOTS names and signatures only as the METRICS_TOP_SIGNATURES
 * detected most in the last day: mail cannot add series without bound.
 *
 * Not yet: counters of the hash index and retro-hunt (that writer does not exist yet; its
 * counters belong in stats.c and one block here).
 *
 * Thread safety: a scrape reads atomics (stats.h) and holds a reference to the current
 * snapshot (live_acquire copies one pointer under the snapshot's lock); the quarantine store
 * and /proc are read on the endpoint's own thread.
 */

#include "milter/metrics.h"
#include "milter/mindex.h"
#include "milter/reload.h"
#include "milter/stats.h"
#include "policy/policy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

static int metrics_fd = -1;
static struct MHD_Daemon *metrics_daemon;

void metrics_escape(GString *out, const char *value)
{
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\\')
			g_string_append(out, "\\\\");
		else if (*p == '"')
			g_string_append(out, "\\\"");
		else if (*p == '\n')
			g_string_append(out, "\\n");
		else
			g_string_append_c(out, *p);
	}
}

static void metrics_head(GString *o, const char *name, const char *type, const char *help)
{
	g_string_append_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{label="value"} v, or name v when label is NULL */
static void metrics_u64(GString *o, const char *name, const char *label, const char *value,
                        uint64_t v)
{
	g_string_append(o, name);
	if (label != NULL) {
		g_string_append_printf(o, "{%s=\"", label);
		metrics_escape(o, value);
		g_string_append(o, "\"}");
	}
	g_string_append_printf(o, " %" G_GUINT64_FORMAT "\n", (guint64)v);
}

static void metrics_double(GString *o, const char *name, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	g_string_append_printf(o, "%s %s\n", name, g_ascii_formatd(buf, sizeof(buf), "%.12g", v));
}

static void metrics_one(GString *o, const char *name, const char *type, const char *help,
                        uint64_t v)
{
	metrics_head(o, name, type, help);
	metrics_u64(o, name, NULL, NULL, v);
}

/* A histogram from the ms buckets of stats.h (non-cumulative there, cumulative here). */
static void metrics_histogram(GString *o, const char *name, const char *help, const uint64_t *hist,
                              uint64_t sum_us)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE], sum_name[128];
	uint64_t cum = 0;

	metrics_head(o, name, "histogram", help);
	for (unsigned int b = 0; b < STATS_BUCKETS; b++) {
		cum += hist[b];
		if (b < STATS_BUCKETS - 1)
			g_ascii_formatd(buf, sizeof(buf), "%g", stats_bucket_bound(b) / 1000.0);
		else
			g_strlcpy(buf, "+Inf", sizeof(buf));
		g_string_append_printf(o, "%s_bucket{le=\"%s\"} %" G_GUINT64_FORMAT "\n", name, buf,
		                       (guint64)cum);
	}
	g_snprintf(sum_name, sizeof(sum_name), "%s_sum", name);
	metrics_double(o, sum_name, (double)sum_us / 1e6);
	g_string_append_printf(o, "%s_count %" G_GUINT64_FORMAT "\n", name, (guint64)cum);
}

static void metrics_messages(GString *o, const struct stats_view *v)
{
	metrics_head(o, "partscan_messages_total", "counter", "Messages scanned, by verdict.");
	for (int c = 0; c < POLICY_CLASS__COUNT; c++)
		metrics_u64(o, "partscan_messages_total", "verdict",
		            policy_class_name((enum policy_class)c), v->classes[c]);
	metrics_head(o, "partscan_message_actions_total", "counter",
	             "Messages scanned, by the action taken.");
	for (int a = 0; a < CONF_ACTION__COUNT; a++)
		metrics_u64(o, "partscan_message_actions_total", "action",
		            conf_action_name((enum conf_action)a), v->actions[a]);
	metrics_one(o, "partscan_messages_skipped_total", "counter",
	            "Messages passed unscanned by a [skip] rule.", v->skipped);
	metrics_one(o, "partscan_errors_total", "counter",
	            "Messages whose scan or actions failed (handled by [policy] error).",
	            v->errors);
	metrics_one(o, "partscan_message_bytes_total", "counter", "Bytes of messages scanned.",
	            v->bytes);
	metrics_head(o, "partscan_parts_total", "counter",
	             "Parts scanned (attachments, bodies, archive members), by real type family.");
	for (int f = 0; f < FTYPE_FAMILY__COUNT; f++)
		metrics_u64(o, "partscan_parts_total", "family",
		            ftype_family_name((enum ftype_family)f), v->families[f]);
	metrics_one(o, "partscan_parts_unscanned_total", "counter",
	            "Parts that could not be scanned (encrypted, limits, unreadable).",
	            v->unscanned_parts);
	metrics_one(o, "partscan_scanned_bytes_total", "counter", "Decoded bytes of parts scanned.",
	            v->scanned_bytes);
	metrics_histogram(o, "partscan_scan_duration_seconds", "Time to scan one message.", v->hist,
	                  v->scan_us_total);
	metrics_histogram(o, "partscan_queue_wait_seconds",
	                  "Time a scan waited for a free worker (scans that waited).", v->wait_hist,
	                  v->wait_us_total);
}

static void metrics_detections(GString *o)
{
	char name[STATS_NAME_MAX], *names = g_malloc(METRICS_TOP_SIGNATURES * STATS_NAME_MAX);
	uint64_t counts[STATS_DETECT__COUNT], top[METRICS_TOP_SIGNATURES], other;
	unsigned int i = 0, n;

	metrics_head(o, "partscan_detections_total", "counter",
	             "Signature matches, by how they matched and by database.");
	while (stats_db_next(&i, name, counts) == 1) {
		for (int k = 0; k < STATS_DETECT__COUNT; k++) {
			g_string_append_printf(
			        o, "partscan_detections_total{kind=\"%s\",database=\"",
			        stats_detection_kind_name((enum stats_detection_kind)k));
			metrics_escape(o, name);
			g_string_append_printf(o, "\"} %" G_GUINT64_FORMAT "\n",
			                       (guint64)counts[k]);
		}
	}
	n = stats_top_signatures(METRICS_TOP_SIGNATURES, names, top, &other);
	metrics_head(o, "partscan_signature_detections_last_day", "gauge",
	             "Detections in the last 24 hours of the signatures detected most.");
	for (unsigned int s = 0; s < n; s++)
		metrics_u64(o, "partscan_signature_detections_last_day", "signature",
		            names + (size_t)s * STATS_NAME_MAX, top[s]);
	metrics_one(o, "partscan_signature_detections_other_last_day", "gauge",
	            "Detections in the last 24 hours of names beyond the tracked table.", other);
	g_free(names);
}

/* The same rule as the policy's stale class: the oldest container beyond max_age_days. */
static bool metrics_stale(const struct live *l, int64_t *age_days_r)
{
	unsigned int days = l->conf->db_max_age_days;
	int64_t built, age;

	if (days == 0 || l->db == NULL)
		return false;
	built = sigdb_oldest_container_time(l->db);
	age = g_get_real_time() / G_USEC_PER_SEC - built;
	*age_days_r = age / 86400;
	return built > 0 && age > (int64_t)days * 86400;
}

static int64_t metrics_newest_container(const struct sigdb *db)
{
	int64_t newest = 0;

	for (size_t i = 0; i < sigdb_source_count(db); i++) {
		const struct sigdb_source *s = sigdb_source_get(db, i);

		if (s->format == SIGDB_FORMAT_CONTAINER && !s->rejected && !s->superseded &&
		    s->built > newest)
			newest = s->built;
	}
	return newest;
}

static void metrics_signatures(GString *o, struct live *l)
{
	const struct sigdb *db = l != NULL ? l->db : NULL;
	int64_t newest = db != NULL ? metrics_newest_container(db) : 0, days = 0;
	char *differs = l != NULL ? reload_disk_differs(l) : NULL;

	metrics_one(
	        o, "partscan_signatures_loaded", "gauge",
	        "1 when signatures are loaded, 0 while messages are tempfailed for lack of them.",
	        db != NULL);
	metrics_head(o, "partscan_signatures", "gauge", "Signatures loaded, by kind.");
	for (int k = 0; k < SIGDB_KIND__COUNT; k++) {
		size_t n = 0;

		for (int t = 0; db != NULL && t < DIGEST__COUNT; t++)
			n += sigdb_count_of(db, (enum sigdb_kind)k, (enum digest_type)t);
		metrics_u64(o, "partscan_signatures", "kind", sigdb_kind_name((enum sigdb_kind)k),
		            n);
	}
	metrics_one(o, "partscan_signatures_generation", "gauge",
	            "Generation of the loaded signatures (changes at every reload).",
	            db != NULL ? sigdb_generation(db) : 0);
	metrics_one(o, "partscan_signatures_load_timestamp_seconds", "gauge",
	            "When the loaded snapshot was published.",
	            l != NULL ? (uint64_t)(l->loaded_at / G_USEC_PER_SEC) : 0);
	if (newest > 0) {
		metrics_one(o, "partscan_signatures_build_timestamp_seconds", "gauge",
		            "Build time of the newest loaded ClamAV container.", (uint64_t)newest);
		metrics_one(o, "partscan_signatures_age_seconds", "gauge",
		            "Age of the newest loaded ClamAV container.",
		            (uint64_t)MAX(0, g_get_real_time() / G_USEC_PER_SEC - newest));
	}
	metrics_one(o, "partscan_signatures_stale", "gauge",
	            "1 when the loaded containers are older than [database] max_age_days.",
	            l != NULL && metrics_stale(l, &days));
	metrics_one(o, "partscan_signatures_disk_differs", "gauge",
	            "1 when the signature files on disk differ from what is loaded.",
	            differs != NULL);
	g_free(differs);
}

/* Items (.json, written last) and bytes (.data) of the store, at most METRICS_QUARANTINE_MAX
   entries looked at. */
static void metrics_quarantine(GString *o, const struct live *l)
{
	const char *dir = l != NULL ? l->conf->quarantine_dir : NULL;
	uint64_t items = 0, bytes = 0;
	DIR *d = dir != NULL ? opendir(dir) : NULL;
	struct dirent *e;
	unsigned int seen = 0;

	while (d != NULL && seen < METRICS_QUARANTINE_MAX && (e = readdir(d)) != NULL) {
		struct stat st;

		seen++;
		if (e->d_name[0] == '.')
			continue;
		if (g_str_has_suffix(e->d_name, ".json"))
			items++;
		else if (g_str_has_suffix(e->d_name, ".data") &&
		         fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			bytes += (uint64_t)st.st_size;
	}
	if (d != NULL)
		closedir(d);
	metrics_one(o, "partscan_quarantine_items", "gauge", "Items in the quarantine store.",
	            items);
	metrics_one(o, "partscan_quarantine_bytes", "gauge",
	            "Bytes of quarantined messages and parts.", bytes);
}

/* The part-hash index's counters (present with zeros when it is off: enabled 0). */
static void metrics_index(GString *o)
{
	struct index_stats st;
	bool on = mindex_stats(&st);

	metrics_one(o, "partscan_index_enabled", "gauge", "1 when [index] url is set and open.",
	            on);
	metrics_one(o, "partscan_index_up", "gauge",
	            "1 when the index's last write or connect worked.", st.up);
	metrics_one(o, "partscan_index_submitted_total", "counter",
	            "Messages handed to the index writer.", st.submitted);
	metrics_one(o, "partscan_index_written_total", "counter", "Messages written to the index.",
	            st.written);
	metrics_one(o, "partscan_index_parts_written_total", "counter",
	            "Part rows written to the index.", st.parts);
	metrics_one(o, "partscan_index_dropped_total", "counter",
	            "Messages not indexed: queue full, database down or failing.", st.dropped);
	metrics_one(o, "partscan_index_errors_total", "counter", "Failed index writes.", st.errors);
	metrics_one(o, "partscan_index_queued", "gauge", "Messages waiting for the index writer.",
	            st.queued);
	metrics_one(o, "partscan_index_pruned_total", "counter",
	            "Messages removed from the index by retention.", st.pruned);
}

static void metrics_process(GString *o, const struct stats_view *v)
{
	char *stat = NULL, *p;
	unsigned long long utime = 0, stime = 0, vsize = 0;
	long long rss = 0;
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	struct rlimit rl = {0};
	uint64_t fds = 0;
	DIR *d;

	/* /proc/self/stat: fields after the command name's closing parenthesis */
	if (g_file_get_contents("/proc/self/stat", &stat, NULL, NULL) &&
	    (p = strrchr(stat, ')')) != NULL)
		(void)sscanf(
		        p + 2,
		        "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
		        "%*d %*d %*u %llu %lld",
		        &utime, &stime, &vsize, &rss);
	g_free(stat);
	d = opendir("/proc/self/fd");
	while (d != NULL && readdir(d) != NULL)
		fds++;
	if (d != NULL) {
		closedir(d);
		fds = fds > 3 ? fds - 3 : 0; /* ".", ".." and the directory's own descriptor */
	}
	(void)getrlimit(RLIMIT_NOFILE, &rl);
	metrics_head(o, "process_cpu_seconds_total", "counter", "User and system CPU time.");
	metrics_double(o, "process_cpu_seconds_total",
	               tick > 0 ? (double)(utime + stime) / (double)tick : 0);
	metrics_one(o, "process_resident_memory_bytes", "gauge", "Resident memory size.",
	            (uint64_t)MAX(rss, 0) * (uint64_t)MAX(page, 0));
	metrics_one(o, "process_virtual_memory_bytes", "gauge", "Virtual memory size.", vsize);
	metrics_one(o, "process_open_fds", "gauge", "Open file descriptors.", fds);
	metrics_one(o, "process_max_fds", "gauge", "Limit of open file descriptors.",
	            rl.rlim_cur == RLIM_INFINITY ? G_MAXINT64 : (uint64_t)rl.rlim_cur);
	metrics_one(o, "process_start_time_seconds", "gauge", "Start time since the epoch.",
	            (uint64_t)(v->started / G_USEC_PER_SEC));
}

static bool metrics_saturated(const struct stats_view *v)
{
	/* every slot busy and a backlog of a whole round of scans waiting */
	return v->workers > 0 && v->waiting > 0 && (unsigned int)v->waiting >= v->workers &&
	       (unsigned int)v->scanning >= v->workers;
}

bool metrics_ready(const struct live *l, GString *why)
{
	struct stats_view v;
	int64_t days = 0;
	const char *reason = NULL;
	char buf[256];

	stats_read(&v);
	if (l == NULL) {
		reason = "starting";
	} else if (l->db == NULL) {
		g_snprintf(buf, sizeof(buf), "no signatures loaded: %s",
		           l->load_error != NULL ? l->load_error : "none");
		reason = buf;
	} else if (metrics_stale(l, &days)) {
		g_snprintf(buf, sizeof(buf),
		           "signatures stale: built %" G_GINT64_FORMAT " days ago", days);
		reason = buf;
	} else if (metrics_saturated(&v)) {
		g_snprintf(buf, sizeof(buf), "workers saturated: %d scans waiting for %u workers",
		           v.waiting, v.workers);
		reason = buf;
	}
	if (reason != NULL && why != NULL)
		g_string_append(why, reason);
	return reason == NULL;
}

void metrics_render(GString *o, struct live *l)
{
	struct stats_view v;

	stats_read(&v);
	metrics_head(o, "partscan_build_info", "gauge", "The running partscan's version.");
	metrics_u64(o, "partscan_build_info", "version", PARTSCAN_VERSION, 1);
	metrics_one(o, "partscan_ready", "gauge", "1 when /readyz answers ready.",
	            metrics_ready(l, NULL));
	metrics_messages(o, &v);
	metrics_detections(o);
	metrics_signatures(o, l);
	metrics_head(o, "partscan_reloads_total", "counter", "Signature reloads, by result.");
	metrics_u64(o, "partscan_reloads_total", "result", "ok", v.reloads_ok);
	metrics_u64(o, "partscan_reloads_total", "result", "failed", v.reloads_failed);
	metrics_one(o, "partscan_log_records_lost_total", "counter",
	            "JSON log records that could not be written.", v.log_lost);
	metrics_one(o, "partscan_retro_hunts_total", "counter",
	            "Retro-hunts run (after each reload that brought new signatures).",
	            v.retro_hunts);
	metrics_one(o, "partscan_retro_hunts_failed_total", "counter",
	            "Retro-hunts the index could not finish.", v.retro_errors);
	metrics_one(o, "partscan_retro_signatures_total", "counter",
	            "New signatures looked up in the index by retro-hunts.", v.retro_signatures);
	metrics_one(o, "partscan_retro_hits_total", "counter",
	            "Delivered parts found by retro-hunts (each hit once).", v.retro_hits);
	metrics_one(o, "partscan_retro_last_hunt_timestamp_seconds", "gauge",
	            "When the last retro-hunt ended (0: none yet).", (uint64_t)v.retro_last);
	metrics_head(o, "partscan_retro_last_hunt_duration_seconds", "gauge",
	             "How long the last retro-hunt took.");
	metrics_double(o, "partscan_retro_last_hunt_duration_seconds",
	               (double)v.retro_last_ms / 1000.0);
	metrics_quarantine(o, l);
	metrics_index(o);
	metrics_one(o, "partscan_connections", "gauge", "MTA connections open.",
	            (uint64_t)MAX(v.connections, 0));
	metrics_one(o, "partscan_workers", "gauge",
	            "Scans that may run at once ([milter] workers).", v.workers);
	metrics_one(o, "partscan_workers_busy", "gauge", "Scans running.",
	            (uint64_t)MAX(v.scanning, 0));
	metrics_one(o, "partscan_workers_waiting", "gauge", "Scans waiting for a free worker.",
	            (uint64_t)MAX(v.waiting, 0));
	metrics_process(o, &v);
}

/* ---- HTTP ---- */

static enum MHD_Result metrics_reply(struct MHD_Connection *conn, unsigned int status,
                                     const char *type, GString *body)
{
	size_t len = body->len;
	char *text = g_string_free(body, FALSE);
	struct MHD_Response *r =
	        MHD_create_response_from_buffer_with_free_callback(len, text, g_free);
	enum MHD_Result ret;

	if (r == NULL) {
		g_free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result metrics_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version, const char *upload,
                                      size_t *upload_size, void **req)
{
	const char *text = "text/plain; charset=utf-8";
	GString *body = g_string_new(NULL);
	struct live *l;
	unsigned int status = MHD_HTTP_OK;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		g_string_append(body, "only GET and HEAD\n");
		return metrics_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, text, body);
	}
	if (*upload_size != 0)
		return MHD_NO; /* a GET with a body: not ours */
	if (strcmp(url, "/metrics") == 0) {
		l = live_acquire();
		metrics_render(body, l);
		live_release(&l);
		return metrics_reply(conn, status, "text/plain; version=0.0.4; charset=utf-8",
		                     body);
	}
	if (strcmp(url, "/healthz") == 0) {
		g_string_append(body, "ok\n");
	} else if (strcmp(url, "/readyz") == 0) {
		l = live_acquire();
		if (metrics_ready(l, body)) {
			g_string_append(body, "ready\n");
		} else {
			g_string_prepend(body, "not ready: ");
			g_string_append_c(body, '\n');
			status = MHD_HTTP_SERVICE_UNAVAILABLE;
		}
		live_release(&l);
	} else if (strcmp(url, "/") == 0) {
		g_string_append(body, "partscan-milter: /metrics /healthz /readyz\n");
	} else {
		g_string_append(body, "not found\n");
		status = MHD_HTTP_NOT_FOUND;
	}
	return metrics_reply(conn, status, text, body);
}

static int metrics_parse(const char *addr, struct sockaddr_storage *ss, socklen_t *len_r,
                         GError **error)
{
	g_autofree char *host = NULL;
	const char *port_s = addr, *colon = strrchr(addr, ':');
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	guint64 port;

	memset(ss, 0, sizeof(*ss));
	if (colon != NULL) {
		host = g_strndup(addr, (gsize)(colon - addr));
		port_s = colon + 1;
		if (host[0] == '[' && host[strlen(host) - 1] == ']') {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = '\0';
		}
	}
	if (!g_ascii_string_to_unsigned(port_s, 10, 1, 65535, &port, NULL)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "[metrics] listen '%s': not HOST:PORT (PORT 1-65535)", addr);
		return -1;
	}
	if (host == NULL || strcmp(host, "localhost") == 0 ||
	    inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		if (host == NULL || strcmp(host, "localhost") == 0)
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len_r = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len_r = sizeof(*sin6);
	} else {
		g_set_error(
		        error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		        "[metrics] listen '%s': the host must be a numeric address or localhost",
		        addr);
		return -1;
	}
	return 0;
}

int metrics_open(const char *addr, GError **error)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int fd, one = 1;

	if (metrics_parse(addr, &ss, &len, error) < 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "metrics endpoint %s: %s", addr, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	metrics_fd = fd;
	return 0;
}

int metrics_start(GError **error)
{
	if (metrics_fd < 0)
		return 0;
	metrics_daemon = MHD_start_daemon(
	        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL, metrics_handle, NULL,
	        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)metrics_fd, MHD_OPTION_CONNECTION_LIMIT,
	        (unsigned int)METRICS_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
	        (unsigned int)METRICS_TIMEOUT, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	        MHD_OPTION_END);
	if (metrics_daemon == NULL) {
		g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		                    "metrics endpoint: the HTTP server did not start");
		return -1;
	}
	return 0;
}

void metrics_stop(void)
{
	if (metrics_daemon != NULL) {
		MHD_stop_daemon(metrics_daemon); /* closes the listening socket too */
		metrics_daemon = NULL;
	} else if (metrics_fd >= 0) {
		close(metrics_fd);
	}
	metrics_fd = -1;
}
