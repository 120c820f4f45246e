// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fair-share budgets of bpf/limit.h through BPF_PROG_TEST_RUN, with the
 * budgets on (the fixture turns them off for the other tests): a flood of
 * new source MACs gets IOTRIM_NEW_DEVICE_BURST device entries, the rest
 * counted; a device spraying new destinations gets IOTRIM_FLOW_FRESH flow
 * entries, the rest counted, while its totals stay exact and another
 * device's flows keep counting; a device spraying DNS gets
 * IOTRIM_EVENT_BURST events, the rest counted, and another device's event
 * still goes through.  The process is pinned to one CPU: the budgets are
 * per CPU.
 */
#include <sched.h>
#include <bpf/libbpf.h>

#include "attrib_msgs.h"
#include "bpf_fixture.h"
#include "harness.h"
#include "packet.h"

static const __u8 GW_MAC[6] = { 2, 0, 0, 0, 0, 0x01 };
static const __u8 VICTIM_MAC[6] = { 2, 0, 0, 0, 0, 0x22 };
static const __u8 HOSTILE_MAC[6] = { 2, 0, 0, 0, 0, 0x66 };
static const __u8 GW4[4] = { 192, 0, 2, 1 };

static struct bpf_fixture fx;
static struct ring_buffer *rb;
static struct pkt p;
static int nseen;

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	nseen++;
	return 0;
}

static int drain(void)
{
	nseen = 0;
	ring_buffer__consume(rb);
	return nseen;
}

/* UDP from mac (host .last) to remote:port, payload len bytes. */
static __u32 upload(const __u8 mac[6], __u8 last, const __u8 remote[4], __u16 port,
		    const void *payload, __u32 len)
{
	struct pkt_ipv4 ip = { .saddr = (const __u8[4]){ 192, 0, 2, last }, .daddr = remote };

	pkt_init(&p);
	pkt_eth(&p, GW_MAC, mac);
	pkt_ipv4(&p, &ip);
	pkt_udp(&p, 40000, port);
	if (len)
		pkt_payload(&p, payload, len);
	return pkt_finish(&p);
}

static bool run_once(__u32 len)
{
	__u32 retval;

	return fixture_run(&fx, FIXTURE_XDP, p.data, len, &retval) == 0;
}

static __u64 counter(int which)
{
	__u64 c[IOTRIM_COUNTER__COUNT];

	return fixture_read_counters(&fx, c) ? ~0ULL : c[which];
}

TEST(mac_flood_gets_the_new_device_burst)
{
	const int macs = 3 * IOTRIM_NEW_DEVICE_BURST;
	int devices;

	ASSERT(fixture_clear(&fx) == 0, "clear");
	for (int i = 0; i < macs; i++) {
		__u8 mac[6] = { 0x02, 0x66, 0, 0, i >> 8, i & 0xff };
		__u32 len = upload(mac, 99, (const __u8[4]){ 203, 0, 113, 10 }, 443, "x", 1);

		ASSERT(run_once(len), "run %d", i);
	}
	devices = fixture_device_count(&fx);
	EXPECT(devices >= IOTRIM_NEW_DEVICE_BURST && devices <= IOTRIM_NEW_DEVICE_BURST + 1,
	       "%d device entries for %d MACs (burst %d)", devices, macs, IOTRIM_NEW_DEVICE_BURST);
	EXPECT(counter(IOTRIM_DEVICE_INSERT_LIMITED) == (__u64)(macs - devices),
	       "every refused MAC counted: %llu", (unsigned long long)counter(IOTRIM_DEVICE_INSERT_LIMITED));
	EXPECT(fixture_flow_count(&fx) == devices, "no device entry, no flow entry: %d flows",
	       fixture_flow_count(&fx));
	EXPECT(counter(IOTRIM_FLOW_QUOTA) == (__u64)(macs - devices), "and those flows counted too");
}

