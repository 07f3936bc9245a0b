/*
 * scan_report: one scanned target -> output lines or one JSON object, and the counters of the
 * summary.
 *
 * Files are typed by their bytes first: messages and mailboxes go through msg_scan() (every
 * part decoded and scanned), files with contents (archives, compressed streams, TNEF) through
 * msg_scan_attachment() (the file and every member), everything else is one buffer for the
 * engine, as before (mail files are looked up as a whole too). Lines name the part: in a
 * message "NAME[PATH PARTNAME]: ..." (PARTNAME left out when PATH ends with it, as members'
 * paths do: "msg.eml[2/zip:clam.exe]"), in a file "NAME[PATH]" with the file's own "1/" left
 * out ("clam.zip[zip:clam.exe]", "clam.tnef[tnef1 clam.exe]"). An unscannable part
 * (encrypted, partial, cut by a limit, an unreadable container) is printed as UNSCANNABLE and
 * counted; it is not a finding unless --alert-unscannable (as clamscan's --alert-encrypted).
 * What is unscannable is the policy's judgement (policy_part_unscannable), the milter's.
 *
 * With a configuration (-c), every message and file also gets the milter's decision, from the
 * same policy_decide() call: "NAME: POLICY CLASS ACTION: REASONS" and a "policy" object in
 * JSON; the target counts as found when its class is not clean.
 */

#include "cli/scan_report.h"
#include "conf/conf.h"
#include "engine/json.h"
#include "mime/msgscan.h"
#include "policy/policy.h"

#include <stdio.h>
#include <string.h>

static void report_json(const char *name, const struct scan_result *r)
{
	GString *out = g_string_new(NULL);
	struct json j;
	char *base = g_path_get_basename(name);

	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_string(&j, "path", name);
	json_string(&j, "result", scan_result_infected(r) ? "infected" : "clean");
	json_uint(&j, "size", r->size);
	json_bool(&j, "extension_mismatch", ftype_ext_mismatch(base, &r->type));
	scan_result_json(r, &j);
	json_end_object(&j);
	puts(out->str);
	g_string_free(out, TRUE);
	g_free(base);
}

static void report_file(struct scan_ctx *ctx, const char *name, const struct fmap *map)
{
	struct scan_result r;
	GError *error = NULL;

	if (scan_bytes(ctx->db, map->data, map->size, &ctx->opts, &r, &error) < 0) {
		ctx->errors++;
		printf("%s: ERROR %s\n", name, error->message);
		g_error_free(error);
		return;
	}
	ctx->files++;
	ctx->bytes += map->size;
	if (scan_result_infected(&r))
		ctx->infected++;
	if (ctx->json) {
		report_json(name, &r);
		return;
	}
	if (scan_result_infected(&r)) {
		for (unsigned int i = 0; i < r.n_findings; i++)
			printf("%s: %s FOUND\n", name, r.findings[i].name);
	} else if (!ctx->infected_only) {
		printf("%s: OK\n", name);
	}
}

/* "NAME[PATH PARTNAME]"; in a file (file: the report of msg_scan_attachment) without "1/". */
static char *part_label(const char *name, const struct msg_part *p, bool file)
{
	const char *path = p->path;
	bool show = p->name != NULL && !g_str_has_suffix(path, p->name);

	if (file && strcmp(path, "1") == 0)
		return g_strdup(name);
	if (file && g_str_has_prefix(path, "1/"))
		path += 2;
	return g_strdup_printf("%s[%s%s%s]", name, path, show ? " " : "", show ? p->name : "");
}

/* The policy's decision: class, action, status, reasons (and fallback, reply when set). */
static void policy_json(struct json *j, const struct policy_plan *plan)
{
	json_begin_object(j, "policy");
	json_string(j, "class", policy_class_name(plan->cls));
	json_string(j, "action", conf_action_name(plan->action));
	json_string(j, "status", plan->status);
	json_string(j, "reasons", plan->summary);
	if (plan->fallback != NULL)
		json_string(j, "fallback", plan->fallback);
	if (plan->action == CONF_ACTION_REJECT || plan->action == CONF_ACTION_TEMPFAIL)
		json_string(j, "reply", plan->reply);
	json_end_object(j);
}

