/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The "reject" action in XDP: the frame a device sent is turned, in place,
 * into the answer the device should get, and sent back out of the LAN
 * interface it came in on (XDP_TX):
 *   - TCP: a RST from the remote end (RFC 9293 3.10.7.1: seq = the
 *     segment's ACK if it had one, else seq 0 and ACK = SEG.SEQ + SEG.LEN),
 *     so connect() fails at once with ECONNREFUSED;
 *   - anything else: ICMP destination unreachable, "communication
 *     administratively prohibited" (type 3 code 13; ICMPv6 type 1 code 1),
 *     quoting the start of the packet, as if from the remote end.
 * MAC addresses are swapped and VLAN tags kept.  Nothing is sent back for
 * a RST, an ICMP error, a non-first fragment, a packet that did not parse,
 * or a frame to or from a group MAC address: those are dropped.
 */
#ifndef IOTRIM_REJECT_H
#define IOTRIM_REJECT_H

#include "csum.h"
#include "deny.h"

#define REJECT_TTL 64
#define REJECT_QUOTE_MAX 256	/* bytes of the offending packet an ICMP error quotes */
#define REJECT_MAX_L3_OFF (ETH_HLEN + 2 * VLAN_HLEN)

#define ICMP_DEST_UNREACH 3
#define ICMP_PKT_FILTERED 13	/* communication administratively prohibited */
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_ADM_PROHIBITED 1
#define ICMPV6_INFO_FIRST 128	/* ICMPv6 types below are errors */

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

/* ICMPv4 types that are errors themselves (RFC 1122 3.2.2: never answered). */
static __always_inline bool icmp4_is_error(__u8 type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static __always_inline void reject_swap_macs(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
}

/*
 * The IP header of a reply from remote (the packet's destination) to the
 * device; l4_len is the bytes after it.  Written at ip, which must have
 * 20 (IPv4) or 40 (IPv6) bytes.  Returns the pseudo-header sum for the
 * L4 checksum.
 */
static __always_inline __u64 reject_ip_header(void *ip, bool v4, __u8 proto,
					      __u32 l4_len,
					      const struct deny_pkt *pi)
{
	if (v4) {
		struct iphdr *iph = ip;

		*(__u16 *)iph = bpf_htons(0x4500);	/* version 4, IHL 5, TOS 0 */
		iph->tot_len = bpf_htons(sizeof(*iph) + l4_len);
		iph->id = 0;
		iph->frag_off = bpf_htons(0x4000);	/* DF */
		iph->ttl = REJECT_TTL;
		iph->protocol = proto;
		iph->check = 0;
		__builtin_memcpy(&iph->saddr, pi->dst_ip, 4);
		__builtin_memcpy(&iph->daddr, pi->src_ip, 4);
		iph->check = csum_fold64(csum_words(iph, sizeof(*iph)));
		return csum_words(pi->src_ip, 4) + csum_words(pi->dst_ip, 4) +
		       bpf_htons(proto) + bpf_htons(l4_len);
	} else {
		struct ipv6hdr *ip6h = ip;

		*(__u32 *)ip6h = bpf_htonl(0x60000000);	/* version 6, no class or label */
		ip6h->payload_len = bpf_htons(l4_len);
		ip6h->nexthdr = proto;
		ip6h->hop_limit = REJECT_TTL;
		__builtin_memcpy(&ip6h->saddr, pi->dst_ip, 16);
		__builtin_memcpy(&ip6h->daddr, pi->src_ip, 16);
		return csum_words(pi->src_ip, 16) + csum_words(pi->dst_ip, 16) +
		       bpf_htons(proto) + bpf_htons(l4_len);
	}
}

/*
 * The RST answering a TCP segment (RFC 9293 3.10.7.1), after its ports: one
 * with ACK is answered at its acknowledgement number, one without acknowledges
 * seg_len (its payload, SYN and FIN).  sum is the pseudo-header sum from
 * reject_ip_header(); XDP and TC builders share this.
 */
static __always_inline void reject_rst_fill(struct tcphdr *th, __u8 flags, __u32 seq,
					    __u32 ack_seq, __u32 seg_len, __u64 sum)
{
	((__u32 *)th)[3] = 0;			/* doff, flags, window */
	th->doff = sizeof(*th) / 4;
	if (flags & TCP_FLAG_ACK) {
		th->seq = ack_seq;
		th->ack_seq = 0;
		((__u8 *)th)[13] = TCP_FLAG_RST;
	} else {
		th->seq = 0;
		th->ack_seq = bpf_htonl(bpf_ntohl(seq) + seg_len);
		((__u8 *)th)[13] = TCP_FLAG_RST | TCP_FLAG_ACK;
	}
	th->check = 0;
	th->urg_ptr = 0;
	th->check = csum_fold64(sum + csum_words(th, sizeof(*th)));
}
/* Returns the frame length the reply needs, or 0 to drop instead. */
static __always_inline __u32 reject_write_rst(void *data, void *data_end,
					      const struct deny_pkt *pi, bool v4)
{
	__u32 l3_off = pi->l3_off, l4_off = pi->l4_off;
	__u32 ip_len = v4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	__u32 seq, ack_seq, seg_len;
	struct tcphdr *th;
	__u16 sport, dport;
	__u8 flags, doff;
	void *ip;
	__u64 sum;

	if (l3_off > REJECT_MAX_L3_OFF || l4_off > 512)
		return 0;
	th = data + l4_off;
	if ((void *)(th + 1) > data_end)
		return 0;
	flags = ((__u8 *)th)[13];
	if (flags & TCP_FLAG_RST)
		return 0;
	doff = th->doff * 4;
	seg_len = pi->l3_len - (l4_off - l3_off) - doff;
	if (flags & TCP_FLAG_SYN)
		seg_len++;
	if (flags & TCP_FLAG_FIN)
		seg_len++;
	sport = th->source;
	dport = th->dest;
	seq = th->seq;
	ack_seq = th->ack_seq;

	ip = data + l3_off;
	if (ip + ip_len + sizeof(*th) > data_end || data + ETH_HLEN > data_end)
		return 0;
	reject_swap_macs(data);
	sum = reject_ip_header(ip, v4, IPPROTO_TCP, sizeof(*th), pi);

	th = ip + ip_len;
	th->source = dport;
	th->dest = sport;
	reject_rst_fill(th, flags, seq, ack_seq, seg_len, sum);
	return l3_off + ip_len + sizeof(*th);
}

static __always_inline int reject_tcp_xdp(struct xdp_md *ctx,
					  const struct deny_pkt *pi, bool v4)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = reject_write_rst(data, data_end, pi, v4);

	if (!len)
		return XDP_DROP;
	if (len < data_end - data &&
	    bpf_xdp_adjust_tail(ctx, (int)len - (int)(data_end - data)))
		return XDP_DROP;
	return XDP_TX;
}

static __always_inline int reject_icmp_xdp(struct xdp_md *ctx,
					   const struct deny_pkt *pi, bool v4)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 ip_len = v4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	__u32 room = ip_len + 8;		/* new IP header + ICMP header */
	__u32 l3_off = pi->l3_off, l4_off = pi->l4_off;
	__u32 quote = pi->l3_len, icmp_len, cur_len;
	struct ethhdr *eth;
	__u8 *icmp;
	__u64 sum;

	if (l3_off > REJECT_MAX_L3_OFF || l3_off < ETH_HLEN || l4_off > 512)
		return XDP_DROP;
	if (pi->proto == (v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
		__u8 *type = data + l4_off;

		if ((void *)(type + 1) > data_end)
			return XDP_DROP;
		if (v4 ? icmp4_is_error(*type) : *type < ICMPV6_INFO_FIRST)
			return XDP_DROP;
	}
	if (quote > REJECT_QUOTE_MAX)
		quote = REJECT_QUOTE_MAX;
	icmp_len = 8 + quote;

	/* The Ethernet header and tags move to the front of the new room. */
	if (bpf_xdp_adjust_head(ctx, -(int)room))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)eth + room + REJECT_MAX_L3_OFF > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth, (void *)eth + room, REJECT_MAX_L3_OFF);	/* room >= 28: no overlap */
	reject_swap_macs(eth);

	icmp = data + l3_off;
	if ((void *)icmp + 48 > data_end)
		return XDP_DROP;
	sum = reject_ip_header(icmp, v4, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6,
			       icmp_len, pi);
	if (v4)
		sum = 0;		/* ICMPv4 has no pseudo header */
	icmp += ip_len;
	icmp[0] = v4 ? ICMP_DEST_UNREACH : ICMPV6_DEST_UNREACH;
	icmp[1] = v4 ? ICMP_PKT_FILTERED : ICMPV6_ADM_PROHIBITED;
	*(__u16 *)(icmp + 2) = 0;
	*(__u32 *)(icmp + 4) = 0;

	/* The quote ends where the packet's IP length says (no padding). */
	cur_len = data_end - data;
	if (l3_off + room + quote < cur_len &&
	    bpf_xdp_adjust_tail(ctx, (int)(l3_off + room + quote) - (int)cur_len))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (l3_off > REJECT_MAX_L3_OFF)
		return XDP_DROP;
	icmp = data + l3_off + ip_len;

