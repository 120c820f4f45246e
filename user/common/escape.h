/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Output hygiene: every string a LAN device, a geo database or an operator's
 * file supplies (DNS names, SNI, organisations, device names) passes through
 * one of these on its way into HTML, Markdown or a terminal.  CSV has its own
 * neutralising writer in common/csv.h.
 */
#ifndef IOTRIM_COMMON_ESCAPE_H
#define IOTRIM_COMMON_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* HTML text and attribute values: & < > " ' as entities; control bytes dropped. */
void html_escape(FILE *out, const char *s);

/*
 * Markdown inline text and table cells: CommonMark punctuation (with '|')
 * backslash-escaped, line breaks and other control bytes as spaces.
 */
void md_escape(FILE *out, const char *s);

/*
 * For a terminal: C0 and C1 control characters, DEL and bytes that are not
 * valid UTF-8 written as \xHH, so a name cannot move the
 * cursor, retitle the window or hide text.  Returns out.  A result that does
 * not fit in n bytes is cut at a character boundary.
 */
const char *term_safe(const char *s, char *out, size_t n);
/* Enough for a term_safe() copy of a DNS name (253 bytes, each up to 4 wide). */
#define TERM_NAME_MAX 1024

/* term_safe() straight to a stream. */
void term_puts(FILE *out, const char *s);

#endif
