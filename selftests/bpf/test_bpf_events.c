// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The attribution events of the real programs (bpf/events.h), through
 * BPF_PROG_TEST_RUN: DNS on port 53 both ways, the first TLS payload of each
 * TCP connection direction only, the device's SYN starting over, a
 * connection seen both ways skipping "conns", bounded copies, and a full
 * ring buffer counted instead of blocking.
 */
#include <bpf/libbpf.h>

#include "attrib_msgs.h"
#include "bpf_fixture.h"
#include "harness.h"
#include "packet.h"

static const __u8 DEV_MAC[6] = { 2, 0, 0, 0, 0, 0x21 };
static const __u8 GW_MAC[6] = { 2, 0, 0, 0, 0, 0x01 };
static const __u8 DEV4[4] = { 192, 0, 2, 21 };
static const __u8 GW4[4] = { 192, 0, 2, 1 };
static const __u8 API4[4] = { 203, 0, 113, 10 };
static const __u8 DEV6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x21 };
static const __u8 API6[16] = { 0x20, 0x01, 0x0d, 0xb8, 1, 0, [15] = 0x10 };

static struct bpf_fixture fx;
static struct ring_buffer *rb;
static struct msg m;

#define MAX_SEEN 8
static struct iotrim_event seen[MAX_SEEN];
static int nseen;

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size >= sizeof(struct iotrim_event) && nseen < MAX_SEEN)
		memcpy(&seen[nseen], data, sizeof(struct iotrim_event));
	nseen++;
	return 0;
}

static int drain(void)
{
	nseen = 0;
	ring_buffer__consume(rb);
	return nseen;
}

/* A frame between the device and a remote; up = sent by the device. */
static __u32 frame(struct pkt *p, bool up, bool v6, __u8 proto, __u16 remote_port,
		   __u16 device_port, const void *payload, __u32 len, const __u8 *remote4)
{
	pkt_init(p);
	pkt_eth(p, up ? GW_MAC : DEV_MAC, up ? DEV_MAC : GW_MAC);
	if (v6) {
		pkt_ipv6(p, up ? DEV6 : API6, up ? API6 : DEV6);
	} else {
		struct pkt_ipv4 ip = { .saddr = up ? DEV4 : remote4, .daddr = up ? remote4 : DEV4 };

		pkt_ipv4(p, &ip);
	}
	if (proto == IPPROTO_UDP)
		pkt_udp(p, up ? device_port : remote_port, up ? remote_port : device_port);
	else
		pkt_tcp(p, up ? device_port : remote_port, up ? remote_port : device_port, 0);
	if (len)
		pkt_payload(p, payload, len);
	return pkt_finish(p);
}

static void run(enum fixture_hook hook, struct pkt *p, __u32 len)
{
	__u32 retval;

	if (fixture_run(&fx, hook, p->data, len, &retval) || retval != fixture_pass_retval(hook))
		printf("#   run on %s failed (retval %u)\n", fixture_hook_name(hook), retval);
}

static struct pkt p;