#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < (8 + REJECT_QUOTE_MAX) / 2; i++) {
		__u16 *w = (void *)icmp + i * 2;

		if (i * 2 + 2 > icmp_len || (void *)(w + 1) > data_end)
			break;
		sum += *w;
	}
	if (icmp_len & 1) {
		__u32 last = (icmp_len - 1) & 0x1ff;
		__u8 *b = icmp + last;

		if ((void *)(b + 1) > data_end)
			return XDP_DROP;
		sum += bpf_htons((__u16)*b << 8);
	}
	if ((void *)(icmp + 8) > data_end)
		return XDP_DROP;
	*(__u16 *)(icmp + 2) = csum_fold64(sum);
	return XDP_TX;
}

/* XDP_TX with the reply in place, or XDP_DROP when there is none to give. */
static __always_inline int reject_xdp(struct xdp_md *ctx, const struct deny_pkt *pi)
{
	bool v4 = pi->family == IOTRIM_FAMILY_IPV4;

	if ((pi->dst_mac[0] & 1) || (pi->src_mac[0] & 1) || pi->nonfirst_fragment ||
	    pi->known != PARSE_KNOWN_ALL)
		return XDP_DROP;
	if (pi->proto == IPPROTO_TCP)
		return reject_tcp_xdp(ctx, pi, v4);
	return reject_icmp_xdp(ctx, pi, v4);
}

