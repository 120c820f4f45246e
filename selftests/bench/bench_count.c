// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench: ns/packet of iotrim's counting programs through
 * BPF_PROG_TEST_RUN, each beside two programs of the same hook measured in
 * the same run, taking turns so that machine noise hits all alike: the
 * reference flow counter (selftests/bpf/progs/flow_ref.bpf.c: the same flow
 * key into one per-CPU hash, packets and bytes, nothing else) and a trivial
 * program.  Prints iotrim / reference (target <= 1.25) and the ns each adds
 * over the trivial program.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bpf_fixture.h"
#include "packet.h"

#define REPEAT 1000000
#define ROUNDS 5
#define TARGET_RATIO 1.25

static const __u8 device_mac[6] = { 0x02, 0, 0, 0, 0, 0x21 };
static const __u8 gateway_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const __u8 device_ip4[4] = { 192, 0, 2, 21 };
static const __u8 remote_ip4[4] = { 203, 0, 113, 10 };
static const __u8 device_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x21 };
static const __u8 remote_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 1, 0, [15] = 0x10 };

struct frame {
	const char *name;
	struct pkt pkt;
	__u32 len;
};

static void build_frames(struct frame *f)
{
	struct pkt_ipv4 v4 = { .saddr = device_ip4, .daddr = remote_ip4 };

	f[0].name = "64B UDP/IPv4";
	pkt_init(&f[0].pkt);
	pkt_eth(&f[0].pkt, gateway_mac, device_mac);
	pkt_ipv4(&f[0].pkt, &v4);
	pkt_udp(&f[0].pkt, 40000, 5683);
	pkt_payload(&f[0].pkt, NULL, 64 - 42);
	f[0].len = pkt_finish(&f[0].pkt);

	f[1].name = "1500B TCP/IPv6";
	pkt_init(&f[1].pkt);
	pkt_eth(&f[1].pkt, gateway_mac, device_mac);
	pkt_ipv6(&f[1].pkt, device_ip6, remote_ip6);
	pkt_tcp(&f[1].pkt, 40000, 443, 0);
	pkt_payload(&f[1].pkt, NULL, 1500 - 60);
	f[1].len = pkt_finish(&f[1].pkt);

	f[2].name = "128B 2xVLAN UDP/IPv4";
	pkt_init(&f[2].pkt);
	pkt_eth(&f[2].pkt, gateway_mac, device_mac);
	pkt_vlan(&f[2].pkt, 0x88a8, 100);
	pkt_vlan(&f[2].pkt, 0x8100, 10);
	pkt_ipv4(&f[2].pkt, &v4);
	pkt_udp(&f[2].pkt, 40000, 53);
	pkt_payload(&f[2].pkt, NULL, 128 - 50);
	f[2].len = pkt_finish(&f[2].pkt);
}

static double run_ns(int prog_fd, const struct frame *f)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->pkt.data,
		    .data_size_in = f->len, .repeat = REPEAT);

	if (bpf_prog_test_run_opts(prog_fd, &opts)) {
		perror("bench: BPF_PROG_TEST_RUN");
		exit(1);
	}
	return opts.duration;
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

/* Medians over ROUNDS of (iotrim, reference, trivial), measured in turn. */
static void measure(const char *hook, int iotrim_fd, int ref_fd, int trivial_fd,
		    const struct frame *f)
{
	double iotrim[ROUNDS], ref[ROUNDS], trivial[ROUNDS], i, r, t;

	for (int n = 0; n < ROUNDS; n++) {
		iotrim[n] = run_ns(iotrim_fd, f);
		ref[n] = run_ns(ref_fd, f);
		trivial[n] = run_ns(trivial_fd, f);
	}
	i = median(iotrim);
	r = median(ref);
	t = median(trivial);
	printf("%-4s %-22s iotrim %6.1f  reference %6.1f  trivial %5.1f ns/pkt | "
	       "iotrim/reference %.2f (target <= %.2f) | added over trivial: iotrim %5.1f, reference %5.1f ns\n",
	       hook, f->name, i, r, t, i / r, TARGET_RATIO, i - t, r - t);
}

int main(void)
{
	struct bpf_object *xdp_pass, *tc_pass, *ref;
	struct frame frames[3];
	struct bpf_fixture fx;

	/* as in production: the fair-share budgets on */
	if (fixture_open(&fx) || fixture_limits(&fx, true)) {
		fprintf(stderr, "bench: cannot load iotrim's programs (root needed)\n");
		return 1;
	}
	xdp_pass = fixture_load_object_or_exit("build/selftests/bpf/progs/xdp_pass.bpf.o");
	tc_pass = fixture_load_object_or_exit("build/selftests/bpf/progs/tc_pass.bpf.o");
	ref = fixture_load_object_or_exit("build/selftests/bpf/progs/flow_ref.bpf.o");
	build_frames(frames);
	printf("iotrim's counting path vs the reference flow counter and a trivial program,\n"
	       "BPF_PROG_TEST_RUN, %d runs x %d rounds (median), one flow per frame shape\n",
	       REPEAT, ROUNDS);
	for (int i = 0; i < 3; i++) {
		measure("xdp", fixture_prog_fd(&fx, FIXTURE_XDP),
			fixture_object_prog_fd(ref, "ref_xdp"),
			fixture_object_prog_fd(xdp_pass, "xdp_pass"), &frames[i]);
		measure("tc", fixture_prog_fd(&fx, FIXTURE_TC_EGRESS),
			fixture_object_prog_fd(ref, "ref_tc_egress"),
			fixture_object_prog_fd(tc_pass, "tc_pass"), &frames[i]);
	}
	bpf_object__close(ref);
	bpf_object__close(xdp_pass);
	bpf_object__close(tc_pass);
	fixture_close(&fx);
	return 0;
}
