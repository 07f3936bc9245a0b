/*
 * policy: report + conf -> plan (see policy.h). Everything here is deterministic and free of
 * side effects; names from messages (attachment names, signature names) are sanitized
 * before they reach a reply or a header.
 */

#include "policy/policy.h"

#include <string.h>

static const char *const policy_class_names[POLICY_CLASS__COUNT] = {
        [POLICY_CLEAN] = "clean",
        [POLICY_STALE] = "stale",
        [POLICY_UNSCANNABLE] = "unscannable",
        [POLICY_BLOCKED] = "blocked",
        [POLICY_INFECTED] = "infected",
        [POLICY_ERROR] = "error",
};

const char *policy_class_name(enum policy_class cls)
{
	return (unsigned)cls < POLICY_CLASS__COUNT ? policy_class_names[cls] : "unknown";
}

char *policy_sanitize(const char *text, size_t max, bool for_reply)
{
	GString *out = g_string_new(NULL);

	for (const unsigned char *p = (const unsigned char *)(text != NULL ? text : "");
	     *p != '\0' && out->len < max; p++) {
		if (*p == '%' && for_reply)
			g_string_append(out, "%%");
		else if (*p >= 0x20 && *p < 0x7f)
			g_string_append_c(out, (char)*p);
		else if (*p < 0x80 || (*p & 0xc0) == 0xc0)
			g_string_append_c(out, '?'); /* one '?' per control byte or UTF-8 char */
	}
	return g_string_free(out, FALSE);
}

static bool policy_in_list(char *const *list, const char *word)
{
	for (; list != NULL && *list != NULL; list++) {
		if (g_ascii_strcasecmp(*list, word) == 0)
			return true;
	}
	return false;
}

static bool policy_dangerous_family(enum ftype_family f)
{
	return f == FTYPE_FAMILY_EXECUTABLE || f == FTYPE_FAMILY_SCRIPT ||
	       f == FTYPE_FAMILY_SHORTCUT;
}

/* The last path element of an attachment name ('/' or '\\' separated). */
static const char *policy_basename(const char *name)
{
	const char *slash = strrchr(name, '/'), *back = strrchr(name, '\\');

	if (back != NULL && (slash == NULL || back > slash))
		slash = back;
	return slash != NULL ? slash + 1 : name;
}

/*
 * "invoice.pdf.exe" (also "invoice.pdf   .exe", "invoice.pdf.exe."): a dangerous last
 * extension after one that announces something harmless.
 */
static bool policy_double_ext(const struct conf *conf, const char *name)
{
	char *copy = g_strdup(policy_basename(name)), *last, *prev, *ext, *probe;
	size_t n = strlen(copy);
	bool ret = false;

	while (n > 0 && (copy[n - 1] == '.' || copy[n - 1] == ' ')) /* Windows drops these */
		copy[--n] = '\0';
	last = strrchr(copy, '.');
	if (last != NULL && last != copy) {
		*last = '\0';
		ext = g_ascii_strdown(last + 1, -1);
		g_strchomp(copy);
		prev = strrchr(copy, '.');
		probe = g_strconcat("x.", ext, NULL);
		if (prev != NULL && prev != copy &&
		    (policy_in_list(conf->block_extensions, ext) ||
		     policy_dangerous_family(ftype_ext_family(probe)))) {
			enum ftype_family pf = ftype_ext_family(copy);
			ret = pf != FTYPE_FAMILY_OTHER && !policy_dangerous_family(pf);
		}
		g_free(probe);
		g_free(ext);
	}
	g_free(copy);
	return ret;
}

/*
 * The readings of an attachment name a Windows client may act on, for the extension checks:
 * the name without what Windows drops at its end (dots, spaces: "evil.exe. " is evil.exe),
 * and, when it has a ':', the name of the file an NTFS alternate data stream belongs to
 * ("evil.js::$DATA", "evil.js:Zone.Identifier:$DATA": evil.js; a drive prefix "C:" is not a
 * stream). Both are checked: a client that replaces the ':' sees the first. Returns how
 * many readings were written to names_r (new strings).
 */