TEST(dns_both_ways)
{
	struct dns_message_len { size_t q, r; } l;
	__u32 len;

	dns_begin(&m, 1, false, 0);
	dns_question(&m, "api.vendor.example", DNS_A);
	l.q = dns_end(&m);
	len = frame(&p, true, false, IPPROTO_UDP, 53, 40000, m.b, l.q, GW4);
	run(FIXTURE_XDP, &p, len);
	ASSERT(drain() == 1, "a query from the device is an event (%d)", nseen);
	EXPECT(seen[0].kind == IOTRIM_EV_DNS && seen[0].direction == 0 &&
	       !memcmp(seen[0].key.device_mac, DEV_MAC, 6) && seen[0].key.remote_port == 53 &&
	       seen[0].device_port == 40000 && seen[0].len == l.q && seen[0].payload_len == l.q &&
	       !memcmp(seen[0].payload, m.b, l.q), "query event");

	dns_begin(&m, 1, true, 0);
	dns_question(&m, "api.vendor.example", DNS_A);
	dns_a(&m, "api.vendor.example", API4, 30);
	l.r = dns_end(&m);
	len = frame(&p, false, false, IPPROTO_UDP, 53, 40000, m.b, l.r, GW4);
	run(FIXTURE_TC_EGRESS, &p, len);
	ASSERT(drain() == 1, "an answer to the device is an event");
	EXPECT(seen[0].direction == 1 && !memcmp(seen[0].key.remote_ip, GW4, 4) &&
	       seen[0].len == l.r && !memcmp(seen[0].payload, m.b, l.r), "answer event");

	len = frame(&p, false, true, IPPROTO_UDP, 53, 40001, m.b, l.r, NULL);
	run(FIXTURE_TC_EGRESS, &p, len);
	EXPECT(drain() == 1 && seen[0].key.family == IOTRIM_FAMILY_IPV6, "IPv6 answer");
	len = frame(&p, true, false, IPPROTO_UDP, 53, 40000, m.b, l.q, GW4);
	run(FIXTURE_TC_INGRESS, &p, len);
	EXPECT(drain() == 1 && seen[0].direction == 0, "TC ingress (--mode tc) sends queries too");

	len = frame(&p, false, false, IPPROTO_UDP, 123, 40000, m.b, l.r, API4);
	run(FIXTURE_TC_EGRESS, &p, len);
	len = frame(&p, true, false, IPPROTO_UDP, 5353, 53, m.b, l.q, API4);
	run(FIXTURE_XDP, &p, len);
	EXPECT(drain() == 0, "other UDP ports are not (the device's own port 53 is not the remote's)");
	len = frame(&p, true, false, IPPROTO_UDP, 53, 40000, NULL, 0, GW4);
	run(FIXTURE_XDP, &p, len);
	EXPECT(drain() == 0, "no payload, no event");
}

TEST(tls_first_payload_only)
{
	static const uint16_t v13[] = { TLS_V13 };
	struct hello_opts ch = { .sni = "api.vendor.example" }, sh = { .versions = v13, .nversions = 1 };
	size_t chl, shl;
	__u32 len;

	chl = tls_client_hello(&m, &ch);
	len = frame(&p, true, false, IPPROTO_TCP, 443, 41000, m.b, chl, API4);
	run(FIXTURE_XDP, &p, len);
	ASSERT(drain() == 1, "ClientHello is an event");
	EXPECT(seen[0].kind == IOTRIM_EV_TLS && seen[0].direction == 0 && seen[0].len == chl &&
	       seen[0].device_port == 41000 && seen[0].key.remote_port == 443, "TLS event");
	run(FIXTURE_XDP, &p, len);
	EXPECT(drain() == 0, "the second payload packet up is not");

	shl = tls_server_hello(&m, &sh);
	len = frame(&p, false, false, IPPROTO_TCP, 443, 41000, m.b, shl, API4);
	run(FIXTURE_TC_EGRESS, &p, len);
	ASSERT(drain() == 1, "ServerHello is an event");
	EXPECT(seen[0].direction == 1 && seen[0].len == shl, "down");
	run(FIXTURE_TC_EGRESS, &p, len);
	EXPECT(drain() == 0, "the second payload packet down is not");

	/* Another connection (device port) of the same flow is looked at again. */
	chl = tls_client_hello(&m, &ch);
	len = frame(&p, true, false, IPPROTO_TCP, 443, 41001, m.b, chl, API4);
	run(FIXTURE_XDP, &p, len);
	EXPECT(drain() == 1, "second connection's ClientHello");

	/* The device's SYN on a used port starts the connection over. */
	len = frame(&p, true, false, IPPROTO_TCP, 443, 41000, NULL, 0, API4);
	p.data[p.l4_off + 13] = 0x02;
	run(FIXTURE_XDP, &p, len);
	len = frame(&p, true, false, IPPROTO_TCP, 443, 41000, m.b, chl, API4);
	run(FIXTURE_XDP, &p, len);
	EXPECT(drain() == 1, "after a SYN the ClientHello is an event again");

	/* A first payload that is not TLS ends the looking (HTTP). */
	len = frame(&p, true, true, IPPROTO_TCP, 80, 42000, "GET / HTTP/1.1\r\n", 16, NULL);
	run(FIXTURE_XDP, &p, len);
	len = frame(&p, true, true, IPPROTO_TCP, 80, 42000, m.b, chl, NULL);
	run(FIXTURE_XDP, &p, len);
	EXPECT(drain() == 0, "not TLS first: nothing");

	/* DNS over TCP: the first segment, any content. */
	dns_begin(&m, 3, true, 0);
	dns_question(&m, "api.vendor.example", DNS_A);
	dns_end(&m);
	{
		static struct msg t;
		size_t tl = dns_tcp(&m, &t);

		len = frame(&p, false, false, IPPROTO_TCP, 53, 43000, t.b, tl, GW4);
		run(FIXTURE_TC_EGRESS, &p, len);
		EXPECT(drain() == 1 && seen[0].kind == IOTRIM_EV_DNS && seen[0].key.proto == IPPROTO_TCP,
		       "TCP DNS answer");
	}
}

