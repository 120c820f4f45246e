/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fair shares of the shared tables and the events ring (README "Bounds"):
 * a device's DNS/TLS events and new flow entries, and the device table's
 * new entries, each spend from a GCRA bucket (a theoretical arrival time:
 * one u64, no division at run time).  The buckets live in per-CPU values
 * (the device's own entry; one array for new devices), so they need no
 * atomics and cost nothing on the per-packet path: only a new flow, a new
 * device or an event candidate looks at them.  Spent budgets are counted
 * (IOTRIM_FLOW_QUOTA, IOTRIM_EVENT_RATE_LIMITED, IOTRIM_DEVICE_INSERT_LIMITED);
 * the packet is still counted in its device's totals whenever the device
 * has an entry.
 */
#ifndef IOTRIM_LIMIT_H
#define IOTRIM_LIMIT_H

#include "maps.h"

#define LIMIT_NS_PER_S 1000000000ULL

struct limit_state {
	__u64 new_device_tat_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct limit_state);
} limit_state SEC(".maps");	/* not pinned: per object, like count_clock */

/* Replay and most tests run without budgets (IOTRIM_CONFIG_NO_LIMITS). */
static __always_inline bool limits_off(void)
{
	__u32 zero = 0;
	struct iotrim_config *cfg = bpf_map_lookup_elem(&MAP_SETTINGS, &zero);

	return cfg && (cfg->flags & IOTRIM_CONFIG_NO_LIMITS);
}

/*
 * Takes one token of a bucket of `burst` that refills one token per
 * interval_ns; a bucket never used on this CPU (tat 0) starts with `fresh`
 * tokens.  False when the bucket is empty.
 */
static __always_inline bool gcra_take(__u64 *tat, __u64 now, __u64 interval_ns, __u64 burst,
				      __u64 fresh)
{
	__u64 t = *tat;

	if (!t)
		t = now + (burst - fresh) * interval_ns;
	if (t < now)
		t = now;
	if (t - now > (burst - 1) * interval_ns) {
		*tat = t;
		return false;
	}
	*tat = t + interval_ns;
	return true;
}

/* May the device table take one more entry now? */
static __always_inline bool limit_new_device(__u64 now)
{
	__u32 zero = 0;
	struct limit_state *s = bpf_map_lookup_elem(&limit_state, &zero);

	if (!s || limits_off())
		return true;
	return gcra_take(&s->new_device_tat_ns, now, LIMIT_NS_PER_S / IOTRIM_NEW_DEVICE_RATE,
			 IOTRIM_NEW_DEVICE_BURST, IOTRIM_NEW_DEVICE_BURST);
}

/* May the device (NULL: it has no entry) add a flow entry now? */
static __always_inline bool limit_new_flow(struct device_value *dv, __u64 now)
{
	if (limits_off())
		return true;
	if (!dv)
		return false;
	return gcra_take(&dv->flow_tat_ns, now, LIMIT_NS_PER_S / IOTRIM_FLOW_RATE,
			 IOTRIM_FLOW_BURST, IOTRIM_FLOW_FRESH);
}

/* May the device with this MAC send one more event now? */
static __always_inline bool limit_event(const __u8 mac[6], __u64 now)
{
	struct device_key dk = {};
	struct device_value *dv;
	__u32 *slot;

	if (limits_off())
		return true;
	__builtin_memcpy(dk.mac, mac, 6);
	slot = bpf_map_lookup_elem(&MAP_DEVICE_SLOTS, &dk);
	dv = slot ? bpf_map_lookup_elem(&MAP_DEVICES, slot) : NULL;
	if (!dv)
		return false;
	return gcra_take(&dv->event_tat_ns, now, LIMIT_NS_PER_S / IOTRIM_EVENT_RATE,
			 IOTRIM_EVENT_BURST, IOTRIM_EVENT_BURST);
}

#endif /* IOTRIM_LIMIT_H */
