/*
 * ole2_msg: the attachments and bodies of an Outlook .msg (part of the ole2 module).
 *
 * An attachment is a storage "__attach_version1.0_#XXXXXXXX" (taken in the order of their
 * numbers): its data the stream __substg1.0_37010102 (PR_ATTACH_DATA_BIN), its name the long
 * file name (3707), else the short one (3704), else the display name (3001), in UTF-16
 * (001F) or 8-bit (001E) strings; an attached message or OLE object is the storage
 * __substg1.0_3701000D (PR_ATTACH_DATA_OBJ), returned as a compound file of its own. The
 * bodies: PR_BODY (1000, UTF-16 made UTF-8, or 8-bit as is), PR_RTF_COMPRESSED (1009,
 * decompressed by lzfu.c: "msg:body.rtf") and PR_HTML (1013). Every read goes through
 * ole2.c's bounded stream reader. An attachment storage, data stream or attached message
 * that the directory lists but libgsf cannot open (sectors outside the file) is a member
 * flagged MIME_OLE2_UNREAD with a note: unscannable, never an attachment without data.
 *
 * Thread safety: per call.
 */

#include "mime/lzfu.h"
#include "mime/ole2_private.h"

#include <string.h>

/* A string property of a message storage: PT_UNICODE (tag 001F) or PT_STRING8 (001E). */
static char *msg_string(struct ole2_rd *rd, GsfInfile *dir, const char *prop)
{
	char name[40];
	GBytes *b;
	char *s = NULL;
	gsize n;
	const unsigned char *p;

	g_snprintf(name, sizeof(name), "__substg1.0_%s001F", prop);
	if ((b = ole2_child_bytes(rd, dir, name)) != NULL) {
		p = g_bytes_get_data(b, &n);
		s = g_convert((const char *)p, (gssize)(n & ~(gsize)1), "UTF-8", "UTF-16LE", NULL,
		              NULL, NULL);
	} else {
		g_snprintf(name, sizeof(name), "__substg1.0_%s001E", prop);
		if ((b = ole2_child_bytes(rd, dir, name)) != NULL) {
			p = g_bytes_get_data(b, &n);
			s = ole2_ansi(p, strnlen((const char *)p, n));
		}
	}
	if (b != NULL) {
		/* names are not member data */
		rd->ole->out -= g_bytes_get_size(b);
		g_bytes_unref(b);
	}
	return ole2_clean(s); /* cut at the first NUL: the terminator a writer may include */
}

