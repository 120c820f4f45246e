/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small frame builder for tests: Ethernet, VLAN tags, IPv4 (options,
 * fragment fields), IPv6 with extension headers, TCP, UDP, ICMP, ICMPv6,
 * any other IP protocol and payload.  Layers are appended outside in; each
 * fills in the "next protocol" field of the layer before it, and
 * pkt_finish() writes the lengths and the IPv4 header checksum:
 *
 *	struct pkt p;
 *
 *	pkt_init(&p);
 *	pkt_eth(&p, dst_mac, src_mac);
 *	pkt_vlan(&p, ETH_P_8021Q, 10);
 *	pkt_ipv6(&p, src_ip, dst_ip);
 *	pkt_ipv6_ext(&p, IPPROTO_HOPOPTS, 8);
 *	pkt_udp(&p, 5353, 53);
 *	pkt_payload(&p, NULL, 100);
 *	len = pkt_finish(&p);		// frame in p.data
 *
 * To build a malformed frame, finish a good one and then edit bytes at
 * p.l3_off / p.l4_off, or cut the IP length with pkt_set_ip_length().
 * pkt_pad() adds Ethernet padding after pkt_finish().  TCP, UDP and ICMP
 * checksums are left zero: nothing on the BPF parse path reads them.  All
 * multi-byte arguments are in host byte order.
 */
#ifndef IOTRIM_SELFTEST_PACKET_H
#define IOTRIM_SELFTEST_PACKET_H

#include <stdbool.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/types.h>

/* More than bpf_prog_test_run accepts for one linear frame (under a page). */
#define PKT_MAX_LEN 4096

#define PKT_IPV4_HLEN 20
#define PKT_IPV6_HLEN 40
#define PKT_TCP_HLEN 20
#define PKT_UDP_HLEN 8
#define PKT_ICMP_HLEN 8
#define PKT_VLAN_HLEN 4

/* IPv4 frag_off flags, to OR with the offset in 8-byte units. */
#define PKT_IP_DF 0x4000
#define PKT_IP_MF 0x2000

#define PKT_TCP_ACK 0x10
#define PKT_TCP_PSH 0x08

struct pkt {
	__u8 data[PKT_MAX_LEN];
	__u32 len;
	__u32 l3_off;		/* IP header; 0 before pkt_ipv4/pkt_ipv6 */
	__u32 l4_off;		/* L4 header; 0 before an L4 call */
	__u32 l4_hlen;		/* its length; 0 for pkt_proto */
	__u8 family;		/* 4, 6, or 0 before an IP layer */
	__u8 l4_proto;		/* set by the L4 calls, 0 before */
	bool error;		/* a layer did not fit or was misused */
	__u32 ethertype_off;	/* where the next EtherType goes */
	__u32 next_proto_off;	/* where the next IP protocol number goes */
};

struct pkt_ipv4 {
	const __u8 *saddr;	/* 4 bytes */
	const __u8 *daddr;	/* 4 bytes */
	__u32 options_len;	/* bytes of NOP options: multiple of 4, <= 40 */
	__u16 frag_off;		/* PKT_IP_MF | PKT_IP_DF | offset / 8 */
};

static inline void pkt_put16(__u8 *at, __u16 value)
{
	at[0] = value >> 8;
	at[1] = value & 0xff;
}

static inline __u16 pkt_get16(const __u8 *at)
{
	return (at[0] << 8) | at[1];
}

/* Reserves n zeroed bytes at the end; NULL (and sets p->error) if full. */
static inline __u8 *pkt_append(struct pkt *p, __u32 n)
{
	__u8 *at;

	if (p->error || n > PKT_MAX_LEN - p->len) {
		p->error = true;
		return NULL;
	}
	at = p->data + p->len;
	memset(at, 0, n);
	p->len += n;
	return at;
}

static inline void pkt_init(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
}

/* The EtherType is written by the next layer (VLAN, IP or pkt_ethertype). */
static inline void pkt_eth(struct pkt *p, const __u8 *dst, const __u8 *src)
{
	__u8 *eth = pkt_append(p, ETH_HLEN);

	if (!eth)
		return;
	memcpy(eth, dst, ETH_ALEN);
	memcpy(eth + ETH_ALEN, src, ETH_ALEN);
	p->ethertype_off = 2 * ETH_ALEN;
}

/* Sets the EtherType of what follows, for non-IP payloads such as ARP. */
static inline void pkt_ethertype(struct pkt *p, __u16 ethertype)
{
	if (!p->error)
		pkt_put16(p->data + p->ethertype_off, ethertype);
}

/* tpid is ETH_P_8021Q or ETH_P_8021AD (or anything, to test the parser). */
static inline void pkt_vlan(struct pkt *p, __u16 tpid, __u16 vid)
{
	__u8 *tag = pkt_append(p, PKT_VLAN_HLEN);

	if (!tag)
		return;
	pkt_put16(p->data + p->ethertype_off, tpid);
	pkt_put16(tag, vid & 0x0fff);
	p->ethertype_off = tag + 2 - p->data;
}