/* "NAME: POLICY CLASS ACTION: REASONS" (no reasons when clean). */
static void policy_line(const char *name, const struct policy_plan *plan)
{
	printf("%s: POLICY %s %s%s%s\n", name, policy_class_name(plan->cls),
	       conf_action_name(plan->action), plan->summary[0] != '\0' ? ": " : "", plan->summary);
}

/*
 * One object: path, result, (for a file: its real type, as for any file), the reason found
 * outside the report, the policy's decision (plan, may be NULL), the report.
 */
static void message_json(const char *name, const struct msg_report *r, const char *result,
                         bool file, const char *unscannable, const struct policy_plan *plan)
{
	const struct msg_part *top = r->parts->len > 0 ? g_ptr_array_index(r->parts, 0) : NULL;
	GString *out = g_string_new(NULL);
	struct json j;

	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_string(&j, "path", name);
	json_string(&j, "result", result);
	if (file && top != NULL && top->scanned) {
		json_string(&j, "type", ftype_name(top->scan.type.type));
		json_string(&j, "family", ftype_family_name(ftype_family(top->scan.type.type)));
	}
	if (unscannable != NULL)
		json_string(&j, "unscannable", unscannable);
	if (plan != NULL)
		policy_json(&j, plan);
	msg_report_json(r, &j);
	json_end_object(&j);
	puts(out->str);
	g_string_free(out, TRUE);
}

static void message_part_lines(struct scan_ctx *ctx, const char *name, const struct msg_part *p,
                               bool file)
{
	char *label = part_label(name, p, file);
	const char *reason;

	if (p->scanned && scan_result_infected(&p->scan)) {
		for (unsigned int i = 0; i < p->scan.n_findings; i++)
			printf("%s: %s FOUND\n", label, p->scan.findings[i].name);
	} else if (policy_part_unscannable(p, &reason)) {
		if (!ctx->infected_only || ctx->alert_unscannable)
			printf("%s: UNSCANNABLE %s%s%s%s\n", label, reason, p->note ? " (" : "",
			       p->note ? p->note : "", p->note ? ")" : "");
	}
	if ((p->flags & MSG_PART_EXT_MISMATCH) && !ctx->infected_only)
		printf("%s: WARNING extension mismatch (real type %s)\n", label,
		       ftype_name(p->scan.type.type));
	g_free(label);
}

/*
 * Print and count one report (of a message, or of a file with contents when file); true when
 * it counts as found. no_ok: the file was already found as a whole, print no "OK" for it.
 * unscannable: a reason found outside the report (a stream cut at its limit), or NULL.
 */
static bool message_report(struct scan_ctx *ctx, const char *name, const struct msg_report *r,
                           bool no_ok, bool file, const char *unscannable)
{
	unsigned int infected = msg_report_infected(r), unscannable_n = unscannable != NULL;
	struct policy_plan plan;
	const char *result;
	bool found;

	for (guint i = 0; i < r->parts->len; i++)
		unscannable_n += policy_part_unscannable(g_ptr_array_index(r->parts, i), NULL);
	if (r->flags != 0)
		unscannable_n++;
	result = infected > 0 ? "infected" : unscannable_n > 0 ? "unscannable" : "clean";
	found = infected > 0 || (unscannable_n > 0 && ctx->alert_unscannable);
	if (ctx->conf != NULL) {
		policy_decide(ctx->conf,
		              &(struct policy_input){.report = r, .unscannable = unscannable},
		              &plan);
		found |= plan.cls != POLICY_CLEAN;
	}
	ctx->messages += !file;
	ctx->parts += r->parts->len;
	ctx->infected_parts += infected;
	ctx->unscannable += unscannable_n;
	if (ctx->json) {
		message_json(name, r, result, file, unscannable, ctx->conf != NULL ? &plan : NULL);
	} else {
		bool quiet = ctx->infected_only && !ctx->alert_unscannable;

		for (guint i = 0; i < r->parts->len; i++)
			message_part_lines(ctx, name, g_ptr_array_index(r->parts, i), file);
		for (unsigned int bit = 1; bit != 0 && bit <= r->flags; bit <<= 1) {
			if ((r->flags & bit) && !quiet)
				printf("%s: UNSCANNABLE %s\n", name, msg_flag_name(bit));
		}
		if (unscannable != NULL && !quiet)
			printf("%s: UNSCANNABLE %s\n", name, unscannable);
		if (infected == 0 && unscannable_n == 0 && !ctx->infected_only && !no_ok)
			printf("%s: OK\n", name);
		if (ctx->conf != NULL && (!ctx->infected_only || plan.cls != POLICY_CLEAN))
			policy_line(name, &plan);
	}
	if (ctx->conf != NULL)
		policy_plan_clear(&plan);
	return found;
}

