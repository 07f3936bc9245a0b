/*
 * strip: replace MIME entities by notices (see strip.h). The replacement keeps the line-end
 * convention of the entity it replaces (CRLF from the milter protocol, LF in files).
 */

#include "milter/strip.h"
#include "policy/policy.h"

#include <string.h>

char *strip_notice_text(const struct msg_part *part, const char *reason, const char *quarantine_id,
                        const char *eol)
{
	char *name = policy_sanitize(part->name != NULL ? part->name : part->path, 120, false);
	char *why = policy_sanitize(reason, 200, false);
	GString *s = g_string_new(NULL);

	g_string_append_printf(s,
	                       "The attachment \"%s\" (%s, %" G_GUINT64_FORMAT
	                       " bytes) was removed by partscan:%s%s.%s",
	                       name, part->scanned ? ftype_name(part->scan.type.type) : "unknown",
	                       (guint64)part->decoded_size, eol, why, eol);
	if (quarantine_id != NULL)
		g_string_append_printf(s, "It is kept in quarantine as %s.%s", quarantine_id, eol);
	g_free(name);
	g_free(why);
	return g_string_free(s, FALSE);
}

static const char *strip_eol_at(const unsigned char *raw, size_t len, uint64_t body_begin)
{
	if (body_begin >= 2 && body_begin <= len && raw[body_begin - 1] == '\n' &&
	    raw[body_begin - 2] == '\r')
		return "\r\n";
	return body_begin >= 1 && body_begin <= len && raw[body_begin - 1] == '\n' ? "\n" : "\r\n";
}

static void strip_append_entity(GByteArray *out, const struct msg_part *part,
                                const struct strip_notice *n, const char *eol)
{
	char *text = strip_notice_text(part, n->reason, n->quarantine_id, eol);
	char *hdr = g_strdup_printf("Content-Type: text/plain; charset=us-ascii%s"
	                            "Content-Disposition: inline%s"
	                            "Content-Transfer-Encoding: 7bit%s%s",
	                            eol, eol, eol, eol);

	g_byte_array_append(out, (const guint8 *)hdr, (guint)strlen(hdr));
	g_byte_array_append(out, (const guint8 *)text, (guint)strlen(text));
	g_free(hdr);
	g_free(text);
}

GByteArray *strip_body(const unsigned char *raw, size_t len, size_t body_offset,
                       const struct msg_report *report, const struct strip_notice *notices,
                       size_t n, bool *whole_r)
{
	GByteArray *out = g_byte_array_new();
	size_t pos = body_offset;

	*whole_r = false;
	for (size_t i = 0; i < n; i++) {
		const struct msg_part *p = report->parts->pdata[notices[i].part];
		const char *eol = strip_eol_at(raw, len, p->body_begin);

		if (p->raw_begin < body_offset) {
			/* the entity is the message itself: the body becomes the notice */
			char *text = strip_notice_text(p, notices[i].reason,
			                               notices[i].quarantine_id, eol);
			g_byte_array_set_size(out, 0);
			g_byte_array_append(out, (const guint8 *)text, (guint)strlen(text));
			g_free(text);
			*whole_r = true;
			return out;
		}
		if (p->raw_begin < pos || p->raw_end > len || p->raw_end < p->raw_begin)
			continue; /* overlapping or outside: never produce a damaged body */
		g_byte_array_append(out, raw + pos, (guint)(p->raw_begin - pos));
		strip_append_entity(out, p, &notices[i], eol);
		pos = p->raw_end;
	}
	if (pos < len)
		g_byte_array_append(out, raw + pos, (guint)(len - pos));
	return out;
}