static int policy_name_readings(const char *name, char *names_r[2])
{
	const char *base = policy_basename(name), *colon;
	int n = 0;

	if (g_ascii_isalpha(base[0]) && base[1] == ':')
		base += 2;
	names_r[n++] = g_strdup(base);
	colon = strchr(base, ':');
	if (colon != NULL && colon > base)
		names_r[n++] = g_strndup(base, (size_t)(colon - base));
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names_r[i]);

		while (len > 0 && (names_r[i][len - 1] == '.' || names_r[i][len - 1] == ' '))
			names_r[i][--len] = '\0';
	}
	return n;
}

/* Is name (one reading) blocked by its extensions? reason_r: a new string when it is. */
static bool policy_name_blocked(const struct conf *conf, const char *name, char **reason_r)
{
	char extbuf[64];
	const char *ext;

	if (conf->block_double_extensions && policy_double_ext(conf, name)) {
		*reason_r = g_strdup_printf("double extension %s", name);
		return true;
	}
	ext = ftype_extension(name, extbuf, sizeof(extbuf));
	if (ext != NULL && policy_in_list(conf->block_extensions, ext)) {
		*reason_r = g_strdup_printf("extension .%s", ext);
		return true;
	}
	return false;
}

/* Is one of the ways Windows reads name blocked? */
static bool policy_names_blocked(const struct conf *conf, const char *name, char **reason_r)
{
	char *names[2];
	int n = policy_name_readings(name, names);
	bool blocked = false;

	for (int i = 0; i < n; i++) {
		if (!blocked)
			blocked = policy_name_blocked(conf, names[i], reason_r);
		g_free(names[i]);
	}
	return blocked;
}

/*
 * The names of a copy of the part's bytes that another reading shows (msgscan.h, COPIES): a
 * client of that reading saves the file under them. The reason names the name and the reading.
 */
static bool policy_copy_blocked(const struct conf *conf, const struct msg_copy *c, char **reason_r)
{
	const char *name = NULL;
	char *why = NULL;

	if (c->name != NULL && policy_names_blocked(conf, c->name, &why))
		name = c->name;
	else if (c->alt_name != NULL && policy_names_blocked(conf, c->alt_name, &why))
		name = c->alt_name;
	if (name == NULL)
		return false;
	*reason_r = g_strdup_printf("%s (named %s by %s)", why, name, c->found_by);
	g_free(why);
	return true;
}

bool policy_part_blocked(const struct conf *conf, const struct msg_part *part, char **reason_r)
{
	*reason_r = NULL;
	/* both names a client may show: filename=, and a different Content-Type name= */
	if (part->name != NULL && policy_names_blocked(conf, part->name, reason_r))
		return true;
	if (part->alt_name != NULL && policy_names_blocked(conf, part->alt_name, reason_r))
		return true;
	/* and those under which other readings show the same bytes */
	for (guint i = 0; part->copies != NULL && i < part->copies->len; i++) {
		if (policy_copy_blocked(conf, part->copies->pdata[i], reason_r))
			return true;
	}
	if ((part->flags & MSG_PART_HTML_SMUGGLING) && conf->block_html_smuggling) {
		*reason_r = g_strdup("HTML smuggling (a script decodes a file)");
		return true;
	}
	if (part->scanned && conf->block_type[part->scan.type.type]) {
		enum ftype t = part->scan.type.type;
		*reason_r =
		        g_strdup_printf("%s %s", ftype_family_name(ftype_family(t)), ftype_name(t));
		return true;
	}
	return false;
}

bool policy_part_unscannable(const struct msg_part *part, const char **reason_r)
{
	return msg_part_unscannable(part, reason_r);
}

/* "opaque (arj archive: no reader, contents not scanned)": the flag, and the note if it adds. */
static char *policy_unscannable_what(const struct msg_part *part, const char *flag)
{
	if (part->note == NULL || strcmp(part->note, flag) == 0)
		return g_strdup(flag);
	return g_strdup_printf("%s (%s)", flag, part->note);
}

static void policy_hit(struct policy_plan *plan, int part, enum policy_class cls, const char *what)
{
	struct policy_hit *h = g_new0(struct policy_hit, 1);

	h->part = part;
	h->cls = cls;
	h->what = g_strdup(what);
	g_ptr_array_add(plan->hits, h);
	plan->classes |= 1u << cls;
}

static void policy_hit_free(gpointer p)
{
	struct policy_hit *h = p;

	g_free(h->what);
	g_free(h);
}

static void policy_collect(const struct conf *conf, const struct msg_report *report,
                           struct policy_plan *plan)
{
	const char *reason;

