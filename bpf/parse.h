/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet parser shared by the XDP and TC programs: Ethernet, up to two VLAN
 * tags, IPv4 (options, fragments), IPv6 (extension headers, bounded walk),
 * and the first bytes of TCP, UDP, ICMP and ICMPv6.  It only reads; every
 * malformed or truncated packet ends in an iotrim_counter reason instead of
 * a flow, so a bad packet is counted but never mis-keyed.
 */
#ifndef IOTRIM_PARSE_H
#define IOTRIM_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "iotrim.h"

#define ETH_HLEN 14
#define ETH_ALEN 6
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define VLAN_HLEN 4
#define IP_OFFSET_MASK 0x1fff
#define IP_MF 0x2000
#define IP6_FRAG_OFFSET_MASK 0xfff8

/* IPv6 next-header values (macros in the UAPI headers, so not in vmlinux.h). */
#define IPPROTO_HOPOPTS 0
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_ICMPV6 58
#define IPPROTO_DSTOPTS 60

/* Extension headers walked before giving up (RFC 8200 order has at most 7). */
#define MAX_IPV6_EXT_HDRS 8

#define PARSE_OK (-1)

/*
 * How much of a packet the parser knows (packet_info.known).  A packet
 * that fails to parse still has its addresses checked against the block
 * rules: what is known, not what is missing, decides (no fail-open).
 */
#define PARSE_KNOWN_NONE 0	/* not IP, or cut before the addresses */
#define PARSE_KNOWN_ADDRS 1	/* family and addresses; not the L4 protocol */
#define PARSE_KNOWN_PROTO 2	/* and the L4 protocol; not its ports */
#define PARSE_KNOWN_ALL 3	/* parsed (ports 0 in a non-first fragment) */

struct packet_info {
	__u8 *src_mac;
	__u8 *dst_mac;
	__u8 family;		/* enum iotrim_family */
	__u8 proto;		/* L4 protocol after extension headers */
	__u8 nonfirst_fragment;
	__u8 known;		/* PARSE_KNOWN_*, also when parsing failed */
	__u8 first_fragment;	/* offset 0, more fragments to come */
	/* Set by count_packet from the flow's entry, for the event code (events.h): */
	__u8 cert_follows;	/* some of its connections follow a certificate flight */
	__u8 conn_seen;		/* it remembers this packet's connection this way (seen_port_*) */
	__u32 frag_id;		/* IPv4 identification or IPv6 fragment ident, host order */
	__u16 src_port;		/* host order; 0 when the protocol has none */
	__u16 dst_port;
	__u8 src_ip[16];
	__u8 dst_ip[16];
	__u32 l3_off;		/* offset of the IP header in the frame */
	__u32 l4_off;		/* offset of the L4 header */
	__u32 l4_hdr_len;	/* TCP header incl. options, 8 for UDP, else 0 */
	__u32 l3_len;		/* IP total length from the header */
};

/*
 * Parses [data, data_end).  frame_len is the whole frame as the hook knows it
 * (for TC this can be more than the linear part in data_end), used to catch
 * an IP length that claims more bytes than the frame has.  gso is set for an
 * skb that aggregates several wire packets: its IP length field describes
 * the aggregate (or is 0 for BIG TCP), so it is not checked against the frame.
 * Returns PARSE_OK or the iotrim_counter reason why no flow can be keyed;
 * either way pi->known says which fields are set.
 */
static __always_inline int parse_packet(void *data, void *data_end,
					__u32 frame_len, bool gso,
					struct packet_info *pi)
{
	struct ethhdr *eth = data;
	__u32 off = ETH_HLEN;
	__u16 proto;

	pi->known = PARSE_KNOWN_NONE;
	pi->proto = 0;
	pi->nonfirst_fragment = 0;
	pi->first_fragment = 0;
	pi->frag_id = 0;
	pi->src_port = 0;
	pi->dst_port = 0;
	pi->l4_off = 0;
	pi->l3_len = 0;
	if ((void *)(eth + 1) > data_end)
		return IOTRIM_ERR_TRUNC_L2;
	pi->src_mac = eth->h_source;
	pi->dst_mac = eth->h_dest;
	proto = eth->h_proto;

#pragma unroll
	for (int i = 0; i < 3; i++) {
		struct vlan_hdr *vh;

		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		if (i == 2)
			return IOTRIM_ERR_TOO_MANY_VLANS;
		vh = data + off;
		if ((void *)(vh + 1) > data_end)
			return IOTRIM_ERR_TRUNC_L2;
		proto = vh->h_vlan_encapsulated_proto;
		off += VLAN_HLEN;
	}

	pi->l3_off = off;
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = data + off;
		__u32 ihl_bytes;

