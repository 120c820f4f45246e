// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The server certificates the programs pass up (bpf/events_cert.h), through
 * BPF_PROG_TEST_RUN: a table of connections, each a ClientHello, a
 * ServerHello and then server segments, with what must come up as
 * IOTRIM_EV_TLS_CERT events (segments, bytes, sequence numbers, payload)
 * and whether the cut counter moves.
 */
#include <bpf/libbpf.h>

#include "attrib_msgs.h"
#include "bpf_fixture.h"
#include "harness.h"
#include "packet.h"

static const __u8 DEV_MAC[6] = { 2, 0, 0, 0, 0, 0x21 };
static const __u8 GW_MAC[6] = { 2, 0, 0, 0, 0, 0x01 };
static const __u8 DEV4[4] = { 192, 0, 2, 21 };
static const __u8 API4[4] = { 203, 0, 113, 10 };

#define SERVER_ISN 1000000u
#define MAX_EVENTS 64

static struct bpf_fixture fx;
static struct ring_buffer *rb;
static struct msg m;
static struct pkt p;
static struct iotrim_event seen[MAX_EVENTS];
static int nseen;

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size >= sizeof(struct iotrim_event) && nseen < MAX_EVENTS)
		memcpy(&seen[nseen], data, sizeof(struct iotrim_event));
	nseen++;
	return 0;
}

static void drain(void)
{
	nseen = 0;
	ring_buffer__consume(rb);
}

/* One TCP segment of the connection on device port dport; up = from the device. */
static void segment(bool up, __u16 dport, __u32 seq, const void *payload, __u32 len)
{
	enum fixture_hook hook = up ? FIXTURE_XDP : FIXTURE_TC_EGRESS;
	struct pkt_ipv4 ip = { .saddr = up ? DEV4 : API4, .daddr = up ? API4 : DEV4 };
	__u32 flen, retval;

	pkt_init(&p);
	pkt_eth(&p, up ? GW_MAC : DEV_MAC, up ? DEV_MAC : GW_MAC);
	pkt_ipv4(&p, &ip);
	pkt_tcp(&p, up ? dport : 443, up ? 443 : dport, 0);
	pkt_payload(&p, payload, len);
	flen = pkt_finish(&p);
	p.data[p.l4_off + 4] = seq >> 24;
	p.data[p.l4_off + 5] = seq >> 16;
	p.data[p.l4_off + 6] = seq >> 8;
	p.data[p.l4_off + 7] = seq;
	if (fixture_run(&fx, hook, p.data, flen, &retval) || retval != fixture_pass_retval(hook))
		printf("#   run on %s failed (retval %u)\n", fixture_hook_name(hook), retval);
}

/* Server bytes: a counter pattern, so any misplaced byte shows. */
static __u8 server_byte(__u32 seq)
{
	return (__u8)(seq * 7 + 3);
}

struct cert_case {
	const char *name;
	bool tls13;		/* the ServerHello negotiates TLS 1.3 */
	bool explicit12;	/* supported_versions says TLS 1.2 */
	__u32 hello_extra;	/* server bytes after the hello in its own packet */
	int segments;		/* server segments after the hello */
	__u32 seg_len;
	int flight_end_at;	/* segment (1-based) that ends with ServerHelloDone; 0: none */
	int ccs_at;		/* segment that is a ChangeCipherSpec record; 0: none */
	int device_at;		/* the device sends payload before this segment; 0: never */
	/* expected */
	int passed_segments;	/* server segments with an event */
	__u32 passed_bytes;	/* all TLS_CERT event bytes */
	bool cut;
};

static const struct cert_case cases[] = {
	{ "tls12_segments_passed", .segments = 3, .seg_len = 1000, .flight_end_at = 3,
	  .passed_segments = 3, .passed_bytes = 3000 },
	{ "explicit_tls12_version", .explicit12 = true, .segments = 2, .seg_len = 700,
	  .passed_segments = 2, .passed_bytes = 1400 },
	{ "stop_after_server_hello_done", .segments = 5, .seg_len = 500, .flight_end_at = 2,
	  .passed_segments = 2, .passed_bytes = 1000 },
	{ "stop_at_change_cipher_spec", .segments = 4, .seg_len = 600, .ccs_at = 2,
	  .passed_segments = 1, .passed_bytes = 600 },
	{ "stop_when_device_answers", .segments = 4, .seg_len = 800, .device_at = 3,
	  .passed_segments = 2, .passed_bytes = 1600 },
	{ "bytes_bound_cuts", .segments = 14, .seg_len = 1400,
	  .passed_segments = 12, .passed_bytes = IOTRIM_CERT_BYTES_MAX, .cut = true },
	{ "segments_bound_cuts", .segments = IOTRIM_CERT_SEGMENTS_MAX + 4, .seg_len = 100,
	  .passed_segments = IOTRIM_CERT_SEGMENTS_MAX,
	  .passed_bytes = IOTRIM_CERT_SEGMENTS_MAX * 100, .cut = true },
	{ "hello_packet_remainder", .hello_extra = 1800, .segments = 1, .seg_len = 300,
	  .flight_end_at = 1, .passed_segments = 1,
	  /* the hello's event carries 1500 bytes; the rest of that packet comes as cert events */
	  .passed_bytes = 300, .cut = false },
	{ "tls13_not_passed", .tls13 = true, .segments = 3, .seg_len = 1000,
	  .passed_segments = 0, .passed_bytes = 0 },
};

static __u64 cut_counter(void)
{
	__u64 c[IOTRIM_COUNTER__COUNT];

	return fixture_read_counters(&fx, c) ? ~0ULL : c[IOTRIM_CERT_CUT];
}

