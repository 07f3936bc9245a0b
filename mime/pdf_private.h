#ifndef PARTSCAN_MIME_PDF_PRIVATE_H
#define PARTSCAN_MIME_PDF_PRIVATE_H

/*
 * The PDF reader's values and lexer, shared by pdf.c (objects, streams, embedded files) and
 * pdf_object.c (the lexer and parser of one object). Not for other modules: their interface
 * is mime/pdf.h.
 */

#include <glib.h>
#include <stdbool.h>

enum pdf_kind { PDF_NULL, PDF_BOOL, PDF_NUM, PDF_REF, PDF_STR, PDF_NAME, PDF_ARRAY, PDF_DICT };

struct pdf_val {
	enum pdf_kind kind;
	double num;
	unsigned int rnum, rgen;
	GByteArray *s;    /* PDF_STR, PDF_NAME (without the slash) */
	GPtrArray *items; /* PDF_ARRAY; PDF_DICT: key, value, key, value ... */
};

struct pdf_lex {
	const unsigned char *d;
	size_t n, pos;
	unsigned int values;
};

/* PDF white space and delimiters. */
bool pdf_is_ws(unsigned char c);
bool pdf_is_delim(unsigned char c);
/* Past white space and comments. */
void pdf_skip_ws(struct pdf_lex *lx);
void pdf_val_free(struct pdf_val *v);
/* An unsigned integer at *p (no sign, no dot), *p moved past it, or -1. */
long long pdf_peek_uint(const struct pdf_lex *lx, size_t *p);
/* The value at lx->pos (NULL when malformed or over a limit); the caller frees it. */
struct pdf_val *pdf_parse_value(struct pdf_lex *lx, unsigned int depth);
/* true when v is the name s. */
bool pdf_name_is(const struct pdf_val *v, const char *s);
/* The value of key in dictionary v, or NULL (v may be NULL or not a dictionary). */
struct pdf_val *pdf_dict_get(const struct pdf_val *v, const char *key);

/*
 * The standard security handler opened with the empty user password (pdf_crypt.c), from the
 * trailer's /Encrypt dictionary and /ID array; NULL with *why_r set (static text) when it
 * cannot be (a user password is needed, another handler).
 */
struct pdf_crypt;
struct pdf_crypt *pdf_crypt_new(const struct pdf_val *enc, const struct pdf_val *id,
                                const char **why_r);
void pdf_crypt_free(struct pdf_crypt **c);
/*
 * The bytes of a stream (string false) or string (true) of object num gen, decrypted; NULL
 * when they cannot be (AES data of a wrong length or padding).
 */
GBytes *pdf_crypt_decrypt(const struct pdf_crypt *c, bool string, unsigned int num,
                          unsigned int gen, const unsigned char *d, size_t n);

#endif