TEST(destination_spray_gets_the_fresh_flow_budget)
{
	const int remotes = 4 * IOTRIM_FLOW_FRESH;
	struct device_value dv;
	struct flow_value fv;
	struct flow_key vk = { .family = IOTRIM_FAMILY_IPV4, .proto = IPPROTO_UDP,
			       .remote_port = 443 };
	__u64 before;
	__u32 len;
	int flows;

	ASSERT(fixture_clear(&fx) == 0, "clear");
	len = upload(VICTIM_MAC, 22, (const __u8[4]){ 203, 0, 113, 10 }, 443, "v", 1);
	ASSERT(run_once(len), "victim's flow");
	for (int i = 0; i < remotes; i++) {
		len = upload(HOSTILE_MAC, 66, (const __u8[4]){ 198, 18, i >> 8, i & 0xff }, 443, "x", 1);
		ASSERT(run_once(len), "run %d", i);
	}
	flows = fixture_flow_count(&fx) - 1;
	EXPECT(flows >= IOTRIM_FLOW_FRESH && flows <= IOTRIM_FLOW_FRESH + 1,
	       "%d flow entries for %d destinations (fresh budget %d)", flows, remotes,
	       IOTRIM_FLOW_FRESH);
	EXPECT(counter(IOTRIM_FLOW_QUOTA) == (__u64)(remotes - flows), "refused flows counted: %llu",
	       (unsigned long long)counter(IOTRIM_FLOW_QUOTA));
	ASSERT(fixture_lookup_device(&fx, HOSTILE_MAC, &dv) == 0, "hostile device");
	EXPECT(dv.up.packets == (__u64)remotes, "its totals stay exact: %llu packets",
	       (unsigned long long)dv.up.packets);

	/* The victim's flow is there and counts on; an existing flow needs no budget. */
	memcpy(vk.device_mac, VICTIM_MAC, 6);
	memcpy(vk.device_ip, (const __u8[4]){ 192, 0, 2, 22 }, 4);
	memcpy(vk.remote_ip, (const __u8[4]){ 203, 0, 113, 10 }, 4);
	before = counter(IOTRIM_FLOW_QUOTA);
	len = upload(VICTIM_MAC, 22, (const __u8[4]){ 203, 0, 113, 10 }, 443, "v", 1);
	ASSERT(run_once(len), "victim again");
	len = upload(HOSTILE_MAC, 66, (const __u8[4]){ 198, 18, 0, 0 }, 443, "x", 1);
	ASSERT(run_once(len), "hostile's first destination again");
	ASSERT(fixture_lookup_flow(&fx, &vk, &fv) == 0, "victim's flow kept");
	EXPECT(fv.up.packets == 2, "victim's flow: %llu packets", (unsigned long long)fv.up.packets);
	EXPECT(counter(IOTRIM_FLOW_QUOTA) == before, "existing flows spend nothing");
}

TEST(dns_spray_gets_the_event_burst)
{
	const int queries = 3 * IOTRIM_EVENT_BURST;
	struct fixture_run r = { 0 };
	struct msg m;
	size_t qlen;
	int got;

	ASSERT(fixture_clear(&fx) == 0, "clear");
	drain();
	dns_begin(&m, 7, false, 0);
	dns_question(&m, "r1234.spray.example", DNS_A);
	qlen = dns_end(&m);
	r.len = upload(HOSTILE_MAC, 66, GW4, 53, m.b, qlen);
	r.frame = p.data;
	r.repeat = queries;
	ASSERT(fixture_run_opts(&fx, FIXTURE_XDP, &r) == 0, "repeated run");
	got = drain();
	EXPECT(got >= IOTRIM_EVENT_BURST && got <= IOTRIM_EVENT_BURST + 1,
	       "%d events of %d queries (burst %d)", got, queries, IOTRIM_EVENT_BURST);
	EXPECT(counter(IOTRIM_EVENT_RATE_LIMITED) == (__u64)(queries - got),
	       "the others counted: %llu", (unsigned long long)counter(IOTRIM_EVENT_RATE_LIMITED));
	EXPECT(counter(IOTRIM_EVENT_RINGBUF_FULL) == 0, "the ring never filled");

	r.len = upload(VICTIM_MAC, 22, GW4, 53, m.b, qlen);
	r.repeat = 0;
	ASSERT(fixture_run_opts(&fx, FIXTURE_XDP, &r) == 0, "victim's query");
	EXPECT(drain() == 1, "another device's event goes through");
}

TEST(budgets_off_for_replay)
{
	const int remotes = 4 * IOTRIM_FLOW_FRESH;

	ASSERT(fixture_clear(&fx) == 0, "clear");
	ASSERT(fixture_limits(&fx, false) == 0, "off");
	for (int i = 0; i < remotes; i++) {
		__u32 len = upload(HOSTILE_MAC, 66, (const __u8[4]){ 198, 18, 1, i & 0xff }, 443,
				   "x", 1);

		ASSERT(run_once(len), "run %d", i);
	}
	EXPECT(fixture_flow_count(&fx) == remotes, "every flow: %d", fixture_flow_count(&fx));
	EXPECT(counter(IOTRIM_FLOW_QUOTA) == 0, "nothing refused");
	fixture_limits(&fx, true);
}

int main(void)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
	if (sched_setaffinity(0, sizeof(one), &one)) {
		printf("Bail out! cannot pin to one CPU\n");
		return 1;
	}
	fixture_open_or_exit(&fx);
	rb = ring_buffer__new(bpf_map__fd(fx.xdp->maps.events), on_event, NULL, NULL);
	if (!rb || fixture_limits(&fx, true)) {
		printf("Bail out! no ring buffer or settings\n");
		return 1;
	}
	RUN(mac_flood_gets_the_new_device_burst);
	RUN(destination_spray_gets_the_fresh_flow_budget);
	RUN(dns_spray_gets_the_event_burst);
	RUN(budgets_off_for_replay);
	ring_buffer__free(rb);
	fixture_close(&fx);
	return harness_done();
}
