// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A trivial XDP program: the baseline for benchmarks, and a "foreign"
 * program (not iotrim's) for the attach conflict tests.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
