// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench: what the plaintext audit (bpf/audit_plain.h) costs per
 * packet, ns through BPF_PROG_TEST_RUN (median of ROUNDS), every packet a
 * sampled 220-byte HTTP request (settings K = 0, N = 1: each one classified
 * text, the only samples that look the audit map up), measured alternately
 * so that machine noise hits each alike:
 *
 *   no audit             "audit_plain" empty (the usual case)
 *   another device       some other device audited: one hash lookup, a miss
 *   this device          audited: the sample copied into the ring buffer
 *                        (drained between runs; REPEAT_COPY runs, which fit)
 *
 * and, as the floor, the same packet with classification off (K = N = 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_fixture.h"
#include "common/clock.h"
#include "packet.h"

#define ROUNDS 7
#define REPEAT_COPY 2000	/* x ~1.6 KB events: inside the 4 MiB ring */

static unsigned int repeat = 1000000;
static struct bpf_fixture fx;
static int settings_fd, audit_fd;
static struct ring_buffer *rb;

static const __u8 dev_mac[6] = { 0x02, 0, 0, 0, 0, 0x21 };
static const __u8 other_mac[6] = { 0x02, 0, 0, 0, 0, 0x99 };
static const __u8 gw_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const __u8 dev_ip4[4] = { 192, 0, 2, 21 };
static const __u8 api_ip4[4] = { 203, 0, 113, 10 };

enum state { NO_AUDIT, OTHER_AUDITED, THIS_AUDITED, COUNTING_ONLY, STATES };
static const char *const state_names[STATES] = {
	"no audit", "another device audited", "this device audited (copied)",
	"classification off (floor)",
};

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

static void set_config(__u32 first, __u32 every)
{
	struct iotrim_config c = { first, every, IOTRIM_DEFAULT_SAMPLE_BYTES, IOTRIM_CONFIG_SET };
	__u32 zero = 0;

	if (bpf_map_update_elem(settings_fd, &zero, &c, BPF_ANY)) {
		perror("bench: settings");
		exit(1);
	}
}

static void audit(const __u8 *mac)
{
	struct device_key k = {};
	struct audit_plain_value v = { .expires_ns = clock_boot_ns() + 3600ULL * 1000000000ULL };

	while (!bpf_map_get_next_key(audit_fd, NULL, &k))
		bpf_map_delete_elem(audit_fd, &k);
	if (!mac)
		return;
	memcpy(k.mac, mac, 6);
	if (bpf_map_update_elem(audit_fd, &k, &v, BPF_ANY)) {
		perror("bench: audit_plain");
		exit(1);
	}
}

static double run_ns(const struct pkt *p, __u32 len, unsigned int n)
{
	struct fixture_run r = { .frame = p->data, .len = len, .repeat = n };

	if (fixture_run_opts(&fx, FIXTURE_XDP, &r)) {
		perror("bench: BPF_PROG_TEST_RUN");
		exit(1);
	}
	ring_buffer__consume(rb);
	return r.duration_ns;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	static const char request[] =
		"POST /v1/telemetry HTTP/1.1\r\nHost: api.vendor.example\r\nUser-Agent: bulb/1.0\r\n"
		"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.dG9rZW4\r\n"
		"Content-Type: application/json\r\nContent-Length: 28\r\n\r\n{\"on\":true,\"level\":80,\"x\":1}";
	double ns[STATES][ROUNDS];
	__u64 counters[IOTRIM_COUNTER__COUNT];
	const char *env = getenv("BENCH_REPEAT");
	struct pkt p;
	__u32 len;

	if (env && atoi(env) > 0)
		repeat = atoi(env);
	if (fixture_open(&fx)) {
		fprintf(stderr, "bench: cannot load iotrim's programs (root needed)\n");
		return 1;
	}
	settings_fd = bpf_map__fd(fx.xdp->maps.settings);
	audit_fd = bpf_map__fd(fx.xdp->maps.audit_plain);
	rb = ring_buffer__new(bpf_map__fd(fx.xdp->maps.events), on_event, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "bench: no ring buffer\n");
		return 1;
	}
	pkt_init(&p);
	pkt_eth(&p, gw_mac, dev_mac);
	pkt_ipv4(&p, &(struct pkt_ipv4){ .saddr = dev_ip4, .daddr = api_ip4 });
	pkt_tcp(&p, 40000, 80, 0);
	pkt_payload(&p, request, sizeof(request) - 1);
	len = pkt_finish(&p);

	run_ns(&p, len, 1000);
	for (int r = 0; r < ROUNDS; r++) {
		set_config(0, 1);
		audit(NULL);
		ns[NO_AUDIT][r] = run_ns(&p, len, repeat);
		audit(other_mac);
		ns[OTHER_AUDITED][r] = run_ns(&p, len, repeat);
		audit(dev_mac);
		ns[THIS_AUDITED][r] = run_ns(&p, len, REPEAT_COPY);
		audit(NULL);
		set_config(0, 0);
		ns[COUNTING_ONLY][r] = run_ns(&p, len, repeat);
	}
	printf("plaintext audit, a sampled %zu-byte HTTP request (XDP, K=0 N=1),\n"
	       "BPF_PROG_TEST_RUN, %u runs (%u copied) x %d rounds (median)\n",
	       sizeof(request) - 1, repeat, REPEAT_COPY, ROUNDS);
	for (int s = 0; s < STATES; s++) {
		qsort(ns[s], ROUNDS, sizeof(double), compare_double);
		printf("  %-32s %8.1f ns/pkt   vs no audit %+7.1f ns\n", state_names[s],
		       ns[s][ROUNDS / 2], ns[s][ROUNDS / 2] - ns[NO_AUDIT][ROUNDS / 2]);
	}
	if (!fixture_read_counters(&fx, counters))
		printf("  samples lost %llu, cut %llu\n",
		       (unsigned long long)counters[IOTRIM_PLAIN_SAMPLE_LOST],
		       (unsigned long long)counters[IOTRIM_PLAIN_SAMPLE_CUT]);
	ring_buffer__free(rb);
	fixture_close(&fx);
	return 0;
}
