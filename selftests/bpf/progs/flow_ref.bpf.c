// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The reference flow counter for make bench (bench_count): the cheapest
 * honest program that keys what iotrim keys (struct flow_key: device MAC and
 * address, remote address, protocol, remote port) into one per-CPU hash and
 * adds packets and bytes.  It parses what the benchmark's frames carry
 * (Ethernet, up to two VLAN tags, IPv4 with options, the fixed IPv6 header,
 * TCP/UDP ports) and nothing else: no error reasons, timestamps, device
 * totals, payload classes, events or deny checks.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "iotrim.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, IOTRIM_DEFAULT_MAX_FLOWS);
	__type(key, struct flow_key);
	__type(value, struct traffic_counter);
} ref_flows SEC(".maps");

/* up: the device sent the frame (its side is the source). */
static __always_inline void ref_count(void *data, void *data_end, bool up)
{
	struct ethhdr *eth = data;
	struct flow_key key = {};
	struct traffic_counter *c, fresh;
	__u32 off = sizeof(*eth), l3_len;
	__u16 proto;
	__u8 *ports;

	if ((void *)(eth + 1) > data_end)
		return;
	proto = eth->h_proto;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_hdr *vh = data + off;

		if (proto != bpf_htons(0x8100) && proto != bpf_htons(0x88A8))
			break;
		if ((void *)(vh + 1) > data_end)
			return;
		proto = vh->h_vlan_encapsulated_proto;
		off += sizeof(*vh);
	}
	__builtin_memcpy(key.device_mac, up ? eth->h_source : eth->h_dest, 6);
	if (proto == bpf_htons(0x0800)) {
		struct iphdr *iph = data + off;

		if ((void *)(iph + 1) > data_end)
			return;
		key.family = IOTRIM_FAMILY_IPV4;
		key.proto = iph->protocol;
		__builtin_memcpy(key.device_ip, up ? &iph->saddr : &iph->daddr, 4);
		__builtin_memcpy(key.remote_ip, up ? &iph->daddr : &iph->saddr, 4);
		l3_len = bpf_ntohs(iph->tot_len);
		off += iph->ihl * 4;
	} else if (proto == bpf_htons(0x86DD)) {
		struct ipv6hdr *ip6h = data + off;

		if ((void *)(ip6h + 1) > data_end)
			return;
		key.family = IOTRIM_FAMILY_IPV6;
		key.proto = ip6h->nexthdr;
		__builtin_memcpy(key.device_ip, up ? &ip6h->saddr : &ip6h->daddr, 16);
		__builtin_memcpy(key.remote_ip, up ? &ip6h->daddr : &ip6h->saddr, 16);
		l3_len = sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len);
		off += sizeof(*ip6h);
	} else {
		return;
	}
	ports = data + (off & 0xff);
	if ((key.proto == IPPROTO_TCP || key.proto == IPPROTO_UDP) &&
	    (void *)(ports + 4) <= data_end)
		key.remote_port = up ? (ports[2] << 8 | ports[3]) : (ports[0] << 8 | ports[1]);

	c = bpf_map_lookup_elem(&ref_flows, &key);
	if (c) {
		c->packets++;
		c->bytes += l3_len;
		return;
	}
	fresh.packets = 1;
	fresh.bytes = l3_len;
	bpf_map_update_elem(&ref_flows, &key, &fresh, BPF_NOEXIST);
}

SEC("xdp")
int ref_xdp(struct xdp_md *ctx)
{
	ref_count((void *)(long)ctx->data, (void *)(long)ctx->data_end, true);
	return XDP_PASS;
}

/* TC egress: world -> device, the device is the destination. */
SEC("tc")
int ref_tc_egress(struct __sk_buff *skb)
{
	ref_count((void *)(long)skb->data, (void *)(long)skb->data_end, false);
	return 0; /* TC_ACT_OK */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
