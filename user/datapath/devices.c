// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "datapath/devices.h"
#include "datapath/error.h"
#include "datapath/payload.h"

#define OWNERS_BYTES ((size_t)IOTRIM_MAX_DEVICES * sizeof(struct device_owner))

static bool map_is(int fd, __u32 type, __u32 key_size, __u32 value_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.type == type &&
	       info.key_size == key_size && info.value_size == value_size &&
	       info.max_entries == IOTRIM_MAX_DEVICES;
}

int device_maps_from_fds(struct device_maps *m, int slots, int owners, int totals)
{
	void *mapped;

	*m = (struct device_maps){ .slots = -1, .owners = -1, .totals = -1 };
	/* Pins of a version that kept the devices in a per-CPU hash by MAC. */
	if (!map_is(totals, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(struct device_value)) ||
	    !map_is(owners, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct device_owner)) ||
	    !map_is(slots, BPF_MAP_TYPE_HASH, sizeof(struct device_key), sizeof(__u32))) {
		pr_error("the pinned device maps do not match this build of iotrim: "
			 "run `iotrim detach --purge` (loses their counts)");
		return -DP_PINS_DIFFER;
	}
	mapped = mmap(NULL, OWNERS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, owners, 0);
	if (mapped == MAP_FAILED)
		return -errno;
	m->owner = mapped;
	m->slots = dup(slots);
	m->owners = dup(owners);
	m->totals = dup(totals);
	if (m->slots < 0 || m->owners < 0 || m->totals < 0) {
		int err = -errno;

		device_maps_close(m);
		return err;
	}
	return 0;
}

void device_maps_close(struct device_maps *m)
{
	if (m->owner)
		munmap(m->owner, OWNERS_BYTES);
	m->owner = NULL;
	if (m->slots >= 0)
		close(m->slots);
	if (m->owners >= 0)
		close(m->owners);
	if (m->totals >= 0)
		close(m->totals);
	m->slots = m->owners = m->totals = -1;
}

/* ---- totals: one copy per possible CPU, each padded to 8 bytes ---------- */

static size_t percpu_stride(void)
{
	return (sizeof(struct device_value) + 7) & ~(size_t)7;
}

void traffic_add(struct traffic_counter *sum, const struct traffic_counter *c)
{
	sum->packets += c->packets;
	sum->bytes += c->bytes;
}

/* Only the CPU that claimed a slot sets its first_seen_ns; the others keep 0. */
static void merge_device(struct device_value *sum, const struct device_value *c)
{
	if (c->last_family && c->last_seen_ns >= sum->last_seen_ns) {
		memcpy(sum->last_ip, c->last_ip, sizeof(sum->last_ip));
		sum->last_family = c->last_family;
	}
	traffic_add(&sum->up, &c->up);
	traffic_add(&sum->down, &c->down);
	payload_add(&sum->payload_up, &c->payload_up);
	payload_add(&sum->payload_down, &c->payload_down);
	if (c->first_seen_ns && (!sum->first_seen_ns || c->first_seen_ns < sum->first_seen_ns))
		sum->first_seen_ns = c->first_seen_ns;
	if (c->last_seen_ns > sum->last_seen_ns)
		sum->last_seen_ns = c->last_seen_ns;
}

/* The slot's totals summed over the CPUs; zero: also zeroes the copies. */
static int read_slot(const struct device_maps *m, __u32 slot, struct device_value *out, bool zero)
{
	int ncpus = libbpf_num_possible_cpus(), err = 0;
	char *copies;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	copies = calloc(ncpus, percpu_stride());
	if (!copies)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(m->totals, &slot, copies) != 0) {
		err = -errno;
	} else {
		for (int c = 0; c < ncpus; c++)
			merge_device(out, (const void *)(copies + c * percpu_stride()));
		if (zero) {
			memset(copies, 0, ncpus * percpu_stride());
			if (bpf_map_update_elem(m->totals, &slot, copies, BPF_ANY) != 0)
				err = -errno;
		}
	}
	free(copies);
	return err;
}

static __u64 owner_state(const struct device_owner *o)
{
	return __atomic_load_n(&o->state, __ATOMIC_ACQUIRE);
}

int lookup_device(const struct device_maps *m, const __u8 mac[6], struct device_value *out)
{
	struct device_key key = { 0 };
	__u32 slot;

	memcpy(key.mac, mac, 6);
	if (bpf_map_lookup_elem(m->slots, &key, &slot) != 0)
		return -errno;
	if (slot >= IOTRIM_MAX_DEVICES)
		return -ENOENT;
	return read_slot(m, slot, out, false);
}

static int compare_device_mac(const void *a, const void *b)
{
	return memcmp(((const struct device_entry *)a)->key.mac,
		      ((const struct device_entry *)b)->key.mac, 6);
}

/*
 * Walks the owners, not the MAC hash: a device the controller is draining
 * is still listed with its counts.  A slot that has counted nothing (just
 * claimed, or given back by a CPU that lost a race) is left out.
 */
