// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Flow rows and their name pool: see flow_rows.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iotrim.h"
#include "common/hash.h"
#include "attrib/flow_rows.h"

void flow_row_set_address(struct flow_row *row)
{
	memset(row->ip, 0, sizeof(row->ip));
	if (inet_pton(AF_INET, row->remote_ip, row->ip) == 1)
		row->family = IOTRIM_FAMILY_IPV4;
	else if (inet_pton(AF_INET6, row->remote_ip, row->ip) == 1)
		row->family = IOTRIM_FAMILY_IPV6;
	else
		row->family = 0;
}

/* The pool's text comes in blocks that never move: the rows point into them. */
#define NAME_BLOCK 65536

static const char *pool_copy(struct name_pool *p, const char *s, size_t len)
{
	char *text;

	if (!p->nblocks || p->used + len + 1 > NAME_BLOCK) {
		char **grown = realloc(p->blocks, (p->nblocks + 1) * sizeof(*grown));

		if (!grown)
			return NULL;
		p->blocks = grown;
		if (!(p->blocks[p->nblocks] = malloc(NAME_BLOCK)))
			return NULL;
		p->nblocks++;
		p->used = 0;
	}
	text = p->blocks[p->nblocks - 1] + p->used;
	memcpy(text, s, len);
	text[len] = '\0';
	p->used += len + 1;
	return text;
}

static int pool_grow(struct name_pool *p)
{
	size_t n = p->nslots ? p->nslots * 2 : 1024;
	const char **slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < p->nslots; i++) {
		size_t h;

		if (!p->slots[i])
			continue;
		for (h = (size_t)fnv1a64(p->slots[i], strlen(p->slots[i])) & (n - 1); slots[h];
		     h = (h + 1) & (n - 1))
			;
		slots[h] = p->slots[i];
	}
	free(p->slots);
	p->slots = slots;
	p->nslots = n;
	return 0;
}

const char *name_pool_intern(struct name_pool *p, const char *name)
{
	size_t len = strnlen(name, FLOW_NAMES_MAX - 1), h;

	if (!len)
		return "";
	if ((p->count + 1) * 2 > p->nslots && pool_grow(p))
		return NULL;
	for (h = (size_t)fnv1a64(name, len) & (p->nslots - 1); p->slots[h]; h = (h + 1) & (p->nslots - 1))
		if (!strncmp(p->slots[h], name, len) && !p->slots[h][len])
			return p->slots[h];
	if (!(p->slots[h] = pool_copy(p, name, len)))
		return NULL;
	p->count++;
	return p->slots[h];
}

void name_pool_free(struct name_pool *p)
{
	for (size_t i = 0; i < p->nblocks; i++)
		free(p->blocks[i]);
	free(p->blocks);
	free(p->slots);
}

int flow_rows_add(struct flow_rows *r, const struct flow_row *row)
{
	const char *name = name_pool_intern(&r->names, row->name);

	if (!name)
		return -ENOMEM;
	if (r->len == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct flow_row *p = realloc(r->items, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->items = p;
		r->cap = cap;
	}
	r->items[r->len] = *row;
	r->items[r->len++].name = name;
	return 0;
}

void flow_rows_free(struct flow_rows *r)
{
	name_pool_free(&r->names);
	free(r->items);
	memset(r, 0, sizeof(*r));
}
