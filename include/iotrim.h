/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Structures shared by the BPF programs (bpf/) and the controller (user/).
 * Defined once here; both sides include this file.  Every map that holds
 * these types is pinned under IOTRIM_PIN_DIR with BTF, so `bpftool map dump`
 * prints the field names below.
 */
#ifndef IOTRIM_H
#define IOTRIM_H

#ifdef __BPF__
/* vmlinux.h already provides __u8.. __u64 */
#else
#include <linux/types.h>
#endif

#define IOTRIM_PIN_DIR "/sys/fs/bpf/iotrim"

#define IOTRIM_DEFAULT_MAX_FLOWS 65536
#define IOTRIM_MAX_DEVICES 4096	/* a power of two: bpf/device.h probes slots modulo it */

/* Address family tag inside keys (not AF_*: these are stable on-map values). */
enum iotrim_family {
	IOTRIM_FAMILY_IPV4 = 4,
	IOTRIM_FAMILY_IPV6 = 6,
};

/*
 * One flow: a device (by MAC, with the address it used) talking to one
 * remote address, protocol and remote port.  IPv4 addresses sit in the first
 * four bytes of the 16-byte fields, the rest zero, so IPv4 and IPv6 share
 * one layout.  remote_port is in host byte order; 0 for protocols without
 * ports (ICMP, ICMPv6, others) and for non-first IP fragments.
 */
struct flow_key {
	__u8 device_mac[6];
	__u8 family;		/* enum iotrim_family */
	__u8 proto;		/* IPPROTO_* after IPv6 extension headers */
	__u16 remote_port;
	__u16 pad;
	__u8 device_ip[16];
	__u8 remote_ip[16];
};

/* Layer-3 bytes (IP header + payload) and wire packets, one direction. */
struct traffic_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * Payload classification (METHODS 4), done in the kernel on sampled packets
 * (bpf/classify.h).  The class numbers index struct payload_counter: field
 * [class] of the counter (read as __u64[]) holds that class's bytes, and
 * field [0] all sampled bytes.
 */
enum payload_class {
	PAYLOAD_NONE = 0,	/* no label (a sticky label that is not set) */
	PAYLOAD_ENCRYPTED = 1,
	PAYLOAD_TEXT,		/* unencrypted text: HTTP, DNS, MQTT, low entropy */
	PAYLOAD_COMPRESSED,	/* gzip, br, deflate, bzip2, xz, zip */
	PAYLOAD_MEDIA,		/* image, video, audio */
	PAYLOAD_UNKNOWN,	/* entropy 0.4 .. 0.9 (proprietary protocols) */
	PAYLOAD_IGNORED,	/* under 4 bytes, or unknown under 20 bytes */
	PAYLOAD_CLASS__COUNT,
};

/*
 * TCP/UDP payload bytes (after the L4 header) of the sampled packets of one
 * direction, and how they split by class: sampled is the sum of the other
 * six.  Bytes of packets that were not sampled are only in traffic_counter.
 */
struct payload_counter {
	__u64 sampled;
	__u64 encrypted;
	__u64 text;
	__u64 compressed;
	__u64 media;
	__u64 unknown;
	__u64 ignored;
};

/* struct payload_state.sticky_flags */
#define PAYLOAD_STICKY_BOUNDED 0x1	/* sticky_end is the end of the body */

/*
 * Sampling state of one flow direction.  packets counts the packets that
 * carried payload (saturating); since_sample counts those after the first K
 * since the last 1-in-N sample.  A sticky label (set from HTTP Content-Type/Encoding, an
 * MQTT PUBLISH or a magic number on TCP) labels the following sampled
 * packets of the same body: up to TCP sequence number sticky_end when the
 * length is known (PAYLOAD_STICKY_BOUNDED), else until the next HTTP start
 * line in the stream.
 */
struct payload_state {
	__u32 packets;
	__u32 since_sample;
	__u32 sticky_end;	/* TCP sequence number, host order */
	__u8 sticky_class;	/* enum payload_class; PAYLOAD_NONE: no label */
	__u8 sticky_flags;	/* PAYLOAD_STICKY_* */
	__u16 pad;
};

