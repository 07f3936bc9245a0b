#ifndef PARTSCAN_MIME_OLE2_H
#define PARTSCAN_MIME_OLE2_H

/*
 * ole2: the files an OLE2 compound file carries (internal to mime/): bytes in, members out.
 *
 * An Outlook .msg gives every attachment's data ("msg:attachN", named by its long file name),
 * each attached message or OLE object as a compound file of its own (flag MIME_OLE2_STORAGE:
 * the caller reads it again, so the reader never recurses into a message), and its bodies
 * ("msg:body.txt" in UTF-8, "msg:body.html"). Any other compound file (.doc, .xls, .ppt, an
 * oleObject*.bin of a docx) gives its embedded objects: the file an Ole10Native Package
 * carries ("ole:ObjectPool/_1234/Ole10Native", named as the Package opens it), the streams
 * "Package" (an embedded OOXML document) and "CONTENTS" (an embedded PDF, ...), and the
 * objects PowerPoint keeps in its "PowerPoint Document" stream (ExOleObjStg records,
 * inflated: "ole:PowerPoint Document/ExOleObjStg1", a compound file, flag STORAGE).
 *
 * The reader is libgsf's (GsfInfileMSOle over the bytes in memory, no temporary file), behind
 * a check of the header and directory that refuses what would make it misbehave (see ole2.c).
 * Limits: max_archive_members members, max_member_bytes per member (a larger one is not
 * read), and at most max_total_bytes and twice the file plus 1 MiB of output altogether
 * (streams that share sectors cannot inflate a small file), PowerPoint's objects inflated to
 * at most max(8 MiB, max_ratio * len); MIME_OLE2_MAX_ENTRIES directory entries,
 * MIME_OLE2_MAX_STORAGE_DEPTH nested storages.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/ftype.h"
#include "mime/msgscan.h"

#define MIME_OLE2_MAX_ENTRIES       4096 /* directory entries; more: not read (limit) */
#define MIME_OLE2_MAX_STORAGE_DEPTH 32   /* storages within storages walked */

/* Member and container flags. */
#define MIME_OLE2_LIMIT     (1u << 0) /* a limit stopped it (note): data NULL or cut */
#define MIME_OLE2_TRUNCATED (1u << 1) /* the stream's sectors end before its size: data cut */
#define MIME_OLE2_STORAGE                                                                          \
	(1u << 2) /* data is a compound file made of a storage (an attached
                                         message, an OLE object): read it again */
/* could not be read (note): data NULL, or a storage copied without what libgsf could not open */
#define MIME_OLE2_UNREAD (1u << 3)
#define MIME_OLE2_BODY   (1u << 4) /* a message's body: text (UTF-8) or HTML (".html") */

struct mime_ole2_member {
	char *path;         /* "msg:attach1", "msg:body.txt", "ole:ObjectPool/_1234/Ole10Native" */
	char *name;         /* the file name the sender gave (UTF-8), or NULL */
	GBytes *data;       /* NULL when not read (flags and note say why) */
	unsigned int flags; /* MIME_OLE2_* */
	char *note;         /* why it is flagged, or NULL */
};

struct mime_ole2 {
	bool msg;           /* an Outlook message (else: embedded objects were looked for) */
	GPtrArray *members; /* struct mime_ole2_member *, in directory order */
	unsigned int flags; /* MIME_OLE2_LIMIT: members left unread (note says which limit) */
	char *note;
	size_t out; /* bytes of member data returned */
};

/* true for the real types read here: .msg, .doc, .xls, .ppt and other compound files. */
bool mime_ole2_type(enum ftype type);

/*
 * Read a compound file. lim: effective limits (NULL: defaults). 0 with *ole_r set (free it
 * with mime_ole2_free), which may have no member; -1 with error set when the bytes are not a
 * compound file this reader can read (the caller flags the part opaque).
 */
int mime_ole2_read(const unsigned char *data, size_t len, const struct msg_limits *lim,
                   struct mime_ole2 **ole_r, GError **error);

void mime_ole2_free(struct mime_ole2 **ole);

/*
 * The file an OLE Package carries (the Ole10Native stream's layout: its 4-byte size, then the
 * Package): *off_r and *len_r its bytes in s, *name_r (allocated, or NULL) its file name.
 * false when s holds no Package header (then *off_r, *len_r: the data after the size).
 */
bool mime_ole2_package(const unsigned char *s, size_t n, size_t *off_r, size_t *len_r,
                       char **name_r);

#endif