/*
 * Does a rule block the packet in deny_pkt_scratch?  Counts the hit and
 * returns the rule's action, 0 if none.  A global function, like the one
 * below: each is verified once, on its own, and has its own stack frame.
 */
__attribute__((noinline)) int iotrim_deny_match(struct xdp_md *ctx)
{
	struct deny_pkt_scratch *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&deny_pkt_scratch, &zero);
	if (!ctx || !s)
		return 0;
	if (!deny_match(s) ||
	    deny_exempt((void *)(long)ctx->data, (void *)(long)ctx->data_end, &s->pkt))
		return 0;
	deny_hit(s->id, s->pkt.l3_len);
	return s->action;
}

/* Turns the packet in deny_pkt_scratch into its reply: XDP_TX or XDP_DROP. */
__attribute__((noinline)) int iotrim_reject_xdp(struct xdp_md *ctx)
{
	struct deny_pkt_scratch *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&deny_pkt_scratch, &zero);
	if (!ctx || !s)
		return XDP_DROP;
	return reject_xdp(ctx, &s->pkt);
}

/*
 * Set at load (datapath/attach.c) where XDP_TX may not reach the device (a
 * veth whose peer runs no XDP program): packets to reject are passed up
 * instead, to iotrim_tc_reject on TC ingress, which answers them.
 */
const volatile bool reject_in_tc = false;

/*
 * Called last in the XDP program, with the packet as parsed, also when
 * parsing failed (pi->known says what is known): XDP_PASS, XDP_DROP, or
 * XDP_TX with the reply in place.
 */
static __always_inline int deny_xdp(struct xdp_md *ctx, const struct packet_info *pi)
{
	struct deny_pkt_scratch *s;
	__u32 zero = 0;
	__u8 lookups;
	int action;

	if (pi->known == PARSE_KNOWN_NONE)
		return XDP_PASS;	/* not IP: no rule can name it */
	lookups = deny_filter_lookups(pi->src_mac);
	if (!lookups)
		return XDP_PASS;	/* no rule for this device or for all */
	s = bpf_map_lookup_elem(&deny_pkt_scratch, &zero);
	if (!s)
		return XDP_PASS;
	s->lookups = lookups;
	deny_pkt_from(pi, ctx->data_end - ctx->data, &s->pkt);
	action = iotrim_deny_match(ctx);
	if (action == IOTRIM_DENY_REJECT)
		return reject_in_tc ? XDP_PASS : iotrim_reject_xdp(ctx);
	return action ? XDP_DROP : XDP_PASS;
}

#endif /* IOTRIM_REJECT_H */
