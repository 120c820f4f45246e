/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel flows in the order of the store's flow key (device_mac, device_ip,
 * remote_ip, proto, remote_port; addresses as text, compared as SQLite's
 * BINARY collation does): the order of flow_state's, payload_state's and
 * flow_history's primary keys, so that a pass over the flows in it reads
 * and writes each table's B-tree pages once, in order, and can be merged
 * with one ordered scan of a table (flow_state.h).
 */
#ifndef IOTRIM_HISTORY_FLOW_ORDER_H
#define IOTRIM_HISTORY_FLOW_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "history/history.h"

struct flow_order {
	struct flow_order_item {
		uint64_t mac;		/* device_mac's bytes, big endian */
		uint32_t flow;		/* index in the flow table */
		uint32_t text;		/* offset of device_ip's text in texts */
		uint16_t port;
		uint8_t proto;
		uint8_t remote;		/* offset of remote_ip's text from device_ip's */
	} *items;
	char *texts;		/* per flow "device_ip\0remote_ip\0", made once */
	size_t len;
};

/* Orders flows into o (freed by flow_order_free also on failure); 0 or -ENOMEM. */
int flow_order_make(const struct flow_table *flows, struct flow_order *o);
/* The i-th flow's entry in flows, the table o was made from. */
static inline const struct flow_entry *flow_order_entry(const struct flow_order *o,
							const struct flow_table *flows, size_t i)
{
	return &flows->items[o->items[i].flow];
}
/*
 * The i-th flow's key text into t, for i = 0, 1, ... in turn: t->mac is
 * written only when the device changes, so t is the caller's from one call
 * to the next.
 */
void flow_order_key_text(const struct flow_order *o, size_t i, const struct flow_key *k,
			 struct key_text *t);
void flow_order_free(struct flow_order *o);

#endif
