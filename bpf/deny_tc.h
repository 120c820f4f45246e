/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Block rules in TC programs: a small packet parser reading through
 * bpf_skb_load_bytes (cheap to verify, and blind to how the skb is laid
 * out), and the upload check for --mode tc, where TC ingress stands in for
 * XDP.  There both actions drop: a reply cannot be built in place in a TC
 * program for every checksum state an skb can be in (README "Blocking").
 */
#ifndef IOTRIM_DENY_TC_H
#define IOTRIM_DENY_TC_H

#include "deny.h"

#ifndef TC_ACT_OK
#define TC_ACT_OK 0
#endif
#define TC_ACT_SHOT 2

#define DENY_MAX_EXT_HDRS 4	/* IPv6 extension headers walked before giving up */
#define IPV4_FLAG_MF 0x2000

/*
 * Fills p from the skb's headers, using h (at least 40 bytes) as a buffer.
 * *more_frags is set for a first fragment with more to come, *l4_hdr_len
 * to 8 for UDP, the TCP header length, else 0.  Returns 0, or -1 if the
 * packet is not IP or its headers are cut or malformed.
 */
static __always_inline int deny_parse_skb(struct __sk_buff *skb, __u8 *h,
					  struct deny_pkt *p, bool *more_frags,
					  __u32 *l4_hdr_len)
{
	__u32 off = ETH_HLEN, l4_off;
	__u16 proto;
	__u8 nexthdr;

	*more_frags = false;
	*l4_hdr_len = 0;
	if (bpf_skb_load_bytes(skb, 0, h, ETH_HLEN))
		return -1;
	__builtin_memcpy(p->dst_mac, h, ETH_ALEN);
	__builtin_memcpy(p->src_mac, h + ETH_ALEN, ETH_ALEN);
	proto = (h[12] << 8) | h[13];
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if (bpf_skb_load_bytes(skb, off + 2, h, 2))
			return -1;
		proto = (h[0] << 8) | h[1];
		off += VLAN_HLEN;
	}
	p->l3_off = off;
	p->nonfirst_fragment = 0;
	p->src_port = 0;
	p->dst_port = 0;
	if (proto == ETH_P_IP) {
		__u16 frag;

		if (bpf_skb_load_bytes(skb, off, h, 20) || (h[0] >> 4) != 4 || (h[0] & 15) < 5)
			return -1;
		frag = (h[6] << 8) | h[7];
		p->nonfirst_fragment = (frag & IP_OFFSET_MASK) != 0;
		*more_frags = frag & IPV4_FLAG_MF;
		p->family = IOTRIM_FAMILY_IPV4;
		p->l3_len = (h[2] << 8) | h[3];
		nexthdr = h[9];
		__builtin_memset(p->src_ip, 0, 16);
		__builtin_memset(p->dst_ip, 0, 16);
		__builtin_memcpy(p->src_ip, h + 12, 4);
		__builtin_memcpy(p->dst_ip, h + 16, 4);
		l4_off = off + (h[0] & 15) * 4;
	} else if (proto == ETH_P_IPV6) {
		if (bpf_skb_load_bytes(skb, off, h, 40) || (h[0] >> 4) != 6)
			return -1;
		p->family = IOTRIM_FAMILY_IPV6;
		p->l3_len = 40 + ((h[4] << 8) | h[5]);
		nexthdr = h[6];
		__builtin_memcpy(p->src_ip, h + 8, 16);
		__builtin_memcpy(p->dst_ip, h + 24, 16);
		l4_off = off + 40;
#pragma unroll
		for (int i = 0; i < DENY_MAX_EXT_HDRS; i++) {
			if (nexthdr != IPPROTO_HOPOPTS && nexthdr != IPPROTO_ROUTING &&
			    nexthdr != IPPROTO_DSTOPTS && nexthdr != IPPROTO_FRAGMENT)
				break;
			if (bpf_skb_load_bytes(skb, l4_off, h, 8))
				return -1;
			if (nexthdr == IPPROTO_FRAGMENT) {
				p->nonfirst_fragment =
					(((h[2] << 8) | h[3]) & IP6_FRAG_OFFSET_MASK) != 0;
				*more_frags = h[3] & 1;
				l4_off += 8;
			} else {
				l4_off += (h[1] + 1) * 8;
			}
			nexthdr = h[0];
			if (p->nonfirst_fragment)
				break;
		}
	} else {
		return -1;
	}
	if (l4_off > 1024)
		return -1;
	p->l4_off = l4_off;
	p->proto = nexthdr;
	if (p->nonfirst_fragment || (nexthdr != IPPROTO_UDP && nexthdr != IPPROTO_TCP))
		return 0;
	if (bpf_skb_load_bytes(skb, l4_off, h, nexthdr == IPPROTO_UDP ? 8 : 20))
		return -1;
	p->src_port = (h[0] << 8) | h[1];
	p->dst_port = (h[2] << 8) | h[3];
	*l4_hdr_len = nexthdr == IPPROTO_UDP ? 8 : (h[12] >> 4) * 4;
	return 0;
}

/*
 * --mode tc upload (TC ingress): TC_ACT_SHOT if a rule blocks the packet.
 * A global function: verified once, on its own.
 */
__attribute__((noinline)) int iotrim_deny_tc(struct __sk_buff *skb)
{
	struct deny_pkt_scratch *s;
	__u32 zero = 0, l4_hdr_len;
	__u8 h[40];
	bool more;

	s = bpf_map_lookup_elem(&deny_pkt_scratch, &zero);
	if (!skb || !s)
		return TC_ACT_OK;
	if (deny_parse_skb(skb, h, &s->pkt, &more, &l4_hdr_len))
		return TC_ACT_OK;
	s->lookups = deny_filter_lookups(s->pkt.src_mac);
	if (!s->lookups || !deny_match(s))
		return TC_ACT_OK;
	if (s->pkt.proto == IPPROTO_ICMPV6 && !s->pkt.nonfirst_fragment &&
	    !bpf_skb_load_bytes(skb, s->pkt.l4_off, h, 1) &&
	    h[0] >= ICMPV6_ND_FIRST && h[0] <= ICMPV6_ND_LAST)
		return TC_ACT_OK;
	deny_hit(s->id, s->pkt.l3_len);
	return TC_ACT_SHOT;
}

#endif /* IOTRIM_DENY_TC_H */
