/*
 * actions: plan -> smfi-style operations (see actions.h). Order: the final verdict first
 * (reject / tempfail / discard need nothing else), then quarantine-store writes (which may
 * still turn the verdict into a tempfail), then body and header changes.
 */

#include "milter/actions.h"
#include "engine/json.h"
#include "conf/quarantine.h"
#include "milter/strip.h"

#include <string.h>
#include <time.h>

G_DEFINE_QUARK(partscan - actions - error - quark, actions_error)

/* A 451; error keeps the first cause set, else gets why (code). */
static enum actions_result actions_tempfail(const struct actions_ops *ops, void *ctx,
                                            const char *why, enum actions_error code,
                                            GError **error)
{
	char *text = g_strdup_printf("Message could not be processed (%s), try again later", why);

	ops->set_reply(ctx, "451", "4.7.1", text);
	g_free(text);
	if (error != NULL && *error == NULL)
		g_set_error_literal(error, ACTIONS_ERROR, code, why);
	return ACTIONS_TEMPFAIL;
}

static void actions_json_part(struct json *j, const struct msg_part *p)
{
	char hex[DIGEST_MAX_HEX];

	json_begin_object(j, NULL);
	json_string(j, "path", p->path);
	json_string(j, "name", p->name);
	json_string(j, "content_type", p->content_type);
	json_uint(j, "size", p->decoded_size);
	if (p->scanned) {
		json_string(j, "type", ftype_name(p->scan.type.type));
		for (int t = 0; t < DIGEST__COUNT; t++) {
			if (p->scan.digests.mask & DIGEST_BIT(t))
				json_string(j, digest_name(t),
				            digest_hex(digest_get(&p->scan.digests, t),
				                       digest_len(t), hex));
		}
		if (scan_result_infected(&p->scan))
			json_string(j, "signature", scan_result_name(&p->scan));
	}
	json_end_object(j);
}

char *actions_item_json(const char *id, const struct conf *conf, const struct msg_report *report,
                        const struct policy_plan *plan, const struct actions_message *msg, int part)
{
	GString *out = g_string_new(NULL);
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	struct json j;

	/* gmtime_r: the milter writes items from many threads at once */
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_string(&j, "id", id);
	json_string(&j, "kind", part < 0 ? "message" : "part");
	json_string(&j, "time", when);
	json_string(&j, "queue_id", msg->queue_id);
	json_string(&j, "sender", msg->sender);
	json_begin_array(&j, "recipients");
	for (const char *const *r = msg->recipients; r != NULL && *r != NULL; r++)
		json_string(&j, NULL, *r);
	json_end_array(&j);
	json_string(&j, "client", msg->client);
	json_string(&j, "status", plan->status);
	json_string(&j, "action", conf_action_name(plan->action));
	json_string(&j, "reasons", plan->summary);
	if (report != NULL) {
		json_string(&j, "message_id", report->message_id);
		json_string(&j, "subject", report->subject);
		json_begin_array(&j, "parts");
		for (guint i = 0; i < report->parts->len; i++) {
			if (part < 0 || (int)i == part)
				actions_json_part(&j, report->parts->pdata[i]);
		}
		json_end_array(&j);
	}
	json_uint(
	        &j, "size",
	        part < 0 || report == NULL
	                ? (uint64_t)msg->len
	                : ((const struct msg_part *)report->parts->pdata[part])->raw_end -
	                          ((const struct msg_part *)report->parts->pdata[part])->raw_begin);
	json_end_object(&j);
	(void)conf;
	return g_string_free(out, FALSE);
}

static int actions_store(const struct conf *conf, const struct msg_report *report,
                         const struct policy_plan *plan, const struct actions_message *msg,
                         int part, GPtrArray *ids, GError **error)
{
	char *id = quarantine_new_id();
	char *json = actions_item_json(id, conf, report, plan, msg, part);
	const unsigned char *data = msg->raw;
	size_t len = msg->len;
	GError *werr = NULL;
	int ret;

	if (part >= 0) {
		const struct msg_part *p = report->parts->pdata[part];
		data = msg->raw + p->raw_begin;
		len = (size_t)(p->raw_end - p->raw_begin);
	}
	ret = quarantine_write(conf->quarantine_dir, id, data, len, json, &werr);
	if (ret < 0) {
		g_set_error(error, ACTIONS_ERROR, ACTIONS_ERROR_QUARANTINE, "quarantine store: %s",
		            werr->message);
		g_error_free(werr);
		g_free(id);
	} else {
		g_ptr_array_add(ids, id);
	}
	g_free(json);
	return ret;
}

/* The reason a stripped entity was removed: the first hit in it (or in what it holds). */
static const char *actions_reason_for(const struct msg_report *report,
                                      const struct policy_plan *plan, int entity)
{
	for (guint i = 0; i < plan->hits->len; i++) {
		const struct policy_hit *h = plan->hits->pdata[i];

		if (h->part >= 0 && policy_entity(report, h->part) == entity)
			return h->what;
	}
	return "policy";
}