	for (guint i = 0; i < report->parts->len; i++) {
		const struct msg_part *part = report->parts->pdata[i];
		char *why;

		if (part->scanned && scan_result_infected(&part->scan))
			policy_hit(plan, (int)i, POLICY_INFECTED, scan_result_name(&part->scan));
		if (policy_part_blocked(conf, part, &why)) {
			policy_hit(plan, (int)i, POLICY_BLOCKED, why);
			g_free(why);
		}
		if (policy_part_unscannable(part, &reason)) {
			why = policy_unscannable_what(part, reason);
			policy_hit(plan, (int)i, POLICY_UNSCANNABLE, why);
			if (part->flags & MSG_PART_ENCRYPTED) {
				struct policy_hit *h = plan->hits->pdata[plan->hits->len - 1];

				h->encrypted = true;
			}
			g_free(why);
		}
	}
	if (msg_report_unscannable(report, &reason) && report->flags != 0)
		policy_hit(plan, -1, POLICY_UNSCANNABLE, reason);
}

static enum conf_action policy_action_of(const struct conf *conf, enum policy_class cls)
{
	switch (cls) {
	case POLICY_INFECTED:
		return conf->on_infected;
	case POLICY_BLOCKED:
		return conf->on_blocked;
	case POLICY_UNSCANNABLE:
		return conf->on_unscannable;
	case POLICY_ERROR:
		return conf->on_error;
	case POLICY_STALE:
		return conf->on_stale_db;
	default:
		return CONF_ACTION_ACCEPT;
	}
}

/*
 * The action of one hit: its class's; a part unscannable because it is encrypted (the
 * attacker's hiding place of choice) takes the stricter of [policy] unscannable and
 * [policy] encrypted, which has a stricter default of its own.
 */
static enum conf_action policy_hit_action(const struct conf *conf, const struct policy_hit *h)
{
	enum conf_action a = policy_action_of(conf, h->cls);

	return h->encrypted && conf->on_encrypted > a ? conf->on_encrypted : a;
}

/* The action of a class present in plan: the most severe of its hits'. */
static enum conf_action policy_class_action(const struct conf *conf, const struct policy_plan *plan,
                                            enum policy_class cls)
{
	enum conf_action a = CONF_ACTION_ACCEPT;
	bool any = false;

	for (guint i = 0; i < plan->hits->len; i++) {
		const struct policy_hit *h = plan->hits->pdata[i];

		if (h->cls != cls)
			continue;
		if (!any || policy_hit_action(conf, h) > a)
			a = policy_hit_action(conf, h);
		any = true;
	}
	return any ? a : policy_action_of(conf, cls);
}

/* The first hit of a class. */
static const struct policy_hit *policy_first(const struct policy_plan *plan, enum policy_class cls)
{
	for (guint i = 0; i < plan->hits->len; i++) {
		const struct policy_hit *h = plan->hits->pdata[i];
		if (h->cls == cls)
			return h;
	}
	return NULL;
}

static const char *policy_part_label(const struct msg_report *report, int part)
{
	const struct msg_part *p;

	if (report == NULL || part < 0)
		return "message";
	p = report->parts->pdata[part];
	return p->name != NULL ? p->name : p->path;
}

int policy_entity(const struct msg_report *report, int part)
{
	while (part >= 0) {
		const struct msg_part *p = report->parts->pdata[part];

		if (p->raw_end > p->raw_begin)
			return part;
		part = p->parent;
	}
	return -1;
}

static gint policy_cmp_begin(gconstpointer a, gconstpointer b, gpointer report)
{
	const struct msg_report *r = report;
	const struct msg_part *pa = r->parts->pdata[*(const int *)a];
	const struct msg_part *pb = r->parts->pdata[*(const int *)b];

	return pa->raw_begin < pb->raw_begin ? -1 : pa->raw_begin > pb->raw_begin ? 1 : 0;
}

/*
 * The entities to strip: of every hit whose class asks for strip, outermost only, sorted.
 * Returns the first such hit that no entity holds (a message-wide reason, a sweep find in the
 * preamble or epilogue: strip cannot remove it), or NULL when strip removes them all.
 */
static const struct policy_hit *policy_strip_list(const struct conf *conf,
                                                  const struct msg_report *report,
                                                  struct policy_plan *plan)
{
	GArray *all = g_array_new(FALSE, FALSE, sizeof(int));
	const struct policy_hit *left = NULL;
	uint64_t covered_end = 0;