static void run_case(const struct cert_case *c, __u16 dport)
{
	static const uint16_t v13[] = { TLS_V13 }, v12[] = { TLS_V12 };
	struct hello_opts ch = { .sni = "api.vendor.example" }, sh = { 0 };
	static __u8 buf[4096];
	__u32 seq, hello_len, bytes = 0, hello_bytes = 0, want_hello_bytes;
	__u64 cut_before = cut_counter();
	int segs_with_events = 0;
	bool order_ok = true;

	segment(true, dport, 1, m.b, tls_client_hello(&m, &ch));
	if (c->tls13) {
		sh.versions = v13;
		sh.nversions = 1;
	} else if (c->explicit12) {
		sh.versions = v12;
		sh.nversions = 1;
	}
	hello_len = tls_server_hello(&m, &sh);
	memcpy(buf, m.b, hello_len);
	for (__u32 i = 0; i < c->hello_extra; i++)
		buf[hello_len + i] = server_byte(SERVER_ISN + hello_len + i);
	drain();
	segment(false, dport, SERVER_ISN, buf, hello_len + c->hello_extra);
	drain();
	/* The hello itself is an IOTRIM_EV_TLS event; what follows in its packet is cert events. */
	want_hello_bytes = hello_len + c->hello_extra > IOTRIM_EVENT_PAYLOAD_MAX && !c->tls13 ?
			   hello_len + c->hello_extra - IOTRIM_EVENT_PAYLOAD_MAX : 0;
	for (int i = 0; i < nseen && i < MAX_EVENTS; i++) {
		if (seen[i].kind == IOTRIM_EV_TLS_CERT) {
			hello_bytes += seen[i].len;
			order_ok &= seen[i].tcp_seq == SERVER_ISN + IOTRIM_EVENT_PAYLOAD_MAX;
		} else {
			order_ok &= seen[i].kind == IOTRIM_EV_TLS && seen[i].tcp_seq == SERVER_ISN;
		}
	}
	EXPECT(hello_bytes == want_hello_bytes && order_ok,
	       "%s: the hello packet gave %u cert bytes (want %u)", c->name, hello_bytes,
	       want_hello_bytes);

	seq = SERVER_ISN + hello_len + c->hello_extra;
	for (int s = 1; s <= c->segments; s++) {
		__u32 len = c->seg_len;

		if (c->device_at == s)
			segment(true, dport, 1 + 500, "\x16\x03\x03\x00\x01\x10", 6);
		for (__u32 i = 0; i < len; i++)
			buf[i] = server_byte(seq + i);
		if (c->flight_end_at == s)
			memcpy(buf + len - 4, "\x0e\x00\x00\x00", 4);
		if (c->ccs_at == s) {
			len = 6;
			memcpy(buf, "\x14\x03\x03\x00\x01\x01", 6);
		}
		segment(false, dport, seq, buf, len);
		drain();
		if (nseen)
			segs_with_events++;
		for (int i = 0; i < nseen && i < MAX_EVENTS; i++) {
			const struct iotrim_event *e = &seen[i];
			__u32 off = e->tcp_seq - seq;

			bytes += e->len;
			order_ok &= e->kind == IOTRIM_EV_TLS_CERT && e->direction == 1 &&
				    e->device_port == dport && off + e->len <= len &&
				    !memcmp(e->payload, buf + off, e->len);
		}
		seq += len;
	}
	EXPECT(segs_with_events == c->passed_segments, "%s: %d segments passed (want %d)",
	       c->name, segs_with_events, c->passed_segments);
	EXPECT(bytes == c->passed_bytes, "%s: %u bytes passed (want %u)", c->name, bytes,
	       c->passed_bytes);
	EXPECT(order_ok, "%s: every event is the server's bytes at its sequence number", c->name);
	EXPECT(cut_counter() - cut_before == (c->cut ? 1 : 0), "%s: cert_cut grew by %llu",
	       c->name, (unsigned long long)(cut_counter() - cut_before));
}

TEST(cert_table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], 50000 + i);
}

/* A new connection on a reused port (the device's SYN) is not followed from the old one. */
TEST(syn_forgets_the_flight)
{
	struct hello_opts ch = { .sni = "api.vendor.example" }, sh = { 0 };
	__u8 junk[200];
	__u32 len, retval;

	memset(junk, 0x42, sizeof(junk));
	for (__u16 port = 51000; port <= 51001; port++) {
		segment(true, port, 1, m.b, tls_client_hello(&m, &ch));
		len = tls_server_hello(&m, &sh);
		segment(false, port, SERVER_ISN, m.b, len);
	}
	drain();
	segment(true, 51000, 0, NULL, 0);
	p.data[p.l4_off + 13] = 0x02;	/* SYN */
	fixture_run(&fx, FIXTURE_XDP, p.data, p.len, &retval);
	segment(false, 51000, SERVER_ISN + len, junk, sizeof(junk));
	drain();
	EXPECT(nseen == 0, "after the SYN the old flight is not followed (%d events)", nseen);
	segment(false, 51001, SERVER_ISN + len, junk, sizeof(junk));
	drain();
	EXPECT(nseen == 1 && seen[0].kind == IOTRIM_EV_TLS_CERT, "without it, it is (%d)", nseen);
}

int main(void)
{
	int err = fixture_open(&fx);

	if (err) {
		printf("Bail out! loading the BPF programs: %s\n", strerror(-err));
		return 1;
	}
	rb = ring_buffer__new(bpf_map__fd(fx.xdp->maps.events), on_event, NULL, NULL);
	if (!rb) {
		printf("Bail out! no ring buffer\n");
		return 1;
	}
	RUN(cert_table);
	RUN(syn_forgets_the_flight);
	ring_buffer__free(rb);
	fixture_close(&fx);
	return harness_done();
}