static bool api_flow(__u16 port, struct flow_value *v)
{
	struct flow_key k = { .family = IOTRIM_FAMILY_IPV4, .proto = IPPROTO_TCP, .remote_port = port };

	memcpy(k.device_mac, DEV_MAC, 6);
	memcpy(k.device_ip, DEV4, 4);
	memcpy(k.remote_ip, API4, 4);
	return fixture_lookup_flow(&fx, &k, v) == 0;
}

/*
 * A connection's first payload each way is remembered by its flow, whose
 * next segments that way then skip "conns" (here: its entry removed by
 * hand, a ClientHello that would be a first payload again passes unseen);
 * the device's SYN on that port forgets it; a TLS 1.2 hello flight makes
 * the flow look again until the flight ends.
 */
TEST(seen_connection_skips_conns)
{
	static const uint16_t v13[] = { TLS_V13 };
	struct hello_opts ch = { .sni = "api.vendor.example" }, sh13 = { .versions = v13, .nversions = 1 },
			  sh12 = { 0 };
	int conns = bpf_map__fd(fx.xdp->maps.conns);
	struct flow_value fv;
	size_t chl, shl;
	__u32 len;

	ASSERT(fixture_clear(&fx) == 0 && fixture_clear_hash(conns, sizeof(struct conn_key)) == 0,
	       "clear");
	drain();
	chl = tls_client_hello(&m, &ch);
	len = frame(&p, true, false, IPPROTO_TCP, 443, 46000, m.b, chl, API4);
	run(FIXTURE_XDP, &p, len);
	ASSERT(api_flow(443, &fv) && fv.seen_port_up == 46000 && fv.seen_port_down == 0,
	       "remembered up (%u, %u)", fv.seen_port_up, fv.seen_port_down);
	shl = tls_server_hello(&m, &sh13);
	len = frame(&p, false, false, IPPROTO_TCP, 443, 46000, m.b, shl, API4);
	run(FIXTURE_TC_EGRESS, &p, len);
	ASSERT(drain() == 2, "ClientHello and ServerHello");
	ASSERT(api_flow(443, &fv) && fv.seen_port_down == 46000 && !fv.cert_follows,
	       "and down (%u, %u)", fv.seen_port_down, fv.cert_follows);

	ASSERT(fixture_clear_hash(conns, sizeof(struct conn_key)) == 0, "conns emptied");
	chl = tls_client_hello(&m, &ch);
	len = frame(&p, true, false, IPPROTO_TCP, 443, 46000, m.b, chl, API4);
	run(FIXTURE_XDP, &p, len);
	EXPECT(drain() == 0 && fixture_map_count(conns, sizeof(struct conn_key)) == 0,
	       "the remembered connection is not looked up");

	len = frame(&p, true, false, IPPROTO_TCP, 443, 46000, NULL, 0, API4);
	p.data[p.l4_off + 13] = 0x02;
	run(FIXTURE_XDP, &p, len);
	EXPECT(api_flow(443, &fv) && !fv.seen_port_up && !fv.seen_port_down,
	       "the SYN forgets it both ways (%u, %u)", fv.seen_port_up, fv.seen_port_down);
	len = frame(&p, true, false, IPPROTO_TCP, 443, 46000, m.b, chl, API4);
	run(FIXTURE_XDP, &p, len);
	EXPECT(drain() == 1, "the new connection's ClientHello is an event");

	shl = tls_server_hello(&m, &sh12);
	len = frame(&p, false, false, IPPROTO_TCP, 443, 46000, m.b, shl, API4);
	run(FIXTURE_TC_EGRESS, &p, len);
	EXPECT(drain() == 1 && api_flow(443, &fv) && fv.seen_port_down == 46000 &&
	       fv.cert_follows == 1, "a TLS 1.2 hello: the flow follows its flight (%u, %u)",
	       fv.seen_port_down, fv.cert_follows);
	len = frame(&p, true, false, IPPROTO_TCP, 443, 46000, "\x16\x03\x03\x00\x01\x10", 6, API4);
	run(FIXTURE_XDP, &p, len);
	EXPECT(drain() == 0 && api_flow(443, &fv) && fv.cert_follows == 0,
	       "the device's next flight ends it (%u)", fv.cert_follows);
}

