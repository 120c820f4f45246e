/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Name rules on the download path (TC egress): a DNS response on its way to
 * a device whose question name, or a parent of it, is blocked for that
 * device (or all) is rewritten in place into NXDOMAIN with no records, so
 * the device never learns the address.  No race with user space: the
 * answer is changed before it leaves the gateway.
 *
 * Only well-formed NOERROR responses to a standard query with exactly one
 * question are touched; the header's ID, the question and the QR, opcode,
 * RD, RA and CD bits are kept; AA, TC, AD and the answer, authority and
 * additional sections go.  The UDP length, the IP length, the IPv4 header
 * checksum and the UDP checksum are fixed with the kernel's incremental
 * checksum helpers, which also do the right thing for an skb whose UDP
 * checksum is still to be filled in by the NIC (CHECKSUM_PARTIAL).  A UDP
 * checksum of 0 over IPv4 (none) stays 0.
 *
 * Where a response cannot be shortened in place it is dropped instead (the
 * device's query times out): DNS over TCP (a stream cannot be shortened),
 * an IP fragment carrying only part of the message, a GSO skb.
 */
#ifndef IOTRIM_DNS_BLOCK_H
#define IOTRIM_DNS_BLOCK_H

#include "csum.h"
#include "deny_tc.h"
#include "iotrim_hash.h"

#ifndef TC_ACT_OK
#define TC_ACT_OK 0
#endif
#define TC_ACT_SHOT 2

#define DNS_PORT 53
/* Layout of deny_scratch.buf: 8 bytes of L4 framing, the DNS header, the question. */
#define DNS_BUF_HDR 8
#define DNS_BUF_NAME (DNS_BUF_HDR + 12)
/* Header, longest name, type and class: all a question can take. */
#define DNS_LOAD_MAX (DNS_BUF_NAME + IOTRIM_DNS_WIRE_MAX + 4)
#define DNS_PULL_LEN 256

#define DNS_FLAG_QR 0x8000
#define DNS_OPCODE_MASK 0x7800
#define DNS_RCODE_MASK 0x000f
#define DNS_RCODE_NXDOMAIN 3
#define DNS_KEEP_FLAGS 0xf990	/* QR, opcode, RD, RA, CD */


#define DNS_IDX(i) ((i) & (DNS_BLOCK_BUF - 1))
#define DNS_LABEL(k) ((k) & (DNS_BLOCK_MAX_LABELS - 1))

static __always_inline struct dns_block_scratch *dns_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&deny_scratch, &zero);
}

/* bpf_loop: one label of the question name, front to back. */
static long dns_walk_cb(__u32 i, void *unused)
{
	struct dns_block_scratch *s = dns_scratch();
	__u32 pos;
	__u8 l;

	if (!s)
		return 1;
	pos = s->pos;
	if (pos >= s->len)
		return 1;		/* cut short: done stays 0 */
	l = s->buf[DNS_IDX(pos)];
	if (l == 0) {
		s->done = 1;
		return 1;
	}
	if (l > IOTRIM_DNS_LABEL_MAX)	/* a compression pointer, or reserved */
		return 1;
	s->starts[DNS_LABEL(i)] = pos;
	s->labels = i + 1;
	pos += l + 1;
	/* The root byte must still fit in a 255-byte name. */
	if (pos > DNS_BUF_NAME + IOTRIM_DNS_WIRE_MAX - 1)
		return 1;
	s->pos = pos;
	return 0;
}