/* Timestamps are bpf_ktime_get_boot_ns() (CLOCK_BOOTTIME). */
struct flow_value {
	struct traffic_counter up;	/* device -> remote (XDP, LAN ingress) */
	struct traffic_counter down;	/* remote -> device (TC, LAN egress) */
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	/* The device's slot and its owner state when looked up (struct device_owner). */
	__u32 device_slot;
	__u32 device_state;
	/*
	 * Events (bpf/events.h): per direction, the device port of the
	 * connection of this flow whose first payload that way was looked at
	 * last (0: none), and how many of its connections follow a certificate
	 * flight (events_cert.h).
	 */
	__u16 seen_port_up;
	__u16 seen_port_down;
	__u32 cert_follows;
	struct payload_state sample_up;	/* touched by every payload packet */
	struct payload_state sample_down;
	struct payload_counter payload_up;	/* only by sampled ones */
	struct payload_counter payload_down;
};

struct device_key {
	__u8 mac[6];
	__u16 pad;
};

/*
 * Devices by slot (bpf/device.h).  A device's totals live in one slot of
 * the per-CPU "devices" array; "device_slots" maps its MAC (struct
 * device_key) to the slot (__u32), and "device_owners"[slot] says who holds
 * it.  A flow remembers its device's slot and the owner's state, so
 * counting a packet reads two arrays (lookups the kernel inlines) instead
 * of hashing the MAC.  The state word is a generation (bits 2..31) and the
 * slot's phase (bits 0..1): free -> used (claimed by the programs) ->
 * draining (the controller takes the totals out) -> free with the next
 * generation, so a flow's remembered state matches only while its device
 * still holds the slot.
 */
#define IOTRIM_SLOT_FREE 0
#define IOTRIM_SLOT_USED 1
#define IOTRIM_SLOT_DRAINING 2
#define IOTRIM_SLOT_PHASE(state) ((state) & 3u)
#define IOTRIM_SLOT_NEXT_FREE(state) ((__u32)(((state) & ~3u) + 4u))

struct device_owner {
	__u64 state;		/* generation << 2 | IOTRIM_SLOT_*, below 2^32 (64 bits for
				 * the compare-and-swap, which BPF has for 64 bits only) */
	__u8 mac[6];		/* the device holding a used or draining slot */
	__u16 pad;
};

/*
 * Per-device totals, one slot of the "devices" array.  Not in the LRU flow
 * table, so evicting flows never loses a device's byte counts.
 */
struct device_value {
	struct traffic_counter up;
	struct traffic_counter down;
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	__u8 last_ip[16];	/* address of the device's most recent packet */
	__u8 last_family;
	__u8 pad[7];
	struct payload_counter payload_up;	/* sums of its flows' sampled payload */
	struct payload_counter payload_down;
	/* This CPU's fair-share budgets (bpf/limit.h): GCRA theoretical arrival times. */
	__u64 event_tat_ns;	/* DNS/TLS events */
	__u64 flow_tat_ns;	/* new flow entries */
};

/*
 * Packets that were not counted as a flow, by reason.  Index into the
 * per-CPU "counters" array.  Errors are malformed or truncated frames;
 * the others are normal traffic that has no flow key.
 */
enum iotrim_counter {
	IOTRIM_ERR_TRUNC_L2 = 0,	/* shorter than Ethernet/VLAN header */
	IOTRIM_ERR_TRUNC_L3,		/* IP header cut, or IP length > frame */
	IOTRIM_ERR_BAD_IP_VERSION,	/* version nibble disagrees with EtherType */
	IOTRIM_ERR_BAD_IHL,		/* IPv4 IHL < 5 */
	IOTRIM_ERR_BAD_IP_LEN,		/* IP total length < header length */
	IOTRIM_ERR_TRUNC_EXT_HDR,	/* IPv6 extension header cut */
	IOTRIM_ERR_TOO_MANY_EXT_HDRS,	/* more IPv6 extension headers than we walk */
	IOTRIM_ERR_TRUNC_L4,		/* TCP/UDP/ICMP header cut */
	IOTRIM_ERR_BAD_TCP_DOFF,	/* TCP data offset < 5 or past the packet */
	IOTRIM_ERR_TOO_MANY_VLANS,	/* more than two VLAN tags */
	IOTRIM_ERR__COUNT,		/* marks the end of the error reasons */
	IOTRIM_NOT_IP = IOTRIM_ERR__COUNT, /* ARP, LLDP, ...: not counted */
	IOTRIM_GROUP_DEST,		/* LAN egress to broadcast/multicast MAC */
	IOTRIM_FLOW_UPDATE_FAILED,	/* flow map insert failed */
	IOTRIM_DEVICE_TABLE_FULL,	/* device map full: device totals lost */
	IOTRIM_EVENT_RINGBUF_FULL,	/* DNS/TLS event lost: "events" ring buffer full */
	IOTRIM_CERT_CUT,		/* server hello flight longer than the certificate bound */
	IOTRIM_PLAIN_SAMPLE_LOST,	/* audited text sample lost: ring buffer full */
	IOTRIM_PLAIN_SAMPLE_CUT,	/* audited text sample longer than IOTRIM_EVENT_PAYLOAD_MAX: cut */
	IOTRIM_EVENT_RATE_LIMITED,	/* DNS/TLS event not sent: the device's event budget is spent */
	IOTRIM_FLOW_QUOTA,		/* no new flow entry: the device's new-flow budget is spent */
	IOTRIM_DEVICE_INSERT_LIMITED,	/* no new device entry: too many new devices this second */
	IOTRIM_COUNTER__COUNT,
};

