#ifndef PARTSCAN_CVD_H
#define PARTSCAN_CVD_H

/*
 * cvd: ClamAV signature containers (.cvd .cld .cud), as freshclam keeps them.
 *
 * A container is a 512-byte header
 *   ClamAV-VDB:<time>:<version>:<signatures>:<flevel>:<md5>:<dsig>:<builder>:<stime>
 * (space-padded) followed by a tar body, gzip'd (.cvd) or usually plain (.cld). This module
 * reads headers, reads the body's members in memory, and checks the three kinds of signature
 * ClamAV uses:
 *   - a detached "NAME-VERSION.cvd.sign" file (#clamsign-1.0, PKCS#7) against CA certificates,
 *   - the legacy header signature: the MD5 of the body, RSA-signed with ClamAV's 1024-bit key,
 *   - the signed "NAME.info" member: every member's size and SHA-256, signed with ClamAV's
 *     2048-bit key (RSA with a PSS-like SHA-256 encoding).
 * Which of them a container needs is policy, decided by the caller (sigdb_container.c).
 * Everything here is reentrant; nothing writes files.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CVD_HEADER_SIZE 512

/* Errors in the CVD_ERROR domain. */
#define CVD_ERROR cvd_error_quark()
GQuark cvd_error_quark(void);
enum cvd_error_code {
	CVD_ERROR_FORMAT, /* not a container, or a damaged one */
	CVD_ERROR_VERIFY, /* a signature or checksum does not match */
	CVD_ERROR_LIMIT,  /* a limit on members was exceeded */
};

enum cvd_kind {
	CVD_KIND_CVD, /* signed by ClamAV, gzip'd body */
	CVD_KIND_CLD, /* a .cvd that freshclam patched: header unsigned, signed .info inside */
	CVD_KIND_CUD, /* unsigned by design (local databases) */
};

struct cvd_header {
	char name[64]; /* the database: "daily" for daily.cvd, daily.cld or daily-27000.cvd */
	char time[64]; /* build time as written, e.g. "14 May 2010 09-57 -0400" */
	uint32_t version;
	uint32_t sigs;   /* signatures of every kind, as announced */
	uint32_t flevel; /* minimum functionality level */
	char md5[33];    /* lower-case hex MD5 of the body, "" when absent ("X" in a .cld) */
	char dsig[400];  /* legacy RSA signature of that MD5, "" when absent */
	char builder[64];
	int64_t built; /* build time in seconds since the epoch ("stime"), 0 when absent */
};

/*
 * Parse a header from text (the 512-byte block, or the first line of a .info member): the
 * padding (spaces, NULs, line ends) is trimmed. name is left empty. Returns 0, or -1 with a
 * CVD_ERROR_FORMAT error that names the bad field.
 */
int cvd_header_parse(const char *text, size_t len, struct cvd_header *hdr, GError **error);

/* Read and parse the header of the container at path; fills name from the file name. */
int cvd_header_read(const char *path, struct cvd_header *hdr, GError **error);

/* The kind a file name announces (.cvd .cld .cud, any case); -1 when none. */
int cvd_kind_from_name(const char *file_name, enum cvd_kind *kind_r);

/* The database name of a container file name: up to the first '-' or '.' (as ClamAV does). */
void cvd_db_name(const char *file_name, char *out, size_t out_len);

/* ---- the body ---- */

struct cvd_limits {
	uint64_t max_member;      /* bytes of one member */
	unsigned int max_members; /* members in the body */
	uint64_t max_total;       /* bytes of all members together */
};

struct cvd_member {
	char *name;
	uint64_t size;
	unsigned char *data;      /* the bytes, for members asked for (else NULL) */
	unsigned char sha256[32]; /* of data, when kept */
};

/*
 * Read the members of a body (gzip'd or plain tar) from memory. Only regular files with a
 * plain name (no '/') are allowed, each at most once, as in ClamAV's reader. keep(name, ctx)
 * says which members' bytes to keep (with their SHA-256); the others are only listed.
 * Returns 0 and a GPtrArray of struct cvd_member (free with g_ptr_array_unref), or -1 with a
 * reason: damaged body (CVD_ERROR_FORMAT) or a limit exceeded (CVD_ERROR_LIMIT).
 */
int cvd_members_read(const unsigned char *body, size_t len, const struct cvd_limits *limits,
                     bool (*keep)(const char *name, void *ctx), void *ctx, GPtrArray **members_r,
                     GError **error);

/* ---- signatures (cvd_verify.c) ---- */

/*
 * The legacy check of a .cvd: MD5 of the body equals the header's, and the header's dsig is
 * ClamAV's RSA signature of it. Returns 0, or -1 with a CVD_ERROR_VERIFY reason (also when
 * either field is absent).
 */
int cvd_verify_legacy(const struct cvd_header *hdr, const unsigned char *body, size_t len,
                      GError **error);

/* true when dsig is ClamAV's legacy signature of the hex MD5. */
bool cvd_dsig_verify_md5(const char *md5_hex, const char *dsig);
/* true when dsig is ClamAV's .info signature (2048-bit key) of the SHA-256. */
bool cvd_dsig_verify_sha256(const unsigned char sha256[32], const char *dsig);

enum cvd_sign_result {
	CVD_SIGN_OK,      /* a signature line verified: *signer_r names the signer */
	CVD_SIGN_ABSENT,  /* nothing to check with: no file, no CA certificate, no usable line */
	CVD_SIGN_INVALID, /* a signature was checked and does not verify */
};

/*
 * Check a detached .sign file (#clamsign-1.0, lines "MIN:MAX:pkcs7-pem:BASE64") over the
 * container's whole file bytes, against the CA certificates (*.crt, *.pem) of cert_dir, at
 * the time at (seconds since the epoch; 0: now). The first line that verifies wins; one that
 * is checked and fails makes the result INVALID (no fallback), as in ClamAV. For ABSENT and
 * INVALID, error says why. The functionality-level range of a line is not used: partscan
 * reads the pkcs7-pem form itself.
 */
enum cvd_sign_result cvd_sign_verify(const char *sign_path, const unsigned char *file, size_t len,
                                     const char *cert_dir, int64_t at, char **signer_r,
                                     GError **error);

struct cvd_info_entry {
	char *name;
	uint64_t size;
	unsigned char sha256[32];
};

/* A parsed .info member: its header line, its member list, its signature. */
struct cvd_info {
	struct cvd_header hdr;
	GPtrArray *entries; /* struct cvd_info_entry */
	bool has_dsig;      /* a DSIG: line ends the list */
	bool dsig_ok;       /* ... and it verifies over the bytes before it */
};

/*
 * Parse a .info member: "ClamAV-VDB:..." first, then "name:size:sha256" lines, then an
 * optional "DSIG:" line (checked here; lines after it are ignored). Returns 0, or -1 with a
 * CVD_ERROR_FORMAT reason naming the line.
 */
int cvd_info_parse(const unsigned char *data, size_t len, struct cvd_info *info, GError **error);
void cvd_info_clear(struct cvd_info *info);
/* The entry of a member, or NULL when the .info does not list it. */
const struct cvd_info_entry *cvd_info_find(const struct cvd_info *info, const char *name);

#endif
