/*
 * sigdb_paths: sigdb_load() — which files of the given paths are read, in which order.
 *
 * A directory contributes its regular files with a known extension (not recursively, dotfiles
 * skipped), sorted by name, as ClamAV reads its database directory. Ignore lists (.ign2, .ign,
 * and those inside ClamAV containers) are read first so that they apply to every file. An
 * explicitly named file with an unknown extension is sniffed: ':'-separated lines are ClamAV
 * hash lines, anything else a plain list. ClamAV containers are read and verified first, in
 * parallel (sigdb_container.c); of several of the same database, the newest verified one
 * loads. A single path holding a compiled snapshot is opened (read, not parsed) instead.
 */

#include "engine/sigdb_load.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIGDB_READ_BLOCK (1024 * 1024)

struct sigdb_file {
	char *path;
	char *name;
	enum sigdb_format format;
};

static void sigdb_file_clear(gpointer p)
{
	struct sigdb_file *f = p;

	g_free(f->path);
	g_free(f->name);
}

/* Guess the format of an explicitly named file from its first signature line. */
static enum sigdb_format sigdb_sniff(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	enum sigdb_format format = SIGDB_FORMAT_PLAIN;

	if (fd < 0)
		return SIGDB_FORMAT_PLAIN; /* the read that follows reports the error */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return format;
	buf[n] = '\0';
	for (char *line = buf; line != NULL && *line != '\0';) {
		char *nl = strchr(line, '\n');

		if (nl != NULL)
			*nl = '\0';
		if (line[0] != '#' && line[strspn(line, " \t\r")] != '\0')
			return strchr(line, ':') != NULL ? SIGDB_FORMAT_HSB : SIGDB_FORMAT_PLAIN;
		line = nl != NULL ? nl + 1 : NULL;
	}
	return format;
}

static gint sigdb_name_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int sigdb_list_dir(const char *dir, GArray *files, GError **error)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(dir, 0, error);
	const char *name;

	if (d == NULL) {
		g_ptr_array_free(names, TRUE);
		return -1;
	}
	while ((name = g_dir_read_name(d)) != NULL) {
		if (name[0] != '.')
			g_ptr_array_add(names, g_strdup(name));
	}
	g_dir_close(d);
	g_ptr_array_sort(names, sigdb_name_cmp);
	for (guint i = 0; i < names->len; i++) {
		struct sigdb_file f;
		char *path = g_build_filename(dir, names->pdata[i], NULL);
		enum sigdb_format format = sigdb_format_from_name(names->pdata[i]);

		if (format == SIGDB_FORMAT_UNKNOWN || format == SIGDB_FORMAT_SNAPSHOT ||
		    !g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
			g_free(path);
			continue;
		}
		f.path = path;
		f.name = g_strdup(names->pdata[i]);
		f.format = format;
		g_array_append_val(files, f);
	}
	g_ptr_array_free(names, TRUE);
	return 0;
}

static int sigdb_collect_paths(const char *const *paths, GArray *files, GError **error)
{
	for (size_t i = 0; paths[i] != NULL; i++) {
		struct sigdb_file f;
		struct stat st;

		if (stat(paths[i], &st) < 0) {
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s",
			            paths[i], g_strerror(errno));
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			if (sigdb_list_dir(paths[i], files, error) < 0)
				return -1;
			continue;
		}
		if (sigdb_is_snapshot(paths[i])) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			            "%s: a compiled snapshot must be the only database path",
			            paths[i]);
			return -1;
		}
		f.path = g_strdup(paths[i]);
		f.name = g_path_get_basename(paths[i]);
		f.format = sigdb_format_from_name(f.name);
		if (f.format == SIGDB_FORMAT_UNKNOWN)
			f.format = sigdb_sniff(paths[i]);
		g_array_append_val(files, f);
	}
	return 0;
}

