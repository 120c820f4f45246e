// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "datapath/pin.h"
#include "datapath/payload.h"
#include "datapath/table.h"

/* Keys per batch read: bounds the values held at once. */
#define BATCH_KEYS 4096

/*
 * Reads a hash map into entries of entry_size (key at 0, value at
 * value_offset) with batch lookups: a few system calls for the whole table
 * instead of two per entry.  Entries may come and go while we
 * read (LRU eviction, new flows); the result is a snapshot as good as a live
 * table allows.
 */
static int read_hash(int fd, size_t key_size, size_t value_size, size_t entry_size,
		     size_t value_offset, void **items, size_t *len)
{
	size_t cap = 256, n = 0, stride = value_size;
	__u32 batch = BATCH_KEYS, token = 0;
	char *buf = NULL, *keys = NULL, *copies = NULL;
	bool first = true, done = false;
	int err = 0;

	buf = malloc(cap * entry_size);
	keys = malloc((size_t)batch * key_size);
	copies = malloc((size_t)batch * stride);
	if (!buf || !keys || !copies) {
		err = -ENOMEM;
		goto out;
	}
	while (!done) {
		__u32 count = batch;

		if (bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, copies,
					 &count, NULL) != 0) {
			if (errno != ENOENT) {
				err = -errno;
				goto out;
			}
			done = true;	/* the last keys, if any, are in this batch */
		}
		first = false;
		if (n + count > cap) {
			char *grown;

			while (n + count > cap)
				cap *= 2;
			grown = realloc(buf, cap * entry_size);
			if (!grown) {
				err = -ENOMEM;
				goto out;
			}
			buf = grown;
		}
		for (__u32 i = 0; i < count; i++, n++) {
			char *entry = buf + n * entry_size;

			memset(entry, 0, entry_size);
			memcpy(entry, keys + i * key_size, key_size);
			memcpy(entry + value_offset, copies + i * stride, value_size);
		}
	}
out:
	free(keys);
	free(copies);
	if (err) {
		free(buf);
		return err;
	}
	*items = buf;
	*len = n;
	return 0;
}

int read_flows(int map_fd, struct flow_table *t)
{
	return read_hash(map_fd, sizeof(struct flow_key), sizeof(struct flow_value),
			 sizeof(struct flow_entry), offsetof(struct flow_entry, value),
			 (void **)&t->items, &t->len);
}

void flow_table_free(struct flow_table *t)
{
	free(t->items);
	t->items = NULL;
	t->len = 0;
}

void device_table_sum_flows(struct device_table *t, const struct flow_table *flows)
{
	for (size_t i = 0; i < flows->len; i++) {
		const struct flow_entry *f = &flows->items[i];
		struct device_entry *dev = device_table_find(t, f->key.device_mac);

		if (!dev)
			continue;
		dev->flows++;
		traffic_add(&dev->listed_up, &f->value.up);
		traffic_add(&dev->listed_down, &f->value.down);
	}
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
	err = read_devices(&maps.devices, &s->devices);
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
		[IOTRIM_CERT_CUT] = "cert_cut",
		[IOTRIM_PLAIN_SAMPLE_LOST] = "plain_sample_lost",
		[IOTRIM_PLAIN_SAMPLE_CUT] = "plain_sample_cut",
		[IOTRIM_EVENT_RATE_LIMITED] = "event_rate_limited",
		[IOTRIM_FLOW_QUOTA] = "flow_quota",
		[IOTRIM_DEVICE_INSERT_LIMITED] = "device_insert_limited",
	};

	return counter < IOTRIM_COUNTER__COUNT && names[counter] ? names[counter] : "unknown";
}

uint32_t map_capacity(int fd)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.max_entries : 0;
}

size_t map_fill(int fd)
{
	char key[64], prev[64];
	void *prev_key = NULL;
	size_t n = 0;

	while (bpf_map_get_next_key(fd, prev_key, key) == 0) {
		memcpy(prev, key, sizeof(prev));
		prev_key = prev;
		n++;
	}
	return n;
}
