/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Table rows written without printf: a listing of a million flows spent
 * most of its formatting time parsing the same format string.  Each call
 * writes what the printf conversion in its comment would; a row goes to
 * the stream in one piece when it ends (or when it outgrows the buffer).
 */
#ifndef IOTRIM_COLUMNS_H
#define IOTRIM_COLUMNS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct columns {
	FILE *out;
	size_t len;
	char buf[1024];
};

void columns_begin(struct columns *c, FILE *out);
/* The text as is. */
void columns_text(struct columns *c, const char *s);
/* width < 0: "%-*s" (padded after), else "%*s"; at most max bytes of s ("%.*s"; -1: all). */
void columns_str(struct columns *c, const char *s, int width, int max);
/* "%*llu", width as above. */
void columns_u64(struct columns *c, uint64_t v, int width);
/* Writes what is left of the row. */
void columns_end(struct columns *c);

#endif
