/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Deep CNAME inspection (as Pi-hole's): a name rule for cloud.vendor.example
 * also catches a response to alias.other.example whose answer section
 * leads there through CNAME records.  Each CNAME target in the answer
 * section is decompressed into deny_scratch.name and its suffixes are
 * looked up like the question's; the first blocked one decides.  The chain
 * is recorded in deny_cname for `iotrim block list`.
 *
 * Only what lies in the loaded part of the message (the first
 * DNS_BLOCK_BUF - DNS_BUF_HDR bytes) is inspected; records past it, or a
 * record that does not parse, end the walk.  Compression pointers must
 * point backwards, each before the last, so a walk always ends.
 */
#ifndef IOTRIM_DNS_CNAME_H
#define IOTRIM_DNS_CNAME_H

#include "dns_name.h"

#define DNS_TYPE_CNAME 5
#define DNS_RR_FIXED 10			/* type, class, TTL, rdlength */
#define DNS_CNAME_MAX_RECORDS 32	/* answer records looked at */
#define DNS_NAME_IDX(i) ((i) & (IOTRIM_CNAME_NAME_LEN - 1))

/*
 * bpf_loop: one byte of a (perhaps compressed) name at s->cpos, copied
 * to s->name with the label starts in s->starts.  Stops with s->done set
 * at the root byte; stops without it on anything malformed.
 */
static long cname_walk_cb(__u32 i, void *unused)
{
	struct dns_block_scratch *s = dns_scratch();
	__u32 pos, target;
	__u8 c;

	if (!s)
		return 1;
	pos = s->cpos;
	if (pos >= s->len)
		return 1;
	c = s->buf[DNS_IDX(pos)];
	if (s->rem) {				/* inside a label */
		s->name[DNS_NAME_IDX(s->nlen)] = c;
		s->nlen++;
		s->rem--;
		s->cpos = pos + 1;
		return 0;
	}
	if (c == 0) {				/* the root */
		s->name[DNS_NAME_IDX(s->nlen)] = 0;
		s->nlen++;
		if (!s->after)
			s->after = pos + 1;
		s->done = 1;
		return 1;
	}
	if ((c & 0xc0) == 0xc0) {		/* a compression pointer */
		if (pos + 1 >= s->len)
			return 1;
		target = DNS_BUF_HDR + (((c & 0x3f) << 8) | s->buf[DNS_IDX(pos + 1)]);
		if (target >= pos || target >= s->floor)
			return 1;
		if (!s->after)
			s->after = pos + 2;
		s->floor = target;
		s->cpos = target;
		return 0;
	}
	if (c > IOTRIM_DNS_LABEL_MAX || s->labels >= DNS_BLOCK_MAX_LABELS ||
	    s->nlen + c + 2 > IOTRIM_DNS_WIRE_MAX)	/* label, its length, the root */
		return 1;
	s->starts[DNS_LABEL(s->labels)] = s->nlen;
	s->labels++;
	s->name[DNS_NAME_IDX(s->nlen)] = c;
	s->nlen++;
	s->rem = c;
	s->cpos = pos + 1;
	return 0;
}

/* Decompresses the name at pos into s->name; 0, or -1 if it is malformed. */
static __always_inline int cname_walk(struct dns_block_scratch *s, __u32 pos)
{
	s->cpos = pos;
	s->floor = DNS_BLOCK_BUF;
	s->nlen = 0;
	s->rem = 0;
	s->after = 0;
	s->labels = 0;
	s->done = 0;
	bpf_loop(DNS_BLOCK_BUF, cname_walk_cb, NULL, 0);
	return s->done && s->labels ? 0 : -1;
}

/* bpf_loop: one byte of s->name, back to front; at a label start, its suffix's hash. */
static long cname_hash_cb(__u32 i, void *unused)
{
	struct dns_block_scratch *s = dns_scratch();
	__u32 p;
	__s32 k;

	if (!s)
		return 1;
	k = s->k;
	if (i >= s->nlen || k < 0)
		return 1;
	p = s->nlen - 1 - i;
	s->h = iotrim_name_hash_step(s->h, s->name[DNS_NAME_IDX(p)]);
	if (p == s->starts[DNS_LABEL(k)]) {
		s->hashes[DNS_LABEL(k)] = s->h;
		s->k = k - 1;
	}
	return 0;
}

/* bpf_loop: one answer record; at a CNAME, is its target blocked for the device? */
static long cname_record_cb(__u32 i, void *unused)
{
	struct dns_block_scratch *s = dns_scratch();
	__u32 p, rdata, rdlen, slot;
	__u16 type;

	if (!s || !s->rr_left)
		return 1;
	s->rr_left--;
	if (cname_walk(s, s->rr_pos))		/* the owner name, to step over it */
		return 1;
	p = s->after;
	if (p + DNS_RR_FIXED > s->len)
		return 1;
	type = (s->buf[DNS_IDX(p)] << 8) | s->buf[DNS_IDX(p + 1)];
	rdlen = (s->buf[DNS_IDX(p + 8)] << 8) | s->buf[DNS_IDX(p + 9)];
	rdata = p + DNS_RR_FIXED;
	if (rdata + rdlen > s->len)
		return 1;
	s->rr_pos = rdata + rdlen;
	if (type != DNS_TYPE_CNAME)
		return 0;
	if (cname_walk(s, rdata))
		return 1;
	s->hops++;
	slot = s->hops < IOTRIM_CNAME_CHAIN_MAX ? s->hops : IOTRIM_CNAME_CHAIN_MAX - 1;
	__builtin_memcpy(s->chain.names[slot & (IOTRIM_CNAME_CHAIN_MAX - 1)], s->name,
			 IOTRIM_CNAME_NAME_LEN);
	s->k = s->labels - 1;
	s->h = IOTRIM_FNV64_OFFSET;
	bpf_loop(IOTRIM_CNAME_NAME_LEN, cname_hash_cb, NULL, 0);
	if (s->k >= 0)
		return 1;
	bpf_loop(DNS_BLOCK_MAX_LABELS, dns_match_cb, NULL, 0);
	return s->id ? 1 : 0;
}

/* Records the chain that led to rule s->id for the device (deny_cname). */
static __always_inline void cname_record_chain(struct dns_block_scratch *s)
{
	struct deny_cname_value *old;

	__builtin_memset(&s->ckey, 0, sizeof(s->ckey));
	s->ckey.rule_id = s->id;
	__builtin_memcpy(s->ckey.device_mac, s->pkt.dst_mac, ETH_ALEN);
	s->ckey.qname_hash = s->qhash;
	old = bpf_map_lookup_elem(&MAP_DENY_CNAME, &s->ckey);
	s->chain.responses = old ? old->responses + 1 : 1;
	s->chain.seen_ns = bpf_ktime_get_boot_ns();
	s->chain.hops = s->hops > 255 ? 255 : s->hops;
	/* The question, uncompressed from DNS_BUF_NAME on: the reader stops at its root. */
	__builtin_memcpy(s->chain.names[0], s->buf + DNS_BUF_NAME, IOTRIM_CNAME_NAME_LEN);
	bpf_map_update_elem(&MAP_DENY_CNAME, &s->ckey, &s->chain, BPF_ANY);
}

/*
 * After the question (hashes[0]: its hash) matched no rule: sets s->id to
 * the rule a CNAME target in the answer section matches, 0 if none.
 */
static __always_inline void cname_block(struct dns_block_scratch *s)
{
	__u16 ancount = (s->buf[DNS_BUF_HDR + 6] << 8) | s->buf[DNS_BUF_HDR + 7];

	s->id = 0;
	if (!ancount)
		return;
	s->qhash = s->hashes[0];
	s->rr_pos = s->qend;
	s->rr_left = ancount < DNS_CNAME_MAX_RECORDS ? ancount : DNS_CNAME_MAX_RECORDS;
	s->hops = 0;
	bpf_loop(DNS_CNAME_MAX_RECORDS, cname_record_cb, NULL, 0);
	if (s->id)
		cname_record_chain(s);
}

#endif /* IOTRIM_DNS_CNAME_H */
