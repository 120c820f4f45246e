/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Maps shared by the XDP and TC objects.  Each object declares them with
 * the same name and LIBBPF_PIN_BY_NAME, so whichever loads second reuses
 * the pinned map of the first: both hooks count into one table.
 */
#ifndef IOTRIM_MAPS_H
#define IOTRIM_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "iotrim.h"
#include "iotrim_maps.h"

/*
 * Shared, not per-CPU: a flow's payload sampling state (first K, sticky
 * labels) must be one per flow direction (count.h).
 * Resized by the controller before load (iotrim attach --max-flows).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IOTRIM_DEFAULT_MAX_FLOWS);
	__type(key, struct flow_key);
	__type(value, struct flow_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_FLOWS SEC(".maps");

/*
 * Device totals by slot (include/iotrim.h, bpf/device.h).  Per-CPU: each
 * CPU adds to its own copy without atomics, and the controller sums the
 * copies (user/datapath/devices.c).  Never evicting: a device's totals are
 * exact.  Arrays, so the verifier inlines the per-packet lookups.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IOTRIM_MAX_DEVICES);
	__type(key, __u32);
	__type(value, struct device_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_DEVICES SEC(".maps");

/*
 * Shared: one owner per slot, claimed with compare-and-swap.  Mappable, so
 * that the controller changes a state word with one atomic store.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IOTRIM_MAX_DEVICES);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct device_owner);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_DEVICE_OWNERS SEC(".maps");

/* Looked up only for a new flow entry, a flow whose slot went stale, or an event. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOTRIM_MAX_DEVICES);
	__type(key, struct device_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_DEVICE_SLOTS SEC(".maps");

/* Indexed by enum iotrim_counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IOTRIM_COUNTER__COUNT);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_COUNTERS SEC(".maps");

static __always_inline void count_reason(__u32 reason)
{
	__u64 *c = bpf_map_lookup_elem(&MAP_COUNTERS, &reason);

	if (c)
		*c += 1;	/* per-CPU: no atomics needed */
}

/*
 * Payloads for the controller: DNS and TLS (events.h) and the audited text
 * samples (audit_plain.h).
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, IOTRIM_EVENTS_RINGBUF_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_EVENTS SEC(".maps");

/* Written only by the controller; kept here so it is pinned with the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct attach_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_ATTACHMENT SEC(".maps");

/*
 * Run-time settings (payload sampling), written by `iotrim set`; zeroed
 * means defaults.  An array, so the verifier inlines the lookup.  (Not
 * named "config": vmlinux.h has a typedef of that name.)
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct iotrim_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_SETTINGS SEC(".maps");

/*
 * Remote address -> name, per device (struct name_key -> struct name_value,
 * include/iotrim.h).  Written only by the controller from DNS answers and
 * TLS SNI; declared here so that it is pinned with the others.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IOTRIM_MAX_NAMES);
	__type(key, struct name_key);
	__type(value, struct name_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_NAMES SEC(".maps");

#endif /* IOTRIM_MAPS_H */
