#ifndef PARTSCAN_FIELD_H
#define PARTSCAN_FIELD_H

/*
 * field: checks of the text fields of signature lines and container headers (not
 * NUL-terminated: a pointer and a length). Pure functions.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal digits only, at most max: *v. false on anything else, overflow included. */
bool field_uint(const char *s, size_t len, uint64_t max, uint64_t *v);

/* Printable ASCII only (0x20..0x7E). */
bool field_printable(const char *s, size_t len);

#endif
