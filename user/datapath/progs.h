/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * iotrim's programs on the interfaces, found through the kernel (XDP query,
 * TC filter at iotrim's handle) and known by their name, whatever is pinned.
 */
#ifndef IOTRIM_PROGS_H
#define IOTRIM_PROGS_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* Our TC filter's identity on the clsact hook. */
#define TC_HANDLE 0x1d17
#define TC_PRIORITY 1

/* Name of a loaded program by id; empty string if it is gone. */
void prog_name(uint32_t id, char name[BPF_OBJ_NAME_LEN]);
bool is_iotrim_prog(uint32_t prog_id);
/* The XDP program on ifindex (0: none) and the flags it was attached with. */
uint32_t xdp_prog_id(int ifindex, uint32_t *xdp_flags);
/* The program of the TC filter at iotrim's handle and priority (0: none). */
uint32_t tc_prog_id(int ifindex, enum bpf_tc_attach_point point);

/* iotrim's programs on one interface (0: none of that kind). */
struct iotrim_progs {
	int ifindex;
	char ifname[IF_NAMESIZE];
	uint32_t xdp_id, tc_ingress_id, tc_egress_id;
};

#define MAX_UNPINNED 8

/*
 * Interfaces of this network namespace with an iotrim program; up to max of
 * them in out, returns how many.  Programs whose pins vanished (a pin
 * directory removed, or pinned in a mount namespace that is gone) are found
 * only this way.
 */
int find_iotrim_programs(struct iotrim_progs *out, int max);
/* Warns about each of them (for when nothing is pinned). */
void warn_unpinned_programs(void);

#endif
