// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench: the cost of payload classification, ns/packet through
 * BPF_PROG_TEST_RUN (REPEAT runs of one frame, median of ROUNDS), each
 * beside the same XDP program with classification off (settings K = 0,
 * N = 0: counting only), measured alternately in the same run so that
 * machine noise hits both alike.
 *
 *   unsampled packet      a 1448-byte TLS segment of a flow past its first K
 *                         packets, 1-in-N never due (N = 10^6)
 *   sampled TLS record    a 1500-byte packet (1460 bytes of TLS application
 *                         data), every packet sampled, S = 1500 and default S
 *   sampled text          200 bytes of text (entropy rule), and a 200-byte
 *                         HTTP response header (the header walk)
 *   mix                   default sampling (K = 8, N = 64) on steady-state
 *                         gateway traffic, weights below; each kind is run
 *                         on its own flow, so 1 in 64 of its packets is
 *                         sampled, as in a long flow
 *
 * Targets: mix <= 1.10x counting only; a sampled 1500-byte packet <= 2 us.
 * A new flow direction's first K payload packets are all sampled; the mix
 * line leaves them out (they are a per-flow cost, printed separately).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_fixture.h"
#include "packet.h"

#define ROUNDS 5
#define TARGET_MIX_RATIO 1.10
#define TARGET_SAMPLED_NS 2000.0

static unsigned int repeat = 1000000;
static struct bpf_fixture fx;
static int settings_fd;

static const __u8 dev_mac[6] = { 0x02, 0, 0, 0, 0, 0x21 };
static const __u8 gw_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const __u8 dev_ip4[4] = { 192, 0, 2, 21 };

struct frame {
	const char *name;
	struct pkt pkt;
	__u32 len;
};

static __u8 tls[4096], text[256];

static void load_samples(void)
{
	FILE *f = fopen("selftests/data/tls_appdata.bin", "rb");
	static const char words[] = "temperature 21.5 humidity 44 light on brightness 80 ";

	if (!f || fread(tls, 1, sizeof(tls), f) < 1500) {
		/* no capture: random bytes behind a record header do as well */
		srand(1);
		for (size_t i = 0; i < sizeof(tls); i++)
			tls[i] = rand();
		memcpy(tls, "\x17\x03\x03\x40\x11", 5);
	}
	if (f)
		fclose(f);
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = words[i % (sizeof(words) - 1)];
}

/* Upload frame from the device; host picks the remote address (one flow each). */
static void build(struct frame *fr, const char *name, __u8 host, bool tcp, __u16 port,
		  const void *payload, __u32 len)
{
	__u8 remote[4] = { 203, 0, 113, host };

	fr->name = name;
	pkt_init(&fr->pkt);
	pkt_eth(&fr->pkt, gw_mac, dev_mac);
	pkt_ipv4(&fr->pkt, &(struct pkt_ipv4){ .saddr = dev_ip4, .daddr = remote });
	if (tcp)
		pkt_tcp(&fr->pkt, 40000, port, 0);
	else
		pkt_udp(&fr->pkt, 40000, port);
	pkt_payload(&fr->pkt, payload ? payload : "", len);
	fr->len = pkt_finish(&fr->pkt);
}

static void set_config(__u32 first, __u32 every, __u32 bytes)
{
	struct iotrim_config c = { first, every, bytes, IOTRIM_CONFIG_SET };
	__u32 zero = 0;

	if (bpf_map_update_elem(settings_fd, &zero, &c, BPF_ANY)) {
		perror("bench: settings");
		exit(1);
	}
}