static int sigdb_read_file(struct sigdb_loader *ld, const struct sigdb_file *f, GError **error)
{
	struct sigdb_source *src;
	struct stat st;
	char *buf;
	size_t have = 0;
	int ret = 0;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", f->path,
		            g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	sigdb_loader_begin(ld, f->path, f->name, f->format);
	src = &g_array_index(ld->sources, struct sigdb_source, ld->cur);
	src->mtime = (int64_t)st.st_mtime;
	src->size = (uint64_t)st.st_size;
	sigdb_stamp_from_stat(&st, &src->stamp);
	buf = g_malloc(SIGDB_READ_BLOCK);
	for (;;) {
		ssize_t n = read(fd, buf + have, SIGDB_READ_BLOCK - have);
		size_t used;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s",
			            f->path, g_strerror(errno));
			ret = -1;
			break;
		}
		have += (size_t)n;
		used = sigdb_loader_feed(ld, buf, have, n == 0);
		if (used == 0 && have == SIGDB_READ_BLOCK) {
			/* one line fills the whole block: consume it as a (bad) line */
			used = sigdb_loader_feed(ld, buf, have, true);
		}
		memmove(buf, buf + used, have - used);
		have -= used;
		if (n == 0)
			break;
	}
	g_free(buf);
	close(fd);
	sigdb_loader_end(ld);
	return ret;
}

static void sigdb_note_unused(struct sigdb_loader *ld, const struct sigdb_file *f)
{
	struct sigdb_source *src;
	struct stat st;

	sigdb_loader_begin(ld, f->path, f->name, f->format);
	src = &g_array_index(ld->sources, struct sigdb_source, ld->cur);
	if (stat(f->path, &st) == 0) {
		src->mtime = (int64_t)st.st_mtime;
		src->size = (uint64_t)st.st_size;
		sigdb_stamp_from_stat(&st, &src->stamp);
	}
	src->unused = 1;
	sigdb_loader_end(ld);
}

/*
 * Each file is read by its own loader (a "part": tables and name pool of its own), by as many
 * threads as there are cores, then the parts are merged in file order: name pools are
 * concatenated (offsets rebased), each table grows from its largest part (realloc, no copy)
 * and the rest are appended. Ignore lists are read first, on this thread, and are read-only
 * while the workers run. Warnings of workers are kept and reported in file order.
 * A container is read and checked beforehand (in parallel with other containers); it then
 * gives a part for its own source and one per used member, and its ignore-list members are
 * read with the ignore files, so that they too apply to every signature.
 */
struct sigdb_part {
	const struct sigdb_file *file;
	struct sigdb_cvd *cvd; /* a container's part: its own source (member < 0) or a member */
	long member;
	struct sigdb_loader ld;
	GError *error;
	int ret;
};

static void sigdb_part_run(struct sigdb_part *part)
{
	const struct sigdb_file *f = part->file;

	if (part->cvd != NULL && part->member < 0)
		sigdb_cvd_add_source(&part->ld, part->cvd);
	else if (part->cvd != NULL)
		sigdb_cvd_load_member(&part->ld, part->cvd, (size_t)part->member);
	else if (f->format == SIGDB_FORMAT_OTHER)
		sigdb_note_unused(&part->ld, f);
	else
		part->ret = sigdb_read_file(&part->ld, f, &part->error);
}

struct sigdb_work {
	void (*fn)(void *ctx, size_t i);
	void *ctx;
	gint n;
	gint next;
};

static gpointer sigdb_worker(gpointer data)
{
	struct sigdb_work *w = data;

	for (;;) {
		gint i = g_atomic_int_add(&w->next, 1);

		if (i >= w->n)
			break;
		w->fn(w->ctx, (size_t)i);
	}
	return NULL;
}

/* fn(ctx, 0 .. n-1), by as many threads as there are cores. */
static void sigdb_parallel(size_t n, void (*fn)(void *ctx, size_t i), void *ctx)
{
	struct sigdb_work work = {fn, ctx, (gint)n, 0};
	size_t nthreads = MIN((size_t)g_get_num_processors(), n);
	GThread **threads;

	if (nthreads <= 1) {
		sigdb_worker(&work);
		return;
	}
	threads = g_new(GThread *, nthreads);
	for (size_t i = 0; i < nthreads; i++)
		threads[i] = g_thread_new("sigdb-load", sigdb_worker, &work);
	for (size_t i = 0; i < nthreads; i++)
		g_thread_join(threads[i]);
	g_free(threads);
}

struct sigdb_run {
	struct sigdb_part *parts;
	const size_t *order;
};

static void sigdb_run_one(void *ctx, size_t i)
{
	struct sigdb_run *run = ctx;

	sigdb_part_run(&run->parts[run->order[i]]);
}

/* Shift the stem offsets of the stemmed entries of a pool segment moved to base. */
static void sigdb_rebase_pool(char *seg, size_t len, uint32_t base)
{
	size_t pos = 0;

	while (pos < len) {
		if (seg[pos] == SIGDB_NAME_STEMMED && pos + SIGDB_NAME_STEMMED_LEN <= len) {
			uint32_t stem;

			memcpy(&stem, seg + pos + 1, 4);
			stem += base;
			memcpy(seg + pos + 1, &stem, 4);
			pos += SIGDB_NAME_STEMMED_LEN;
		} else {
			pos += strnlen(seg + pos + 1, len - pos - 1) + 2;
		}
	}
}

