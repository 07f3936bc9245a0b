/* field: text fields of signature lines and container headers (see field.h). */

#include "engine/field.h"

#include <limits.h>

bool field_uint(const char *s, size_t len, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;

	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (n > (max - (uint64_t)(s[i] - '0')) / 10)
			return false;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*v = n;
	return true;
}

uint32_t field_atoi(const char *s, size_t len, bool *plain_r)
{
	size_t i = 0, digits;
	bool neg = false;
	uint64_t mag = 0, cap;
	unsigned long v;

	while (i < len && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
		i++;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	/* strtol() saturates at LONG_MAX, or LONG_MIN for a negative number */
	cap = neg ? (uint64_t)LONG_MAX + 1 : (uint64_t)LONG_MAX;
	for (digits = i; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		mag = mag > (cap - d) / 10 ? cap : mag * 10 + d;
	}
	digits = i - digits;
	*plain_r = digits > 0 && digits == len && mag <= INT_MAX;
	/* the long's low bits, as the conversions to int and to unsigned int keep them */
	v = neg ? 0ul - (unsigned long)mag : (unsigned long)mag;
	return (uint32_t)v;
}

bool field_printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f)
			return false;
	}
	return true;
}
