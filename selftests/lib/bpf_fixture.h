/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loads the real XDP and TC programs for tests and runs frames through them
 * with BPF_PROG_TEST_RUN, without attaching to any interface.
 *
 * Pinning is switched off, so tests never touch the maps of a running
 * iotrim under /sys/fs/bpf/iotrim; instead the TC object reuses the XDP
 * object's maps, so every hook counts into one table as in production.
 * Needs root (CAP_BPF).
 *
 *	struct bpf_fixture fx;
 *	__u32 retval;
 *
 *	if (fixture_open(&fx))		// or, in main(): fixture_open_or_exit(&fx);
 *		...;
 *	fixture_run(&fx, FIXTURE_XDP, frame, len, &retval);
 *	fixture_lookup_flow(&fx, &key, &value);
 *	fixture_clear(&fx);		// between tests
 *	fixture_close(&fx);
 */
#ifndef IOTRIM_SELFTEST_BPF_FIXTURE_H
#define IOTRIM_SELFTEST_BPF_FIXTURE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "iotrim.h"
#include "datapath/table.h"
#include "datapath/unpinned.h"
#include "iotrim_tc.skel.h"
#include "iotrim_xdp.skel.h"

enum fixture_hook {
	FIXTURE_XDP,		/* LAN ingress: upload */
	FIXTURE_TC_EGRESS,	/* LAN egress: download */
	FIXTURE_TC_INGRESS,	/* LAN ingress in --mode tc: upload */
	FIXTURE_HOOK__COUNT,
};

struct bpf_fixture {
	struct iotrim_xdp *xdp;
	struct iotrim_tc *tc;
	int flows_fd;
	struct device_maps devices;	/* the device table (user/datapath/devices.h) */
	int counters_fd;
	int attachment_fd;
	int nr_cpus;		/* values per key in the per-CPU counters */
};

/* One BPF_PROG_TEST_RUN: frame in, program result out. */
struct fixture_run {
	const void *frame;
	__u32 len;		/* the kernel refuses less than ETH_HLEN */
	/*
	 * TC only: the __sk_buff to start from (gso_segs, gso_size, mark,
	 * ...; the kernel rejects other fields that are not zero).  NULL
	 * for none.  Ignored for XDP.
	 */
	const struct __sk_buff *skb;
	__u32 repeat;		/* runs in the kernel; 0 means once */
	__u32 retval;		/* out: the program's return value */
	__u32 duration_ns;	/* out: mean time of one run */
};

static inline const char *fixture_hook_name(enum fixture_hook hook)
{
	switch (hook) {
	case FIXTURE_XDP:
		return "xdp";
	case FIXTURE_TC_EGRESS:
		return "tc_egress";
	case FIXTURE_TC_INGRESS:
		return "tc_ingress";
	default:
		return "?";
	}
}

/* What the hook's program returns to let every packet through. */
static inline __u32 fixture_pass_retval(enum fixture_hook hook)
{
	return hook == FIXTURE_XDP ? XDP_PASS : TC_ACT_OK;
}

/* Counting hooks see the device as the frame's sender, except TC egress. */
static inline bool fixture_hook_is_upload(enum fixture_hook hook)
{
	return hook != FIXTURE_TC_EGRESS;
}

static inline int fixture_prog_fd(const struct bpf_fixture *fx,
				  enum fixture_hook hook)
{
	switch (hook) {
	case FIXTURE_XDP:
		return bpf_program__fd(fx->xdp->progs.iotrim_xdp);
	case FIXTURE_TC_EGRESS:
		return bpf_program__fd(fx->tc->progs.iotrim_tc_egress);
	case FIXTURE_TC_INGRESS:
		return bpf_program__fd(fx->tc->progs.iotrim_tc_ingress);
	default:
		return -EINVAL;
	}
}

static inline void fixture_close(struct bpf_fixture *fx)
{
	if (fx->devices.owner)
		device_maps_close(&fx->devices);
	iotrim_tc__destroy(fx->tc);
	iotrim_xdp__destroy(fx->xdp);
	memset(fx, 0, sizeof(*fx));
}

/*
 * The fair-share budgets (bpf/limit.h) on or off; fixture_open() turns them
 * off, so that tests which send thousands of frames from one MAC within
 * microseconds test what they are about.  Keeps the other settings.
 */
