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
#define IOTRIM_MAX_DEVICES 4096

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

/* Timestamps are bpf_ktime_get_boot_ns() (CLOCK_BOOTTIME). */
struct flow_value {
	struct traffic_counter up;	/* device -> remote (XDP, LAN ingress) */
	struct traffic_counter down;	/* remote -> device (TC, LAN egress) */
	__u64 first_seen_ns;
	__u64 last_seen_ns;
};

struct device_key {
	__u8 mac[6];
	__u16 pad;
};

/*
 * Per-device totals.  Kept in a plain (non-LRU) hash so that evicting flows
 * from the LRU flow table never loses a device's byte counts.
 */
struct device_value {
	struct traffic_counter up;
	struct traffic_counter down;
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	__u8 last_ip[16];	/* address of the device's most recent packet */
	__u8 last_family;
	__u8 pad[7];
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

#endif /* IOTRIM_H */
