/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Adds one parsed packet (or GSO aggregate) to its flow and device. */
#ifndef IOTRIM_COUNT_H
#define IOTRIM_COUNT_H

#include "maps.h"
#include "limit.h"
#include "device.h"
#include "parse.h"
#include "classify.h"

enum direction {
	DIR_UP,		/* device -> remote */
	DIR_DOWN,	/* remote -> device */
};

/* Flow values are shared by the CPUs: atomic adds. */
static __always_inline void add_traffic(struct traffic_counter *c,
					__u64 packets, __u64 bytes)
{
	__sync_fetch_and_add(&c->packets, packets);
	__sync_fetch_and_add(&c->bytes, bytes);
}

/* Device values are per-CPU: plain adds. */
static __always_inline void add_traffic_percpu(struct traffic_counter *c,
					       __u64 packets, __u64 bytes)
{
	c->packets += packets;
	c->bytes += bytes;
}

/*
 * The time a packet is counted at (first_seen_ns, last_seen_ns):
 * CLOCK_BOOTTIME read at most once per jiffy on each CPU and reused within
 * it.  Reading the clock costs more than the rest of a flow update on some
 * clock sources (about 35 ns on kvm-clock, `make bench`); the jiffies
 * counter is a plain read.  The value is a real boot time at most one jiffy
 * (1..10 ms) before the packet: the controller reports in seconds.
 */
struct clock_cache {
	__u64 jiffies;
	__u64 boot_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct clock_cache);
} count_clock SEC(".maps");	/* not pinned: each object has its own */

static __always_inline __u64 packet_time(void)
{
	__u32 zero = 0;
	struct clock_cache *c = bpf_map_lookup_elem(&count_clock, &zero);
	__u64 jiffies = bpf_jiffies64();

	if (!c)
		return bpf_ktime_get_boot_ns();
	if (c->jiffies != jiffies || !c->boot_ns) {
		c->jiffies = jiffies;
		c->boot_ns = bpf_ktime_get_boot_ns();
	}
	return c->boot_ns;
}

/* Builds the flow key from the device's side of the packet. */
static __always_inline void flow_key_from_packet(const struct packet_info *pi,
						 enum direction dir,
						 struct flow_key *key)
{
	__builtin_memset(key, 0, sizeof(*key));
	key->family = pi->family;
	key->proto = pi->proto;
	if (dir == DIR_UP) {
		__builtin_memcpy(key->device_mac, pi->src_mac, ETH_ALEN);
		__builtin_memcpy(key->device_ip, pi->src_ip, 16);
		__builtin_memcpy(key->remote_ip, pi->dst_ip, 16);
		key->remote_port = pi->dst_port;
	} else {
		__builtin_memcpy(key->device_mac, pi->dst_mac, ETH_ALEN);
		__builtin_memcpy(key->device_ip, pi->dst_ip, 16);
		__builtin_memcpy(key->remote_ip, pi->src_ip, 16);
		key->remote_port = pi->src_port;
	}
}

/*
 * A new flow entry: inserted zeroed (BPF_NOEXIST, so a concurrent insert
 * by another CPU wins and is reused) and looked up again; the inserting CPU
 * sets first_seen_ns.  A flow's value is shared (its payload sampling state
 * must be: a flow direction is not always handled by one CPU, e.g. on veth
 * it runs on the sender's), so its counts are added atomically.  A
 * device's value is per-CPU (every flow of the device updates it: shared,
 * it would bounce between CPUs), added plainly.  The zeroed entry comes
 * from .rodata, not the stack: BPF has 512 bytes of stack for the whole
 * call chain.
 */
static const struct flow_value zero_flow_value;

static __always_inline struct flow_value *new_flow(const struct flow_key *key, __u64 now,
						   struct device_value *dv, __u64 ref)
{
	struct flow_value *v;
	bool inserted;

