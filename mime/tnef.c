/*
 * tnef: a small bounded TNEF reader (MS-OXTNEF), enough to scan what a winmail.dat carries.
 *
 * The stream is a signature, a key, then attributes: level (1 message, 2 attachment), id
 * (type in the high word), length, data, checksum. An attachment starts at attAttachRendData;
 * its bytes are attAttachData, its name attAttachTitle, or better PR_ATTACH_LONG_FILENAME in
 * the attachment's MAPI properties (attAttachment), which may also hold the data
 * (PR_ATTACH_DATA_BIN) when attAttachData is absent, or an embedded OLE object or attached
 * message (PR_ATTACH_DATA_OBJ: the same id as PT_OBJECT, an interface id and then the object's
 * bytes: a compound file or a TNEF stream, read again as what they are). Checksums are not
 * verified: a client that ignores them would show the attachment anyway. Nothing is allocated: thread safe.
 */

#include "mime/tnef.h"

#include <string.h>

#define ATT_OEM_CODEPAGE    0x00069007u
#define ATT_ATTACH_RENDDATA 0x00069002u
#define ATT_ATTACH_DATA     0x0006800fu
#define ATT_ATTACH_TITLE    0x00018010u
#define ATT_ATTACHMENT      0x00069005u

#define PR_ATTACH_DATA_BIN      0x3701u /* PR_ATTACH_DATA_OBJ as PT_OBJECT */
#define PR_ATTACH_LONG_FILENAME 0x3707u

#define PT_SHORT   0x0002u
#define PT_LONG    0x0003u
#define PT_FLOAT   0x0004u
#define PT_DOUBLE  0x0005u
#define PT_CURR    0x0006u
#define PT_APPTIME 0x0007u
#define PT_ERROR   0x000au
#define PT_BOOLEAN 0x000bu
#define PT_OBJECT  0x000du
#define PT_I8      0x0014u
#define PT_STRING8 0x001eu
#define PT_UNICODE 0x001fu
#define PT_SYSTIME 0x0040u
#define PT_CLSID   0x0048u
#define PT_BINARY  0x0102u
#define MV_FLAG    0x1000u

#define TNEF_IID 16 /* the interface id before a PT_OBJECT's data */

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

bool mime_tnef_init(struct mime_tnef_iter *it, const unsigned char *data, size_t len)
{
	memset(it, 0, sizeof(*it));
	if (len < 6 || rd32(data) != TNEF_SIGNATURE)
		return false;
	it->data = data;
	it->len = len;
	it->pos = 6; /* signature, legacy key */
	return true;
}

/* A bounded reader over one attribute's bytes. */
struct rd {
	const unsigned char *p;
	size_t len, pos;
};

static bool rd_need(const struct rd *r, size_t n)
{
	return n <= r->len - r->pos;
}

static bool rd_skip(struct rd *r, size_t n)
{
	if (!rd_need(r, n))
		return false;
	r->pos += n;
	return true;
}

static size_t fixed_size(uint16_t type)
{
	switch (type) {
	case PT_SHORT:
	case PT_LONG:
	case PT_FLOAT:
	case PT_ERROR:
	case PT_BOOLEAN:
		return 4; /* padded to 4 */
	case PT_DOUBLE:
	case PT_CURR:
	case PT_APPTIME:
	case PT_I8:
	case PT_SYSTIME:
		return 8;
	case PT_CLSID:
		return 16;
	default:
		return 0;
	}
}

/* One variable-size value: length, bytes padded to 4. */
static bool prop_value(struct rd *r, const unsigned char **v, size_t *n)
{
	uint32_t len;

	if (!rd_need(r, 4))
		return false;
	len = rd32(r->p + r->pos);
	r->pos += 4;
	if (!rd_need(r, len))
		return false;
	*v = r->p + r->pos;
	*n = len;
	return rd_skip(r, len) && rd_skip(r, (4 - len % 4) % 4);
}

/* A named property's name (GUID, kind, id or string): skipped. */
static bool prop_skip_name(struct rd *r)
{
	uint32_t kind, len;

	if (!rd_skip(r, 16) || !rd_need(r, 4))
		return false;
	kind = rd32(r->p + r->pos);
	r->pos += 4;
	if (kind == 0)
		return rd_skip(r, 4);
	if (!rd_need(r, 4))
		return false;
	len = rd32(r->p + r->pos);
	r->pos += 4;
	return rd_skip(r, len) && rd_skip(r, (4 - len % 4) % 4);
}

