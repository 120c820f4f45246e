// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "datapath/progs.h"

#define PROG_NAME_PREFIX "iotrim_"

/* Name of a loaded program by id; empty string if it is gone. */
void prog_name(uint32_t id, char name[BPF_OBJ_NAME_LEN])
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	name[0] = '\0';
	if (fd < 0)
		return;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
		snprintf(name, BPF_OBJ_NAME_LEN, "%s", info.name);
	close(fd);
}

bool is_iotrim_prog(uint32_t prog_id)
{
	char name[BPF_OBJ_NAME_LEN];

	prog_name(prog_id, name);
	return strncmp(name, PROG_NAME_PREFIX, strlen(PROG_NAME_PREFIX)) == 0;
}

uint32_t xdp_prog_id(int ifindex, uint32_t *xdp_flags)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q) != 0)
		return 0;
	if (xdp_flags)
		*xdp_flags = q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE :
			     q.attach_mode == XDP_ATTACHED_HW ? XDP_FLAGS_HW_MODE :
								XDP_FLAGS_DRV_MODE;
	return q.prog_id;
}

uint32_t tc_prog_id(int ifindex, enum bpf_tc_attach_point point)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY);

	if (bpf_tc_query(&hook, &opts) != 0)
		return 0;
	return opts.prog_id;
}

static uint32_t ours_or_zero(uint32_t id)
{
	return id && is_iotrim_prog(id) ? id : 0;
}

int find_iotrim_programs(struct iotrim_progs *out, int max)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int n = 0;

	for (i = ifs; i && i->if_index && n < max; i++) {
		struct iotrim_progs *u = &out[n];

		u->ifindex = (int)i->if_index;
		snprintf(u->ifname, sizeof(u->ifname), "%.*s", IF_NAMESIZE - 1, i->if_name);
		u->xdp_id = ours_or_zero(xdp_prog_id(u->ifindex, NULL));
		u->tc_ingress_id = ours_or_zero(tc_prog_id(u->ifindex, BPF_TC_INGRESS));
		u->tc_egress_id = ours_or_zero(tc_prog_id(u->ifindex, BPF_TC_EGRESS));
		if (u->xdp_id || u->tc_ingress_id || u->tc_egress_id)
			n++;
	}
	if (ifs)
		if_freenameindex(ifs);
	return n;
}

void warn_unpinned_programs(void)
{
	struct iotrim_progs found[MAX_UNPINNED];
	int n = find_iotrim_programs(found, MAX_UNPINNED);

	for (int i = 0; i < n; i++)
		warn("iotrim programs are attached to %s without pinned maps (XDP id %u, TC ingress id %u, TC egress id %u): they count and enforce where no command sees them; `iotrim detach` removes them",
		     found[i].ifname, found[i].xdp_id, found[i].tc_ingress_id,
		     found[i].tc_egress_id);
}

