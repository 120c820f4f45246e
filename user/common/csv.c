// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "common/csv.h"

/*
 * Spreadsheets evaluate a cell that starts with = + - @ (and, in some, a tab
 * or carriage return) as a formula: `=hyperlink(...)` is a valid DNS label.
 * Such a field gets a leading apostrophe and is quoted (OWASP's advice).
 */
static bool csv_formula_lead(const char *s)
{
	return s[0] && strchr("=+-@\t\r", s[0]);
}

void csv_field(FILE *f, const char *s, bool last)
{
	bool formula;

	if (!s)
		s = "";
	formula = csv_formula_lead(s);
	if (formula || strpbrk(s, ",\"\n\r")) {
		fputc('"', f);
		if (formula)
			fputc('\'', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

void csv_u64(FILE *f, uint64_t v, bool last)
{
	fprintf(f, "%llu%c", (unsigned long long)v, last ? '\n' : ',');
}