static inline void pkt_ipv4(struct pkt *p, const struct pkt_ipv4 *ip)
{
	__u32 hlen = PKT_IPV4_HLEN + ip->options_len;
	__u8 *iph;

	if (ip->options_len % 4 || ip->options_len > 40) {
		p->error = true;
		return;
	}
	iph = pkt_append(p, hlen);
	if (!iph)
		return;
	pkt_put16(p->data + p->ethertype_off, ETH_P_IP);
	iph[0] = 0x40 | hlen / 4;
	pkt_put16(iph + 4, 0x1234);		/* identification */
	pkt_put16(iph + 6, ip->frag_off);
	iph[8] = 64;				/* TTL */
	memcpy(iph + 12, ip->saddr, 4);
	memcpy(iph + 16, ip->daddr, 4);
	memset(iph + PKT_IPV4_HLEN, 1, ip->options_len);	/* NOPs */
	p->l3_off = iph - p->data;
	p->family = 4;
	p->next_proto_off = p->l3_off + 9;
}

static inline void pkt_ipv6(struct pkt *p, const __u8 *saddr, const __u8 *daddr)
{
	__u8 *ip6h = pkt_append(p, PKT_IPV6_HLEN);

	if (!ip6h)
		return;
	pkt_put16(p->data + p->ethertype_off, ETH_P_IPV6);
	ip6h[0] = 0x60;
	ip6h[7] = 64;				/* hop limit */
	memcpy(ip6h + 8, saddr, 16);
	memcpy(ip6h + 24, daddr, 16);
	p->l3_off = ip6h - p->data;
	p->family = 6;
	p->next_proto_off = p->l3_off + 6;
}

/*
 * Writes proto into the next-protocol field of the header before; the new
 * header's own field is at next_proto_off (0: it has none).  Headers that
 * need an IP layer before them fail without one.
 */
static inline void pkt_chain(struct pkt *p, __u8 proto, __u32 next_proto_off)
{
	if (!p->next_proto_off) {
		p->error = true;
		return;
	}
	p->data[p->next_proto_off] = proto;
	p->next_proto_off = next_proto_off;
}

/* Fills n bytes (even, as left in an 8-byte multiple) with PadN options. */
static inline void pkt_fill_padn(__u8 *at, __u32 n)
{
	while (n) {
		__u32 chunk = n - 2 < 254 ? n - 2 : 254;

		at[0] = 1;			/* PadN */
		at[1] = chunk;
		at += 2 + chunk;
		n -= 2 + chunk;
	}
}

/*
 * IPv6 fragment header: offset in 8-byte units, more = the M flag.  A
 * non-zero offset makes the rest of the packet fragment payload.
 */
static inline void pkt_ipv6_frag(struct pkt *p, __u16 offset, bool more)
{
	__u8 *frag = pkt_append(p, 8);

	if (!frag)
		return;
	pkt_chain(p, IPPROTO_FRAGMENT, frag - p->data);
	pkt_put16(frag + 2, offset << 3 | more);
	frag[7] = 0x42;				/* identification */
}

/*
 * IPv6 extension header of type IPPROTO_HOPOPTS, IPPROTO_DSTOPTS,
 * IPPROTO_ROUTING or IPPROTO_AH, len bytes in all (a multiple of 8; for AH
 * a multiple of 4 and at least 12).  Options are PadN, the routing header
 * has no segments left, AH carries a zero ICV.  IPPROTO_FRAGMENT (len 8)
 * adds a first fragment with more to come.
 */
static inline void pkt_ipv6_ext(struct pkt *p, __u8 type, __u32 len)
{
	bool ah = type == IPPROTO_AH;
	__u8 *ext;

	if (type == IPPROTO_FRAGMENT && len == 8) {
		pkt_ipv6_frag(p, 0, true);
		return;
	}
	if (len < 8 || len % (ah ? 4 : 8) || (ah && len < 12) || len > 2048 ||
	    (type != IPPROTO_HOPOPTS && type != IPPROTO_DSTOPTS &&
	     type != IPPROTO_ROUTING && !ah)) {
		p->error = true;
		return;
	}
	ext = pkt_append(p, len);
	if (!ext)
		return;
	pkt_chain(p, type, ext - p->data);
	if (ah) {
		ext[1] = len / 4 - 2;
		ext[7] = 1;			/* SPI */
		ext[11] = 1;			/* sequence number */
	} else {
		ext[1] = len / 8 - 1;
		if (type == IPPROTO_ROUTING) {
			ext[2] = 4;		/* segment routing */
		} else {
			pkt_fill_padn(ext + 2, len - 2);
		}
	}
}