/* bpf_loop: one byte of the name, back to front; at a label start, its suffix's hash. */
static long dns_hash_cb(__u32 i, void *unused)
{
	struct dns_block_scratch *s = dns_scratch();
	__u32 p;
	__s32 k;

	if (!s)
		return 1;
	k = s->k;
	if (i > s->pos - DNS_BUF_NAME || k < 0)
		return 1;
	p = s->pos - i;
	s->h = iotrim_name_hash_step(s->h, s->buf[DNS_IDX(p)]);
	if (p == s->starts[DNS_LABEL(k)]) {
		s->hashes[DNS_LABEL(k)] = s->h;
		s->k = k - 1;
	}
	return 0;
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

/*
 * Parses the question in s->buf (s->len bytes) and sets s->id to the name
 * rule that blocks it for the device, 0 if none (or not a message to touch),
 * and s->qend.
 */
static __always_inline void dns_block_question(struct dns_block_scratch *s)
{
	__u8 *b = s->buf;
	__u16 flags = (b[DNS_BUF_HDR + 2] << 8) | b[DNS_BUF_HDR + 3];
	__u16 qdcount = (b[DNS_BUF_HDR + 4] << 8) | b[DNS_BUF_HDR + 5];

	s->id = 0;
	if (!(flags & DNS_FLAG_QR) || (flags & DNS_OPCODE_MASK) ||
	    (flags & DNS_RCODE_MASK) || qdcount != 1)
		return;
	s->pos = DNS_BUF_NAME;
	s->labels = 0;
	s->done = 0;
	bpf_loop(DNS_BLOCK_MAX_LABELS, dns_walk_cb, NULL, 0);
	if (!s->done || s->labels == 0 || s->pos + 1 + 4 > s->len)	/* root, type, class */
		return;
	s->qend = s->pos + 1 + 4;

	s->k = s->labels - 1;
	s->h = IOTRIM_FNV64_OFFSET;
	bpf_loop(IOTRIM_DNS_WIRE_MAX + 1, dns_hash_cb, NULL, 0);
	if (s->k >= 0)
		return;
	bpf_loop(DNS_BLOCK_MAX_LABELS, dns_match_cb, NULL, 0);
}

/*
 * Finds whether the skb is a DNS response to a device that a name rule
 * blocks; returns 0 (no), 1 (rewrite it: UDP, the whole message in this
 * packet) or 2 (drop it).  Leaves in deny_scratch what the rewrite needs.
 * Global functions, here and below: each is verified once, on its own.
 */
__attribute__((noinline)) int iotrim_dns_match(struct __sk_buff *skb)
{
	struct dns_block_scratch *s = dns_scratch();
	__u32 start, len, l4_hdr_len;
	bool tcp, more_frags;
	void *data, *data_end;
	__u16 ulen;

	if (!skb || !s)
		return 0;
	/* No rule for the destination device, nor for all: nothing to look at. */
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (data + ETH_ALEN <= data_end && !deny_filter_lookups(data))
		return 0;
	if (deny_parse_skb(skb, s->buf, &s->pkt, &more_frags, &l4_hdr_len) != PARSE_KNOWN_ALL ||
	    s->pkt.src_port != DNS_PORT || (s->pkt.dst_mac[0] & 1) || l4_hdr_len < 8)
		return 0;
	tcp = s->pkt.proto == IPPROTO_TCP;

	/* For TCP, the two-byte length prefix lands just before the header. */
	start = tcp ? s->pkt.l4_off + l4_hdr_len + 2 - DNS_BUF_HDR : s->pkt.l4_off;
	if (start >= skb->len)
		return 0;
	len = skb->len - start;
	if (len > DNS_LOAD_MAX)
		len = DNS_LOAD_MAX;
	if (len < DNS_BUF_NAME + 1 + 4)
		return 0;
	/* A no-op, in an asm so that the verifier sees 1 <= len <= 512 here. */
	asm volatile("%[len] += -1\n\t%[len] &= 511\n\t%[len] += 1" : [len] "+r"(len));
	if (bpf_skb_load_bytes(skb, start, s->buf, len))
		return 0;
	ulen = (s->buf[4] << 8) | s->buf[5];
	/* UDP: the question must lie within the datagram, not in padding. */
	if (!tcp && ulen < len)
		len = ulen;
	s->len = len;
	dns_block_question(s);
	if (!s->id)
		return 0;
	deny_hit(s->id, s->pkt.l3_len);

	if (tcp || skb->gso_segs > 1 || more_frags)
		return 2;
	/* A datagram longer than the packet holds: cut, or a first fragment. */
	if (s->pkt.l4_off + ulen > skb->len ||
	    s->pkt.l4_off - s->pkt.l3_off + ulen > s->pkt.l3_len)
		return 2;
	return 1;
}

/*
 * Rewrites the UDP response described in deny_scratch into NXDOMAIN ending
 * after the question.  Returns 0, or non-zero if the packet is to be
 * dropped instead.
 */
__attribute__((noinline)) int iotrim_dns_rewrite(struct __sk_buff *skb)
{
	struct dns_block_scratch *s = dns_scratch();
	__u32 l3_off, l4_off, check_off, len4, qend;
	__u16 old_ulen, new_ulen, old_check, flags, be;
	__u8 *b;
	__u64 sum;
	int err;

	if (!skb || !s)
		return -1;
	b = s->buf;
	l3_off = s->pkt.l3_off;
	l4_off = s->pkt.l4_off;
	qend = s->qend;
	if (qend > DNS_LOAD_MAX || qend < DNS_BUF_NAME)
		return -1;
	old_ulen = (b[4] << 8) | b[5];
	new_ulen = qend;		/* the buffer starts at the UDP header */
	old_check = *(__u16 *)(b + 6);
	flags = (b[DNS_BUF_HDR + 2] << 8) | b[DNS_BUF_HDR + 3];
	check_off = l4_off + 6;

	/* The new UDP and DNS headers, then the sum of the new datagram. */
	flags = (flags & DNS_KEEP_FLAGS) | DNS_FLAG_QR | DNS_RCODE_NXDOMAIN;
	b[4] = new_ulen >> 8;
	b[5] = new_ulen & 0xff;
	b[6] = 0;
	b[7] = 0;
	b[DNS_BUF_HDR + 2] = flags >> 8;
	b[DNS_BUF_HDR + 3] = flags & 0xff;
	__builtin_memset(b + DNS_BUF_HDR + 6, 0, 6);	/* ANCOUNT, NSCOUNT, ARCOUNT */
	b[DNS_IDX(qend)] = 0;
	b[DNS_IDX(qend + 1)] = 0;
	b[DNS_IDX(qend + 2)] = 0;
	len4 = (qend + 3) & ~3U;
	if (len4 > DNS_LOAD_MAX + 3)
		return -1;
	sum = (__u32)bpf_csum_diff(NULL, 0, (__be32 *)b, len4, 0);

	/*
	 * data_new - data_old, where the old data sum is what the old checksum
	 * says minus the old pseudo header: S_old = ~old_check, so
	 * -data_old = old_check + pseudo_old (ones' complement).  For an skb
	 * with CHECKSUM_PARTIAL the helper ignores this data diff, as it must,
	 * and applies only the pseudo-header change below.
	 */
	sum += old_check + bpf_htons(IPPROTO_UDP) + bpf_htons(old_ulen);
	if (s->pkt.family == IOTRIM_FAMILY_IPV4)
		sum += csum_words(s->pkt.src_ip, 4) + csum_words(s->pkt.dst_ip, 4);
	else
		sum += csum_words(s->pkt.src_ip, 16) + csum_words(s->pkt.dst_ip, 16);

	err = bpf_skb_store_bytes(skb, l4_off + 4, b + 4, 2, 0);
	if (!err)
		err = bpf_skb_store_bytes(skb, l4_off + DNS_BUF_HDR + 2,
					  b + DNS_BUF_HDR + 2, 10, 0);
	/* BPF_F_MARK_MANGLED_0: a zero IPv4 UDP checksum (none) stays zero. */
	if (!err)
		err = bpf_l4_csum_replace(skb, check_off, 0, csum_fold32(sum),
					  BPF_F_MARK_MANGLED_0);
	if (!err)
		err = bpf_l4_csum_replace(skb, check_off, bpf_htons(old_ulen),
					  bpf_htons(new_ulen),
					  BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0 | 2);
	if (err)
		return err;

	if (s->pkt.family == IOTRIM_FAMILY_IPV4) {
		__u16 old_tot = s->pkt.l3_len;

		be = bpf_htons(l4_off - l3_off + new_ulen);
		err = bpf_l3_csum_replace(skb, l3_off + 10, bpf_htons(old_tot), be, 2);
		if (!err)
			err = bpf_skb_store_bytes(skb, l3_off + 2, &be, 2, 0);
	} else {
		be = bpf_htons(l4_off - l3_off - 40 + new_ulen);
		err = bpf_skb_store_bytes(skb, l3_off + 4, &be, 2, 0);
	}
	if (err)
		return err;
	return bpf_skb_change_tail(skb, l4_off + new_ulen, 0);
}

/* TC egress, before counting: TC_ACT_OK (perhaps rewritten) or TC_ACT_SHOT. */
static __always_inline int dns_block(struct __sk_buff *skb)
{
	int verdict = iotrim_dns_match(skb);

	if (verdict == 0)
		return TC_ACT_OK;
	if (verdict == 1 && iotrim_dns_rewrite(skb) == 0)
		return TC_ACT_OK;
	return TC_ACT_SHOT;
}

#endif /* IOTRIM_DNS_BLOCK_H */
