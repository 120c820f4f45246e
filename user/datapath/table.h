/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Snapshots of the pinned maps, read into plain arrays. */
#ifndef IOTRIM_TABLE_H
#define IOTRIM_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "iotrim.h"
#include "datapath/devices.h"

struct flow_entry {
	struct flow_key key;
	struct flow_value value;
};

struct flow_table {
	struct flow_entry *items;
	size_t len;
};

/*
 * Each returns 0 or a negative errno; tables are freed with *_free.
 */
int read_flows(int map_fd, struct flow_table *t);
void flow_table_free(struct flow_table *t);
/* Fills each device's flows, listed_up and listed_down from a flow table. */
void device_table_sum_flows(struct device_table *t, const struct flow_table *flows);
/* Sums the per-CPU counters into out[IOTRIM_COUNTER__COUNT]. */
int read_counters(int map_fd, uint64_t *out);

/*
 * Devices and flows read from the pinned maps, each device summed over its
 * listed flows.  Returns 0, or what open_all_maps returns, or -errno, after
 * printing why.
 */
struct snapshot {
	struct device_table devices;
	struct flow_table flows;
};
int snapshot_take(struct snapshot *s);
void snapshot_free(struct snapshot *s);

/* A map's max_entries (0 if unknown), and its entries, counted without copying values
 * (keys up to 64 bytes). */
uint32_t map_capacity(int fd);
size_t map_fill(int fd);

/* Stable snake_case names, used in text and JSON output. */
const char *counter_name(unsigned int counter);

#endif
