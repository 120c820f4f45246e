// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "datapath/pin.h"
#include "datapath/table.h"

/*
 * Walks a hash map with get_next_key.  Entries may come and go while we
 * walk (LRU eviction, new flows); a key that vanished between next_key and
 * lookup is skipped, which is the best a snapshot of a live table can do.
 */
static int read_hash(int fd, size_t key_size, size_t entry_size,
		     size_t value_offset, void **items, size_t *len)
{
	size_t cap = 256, n = 0;
	char *buf = malloc(cap * entry_size);
	char prev[64], next[64];
	void *prev_key = NULL;

	if (!buf)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev_key, next) == 0) {
		if (n == cap) {
			char *grown = realloc(buf, cap * 2 * entry_size);

			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
			cap *= 2;
		}
		char *entry = buf + n * entry_size;

		memset(entry, 0, entry_size);
		memcpy(entry, next, key_size);
		if (bpf_map_lookup_elem(fd, next, entry + value_offset) == 0)
			n++;
		memcpy(prev, next, key_size);
		prev_key = prev;
	}
	if (errno != ENOENT) {
		int err = -errno;

		free(buf);
		return err;
	}
	*items = buf;
	*len = n;
	return 0;
}

int read_flows(int map_fd, struct flow_table *t)
{
	_Static_assert(sizeof(struct flow_key) <= 64, "key buffer");
	return read_hash(map_fd, sizeof(struct flow_key), sizeof(struct flow_entry),
			 offsetof(struct flow_entry, value), (void **)&t->items, &t->len);
}

void flow_table_free(struct flow_table *t)
{
	free(t->items);
	t->items = NULL;
	t->len = 0;
}

static void add_counter(struct traffic_counter *sum, const struct traffic_counter *c)
{
	sum->packets += c->packets;
	sum->bytes += c->bytes;
}

static int compare_device_mac(const void *a, const void *b)
{
	return memcmp(((const struct device_entry *)a)->key.mac,
		      ((const struct device_entry *)b)->key.mac, 6);
}

int read_devices(int map_fd, struct device_table *t)
{
	int err = read_hash(map_fd, sizeof(struct device_key), sizeof(struct device_entry),
			    offsetof(struct device_entry, value), (void **)&t->items, &t->len);

	/* Sorted by MAC: stable output, and a binary search per flow below. */
	if (!err)
		qsort(t->items, t->len, sizeof(*t->items), compare_device_mac);
	return err;
}

void device_table_sum_flows(struct device_table *t, const struct flow_table *flows)
{
	for (size_t i = 0; i < flows->len; i++) {
		const struct flow_entry *f = &flows->items[i];
		struct device_entry probe = { 0 }, *dev;

		memcpy(probe.key.mac, f->key.device_mac, 6);
		dev = bsearch(&probe, t->items, t->len, sizeof(*t->items), compare_device_mac);
		if (!dev)
			continue;
		dev->flows++;
		add_counter(&dev->listed_up, &f->value.up);
		add_counter(&dev->listed_down, &f->value.down);
	}
}

void device_table_free(struct device_table *t)
{
	free(t->items);
	t->items = NULL;
	t->len = 0;
}

int snapshot_take(struct snapshot *s)
{
	struct pinned_maps maps;
	int err;

	memset(s, 0, sizeof(*s));
	if ((err = open_all_maps(&maps)))
		return err;
	/*
	 * Devices first: counters only grow, so flows read afterwards sum to at
	 * least the device totals read before, unless flows were evicted.
	 */
	err = read_devices(maps.devices, &s->devices);
	if (!err)
		err = read_flows(maps.flows, &s->flows);
	close_all_maps(&maps);
	if (err) {
		snapshot_free(s);
		pr_error("reading the pinned maps failed: %s", strerror(-err));
		return err;
	}
	device_table_sum_flows(&s->devices, &s->flows);
	return 0;
}

void snapshot_free(struct snapshot *s)
{
	device_table_free(&s->devices);
	flow_table_free(&s->flows);
}

int read_counters(int map_fd, uint64_t *out)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *percpu;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (__u32 i = 0; i < IOTRIM_COUNTER__COUNT; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(map_fd, &i, percpu) != 0) {
			int err = -errno;

			free(percpu);
			return err;
		}
		for (int c = 0; c < ncpus; c++)
			out[i] += percpu[c];
	}
	free(percpu);
	return 0;
}

const char *counter_name(unsigned int counter)
{
	static const char *const names[IOTRIM_COUNTER__COUNT] = {
		[IOTRIM_ERR_TRUNC_L2] = "truncated_l2",
		[IOTRIM_ERR_TRUNC_L3] = "truncated_l3",
		[IOTRIM_ERR_BAD_IP_VERSION] = "bad_ip_version",
		[IOTRIM_ERR_BAD_IHL] = "bad_ihl",
		[IOTRIM_ERR_BAD_IP_LEN] = "bad_ip_length",
		[IOTRIM_ERR_TRUNC_EXT_HDR] = "truncated_ipv6_ext_header",
		[IOTRIM_ERR_TOO_MANY_EXT_HDRS] = "too_many_ipv6_ext_headers",
		[IOTRIM_ERR_TRUNC_L4] = "truncated_l4",
		[IOTRIM_ERR_BAD_TCP_DOFF] = "bad_tcp_data_offset",
		[IOTRIM_ERR_TOO_MANY_VLANS] = "too_many_vlan_tags",
		[IOTRIM_NOT_IP] = "not_ip",
		[IOTRIM_GROUP_DEST] = "group_destination_egress",
		[IOTRIM_FLOW_UPDATE_FAILED] = "flow_update_failed",
		[IOTRIM_DEVICE_TABLE_FULL] = "device_table_full",
		[IOTRIM_EVENT_RINGBUF_FULL] = "event_ringbuf_full",
	};

	return counter < IOTRIM_COUNTER__COUNT && names[counter] ? names[counter] : "unknown";
}
