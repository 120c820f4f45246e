// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/escape.h"

void html_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			if ((unsigned char)*s >= 0x20 && *s != 0x7f)
				fputc(*s, out);
			else if (*s == '\t' || *s == '\n')
				fputc(' ', out);
		}
	}
}

void md_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			fputc(' ', out);
		else if (strchr("\\`*_{}[]<>()#+-.!|~&:\"'=$", c))
			fprintf(out, "\\%c", c);
		else
			fputc(c, out);
	}
}

/* Length of the valid UTF-8 sequence at s that is not a C1 control, or 0. */
static size_t utf8_printable_len(const unsigned char *s)
{
	uint32_t cp;
	size_t len;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF, C1 controls */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

const char *term_safe(const char *s, char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (!n)
		return out;
	while (*p) {
		char piece[4];
		size_t len, used = 1;

		if (*p >= 0x20 && *p < 0x7f) {
			piece[0] = (char)*p;
			len = 1;
		} else if (*p >= 0x80 && (used = utf8_printable_len(p))) {
			memcpy(piece, p, used);
			len = used;
		} else {
			used = 1;
			piece[0] = '\\';
			piece[1] = 'x';
			piece[2] = hex[*p >> 4];
			piece[3] = hex[*p & 15];
			len = 4;
		}
		if (o + len >= n)
			break;
		memcpy(out + o, piece, len);
		o += len;
		p += used;
	}
	out[o] = '\0';
	return out;
}

void term_puts(FILE *out, const char *s)
{
	char buf[TERM_NAME_MAX];

	fputs(term_safe(s, buf, sizeof(buf)), out);
}
