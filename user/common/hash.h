/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * 64-bit FNV-1a for the controller's hash tables (interned names, devices
 * by MAC text, DNS questions): cheap, and good enough for keys nobody
 * chooses to collide.  The constants are the ones the name rules use
 * (include/iotrim_hash.h).
 */
#ifndef IOTRIM_COMMON_HASH_H
#define IOTRIM_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "iotrim_hash.h"

/* h, as FNV-1a has it after some bytes, after len more (start: IOTRIM_FNV64_OFFSET). */
static inline uint64_t fnv1a64_add(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * IOTRIM_FNV64_PRIME;
	return h;
}

static inline uint64_t fnv1a64(const void *data, size_t len)
{
	return fnv1a64_add(IOTRIM_FNV64_OFFSET, data, len);
}

#endif