static inline int fixture_limits(const struct bpf_fixture *fx, bool on)
{
	int fd = bpf_map__fd(fx->xdp->maps.settings);
	struct iotrim_config cfg = { 0 };
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &cfg))
		return -errno;
	cfg.flags = on ? cfg.flags & ~IOTRIM_CONFIG_NO_LIMITS : cfg.flags | IOTRIM_CONFIG_NO_LIMITS;
	return bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

/* Returns 0 or a negative errno; on failure nothing stays loaded. */
static inline int fixture_open(struct bpf_fixture *fx)
{
	int err;

	memset(fx, 0, sizeof(*fx));
	fx->nr_cpus = libbpf_num_possible_cpus();
	if (fx->nr_cpus < 0)
		return fx->nr_cpus;

	err = unpinned_load(&fx->xdp, &fx->tc, 0, false);
	if (err)
		goto fail;

	fx->flows_fd = bpf_map__fd(fx->xdp->maps.flows);
	fx->counters_fd = bpf_map__fd(fx->xdp->maps.counters);
	fx->attachment_fd = bpf_map__fd(fx->xdp->maps.attachment);
	err = device_maps_from_fds(&fx->devices, bpf_map__fd(fx->xdp->maps.device_slots),
				   bpf_map__fd(fx->xdp->maps.device_owners),
				   bpf_map__fd(fx->xdp->maps.devices));
	if (!err)
		err = fixture_limits(fx, false);
	if (err)
		goto fail;
	return 0;
fail:
	fixture_close(fx);
	return err;
}

/*
 * For a test program's main(): opens the fixture or ends the program, as
 * a TAP skip without root, as a bail-out when the programs do not load.
 */
static inline void fixture_open_or_exit(struct bpf_fixture *fx)
{
	int err;

	if (geteuid() != 0) {
		printf("1..0 # SKIP loading BPF programs needs root\n");
		exit(0);
	}
	err = fixture_open(fx);
	if (err) {
		printf("Bail out! loading the BPF programs: %s\n", strerror(-err));
		exit(1);
	}
}

/*
 * For the benchmarks' reference programs (selftests/bpf/progs/): loads the
 * object at path or ends the program; a program's fd by name.
 */
static inline struct bpf_object *fixture_load_object_or_exit(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);

	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "bench: cannot load %s\n", path);
		exit(1);
	}
	return obj;
}

static inline int fixture_object_prog_fd(struct bpf_object *obj, const char *name)
{
	return bpf_program__fd(bpf_object__find_program_by_name(obj, name));
}

/* Returns 0 or the negative errno of BPF_PROG_TEST_RUN. */
static inline int fixture_run_opts(const struct bpf_fixture *fx,
				   enum fixture_hook hook,
				   struct fixture_run *run)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = run->frame,
		.data_size_in = run->len,
		.repeat = run->repeat,
	);
	int err;

	if (hook != FIXTURE_XDP && run->skb) {
		opts.ctx_in = run->skb;
		opts.ctx_size_in = sizeof(*run->skb);
	}
	err = bpf_prog_test_run_opts(fixture_prog_fd(fx, hook), &opts);
	if (err)
		return err;
	run->retval = opts.retval;
	run->duration_ns = opts.duration;
	return 0;
}

/* The common case: one frame, once, no skb context. */
static inline int fixture_run(const struct bpf_fixture *fx,
			      enum fixture_hook hook, const void *frame,
			      __u32 len, __u32 *retval)
{
	struct fixture_run run = { .frame = frame, .len = len };
	int err = fixture_run_opts(fx, hook, &run);

	*retval = run.retval;
	return err;
}

/* 0 and *value, or -ENOENT. */
static inline int fixture_lookup_flow(const struct bpf_fixture *fx,
				      const struct flow_key *key,
				      struct flow_value *value)
{
	return bpf_map_lookup_elem(fx->flows_fd, key, value) ? -errno : 0;
}

static inline int fixture_lookup_device(const struct bpf_fixture *fx,
					const __u8 *mac,
					struct device_value *value)
{
	return lookup_device(&fx->devices, mac, value);	/* summed over the CPUs */
}

/* Iterates the flow table: prev NULL for the first key; -ENOENT at the end. */
static inline int fixture_next_flow(const struct bpf_fixture *fx,
				    const struct flow_key *prev,
				    struct flow_key *next)
{
	return bpf_map_get_next_key(fx->flows_fd, prev, next) ? -errno : 0;
}

/* Room for the key of any iotrim map. */
#define FIXTURE_MAX_KEY_SIZE 64

