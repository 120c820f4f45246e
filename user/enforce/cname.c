// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "common/dnsname.h"
#include "datapath/pin.h"
#include "enforce/cname.h"
#include "iotrim_maps.h"

static bool chain_from(const struct deny_cname_key *k, const struct deny_cname_value *v,
		       struct cname_chain *c)
{
	memset(c, 0, sizeof(*c));
	c->rule_id = k->rule_id;
	memcpy(c->mac, k->device_mac, 6);
	c->hops = v->hops;
	c->responses = v->responses;
	c->seen_ns = v->seen_ns;
	c->count = 1 + (v->hops < IOTRIM_CNAME_CHAIN_MAX - 1 ? v->hops : IOTRIM_CNAME_CHAIN_MAX - 1);
	for (int i = 0; i < c->count; i++)
		if (!dns_wire_to_text(v->names[i], IOTRIM_CNAME_NAME_LEN, c->names[i],
				      CNAME_TEXT_MAX) || !c->names[i][0])
			return false;
	return v->hops > 0;
}

static int chain_order(const void *a, const void *b)
{
	const struct cname_chain *x = a, *y = b;

	if (x->rule_id != y->rule_id)
		return x->rule_id < y->rule_id ? -1 : 1;
	return memcmp(x->mac, y->mac, 6);
}

int cname_chains_read(struct cname_chains *out)
{
	struct deny_cname_key key, next;
	struct deny_cname_value val;
	void *prev = NULL;
	int fd, err = 0;

	memset(out, 0, sizeof(*out));
	fd = open_pinned_map(MAP_NAME(MAP_DENY_CNAME));
	if (fd < 0)
		return 0;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct cname_chain *items;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &val))
			continue;	/* evicted meanwhile */
		items = realloc(out->items, (out->len + 1) * sizeof(*items));
		if (!items) {
			err = -ENOMEM;
			break;
		}
		out->items = items;
		if (chain_from(&key, &val, &out->items[out->len]))
			out->len++;
	}
	close(fd);
	if (err) {
		cname_chains_free(out);
		return err;
	}
	qsort(out->items, out->len, sizeof(*out->items), chain_order);
	return 0;
}

void cname_chains_free(struct cname_chains *c)
{
	free(c->items);
	memset(c, 0, sizeof(*c));
}

void cname_chain_text(const struct cname_chain *c, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < c->count && used < len; i++) {
		/* Past IOTRIM_CNAME_CHAIN_MAX names the last slot holds the matching target. */
		bool gap = i == c->count - 1 && c->hops + 1 > (unsigned)c->count;

		used += snprintf(out + used, len - used, "%s%s", i ? (gap ? " -> ... -> " : " -> ") : "",
				 c->names[i]);
	}
}