		if ((void *)(iph + 1) > data_end)
			return IOTRIM_ERR_TRUNC_L3;
		if (iph->version != 4)
			return IOTRIM_ERR_BAD_IP_VERSION;
		if (iph->ihl < 5)
			return IOTRIM_ERR_BAD_IHL;
		pi->family = IOTRIM_FAMILY_IPV4;
		pi->proto = iph->protocol;
		__builtin_memset(pi->src_ip, 0, sizeof(pi->src_ip));
		__builtin_memset(pi->dst_ip, 0, sizeof(pi->dst_ip));
		__builtin_memcpy(pi->src_ip, &iph->saddr, 4);
		__builtin_memcpy(pi->dst_ip, &iph->daddr, 4);
		pi->nonfirst_fragment =
			(bpf_ntohs(iph->frag_off) & IP_OFFSET_MASK) != 0;
		pi->first_fragment = !pi->nonfirst_fragment && (bpf_ntohs(iph->frag_off) & IP_MF);
		pi->frag_id = bpf_ntohs(iph->id);
		pi->l3_len = bpf_ntohs(iph->tot_len);
		pi->known = PARSE_KNOWN_PROTO;
		ihl_bytes = iph->ihl * 4;
		if (data + off + ihl_bytes > data_end)
			return IOTRIM_ERR_TRUNC_L3;
		if (!gso) {
			if (pi->l3_len < ihl_bytes)
				return IOTRIM_ERR_BAD_IP_LEN;
			if (pi->l3_len > frame_len - off)
				return IOTRIM_ERR_TRUNC_L3;
		}
		off += ihl_bytes;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = data + off;
		__u8 nexthdr;

		if ((void *)(ip6h + 1) > data_end)
			return IOTRIM_ERR_TRUNC_L3;
		if (ip6h->version != 6)
			return IOTRIM_ERR_BAD_IP_VERSION;
		pi->l3_len = sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len);
		pi->family = IOTRIM_FAMILY_IPV6;
		__builtin_memcpy(pi->src_ip, &ip6h->saddr, 16);
		__builtin_memcpy(pi->dst_ip, &ip6h->daddr, 16);
		pi->nonfirst_fragment = 0;
		pi->known = PARSE_KNOWN_ADDRS;
		if (!gso && pi->l3_len > frame_len - off)
			return IOTRIM_ERR_TRUNC_L3;
		nexthdr = ip6h->nexthdr;
		off += sizeof(*ip6h);

#pragma unroll
		for (int i = 0; i < MAX_IPV6_EXT_HDRS + 1; i++) {
			__u8 *opt = data + off;

			if (nexthdr != IPPROTO_HOPOPTS &&
			    nexthdr != IPPROTO_ROUTING &&
			    nexthdr != IPPROTO_DSTOPTS &&
			    nexthdr != IPPROTO_FRAGMENT &&
			    nexthdr != IPPROTO_AH)
				break;
			if (i == MAX_IPV6_EXT_HDRS)
				return IOTRIM_ERR_TOO_MANY_EXT_HDRS;
			if ((void *)(opt + 8) > data_end)
				return IOTRIM_ERR_TRUNC_EXT_HDR;
			if (nexthdr == IPPROTO_FRAGMENT) {
				__u16 frag = (opt[2] << 8) | opt[3];

				nexthdr = opt[0];
				off += 8;
				pi->frag_id = ((__u32)opt[4] << 24) | (opt[5] << 16) |
					      (opt[6] << 8) | opt[7];
				pi->first_fragment = !(frag & IP6_FRAG_OFFSET_MASK) && (frag & 1);
				if (frag & IP6_FRAG_OFFSET_MASK) {
					/* The rest is payload, not headers. */
					pi->nonfirst_fragment = 1;
					break;
				}
			} else if (nexthdr == IPPROTO_AH) {
				nexthdr = opt[0];
				off += (opt[1] + 2) * 4;
			} else {
				nexthdr = opt[0];
				off += (opt[1] + 1) * 8;
			}
		}
		if (off > pi->l3_off + pi->l3_len && !gso)
			return IOTRIM_ERR_TRUNC_EXT_HDR;
		pi->proto = nexthdr;
		pi->known = PARSE_KNOWN_PROTO;
	} else {
		return IOTRIM_NOT_IP;
	}

	pi->l4_off = off;
	pi->l4_hdr_len = 0;
	pi->src_port = 0;
	pi->dst_port = 0;
	if (pi->nonfirst_fragment) {
		pi->known = PARSE_KNOWN_ALL;
		return PARSE_OK;
	}

	if (pi->proto == IPPROTO_TCP) {
		struct tcphdr *th = data + off;
		__u32 doff_bytes;

		if ((void *)(th + 1) > data_end ||
		    (!gso && off + sizeof(*th) > pi->l3_off + pi->l3_len))
			return IOTRIM_ERR_TRUNC_L4;
		doff_bytes = th->doff * 4;
		if (doff_bytes < sizeof(*th) ||
		    (!gso && off + doff_bytes > pi->l3_off + pi->l3_len))
			return IOTRIM_ERR_BAD_TCP_DOFF;
		pi->src_port = bpf_ntohs(th->source);
		pi->dst_port = bpf_ntohs(th->dest);
		pi->l4_hdr_len = doff_bytes;
	} else if (pi->proto == IPPROTO_UDP) {
		struct udphdr *uh = data + off;

		if ((void *)(uh + 1) > data_end)
			return IOTRIM_ERR_TRUNC_L4;
		pi->src_port = bpf_ntohs(uh->source);
		pi->dst_port = bpf_ntohs(uh->dest);
		pi->l4_hdr_len = sizeof(*uh);
	} else if (pi->proto == IPPROTO_ICMP || pi->proto == IPPROTO_ICMPV6) {
		/* type, code, checksum: no ports, but a real ICMP header. */
		if (data + off + 4 > data_end ||
		    (!gso && off + 4 > pi->l3_off + pi->l3_len))
			return IOTRIM_ERR_TRUNC_L4;
	}
	if (!gso && off + pi->l4_hdr_len > pi->l3_off + pi->l3_len)
		return IOTRIM_ERR_TRUNC_L4;
	pi->known = PARSE_KNOWN_ALL;
	return PARSE_OK;
}

#endif /* IOTRIM_PARSE_H */