/* Where the programs are attached; one entry, written by the controller. */
enum iotrim_attach_mode {
	IOTRIM_MODE_NONE = 0,
	IOTRIM_MODE_NATIVE,	/* XDP in the driver + TC egress */
	IOTRIM_MODE_GENERIC,	/* XDP in the stack (skb) + TC egress */
	IOTRIM_MODE_TC,		/* TC ingress + TC egress (bridges) */
};

struct attach_info {
	__u32 ifindex;
	__u32 mode;		/* enum iotrim_attach_mode */
	__u32 ingress_prog_id;
	__u32 egress_prog_id;
	__u64 attached_at_ns;	/* CLOCK_BOOTTIME */
	__u32 max_flows;
	__u32 created_clsact;	/* 1 if iotrim added the clsact qdisc */
	char ifname[16];
};

/*
 * Run-time settings, one entry of the pinned "settings" array, read by both
 * programs on every payload packet and written by `iotrim set`.  While
 * IOTRIM_CONFIG_SET is clear (a fresh, zeroed map) the defaults below are in
 * force; once set, the three fields are used as they are, so K = 0 and
 * N = 0 turn sampling off.
 */
#define IOTRIM_DEFAULT_SAMPLE_FIRST 8	/* K: first K payload packets per flow direction */
#define IOTRIM_DEFAULT_SAMPLE_EVERY 64	/* N: then one in N; 0 = none */
#define IOTRIM_DEFAULT_SAMPLE_BYTES 1024	/* S: payload bytes classified per sample */
#define IOTRIM_SAMPLE_BYTES_MIN 32
#define IOTRIM_SAMPLE_BYTES_MAX 1500

#define IOTRIM_CONFIG_SET 0x1	/* the sample_* fields are in force */
#define IOTRIM_CONFIG_DEBUG 0x2	/* tests: record each classification (classify_debug map) */
#define IOTRIM_CONFIG_NO_LIMITS 0x4	/* replay and tests: no fair-share budgets (bpf/limit.h) */

/*
 * Fair shares (bpf/limit.h, README "Bounds"): no one device, and no flood of
 * new source MACs, can take the shared tables or the events ring from the
 * others.  Each budget is a GCRA bucket per CPU (no atomics), so the bounds
 * hold per CPU and per hook.
 */
#define IOTRIM_EVENT_RATE 32		/* DNS/TLS events per second per device */
#define IOTRIM_EVENT_BURST 64
#define IOTRIM_FLOW_RATE 64		/* new flow entries per second per device */
#define IOTRIM_FLOW_BURST 256
#define IOTRIM_FLOW_FRESH 32		/* of them at once for a device just seen */
#define IOTRIM_NEW_DEVICE_RATE 32	/* new device entries per second */
#define IOTRIM_NEW_DEVICE_BURST 64

struct iotrim_config {
	__u32 sample_first;
	__u32 sample_every;
	__u32 sample_bytes;
	__u32 flags;		/* IOTRIM_CONFIG_* */
};

