// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench: the floor under `iotrim replay`'s rate.  A replay runs each
 * captured frame through its program with one BPF_PROG_TEST_RUN call
 * (repeat 1), so no replay is faster than that call.  Measures the wall
 * time per call, for iotrim's programs (without budgets, as in a replay)
 * and a trivial program of each hook, taking turns so that machine noise hits
 * all alike; the difference to bench_count's in-kernel ns/packet is the
 * syscall and the per-call set-up (buffers, and an skb and socket for TC).
 */
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "bpf_fixture.h"
#include "packet.h"

#define CALLS 100000
#define ROUNDS 5

static const __u8 device_mac[6] = { 0x02, 0, 0, 0, 0, 0x21 };
static const __u8 gateway_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const __u8 device_ip4[4] = { 192, 168, 1, 21 };
static const __u8 remote_ip4[4] = { 203, 0, 113, 10 };

/* ns of wall time per call, CALLS calls of one run each. */
static double per_call_ns(int fd, const struct pkt *p, __u32 len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->data, .data_size_in = len);
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < CALLS; i++) {
		if (bpf_prog_test_run_opts(fd, &opts)) {
			perror("bench: BPF_PROG_TEST_RUN");
			exit(1);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / CALLS;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, ROUNDS, sizeof(double), compare_double);
	return v[ROUNDS / 2];
}

/* 64 B UDP/IPv4 between the device and a remote host; up: from the device. */
static __u32 build_frame(struct pkt *p, bool up)
{
	pkt_init(p);
	pkt_eth(p, up ? gateway_mac : device_mac, up ? device_mac : gateway_mac);
	pkt_ipv4(p, &(struct pkt_ipv4){ .saddr = up ? device_ip4 : remote_ip4,
					 .daddr = up ? remote_ip4 : device_ip4 });
	pkt_udp(p, up ? 40000 : 443, up ? 443 : 40000);
	pkt_payload(p, NULL, 64 - 42);
	return pkt_finish(p);
}

int main(void)
{
	double xdp[ROUNDS], tc[ROUNDS], xdp_pass[ROUNDS], tc_pass[ROUNDS], x, t, xp, tp;
	struct bpf_object *xdp_trivial, *tc_trivial;
	struct bpf_fixture fx;
	struct pkt up, down;
	__u32 up_len, down_len;

	/* no budgets, as in a replay (fixture_open's default) */
	if (fixture_open(&fx)) {
		fprintf(stderr, "bench: cannot load iotrim's programs (root needed)\n");
		return 1;
	}
	xdp_trivial = fixture_load_object_or_exit("build/selftests/bpf/progs/xdp_pass.bpf.o");
	tc_trivial = fixture_load_object_or_exit("build/selftests/bpf/progs/tc_pass.bpf.o");
	up_len = build_frame(&up, true);
	down_len = build_frame(&down, false);
	for (int n = 0; n < ROUNDS; n++) {
		xdp[n] = per_call_ns(fixture_prog_fd(&fx, FIXTURE_XDP), &up, up_len);
		tc[n] = per_call_ns(fixture_prog_fd(&fx, FIXTURE_TC_EGRESS), &down, down_len);
		xdp_pass[n] = per_call_ns(fixture_object_prog_fd(xdp_trivial, "xdp_pass"), &up, up_len);
		tc_pass[n] = per_call_ns(fixture_object_prog_fd(tc_trivial, "tc_pass"), &down, down_len);
	}
	x = median(xdp);
	t = median(tc);
	xp = median(xdp_pass);
	tp = median(tc_pass);
	printf("one BPF_PROG_TEST_RUN call per 64 B frame (repeat 1), %d calls x %d rounds (median):\n"
	       "xdp iotrim %6.0f  trivial %6.0f ns/call | tc egress iotrim %6.0f  trivial %6.0f ns/call\n"
	       "frames half up, half down: at most %.0f frames/s through iotrim's programs, %.0f through trivial ones\n",
	       CALLS, ROUNDS, x, xp, t, tp, 2e9 / (x + t), 2e9 / (xp + tp));
	bpf_object__close(xdp_trivial);
	bpf_object__close(tc_trivial);
	fixture_close(&fx);
	return 0;
}