static double run_ns(const struct frame *f, unsigned int n)
{
	struct fixture_run r = { .frame = f->pkt.data, .len = f->len, .repeat = n };

	if (fixture_run_opts(&fx, FIXTURE_XDP, &r)) {
		perror("bench: BPF_PROG_TEST_RUN");
		exit(1);
	}
	return r.duration_ns;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct result {
	double classify, counting;
};

/*
 * Median ns/packet with the given settings and with classification off,
 * alternately.  warm packets go first so the flow is past its first K.
 */
static struct result measure(const struct frame *f, __u32 first, __u32 every, __u32 bytes)
{
	double on[ROUNDS], off[ROUNDS];
	struct result res;

	set_config(first, every, bytes);
	run_ns(f, 1000);
	for (int r = 0; r < ROUNDS; r++) {
		set_config(first, every, bytes);
		on[r] = run_ns(f, repeat);
		set_config(0, 0, bytes);
		off[r] = run_ns(f, repeat);
	}
	qsort(on, ROUNDS, sizeof(double), compare_double);
	qsort(off, ROUNDS, sizeof(double), compare_double);
	res.classify = on[ROUNDS / 2];
	res.counting = off[ROUNDS / 2];
	return res;
}

static void line(const char *what, const struct result *r, const char *target)
{
	printf("%-44s %8.1f ns/pkt   counting only %6.1f ns/pkt   ratio %5.2f%s\n", what,
	       r->classify, r->counting, r->classify / r->counting, target);
}

int main(void)
{
	struct frame f_unsampled, f_tls, f_text, f_http, mix[5];
	static const double weight[5] = { 0.40, 0.40, 0.10, 0.05, 0.05 };
	struct result r, sampled1500;
	double mix_on = 0, mix_off = 0, first_k;
	char http[256];
	const char *env = getenv("BENCH_REPEAT");
	int n;

	if (env && atoi(env) > 0)
		repeat = atoi(env);
	if (fixture_open(&fx)) {
		fprintf(stderr, "bench: cannot load iotrim's programs (root needed)\n");
		return 1;
	}
	settings_fd = bpf_map__fd(fx.xdp->maps.settings);
	load_samples();
	n = snprintf(http, sizeof(http),
		     "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Wed, 25 Nov 2026 16:23:45 GMT\r\n"
		     "Content-Type: application/json\r\nContent-Length: 61\r\nConnection: keep-alive\r\n\r\n");
	memcpy(http + n, text, sizeof(http) - n);

	build(&f_unsampled, "unsampled", 1, true, 443, tls, 1448);
	build(&f_tls, "tls", 2, true, 443, tls, 1460);		/* IP length 1500 */
	build(&f_text, "text", 3, true, 4000, text, 200);
	build(&f_http, "http", 4, true, 80, http, 200);
	build(&mix[0], "ack", 10, true, 443, NULL, 0);
	build(&mix[1], "tls 1448", 11, true, 443, tls, 1448);
	build(&mix[2], "tls 250", 12, true, 443, tls, 250);
	build(&mix[3], "udp 100", 13, false, 53, text, 100);
	build(&mix[4], "text 200", 14, true, 1883, text, 200);

	printf("payload classification vs counting only (same XDP program, K=0 N=0),\n"
	       "BPF_PROG_TEST_RUN, %u runs x %d rounds (median)\n", repeat, ROUNDS);

	r = measure(&f_unsampled, 8, 1000000, IOTRIM_DEFAULT_SAMPLE_BYTES);
	line("unsampled 1448B TLS packet", &r, "");
	sampled1500 = measure(&f_tls, 0, 1, IOTRIM_SAMPLE_BYTES_MAX);
	line("sampled 1500B TLS record, S=1500", &sampled1500, "");
	r = measure(&f_tls, 0, 1, IOTRIM_DEFAULT_SAMPLE_BYTES);
	line("sampled 1500B TLS record, S=1024", &r, "");
	first_k = r.classify - r.counting;
	r = measure(&f_text, 0, 1, IOTRIM_DEFAULT_SAMPLE_BYTES);
	line("sampled 200B text packet", &r, "");
	r = measure(&f_http, 0, 1, IOTRIM_DEFAULT_SAMPLE_BYTES);
	line("sampled 200B HTTP response header", &r, "");

	printf("mix at default sampling (K=8, N=64), steady state:\n");
	for (int i = 0; i < 5; i++) {
		char what[64];

		r = measure(&mix[i], IOTRIM_DEFAULT_SAMPLE_FIRST, IOTRIM_DEFAULT_SAMPLE_EVERY,
			    IOTRIM_DEFAULT_SAMPLE_BYTES);
		snprintf(what, sizeof(what), "  %2.0f%% %s", 100 * weight[i], mix[i].name);
		line(what, &r, "");
		mix_on += weight[i] * r.classify;
		mix_off += weight[i] * r.counting;
	}
	r = (struct result){ mix_on, mix_off };
	line("realistic mix", &r, "  (target <= 1.10)");
	printf("sampled 1500B packet: %.0f ns (target <= %.0f ns): %s\n", sampled1500.classify,
	       TARGET_SAMPLED_NS, sampled1500.classify <= TARGET_SAMPLED_NS ? "met" : "NOT MET");
	printf("mix ratio %.3f (target <= %.2f): %s\n", mix_on / mix_off, TARGET_MIX_RATIO,
	       mix_on / mix_off <= TARGET_MIX_RATIO ? "met" : "NOT MET");
	printf("each new flow direction: its first 8 payload packets sampled, ~%.0f ns extra each\n",
	       first_k);
	fixture_close(&fx);
	return 0;
}
