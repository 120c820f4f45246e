/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A device's totals by slot (include/iotrim.h "Devices by slot").  A flow
 * entry remembers its device's slot and the owner's state word; while the
 * owner still has that word, the packet goes straight to the slot (two
 * array lookups, inlined by the verifier).  Otherwise the MAC is looked up
 * in "device_slots" and, for a device not seen yet, a free slot is claimed.
 *
 * Claiming: probe the owners from a hash of the MAC for a free one and
 * take it with a compare-and-swap, write the MAC, then publish MAC -> slot
 * with BPF_NOEXIST.  A CPU that loses the race to publish gives its slot
 * back (free, next generation) and uses the winner's.  Slots are freed
 * only by the controller (user/datapath/devices.c), which first unpublishes
 * the MAC, marks the slot draining, waits for the programs running to end,
 * and only then takes and zeroes the totals: no packet is counted twice or
 * lost, and a new owner starts from zero.
 */
#ifndef IOTRIM_DEVICE_H
#define IOTRIM_DEVICE_H

#include "maps.h"
#include "limit.h"

/*
 * The slot a packet counts in and the owner state that goes with it, as
 * one scalar (slot in the low half, state in the high): returned in a
 * register, it takes none of the counting program's 512 bytes of stack.
 */
#define DEVICE_NONE (~0ULL)
#define DEVICE_REF(slot, state) ((__u64)(state) << 32 | (__u32)(slot))
#define DEVICE_REF_SLOT(ref) ((__u32)(ref))
#define DEVICE_REF_STATE(ref) ((__u32)((ref) >> 32))

static __always_inline bool device_mac_equal(const __u8 *a, const __u8 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] && a[4] == b[4] &&
	       a[5] == b[5];
}

/* The slot's totals while its owner's state is still `state` (a used one). */
static __always_inline struct device_value *device_at(__u32 slot, __u32 state)
{
	struct device_owner *o = bpf_map_lookup_elem(&MAP_DEVICE_OWNERS, &slot);

	if (!o || o->state != state || IOTRIM_SLOT_PHASE(state) != IOTRIM_SLOT_USED)
		return NULL;
	return bpf_map_lookup_elem(&MAP_DEVICES, &slot);
}

/* The slot's totals (DEVICE_NONE: none). */
static __always_inline struct device_value *device_of(__u64 ref)
{
	__u32 slot = DEVICE_REF_SLOT(ref);

	return ref == DEVICE_NONE ? NULL : bpf_map_lookup_elem(&MAP_DEVICES, &slot);
}

/* The published slot of the device with this MAC, if it is still used by it. */
static __always_inline __u64 device_published(const struct device_key *dk)
{
	__u32 *slot = bpf_map_lookup_elem(&MAP_DEVICE_SLOTS, dk);
	struct device_owner *o;
	__u32 s;

	if (!slot)
		return DEVICE_NONE;
	s = *slot;
	o = bpf_map_lookup_elem(&MAP_DEVICE_OWNERS, &s);
	if (!o || IOTRIM_SLOT_PHASE(o->state) != IOTRIM_SLOT_USED ||
	    !device_mac_equal(o->mac, dk->mac))
		return DEVICE_NONE;	/* being drained by the controller: claim another */
	return DEVICE_REF(s, o->state);
}

/* One struct for the lookup key and the probe's state: 512 bytes of stack is all. */
struct device_claim {
	struct device_key dk;
	__u32 start;
	__u32 slot;
	__u32 state;
	bool claimed;
};

static long device_claim_step(__u64 i, void *data)
{
	struct device_claim *c = data;
	__u32 slot = (c->start + (__u32)i) & (IOTRIM_MAX_DEVICES - 1);
	struct device_owner *o = bpf_map_lookup_elem(&MAP_DEVICE_OWNERS, &slot);
	__u64 s;

	if (!o)
		return 1;
	s = o->state;
	if (IOTRIM_SLOT_PHASE(s) != IOTRIM_SLOT_FREE ||
	    __sync_val_compare_and_swap(&o->state, s, s | IOTRIM_SLOT_USED) != s)
		return 0;
	c->slot = slot;
	c->state = s | IOTRIM_SLOT_USED;
	c->claimed = true;
	return 1;
}

/* Spreads the devices over the slots, so that a claim usually takes the first it probes. */
static __always_inline __u32 device_slot_hash(const __u8 mac[6])
{
	__u32 h = ((__u32)mac[2] << 24 | (__u32)mac[3] << 16 | (__u32)mac[4] << 8 | mac[5]) ^
		  ((__u32)mac[0] << 8 | mac[1]);

	return h * 2654435761u >> 20;	/* the top 12 bits: IOTRIM_MAX_DEVICES */
}

/*
 * The device's slot, claimed for it if it has none (rare: at most
 * IOTRIM_NEW_DEVICE_RATE a second, limit.h); DEVICE_NONE if it has none
 * and may not or cannot have one (counted).  A function of its own: off
 * the per-packet path, and its stack is not the counting program's.
 */
static __noinline __u64 device_resolve(const __u8 mac[6], __u64 now)
{
	struct device_claim c = {};
	struct device_owner *o;
	struct device_value *dv;
	__u64 ref;

	__builtin_memcpy(c.dk.mac, mac, 6);
	ref = device_published(&c.dk);
	if (ref != DEVICE_NONE)
		return ref;
	/* A flood of new source MACs cannot fill the table at once (aged by the controller). */
	if (!limit_new_device(now)) {
		count_reason(IOTRIM_DEVICE_INSERT_LIMITED);
		return DEVICE_NONE;
	}
	c.start = device_slot_hash(mac);
	bpf_loop(IOTRIM_MAX_DEVICES, device_claim_step, &c, 0);
	o = c.claimed ? bpf_map_lookup_elem(&MAP_DEVICE_OWNERS, &c.slot) : NULL;
	if (!o) {
		count_reason(IOTRIM_DEVICE_TABLE_FULL);
		return DEVICE_NONE;
	}
	__builtin_memcpy(o->mac, mac, 6);
	if (bpf_map_update_elem(&MAP_DEVICE_SLOTS, &c.dk, &c.slot, BPF_NOEXIST)) {
		/* Another CPU published the device first: give the slot back, use theirs. */
		__builtin_memset(o->mac, 0, 6);
		o->state = IOTRIM_SLOT_NEXT_FREE(c.state);
		ref = device_published(&c.dk);
		if (ref == DEVICE_NONE)
			count_reason(IOTRIM_DEVICE_TABLE_FULL);
		return ref;
	}
	dv = bpf_map_lookup_elem(&MAP_DEVICES, &c.slot);
	if (dv)
		dv->first_seen_ns = now;	/* only on this CPU: the controller takes the earliest */
	return DEVICE_REF(c.slot, c.state);
}

#endif /* IOTRIM_DEVICE_H */
