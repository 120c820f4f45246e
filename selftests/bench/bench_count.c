// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench: ns/packet of the counting programs through BPF_PROG_TEST_RUN,
 * each beside a trivial program of the same hook measured in the same run,
 * alternating the two so that machine noise hits both alike.  Prints the
 * ratio; the target is counting <= 1.5x the trivial program.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bpf_fixture.h"
#include "packet.h"

#define REPEAT 1000000
#define ROUNDS 5
#define TARGET_RATIO 1.5

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

static int load_baseline(const char *path, struct bpf_object **obj)
{
	struct bpf_program *prog;

	*obj = bpf_object__open_file(path, NULL);
	if (!*obj || bpf_object__load(*obj)) {
		fprintf(stderr, "bench: cannot load %s\n", path);
		return -1;
	}
	prog = bpf_object__next_program(*obj, NULL);
	return bpf_program__fd(prog);
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

/* Median over ROUNDS of (counting, baseline), measured alternately. */
static void measure(const char *hook, int counting_fd, int baseline_fd, const struct frame *f)
{
	double counting[ROUNDS], baseline[ROUNDS], ratio;

	for (int r = 0; r < ROUNDS; r++) {
		counting[r] = run_ns(counting_fd, f);
		baseline[r] = run_ns(baseline_fd, f);
	}
	qsort(counting, ROUNDS, sizeof(double), compare_double);
	qsort(baseline, ROUNDS, sizeof(double), compare_double);
	ratio = counting[ROUNDS / 2] / baseline[ROUNDS / 2];
	printf("%-4s %-22s counting %6.1f ns/pkt   trivial %6.1f ns/pkt   ratio %.2f (target <= %.1f)\n",
	       hook, f->name, counting[ROUNDS / 2], baseline[ROUNDS / 2], ratio, TARGET_RATIO);
}

int main(void)
{
	struct bpf_object *xdp_pass, *tc_pass;
	struct frame frames[3];
	struct bpf_fixture fx;
	int xdp_pass_fd, tc_pass_fd;

	if (fixture_open(&fx)) {
		fprintf(stderr, "bench: cannot load iotrim's programs (root needed)\n");
		return 1;
	}
	xdp_pass_fd = load_baseline("build/selftests/bpf/progs/xdp_pass.bpf.o", &xdp_pass);
	tc_pass_fd = load_baseline("build/selftests/bpf/progs/tc_pass.bpf.o", &tc_pass);
	if (xdp_pass_fd < 0 || tc_pass_fd < 0)
		return 1;
	build_frames(frames);
	printf("counting programs vs trivial programs, BPF_PROG_TEST_RUN, %d runs x %d rounds (median)\n",
	       REPEAT, ROUNDS);
	for (int i = 0; i < 3; i++) {
		measure("xdp", fixture_prog_fd(&fx, FIXTURE_XDP), xdp_pass_fd, &frames[i]);
		measure("tc", fixture_prog_fd(&fx, FIXTURE_TC_EGRESS), tc_pass_fd, &frames[i]);
	}
	bpf_object__close(xdp_pass);
	bpf_object__close(tc_pass);
	fixture_close(&fx);
	return 0;
}
