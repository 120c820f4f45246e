/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Name rules on the download path (TC egress): a DNS response on its way to
 * a device whose question name, or a parent of it, or a CNAME target in
 * its answer (dns_cname.h), is blocked for that device (or all) is rewritten in place into NXDOMAIN with no records, so
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
 * DNS over TCP cannot be shortened (the stream's sequence numbers are the
 * device's), so there the message keeps its length: NXDOMAIN with the
 * question, and an EDNS OPT record whose padding option (RFC 7830) fills
 * the rest.  The 2-byte length prefix may come in a segment of its own;
 * then the next segment starts with the message (dns_tcp_split).
 *
 * Where a response cannot be rewritten in place it is dropped instead (the
 * device's query times out): an IP fragment carrying only part of the
 * message, a TCP message spread over segments or over 500 bytes, a GSO skb.
 */
#ifndef IOTRIM_DNS_BLOCK_H
#define IOTRIM_DNS_BLOCK_H

#include "csum.h"
#include "deny_tc.h"
#include "dns_cname.h"

#ifndef TC_ACT_OK
#define TC_ACT_OK 0
#endif
#define TC_ACT_SHOT 2

#define DNS_PORT 53
#define DNS_PULL_LEN 256

#define DNS_FLAG_QR 0x8000
#define DNS_OPCODE_MASK 0x7800
#define DNS_RCODE_MASK 0x000f
#define DNS_RCODE_NXDOMAIN 3
#define DNS_KEEP_FLAGS 0xf990	/* QR, opcode, RD, RA, CD */

/* TCP: the bytes after the question become an OPT record: name, type .. rdlen. */
#define DNS_OPT_LEN 11
#define DNS_OPT_PADDING 12	/* EDNS option code (RFC 7830) */
#define DNS_TCP_MSG_MAX (DNS_BLOCK_BUF - DNS_BUF_HDR)

/* dns_match verdicts */
#define DNS_PASS 0
#define DNS_REWRITE_UDP 1
#define DNS_DROP 2
#define DNS_REWRITE_TCP 3


struct dns_tcp_split_value {
	__u32 next_seq;		/* host order */
	__u32 msg_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct dns_tcp_split_key);
	__type(value, struct dns_tcp_split_value);
} dns_tcp_split SEC(".maps");

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


/*
 * Parses the question in s->buf (s->len bytes) and sets s->id to the name
 * rule that blocks it for the device, 0 if none, and s->qend.  False if
 * the message is not one to touch.
 */
static __always_inline bool dns_block_question(struct dns_block_scratch *s)
{
	__u8 *b = s->buf;
	__u16 flags = (b[DNS_BUF_HDR + 2] << 8) | b[DNS_BUF_HDR + 3];
	__u16 qdcount = (b[DNS_BUF_HDR + 4] << 8) | b[DNS_BUF_HDR + 5];

	s->id = 0;
	if (!(flags & DNS_FLAG_QR) || (flags & DNS_OPCODE_MASK) ||
	    (flags & DNS_RCODE_MASK) || qdcount != 1)
		return false;
	s->pos = DNS_BUF_NAME;
	s->labels = 0;
	s->done = 0;
	bpf_loop(DNS_BLOCK_MAX_LABELS, dns_walk_cb, NULL, 0);
	if (!s->done || s->labels == 0 || s->pos + 1 + 4 > s->len)	/* root, type, class */
		return false;
	s->qend = s->pos + 1 + 4;

	s->k = s->labels - 1;
	s->h = IOTRIM_FNV64_OFFSET;
	bpf_loop(IOTRIM_DNS_WIRE_MAX + 1, dns_hash_cb, NULL, 0);
	if (s->k >= 0)
		return false;
	bpf_loop(DNS_BLOCK_MAX_LABELS, dns_match_cb, NULL, 0);
	return true;
}

/*
 * DNS over TCP: where the message in this segment starts (s->msg_off) and
 * how long it is (s->msg_len).  Returns 0, or -1 if the segment carries no
 * message start: none at all, or only the length prefix (remembered for
 * the next segment).  s->buf holds the TCP header on entry.
 */
static __always_inline int dns_tcp_message(struct __sk_buff *skb, struct dns_block_scratch *s,
					   __u32 l4_hdr_len)
{
	__u32 payload_off = s->pkt.l4_off + l4_hdr_len, end = s->pkt.l3_off + s->pkt.l3_len;
	__u32 seq = (s->buf[4] << 24) | (s->buf[5] << 16) | (s->buf[6] << 8) | s->buf[7];
	struct dns_tcp_split_value *split, v;
	__u8 prefix[2];

	if (payload_off >= end || end > skb->len)
		return -1;
	s->split.family = s->pkt.family;
	s->split.pad = 0;
	s->split.device_port = s->pkt.dst_port;
	__builtin_memcpy(s->split.device_ip, s->pkt.dst_ip, 16);
	__builtin_memcpy(s->split.server_ip, s->pkt.src_ip, 16);
	split = bpf_map_lookup_elem(&dns_tcp_split, &s->split);
	if (split && split->next_seq == seq) {
		s->msg_off = payload_off;
		s->msg_len = split->msg_len;
		bpf_map_delete_elem(&dns_tcp_split, &s->split);
		return 0;
	}
	if (bpf_skb_load_bytes(skb, payload_off, prefix, 2))
		return -1;
	s->msg_off = payload_off + 2;
	s->msg_len = (prefix[0] << 8) | prefix[1];
	if (end - payload_off == 2) {
		v.next_seq = seq + 2;
		v.msg_len = s->msg_len;
		bpf_map_update_elem(&dns_tcp_split, &s->split, &v, BPF_ANY);
		return -1;
	}
	return 0;
}

/*
 * Finds whether the skb is a DNS response to a device that a name rule
 * blocks; returns a DNS_* verdict.  Leaves in deny_scratch what the
 * rewrite needs.  Global functions, here and below: each is verified once,
 * on its own.
 */
__attribute__((noinline)) int iotrim_dns_match(struct __sk_buff *skb)
{
	struct dns_block_scratch *s = dns_scratch();
	__u32 start, len, l4_hdr_len;
	bool tcp, more_frags, whole = false;
	void *data, *data_end;
	__u16 ulen;

	if (!skb || !s)
		return DNS_PASS;
	/* No rule for the destination device, nor for all: nothing to look at. */
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (data + ETH_ALEN <= data_end && !deny_filter_lookups(data))
		return DNS_PASS;
	if (deny_parse_skb(skb, s->buf, &s->pkt, &more_frags, &l4_hdr_len) != PARSE_KNOWN_ALL ||
	    s->pkt.src_port != DNS_PORT || (s->pkt.dst_mac[0] & 1) || l4_hdr_len < 8)
		return DNS_PASS;
	tcp = s->pkt.proto == IPPROTO_TCP;

	if (tcp) {
		if (skb->gso_segs > 1 || dns_tcp_message(skb, s, l4_hdr_len))
			return DNS_PASS;
		start = s->msg_off - DNS_BUF_HDR;
		/* The whole message in this segment, and in the buffer: it can be rewritten. */
		whole = s->msg_off + s->msg_len <= s->pkt.l3_off + s->pkt.l3_len &&
			s->msg_len <= DNS_TCP_MSG_MAX;
	} else {
		start = s->pkt.l4_off;
	}
	if (start >= skb->len)
		return DNS_PASS;
	len = skb->len - start;
	if (whole)
		len = DNS_BUF_HDR + s->msg_len;
	else if (len > DNS_BLOCK_BUF)	/* the question, and answers for dns_cname.h */
		len = DNS_BLOCK_BUF;
	if (len < DNS_BUF_NAME + 1 + 4)
		return DNS_PASS;
	/* A no-op, in an asm so that the verifier sees 1 <= len <= 512 here. */
	asm volatile("%[len] += -1\n\t%[len] &= 511\n\t%[len] += 1" : [len] "+r"(len));
	if (bpf_skb_load_bytes(skb, start, s->buf, len))
		return DNS_PASS;
	ulen = (s->buf[4] << 8) | s->buf[5];
	/* UDP: the question must lie within the datagram, not in padding. */
	if (!tcp && ulen < len)
		len = ulen;
	s->len = len;
	if (!dns_block_question(s))
		return DNS_PASS;
	if (!s->id)
		cname_block(s);		/* a CNAME target may be blocked instead */
	if (!s->id)
		return DNS_PASS;
	deny_hit(s->id, s->pkt.l3_len);

	if (tcp) {
		__u32 rest = whole ? s->len - s->qend : 0;

		/* The rest after the question: nothing, or room for an OPT record. */
		if (!whole || (rest && rest < DNS_OPT_LEN) ||
		    (rest > DNS_OPT_LEN && rest < DNS_OPT_LEN + 4))
			return DNS_DROP;
		return DNS_REWRITE_TCP;
	}
	if (skb->gso_segs > 1 || more_frags)
		return DNS_DROP;
	/* A datagram longer than the packet holds: cut, or a first fragment. */
	if (s->pkt.l4_off + ulen > skb->len ||
	    s->pkt.l4_off - s->pkt.l3_off + ulen > s->pkt.l3_len)
		return DNS_DROP;
	return DNS_REWRITE_UDP;
}

/* bpf_loop: zeroes one byte of the message after the OPT record's header. */
static long dns_zero_cb(__u32 i, void *unused)
{
	struct dns_block_scratch *s = dns_scratch();
	__u32 at;

	if (!s)
		return 1;
	at = s->qend + DNS_OPT_LEN + i;
	if (at >= s->len)
		return 1;
	s->buf[DNS_IDX(at)] = 0;
	return 0;
}

/*
 * Rewrites the DNS-over-TCP message described in deny_scratch (the whole
 * message in s->buf after DNS_BUF_HDR bytes) into NXDOMAIN of the same
 * length.  Returns 0, or non-zero if the packet is to be dropped instead.
 */
__attribute__((noinline)) int iotrim_dns_rewrite_tcp(struct __sk_buff *skb)
{
	struct dns_block_scratch *s = dns_scratch();
	__u32 qend, len, rest, words, old_sum, new_sum;
	__u16 flags;
	__u8 *b;

	if (!skb || !s)
		return -1;
	b = s->buf;
	qend = s->qend;
	len = s->len;
	if (qend > DNS_BLOCK_BUF || len > DNS_BLOCK_BUF || qend > len ||
	    len < DNS_BUF_HDR + 12)
		return -1;
	rest = len - qend;
	/* Whole 32-bit words from the DNS header on; the bytes past len are the same in both sums. */
	words = (len - DNS_BUF_HDR + 3) & ~3U;
	/* A no-op for the verifier (4-byte multiples up to 508), then the buffer's bound. */
	asm volatile("%[w] &= 508" : [w] "+r"(words));
	if (words == 0 || words > DNS_TCP_MSG_MAX)
		return -1;
	old_sum = bpf_csum_diff(NULL, 0, (__be32 *)(b + DNS_BUF_HDR), words, 0);

	flags = (b[DNS_BUF_HDR + 2] << 8) | b[DNS_BUF_HDR + 3];
	flags = (flags & DNS_KEEP_FLAGS) | DNS_FLAG_QR | DNS_RCODE_NXDOMAIN;
	b[DNS_BUF_HDR + 2] = flags >> 8;
	b[DNS_BUF_HDR + 3] = flags & 0xff;
	__builtin_memset(b + DNS_BUF_HDR + 6, 0, 6);	/* ANCOUNT, NSCOUNT, ARCOUNT */
	if (rest) {
		__u32 rdlen = rest - DNS_OPT_LEN;

		b[DNS_BUF_HDR + 11] = 1;		/* ARCOUNT: the OPT record */
		b[DNS_IDX(qend)] = 0;			/* root name */
		b[DNS_IDX(qend + 1)] = 0;		/* type 41: OPT */
		b[DNS_IDX(qend + 2)] = 41;
		b[DNS_IDX(qend + 3)] = 0x10;		/* UDP payload size 4096 */
		b[DNS_IDX(qend + 4)] = 0;
		b[DNS_IDX(qend + 5)] = 0;		/* extended rcode, version, flags */
		b[DNS_IDX(qend + 6)] = 0;
		b[DNS_IDX(qend + 7)] = 0;
		b[DNS_IDX(qend + 8)] = 0;
		b[DNS_IDX(qend + 9)] = rdlen >> 8;
		b[DNS_IDX(qend + 10)] = rdlen & 0xff;
		bpf_loop(DNS_BLOCK_BUF, dns_zero_cb, NULL, 0);
		if (rdlen) {				/* one padding option fills it */
			b[DNS_IDX(qend + 11)] = 0;
			b[DNS_IDX(qend + 12)] = DNS_OPT_PADDING;
			b[DNS_IDX(qend + 13)] = (rdlen - 4) >> 8;
			b[DNS_IDX(qend + 14)] = (rdlen - 4) & 0xff;
		}
	}
	new_sum = bpf_csum_diff(NULL, 0, (__be32 *)(b + DNS_BUF_HDR), words, 0);

	/* Only the message changes, at an even offset in the segment: new - old. */
	if (bpf_skb_store_bytes(skb, s->msg_off + 2, b + DNS_BUF_HDR + 2, 10, 0))
		return -1;
	if (rest) {
		if (qend + rest > DNS_BLOCK_BUF)
			return -1;
		/* A no-op, in an asm so that the verifier sees 1 <= rest <= 512 here. */
		asm volatile("%[r] += -1\n\t%[r] &= 511\n\t%[r] += 1" : [r] "+r"(rest));
		if (bpf_skb_store_bytes(skb, s->msg_off + qend - DNS_BUF_HDR, b + qend, rest, 0))
			return -1;
	}
	return bpf_l4_csum_replace(skb, s->pkt.l4_off + 16, 0,
				   csum_fold32((__u64)new_sum + (__u32)~old_sum), 0);
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

	if (verdict == DNS_PASS)
		return TC_ACT_OK;
	if (verdict == DNS_REWRITE_UDP && iotrim_dns_rewrite(skb) == 0)
		return TC_ACT_OK;
	if (verdict == DNS_REWRITE_TCP && iotrim_dns_rewrite_tcp(skb) == 0)
		return TC_ACT_OK;
	return TC_ACT_SHOT;
}

#endif /* IOTRIM_DNS_BLOCK_H */
