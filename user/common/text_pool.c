// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/text_pool.h"

int64_t text_pool_add(struct text_pool *p, const char *s)
{
	size_t n = strlen(s) + 1, at = p->len;

	if (p->len + n > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		char *grown;

		while (cap < p->len + n)
			cap *= 2;
		if (cap > UINT32_MAX || !(grown = realloc(p->text, cap)))
			return -ENOMEM;
		p->text = grown;
		p->cap = cap;
	}
	memcpy(p->text + at, s, n);
	p->len += n;
	return at;
}

void text_pool_free(struct text_pool *p)
{
	free(p->text);
	*p = (struct text_pool){ 0 };
}
