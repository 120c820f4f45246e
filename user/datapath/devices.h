/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The device table as the programs keep it (include/iotrim.h "Devices by
 * slot", bpf/device.h): MAC -> slot, the slots' owners, and the per-CPU
 * totals by slot.  The readers sum a slot's per-CPU copies (earliest
 * first_seen_ns, latest last_seen_ns and last address).
 */
#ifndef IOTRIM_DEVICES_H
#define IOTRIM_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "iotrim.h"

struct device_maps {
	int slots;			/* "device_slots" */
	int owners;			/* "device_owners" */
	int totals;			/* "devices" */
	struct device_owner *owner;	/* "device_owners" mapped, IOTRIM_MAX_DEVICES of them */
};

struct device_entry {
	struct device_key key;
	__u32 slot;
	struct device_value value;
	size_t flows;			/* listed flows of this device */
	struct traffic_counter listed_up;	/* sums over its listed flows */
	struct traffic_counter listed_down;
};

struct device_table {
	struct device_entry *items;
	size_t len;
};

/*
 * From three map fds (duplicated: the caller keeps its own); 0, -errno, or
 * -DP_PINS_DIFFER (after saying so) if they are not of this build's layout.
 * device_maps_close closes what it or device_maps_open (datapath/pin.h)
 * gives, and one of -1s.
 */
int device_maps_from_fds(struct device_maps *m, int slots, int owners, int totals);
void device_maps_close(struct device_maps *m);

/* sum += c: the per-CPU copies of a device, a device's flows. */
void traffic_add(struct traffic_counter *sum, const struct traffic_counter *c);

/* Each returns 0 or a negative errno (-ENOENT: no such device). */
int lookup_device(const struct device_maps *m, const __u8 mac[6], struct device_value *value);
/* Reads the devices that have counted something, sorted by MAC. */
int read_devices(const struct device_maps *m, struct device_table *t);
/* The same, a device once per slot it holds (take_devices takes slots). */
int read_device_slots(const struct device_maps *m, struct device_table *t);
/* The device with this MAC in a table read_devices gave, or NULL. */
struct device_entry *device_table_find(const struct device_table *t, const __u8 mac[6]);
void device_table_free(struct device_table *t);

/*
 * Takes the devices items[i] (as read_device_slots gave them) out of the table:
 * their slots are unpublished and drained, and each items[i].value becomes
 * its final totals, taken[i] true.  A packet a program counted before is in
 * them; one after starts a fresh slot.  taken[i] is false for a device no
 * longer in its slot.  Returns 0 or a negative errno.
 */
int take_devices(const struct device_maps *m, struct device_entry *items, size_t n, bool *taken);

#endif