static void sigdb_rebase_recs(unsigned char *recs, size_t count, size_t rec_size, uint32_t base)
{
	if (base == 0)
		return;
	for (size_t i = 0; i < count; i++) {
		uint32_t off = sigdb_rec_name_of(recs + i * rec_size) + base;
		memcpy(recs + i * rec_size + 4, &off, 4);
	}
}

static void sigdb_merge_table(struct sigdb *db, int t, struct sigdb_part *parts, size_t n,
                              const uint32_t *bases)
{
	struct sigdb_table *dst = &db->tables[t];
	size_t total = 0, big = 0, rs = dst->rec_size;

	for (size_t i = 0; i < n; i++) {
		total += parts[i].ld.db->tables[t].count;
		if (parts[i].ld.db->tables[t].count > parts[big].ld.db->tables[t].count)
			big = i;
	}
	if (total == 0)
		return;
	/* the largest part's array becomes the table: realloc moves pages, not bytes */
	dst->recs = g_realloc(parts[big].ld.db->tables[t].recs, total * rs);
	dst->count = parts[big].ld.db->tables[t].count;
	dst->cap = total;
	parts[big].ld.db->tables[t].recs = NULL;
	parts[big].ld.db->tables[t].cap = 0;
	sigdb_rebase_recs(dst->recs, dst->count, rs, bases[big]);
	for (size_t i = 0; i < n; i++) {
		struct sigdb_table *src = &parts[i].ld.db->tables[t];

		if (i == big || src->count == 0)
			continue;
		memcpy(dst->recs + dst->count * rs, src->recs, src->count * rs);
		sigdb_rebase_recs(dst->recs + dst->count * rs, src->count, rs, bases[i]);
		dst->count += src->count;
	}
}

static void sigdb_merge(struct sigdb *db, struct sigdb_part *parts, size_t n)
{
	GArray *sources = g_array_new(FALSE, TRUE, sizeof(struct sigdb_source));
	uint32_t *bases = g_new(uint32_t, n + 1);
	size_t total = 0, first = 0;

	for (size_t i = 0; i < n; i++) {
		bases[i] = (uint32_t)total;
		total += parts[i].ld.db->names_len;
		if (total >= UINT32_MAX)
			g_error("sigdb: name pool over 4 GB");
	}
	/*
	 * The first non-empty pool sits at offset 0 of the merged one: it grows into it
	 * (realloc, no copy), so a single large file never holds its names twice.
	 */
	while (first < n && parts[first].ld.db->names_len == 0)
		first++;
	if (first < n) {
		struct sigdb *pdb = parts[first].ld.db;

		db->names = g_realloc(pdb->names, total + 1);
		pdb->names = NULL;
		pdb->names_len = pdb->names_cap = 0;
	} else {
		db->names = g_malloc(total + 1);
	}
	db->names_cap = total + 1;
	for (size_t i = 0; i < n; i++) {
		const struct sigdb *pdb = parts[i].ld.db;
		GArray *ps = parts[i].ld.sources;

		if (pdb->names_len > 0) {
			memcpy(db->names + bases[i], pdb->names, pdb->names_len);
			sigdb_rebase_pool(db->names + bases[i], pdb->names_len, bases[i]);
		}
		for (guint k = 0; k < ps->len; k++) {
			struct sigdb_source *s = &g_array_index(ps, struct sigdb_source, k);
			s->pool_begin += bases[i];
			s->pool_end += bases[i];
		}
		/* the strings move with the structs */
		g_array_append_vals(sources, ps->data, ps->len);
		g_array_set_size(ps, 0);
	}
	/* the final NUL terminates every literal entry, even in a damaged pool */
	db->names[total] = '\0';
	db->names_len = total + 1;
	for (int t = 0; t < SIGDB_N_TABLES; t++)
		sigdb_merge_table(db, t, parts, n, bases);
	db->n_sources = sources->len;
	db->sources = (struct sigdb_source *)(void *)g_array_free(sources, FALSE);
	g_free(bases);
}

static gpointer sigdb_sort_thread(gpointer table)
{
	sigdb_table_sort(table);
	return NULL;
}