static int actions_strip(const struct actions_ops *ops, void *ctx, const struct conf *conf,
                         const struct msg_report *report, const struct policy_plan *plan,
                         const struct actions_message *msg, GPtrArray *ids, GError **error)
{
	struct strip_notice *notices = g_new0(struct strip_notice, plan->strip->len);
	GByteArray *body;
	bool whole;
	int ret = 0;

	for (guint i = 0; i < plan->strip->len && ret == 0; i++) {
		int e = g_array_index(plan->strip, int, i);

		ret = actions_store(conf, report, plan, msg, e, ids, error);
		notices[i].part = e;
		notices[i].reason = actions_reason_for(report, plan, e);
		notices[i].quarantine_id = ret == 0 ? ids->pdata[ids->len - 1] : NULL;
	}
	if (ret == 0) {
		body = strip_body(msg->raw, msg->len, msg->body_offset, report, notices,
		                  plan->strip->len, &whole);
		ret = ops->replace_body(ctx, body->data, body->len);
		if (ret == 0 && whole) {
			ret = ops->change_header(ctx, "Content-Type", 1,
			                         "text/plain; charset=us-ascii");
			if (ret == 0)
				ret = ops->change_header(ctx, "Content-Transfer-Encoding", 1,
				                         "7bit");
		}
		if (ret < 0)
			g_set_error_literal(error, ACTIONS_ERROR, ACTIONS_ERROR_MTA,
			                    "the MTA refused the new body");
		g_byte_array_free(body, TRUE);
	}
	g_free(notices);
	return ret;
}

static int actions_headers(const struct actions_ops *ops, void *ctx, const struct conf *conf,
                           const struct policy_plan *plan, const struct actions_message *msg)
{
	char *scanned;
	int ret = 0;

	/* forged or earlier copies go first (from the last, so indices stay valid), whatever
	   [headers] add says: a copy left in would vouch for a message we did not tag */
	for (unsigned int i = msg->inbound_status; i > 0 && ret == 0; i--)
		ret = ops->change_header(ctx, conf->header_status, (int)i, NULL);
	for (unsigned int i = msg->inbound_scanned; i > 0 && ret == 0; i--)
		ret = ops->change_header(ctx, conf->header_scanned, (int)i, NULL);
	/* a release marker not honoured (forged, or used before) is not delivered either */
	for (unsigned int i = msg->inbound_release; i > 0 && ret == 0; i--)
		ret = ops->change_header(ctx, QUARANTINE_RELEASE_HEADER, (int)i, NULL);
	if (ret < 0 || !conf->headers ||
	    (plan->action == CONF_ACTION_ACCEPT && plan->cls != POLICY_CLEAN))
		return ret; /* add = no, or accept: nothing of ours is added */
	scanned = g_strdup_printf("partscan %s at %s", PARTSCAN_VERSION,
	                          msg->hostname != NULL ? msg->hostname : "localhost");
	ret = ops->add_header(ctx, conf->header_scanned, scanned);
	if (ret == 0)
		ret = ops->add_header(ctx, conf->header_status, plan->status);
	g_free(scanned);
	return ret;
}

enum actions_result actions_apply(const struct actions_ops *ops, void *ctx, const struct conf *conf,
                                  const struct msg_report *report, const struct policy_plan *plan,
                                  const struct actions_message *msg, GPtrArray *ids, GError **error)
{
	switch (plan->action) {
	case CONF_ACTION_REJECT:
		if (ops->set_reply(ctx, "550", "5.7.1", plan->reply) < 0)
			ops->set_reply(ctx, "550", "5.7.1", "Message rejected by content filter");
		return ACTIONS_REJECT;
	case CONF_ACTION_TEMPFAIL:
		if (ops->set_reply(ctx, "451", "4.7.1", plan->reply) < 0)
			ops->set_reply(ctx, "451", "4.7.1", "Try again later");
		return ACTIONS_TEMPFAIL;
	case CONF_ACTION_DISCARD:
		return ACTIONS_DISCARD;
	case CONF_ACTION_QUARANTINE:
		if (actions_store(conf, report, plan, msg, -1, ids, error) < 0)
			return actions_tempfail(ops, ctx, "quarantine unavailable",
			                        ACTIONS_ERROR_QUARANTINE, error);
		if (ops->quarantine(ctx, plan->summary) < 0)
			return actions_tempfail(ops, ctx, "hold refused", ACTIONS_ERROR_MTA, error);
		break;
	case CONF_ACTION_STRIP:
		if (report != NULL &&
		    actions_strip(ops, ctx, conf, report, plan, msg, ids, error) < 0)
			return actions_tempfail(ops, ctx, "attachment removal failed",
			                        ACTIONS_ERROR_MTA, error);
		break;
	default:
		break;
	}
	if (actions_headers(ops, ctx, conf, plan, msg) < 0)
		return actions_tempfail(ops, ctx, "header update refused", ACTIONS_ERROR_MTA,
		                        error);
	return ACTIONS_ACCEPT;
}