	/* Every new entry may evict another device's flow: within its budget only. */
	if (!limit_new_flow(dv, now)) {
		count_reason(IOTRIM_FLOW_QUOTA);
		return NULL;
	}
	inserted = !bpf_map_update_elem(&MAP_FLOWS, key, &zero_flow_value, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&MAP_FLOWS, key);
	if (!v) {
		count_reason(IOTRIM_FLOW_UPDATE_FAILED);
		return NULL;
	}
	if (inserted)
		v->first_seen_ns = now;
	v->device_slot = DEVICE_REF_SLOT(ref);
	v->device_state = DEVICE_REF_STATE(ref);
	return v;
}

/*
 * The flow's device: through the slot the flow remembers while it is still
 * the device's, else looked up (or claimed, device.h) and remembered.  Two
 * CPUs may remember at once; a mixed pair fails the check and is looked up
 * again, and each packet counts in the slot its own CPU found.
 */
static __always_inline struct device_value *flow_device(struct flow_value *fv,
							const struct flow_key *key, __u64 now)
{
	struct device_value *dv = device_at(fv->device_slot, fv->device_state);
	__u64 ref;

	if (dv)
		return dv;
	ref = device_resolve(key->device_mac, now);
	dv = device_of(ref);
	if (dv) {
		fv->device_slot = DEVICE_REF_SLOT(ref);
		fv->device_state = DEVICE_REF_STATE(ref);
	}
	return dv;
}

static __always_inline void count_device(struct device_value *v, const struct flow_key *key,
					 enum direction dir, __u64 packets, __u64 bytes,
					 __u64 now)
{
	add_traffic_percpu(dir == DIR_UP ? &v->up : &v->down, packets, bytes);
	v->last_seen_ns = now;
	__builtin_memcpy(v->last_ip, key->device_ip, 16);
	v->last_family = key->family;
}

/*
 * Counts a parsed packet.  gso_segs > 1 means the skb stands for that many
 * wire packets, each carrying its own copy of the L3 and L4 headers, so the
 * wire's L3 bytes are the aggregate's plus (segs - 1) header copies.
 * src says where the payload is, for the payload classifier (classify.h).
 * Notes in pi what the event code needs of the flow's entry (in pi, not
 * returned: a value kept across the calls below would take a stack slot
 * the chain of calls to the certificate code does not have).
 */
static __always_inline void count_packet(struct packet_info *pi,
					 enum direction dir, __u32 frame_len,
					 __u32 gso_segs, const struct payload_src *src)
{
	struct flow_value *fv;
	struct device_value *dv;
	struct flow_key key;
	__u64 now = packet_time();
	__u64 packets = 1;
	__u64 bytes = pi->l3_len;

	if (gso_segs > 1) {
		__u32 hdrs = pi->l4_off - pi->l3_off + pi->l4_hdr_len;

		packets = gso_segs;
		bytes = (frame_len - pi->l3_off) + (__u64)(gso_segs - 1) * hdrs;
	}
	flow_key_from_packet(pi, dir, &key);
	fv = bpf_map_lookup_elem(&MAP_FLOWS, &key);
	if (fv) {
		dv = flow_device(fv, &key, now);
	} else {
		/* Counted in its device even when it gets no flow entry. */
		__u64 ref = device_resolve(key.device_mac, now);

		dv = device_of(ref);
		fv = new_flow(&key, now, dv, ref);
	}
	if (dv)
		count_device(dv, &key, dir, packets, bytes, now);
	if (!fv) {
		pi->cert_follows = 0;
		pi->conn_seen = 0;
		return;
	}
	pi->cert_follows = fv->cert_follows != 0;
	pi->conn_seen = dir == DIR_UP ? pi->src_port && pi->src_port == fv->seen_port_up :
					pi->dst_port && pi->dst_port == fv->seen_port_down;
	add_traffic(dir == DIR_UP ? &fv->up : &fv->down, packets, bytes);
	fv->last_seen_ns = now;
	payload_packet(src, pi, &key, dir, frame_len, packets,
		       dir == DIR_UP ? &fv->sample_up : &fv->sample_down,
		       dir == DIR_UP ? &fv->payload_up : &fv->payload_down,
		       !dv ? NULL : dir == DIR_UP ? &dv->payload_up : &dv->payload_down);
}

#endif /* IOTRIM_COUNT_H */
