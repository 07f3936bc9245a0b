/*
 * retro: the retro-hunt (see retro.h).
 *
 * A hunt: sigdb_diff(old, new) gives the new detections; the whole-part ones become index
 * queries (the others are counted: the index has no PE sections); index_find returns the
 * parts that match, which are copied (at most RETRO_MAX_HITS: a feed that suddenly matches
 * everything must not flood the log or the admin's mailbox) and, once the query is done,
 * recorded with index_hit_record: only when that call is the one that recorded the hit is it
 * reported. Reports: one JSON record per hit (whole or not at all, like every record of the
 * message log), one syslog line per hit, the program once per hit (JSON on stdin, killed
 * after [retro] timeout), one notification mail per hunt.
 *
 * Thread safety: hunts run on one GThreadPool thread, in the order they are asked for; each
 * holds references to the two generations and the snapshot whose configuration it follows,
 * and one to the milter's index (mindex_acquire: its query connection, not the writer's).
 */

#include "milter/retro.h"
#include "engine/json.h"
#include "milter/mindex.h"
#include "milter/mlog.h"
#include "milter/stats.h"
#include "policy/policy.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/*
 * Set by retro_stop(): a hunt in progress stops at its next part, and its index lookup is
 * cancelled (index_cancel: a query that waits on a slow or locked PostgreSQL server must not
 * hold the daemon's stop).
 */
static gint retro_stopping;

/* One new signature, as the hunt reports it. */
struct retro_sig {
	char *name;
	char *source; /* the file it came from */
	enum sigdb_kind kind;
	enum digest_type type;
	unsigned char hash[DIGEST_MAX_LEN];
	uint64_t size; /* SIGDB_SIZE_ANY: `*` */
};

/* One part the index returned, copied out of the callback. */
struct retro_hit {
	size_t sig;
	int64_t msg_key, time;
	char *queue_id, *message_id, *client, *sender, *verdict, *action;
	char **rcpts;
	char *path, *name, *type;
	uint64_t size;
	struct digest_set digests;
};

struct retro_hunt_ctx {
	const struct sigdb *db;
	GArray *queries; /* struct index_query */
	GArray *sigs;    /* struct retro_sig */
	GPtrArray *hits; /* struct retro_hit * */
	struct retro_result *res;
};

static void retro_sig_clear(gpointer p)
{
	struct retro_sig *s = p;

	g_free(s->name);
	g_free(s->source);
}

static void retro_hit_free(gpointer p)
{
	struct retro_hit *h = p;

	g_free(h->queue_id);
	g_free(h->message_id);
	g_free(h->client);
	g_free(h->sender);
	g_free(h->verdict);
	g_free(h->action);
	g_strfreev(h->rcpts);
	g_free(h->path);
	g_free(h->name);
	g_free(h->type);
	g_free(h);
}

static int retro_collect_sig(void *ctx, const struct sigdb_sig *sig)
{
	struct retro_hunt_ctx *c = ctx;
	struct index_query q = {.type = sig->type, .size = sig->size};
	struct retro_sig s = {.kind = sig->kind, .type = sig->type, .size = sig->size};

	if (sig->target != SIGDB_TARGET_FILE) {
		c->res->other++;
		return 0;
	}
	memcpy(q.hash, sig->hash, digest_len(sig->type));
	memcpy(s.hash, sig->hash, digest_len(sig->type));
	q.size = sig->size == SIGDB_SIZE_ANY ? INDEX_ANY_SIZE : sig->size;
	s.name = g_strdup(sig->name);
	s.source = g_strdup(sig->source != NULL ? sig->source->name : NULL);
	g_array_append_val(c->queries, q);
	g_array_append_val(c->sigs, s);
	c->res->signatures++;
	return 0;
}

/* Mail that never reached a mailbox: nothing to look back at. */
static bool retro_undelivered(const char *action)
{
	return action != NULL &&
	       (strcmp(action, "reject") == 0 || strcmp(action, "tempfail") == 0 ||
	        strcmp(action, "discard") == 0);
}

static int retro_found(void *ctx, const struct index_found *f)
{
	struct retro_hunt_ctx *c = ctx;
	struct retro_hit *h;

	if (g_atomic_int_get(&retro_stopping))
		return 1;
	c->res->found++;
	if (retro_undelivered(f->action)) {
		c->res->undelivered++;
		return 0;
	}
	if (f->digests != NULL && sigdb_allowed(c->db, f->digests, f->size)) {
		c->res->allowed++;
		return 0;
	}
	if (c->hits->len >= RETRO_MAX_HITS) {
		c->res->over++;
		return 0;
	}
	h = g_new0(struct retro_hit, 1);
	h->sig = f->query;
	h->msg_key = f->msg_key;
	h->time = f->time;
	h->queue_id = g_strdup(f->queue_id);
	h->message_id = g_strdup(f->message_id);
	h->client = g_strdup(f->client);
	h->sender = g_strdup(f->sender);
	h->verdict = g_strdup(f->verdict);
	h->action = g_strdup(f->action);
	h->rcpts = g_strdupv((char **)f->rcpts);
	h->path = g_strdup(f->path);
	h->name = g_strdup(f->name);
	h->type = g_strdup(f->type);
	h->size = f->size;
	if (f->digests != NULL)
		h->digests = *f->digests;
	g_ptr_array_add(c->hits, h);
	return 0;
}

/* The hit as one JSON object, without a newline. */
static char *retro_hit_json(const struct retro_hit *h, const struct retro_sig *s,
                            uint64_t generation)
{
	GString *out = g_string_new(NULL);
	char hex[DIGEST_MAX_HEX];
	char *now = mlog_timestamp(g_get_real_time());
	char *then = mlog_timestamp(h->time * G_USEC_PER_SEC);
	struct json j;

	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_string(&j, "type", "retro");
	json_string(&j, "time", now);
	json_string(&j, "message_time", then);
	json_string(&j, "queue_id", h->queue_id);
	json_string(&j, "message_id", h->message_id);
	json_string(&j, "client", h->client);
	json_string(&j, "sender", h->sender);
	json_begin_array(&j, "recipients");
	for (char **r = h->rcpts; r != NULL && *r != NULL; r++)
		json_string(&j, NULL, *r);
	json_end_array(&j);
	json_string(&j, "verdict", h->verdict);
	json_string(&j, "action", h->action);
	json_begin_object(&j, "part");
	json_string(&j, "path", h->path);
	json_string(&j, "name", h->name);
	json_string(&j, "type", h->type);
	json_uint(&j, "size", h->size);
	for (int t = 0; t < DIGEST__COUNT; t++) {
		if (h->digests.mask & DIGEST_BIT(t))
			json_string(&j, digest_name((enum digest_type)t),
			            digest_hex(digest_get(&h->digests, (enum digest_type)t),
			                       digest_len((enum digest_type)t), hex));
	}
	json_end_object(&j);
	json_begin_object(&j, "signature");
	json_string(&j, "name", s->name);
	json_string(&j, "kind", sigdb_kind_name(s->kind));
	json_string(&j, "digest", digest_name(s->type));
	json_string(&j, "hash", digest_hex(s->hash, digest_len(s->type), hex));
	if (s->size == SIGDB_SIZE_ANY)
		json_string(&j, "size", "*");
	else
		json_uint(&j, "size", s->size);
	json_string(&j, "source", s->source);
	json_end_object(&j);
	json_uint(&j, "db_generation", generation);
	json_end_object(&j);
	g_free(now);
	g_free(then);
	return g_string_free(out, FALSE);
}

/* ---- running the program and sendmail ---- */

int retro_run(const char *const *argv, const char *input, unsigned int timeout_s, int *status_r,
              GError **error)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
	size_t len = input != NULL ? strlen(input) : 0, done = 0;
	int fds[2], err;
	pid_t pid;

	/* said here, not left to posix_spawn: where it forks (valgrind, older C libraries) a
	   program that cannot be run is a child exiting 127, not an error */
	if (access(argv[0], X_OK) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", argv[0],
		            g_strerror(errno));
		return -1;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "pipe: %s",
		            g_strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
	/* nothing else of the milter's: its sockets and files are not all close-on-exec */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/*
	 * The milter's threads block HUP, TERM and INT (sigwait) and ignore PIPE; both are
	 * inherited across exec: the program starts with every signal unblocked and default.
	 */
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	/* a process group of its own, so that a timeout kills what the program started too */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
	                                        POSIX_SPAWN_SETPGROUP);
	err = posix_spawn(&pid, argv[0], &fa, &attr, (char *const *)argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	if (err != 0) {
		close(fds[1]);
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", argv[0],
		            g_strerror(err));
		return -1;
	}
	/* the input is small (one hit, one mail); a program that does not read it gets EPIPE */
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	while (done < len && g_get_monotonic_time() < deadline) {
		ssize_t n = write(fds[1], input + done, len - done);

		if (n > 0)
			done += (size_t)n;
		else if (n < 0 && errno == EAGAIN)
			g_usleep(10000);
		else if (n < 0 && errno != EINTR)
			break;
	}
	close(fds[1]);
	for (;;) {
		pid_t r = waitpid(pid, status_r, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: waitpid: %s",
			            argv[0], g_strerror(errno));
			return -1;
		}
		if (g_get_monotonic_time() >= deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, status_r, 0);
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			            "%s: killed after %u s", argv[0], timeout_s);
			return -1;
		}
		g_usleep(10000);
	}
}

