/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the name rules of dns_block.h and dns_cname.h share: the layout of
 * the per-CPU scratch buffer a DNS message is loaded into, and the lookup
 * of a name's suffix hashes in deny_names.
 */
#ifndef IOTRIM_DNS_NAME_H
#define IOTRIM_DNS_NAME_H

#include "deny_maps.h"
#include "iotrim_hash.h"

/* Layout of deny_scratch.buf: 8 bytes of L4 framing, the DNS header, the question. */
#define DNS_BUF_HDR 8
#define DNS_BUF_NAME (DNS_BUF_HDR + 12)
/* Header, longest name, type and class: all a question can take. */
#define DNS_LOAD_MAX (DNS_BUF_NAME + IOTRIM_DNS_WIRE_MAX + 4)

#define DNS_IDX(i) ((i) & (DNS_BLOCK_BUF - 1))
#define DNS_LABEL(k) ((k) & (DNS_BLOCK_MAX_LABELS - 1))

static __always_inline struct dns_block_scratch *dns_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&deny_scratch, &zero);
}

static __always_inline __u32 dns_name_rule(struct deny_name_key *key)
{
	struct deny_name_value *v = bpf_map_lookup_elem(&MAP_DENY_NAMES, key);

	if (!v || (v->expires_ns && bpf_ktime_get_boot_ns() >= v->expires_ns))
		return 0;
	return v->id;
}

/* bpf_loop: suffix k (0: the whole name), the device's rule, else one for all. */
static long dns_match_cb(__u32 k, void *unused)
{
	struct dns_block_scratch *s = dns_scratch();

	if (!s || k >= s->labels)
		return 1;
	s->key.hash = s->hashes[DNS_LABEL(k)];
	__builtin_memcpy(s->key.device_mac, s->pkt.dst_mac, ETH_ALEN);
	s->id = dns_name_rule(&s->key);
	if (s->id)
		return 1;
	__builtin_memset(s->key.device_mac, 0, ETH_ALEN);
	s->id = dns_name_rule(&s->key);
	return s->id ? 1 : 0;
}

#endif /* IOTRIM_DNS_NAME_H */