static gint msg_attach_cmp(gconstpointer a, gconstpointer b)
{
	return g_ascii_strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* true when a storage lists a child of that name, opened or not */
static bool msg_lists(GsfInfile *dir, const char *name)
{
	int n = gsf_infile_num_children(dir);

	for (int i = 0; i < n; i++)
		if (g_strcmp0(gsf_infile_name_by_index(dir, i), name) == 0)
			return true;
	return false;
}

/*
 * An attachment's data, attached message or OLE object. A stream or storage the directory
 * lists but libgsf cannot open (its sectors outside the file) is unread: Outlook may still
 * show it, so the member is unscannable, never an attachment without data.
 */
static void msg_attachment(struct ole2_rd *rd, GsfInfile *att, unsigned int n)
{
	static const char bin[] = "__substg1.0_37010102", obj[] = "__substg1.0_3701000D";
	char *name = msg_string(rd, att, "3707");
	struct mime_ole2_member *m;
	GsfInput *in = NULL;

	if (name == NULL)
		name = msg_string(rd, att, "3704");
	if (name == NULL)
		name = msg_string(rd, att, "3001");
	m = ole2_member(rd, g_strdup_printf("msg:attach%u", n), name);
	if (m == NULL)
		return;
	if ((in = ole2_child_named(att, bin)) != NULL) {
		ole2_fill(rd, m, in);
	} else if (msg_lists(att, bin)) {
		m->flags |= MIME_OLE2_UNREAD;
		ole2_note(m, "its data stream (PR_ATTACH_DATA_BIN) could not be opened: not read");
	} else if ((in = ole2_child_named(att, obj)) != NULL) {
		if (GSF_IS_INFILE(in) && gsf_infile_num_children(GSF_INFILE(in)) >= 0)
			ole2_storage(rd, m,
			             GSF_INFILE(in)); /* an attached message, an OLE object */
		else
			ole2_fill(rd, m, in); /* a stream where a storage belongs: its bytes */
	} else if (msg_lists(att, obj)) {
		m->flags |= MIME_OLE2_UNREAD;
		ole2_note(m, "its attached message or object (PR_ATTACH_DATA_OBJ) could not be "
		             "opened: not read");
	} else {
		ole2_note(m, "no data (an attachment by reference)");
	}
	if (in != NULL)
		g_object_unref(in);
}

/*
 * The rich-text body (PR_RTF_COMPRESSED): decompressed (lzfu.c) within what is left of the
 * members' bytes and max_member_bytes; what could not be is said so (truncated).
 */
static void msg_rtf(struct ole2_rd *rd, struct mime_ole2_member *m, GsfInput *in)
{
	const unsigned char *p;
	const char *why;
	size_t n, cap;
	GBytes *rtf;
	bool cut;

	m->flags |= MIME_OLE2_BODY;
	ole2_fill(rd, m, in);
	if (m->data == NULL)
		return;
	p = g_bytes_get_data(m->data, &n);
	cap = rd->out_max > rd->ole->out - n
	              ? (size_t)MIN(rd->out_max - (rd->ole->out - n), rd->lim.max_member_bytes)
	              : 0;
	rtf = lzfu_decode(p, n, cap, &cut, &why);
	if (rtf == NULL) {
		m->flags |= MIME_OLE2_TRUNCATED;
		ole2_note(m, "%s: its compressed bytes scanned", why);
		return;
	}
	rd->ole->out = rd->ole->out - n + g_bytes_get_size(rtf);
	g_bytes_unref(m->data);
	m->data = rtf;
	if (cut || why != NULL) {
		m->flags |= MIME_OLE2_TRUNCATED;
		ole2_note(m, "%s", cut ? "compressed RTF over max_member_bytes: cut there" : why);
	}
}

/* The message's bodies: plain text (in UTF-8), rich text and HTML. */
static void msg_bodies(struct ole2_rd *rd, GsfInfile *root)
{
	GsfInput *in;
	struct mime_ole2_member *m;

	if ((in = ole2_child_named(root, "__substg1.0_1000001F")) != NULL ||
	    (in = ole2_child_named(root, "__substg1.0_1000001E")) != NULL) {
		bool utf16 = g_str_has_suffix(gsf_input_name(in), "1F");

		if ((m = ole2_member(rd, g_strdup("msg:body.txt"), NULL)) != NULL) {
			m->flags |= MIME_OLE2_BODY;
			ole2_fill(rd, m, in);
			if (utf16 && m->data != NULL) {
				gsize n, w = 0;
				const char *p = g_bytes_get_data(m->data, &n);
				char *s = g_convert(p, (gssize)(n & ~(gsize)1), "UTF-8", "UTF-16LE",
				                    NULL, &w, NULL);

				if (s != NULL) {
					rd->ole->out = rd->ole->out - n + w;
					g_bytes_unref(m->data);
					m->data = g_bytes_new_take(s, w);
				}
			}
		}
		g_object_unref(in);
	}
	if (!rd->stop && (in = ole2_child_named(root, "__substg1.0_10090102")) != NULL) {
		if ((m = ole2_member(rd, g_strdup("msg:body.rtf"), NULL)) != NULL)
			msg_rtf(rd, m, in);
		g_object_unref(in);
	}
	if (!rd->stop && (in = ole2_child_named(root, "__substg1.0_10130102")) != NULL) {
		if ((m = ole2_member(rd, g_strdup("msg:body.html"), NULL)) != NULL) {
			m->flags |= MIME_OLE2_BODY;
			ole2_fill(rd, m, in);
		}
		g_object_unref(in);
	}
}

void ole2_msg(struct ole2_rd *rd, GsfInfile *root)
{
	int n = gsf_infile_num_children(root);
	GPtrArray *atts = g_ptr_array_new();

	for (int i = 0; i < n; i++) {
		const char *name = gsf_infile_name_by_index(root, i);

		if (name != NULL && g_ascii_strncasecmp(name, "__attach_version1.0_#", 21) == 0)
			g_ptr_array_add(atts, (gpointer)name);
	}
	g_ptr_array_sort(atts, msg_attach_cmp);
	for (guint i = 0; i < atts->len && !rd->stop; i++) {
		GsfInput *in = ole2_child_named(root, atts->pdata[i]);

		struct mime_ole2_member *m;

		if (in != NULL && GSF_IS_INFILE(in) &&
		    gsf_infile_num_children(GSF_INFILE(in)) >= 0) {
			msg_attachment(rd, GSF_INFILE(in), i + 1);
		} else if ((m = ole2_member(rd, g_strdup_printf("msg:attach%u", i + 1), NULL)) !=
		           NULL) {
			/* listed but not a storage libgsf opens: what Outlook shows is unseen */
			m->flags |= MIME_OLE2_UNREAD;
			ole2_note(m, "the attachment's storage could not be opened: not read");
		}
		if (in != NULL)
			g_object_unref(in);
	}
	g_ptr_array_free(atts, TRUE);
	if (!rd->stop)
		msg_bodies(rd, root);
}
