// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "common/columns.h"
#include "common/fmt.h"

void columns_begin(struct columns *c, FILE *out)
{
	c->out = out;
	c->len = 0;
}

void columns_end(struct columns *c)
{
	if (c->len)
		fwrite(c->buf, 1, c->len, c->out);
	c->len = 0;
}

static void put(struct columns *c, const char *s, size_t n)
{
	if (c->len + n > sizeof(c->buf)) {
		columns_end(c);
		if (n > sizeof(c->buf)) {
			fwrite(s, 1, n, c->out);
			return;
		}
	}
	memcpy(c->buf + c->len, s, n);
	c->len += n;
}

static void pad(struct columns *c, size_t n)
{
	static const char spaces[64] = "                                                                ";

	for (size_t k; n; n -= k) {
		k = n < sizeof(spaces) ? n : sizeof(spaces);
		put(c, spaces, k);
	}
}

static void put_aligned(struct columns *c, const char *s, size_t n, int width)
{
	size_t w = width < 0 ? -(size_t)width : (size_t)width;

	if (width > 0 && n < w)
		pad(c, w - n);
	put(c, s, n);
	if (width < 0 && n < w)
		pad(c, w - n);
}

void columns_text(struct columns *c, const char *s)
{
	put(c, s, strlen(s));
}

void columns_str(struct columns *c, const char *s, int width, int max)
{
	put_aligned(c, s, max < 0 ? strlen(s) : strnlen(s, (size_t)max), width);
}

void columns_u64(struct columns *c, uint64_t v, int width)
{
	char digits[U64_STRLEN];

	put_aligned(c, digits, format_u64(v, digits), width);
}
