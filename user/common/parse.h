/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small parsers of settings shared by every stage. */
#ifndef IOTRIM_COMMON_PARSE_H
#define IOTRIM_COMMON_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* given if not NULL, else the environment variable env if set and not
 * empty, else def. */
const char *env_or(const char *given, const char *env, const char *def);

/* Parses a decimal in [min, max]; false on anything else. */
bool parse_u64(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out);

/*
 * Parses an RFC 3339 time, YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
 * ('t' or ' ' also separate date and time), into unix milliseconds; false on
 * anything else (including an impossible date such as 02-30).
 */
bool parse_rfc3339(const char *s, int64_t *unix_ms);

#endif
