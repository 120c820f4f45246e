/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Texts kept one after another in one growing buffer, each known by its
 * offset: rows that name many texts hold 4 bytes each instead of a
 * pointer and an allocation.  Offsets stay valid when the buffer grows
 * (pointers into it do not), and stay below 2^32.
 */
#ifndef IOTRIM_TEXT_POOL_H
#define IOTRIM_TEXT_POOL_H

#include <stddef.h>
#include <stdint.h>

struct text_pool {
	char *text;
	size_t len, cap;
};

/* Appends s and its '\0'; its offset, or -ENOMEM. */
int64_t text_pool_add(struct text_pool *p, const char *s);
void text_pool_free(struct text_pool *p);

#endif
