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

/* The scan's members; a part not scanned has no type, digests or findings. */
static void scan_json(struct json *j, const struct msg_part *p)
{
	if (p->scanned) {
		scan_result_json(&p->scan, j);
		return;
	}
	json_null(j, "type");
	json_null(j, "family");
	json_begin_array(j, "findings");
	json_end_array(j);
	json_null(j, "allowlisted");
}

/* The copies of the part's bytes that are not parts of their own (msgscan.h, COPIES). */
static void copies_json(struct json *j, const GPtrArray *copies)
{
	json_begin_array(j, "copies");
	for (guint i = 0; i < copies->len; i++) {
		const struct msg_copy *c = g_ptr_array_index(copies, i);

		json_begin_object(j, NULL);
		json_string(j, "found_by", c->found_by);
		json_string(j, "name", c->name);
		if (c->alt_name != NULL)
			json_string(j, "alt_name", c->alt_name);
		json_string(j, "content_type", c->content_type);
		if (c->parent >= 0)
			json_int(j, "parent", c->parent);
		else
			json_null(j, "parent");
		if (c->raw_end > 0) {
			json_uint(j, "raw_begin", c->raw_begin);
			json_uint(j, "raw_end", c->raw_end);
		}
		json_end_object(j);
	}
	json_end_array(j);
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
	bits_json(j, "flags", p->flags, msg_part_flag_name);
	json_bool(j, "extension_mismatch", (p->flags & MSG_PART_EXT_MISMATCH) != 0);
	scan_json(j, p);
	json_string(j, "note", p->note);
	if (p->raw_end > 0) {
		json_uint(j, "raw_begin", p->raw_begin);
		json_uint(j, "body_begin", p->body_begin);
		json_uint(j, "raw_end", p->raw_end);
	}
	if (p->copies != NULL && p->copies->len > 0)
		copies_json(j, p->copies);
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