/* Any IP protocol without a header of its own here (GRE, SCTP, ...). */
static inline void pkt_proto(struct pkt *p, __u8 proto)
{
	if (p->error)
		return;
	pkt_chain(p, proto, 0);
	p->l4_proto = proto;
	p->l4_off = p->len;
}

static inline __u8 *pkt_l4(struct pkt *p, __u8 proto, __u32 hlen)
{
	__u8 *l4 = pkt_append(p, hlen);

	if (!l4)
		return NULL;
	pkt_chain(p, proto, 0);
	p->l4_proto = proto;
	p->l4_off = l4 - p->data;
	p->l4_hlen = hlen;
	return l4;
}

/* TCP with options_len bytes of NOP options (multiple of 4, <= 40). */
static inline void pkt_tcp(struct pkt *p, __u16 sport, __u16 dport,
			   __u32 options_len)
{
	__u32 hlen = PKT_TCP_HLEN + options_len;
	__u8 *th;

	if (options_len % 4 || options_len > 40) {
		p->error = true;
		return;
	}
	th = pkt_l4(p, IPPROTO_TCP, hlen);
	if (!th)
		return;
	pkt_put16(th, sport);
	pkt_put16(th + 2, dport);
	th[7] = 1;				/* sequence number */
	th[12] = hlen / 4 << 4;
	th[13] = PKT_TCP_ACK | PKT_TCP_PSH;
	pkt_put16(th + 14, 65535);		/* window */
	memset(th + PKT_TCP_HLEN, 1, options_len);
}

static inline void pkt_udp(struct pkt *p, __u16 sport, __u16 dport)
{
	__u8 *uh = pkt_l4(p, IPPROTO_UDP, PKT_UDP_HLEN);

	if (!uh)
		return;
	pkt_put16(uh, sport);
	pkt_put16(uh + 2, dport);
}

/* ICMP or ICMPv6 (by the IP layer) with identifier and sequence 1. */
static inline void pkt_icmp(struct pkt *p, __u8 type, __u8 code)
{
	__u8 *icmp = pkt_l4(p, p->family == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP,
			    PKT_ICMP_HLEN);

	if (!icmp)
		return;
	icmp[0] = type;
	icmp[1] = code;
	icmp[5] = 1;
	icmp[7] = 1;
}

/* Appends len bytes of data, or of a counting pattern if data is NULL. */
static inline void pkt_payload(struct pkt *p, const void *data, __u32 len)
{
	__u8 *at = pkt_append(p, len);

	if (!at)
		return;
	if (data) {
		memcpy(at, data, len);
		return;
	}
	for (__u32 i = 0; i < len; i++)
		at[i] = i;
}

static inline __u16 pkt_ipv4_checksum(const __u8 *iph, __u32 hlen)
{
	__u32 sum = 0;

	for (__u32 i = 0; i < hlen; i += 2)
		sum += pkt_get16(iph + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* IP header, options and extension headers, and the L4 header. */
static inline __u32 pkt_headers_len(const struct pkt *p)
{
	return p->l4_off - p->l3_off + p->l4_hlen;
}

/*
 * Sets the IP length field to l3_len bytes from the IP header on (IPv6:
 * at least 40), fixing the IPv4 checksum, without changing the frame: a
 * shorter length makes the rest Ethernet padding.
 */
static inline void pkt_set_ip_length(struct pkt *p, __u32 l3_len)
{
	__u8 *iph = p->data + p->l3_off;

	if (p->family == 6) {
		pkt_put16(iph + 4, l3_len - PKT_IPV6_HLEN);
		return;
	}
	pkt_put16(iph + 2, l3_len);
	pkt_put16(iph + 10, 0);
	pkt_put16(iph + 10, pkt_ipv4_checksum(iph, (iph[0] & 0x0f) * 4));
}

/*
 * Writes the IP length (everything after the IP header start), the UDP
 * length and the IPv4 checksum.  Returns the frame length, 0 after an error.
 */
static inline __u32 pkt_finish(struct pkt *p)
{
	__u32 l3_len = p->len - p->l3_off;

	if (p->error)
		return 0;
	if (p->family)
		pkt_set_ip_length(p, l3_len);
	if (p->l4_proto == IPPROTO_UDP)
		pkt_put16(p->data + p->l4_off + 4, p->len - p->l4_off);
	return p->len;
}

/*
 * Pads a finished frame with zeros to min_len (60 for the Ethernet minimum
 * without FCS) without changing the IP length.  Returns the frame length.
 */
static inline __u32 pkt_pad(struct pkt *p, __u32 min_len)
{
	if (p->len < min_len)
		pkt_append(p, min_len - p->len);
	return p->error ? 0 : p->len;
}

#endif /* IOTRIM_SELFTEST_PACKET_H */
