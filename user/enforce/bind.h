/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The IP rules a name rule brings in: the addresses the device already
 * resolved the name (or a subdomain) to, from the attribution history
 * (dns_names, with the CNAME chains the answers led through, flow_history)
 * and the pinned "names" map, so that answers a
 * device cached before the rule do not get around it.  An address another
 * name of the same device also resolves to is shared (CDNs, clouds): it is
 * blocked only on the protocols and ports that only the blocked name used,
 * or left alone, and the name rule's reason says so.
 */
#ifndef IOTRIM_BLOCK_BIND_H
#define IOTRIM_BLOCK_BIND_H

#include <sqlite3.h>

#include "enforce/rule.h"

struct bind_result {
	struct block_list rules;		/* IP rules to add, with reasons */
	char left_alone[BLOCK_REASON_MAX];	/* "; "-separated notes */
};

/* For a name rule already in the database (in the open transaction): 0 or -errno. */
int block_bind_name(sqlite3 *db, const struct block_rule *name_rule, struct bind_result *out);
/* Appends a note to out->left_alone. */
void bind_note(struct bind_result *out, const char *note);

#endif