/* Sort the tables, the large ones side by side. */
static void sigdb_sort_tables(struct sigdb *db)
{
	GThread *threads[SIGDB_N_TABLES] = {NULL};
	bool parallel = g_get_num_processors() > 1;

	for (int t = 0; t < SIGDB_N_TABLES; t++) {
		if (parallel && db->tables[t].count > 100000)
			threads[t] = g_thread_new("sigdb-sort", sigdb_sort_thread, &db->tables[t]);
		else
			sigdb_table_sort(&db->tables[t]);
	}
	for (int t = 0; t < SIGDB_N_TABLES; t++) {
		if (threads[t] != NULL)
			g_thread_join(threads[t]);
	}
}

static void sigdb_part_init(struct sigdb_part *part, const struct sigdb_file *f,
                            struct sigdb_cvd *cvd, long member, const struct sigdb_loader *proto)
{
	part->file = f;
	part->cvd = cvd;
	part->member = member;
	part->ld = *proto;
	part->ld.db = sigdb_new_empty();
	part->ld.sources = g_array_new(FALSE, TRUE, sizeof(struct sigdb_source));
	part->ld.owns_ignore = false;
	part->ld.stem = NULL;
	part->ld.stems = NULL;
	part->ld.warnings = g_ptr_array_new_with_free_func(g_free);
}

static void sigdb_part_clear(struct sigdb_part *part)
{
	for (guint k = 0; k < part->ld.sources->len; k++)
		sigdb_source_clear(&g_array_index(part->ld.sources, struct sigdb_source, k));
	g_array_free(part->ld.sources, TRUE);
	sigdb_unref(&part->ld.db);
	sigdb_loader_clear(&part->ld);
	if (part->error != NULL)
		g_error_free(part->error);
}

static bool sigdb_is_ign(const struct sigdb_file *f)
{
	return f->format == SIGDB_FORMAT_IGN2 || f->format == SIGDB_FORMAT_IGN;
}

/* Ignore lists (files, and containers' members) fill the shared table: run first, alone. */
static bool sigdb_part_is_ign(const struct sigdb_part *p)
{
	if (p->cvd != NULL)
		return p->member >= 0 && sigdb_cvd_member_is_ignore(p->cvd, (size_t)p->member);
	return sigdb_is_ign(p->file);
}

struct sigdb_cvd_job {
	GArray *files;
	struct sigdb_cvd **cvds; /* one per file, NULL for other files */
	GError **errors;
	const struct sigdb_options *opts;
};

static void sigdb_cvd_job_run(void *ctx, size_t i)
{
	struct sigdb_cvd_job *job = ctx;
	const struct sigdb_file *f = &g_array_index(job->files, struct sigdb_file, i);

	if (f->format == SIGDB_FORMAT_CONTAINER)
		(void)sigdb_cvd_read(f->path, job->opts, &job->cvds[i], &job->errors[i]);
}

/* Read and check every container, in parallel; -1 when one cannot be read at all. */
static int sigdb_read_containers(const struct sigdb_options *opts, GArray *files,
                                 struct sigdb_cvd **cvds, GError **error)
{
	struct sigdb_cvd_job job = {files, cvds, g_new0(GError *, files->len), opts};
	struct sigdb_cvd **found = g_new(struct sigdb_cvd *, files->len + 1);
	size_t n = 0;
	int ret = 0;

	sigdb_parallel(files->len, sigdb_cvd_job_run, &job);
	for (guint i = 0; i < files->len; i++) {
		if (job.errors[i] != NULL && ret == 0) {
			g_propagate_error(error, job.errors[i]);
			ret = -1;
		} else if (job.errors[i] != NULL) {
			g_error_free(job.errors[i]);
		}
		if (cvds[i] != NULL)
			found[n++] = cvds[i];
	}
	sigdb_cvd_precedence(found, n);
	g_free(found);
	g_free(job.errors);
	return ret;
}

/*
 * The parts, in the order of their sources: ignore files, then every other file in order (a
 * container: its own part, then its members'). *order_r lists the parts to run: the first
 * *n_serial one by one (ignore files, then containers' ignore lists), the rest in parallel.
 */
