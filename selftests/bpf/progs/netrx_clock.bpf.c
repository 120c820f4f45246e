// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A clock of the time CPUs spend in the NET_RX softirq, for the testbed's
 * CPU-per-packet benchmark (selftests/bench/netrx_clock.c,
 * scripts/bench_cpu.sh).  On veth every hop of a forwarded packet (switch,
 * gateway, NAT, the server's UDP receive) and every counter on it (XDP, TC,
 * nftables, the packet-socket tap of libpcap) runs there.  The kernel's own
 * /proc/stat softirq column is only sampled at each tick when, as here,
 * CONFIG_IRQ_TIME_ACCOUNTING is off; this measures each run to the ns.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct netrx_time {
	__u64 started_ns; /* 0 when the CPU is not in NET_RX */
	__u64 total_ns;
	__u64 runs;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct netrx_time);
} netrx_time SEC(".maps");

SEC("tp_btf/softirq_entry")
int BPF_PROG(netrx_entry, unsigned int vec_nr)
{
	__u32 zero = 0;
	struct netrx_time *t;

	if (vec_nr != NET_RX_SOFTIRQ)
		return 0;
	t = bpf_map_lookup_elem(&netrx_time, &zero);
	if (t)
		t->started_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(netrx_exit, unsigned int vec_nr)
{
	__u32 zero = 0;
	struct netrx_time *t;

	if (vec_nr != NET_RX_SOFTIRQ)
		return 0;
	t = bpf_map_lookup_elem(&netrx_time, &zero);
	/* A run that began before the clock was attached is not counted. */
	if (!t || !t->started_ns)
		return 0;
	t->total_ns += bpf_ktime_get_ns() - t->started_ns;
	t->runs++;
	t->started_ns = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
