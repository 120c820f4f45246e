/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The CNAME chains through which name rules matched (deep CNAME
 * inspection in the TC program, bpf/dns_cname.h), read from the pinned
 * deny_cname map for `iotrim block list`.
 */
#ifndef IOTRIM_ENFORCE_CNAME_H
#define IOTRIM_ENFORCE_CNAME_H

#include <stddef.h>
#include <stdint.h>

#include "iotrim.h"

#define CNAME_TEXT_MAX 254	/* a 253-character name in text */

struct cname_chain {
	int64_t rule_id;
	uint8_t mac[6];			/* the device that asked */
	int count;			/* names[0..count): the question, then the targets */
	unsigned hops;			/* CNAME records up to the matching target */
	uint32_t responses;		/* rewritten so far */
	uint64_t seen_ns;		/* CLOCK_BOOTTIME of the last one */
	char names[IOTRIM_CNAME_CHAIN_MAX][CNAME_TEXT_MAX];
};

struct cname_chains {
	struct cname_chain *items;
	size_t len;
};

/*
 * Every chain recorded, sorted by rule id, then device.  0 (no chains)
 * when the map is not pinned; -ENOMEM.  An entry whose names do not parse
 * is skipped.
 */
int cname_chains_read(struct cname_chains *out);
void cname_chains_free(struct cname_chains *c);
/* "alias.other.example -> cloud.vendor.example", with "-> ... ->" where names were left out. */
void cname_chain_text(const struct cname_chain *c, char *out, size_t len);

#endif
