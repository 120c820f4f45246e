/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The user's own strings for `iotrim audit plaintext --strings FILE`: one a
 * line (names typed into the companion app, a Wi-Fi password...), blank
 * lines and lines starting with '#' skipped, spaces around a string
 * trimmed.  Each must have PLAIN_LITERAL_MIN to PLAIN_LITERAL_MAX bytes;
 * at most PLAIN_STRINGS_MAX strings.
 */
#ifndef IOTRIM_AUDIT_PLAIN_STRINGS_H
#define IOTRIM_AUDIT_PLAIN_STRINGS_H

#include <stddef.h>

#define PLAIN_STRINGS_MAX 256

struct plain_strings {
	char *joined;		/* newline separated, malloc'd; NULL when none */
	size_t count;
	unsigned bad_line;	/* -EINVAL: the first bad line */
	const char *why;	/* -EINVAL: what is wrong with it */
};

/* 0, -errno (cannot read), or -EINVAL with bad_line and why. */
int plain_strings_load(const char *path, struct plain_strings *out);
void plain_strings_free(struct plain_strings *s);

#endif
