/*
 * report_json: a message report as JSON members (msg_report_json), for the command line, the
 * milter's log record and the tests. Deterministic: the same report gives the same bytes (the
 * wall time of the scan is left to the caller). Thread safety: reads the report only.
 */

#include "mime/msgscan.h"

typedef const char *(*flag_namer)(unsigned int bit);

static void bits_json(struct json *j, const char *key, unsigned int bits, flag_namer name)
{
	json_begin_array(j, key);
	for (unsigned int i = 0; i < 32; i++) {
		if ((bits & (1u << i)) && name(1u << i) != NULL)
			json_string(j, NULL, name(1u << i));
	}
	json_end_array(j);
}

static void finding_json(struct json *j, const char *key, const struct scan_finding *f)
{
	json_begin_object(j, key);
	json_string(j, "name", f->name);
	json_string(j, "kind", sigdb_kind_name(f->kind));
	json_string(j, "hash", digest_name(f->type));
	json_string(j, "db", f->source != NULL ? f->source->name : NULL);
	json_end_object(j);
}

static void type_json(struct json *j, const struct msg_part *p)
{
	const struct scan_result *r = &p->scan;
	char flags[128];
	char **names;

	if (!p->scanned) {
		json_null(j, "type");
		json_null(j, "family");
		return;
	}
	json_string(j, "type", ftype_name(r->type.type));
	json_string(j, "family", ftype_family_name(ftype_family(r->type.type)));
	names = g_strsplit(ftype_flags_string(r->type.flags, flags, sizeof(flags)), ",", -1);
	json_begin_array(j, "type_flags");
	for (size_t i = 0; names[i] != NULL; i++) {
		if (names[i][0] != '\0')
			json_string(j, NULL, names[i]);
	}
	json_end_array(j);
	g_strfreev(names);
}

static void scan_json(struct json *j, const struct msg_part *p)
{
	const struct scan_result *r = &p->scan;

	for (int t = 0; t < DIGEST__COUNT; t++) {
		char hex[DIGEST_MAX_HEX];

		if (p->scanned && (r->digests.mask & DIGEST_BIT(t)))
			json_string(j, digest_name(t),
			            digest_hex(digest_get(&r->digests, t), digest_len(t), hex));
	}
	json_begin_array(j, "findings");
	for (unsigned int i = 0; p->scanned && i < r->n_findings; i++)
		finding_json(j, NULL, &r->findings[i]);
	json_end_array(j);
	if (p->scanned && r->n_more > 0)
		json_uint(j, "more_findings", r->n_more);
	if (p->scanned && r->allowlisted)
		finding_json(j, "allowlisted", &r->allow);
	else
		json_null(j, "allowlisted");
}

static void part_json(struct json *j, const struct msg_part *p)
{
	json_begin_object(j, NULL);
	json_string(j, "path", p->path);
	json_string(j, "name", p->name);
	if (p->alt_name != NULL)
		json_string(j, "alt_name", p->alt_name);
	json_string(j, "result", msg_part_result(p));
	json_string(j, "content_type", p->content_type);
	json_string(j, "disposition", p->disposition);
	json_string(j, "encoding", p->encoding);
	json_uint(j, "encoded_size", p->encoded_size);
	json_uint(j, "size", p->decoded_size);
	json_uint(j, "depth", p->depth);
	if (p->parent >= 0)
		json_int(j, "parent", p->parent);
	else
		json_null(j, "parent");
	type_json(j, p);
	bits_json(j, "flags", p->flags, msg_part_flag_name);
	json_bool(j, "extension_mismatch", (p->flags & MSG_PART_EXT_MISMATCH) != 0);
	scan_json(j, p);
	json_string(j, "note", p->note);
	if (p->raw_end > 0) {
		json_uint(j, "raw_begin", p->raw_begin);
		json_uint(j, "body_begin", p->body_begin);
		json_uint(j, "raw_end", p->raw_end);
	}
	json_end_object(j);
}

void msg_report_json(const struct msg_report *report, struct json *j)
{
	json_uint(j, "size", report->size);
	json_string(j, "message_id", report->message_id);
	json_string(j, "subject", report->subject);
	json_string(j, "from", report->from);
	bits_json(j, "flags", report->flags, msg_flag_name);
	bits_json(j, "anomalies", report->anomalies, msg_anomaly_name);
	json_begin_array(j, "notes");
	for (guint i = 0; i < report->notes->len; i++)
		json_string(j, NULL, g_ptr_array_index(report->notes, i));
	json_end_array(j);
	json_begin_array(j, "parts");
	for (guint i = 0; i < report->parts->len; i++)
		part_json(j, g_ptr_array_index(report->parts, i));
	json_end_array(j);
}