static struct sigdb_part *sigdb_make_parts(struct sigdb_loader *proto, GArray *files,
                                           struct sigdb_cvd **cvds, size_t *n_r, size_t **order_r,
                                           size_t *n_serial)
{
	size_t n = 0, cap = files->len, np = 0;
	struct sigdb_part *parts;
	size_t *order;

	for (guint i = 0; i < files->len; i++)
		cap += cvds[i] != NULL ? sigdb_cvd_member_count(cvds[i]) : 0;
	parts = g_new0(struct sigdb_part, cap);
	for (guint i = 0; i < files->len; i++) {
		const struct sigdb_file *f = &g_array_index(files, struct sigdb_file, i);
		if (sigdb_is_ign(f))
			sigdb_part_init(&parts[n++], f, NULL, -1, proto);
	}
	for (guint i = 0; i < files->len; i++) {
		const struct sigdb_file *f = &g_array_index(files, struct sigdb_file, i);

		if (sigdb_is_ign(f))
			continue;
		sigdb_part_init(&parts[n++], f, cvds[i], -1, proto);
		for (size_t m = 0; cvds[i] != NULL && m < sigdb_cvd_member_count(cvds[i]); m++)
			sigdb_part_init(&parts[n++], f, cvds[i], (long)m, proto);
	}
	order = g_new(size_t, n);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			if (sigdb_part_is_ign(&parts[i]) == (pass == 0))
				order[np++] = i;
		}
		if (pass == 0)
			*n_serial = np;
	}
	*n_r = n;
	*order_r = order;
	return parts;
}

/* Read every file (ignore lists first), merge in order; -1 on the first failed file. */
static int sigdb_load_files(struct sigdb_loader *proto, struct sigdb *db, GArray *files,
                            GError **error)
{
	struct sigdb_cvd **cvds = g_new0(struct sigdb_cvd *, files->len);
	struct sigdb_part *parts = NULL;
	struct sigdb_run run;
	size_t n = 0, n_serial = 0, *order = NULL;
	int ret = sigdb_read_containers(proto->opts, files, cvds, error);

	if (ret == 0) {
		parts = sigdb_make_parts(proto, files, cvds, &n, &order, &n_serial);
		run.parts = parts;
		run.order = order;
		/* ignore lists fill the shared table: one at a time, before the rest */
		for (size_t i = 0; i < n_serial; i++)
			sigdb_run_one(&run, i);
		run.order = order + n_serial;
		sigdb_parallel(n - n_serial, sigdb_run_one, &run);
	}
	for (size_t i = 0; i < n; i++) {
		GPtrArray *w = parts[i].ld.warnings;

		for (guint k = 0; k < w->len && proto->opts->warn != NULL; k++)
			proto->opts->warn(proto->opts->warn_ctx, w->pdata[k]);
		if (parts[i].ret < 0 && ret == 0) {
			g_propagate_error(error, parts[i].error);
			parts[i].error = NULL;
			ret = -1;
		}
	}
	if (ret == 0)
		sigdb_merge(db, parts, n);
	for (size_t i = 0; i < n; i++)
		sigdb_part_clear(&parts[i]);
	for (guint i = 0; i < files->len; i++)
		sigdb_cvd_free(&cvds[i]);
	g_free(cvds);
	g_free(parts);
	g_free(order);
	return ret;
}

static void sigdb_array_free(gpointer p)
{
	g_array_free(p, TRUE);
}

int sigdb_load(const char *const *paths, const struct sigdb_options *opts, struct sigdb **db_r,
               GError **error)
{
	static const struct sigdb_options defaults;
	struct sigdb_loader proto = {0};
	struct sigdb *db;
	GArray *files;
	int ret;

	*db_r = NULL;
	if (opts == NULL)
		opts = &defaults;
	if (paths[0] != NULL && paths[1] == NULL && sigdb_is_snapshot(paths[0]))
		return sigdb_open_snapshot(paths[0], db_r, error);

	files = g_array_new(FALSE, FALSE, sizeof(struct sigdb_file));
	g_array_set_clear_func(files, sigdb_file_clear);
	db = sigdb_new_empty();
	proto.opts = opts;
	proto.flevel = opts->flevel != 0 ? opts->flevel : SIGDB_FLEVEL;
	db->flevel = proto.flevel;
	proto.ignore = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, sigdb_array_free);
	proto.owns_ignore = true;

	ret = sigdb_collect_paths(paths, files, error);
	if (ret == 0)
		ret = sigdb_load_files(&proto, db, files, error);
	g_array_free(files, TRUE);
	sigdb_loader_clear(&proto);
	if (ret < 0) {
		sigdb_unref(&db);
		return -1;
	}
	sigdb_sort_tables(db);
	sigdb_count_allow_one(db);
	*db_r = db;
	return 0;
}
