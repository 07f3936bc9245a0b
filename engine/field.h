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

/*
 * The field as C's atoi() reads it (glibc: (int)strtol(s, NULL, 10)), as an unsigned int:
 * what libclamav compares signature levels with. Leading white space and a sign are taken,
 * then digits up to the first other character; no digits is 0, "20x" is 20, "-1" is
 * 4294967295; past a long it saturates, and keeps the low 32 bits. *plain_r: the field is
 * decimal digits only, at most INT_MAX (what the value means is then not in doubt).
 */
uint32_t field_atoi(const char *s, size_t len, bool *plain_r);

/* Printable ASCII only (0x20..0x7E). */
bool field_printable(const char *s, size_t len);

#endif
