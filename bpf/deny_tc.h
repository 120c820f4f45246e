/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Block rules in TC programs: a small packet parser reading through
 * bpf_skb_load_bytes (cheap to verify, and blind to how the skb is laid
 * out), and the upload check for --mode tc, where TC ingress stands in for
 * XDP.  There "reject" builds the whole reply frame in a buffer (the same
 * replies as XDP's, reject.h), writes it over the packet and redirects it
 * to the egress of the interface it came in on: on a bridge the bridge
 * then delivers it to the port behind which the device sits.
 */
#ifndef IOTRIM_DENY_TC_H
#define IOTRIM_DENY_TC_H

#include "deny.h"
#include "reject.h"

#ifndef TC_ACT_OK
#define TC_ACT_OK 0
#endif
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7
#define DENY_TC_REJECT (-2)	/* iotrim_deny_tc: answer with iotrim_reject_tc */

#define REJECT_TC_BUF 512	/* a power of two: offsets are masked */
#define REJECT_TC_IN 448	/* where bytes of the packet are read to: past any reply */

/* The reply frame being built: per-CPU, too big for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[REJECT_TC_BUF]);
} reject_tc_scratch SEC(".maps");

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
	p->first_fragment = 0;
	p->frag_id = 0;
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
		*more_frags = frag & IP_MF;
		p->first_fragment = !p->nonfirst_fragment && *more_frags;
		p->frag_id = (h[4] << 8) | h[5];
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
				p->first_fragment = !p->nonfirst_fragment && *more_frags;
				p->frag_id = ((__u32)h[4] << 24) | (h[5] << 16) | (h[6] << 8) | h[7];
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

/* The TCP RST for the segment p, after the L2 header in b.  Returns the frame length, 0: none. */
static __always_inline __u32 reject_tc_rst(struct __sk_buff *skb, const struct deny_pkt *p,
					   __u8 *b, __u32 l3_off, bool v4)
{
	__u32 ip_len = v4 ? 20 : 40, seq, ack_seq, seg_len;
	__u8 *th_in = b + REJECT_TC_IN;		/* the segment's header, past the reply */
	struct tcphdr *th;
	__u8 flags;
	__u64 sum;

	if (bpf_skb_load_bytes(skb, p->l4_off, th_in, 20))
		return 0;
	flags = th_in[13];
	if (flags & TCP_FLAG_RST)
		return 0;
	seg_len = p->l3_len - (p->l4_off - l3_off) - (th_in[12] >> 4) * 4;
	if (flags & TCP_FLAG_SYN)
		seg_len++;
	if (flags & TCP_FLAG_FIN)
		seg_len++;
	__builtin_memcpy(&seq, th_in + 4, 4);
	__builtin_memcpy(&ack_seq, th_in + 8, 4);

	sum = reject_ip_header(b + l3_off, v4, IPPROTO_TCP, sizeof(*th), p);
	th = (void *)(b + l3_off + ip_len);
	__builtin_memcpy(&th->source, th_in + 2, 2);
	__builtin_memcpy(&th->dest, th_in, 2);
	reject_rst_fill(th, flags, seq, ack_seq, seg_len, sum);
	return l3_off + ip_len + sizeof(*th);
}

/* The ICMP error quoting the packet p, after the L2 header in b.  Returns the frame length, 0: none. */
static __always_inline __u32 reject_tc_icmp(struct __sk_buff *skb, const struct deny_pkt *p,
					    __u8 *b, __u32 l3_off, bool v4)
{
	__u32 ip_len = v4 ? 20 : 40, quote = p->l3_len, icmp_len, words;
	__u8 *icmp = b + l3_off + ip_len, *type = b + REJECT_TC_IN;
	__u64 sum;

	if (p->proto == (v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
		if (bpf_skb_load_bytes(skb, p->l4_off, type, 1))
			return 0;
		if (v4 ? icmp4_is_error(*type) : *type < ICMPV6_INFO_FIRST)
			return 0;
	}
	if (quote > REJECT_QUOTE_MAX)
		quote = REJECT_QUOTE_MAX;
	if (quote > skb->len - l3_off)
		quote = skb->len - l3_off;
	if (quote < 20)
		return 0;
	/* A no-op, in an asm so that the verifier sees 1 <= quote <= 256 here. */
	asm volatile("%[q] += -1\n\t%[q] &= 255\n\t%[q] += 1" : [q] "+r"(quote));
	__builtin_memset(icmp + 8 + quote - 1, 0, 4);	/* zeros round the sum up to 4 bytes */
	if (bpf_skb_load_bytes(skb, l3_off, icmp + 8, quote))
		return 0;
	icmp_len = 8 + quote;
	sum = reject_ip_header(b + l3_off, v4, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, icmp_len, p);
	if (v4)
		sum = 0;		/* ICMPv4 has no pseudo header */
	icmp[0] = v4 ? ICMP_DEST_UNREACH : ICMPV6_DEST_UNREACH;
	icmp[1] = v4 ? ICMP_PKT_FILTERED : ICMPV6_ADM_PROHIBITED;
	*(__u16 *)(icmp + 2) = 0;
	*(__u32 *)(icmp + 4) = 0;
	words = (icmp_len + 3) & ~3U;
	asm volatile("%[w] &= 508" : [w] "+r"(words));	/* a no-op the verifier can see */
	if (words < 8 || words > 8 + REJECT_QUOTE_MAX)
		return 0;
	sum += (__u32)bpf_csum_diff(NULL, 0, (__be32 *)icmp, words, 0);
	*(__u16 *)(icmp + 2) = csum_fold64(sum);
	return l3_off + ip_len + icmp_len;
}

/*
 * Writes the reply to the packet in s over the skb and sends it back out
 * of the interface it came in on: TC_ACT_REDIRECT, or TC_ACT_SHOT when
 * there is no reply to give (see reject.h) or it cannot be written.
 */
__attribute__((noinline)) int iotrim_reject_tc(struct __sk_buff *skb)
{
	struct deny_pkt_scratch *s;
	__u32 zero = 0, len, l3_off;
	__u8 *b;
	bool v4;

	s = bpf_map_lookup_elem(&deny_pkt_scratch, &zero);
	b = bpf_map_lookup_elem(&reject_tc_scratch, &zero);
	if (!skb || !s || !b)
		return TC_ACT_SHOT;
	if ((s->pkt.dst_mac[0] & 1) || (s->pkt.src_mac[0] & 1) || s->pkt.nonfirst_fragment ||
	    s->pkt.known != PARSE_KNOWN_ALL)
		return TC_ACT_SHOT;
	l3_off = s->pkt.l3_off;
	if (l3_off > REJECT_MAX_L3_OFF || l3_off < ETH_HLEN || s->pkt.l4_off > 512)
		return TC_ACT_SHOT;
	asm volatile("%[o] &= 31" : [o] "+r"(l3_off));	/* a no-op the verifier can see */
	/* Ethernet header and tags, MACs swapped (the IP header goes over the rest). */
	if (bpf_skb_load_bytes(skb, 0, b, REJECT_MAX_L3_OFF))
		return TC_ACT_SHOT;
	reject_swap_macs((struct ethhdr *)b);
	v4 = s->pkt.family == IOTRIM_FAMILY_IPV4;
	if (s->pkt.proto == IPPROTO_TCP)
		len = reject_tc_rst(skb, &s->pkt, b, l3_off, v4);
	else
		len = reject_tc_icmp(skb, &s->pkt, b, l3_off, v4);
	if (len < ETH_HLEN + 20 || len > REJECT_TC_BUF)
		return TC_ACT_SHOT;
	if (bpf_skb_change_tail(skb, len, 0))
		return TC_ACT_SHOT;
	asm volatile("%[l] += -1\n\t%[l] &= 511\n\t%[l] += 1" : [l] "+r"(len));
	if (bpf_skb_store_bytes(skb, 0, b, len, 0))
		return TC_ACT_SHOT;
	return bpf_redirect(skb->ifindex, 0);
}

/*
 * --mode tc upload (TC ingress): TC_ACT_OK, TC_ACT_SHOT if a rule drops the
 * packet, DENY_TC_REJECT if it rejects it (then call iotrim_reject_tc: not
 * from here, where its stack frame would come on top of this one).
 * count_hits is 0 where XDP counted the packet already (the reject path of
 * native XDP on veth).  A global function: verified once, on its own.
 */
__attribute__((noinline)) int iotrim_deny_tc(struct __sk_buff *skb, int count_hits)
{
	struct deny_pkt_scratch *s;
	__u32 zero = 0, l4_hdr_len;
	bool more;
	__u8 *h;

	/* Headers are read into the reply buffer (not built yet): the stack is short. */
	s = bpf_map_lookup_elem(&deny_pkt_scratch, &zero);
	h = bpf_map_lookup_elem(&reject_tc_scratch, &zero);
	if (!skb || !s || !h)
		return TC_ACT_OK;
	h += REJECT_TC_IN;
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
	if (count_hits)
		deny_hit(s->id, s->pkt.l3_len);
	return s->action == IOTRIM_DENY_REJECT ? DENY_TC_REJECT : TC_ACT_SHOT;
}

#endif /* IOTRIM_DENY_TC_H */