/* The scan itself failed: an error line, and with -c the milter's answer to a failed scan. */
static void message_error(struct scan_ctx *ctx, const char *name, const char *error)
{
	struct policy_plan plan;

	ctx->errors++;
	printf("%s: ERROR %s\n", name, error);
	if (ctx->conf == NULL)
		return;
	policy_decide(ctx->conf, &(struct policy_input){.error = error}, &plan);
	policy_line(name, &plan);
	policy_plan_clear(&plan);
}

/*
 * One message (or, when file, a file with contents: an archive, TNEF): scan, print, count.
 * true when found. no_ok: the file was already found as a whole, print no "OK" for it.
 */
static bool message_target(struct scan_ctx *ctx, const char *name, const unsigned char *data,
                           size_t len, bool file, bool no_ok, const char *unscannable)
{
	struct msg_scan_options o = {.limits = &ctx->limits, .scan = ctx->opts};
	struct msg_report *r = NULL;
	GError *error = NULL;
	char *base = g_path_get_basename(name);
	int ret = file ? msg_scan_attachment(ctx->db, base, data, len, &o, &r, &error)
	               : msg_scan(ctx->db, data, len, &o, &r, &error);
	bool found;

	g_free(base);
	if (ret < 0) {
		message_error(ctx, name, error->message);
		g_error_free(error);
		return false;
	}
	found = message_report(ctx, name, r, no_ok, file, unscannable);
	msg_report_free(&r);
	return found;
}

/*
 * A mail file is also one file: a signature of the whole file (a known message, a known
 * mailbox) is found as before. Only its size is looked up unless some signature has it.
 */
static bool whole_file(struct scan_ctx *ctx, const char *name, const struct fmap *map)
{
	struct scan_options o = {.cache = ctx->opts.cache};
	struct scan_result r;

	if (scan_bytes(ctx->db, map->data, map->size, &o, &r, NULL) < 0 ||
	    !scan_result_infected(&r))
		return false;
	if (ctx->json) {
		report_json(name, &r);
	} else {
		for (unsigned int i = 0; i < r.n_findings; i++)
			printf("%s: %s FOUND\n", name, r.findings[i].name);
	}
	return true;
}

void scan_report_target(struct scan_ctx *ctx, const char *name, const struct fmap *map,
                        const char *unscannable)
{
	struct ftype_info t;
	bool found = false;

	ftype_detect(map->data, map->size, &t);
	if (ctx->force_mail)
		t.type = FTYPE_EML;
	if (t.type != FTYPE_EML && t.type != FTYPE_MBOX && !ctx->force_mbox) {
		if (!msg_bytes_expanded(map->data, map->size, t.type) && ctx->conf == NULL &&
		    unscannable == NULL) {
			report_file(ctx, name, map);
			return;
		}
		/* a file with contents, or one to decide on: the file itself is part "1" */
		ctx->files++;
		ctx->bytes += map->size;
		if (message_target(ctx, name, map->data, map->size, true, false, unscannable))
			ctx->infected++;
		return;
	}
	ctx->files++;
	ctx->bytes += map->size;
	found = whole_file(ctx, name, map);
	if (t.type == FTYPE_MBOX || ctx->force_mbox) {
		struct msg_mbox_iter it;
		const unsigned char *msg;
		size_t len;

		msg_mbox_init(&it, map->data, map->size);
		while (msg_mbox_next(&it, &msg, &len) == 1) {
			char *label = g_strdup_printf("%s#%u", name, it.index);

			/* a cut stream: only its last message may be incomplete, but which is not
			   known; every message of it says so */
			found |= message_target(ctx, label, msg, len, false, false, unscannable);
			g_free(label);
		}
	} else {
		found |= message_target(ctx, name, map->data, map->size, false, found, unscannable);
	}
	if (found)
		ctx->infected++;
}
