// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Kernel flows in the store's key order: see flow_order.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "history/flow_order.h"

/* A MAC's fixed-width lowercase hex sorts as its bytes; addresses by their texts. */
static int compare_items(const void *a, const void *b, void *texts)
{
	const struct flow_order_item *x = a, *y = b;
	const char *s = (const char *)texts + x->text, *t = (const char *)texts + y->text;
	int c;

	if (x->mac != y->mac)
		return x->mac < y->mac ? -1 : 1;
	if ((c = strcmp(s, t)) || (c = strcmp(s + x->remote, t + y->remote)))
		return c;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

int flow_order_make(const struct flow_table *flows, struct flow_order *o)
{
	size_t room = 0, used = 0;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < flows->len; i++)
		room += 2 * (flows->items[i].key.family == IOTRIM_FAMILY_IPV4 ? INET_ADDRSTRLEN
									 : INET6_ADDRSTRLEN);
	o->items = malloc(flows->len * sizeof(*o->items) + 1);
	o->texts = malloc(room + 1);
	if (!o->items || !o->texts || room > UINT32_MAX)
		return -ENOMEM;
	for (size_t i = 0; i < flows->len; i++) {
		const struct flow_key *k = &flows->items[i].key;
		struct flow_order_item *it = &o->items[i];
		char *dip = o->texts + used, *rip;

		*it = (struct flow_order_item){ .flow = i, .text = used, .port = k->remote_port,
						.proto = k->proto };
		for (int b = 0; b < 6; b++)
			it->mac = it->mac << 8 | k->device_mac[b];
		format_ip(k->family, k->device_ip, dip);
		rip = dip + strlen(dip) + 1;
		format_ip(k->family, k->remote_ip, rip);
		it->remote = rip - dip;
		used += it->remote + strlen(rip) + 1;
	}
	qsort_r(o->items, flows->len, sizeof(*o->items), compare_items, o->texts);
	o->len = flows->len;
	return 0;
}

void flow_order_key_text(const struct flow_order *o, size_t i, const struct flow_key *k,
			 struct key_text *t)
{
	const struct flow_order_item *it = &o->items[i];
	const char *dip = o->texts + it->text, *rip = dip + it->remote;

	if (i == 0 || it[-1].mac != it->mac)
		format_mac(k->device_mac, t->mac);
	memcpy(t->device_ip, dip, it->remote);
	memcpy(t->remote_ip, rip, strlen(rip) + 1);
}

void flow_order_free(struct flow_order *o)
{
	free(o->items);
	free(o->texts);
	memset(o, 0, sizeof(*o));
}