	for (guint i = 0; i < plan->hits->len; i++) {
		const struct policy_hit *h = plan->hits->pdata[i];
		int e;

		if (policy_hit_action(conf, h) != CONF_ACTION_STRIP)
			continue;
		e = report != NULL && h->part >= 0 ? policy_entity(report, h->part) : -1;
		if (e >= 0)
			g_array_append_val(all, e);
		else if (left == NULL)
			left = h;
	}
	g_array_sort_with_data(all, policy_cmp_begin, (gpointer)report);
	for (guint i = 0; i < all->len; i++) {
		int e = g_array_index(all, int, i);
		const struct msg_part *p = report->parts->pdata[e];

		if (plan->strip->len > 0 && p->raw_begin < covered_end)
			continue; /* inside (or equal to) an entity already stripped */
		g_array_append_val(plan->strip, e);
		covered_end = p->raw_end;
	}
	g_array_free(all, TRUE);
	return left;
}

/* [begin, end) lies inside an entity the plan strips. */
static bool policy_stripped(const struct msg_report *report, const struct policy_plan *plan,
                            uint64_t begin, uint64_t end)
{
	for (guint i = 0; i < plan->strip->len; i++) {
		const struct msg_part *e = report->parts->pdata[g_array_index(plan->strip, int, i)];

		if (e->raw_begin <= begin && end <= e->raw_end)
			return true;
	}
	return false;
}

/* Strip removes the copy: its bytes in the message, or the entity holding its parent. */
static bool policy_copy_stripped(const struct msg_report *report, const struct policy_plan *plan,
                                 const struct msg_copy *c)
{
	const struct msg_part *holder;
	int e;

	if (c->raw_end > c->raw_begin)
		return policy_stripped(report, plan, c->raw_begin, c->raw_end);
	e = c->parent >= 0 ? policy_entity(report, c->parent) : -1;
	if (e < 0)
		return false;
	holder = report->parts->pdata[e];
	return policy_stripped(report, plan, holder->raw_begin, holder->raw_end);
}

/*
 * The first hit strip is asked to remove that has a copy strip would leave (*copy_r): a copy
 * of the part's bytes, or of a part holding it (an archive, a message), that another reading
 * or the raw sweep found elsewhere than in the entities stripped. Without it, a client of
 * that reading would still get the file from the message strip delivers. NULL when none.
 */
static const struct policy_hit *policy_copy_left(const struct conf *conf,
                                                 const struct msg_report *report,
                                                 const struct policy_plan *plan,
                                                 const struct msg_copy **copy_r)
{
	for (guint i = 0; report != NULL && i < plan->hits->len; i++) {
		const struct policy_hit *h = plan->hits->pdata[i];

		if (policy_hit_action(conf, h) != CONF_ACTION_STRIP)
			continue;
		for (int p = h->part; p >= 0;) {
			const struct msg_part *part = report->parts->pdata[p];

			for (guint k = 0; part->copies != NULL && k < part->copies->len; k++) {
				if (!policy_copy_stripped(report, plan, part->copies->pdata[k])) {
					*copy_r = part->copies->pdata[k];
					return h;
				}
			}
			p = part->parent;
		}
	}
	return NULL;
}

/*
 * strip was asked for, but left is beyond its reach (copy: a copy of its part strip would
 * leave, or NULL): the next safer action, quarantine (the whole message held and kept),
 * never a silent tag nor stripping only the other parts.
 */
static void policy_strip_fallback(const struct msg_report *report, struct policy_plan *plan,
                                  const struct policy_hit *left, const struct msg_copy *copy)
{
	char *what = policy_sanitize(left->what, 120, false);
	char *label = policy_sanitize(policy_part_label(report, left->part), 80, false);
	char *by = copy != NULL ? policy_sanitize(copy->found_by, 80, false) : NULL;

	if (by != NULL)
		plan->fallback = g_strdup_printf("strip cannot remove %s: %s in %s (%s shows a "
		                                 "copy outside the parts stripped), quarantined "
		                                 "instead",
		                                 policy_class_name(left->cls), what, label, by);
	else
		plan->fallback =
		        g_strdup_printf("strip cannot remove %s: %s in %s, quarantined instead",
		                        policy_class_name(left->cls), what, label);
	g_free(by);
	plan->action = CONF_ACTION_QUARANTINE;
	g_array_set_size(plan->strip, 0);
	g_free(what);
	g_free(label);
}

