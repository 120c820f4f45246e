/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small parsers of settings shared by every stage. */
#ifndef IOTRIM_COMMON_PARSE_H
#define IOTRIM_COMMON_PARSE_H

#include <stdbool.h>

/* given if not NULL, else the environment variable env if set and not
 * empty, else def. */
const char *env_or(const char *given, const char *env, const char *def);

/* Parses a decimal in [min, max]; false on anything else. */
bool parse_u64(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out);

#endif
