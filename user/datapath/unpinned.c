// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "iotrim_maps.h"
#include "datapath/unpinned.h"

static int unpin_all(struct bpf_object *obj)
{
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj)
		if ((err = bpf_map__set_pin_path(map, NULL)))
			return err;
	return 0;
}

/* Each map of "to" becomes the kernel map of that name in "from"; maps
 * only one object has, and .rodata/.bss, stay separate. */
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

/*
 * A replay runs a frame through XDP or TC egress, one frame at a time: the
 * other TC programs would only add to the verifier's time (~0.5 s), and a
 * clock cache shared by all CPUs in memory the replay maps lets it drop
 * the cached reading without a syscall.
 */
static int prepare_xdp_for_replay(struct iotrim_xdp *xdp)
{
	int err = bpf_map__set_type(xdp->maps.count_clock, BPF_MAP_TYPE_ARRAY);

	return err ? err : bpf_map__set_map_flags(xdp->maps.count_clock, BPF_F_MMAPABLE);
}

static int prepare_tc_for_replay(struct iotrim_tc *tc)
{
	int err = bpf_program__set_autoload(tc->progs.iotrim_tc_ingress, false);

	return err ? err : bpf_program__set_autoload(tc->progs.iotrim_tc_reject, false);
}

int unpinned_load(struct iotrim_xdp **xdp, struct iotrim_tc **tc, uint32_t max_flows,
		  bool for_replay)
{
	struct bpf_map *flows;
	int err;

	*tc = NULL;
	*xdp = iotrim_xdp__open();
	if (!*xdp)
		return -errno;
	flows = bpf_object__find_map_by_name((*xdp)->obj, MAP_NAME(MAP_FLOWS));
	err = unpin_all((*xdp)->obj);
	if (!err && flows && max_flows)
		err = bpf_map__set_max_entries(flows, max_flows);
	if (!err && for_replay)
		err = prepare_xdp_for_replay(*xdp);
	if (!err)
		err = iotrim_xdp__load(*xdp);
	if (err)
		goto fail;
	*tc = iotrim_tc__open();
	if (!*tc) {
		err = -errno;
		goto fail;
	}
	err = unpin_all((*tc)->obj);
	if (!err && for_replay)
		err = prepare_tc_for_replay(*tc);
	if (!err)
		err = share_maps((*xdp)->obj, (*tc)->obj);
	if (!err)
		err = iotrim_tc__load(*tc);
	if (!err)
		return 0;
fail:
	iotrim_tc__destroy(*tc);
	iotrim_xdp__destroy(*xdp);
	*tc = NULL;
	*xdp = NULL;
	return err;
}
