#ifndef PARTSCAN_JSON_H
#define PARTSCAN_JSON_H

/*
 * json: a small streaming JSON writer into a GString, for reports and logs. It manages commas
 * and nesting; strings are escaped and always valid UTF-8 (a byte that is not part of a valid
 * UTF-8 sequence is written as the code point of the same value, \u00XX). Not thread safe per
 * writer; writers are cheap.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 32

struct json {
	GString *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

void json_init(struct json *j, GString *out);

/* key is the member name inside an object, NULL inside an array or at the top. */
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);

void json_string(struct json *j, const char *key, const char *value); /* NULL: null */
void json_string_len(struct json *j, const char *key, const char *value, size_t len);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_int(struct json *j, const char *key, int64_t value);
void json_double(struct json *j, const char *key, double value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);

/* Append value as a JSON string literal (with quotes). */
void json_append_escaped(GString *out, const char *value, size_t len);

#endif
