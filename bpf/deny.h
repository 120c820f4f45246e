/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IP and prefix rules on the upload path: which rule, if any, blocks a
 * packet a device sends.  Rules of the device come before rules for all
 * devices; within each, the longest prefix first, and within a prefix the
 * order the controller wrote (port-specific, protocol-specific, any).  A
 * rule whose lease has ended is skipped as if it were not there.
 */
#ifndef IOTRIM_DENY_H
#define IOTRIM_DENY_H

#include "deny_maps.h"
#include "parse.h"

/* Prefixes tried per device key when the longer ones have no rule that applies. */
#define DENY_MAX_DEPTH 8

#define ICMPV6_ND_FIRST 133	/* router solicitation .. redirect: never blocked */
#define ICMPV6_ND_LAST 137

/*
 * The first rule of one (device, prefix) entry that applies to the packet;
 * 1 with s->id and s->action set if there is one.  Unrolled: the verifier
 * sees each of the few rules once.  A scope the packet does not show (a
 * protocol behind too many IPv6 extension headers, ports cut off in a tiny
 * first fragment) matches: a rule is never dodged by hiding what it names.
 */
static __always_inline int deny_rule_in(const struct deny_value *v,
					struct deny_pkt_scratch *s)
{
	__u32 count = v->count;
	__u16 port = s->pkt.dst_port;
	__u8 proto = s->pkt.proto;
	bool proto_known = s->pkt.known >= PARSE_KNOWN_PROTO;
	bool port_known = s->pkt.known == PARSE_KNOWN_ALL;

#pragma unroll
	for (__u32 i = 0; i < IOTRIM_DENY_RULES_PER_PREFIX; i++) {
		const struct deny_rule *r = &v->rules[i];

		if (i >= count)
			break;
		if (r->proto && r->proto != proto && proto_known)
			continue;
		if (r->port && r->port != port && port_known)
			continue;
		if (r->expires_ns && bpf_ktime_get_boot_ns() >= r->expires_ns)
			continue;
		s->id = r->id;
		s->action = r->action;
		return 1;
	}
	return 0;
}

/*
 * The first rule of the device key in s->key (a MAC, or zero for all
 * devices) that applies: the longest matching prefix first, then shorter
 * ones while none of an entry's rules applies.
 */
static __always_inline int deny_lookup_key(struct deny_pkt_scratch *s, __u32 full)
{
	s->key.prefixlen = full;
#pragma clang loop unroll(disable)
	for (int depth = 0; depth < DENY_MAX_DEPTH; depth++) {
		struct deny_value *v = bpf_map_lookup_elem(&MAP_DENY_IP, &s->key);
		__u32 plen;

		if (!v)
			return 0;
		if (deny_rule_in(v, s))
			return 1;
		plen = v->prefixlen;
		if (plen <= IOTRIM_DENY_KEY_BITS || plen > full)
			return 0;
		s->key.prefixlen = plen - 1;
	}
	return 0;
}

/* frame_len bounds the bytes counted for a packet whose IP length is not checked. */
static __always_inline void deny_pkt_from(const struct packet_info *pi,
					  __u32 frame_len, struct deny_pkt *p)
{
	__builtin_memcpy(p->src_mac, pi->src_mac, ETH_ALEN);
	__builtin_memcpy(p->dst_mac, pi->dst_mac, ETH_ALEN);
	p->family = pi->family;
	p->proto = pi->proto;
	p->nonfirst_fragment = pi->nonfirst_fragment;
	p->first_fragment = pi->first_fragment;
	p->frag_id = pi->frag_id;
	p->known = pi->known;
	p->dst_port = pi->dst_port;
	p->src_port = pi->src_port;
	p->l3_off = pi->l3_off;
	p->l4_off = pi->l4_off;
	p->l3_len = pi->l3_len;
	if (pi->known != PARSE_KNOWN_ALL && p->l3_len > frame_len - p->l3_off)
		p->l3_len = frame_len - p->l3_off;
	__builtin_memcpy(p->src_ip, pi->src_ip, 16);
	__builtin_memcpy(p->dst_ip, pi->dst_ip, 16);
}

/* The rules themselves: 1 with s->id and s->action. */
static __always_inline int deny_match_rules(struct deny_pkt_scratch *s)
{
	__u32 full = IOTRIM_DENY_KEY_BITS +
		     (s->pkt.family == IOTRIM_FAMILY_IPV4 ? 32 : 128);

	s->action = 0;
	__builtin_memset(&s->key, 0, sizeof(s->key));
	s->key.family = s->pkt.family;
	__builtin_memcpy(s->key.addr, s->pkt.dst_ip, 16);
	__builtin_memcpy(s->key.device_mac, s->pkt.src_mac, ETH_ALEN);
	if ((s->lookups & DENY_LOOKUP_DEVICE) && deny_lookup_key(s, full))
		return 1;
	__builtin_memset(s->key.device_mac, 0, ETH_ALEN);
	return (s->lookups & DENY_LOOKUP_ALL) && deny_lookup_key(s, full);
}

static __always_inline void deny_frag_key_of(struct deny_pkt_scratch *s)
{
	__builtin_memset(&s->frag, 0, sizeof(s->frag));
	s->frag.family = s->pkt.family;
	s->frag.id = s->pkt.frag_id;
	__builtin_memcpy(s->frag.src_ip, s->pkt.src_ip, 16);
	__builtin_memcpy(s->frag.dst_ip, s->pkt.dst_ip, 16);
}

/*
 * Does a rule block the packet in s->pkt?  1 with s->id and s->action.  A
 * first fragment it blocks takes the rest of its datagram with it: those
 * fragments are dropped (never answered) and counted to the same rule.
 */
static __always_inline int deny_match(struct deny_pkt_scratch *s)
{
	__u32 *id;

	if (deny_match_rules(s)) {
		if (s->pkt.first_fragment) {
			deny_frag_key_of(s);
			bpf_map_update_elem(&deny_frags, &s->frag, &s->id, BPF_ANY);
		}
		return 1;
	}
	if (!s->pkt.nonfirst_fragment)
		return 0;
	deny_frag_key_of(s);
	id = bpf_map_lookup_elem(&deny_frags, &s->frag);
	if (!id)
		return 0;
	s->id = *id;
	s->action = IOTRIM_DENY_DROP;
	return 1;
}

/* Neighbour discovery keeps the LAN working whatever the rules say. */
static __always_inline bool deny_exempt(void *data, void *data_end,
					const struct deny_pkt *p)
{
	__u32 off = p->l4_off;
	__u8 *type;

	if (p->known != PARSE_KNOWN_ALL || p->proto != IPPROTO_ICMPV6 ||
	    p->nonfirst_fragment || off > 512)
		return false;
	type = data + off;
	if ((void *)(type + 1) > data_end)
		return false;
	return *type >= ICMPV6_ND_FIRST && *type <= ICMPV6_ND_LAST;
}

#endif /* IOTRIM_DENY_H */
