/*
 * applefile: AppleSingle / AppleDouble (RFC 1740) forks as members.
 *
 * Header: magic (4), version (4), filler (16), entry count (2), then entries of id (4), offset
 * (4), length (4), all big-endian. Entry 1 is the data fork, 2 the resource fork, 3 the real
 * name. Every entry is checked against the buffer; a fork that runs past the end is cut there
 * and flagged truncated (the rest of it is not in the mail). At most APPLEFILE_MAX_ENTRIES
 * entries; a fork larger than max_member_bytes is cut there. Thread safety: no state.
 */

#include "mime/applefile.h"

#include <string.h>

#define AS_MAGIC 0x00051600u
#define AD_MAGIC 0x00051607u
#define AS_HEAD  26u

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool applefile_probe(const unsigned char *data, size_t len)
{
	return len >= AS_HEAD && (be32(data) == AS_MAGIC || be32(data) == AD_MAGIC) &&
	       (be32(data + 4) == 0x00010000u || be32(data + 4) == 0x00020000u);
}

static void fork_add(struct reader_budget *b, GPtrArray *members, const unsigned char *data,
                     size_t len, uint32_t off, uint32_t n, const char *name)
{
	size_t cap = reader_budget_cap(b), have = off < len ? len - off : 0;
	unsigned int flags = 0;
	const char *note = NULL;

	if (n > have) {
		n = (uint32_t)have;
		flags |= READER_MEMBER_TRUNCATED;
		note = "fork runs past the end of the file: cut there";
	}
	if (n > cap) {
		n = (uint32_t)cap;
		flags |= READER_MEMBER_TRUNCATED;
		note = "fork larger than max_member_bytes: cut there";
	}
	b->out += n;
	reader_member_add(b, members, name, g_bytes_new(n > 0 ? data + off : NULL, n), flags, note);
}

int applefile_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
                   GPtrArray *members_r, GError **error)
{
	struct reader_budget b;
	unsigned int count;
	uint32_t data_off = 0, data_len = 0, rsrc_off = 0, rsrc_len = 0;
	bool has_data = false, has_rsrc = false;
	char *name = NULL, *rsrc_name;

	if (!applefile_probe(data, len)) {
		g_set_error(error, READER_ERROR, READER_ERROR_MALFORMED,
		            "not an AppleSingle or AppleDouble file");
		return -1;
	}
	count = (unsigned int)data[24] << 8 | data[25];
	if (count > APPLEFILE_MAX_ENTRIES || (size_t)count * 12 > len - AS_HEAD) {
		g_set_error(error, READER_ERROR, READER_ERROR_MALFORMED,
		            "AppleSingle header of %u entries does not fit in %zu bytes", count,
		            len);
		return -1;
	}
	reader_budget_init(&b, lim, len);
	for (unsigned int i = 0; i < count; i++) {
		const unsigned char *e = data + AS_HEAD + (size_t)i * 12;
		uint32_t id = be32(e), off = be32(e + 4), n = be32(e + 8);

		if (id == 1 && !has_data) {
			has_data = true;
			data_off = off;
			data_len = n;
		} else if (id == 2 && !has_rsrc) {
			has_rsrc = true;
			rsrc_off = off;
			rsrc_len = n;
		} else if (id == 3 && name == NULL && off < len && n > 0) {
			name = reader_name(data + off, MIN(MIN((size_t)n, len - off), 1024));
		}
	}
	if (has_data)
		fork_add(&b, members_r, data, len, data_off, data_len, name);
	rsrc_name = name != NULL ? g_strconcat(name, "/rsrc", NULL) : g_strdup("rsrc");
	if (has_rsrc && rsrc_len > 0)
		fork_add(&b, members_r, data, len, rsrc_off, rsrc_len, rsrc_name);
	g_free(rsrc_name);
	g_free(name);
	return 0;
}