/* Entries in a hash map, or a negative errno. */
static inline int fixture_map_count(int map_fd, __u32 key_size)
{
	__u8 key[FIXTURE_MAX_KEY_SIZE], next[FIXTURE_MAX_KEY_SIZE];
	void *prev = NULL;
	int count = 0;

	if (key_size > FIXTURE_MAX_KEY_SIZE)
		return -E2BIG;
	while (!bpf_map_get_next_key(map_fd, prev, next)) {
		count++;
		memcpy(key, next, key_size);
		prev = key;
	}
	return errno == ENOENT ? count : -errno;
}

static inline int fixture_flow_count(const struct bpf_fixture *fx)
{
	return fixture_map_count(fx->flows_fd, sizeof(struct flow_key));
}

static inline int fixture_device_count(const struct bpf_fixture *fx)
{
	return fixture_map_count(fx->devices.slots, sizeof(struct device_key));
}

/*
 * Sums the per-CPU counters into totals[enum iotrim_counter].  Returns 0
 * or a negative errno.
 */
static inline int fixture_read_counters(const struct bpf_fixture *fx,
					__u64 totals[IOTRIM_COUNTER__COUNT])
{
	__u64 *per_cpu = calloc(fx->nr_cpus, sizeof(*per_cpu));
	int err = 0;

	if (!per_cpu)
		return -ENOMEM;
	for (__u32 i = 0; i < IOTRIM_COUNTER__COUNT; i++) {
		totals[i] = 0;
		if (bpf_map_lookup_elem(fx->counters_fd, &i, per_cpu)) {
			err = -errno;
			break;
		}
		for (int cpu = 0; cpu < fx->nr_cpus; cpu++)
			totals[i] += per_cpu[cpu];
	}
	free(per_cpu);
	return err;
}

/* Deletes every entry of a hash map. */
static inline int fixture_clear_hash(int map_fd, __u32 key_size)
{
	__u8 key[FIXTURE_MAX_KEY_SIZE];

	if (key_size > FIXTURE_MAX_KEY_SIZE)
		return -E2BIG;
	while (!bpf_map_get_next_key(map_fd, NULL, key))
		if (bpf_map_delete_elem(map_fd, key))
			return -errno;
	return errno == ENOENT ? 0 : -errno;
}

/* Frees every device slot, and zeroes the totals of those that were used. */
static inline int fixture_clear_devices(const struct bpf_fixture *fx)
{
	void *zeros = calloc(fx->nr_cpus, (sizeof(struct device_value) + 7) & ~7ul);
	int err = fixture_clear_hash(fx->devices.slots, sizeof(struct device_key));

	for (__u32 slot = 0; !err && zeros && slot < IOTRIM_MAX_DEVICES; slot++)
		if (fx->devices.owner[slot].state &&
		    bpf_map_update_elem(fx->devices.totals, &slot, zeros, BPF_ANY))
			err = -errno;
	if (!err)
		memset(fx->devices.owner, 0, IOTRIM_MAX_DEVICES * sizeof(struct device_owner));
	free(zeros);
	return zeros ? err : -ENOMEM;
}

/* Empties flows and devices and zeroes counters, attachment and new-device budgets. */
static inline int fixture_clear(const struct bpf_fixture *fx)
{
	struct attach_info no_attachment = {};
	__u64 *zeros = calloc(fx->nr_cpus, sizeof(*zeros));
	__u32 zero_key = 0;
	int err;

	if (!zeros)
		return -ENOMEM;
	err = fixture_clear_hash(fx->flows_fd, sizeof(struct flow_key));
	if (!err)
		err = fixture_clear_devices(fx);
	for (__u32 i = 0; !err && i < IOTRIM_COUNTER__COUNT; i++)
		if (bpf_map_update_elem(fx->counters_fd, &i, zeros, BPF_ANY))
			err = -errno;
	if (!err && bpf_map_update_elem(fx->attachment_fd, &zero_key,
					&no_attachment, BPF_ANY))
		err = -errno;
	/* the new-device budgets, one per object (bpf/limit.h; 8-byte values) */
	if (!err && (bpf_map_update_elem(bpf_map__fd(fx->xdp->maps.limit_state), &zero_key, zeros,
					 BPF_ANY) ||
		     bpf_map_update_elem(bpf_map__fd(fx->tc->maps.limit_state), &zero_key, zeros,
					 BPF_ANY)))
		err = -errno;
	free(zeros);
	return err;
}

#endif /* IOTRIM_SELFTEST_BPF_FIXTURE_H */