static char *retro_status_text(int status)
{
	if (WIFEXITED(status))
		return g_strdup_printf("exit status %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return g_strdup_printf("killed by signal %d", WTERMSIG(status));
	return g_strdup("ended");
}

/* qid, path: printable already (retro_report) */
/*
 * Run the program for one hit. *failures_r counts the runs in a row that could not start or
 * were killed: at RETRO_PROGRAM_FAILURES the program is not run again in this hunt (a
 * hanging program would otherwise hold the hunt timeout x hits).
 */
static void retro_program(const struct conf *conf, const char *json, const char *qid,
                          const char *path, unsigned int *failures_r)
{
	const char *argv[] = {conf->retro_program, NULL};
	char *input;
	GError *error = NULL;
	int status = 0;

	if (*failures_r >= RETRO_PROGRAM_FAILURES)
		return;
	input = g_strconcat(json, "\n", NULL);
	if (retro_run(argv, input, conf->retro_timeout, &status, &error) < 0) {
		mlog_error("retro: program %s: %s%s", conf->retro_program, error->message,
		           ++*failures_r >= RETRO_PROGRAM_FAILURES
		                   ? " (failed too often: not run again in this hunt)"
		                   : "");
		g_error_free(error);
	} else {
		*failures_r = 0;
		char *what = retro_status_text(status);

		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			mlog_info("retro: program %s for %s %s: %s", conf->retro_program, qid, path,
			          what);
		else
			mlog_warn("retro: program %s for %s %s: %s", conf->retro_program, qid, path,
			          what);
		g_free(what);
	}
	g_free(input);
}

/* Header-safe: no control characters in what goes into the notification. */
static char *retro_clean(const char *s)
{
	char *c = g_strdup(s != NULL ? s : "-");

	for (char *p = c; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	return c;
}

/* One mail to [retro] notify listing the hits of a hunt. */
static void retro_notify(const struct conf *conf, GPtrArray *reported, const GArray *sigs,
                         uint64_t generation)
{
	const char *argv[] = {conf->sendmail, "-i", "--", conf->retro_notify, NULL};
	GString *mail = g_string_new(NULL);
	char *to = retro_clean(conf->retro_notify), *host = retro_clean(g_get_host_name());
	GError *error = NULL;
	int status = 0;

	g_string_append_printf(mail,
	                       "To: %s\nSubject: partscan retro-hunt on %s: %u delivered part%s "
	                       "match%s new signatures\nAuto-Submitted: auto-generated\n"
	                       "Content-Type: text/plain; charset=utf-8\n\n",
	                       to, host, reported->len, reported->len == 1 ? "" : "s",
	                       reported->len == 1 ? "es" : "");
	g_string_append_printf(mail,
	                       "Signature generation %" G_GUINT64_FORMAT
	                       " matched parts of mail delivered earlier:\n\n",
	                       (guint64)generation);
	for (guint i = 0; i < reported->len; i++) {
		const struct retro_hit *h = reported->pdata[i];
		const struct retro_sig *s = &g_array_index(sigs, struct retro_sig, h->sig);
		/* what came with the mail: printable and bounded as on the syslog line, so that
		   no line passes SMTP's 998 bytes and RETRO_MAX_HITS hits make a mail of bounded
		   size */
		char *qid = policy_sanitize(h->queue_id != NULL ? h->queue_id : "-", 64, false);
		char *mid =
		        policy_sanitize(h->message_id != NULL ? h->message_id : "-", 200, false);
		char *from = policy_sanitize(h->sender != NULL ? h->sender : "-", 200, false);
		char *path = policy_sanitize(h->path != NULL ? h->path : "-", 200, false);
		char *rcpts = h->rcpts != NULL ? g_strjoinv(", ", h->rcpts) : g_strdup("-");
		char *rc = policy_sanitize(rcpts, 400, false);
		char *when = mlog_timestamp(h->time * G_USEC_PER_SEC);

		g_string_append_printf(mail,
		                       "%s  queue id %s, Message-ID %s\n  from %s to %s\n"
		                       "  part %s matches %s (%s)\n\n",
		                       when, qid, mid, from, rc, path, s->name,
		                       sigdb_kind_name(s->kind));
		g_free(qid);
		g_free(mid);
		g_free(from);
		g_free(path);
		g_free(rcpts);
		g_free(rc);
		g_free(when);
	}
	if (conf->sendmail == NULL) {
		mlog_error("retro: notify %s: no [quarantine] sendmail configured", to);
	} else if (retro_run(argv, mail->str, conf->retro_timeout, &status, &error) < 0) {
		mlog_error("retro: notify %s: %s", to, error->message);
		g_error_free(error);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *what = retro_status_text(status);
		mlog_error("retro: notify %s: %s %s", to, conf->sendmail, what);
		g_free(what);
	}
	g_string_free(mail, TRUE);
	g_free(to);
	g_free(host);
}

static void retro_report(const struct conf *conf, const struct retro_hit *h,
                         const struct retro_sig *s, uint64_t generation,
                         unsigned int *program_failures)
{
	char *json = retro_hit_json(h, s, generation);
	char *line = g_strconcat(json, "\n", NULL);
	char *joined = h->rcpts != NULL ? g_strjoinv(",", h->rcpts) : g_strdup("");
	/* what came with the mail goes to syslog printable and bounded, as message lines do */
	char *qid = policy_sanitize(h->queue_id != NULL ? h->queue_id : "NOQUEUE", 64, false);
	char *path = policy_sanitize(h->path, 200, false),
	     *name = policy_sanitize(s->name, 200, false);
	char *from = policy_sanitize(h->sender != NULL ? h->sender : "", 200, false);
	char *to = policy_sanitize(joined, 400, false);
	char *mid = policy_sanitize(h->message_id != NULL ? h->message_id : "-", 200, false);

	mlog_record_line(line);
	mlog_warn("retro: %s: part %s matches %s (new in generation %" G_GUINT64_FORMAT
	          "); from=<%s>, to=<%s>, message-id=%s",
	          qid, path, name, (guint64)generation, from, to, mid);
	if (conf->retro_program != NULL)
		retro_program(conf, json, qid, path, program_failures);
	g_free(qid);
	g_free(path);
	g_free(name);
	g_free(from);
	g_free(to);
	g_free(mid);
	g_free(joined);
	g_free(line);
	g_free(json);
}

int retro_hunt(struct index *idx, const struct conf *conf, const struct sigdb *old,
               const struct sigdb *new_db, struct retro_result *res_r, GError **error)
{
	struct retro_hunt_ctx c = {.db = new_db, .res = res_r};
	GPtrArray *reported = g_ptr_array_new();
	gint64 t0 = g_get_monotonic_time();
	uint64_t generation = sigdb_generation(new_db);
	unsigned int program_failures = 0;
	int ret = 0;

	memset(res_r, 0, sizeof(*res_r));
	c.queries = g_array_new(FALSE, FALSE, sizeof(struct index_query));
	c.sigs = g_array_new(FALSE, FALSE, sizeof(struct retro_sig));
	g_array_set_clear_func(c.sigs, retro_sig_clear);
	c.hits = g_ptr_array_new_with_free_func(retro_hit_free);
	sigdb_diff(old, new_db, retro_collect_sig, &c);
	if (c.queries->len > 0 &&
	    index_find(idx, (const struct index_query *)(void *)c.queries->data, c.queries->len, 0,
	               0, retro_found, &c, error) < 0)
		ret = -1;
	for (guint i = 0; ret == 0 && i < c.hits->len && !g_atomic_int_get(&retro_stopping); i++) {
		struct retro_hit *h = c.hits->pdata[i];
		const struct retro_sig *s = &g_array_index(c.sigs, struct retro_sig, h->sig);
		int r = index_hit_record(idx, h->msg_key, h->path, s->name, s->type, s->hash,
		                         error);

		if (r < 0) {
			ret = -1;
		} else if (r == 0) {
			res_r->known++;
		} else {
			res_r->hits++;
			retro_report(conf, h, s, generation, &program_failures);
			g_ptr_array_add(reported, h);
		}
	}
	if (ret == 0 && g_atomic_int_get(&retro_stopping)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "stopped (the daemon stops)");
		ret = -1;
	}
	if (reported->len > 0 && conf->retro_notify != NULL)
		retro_notify(conf, reported, c.sigs, generation);
	if (res_r->over > 0)
		mlog_warn("retro: more than %u parts matched the new signatures; %" G_GUINT64_FORMAT
		          " not reported",
		          RETRO_MAX_HITS, (guint64)res_r->over);
	res_r->seconds = (double)(g_get_monotonic_time() - t0) / 1e6;
	g_ptr_array_free(reported, TRUE);
	g_ptr_array_free(c.hits, TRUE);
	g_array_free(c.sigs, TRUE);
	g_array_free(c.queries, TRUE);
	return ret;
}

/* ---- the retro thread ---- */

struct retro_task {
	struct sigdb *old; /* NULL: the generation hunted last, from [retro] state */
	struct live *now;
};

static GThreadPool *retro_pool;
/*
 * The generation the last hunt that worked hunted up to (the retro thread's own): the next
 * hunt diffs from it, not from the generation its reload replaced, so that what a failed
 * hunt (the index down) should have found is found by the next one. NULL: none yet.
 */
static struct sigdb *retro_base;
static GMutex retro_lock;
static GCond retro_cond;
static unsigned int retro_pending;
/* The index of the hunt running now (retro_lock), for retro_stop to cancel its lookups. */
static struct index *retro_hunt_idx;

/* Keep what was hunted, for the hunt after a restart (written beside, renamed over). */
static void retro_state_save(const struct conf *conf, const struct sigdb *db)
{
	GError *error = NULL;

	if (conf->retro_state != NULL && sigdb_compile(db, conf->retro_state, &error) < 0) {
		mlog_error("retro: state %s: %s", conf->retro_state, error->message);
		g_error_free(error);
	}
}

/* At start: the generation hunted last, or NULL (none kept: nothing to hunt against). */
static struct sigdb *retro_state_load(const struct conf *conf)
{
	struct sigdb *db = NULL;
	GError *error = NULL;

	if (conf->retro_state == NULL || !g_file_test(conf->retro_state, G_FILE_TEST_EXISTS))
		return NULL;
	if (sigdb_open_snapshot(conf->retro_state, &db, &error) < 0) {
		mlog_error("retro: state %s: %s (the signatures loaded now become the state)",
		           conf->retro_state, error->message);
		g_error_free(error);
	}
	return db;
}

static void retro_task_run(gpointer data, gpointer unused)
{
	struct retro_task *t = data;
	const struct conf *conf = t->now->conf;
	struct retro_result res;
	struct index *idx = NULL;
	GError *error = NULL;
	int r = -1;

	memset(&res, 0, sizeof(res));
	if (g_atomic_int_get(&retro_stopping))
		goto done;
	if (t->old == NULL) {
		t->old = retro_state_load(conf);
		if (t->old == NULL) {
			retro_state_save(conf, t->now->db);
			goto done;
		}
		mlog_info("retro: hunting what is new since the state %s (generation before the "
		          "restart)",
		          conf->retro_state);
	}
	idx = mindex_acquire();
	g_mutex_lock(&retro_lock);
	bool stopping = g_atomic_int_get(&retro_stopping); /* then retro_stop has looked */
	retro_hunt_idx = stopping ? NULL : idx;
	g_mutex_unlock(&retro_lock);
	if (idx == NULL)
		g_set_error(&error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "the index is not open");
	else if (stopping)
		g_set_error(&error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		            "stopped (the daemon stops)");
	else
		r = retro_hunt(idx, conf, retro_base != NULL ? retro_base : t->old, t->now->db,
		               &res, &error);
	g_mutex_lock(&retro_lock);
	retro_hunt_idx = NULL;
	g_mutex_unlock(&retro_lock);
	mindex_release(&idx);
	if (r == 0) {
		sigdb_unref(&retro_base);
		retro_base = sigdb_ref(t->now->db);
		retro_state_save(conf, t->now->db);
	} else if (retro_base == NULL) {
		retro_base = sigdb_ref(t->old);
	}
	stats_retro(res.signatures, res.hits, res.seconds, r == 0);
	if (r < 0) {
		mlog_error("retro: hunt of generation %" G_GUINT64_FORMAT
		           " failed: %s (the next hunt looks for its signatures too)",
		           (guint64)sigdb_generation(t->now->db), error->message);
		g_error_free(error);
	} else {
		mlog_info("retro: generation %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT
		          " new signatures hunted (%" G_GUINT64_FORMAT
		          " PE section/import ones cannot be), %" G_GUINT64_FORMAT
		          " parts found, %" G_GUINT64_FORMAT " new hits, %" G_GUINT64_FORMAT
		          " reported before, %" G_GUINT64_FORMAT
		          " not delivered, %" G_GUINT64_FORMAT " allow-listed, in %.3f s",
		          (guint64)sigdb_generation(t->now->db), (guint64)res.signatures,
		          (guint64)res.other, (guint64)res.found, (guint64)res.hits,
		          (guint64)res.known, (guint64)res.undelivered, (guint64)res.allowed,
		          res.seconds);
	}
done:
	sigdb_unref(&t->old);
	live_release(&t->now);
	g_free(t);
	g_mutex_lock(&retro_lock);
	retro_pending--;
	g_cond_broadcast(&retro_cond);
	g_mutex_unlock(&retro_lock);
}

static void retro_push(struct sigdb *old, struct live *now)
{
	struct retro_task *t;

	g_mutex_lock(&retro_lock);
	if (retro_pool == NULL)
		retro_pool = g_thread_pool_new(retro_task_run, NULL, 1, FALSE, NULL);
	retro_pending++;
	g_mutex_unlock(&retro_lock);
	t = g_new0(struct retro_task, 1);
	t->old = old != NULL ? sigdb_ref(old) : NULL;
	t->now = live_ref(now);
	g_thread_pool_push(retro_pool, t, NULL);
}

static bool retro_on(const struct live *now)
{
	return now != NULL && now->db != NULL && now->conf->index_url != NULL && now->conf->retro;
}

void retro_after_reload(struct sigdb *old, struct live *now)
{
	if (retro_on(now) && old != NULL)
		retro_push(old, now);
}

void retro_at_start(struct live *now)
{
	if (retro_on(now) && now->conf->retro_state != NULL)
		retro_push(NULL, now);
}

void retro_wait(void)
{
	g_mutex_lock(&retro_lock);
	while (retro_pending > 0)
		g_cond_wait(&retro_cond, &retro_lock);
	g_mutex_unlock(&retro_lock);
}

void retro_stop(void)
{
	GThreadPool *pool;

	g_atomic_int_set(&retro_stopping, 1);
	g_mutex_lock(&retro_lock);
	if (retro_hunt_idx != NULL) /* the hunt's lookup ends now, failed: not a hit missed */
		index_cancel(retro_hunt_idx);
	pool = retro_pool;
	retro_pool = NULL;
	g_mutex_unlock(&retro_lock);
	/* hunts not begun are dropped (their tasks freed by running them, stopping at once) */
	if (pool != NULL)
		g_thread_pool_free(pool, FALSE, TRUE);
	sigdb_unref(&retro_base); /* the thread is gone */
}