TEST(bounded_copy)
{
	static __u8 big[3000];
	__u32 len;

	memset(big, 0x16, sizeof(big));
	len = frame(&p, false, false, IPPROTO_UDP, 53, 44000, big, sizeof(big), GW4);
	run(FIXTURE_TC_EGRESS, &p, len);
	ASSERT(drain() == 1, "event");
	EXPECT(seen[0].len == IOTRIM_EVENT_PAYLOAD_MAX && seen[0].payload_len == sizeof(big),
	       "copied %u of %u", seen[0].len, seen[0].payload_len);
	/* A truncated UDP header is counted as malformed, never an event. */
	len = frame(&p, false, false, IPPROTO_UDP, 53, 44000, NULL, 0, GW4);
	p.data[p.l3_off + 3] = 24;	/* IP length: 4 bytes of UDP header */
	run(FIXTURE_TC_EGRESS, &p, p.l3_off + 24);
	EXPECT(drain() == 0, "truncated: no event");
}

TEST(full_ring_is_counted)
{
	struct fixture_run r = { 0 };
	__u64 counters[IOTRIM_COUNTER__COUNT];
	int got;

	dns_begin(&m, 4, true, 0);
	dns_question(&m, "api.vendor.example", DNS_A);
	r.len = frame(&p, false, false, IPPROTO_UDP, 53, 45000, m.b, dns_end(&m), GW4);
	r.frame = p.data;
	r.repeat = IOTRIM_EVENTS_RINGBUF_BYTES / sizeof(struct iotrim_event) + 200;
	ASSERT(fixture_run_opts(&fx, FIXTURE_TC_EGRESS, &r) == 0, "repeated run");
	ASSERT(fixture_read_counters(&fx, counters) == 0, "counters");
	EXPECT(counters[IOTRIM_EVENT_RINGBUF_FULL] >= 200, "drops counted: %llu",
	       (unsigned long long)counters[IOTRIM_EVENT_RINGBUF_FULL]);
	got = drain();
	EXPECT(got > 2000 && (__u64)got + counters[IOTRIM_EVENT_RINGBUF_FULL] == r.repeat,
	       "delivered %d + dropped = sent", got);
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
	RUN(dns_both_ways);
	RUN(tls_first_payload_only);
	RUN(seen_connection_skips_conns);
	RUN(bounded_copy);
	RUN(full_ring_is_counted);
	ring_buffer__free(rb);
	fixture_close(&fx);
	return harness_done();
}
