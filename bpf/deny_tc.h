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

#define IPV4_FLAG_MF 0x2000

/*
 * Fills p from the skb's headers, using h (at least 40 bytes) as a buffer.
 * *more_frags is set for a first fragment with more to come, *l4_hdr_len
 * to 8 for UDP, the TCP header length, else 0.  Returns what is known of
 * the packet (PARSE_KNOWN_*, also in p->known): PARSE_KNOWN_ALL if it
 * parsed, less if its headers are cut or malformed after the addresses,
 * PARSE_KNOWN_NONE if it is not IP.
 */
static __always_inline int deny_parse_skb(struct __sk_buff *skb, __u8 *h,
					  struct deny_pkt *p, bool *more_frags,
					  __u32 *l4_hdr_len)
{
	__u32 off = ETH_HLEN, l4_off, hdr_len;
	__u16 proto;
	__u8 nexthdr;

	*more_frags = false;
	*l4_hdr_len = 0;
	p->known = PARSE_KNOWN_NONE;
	if (bpf_skb_load_bytes(skb, 0, h, ETH_HLEN))
		return PARSE_KNOWN_NONE;
	__builtin_memcpy(p->dst_mac, h, ETH_ALEN);
	__builtin_memcpy(p->src_mac, h + ETH_ALEN, ETH_ALEN);
	proto = (h[12] << 8) | h[13];
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if (bpf_skb_load_bytes(skb, off + 2, h, 2))
			return PARSE_KNOWN_NONE;
		proto = (h[0] << 8) | h[1];
		off += VLAN_HLEN;
	}
	p->l3_off = off;
	p->nonfirst_fragment = 0;
	p->src_port = 0;
	p->dst_port = 0;
	p->proto = 0;
	p->l4_off = 0;
	if (proto == ETH_P_IP) {
		__u16 frag;

		if (bpf_skb_load_bytes(skb, off, h, 20) || (h[0] >> 4) != 4 || (h[0] & 15) < 5)
			return PARSE_KNOWN_NONE;
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
			return PARSE_KNOWN_NONE;
		p->family = IOTRIM_FAMILY_IPV6;
		p->l3_len = 40 + ((h[4] << 8) | h[5]);
		nexthdr = h[6];
		__builtin_memcpy(p->src_ip, h + 8, 16);
		__builtin_memcpy(p->dst_ip, h + 24, 16);
		p->known = PARSE_KNOWN_ADDRS;
		l4_off = off + 40;
#pragma unroll
		for (int i = 0; i < MAX_IPV6_EXT_HDRS + 1; i++) {
			if (nexthdr != IPPROTO_HOPOPTS && nexthdr != IPPROTO_ROUTING &&
			    nexthdr != IPPROTO_DSTOPTS && nexthdr != IPPROTO_FRAGMENT &&
			    nexthdr != IPPROTO_AH)
				break;
			/* Too many, or cut: the protocol stays unknown. */
			if (i == MAX_IPV6_EXT_HDRS || bpf_skb_load_bytes(skb, l4_off, h, 8))
				return PARSE_KNOWN_ADDRS;
			if (nexthdr == IPPROTO_FRAGMENT) {
				p->nonfirst_fragment =
					(((h[2] << 8) | h[3]) & IP6_FRAG_OFFSET_MASK) != 0;
				*more_frags = h[3] & 1;
				l4_off += 8;
			} else if (nexthdr == IPPROTO_AH) {
				l4_off += (h[1] + 2) * 4;
			} else {
				l4_off += (h[1] + 1) * 8;
			}
			nexthdr = h[0];
			if (p->nonfirst_fragment)
				break;
		}
	} else {
		return PARSE_KNOWN_NONE;
	}
	p->proto = nexthdr;
	p->known = PARSE_KNOWN_PROTO;
	if (l4_off > 1024)
		return PARSE_KNOWN_PROTO;
	p->l4_off = l4_off;
	if (p->nonfirst_fragment || (nexthdr != IPPROTO_UDP && nexthdr != IPPROTO_TCP)) {
		p->known = PARSE_KNOWN_ALL;
		return PARSE_KNOWN_ALL;
	}
	/*
	 * The L4 header must lie within the IP packet, not in Ethernet padding
	 * or a later fragment: a tiny first fragment does not show its ports.
	 * (The IP length of a GRO skb covers the aggregate.)
	 */
	if (bpf_skb_load_bytes(skb, l4_off, h, nexthdr == IPPROTO_UDP ? 8 : 20))
		return PARSE_KNOWN_PROTO;
	hdr_len = nexthdr == IPPROTO_UDP ? 8 : (h[12] >> 4) * 4;
	if (hdr_len < (nexthdr == IPPROTO_UDP ? 8 : 20) ||
	    (skb->gso_segs <= 1 && l4_off + hdr_len > p->l3_off + p->l3_len))
		return PARSE_KNOWN_PROTO;
	p->src_port = (h[0] << 8) | h[1];
	p->dst_port = (h[2] << 8) | h[3];
	*l4_hdr_len = hdr_len;
	p->known = PARSE_KNOWN_ALL;
	return PARSE_KNOWN_ALL;
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
	/* A packet that does not parse is checked on what did (no fail-open). */
	if (deny_parse_skb(skb, h, &s->pkt, &more, &l4_hdr_len) == PARSE_KNOWN_NONE)
		return TC_ACT_OK;
	s->lookups = deny_filter_lookups(s->pkt.src_mac);
	if (!s->lookups || !deny_match(s))
		return TC_ACT_OK;
	if (s->pkt.known == PARSE_KNOWN_ALL && s->pkt.proto == IPPROTO_ICMPV6 &&
	    !s->pkt.nonfirst_fragment &&
	    !bpf_skb_load_bytes(skb, s->pkt.l4_off, h, 1) &&
	    h[0] >= ICMPV6_ND_FIRST && h[0] <= ICMPV6_ND_LAST)
		return TC_ACT_OK;
	if (s->pkt.l3_len > skb->len - s->pkt.l3_off)
		s->pkt.l3_len = skb->len - s->pkt.l3_off;
	deny_hit(s->id, s->pkt.l3_len);
	return TC_ACT_SHOT;
}

#endif /* IOTRIM_DENY_TC_H */