/* Which rule labelled a sample (METHODS 4 order), for tests and debugging. */
enum classify_reason {
	CLASSIFY_SMALL = 1,	/* payload under 4 bytes */
	CLASSIFY_STICKY,	/* inside a body labelled by an earlier sample */
	CLASSIFY_TLS,		/* TLS record header */
	CLASSIFY_DNS,		/* port 53 */
	CLASSIFY_QUIC,		/* UDP 443 with the QUIC fixed bit */
	CLASSIFY_HTTP,		/* HTTP/1.x request or status line */
	CLASSIFY_MQTT,		/* MQTT fixed header on TCP 1883 */
	CLASSIFY_MAGIC,		/* file magic number at the payload start */
	CLASSIFY_ENTROPY,	/* by entropy alone */
	CLASSIFY_LOAD_FAILED,	/* payload could not be read: not counted */
};

/*
 * Test-only (IOTRIM_CONFIG_DEBUG): the last sample's classification, in the
 * unpinned one-entry "classify_debug" array.  With the flag set the entropy
 * is computed for every sample, whatever rule decides.
 */
struct classify_record {
	__u64 count;		/* samples recorded so far */
	__u64 entropy_num;	/* n log2 n - sum c log2 c in 2^-32 bits: H = num / (8 n 2^32) */
	__u64 sampled_bytes;	/* added to the class (all sampled segments of a GSO skb) */
	__u32 sample_len;	/* n: bytes the entropy and matchers saw (<= sample_bytes) */
	__u32 payload_len;	/* L4 payload of one wire packet */
	__u32 entropy_milli;	/* 1000 H, rounded down */
	__u8 class;		/* enum payload_class */
	__u8 reason;		/* enum classify_reason */
	__u8 sticky_class;	/* the direction's sticky label afterwards */
	__u8 sticky_flags;
};

/*
 * Attribution (DNS and TLS names).  The programs copy the payload of DNS
 * packets (UDP/TCP port 53, both directions) and of the first payload
 * packet of each TCP connection direction that starts a TLS handshake
 * record into the pinned "events" ring buffer; the controller parses them.
 */
#define IOTRIM_EVENT_PAYLOAD_MAX 1500	/* payload bytes copied per event */
#define IOTRIM_EVENTS_RINGBUF_BYTES (4 << 20)
#define IOTRIM_MAX_CONNS 16384		/* TCP connections tracked for "first payload" */

enum iotrim_event_kind {
	IOTRIM_EV_DNS = 1,	/* UDP or TCP with port 53 on the remote side */
	IOTRIM_EV_TLS = 2,	/* first TCP payload of a direction, a TLS handshake record */
	IOTRIM_EV_TLS_CERT = 3,	/* later server bytes of a TLS <= 1.2 hello flight (certificates) */
	IOTRIM_EV_PLAIN_SAMPLE = 4,	/* a text-classified sample of an audited device */
};

/*
 * Certificates (IOTRIM_EV_TLS_CERT): after a ServerHello that does not
 * negotiate TLS 1.3, the server's next segments of that connection are
 * passed up too, as events of at most IOTRIM_EVENT_PAYLOAD_MAX bytes each
 * (a GSO aggregate gives several), until the hello flight ends (a segment
 * ending in ServerHelloDone, or the device's next payload) or a bound is
 * reached: IOTRIM_CERT_BYTES_MAX bytes after the ServerHello's event, or
 * IOTRIM_CERT_SEGMENTS_MAX packets.  A flight cut by the bound is counted
 * (IOTRIM_CERT_CUT).  The controller reassembles them by tcp_seq.
 */
#define IOTRIM_CERT_BYTES_MAX 16384
#define IOTRIM_CERT_SEGMENTS_MAX 16

struct iotrim_event {
	__u64 ts_ns;		/* bpf_ktime_get_boot_ns() */
	struct flow_key key;	/* the flow the packet counts in (device side) */
	__u16 device_port;	/* device's TCP/UDP port, host order */
	__u8 kind;		/* enum iotrim_event_kind */
	__u8 direction;		/* 0: up (device -> remote), 1: down */
	__u16 len;		/* payload bytes in payload[] */
	__u16 pad;
	__u32 payload_len;	/* L4 payload bytes in the packet (may exceed len) */
	__u32 tcp_seq;		/* TCP: sequence number of payload[0], host order; else 0 */
	__u8 payload[IOTRIM_EVENT_PAYLOAD_MAX];
};