/* The MAPI properties of an attachment: long file name, data when attAttachData is absent. */
static bool tnef_props(const unsigned char *p, size_t len, struct mime_tnef_att *att)
{
	struct rd r = {p, len, 0};
	uint32_t count;

	if (!rd_need(&r, 4))
		return false;
	count = rd32(p);
	r.pos = 4;
	for (uint32_t i = 0; i < count && i < TNEF_MAX_PROPS; i++) {
		uint16_t type, id;
		uint32_t values = 1;

		if (!rd_need(&r, 4))
			return false;
		type = rd16(p + r.pos);
		id = rd16(p + r.pos + 2);
		r.pos += 4;
		if (id >= 0x8000 && !prop_skip_name(&r))
			return false;
		if ((type & MV_FLAG) || type == PT_STRING8 || type == PT_UNICODE ||
		    type == PT_BINARY || type == PT_OBJECT) {
			if (!rd_need(&r, 4))
				return false;
			values = rd32(p + r.pos);
			r.pos += 4;
		}
		type &= (uint16_t)~MV_FLAG;
		for (uint32_t k = 0; k < values; k++) {
			const unsigned char *v;
			size_t n;

			if (fixed_size(type) > 0) {
				if (!rd_skip(&r, fixed_size(type)))
					return false;
				continue;
			}
			if (type != PT_STRING8 && type != PT_UNICODE && type != PT_BINARY &&
			    type != PT_OBJECT)
				return false; /* unknown type: its size is unknown, stop here */
			if (!prop_value(&r, &v, &n))
				return false;
			if (k == 0 && id == PR_ATTACH_LONG_FILENAME && n > 0) {
				/* strings are stored with their terminator */
				size_t unit = type == PT_UNICODE ? 2 : 1;

				while (n >= unit && v[n - 1] == 0 && v[n - unit] == 0)
					n -= unit;
				att->title = v;
				att->title_len = n;
				att->title_utf16 = type == PT_UNICODE;
			} else if (k == 0 && id == PR_ATTACH_DATA_BIN && att->data == NULL &&
			           (type == PT_BINARY || (type == PT_OBJECT && n > TNEF_IID))) {
				/* PR_ATTACH_DATA_OBJ: an interface id, then an OLE object's
				 * compound file (IStorage) or an attached message's TNEF stream
				 * (IMessage), which Outlook opens: typed and read by their bytes */
				size_t skip = type == PT_OBJECT ? TNEF_IID : 0;

				att->data = v + skip;
				att->size = n - skip;
			}
		}
	}
	return true;
}

static void tnef_title(struct mime_tnef_att *att, const unsigned char *v, size_t n)
{
	if (att->title != NULL && att->title_utf16)
		return; /* the long name is better */
	att->title = v;
	att->title_len = n;
	att->title_utf16 = false;
}

int mime_tnef_next(struct mime_tnef_iter *it, struct mime_tnef_att *att)
{
	bool started = false;

	memset(att, 0, sizeof(*att));
	while (it->len - it->pos >= 9 && it->error == NULL) {
		const unsigned char *a = it->data + it->pos;
		uint8_t level = a[0];
		uint32_t id = rd32(a + 1), len = rd32(a + 5);
		const unsigned char *v = a + 9;

		if (len > it->len - it->pos - 9) {
			it->error = "attribute longer than the stream";
			break;
		}
		if (level == 2 && id == ATT_ATTACH_RENDDATA && started && att->data != NULL)
			return 1; /* the next attachment starts: this one is complete */
		it->pos += 9 + (size_t)len + (it->len - it->pos - 9 - len >= 2 ? 2 : 0);
		if (level == 1 && id == ATT_OEM_CODEPAGE && len >= 4)
			it->codepage = rd32(v);
		if (level != 2)
			continue;
		if (id == ATT_ATTACH_RENDDATA) {
			memset(att, 0, sizeof(*att));
			started = true;
		} else if (id == ATT_ATTACH_DATA) {
			att->data = v;
			att->size = len;
			started = true;
		} else if (id == ATT_ATTACH_TITLE) {
			while (len > 0 && v[len - 1] == '\0')
				len--;
			tnef_title(att, v, len);
		} else if (id == ATT_ATTACHMENT) {
			if (!tnef_props(v, len, att))
				it->error = "malformed attachment properties";
		}
	}
	/* fewer than 9 bytes left: padding or a line end added in transit, not an attribute */
	if (att->data != NULL)
		return 1;
	return it->error != NULL ? -1 : 0;
}
