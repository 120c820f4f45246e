// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The programs of a replay, unpinned: see progs.h. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "iotrim.h"
#include "iotrim_maps.h"
#include "iotrim_tc.skel.h"
#include "iotrim_xdp.skel.h"
#include "replay/progs.h"

/* Room for the flows of long captures between two harvests. */
#define REPLAY_MAX_FLOWS (4 * IOTRIM_DEFAULT_MAX_FLOWS)

static int unpin_all(struct bpf_object *obj)
{
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj)
		if ((err = bpf_map__set_pin_path(map, NULL)))
			return err;
	return 0;
}

/* Each map of "to" becomes the kernel map of that name in "from". */
static int share_maps(struct bpf_object *from, struct bpf_object *to)
{
	struct bpf_map *map, *shared;
	int err;

	bpf_object__for_each_map(map, to) {
		if (bpf_map__is_internal(map))
			continue;
		shared = bpf_object__find_map_by_name(from, bpf_map__name(map));
		if (shared && (err = bpf_map__reuse_fd(map, bpf_map__fd(shared))))
			return err;
	}
	return 0;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	int fd = bpf_object__find_map_fd_by_name(obj, name);

	return fd < 0 ? -ENOENT : fd;
}

int replay_progs_open(struct replay_progs *p)
{
	struct bpf_map *flows;
	int err;

	memset(p, 0, sizeof(*p));
	p->xdp = iotrim_xdp__open();
	if (!p->xdp) {
		err = -errno;
		goto fail;
	}
	flows = bpf_object__find_map_by_name(p->xdp->obj, MAP_NAME(MAP_FLOWS));
	err = unpin_all(p->xdp->obj);
	if (!err && flows)
		err = bpf_map__set_max_entries(flows, REPLAY_MAX_FLOWS);
	if (!err)
		err = iotrim_xdp__load(p->xdp);
	if (err)
		goto fail;
	p->tc = iotrim_tc__open();
	if (!p->tc) {
		err = -errno;
		goto fail;
	}
	err = unpin_all(p->tc->obj);
	if (!err)
		err = share_maps(p->xdp->obj, p->tc->obj);
	if (!err)
		err = iotrim_tc__load(p->tc);
	if (err)
		goto fail;
	p->xdp_fd = bpf_program__fd(p->xdp->progs.iotrim_xdp);
	p->tc_egress_fd = bpf_program__fd(p->tc->progs.iotrim_tc_egress);
	p->flows_fd = map_fd(p->xdp->obj, MAP_NAME(MAP_FLOWS));
	p->devices_fd = map_fd(p->xdp->obj, MAP_NAME(MAP_DEVICES));
	p->counters_fd = map_fd(p->xdp->obj, MAP_NAME(MAP_COUNTERS));
	p->names_fd = map_fd(p->xdp->obj, MAP_NAME(MAP_NAMES));
	p->events_fd = map_fd(p->xdp->obj, MAP_NAME(MAP_EVENTS));
	p->settings_fd = map_fd(p->xdp->obj, MAP_NAME(MAP_SETTINGS));
	if (p->flows_fd < 0 || p->devices_fd < 0 || p->counters_fd < 0 || p->names_fd < 0 ||
	    p->events_fd < 0 || p->settings_fd < 0) {
		err = -ENOENT;
		pr_error("the BPF objects lack a map the replay needs");
		replay_progs_close(p);
		return err;
	}
	return 0;
fail:
	pr_error("cannot load the BPF programs for the replay: %s%s", strerror(-err),
		 err == -EPERM ? " (needs root: CAP_BPF)" : "");
	replay_progs_close(p);
	return err;
}

void replay_progs_close(struct replay_progs *p)
{
	iotrim_tc__destroy(p->tc);
	iotrim_xdp__destroy(p->xdp);
	memset(p, 0, sizeof(*p));
}

int replay_progs_run(const struct replay_progs *p, bool upload, const void *frame, uint32_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len);

	return bpf_prog_test_run_opts(upload ? p->xdp_fd : p->tc_egress_fd, &opts) ? -errno : 0;
}

/* Empties one object's per-CPU clock cache (bpf/count.h). */
static int forget_clock(const struct bpf_object *obj)
{
	const struct bpf_map *m = bpf_object__find_map_by_name(obj, "count_clock");
	int ncpus = libbpf_num_possible_cpus();
	__u32 zero = 0;
	void *zeros;
	int err = 0;

	if (!m)
		return 0;
	if (ncpus < 0)
		return ncpus;
	zeros = calloc(ncpus, bpf_map__value_size(m));
	if (!zeros)
		return -ENOMEM;
	if (bpf_map_update_elem(bpf_map__fd(m), &zero, zeros, BPF_ANY))
		err = -errno;
	free(zeros);
	return err;
}

int replay_progs_restart_clock(const struct replay_progs *p)
{
	int err = forget_clock(p->xdp->obj);

	return err ? err : forget_clock(p->tc->obj);
}

int replay_progs_sampling(const struct replay_progs *p, bool on)
{
	struct iotrim_config cfg = { 0 };
	__u32 zero = 0;

	/* A zeroed entry means the defaults; K = N = 0 set means no sampling. */
	if (!on) {
		cfg.flags = IOTRIM_CONFIG_SET;
		cfg.sample_bytes = IOTRIM_DEFAULT_SAMPLE_BYTES;
	}
	return bpf_map_update_elem(p->settings_fd, &zero, &cfg, BPF_ANY) ? -errno : 0;
}