/* Key of the LRU "conns" map: one TCP connection of a device. */
struct conn_key {
	struct flow_key flow;
	__u16 device_port;
	__u16 pad;
};

/* struct conn_value.flags: the first payload packet of a direction was seen. */
#define IOTRIM_CONN_UP_SEEN 0x1
#define IOTRIM_CONN_DOWN_SEEN 0x2

struct conn_value {
	__u64 flags;		/* 64-bit: atomic OR without -mcpu=v3 */
	/* Certificate passing (IOTRIM_EV_TLS_CERT); plain stores: the bounds are per packet. */
	__u32 cert_bytes;	/* server bytes passed after the ServerHello's event */
	__u16 cert_segments;	/* server packets passed after the ServerHello's */
	__u8 cert_follow;	/* 1: pass the server's next segments */
	__u8 pad;
};

/*
 * The pinned "names" map (LRU hash), written only by the controller
 * (`iotrim run`): which DNS (or TLS SNI) name a device used for a remote
 * address.  name is the name the device asked for (the first name of a
 * CNAME chain), NUL-terminated, lower case, without the trailing dot.
 * The entry is stale once expires_ns (CLOCK_BOOTTIME) has passed: the
 * answer's TTL plus a grace period.  Stable layout: the enforcement code
 * reads it.
 */
#define IOTRIM_NAME_LEN 256
#define IOTRIM_MAX_NAMES 16384

enum iotrim_name_source {
	IOTRIM_NAME_DNS = 1,	/* a DNS answer to the device */
	IOTRIM_NAME_SNI = 2,	/* the SNI of the device's TLS ClientHello */
};

struct name_key {
	__u8 device_mac[6];
	__u8 family;		/* enum iotrim_family */
	__u8 pad;
	__u8 ip[16];		/* IPv4 in the first four bytes, rest zero */
};

struct name_value {
	__u64 expires_ns;	/* CLOCK_BOOTTIME: TTL + grace after the answer */
	__u64 updated_ns;	/* CLOCK_BOOTTIME of the answer (or ClientHello) */
	__u32 ttl;		/* seconds, as answered (0 for SNI) */
	__u8 source;		/* enum iotrim_name_source */
	__u8 pad[3];
	char name[IOTRIM_NAME_LEN];
};

/*
 * Enforcement: block rules (`iotrim block`).  The controller writes the
 * three pinned maps below directly; the programs read them and add to the
 * hit counters.  A rule may carry a lease: expires_ns (CLOCK_BOOTTIME, 0 =
 * none), checked by the programs themselves, so a rule stops applying at
 * its lease end even if no user-space process is left to remove it.
 */
#define IOTRIM_MAX_DENY_PREFIXES 65536	/* deny_ip entries: (device or all, prefix) */
#define IOTRIM_MAX_DENY_NAMES 16384	/* deny_names entries */
#define IOTRIM_MAX_DENY_RULES (IOTRIM_MAX_DENY_PREFIXES + IOTRIM_MAX_DENY_NAMES)
#define IOTRIM_DENY_RULES_PER_PREFIX 8	/* rules of one (device, prefix), by proto/port */
/* deny_key bits before the address (device_mac, family, pad): always matched. */
#define IOTRIM_DENY_KEY_BITS 64

enum iotrim_deny_action {
	IOTRIM_DENY_DROP = 1,		/* the device times out */
	IOTRIM_DENY_REJECT = 2,		/* TCP RST, else ICMP administratively prohibited */
};

/*
 * Key of the "deny_ip" LPM trie.  The first IOTRIM_DENY_KEY_BITS bits are
 * the device (all zero: every device) and the family; prefixlen counts them
 * plus the address prefix, so 203.0.113.0/24 for one device is 64 + 24.
 * IPv4 addresses sit in the first four bytes of addr.
 */
struct deny_key {
	__u32 prefixlen;
	__u8 device_mac[6];
	__u8 family;		/* enum iotrim_family */
	__u8 pad;
	__u8 addr[16];
};

/* One rule of a deny_ip entry (rules differing only in proto/port share it). */
struct deny_rule {
	__u64 expires_ns;	/* CLOCK_BOOTTIME lease end; 0: none */
	__u32 id;		/* rule id (controller database), key of deny_hits */
	__u8 action;		/* enum iotrim_deny_action */
	__u8 proto;		/* IPPROTO_*; 0: any */
	__u16 port;		/* remote port, host order; 0: any */
};