static void policy_texts(const struct conf *conf, const struct msg_report *report,
                         struct policy_plan *plan)
{
	static const char *const labels[POLICY_CLASS__COUNT] = {
	        [POLICY_CLEAN] = "Clean",
	        [POLICY_STALE] = "Stale signatures",
	        [POLICY_UNSCANNABLE] = "Unscannable",
	        [POLICY_BLOCKED] = "Blocked",
	        [POLICY_INFECTED] = "Infected",
	        [POLICY_ERROR] = "Error",
	};
	const struct policy_hit *h = policy_first(plan, plan->cls);
	char *what = policy_sanitize(h != NULL ? h->what : "", 120, false);
	const char *label = policy_part_label(report, h != NULL ? h->part : -1);
	char *file = policy_sanitize(label, 80, false);
	GString *reply, *summary = g_string_new(NULL);

	plan->status = plan->cls == POLICY_CLEAN
	                       ? g_strdup("Clean")
	                       : g_strdup_printf("%s (%s)", labels[plan->cls], what);
	reply = g_string_new(plan->action == CONF_ACTION_REJECT ? conf->reject_message
	                                                        : conf->tempfail_message);
	g_string_replace(reply, "%v", what, 0);
	g_string_replace(reply, "%f", file, 0);
	plan->reply = policy_sanitize(reply->str, 400, true);
	for (guint i = 0; i < plan->hits->len; i++) {
		const struct policy_hit *x = plan->hits->pdata[i];
		char *l = policy_sanitize(policy_part_label(report, x->part), 80, false);
		char *w = policy_sanitize(x->what, 120, false);

		g_string_append_printf(summary, "%s%s: %s in %s", i > 0 ? "; " : "",
		                       policy_class_name(x->cls), w, l);
		g_free(l);
		g_free(w);
	}
	if (plan->fallback != NULL)
		g_string_append_printf(summary, "; %s", plan->fallback);
	plan->summary = g_string_free(summary, FALSE);
	g_string_free(reply, TRUE);
	g_free(what);
	g_free(file);
}

void policy_decide(const struct conf *conf, const struct policy_input *in, struct policy_plan *plan)
{
	const struct msg_report *report = in->report;

	memset(plan, 0, sizeof(*plan));
	plan->strip = g_array_new(FALSE, FALSE, sizeof(int));
	plan->hits = g_ptr_array_new_with_free_func(policy_hit_free);
	if (report == NULL)
		policy_hit(plan, -1, POLICY_ERROR, in->error != NULL ? in->error : "scan failed");
	else
		policy_collect(conf, report, plan);
	if (in->unscannable != NULL)
		policy_hit(plan, -1, POLICY_UNSCANNABLE, in->unscannable);
	if (in->stale != NULL)
		policy_hit(plan, -1, POLICY_STALE, in->stale);

	plan->action = CONF_ACTION_ACCEPT;
	plan->cls = POLICY_CLEAN;
	for (int c = POLICY_CLASS__COUNT - 1; c > POLICY_CLEAN; c--) {
		enum conf_action a;

		if (!(plan->classes & (1u << c)))
			continue;
		a = policy_class_action(conf, plan, (enum policy_class)c);
		if (plan->cls == POLICY_CLEAN || a > plan->action) {
			/* classes run worst first, so among equal actions the worst class stays */
			plan->action = a;
			plan->cls = (enum policy_class)c;
		}
	}
	if (plan->action == CONF_ACTION_STRIP) {
		const struct policy_hit *left = policy_strip_list(conf, report, plan);
		const struct msg_copy *copy = NULL;

		if (left == NULL)
			left = policy_copy_left(conf, report, plan, &copy);
		if (left != NULL)
			policy_strip_fallback(report, plan, left, copy);
	}
	policy_texts(conf, report, plan);
}

void policy_plan_clear(struct policy_plan *plan)
{
	g_free(plan->status);
	g_free(plan->reply);
	g_free(plan->summary);
	g_free(plan->fallback);
	if (plan->strip != NULL)
		g_array_free(plan->strip, TRUE);
	if (plan->hits != NULL)
		g_ptr_array_free(plan->hits, TRUE);
	memset(plan, 0, sizeof(*plan));
}
