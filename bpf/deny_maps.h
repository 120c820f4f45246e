/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Maps of the block rules (README "Blocking").  Both objects declare all of
 * them, pinned by name like the counting maps, so the XDP and TC programs
 * share one set and `bpftool map dump pinned .../deny_ip` shows the rules.
 * Only the controller (`iotrim block`) writes deny_ip and deny_names.
 */
#ifndef IOTRIM_DENY_MAPS_H
#define IOTRIM_DENY_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "iotrim.h"
#include "iotrim_maps.h"
#include "parse.h"
#include "iotrim_hash.h"

/* IP and prefix rules, per device and for all devices (zero MAC). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, IOTRIM_MAX_DENY_PREFIXES);
	__type(key, struct deny_key);
	__type(value, struct deny_value);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_DENY_IP SEC(".maps");

/* Name rules: a name's hash, per device and for all devices. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOTRIM_MAX_DENY_NAMES);
	__type(key, struct deny_name_key);
	__type(value, struct deny_name_value);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_DENY_NAMES SEC(".maps");

/* Per MAC slot: deny_ip and deny_names entries there (slot 0: and for all devices). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IOTRIM_DENY_FILTER_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_DENY_FILTER SEC(".maps");

/* Rule id -> what it blocked (layer-3 packets and bytes). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, IOTRIM_MAX_DENY_RULES);
	__type(key, __u32);
	__type(value, struct traffic_counter);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_DENY_HITS SEC(".maps");

/*
 * What the block rules need of a parsed upload packet, as plain data: the
 * rules are checked in a global function (verified once, not once per path
 * through the parser and the counters before it), which cannot be handed
 * the parser's packet pointers.  It sits in per-CPU scratch space, as does
 * the trie key, to keep the stack of the programs small.
 */
struct deny_pkt {
	__u8 src_mac[ETH_ALEN];
	__u8 dst_mac[ETH_ALEN];
	__u8 family;
	__u8 proto;
	__u8 nonfirst_fragment;
	__u8 known;		/* PARSE_KNOWN_*: what the rules can check */
	__u8 first_fragment;	/* offset 0, more to come */
	__u8 pad[3];
	__u32 frag_id;		/* host order */
	__u16 dst_port;		/* host order; 0 without ports */
	__u16 src_port;
	__u32 l3_off;
	__u32 l4_off;
	__u32 l3_len;
	__u8 src_ip[16];
	__u8 dst_ip[16];
};

/* deny_pkt_scratch.lookups: which trie lookups deny_filter calls for. */
#define DENY_LOOKUP_DEVICE 0x1
#define DENY_LOOKUP_ALL 0x2

/* A datagram whose first fragment a rule blocked (deny_frags). */
struct deny_frag_key {
	__u8 family;
	__u8 pad[3];
	__u32 id;		/* IPv4 identification or IPv6 fragment ident */
	__u8 src_ip[16];
	__u8 dst_ip[16];
};

struct deny_pkt_scratch {
	struct deny_pkt pkt;
	struct deny_key key;
	struct deny_frag_key frag;
	__u32 id;		/* the rule found */
	__u8 action;		/* its action; 0: none */
	__u8 lookups;		/* DENY_LOOKUP_* */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct deny_pkt_scratch);
} deny_pkt_scratch SEC(".maps");

/*
 * The rest of a datagram whose first fragment a rule blocked goes too:
 * its fragments show no ports, so a port-scoped rule could not tell them
 * (an address rule sees them anyway).  Value: the rule id.  LRU, per
 * object: the program that saw the first fragment drops the rest.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct deny_frag_key);
	__type(value, __u32);
} deny_frags SEC(".maps");

/*
 * DNS over TCP whose 2-byte length prefix came in a segment of its own:
 * the message then starts the next segment, at next_seq.  Keyed by the
 * connection; LRU, so abandoned entries go by themselves.
 */
struct dns_tcp_split_key {
	__u8 family;
	__u8 pad;
	__u16 device_port;
	__u8 device_ip[16];
	__u8 server_ip[16];
};

/* Question names are longer than the stack allows: per-CPU scratch space. */
#define DNS_BLOCK_BUF 512		/* a power of two: indexes are masked */
#define DNS_BLOCK_MAX_LABELS 128	/* 255 wire bytes hold at most 127 */

struct dns_block_scratch {
	__u8 buf[DNS_BLOCK_BUF];	/* L4 framing, DNS header, question */
	__u64 hashes[DNS_BLOCK_MAX_LABELS];	/* [k]: the suffix from label k */
	__u16 starts[DNS_BLOCK_MAX_LABELS];	/* [k]: offset of label k in buf */
	struct deny_pkt pkt;	/* the response (dst_mac: the device) */
	struct deny_name_key key;
	__u64 h;		/* hash of the bytes walked back so far */
	__u32 len;		/* bytes loaded into buf */
	__u32 pos;		/* walk: next label's length byte; then the root byte */
	__u32 labels;
	__u32 done;		/* walk: reached the root byte */
	__s32 k;		/* hashing: next label start, counting down */
	__u32 qend;		/* offset in buf just after the question */
	__u32 id;		/* the name rule found, 0: none */
	__u32 msg_off;		/* DNS over TCP: the message's offset in the skb */
	__u32 msg_len;		/* and its length (from its 2-byte prefix) */
	struct dns_tcp_split_key split;
	/* Deep CNAME inspection (dns_cname.h): the answer records, one at a time. */
	__u64 qhash;		/* hash of the question name */
	__u32 rr_pos;		/* next record's owner name in buf */
	__u32 rr_left;		/* answer records not yet looked at */
	__u32 hops;		/* CNAME records met */
	__u32 cpos;		/* name walk: next byte to read in buf */
	__u32 floor;		/* a compression pointer must point below this */
	__u32 nlen;		/* bytes written to name */
	__u32 rem;		/* bytes of the current label still to copy */
	__u32 after;		/* where the record goes on after the name; 0: not yet known */
	__u8 name[IOTRIM_CNAME_NAME_LEN];	/* a name from the answer, decompressed */
	struct deny_cname_key ckey;
	struct deny_cname_value chain;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_block_scratch);
} deny_scratch SEC(".maps");

/* Deep CNAME inspection: the chains that matched, for `iotrim block list`. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IOTRIM_MAX_CNAME_CHAINS);
	__type(key, struct deny_cname_key);
	__type(value, struct deny_cname_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_DENY_CNAME SEC(".maps");

/*
 * Which trie lookups a packet from mac needs (DENY_LOOKUP_*): none unless
 * its MAC slot or slot 0 (rules for all devices) has entries.  Two array
 * reads, inlined by the verifier.
 */
static __always_inline __u8 deny_filter_lookups(const __u8 *mac)
{
	__u32 slot = iotrim_mac_slot(mac), zero = 0;
	__u32 *dev = bpf_map_lookup_elem(&MAP_DENY_FILTER, &slot);
	__u32 *all = bpf_map_lookup_elem(&MAP_DENY_FILTER, &zero);

	return (dev && *dev ? DENY_LOOKUP_DEVICE : 0) | (all && *all ? DENY_LOOKUP_ALL : 0);
}

static __always_inline void deny_hit(__u32 id, __u64 bytes)
{
	struct traffic_counter *c = bpf_map_lookup_elem(&MAP_DENY_HITS, &id);

	if (c) {		/* per-CPU: no atomics needed */
		c->packets += 1;
		c->bytes += bytes;
	}
}

#endif /* IOTRIM_DENY_MAPS_H */