/*
 * Value of the deny_ip trie: the rules of exactly this (device, prefix), in
 * the order they are tried (port-specific, protocol-specific, then any).
 * When none applies to a packet the programs look up the next shorter
 * prefix (prefixlen - 1), a bounded number of times.
 */
struct deny_value {
	__u32 prefixlen;	/* the key's prefixlen */
	__u32 count;		/* rules[0..count) are in use */
	struct deny_rule rules[IOTRIM_DENY_RULES_PER_PREFIX];
};

/*
 * Key of the "deny_names" hash: a DNS name (and with it all its subdomains)
 * for one device or all (zero MAC).  hash is iotrim_name_hash() of the
 * lower-case name (include/iotrim_hash.h).
 */
struct deny_name_key {
	__u64 hash;
	__u8 device_mac[6];
	__u16 pad;
};

struct deny_name_value {
	__u64 expires_ns;	/* CLOCK_BOOTTIME lease end; 0: none */
	__u32 id;		/* rule id, key of deny_hits */
	__u32 pad;
};

/*
 * "deny_filter" (array of __u32, IOTRIM_DENY_FILTER_SLOTS): how many deny_ip
 * and deny_names entries there are for the devices whose MAC falls in each
 * slot (iotrim_mac_slot(), include/iotrim_hash.h); slot 0 also counts the
 * entries for all devices.  The programs skip the lookups of a packet whose
 * slots are 0, so a device without rules pays two array reads.  The
 * controller raises a count before it adds an entry and lowers it after it
 * removes one: a count may be too high for a moment, never too low.
 */
#define IOTRIM_DENY_FILTER_SLOTS 4096

/*
 * "deny_hits" (per-CPU hash): rule id -> struct traffic_counter, layer-3
 * packets and bytes a rule blocked (for a name rule: the DNS responses it
 * rewrote or dropped).  The controller creates the entry with the rule.
 */

/*
 * Plaintext audit (`iotrim audit plaintext`): the pinned "audit_plain" hash
 * (struct device_key -> struct audit_plain_value) lists the devices whose
 * text-classified payload samples (bpf/classify.h) are copied into the
 * "events" ring buffer as IOTRIM_EV_PLAIN_SAMPLE, for the controller's
 * scanner (user/audit/).  Opt-in per device and leased: the programs ignore
 * an entry once expires_ns (CLOCK_BOOTTIME) has passed, so a killed audit
 * leaves nothing enabled.
 */
#define IOTRIM_MAX_AUDITED 64

struct audit_plain_value {
	__u64 expires_ns;	/* CLOCK_BOOTTIME lease end */
};

/*
 * "deny_cname" (LRU hash, pinned): the CNAME chains through which name rules
 * matched (deep CNAME inspection, bpf/dns_cname.h).  A response whose
 * question is not blocked but whose answer section holds a CNAME to a
 * blocked name is rewritten like one asking for it; the chain is kept here
 * for `iotrim block list`: names[0] is the question, names[1..] the CNAME
 * targets in answer order up to the one that matched (which, past
 * IOTRIM_CNAME_CHAIN_MAX names, takes the last slot; hops says how many
 * CNAME records led to it).  Names are in DNS wire format.
 */
#define IOTRIM_CNAME_CHAIN_MAX 4
#define IOTRIM_MAX_CNAME_CHAINS 1024
#define IOTRIM_CNAME_NAME_LEN 256	/* a wire-format name: 255 bytes at most, and a spare */

struct deny_cname_key {
	__u32 rule_id;		/* first: deny_maps.c prunes by it as in deny_hits */
	__u8 device_mac[6];
	__u8 pad[6];		/* no implicit padding: the key is hashed whole */
	__u64 qname_hash;	/* iotrim_name_hash() of the question */
};

struct deny_cname_value {
	__u64 seen_ns;		/* CLOCK_BOOTTIME of the last response */
	__u32 responses;	/* rewritten (or dropped) so far */
	__u8 hops;		/* CNAME records up to the matching target */
	__u8 pad[3];
	__u8 names[IOTRIM_CNAME_CHAIN_MAX][IOTRIM_CNAME_NAME_LEN];
};

#endif /* IOTRIM_H */
