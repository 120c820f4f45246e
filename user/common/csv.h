/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* CSV fields (RFC 4180), each followed by a comma, or a newline when last. */
#ifndef IOTRIM_COMMON_CSV_H
#define IOTRIM_COMMON_CSV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A text field, quoted when it holds a comma, quote or line break; NULL is
 * empty.  One that a spreadsheet would take for a formula (= + - @ tab CR
 * first) is written as text: quoted, with a leading apostrophe.
 */
void csv_field(FILE *f, const char *s, bool last);
void csv_u64(FILE *f, uint64_t v, bool last);

#endif