int read_device_slots(const struct device_maps *m, struct device_table *t)
{
	struct device_entry *items = calloc(IOTRIM_MAX_DEVICES, sizeof(*items));
	size_t n = 0;
	int err = 0;

	if (!items)
		return -ENOMEM;
	for (__u32 slot = 0; slot < IOTRIM_MAX_DEVICES && !err; slot++) {
		const struct device_owner *o = &m->owner[slot];
		struct device_entry *d = &items[n];

		if (IOTRIM_SLOT_PHASE(owner_state(o)) == IOTRIM_SLOT_FREE)
			continue;
		memcpy(d->key.mac, o->mac, 6);
		d->slot = slot;
		err = read_slot(m, slot, &d->value, false);
		if (!err && d->value.last_seen_ns)
			n++;
	}
	if (err) {
		free(items);
		return err;
	}
	/* Sorted by MAC: stable output, and a binary search per flow. */
	qsort(items, n, sizeof(*items), compare_device_mac);
	t->items = items;
	t->len = n;
	return 0;
}

/*
 * A device has two slots for a moment when it sends while the controller
 * drains its old one (or after a drain that was cut short): one entry.
 */
int read_devices(const struct device_maps *m, struct device_table *t)
{
	size_t n = 0;
	int err = read_device_slots(m, t);

	if (err)
		return err;
	for (size_t i = 0; i < t->len; i++) {
		if (n && !compare_device_mac(&t->items[n - 1], &t->items[i])) {
			merge_device(&t->items[n - 1].value, &t->items[i].value);
			continue;
		}
		t->items[n++] = t->items[i];
	}
	t->len = n;
	return 0;
}

struct device_entry *device_table_find(const struct device_table *t, const __u8 mac[6])
{
	struct device_entry probe = { 0 };

	memcpy(probe.key.mac, mac, 6);
	return t->len ? bsearch(&probe, t->items, t->len, sizeof(*t->items), compare_device_mac) : NULL;
}

void device_table_free(struct device_table *t)
{
	free(t->items);
	t->items = NULL;
	t->len = 0;
}

/*
 * Returns once every BPF program that was running has ended: an update of
 * a map-in-map waits for an RCU grace period (kernel/bpf/syscall.c,
 * maybe_wait_bpf_programs; the kernel's own selftests/bpf
 * prog_tests/btf_map_in_map.c use it so), and the XDP and TC programs each
 * run inside an RCU read-side section.  A few milliseconds, once per
 * aging pass that takes devices.
 */
static int wait_for_programs(void)
{
	int inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL), outer = -1, err = 0;
	LIBBPF_OPTS(bpf_map_create_opts, opts, .inner_map_fd = inner);
	__u32 zero = 0;

	if (inner >= 0)
		outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, NULL, 4, 4, 1, &opts);
	if (outer < 0 || bpf_map_update_elem(outer, &zero, &inner, BPF_ANY) != 0)
		err = -errno;
	if (outer >= 0)
		close(outer);
	if (inner >= 0)
		close(inner);
	return err;
}

int take_devices(const struct device_maps *m, struct device_entry *items, size_t n, bool *taken)
{
	int err;

	/*
	 * First unpublish each MAC (the programs then claim a new slot for a
	 * new packet) and mark its slot draining (flows that remember it stop
	 * using it); no program changes a used or draining owner.
	 */
	for (size_t i = 0; i < n; i++) {
		struct device_owner *o = &m->owner[items[i].slot];
		__u64 state = owner_state(o);
		__u32 slot;

		/* draining already: left by a pass that failed or was killed */
		taken[i] = IOTRIM_SLOT_PHASE(state) != IOTRIM_SLOT_FREE &&
			   !memcmp(o->mac, items[i].key.mac, 6);
		if (!taken[i] || IOTRIM_SLOT_PHASE(state) == IOTRIM_SLOT_DRAINING)
			continue;
		if (bpf_map_lookup_elem(m->slots, &items[i].key, &slot) == 0 && slot == items[i].slot)
			bpf_map_delete_elem(m->slots, &items[i].key);
		__atomic_store_n(&o->state, (state & ~3ull) | IOTRIM_SLOT_DRAINING, __ATOMIC_RELEASE);
	}
	/* A program that found the slot used may still be adding to it: let it end. */
	if ((err = wait_for_programs())) {
		pr_error("cannot wait for the programs: %s; the drained devices stay until the next try",
			 strerror(-err));
		return err;
	}
	for (size_t i = 0; i < n; i++) {
		struct device_owner *o = &m->owner[items[i].slot];

		if (!taken[i])
			continue;
		if ((err = read_slot(m, items[i].slot, &items[i].value, true))) {
			taken[i] = false;	/* stays draining: taken on the next pass */
			continue;
		}
		memset(o->mac, 0, sizeof(o->mac));
		__atomic_store_n(&o->state, IOTRIM_SLOT_NEXT_FREE(owner_state(o)), __ATOMIC_RELEASE);
	}
	return 0;
}
