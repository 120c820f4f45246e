// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The BPF parser and counters, run in the kernel with BPF_PROG_TEST_RUN on
 * crafted frames: every parse path, every error reason, GSO accounting and
 * every truncation of three frames.  Each frame runs on empty maps, and a
 * test checks the whole outcome: the one flow key, its counts in the right
 * direction, the device totals, the error counters and the return value.
 *
 * The frames are a table of named cases, each a builder and what the
 * hooks must make of its frame, and each its own TAP line (as the
 * kernel's prog_tests/flow_dissector.c runs its table).
 *
 * The frames go from "src" to "dst".  XDP and TC ingress count them as
 * upload by the src device; TC egress counts them as download to the dst
 * device, keyed from the destination side.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bpf_fixture.h"
#include "common/fmt.h"
#include "common/proto.h"
#include "harness.h"
#include "packet.h"

static struct bpf_fixture fx;

static const __u8 src_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x0a };
static const __u8 dst_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x0b };
static const __u8 src_ip4[4] = { 192, 0, 2, 10 };
static const __u8 dst_ip4[4] = { 203, 0, 113, 5 };
static const __u8 src_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x0a };
static const __u8 dst_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 0x0b };

#define ARRAY_SIZE(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define SRC_PORT 40000
#define DST_PORT 443

/* Bytes that read as ports 0x1234 and 0x5678 if parsed as an L4 header. */
static const __u8 port_lookalike[8] = { 0x12, 0x34, 0x56, 0x78, 0, 8, 0, 0 };

/* How a frame should be counted, in the frame's own src/dst terms. */
struct expected {
	__u8 family;		/* 4 or 6: addresses src_ip4/6 and dst_ip4/6 */
	__u8 proto;
	__u16 src_port;		/* 0 for protocols without ports, fragments */
	__u16 dst_port;
	__u64 packets;
	__u64 bytes;		/* layer 3: IP headers and payload */
};

static void start_ipv4(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, dst_mac, src_mac);
	pkt_ipv4(p, &(struct pkt_ipv4){ .saddr = src_ip4, .daddr = dst_ip4 });
}

static void start_ipv6(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, dst_mac, src_mac);
	pkt_ipv6(p, src_ip6, dst_ip6);
}

/* The flow a hook should make of the frame: keyed from the device side. */
static struct flow_key expected_key(const struct expected *e,
				    enum fixture_hook hook)
{
	bool up = fixture_hook_is_upload(hook);
	const __u8 *src_ip = e->family == 4 ? src_ip4 : src_ip6;
	const __u8 *dst_ip = e->family == 4 ? dst_ip4 : dst_ip6;
	size_t addr_len = e->family == 4 ? 4 : 16;
	struct flow_key key = {
		.family = e->family,
		.proto = e->proto,
		.remote_port = up ? e->dst_port : e->src_port,
	};

	memcpy(key.device_mac, up ? src_mac : dst_mac, ETH_ALEN);
	memcpy(key.device_ip, up ? src_ip : dst_ip, addr_len);
	memcpy(key.remote_ip, up ? dst_ip : src_ip, addr_len);
	return key;
}

static const char *format_key(const struct flow_key *key, char *out,
			      size_t size)
{
	char device[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
	char mac[MAC_STRLEN], proto[PROTO_STRLEN];

	format_mac(key->device_mac, mac);
	format_ip(key->family, key->device_ip, device);
	format_ip(key->family, key->remote_ip, remote);
	format_proto(key->proto, proto);
	snprintf(out, size, "{%s %s -> %s %s port %u}", mac, device, remote,
		 proto, key->remote_port);
	return out;
}

/* Appends to a message buffer, keeping it terminated when it fills up. */
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

/* Clears the maps and runs one frame; false (test failed) if that broke. */
static bool run_on_empty_maps(enum fixture_hook hook, const void *frame,
			      __u32 len, const struct __sk_buff *skb,
			      const char *what)
{
	struct fixture_run run = { .frame = frame, .len = len, .skb = skb };
	const char *via = fixture_hook_name(hook);
	int err = fixture_clear(&fx);

	EXPECT(!err, "%s: clearing the maps: %s", what, strerror(-err));
	if (err)
		return false;
	err = fixture_run_opts(&fx, hook, &run);
	EXPECT(!err, "%s via %s: test run of %u bytes: %s", what, via, len,
	       strerror(-err));
	if (err)
		return false;
	EXPECT(run.retval == fixture_pass_retval(hook),
	       "%s via %s: returned %u, not %u", what, via, run.retval,
	       fixture_pass_retval(hook));
	return true;
}

static void expect_traffic(const struct traffic_counter *counted,
			   const struct traffic_counter *idle,
			   const struct expected *e, const char *what,
			   enum fixture_hook hook, const char *table)
{
	const char *via = fixture_hook_name(hook);

	EXPECT(counted->packets == e->packets && counted->bytes == e->bytes,
	       "%s via %s: %s counted %llu packets %llu bytes, want %llu %llu",
	       what, via, table, counted->packets, counted->bytes, e->packets,
	       e->bytes);
	EXPECT(!idle->packets && !idle->bytes,
	       "%s via %s: %s counted %llu packets %llu bytes the other way",
	       what, via, table, idle->packets, idle->bytes);
}

/* The frame made exactly the expected flow and device entry, no counter. */
static void expect_counted_skb(enum fixture_hook hook, const void *frame,
			       __u32 len, const struct __sk_buff *skb,
			       const struct expected *e, const char *what)
{
	bool up = fixture_hook_is_upload(hook);
	const char *via = fixture_hook_name(hook);
	struct flow_key key = expected_key(e, hook), other;
	__u64 totals[IOTRIM_COUNTER__COUNT];
	struct device_value device;
	struct flow_value flow;
	char want[160], got[160];
	int flows, devices;

	if (!run_on_empty_maps(hook, frame, len, skb, what))
		return;
	EXPECT(!fixture_read_counters(&fx, totals), "reading counters");
	for (int i = 0; i < IOTRIM_COUNTER__COUNT; i++)
		EXPECT(!totals[i], "%s via %s: counter %d is %llu", what, via,
		       i, totals[i]);

	flows = fixture_flow_count(&fx);
	EXPECT(flows == 1, "%s via %s: %d flows", what, via, flows);
	if (fixture_lookup_flow(&fx, &key, &flow)) {
		EXPECT(false, "%s via %s: no flow %s; the table has %s", what,
		       via, format_key(&key, want, sizeof(want)),
		       fixture_next_flow(&fx, NULL, &other) ? "none" :
		       format_key(&other, got, sizeof(got)));
		return;
	}
	expect_traffic(up ? &flow.up : &flow.down, up ? &flow.down : &flow.up,
		       e, what, hook, "flow");
	EXPECT(flow.first_seen_ns && flow.last_seen_ns >= flow.first_seen_ns,
	       "%s via %s: flow seen %llu..%llu", what, via, flow.first_seen_ns,
	       flow.last_seen_ns);

	devices = fixture_device_count(&fx);
	EXPECT(devices == 1, "%s via %s: %d devices", what, via, devices);
	if (fixture_lookup_device(&fx, key.device_mac, &device)) {
		EXPECT(false, "%s via %s: device not counted", what, via);
		return;
	}
	expect_traffic(up ? &device.up : &device.down,
		       up ? &device.down : &device.up, e, what, hook, "device");
	EXPECT(!memcmp(device.last_ip, key.device_ip, sizeof(key.device_ip)) &&
	       device.last_family == e->family,
	       "%s via %s: device last address is not the frame's", what, via);
}

static void expect_counted(enum fixture_hook hook, const void *frame,
			   __u32 len, const struct expected *e,
			   const char *what)
{
	expect_counted_skb(hook, frame, len, NULL, e, what);
}

static void expect_counted_by_all(const void *frame, __u32 len,
				  const struct expected *e, const char *what)
{
	for (int hook = 0; hook < FIXTURE_HOOK__COUNT; hook++)
		expect_counted(hook, frame, len, e, what);
}

/* The frame added one to counter "reason" and nothing else anywhere. */
static void expect_rejected(enum fixture_hook hook, const void *frame,
			    __u32 len, enum iotrim_counter reason,
			    const char *what)
{
	__u64 totals[IOTRIM_COUNTER__COUNT];
	int flows, devices;

	if (!run_on_empty_maps(hook, frame, len, NULL, what))
		return;
	EXPECT(!fixture_read_counters(&fx, totals), "reading counters");
	for (int i = 0; i < IOTRIM_COUNTER__COUNT; i++)
		EXPECT(totals[i] == (i == (int)reason),
		       "%s via %s: counter %d is %llu (want counter %d = 1)",
		       what, fixture_hook_name(hook), i, totals[i], reason);
	flows = fixture_flow_count(&fx);
	devices = fixture_device_count(&fx);
	EXPECT(!flows && !devices, "%s via %s: %d flows, %d devices", what,
	       fixture_hook_name(hook), flows, devices);
}

static void expect_rejected_by_all(const void *frame, __u32 len,
				   enum iotrim_counter reason,
				   const char *what)
{
	for (int hook = 0; hook < FIXTURE_HOOK__COUNT; hook++)
		expect_rejected(hook, frame, len, reason, what);
}

/* No map is pinned, and each TC map is the XDP map of the same name. */
TEST(fixture_maps_are_private_and_shared)
{
	struct bpf_map *map, *xdp_map;

	bpf_object__for_each_map(map, fx.xdp->obj)
		EXPECT(!bpf_map__pin_path(map), "xdp map %s pinned at %s",
		       bpf_map__name(map), bpf_map__pin_path(map));
	bpf_object__for_each_map(map, fx.tc->obj) {
		struct bpf_map_info xdp_info = {}, tc_info = {};
		__u32 info_len = sizeof(xdp_info);
		int err;

		EXPECT(!bpf_map__pin_path(map), "tc map %s pinned at %s",
		       bpf_map__name(map), bpf_map__pin_path(map));
		xdp_map = bpf_object__find_map_by_name(fx.xdp->obj,
						       bpf_map__name(map));
		if (bpf_map__is_internal(map) || !xdp_map)
			continue;
		err = bpf_obj_get_info_by_fd(bpf_map__fd(xdp_map), &xdp_info,
					     &info_len);
		if (!err)
			err = bpf_obj_get_info_by_fd(bpf_map__fd(map), &tc_info,
						     &info_len);
		ASSERT(!err, "map info of %s: %s", bpf_map__name(map),
		       strerror(-err));
		EXPECT(xdp_info.id == tc_info.id, "%s: xdp map %u, tc map %u",
		       bpf_map__name(map), xdp_info.id, tc_info.id);
	}
}

/* The upload (XDP) and the download (TC egress) of one flow meet in it. */
TEST(both_directions_count_into_one_flow)
{
	struct flow_key key = expected_key(&(struct expected){
		.family = 4, .proto = IPPROTO_TCP, .dst_port = DST_PORT },
		FIXTURE_XDP);
	struct device_value device;
	struct flow_value flow;
	struct pkt up, down;
	__u32 up_len, down_len, retval;
	int err, flows;

	start_ipv4(&up);
	pkt_tcp(&up, SRC_PORT, DST_PORT, 0);
	pkt_payload(&up, NULL, 10);
	up_len = pkt_finish(&up);

	pkt_init(&down);
	pkt_eth(&down, src_mac, dst_mac);
	pkt_ipv4(&down, &(struct pkt_ipv4){ .saddr = dst_ip4,
					    .daddr = src_ip4 });
	pkt_tcp(&down, DST_PORT, SRC_PORT, 0);
	pkt_payload(&down, NULL, 1000);
	down_len = pkt_finish(&down);

	err = fixture_clear(&fx);
	ASSERT(!err, "clearing maps: %s", strerror(-err));
	err = fixture_run(&fx, FIXTURE_XDP, up.data, up_len, &retval);
	ASSERT(!err && retval == XDP_PASS, "xdp run: %d, returned %u", err,
	       retval);
	for (int i = 0; i < 2; i++) {
		err = fixture_run(&fx, FIXTURE_TC_EGRESS, down.data, down_len,
				  &retval);
		ASSERT(!err && retval == TC_ACT_OK,
		       "tc egress run: %d, returned %u", err, retval);
	}

	flows = fixture_flow_count(&fx);
	EXPECT(flows == 1, "%d flows", flows);
	ASSERT(!fixture_lookup_flow(&fx, &key, &flow), "flow missing");
	EXPECT(flow.up.packets == 1 && flow.up.bytes == 50,
	       "up %llu packets %llu bytes", flow.up.packets, flow.up.bytes);
	EXPECT(flow.down.packets == 2 && flow.down.bytes == 2 * 1040,
	       "down %llu packets %llu bytes", flow.down.packets,
	       flow.down.bytes);
	ASSERT(!fixture_lookup_device(&fx, src_mac, &device), "device missing");
	EXPECT(device.up.bytes == 50 && device.down.bytes == 2 * 1040,
	       "device up %llu down %llu bytes", device.up.bytes,
	       device.down.bytes);
}

/*
 * A GSO skb stands for gso_segs wire packets, each with its own copy of the
 * IP (and extension) and L4 headers: bytes = aggregate + (segs - 1) * headers.
 */
static void check_gso(struct pkt *p, __u32 len, __u16 segs, __u32 hdrs,
		      const struct expected *e, const char *what)
{
	struct __sk_buff skb = { .gso_segs = segs };
	struct expected want = *e;

	skb.gso_size = (len - ETH_HLEN - hdrs) / segs;
	want.packets = segs;
	want.bytes = len - ETH_HLEN + (__u64)(segs - 1) * hdrs;
	expect_counted_skb(FIXTURE_TC_EGRESS, p->data, len, &skb, &want, what);
	expect_counted_skb(FIXTURE_TC_INGRESS, p->data, len, &skb, &want, what);
}

/*
 * BPF_PROG_TEST_RUN refuses (EINVAL) frames shorter than ETH_HLEN, and for
 * TC also an IPv4 or IPv6 EtherType with less than the fixed IP header
 * behind it (seen on Linux 6.18).  Such lengths are not runnable; they are
 * still checked where a kernel does run them.  The XDP runs and the VLAN
 * frame (whose EtherType is the tag) cover those parse paths.
 */
static __u32 shortest_runnable(enum fixture_hook hook, const __u8 *frame)
{
	__u16 ethertype = pkt_get16(frame + 2 * ETH_ALEN);

	if (hook == FIXTURE_XDP)
		return ETH_HLEN;
	if (ethertype == ETH_P_IP)
		return ETH_HLEN + PKT_IPV4_HLEN;
	if (ethertype == ETH_P_IPV6)
		return ETH_HLEN + PKT_IPV6_HLEN;
	return ETH_HLEN;
}

/*
 * Runs a frame on empty maps.  With e, it must be counted as e; without,
 * as exactly one error and nothing else.  Returns why not, or NULL.  Terse,
 * for sweeps: expect_counted() explains a failure in detail.
 */
static const char *outcome_problem(enum fixture_hook hook, const void *frame,
				   __u32 len, const struct expected *e)
{
	struct fixture_run run = { .frame = frame, .len = len };
	__u64 totals[IOTRIM_COUNTER__COUNT], errors = 0, others = 0;
	const struct traffic_counter *counted;
	struct flow_key key;
	struct flow_value flow;
	int err;

	if (fixture_clear(&fx))
		return "clearing maps failed";
	err = fixture_run_opts(&fx, hook, &run);
	if (err == -EINVAL && len < shortest_runnable(hook, frame))
		return NULL;
	if (err)
		return "test run failed";
	if (run.retval != fixture_pass_retval(hook))
		return "dropped";
	if (fixture_read_counters(&fx, totals))
		return "reading counters failed";
	for (int i = 0; i < IOTRIM_COUNTER__COUNT; i++) {
		if (i < IOTRIM_ERR__COUNT)
			errors += totals[i];
		else
			others += totals[i];
	}
	if (!e) {
		if (fixture_flow_count(&fx))
			return "flow";
		if (fixture_device_count(&fx))
			return "device";
		return errors == 1 && !others ? NULL : "not one error";
	}
	if (errors || others)
		return "error counted";
	key = expected_key(e, hook);
	if (fixture_flow_count(&fx) != 1 ||
	    fixture_lookup_flow(&fx, &key, &flow))
		return "wrong flow";
	counted = fixture_hook_is_upload(hook) ? &flow.up : &flow.down;
	if (counted->packets != e->packets || counted->bytes != e->bytes)
		return "wrong counts";
	return fixture_device_count(&fx) == 1 ? NULL : "no device";
}

/*
 * Cuts a good frame everywhere, two ways, through every hook:
 *  - every shorter frame must be one error and nothing else;
 *  - with the frame kept, every shorter IP length (the rest becomes
 *    padding) must be one error while it cuts into the headers, and count
 *    as a packet of that length once the headers are whole.
 * The whole frame counts as e.  Failures are listed hook/length.
 */
static void sweep_truncations(const struct pkt *p, __u32 full_len,
			      const struct expected *e, const char *what)
{
	__u32 first_ip_len = p->family == 6 ? PKT_IPV6_HLEN : 0;
	__u32 headers_len = pkt_headers_len(p);
	struct expected shorter = *e;
	char failures[512] = "";
	int nr_failures = 0;
	struct pkt cut = *p;

	for (int hook = 0; hook < FIXTURE_HOOK__COUNT; hook++) {
		for (__u32 len = 0; len < full_len; len++) {
			const char *problem = outcome_problem(hook, p->data,
							      len, NULL);

			if (!problem)
				continue;
			nr_failures++;
			append(failures, sizeof(failures), " %s/%u:%s",
			       fixture_hook_name(hook), len, problem);
		}
		for (__u32 ip_len = first_ip_len; ip_len < full_len - p->l3_off;
		     ip_len++) {
			const char *problem;

			pkt_set_ip_length(&cut, ip_len);
			shorter.bytes = ip_len;
			problem = outcome_problem(hook, cut.data, full_len,
						  ip_len < headers_len ?
						  NULL : &shorter);
			if (!problem)
				continue;
			nr_failures++;
			append(failures, sizeof(failures), " %s/ip_len %u:%s",
			       fixture_hook_name(hook), ip_len, problem);
		}
	}
	EXPECT(!nr_failures, "%s: %d cuts mis-counted:%s", what, nr_failures,
	       failures);
	expect_counted_by_all(p->data, full_len, e, what);
}

/* ---- the frames ---------------------------------------------------------- */
/*
 * Each builds one frame into p and returns its length (0 if it did not
 * fit).  Malformed frames are good ones edited after pkt_finish().
 */

static __u32 tcp4(struct pkt *p)
{
	start_ipv4(p);
	pkt_tcp(p, SRC_PORT, DST_PORT, 0);
	pkt_payload(p, NULL, 100);
	return pkt_finish(p);
}

static __u32 udp4(struct pkt *p)
{
	start_ipv4(p);
	pkt_udp(p, SRC_PORT, 53);
	pkt_payload(p, NULL, 30);
	return pkt_finish(p);
}

static __u32 icmp4(struct pkt *p)
{
	start_ipv4(p);
	pkt_icmp(p, 8, 0);
	pkt_payload(p, NULL, 56);
	return pkt_finish(p);
}

static __u32 gre4(struct pkt *p)
{
	start_ipv4(p);
	pkt_proto(p, IPPROTO_GRE);
	pkt_payload(p, port_lookalike, sizeof(port_lookalike));
	return pkt_finish(p);
}

static __u32 tcp4_options(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, dst_mac, src_mac);
	pkt_ipv4(p, &(struct pkt_ipv4){ .saddr = src_ip4, .daddr = dst_ip4,
					.options_len = 12 });
	pkt_tcp(p, SRC_PORT, DST_PORT, 0);
	return pkt_finish(p);
}

static __u32 udp4_first_fragment(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, dst_mac, src_mac);
	pkt_ipv4(p, &(struct pkt_ipv4){ .saddr = src_ip4, .daddr = dst_ip4,
					.frag_off = PKT_IP_MF });
	pkt_udp(p, SRC_PORT, 4500);
	pkt_payload(p, NULL, 200);
	return pkt_finish(p);
}

/* Later fragments carry no L4 header: counted against the address only. */
static __u32 udp4_last_fragment(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, dst_mac, src_mac);
	pkt_ipv4(p, &(struct pkt_ipv4){ .saddr = src_ip4, .daddr = dst_ip4,
					.frag_off = 185 });
	pkt_proto(p, IPPROTO_UDP);
	pkt_payload(p, port_lookalike, sizeof(port_lookalike));
	return pkt_finish(p);
}

static __u32 tcp6(struct pkt *p)
{
	start_ipv6(p);
	pkt_tcp(p, SRC_PORT, DST_PORT, 12);
	pkt_payload(p, NULL, 64);
	return pkt_finish(p);
}

static __u32 udp6(struct pkt *p)
{
	start_ipv6(p);
	pkt_udp(p, SRC_PORT, 123);
	pkt_payload(p, NULL, 48);
	return pkt_finish(p);
}

static __u32 icmp6(struct pkt *p)
{
	start_ipv6(p);
	pkt_icmp(p, 128, 0);
	pkt_payload(p, NULL, 56);
	return pkt_finish(p);
}

/* UDP behind one extension header of the given type and length. */
static __u32 udp6_behind(struct pkt *p, __u8 type, __u32 ext_len)
{
	start_ipv6(p);
	pkt_ipv6_ext(p, type, ext_len);
	pkt_udp(p, SRC_PORT, 53);
	pkt_payload(p, NULL, 20);
	return pkt_finish(p);
}

static __u32 udp6_hop_by_hop(struct pkt *p) { return udp6_behind(p, IPPROTO_HOPOPTS, 8); }
static __u32 udp6_hop_by_hop_24(struct pkt *p) { return udp6_behind(p, IPPROTO_HOPOPTS, 24); }
static __u32 udp6_routing(struct pkt *p) { return udp6_behind(p, IPPROTO_ROUTING, 40); }
static __u32 udp6_first_fragment(struct pkt *p) { return udp6_behind(p, IPPROTO_FRAGMENT, 8); }
static __u32 udp6_dstopts(struct pkt *p) { return udp6_behind(p, IPPROTO_DSTOPTS, 16); }
/* AH counts its length in 4-byte units, the others in 8-byte units. */
static __u32 udp6_ah(struct pkt *p) { return udp6_behind(p, IPPROTO_AH, 24); }
static __u32 udp6_ah_no_icv(struct pkt *p) { return udp6_behind(p, IPPROTO_AH, 12); }

/*
 * TCP behind the first nr_ext extension headers of a chain:
 * 6 are 88 bytes, 8 are 104 bytes.
 */
static __u32 tcp6_behind_chain(struct pkt *p, int nr_ext)
{
	static const struct {
		__u8 type;
		__u32 len;
	} chain[] = {
		{ IPPROTO_HOPOPTS, 8 }, { IPPROTO_DSTOPTS, 16 },
		{ IPPROTO_ROUTING, 24 }, { IPPROTO_FRAGMENT, 8 },
		{ IPPROTO_AH, 24 }, { IPPROTO_DSTOPTS, 8 },
		{ IPPROTO_DSTOPTS, 8 }, { IPPROTO_DSTOPTS, 8 },
		{ IPPROTO_DSTOPTS, 8 },
	};

	start_ipv6(p);
	for (int i = 0; i < nr_ext && i < ARRAY_SIZE(chain); i++)
		pkt_ipv6_ext(p, chain[i].type, chain[i].len);
	pkt_tcp(p, SRC_PORT, DST_PORT, 0);
	pkt_payload(p, NULL, 10);
	return pkt_finish(p);
}

static __u32 tcp6_chain_of_6(struct pkt *p) { return tcp6_behind_chain(p, 6); }
/* The parser walks 8 extension headers (MAX_IPV6_EXT_HDRS) and no more. */
static __u32 tcp6_chain_of_8(struct pkt *p) { return tcp6_behind_chain(p, 8); }
static __u32 tcp6_chain_of_9(struct pkt *p) { return tcp6_behind_chain(p, 9); }

static __u32 udp6_last_fragment(struct pkt *p)
{
	start_ipv6(p);
	pkt_ipv6_ext(p, IPPROTO_HOPOPTS, 8);
	pkt_ipv6_frag(p, 150, false);
	pkt_proto(p, IPPROTO_UDP);
	pkt_payload(p, port_lookalike, sizeof(port_lookalike));
	return pkt_finish(p);
}

static __u32 udp4_one_tag(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, dst_mac, src_mac);
	pkt_vlan(p, ETH_P_8021Q, 10);
	pkt_ipv4(p, &(struct pkt_ipv4){ .saddr = src_ip4, .daddr = dst_ip4 });
	pkt_udp(p, SRC_PORT, 53);
	pkt_payload(p, NULL, 12);
	return pkt_finish(p);
}

static __u32 tcp6_two_tags(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, dst_mac, src_mac);
	pkt_vlan(p, ETH_P_8021AD, 100);
	pkt_vlan(p, ETH_P_8021Q, 10);
	pkt_ipv6(p, src_ip6, dst_ip6);
	pkt_tcp(p, SRC_PORT, DST_PORT, 0);
	return pkt_finish(p);
}

static __u32 udp4_three_tags(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, dst_mac, src_mac);
	pkt_vlan(p, ETH_P_8021AD, 100);
	pkt_vlan(p, ETH_P_8021Q, 10);
	pkt_vlan(p, ETH_P_8021Q, 20);
	pkt_ipv4(p, &(struct pkt_ipv4){ .saddr = src_ip4, .daddr = dst_ip4 });
	pkt_udp(p, SRC_PORT, 53);
	return pkt_finish(p);
}

static __u32 arp(struct pkt *p)
{
	static const __u8 broadcast[ETH_ALEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};

	pkt_init(p);
	pkt_eth(p, broadcast, src_mac);
	pkt_ethertype(p, ETH_P_ARP);
	pkt_payload(p, NULL, 28);
	return pkt_pad(p, 60);
}

static __u32 tagged_arp(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, dst_mac, src_mac);
	pkt_vlan(p, ETH_P_8021Q, 10);
	pkt_ethertype(p, ETH_P_ARP);
	pkt_payload(p, NULL, 28);
	return pkt_pad(p, 60);
}

static __u32 ipv4_ethertype_version_6(struct pkt *p)
{
	__u32 len;

	start_ipv4(p);
	pkt_udp(p, SRC_PORT, 53);
	len = pkt_finish(p);
	p->data[p->l3_off] = 0x65;	/* version 6, IHL 5 */
	return len;
}

static __u32 ipv6_ethertype_version_4(struct pkt *p)
{
	__u32 len;

	start_ipv6(p);
	pkt_udp(p, SRC_PORT, 53);
	len = pkt_finish(p);
	p->data[p->l3_off] = 0x45;
	return len;
}

/* A TCP/IPv4 frame whose first IP byte (version and IHL) is first_byte. */
static __u32 tcp4_first_ip_byte(struct pkt *p, __u8 first_byte)
{
	__u32 len;

	start_ipv4(p);
	pkt_tcp(p, SRC_PORT, DST_PORT, 0);
	len = pkt_finish(p);
	p->data[p->l3_off] = first_byte;
	return len;
}

static __u32 tcp4_ihl_4(struct pkt *p) { return tcp4_first_ip_byte(p, 0x44); }
static __u32 tcp4_ihl_0(struct pkt *p) { return tcp4_first_ip_byte(p, 0x40); }

static __u32 tcp4_total_length_19(struct pkt *p)
{
	__u32 len;

	start_ipv4(p);
	pkt_tcp(p, SRC_PORT, DST_PORT, 0);
	len = pkt_finish(p);
	pkt_set_ip_length(p, 19);
	return len;
}

static __u32 tcp4_total_length_24_of_28_byte_header(struct pkt *p)
{
	__u32 len;

	pkt_init(p);
	pkt_eth(p, dst_mac, src_mac);
	pkt_ipv4(p, &(struct pkt_ipv4){ .saddr = src_ip4, .daddr = dst_ip4,
					.options_len = 8 });
	pkt_tcp(p, SRC_PORT, DST_PORT, 0);
	len = pkt_finish(p);
	pkt_set_ip_length(p, 24);
	return len;
}

static __u32 tcp4_length_past_frame(struct pkt *p)
{
	__u32 len;

	start_ipv4(p);
	pkt_tcp(p, SRC_PORT, DST_PORT, 0);
	len = pkt_finish(p);
	pkt_set_ip_length(p, len - ETH_HLEN + 1);
	return len;
}

static __u32 udp6_length_past_frame(struct pkt *p)
{
	__u32 len;

	start_ipv6(p);
	pkt_udp(p, SRC_PORT, 53);
	len = pkt_finish(p);
	pkt_set_ip_length(p, len - ETH_HLEN + 1);
	return len;
}

/* A TCP/IPv4 frame with 39 payload bytes and a data offset of doff words. */
static __u32 tcp4_doff(struct pkt *p, __u8 doff)
{
	__u32 len;

	start_ipv4(p);
	pkt_tcp(p, SRC_PORT, DST_PORT, 0);
	pkt_payload(p, NULL, 39);
	len = pkt_finish(p);
	p->data[p->l4_off + 12] = doff << 4;
	return len;
}

static __u32 tcp4_doff_4(struct pkt *p) { return tcp4_doff(p, 4); }
/* 15 words = 60 bytes, one more than the packet has after IP */
static __u32 tcp4_doff_15(struct pkt *p) { return tcp4_doff(p, 15); }

/*
 * A minimum-size (60-byte) Ethernet frame pads a short IP packet: the
 * padding is not the device's traffic, and must not be read as headers.
 */
static __u32 udp4_padded(struct pkt *p)
{
	start_ipv4(p);
	pkt_udp(p, SRC_PORT, 53);
	pkt_payload(p, NULL, 4);
	pkt_finish(p);
	return pkt_pad(p, 60);
}

/* Headers the IP length cuts off are cut, even if padding follows. */
static __u32 udp4_header_cut(struct pkt *p)
{
	__u32 len;

	start_ipv4(p);
	pkt_udp(p, SRC_PORT, 53);
	pkt_finish(p);
	len = pkt_pad(p, 60);
	pkt_set_ip_length(p, 20 + 4);
	return len;
}

static __u32 tcp4_header_cut(struct pkt *p)
{
	__u32 len;

	start_ipv4(p);
	pkt_tcp(p, SRC_PORT, DST_PORT, 0);
	pkt_finish(p);
	len = pkt_pad(p, 60);
	pkt_set_ip_length(p, 20 + 10);
	return len;
}

static __u32 icmp4_header_cut(struct pkt *p)
{
	__u32 len;

	start_ipv4(p);
	pkt_icmp(p, 8, 0);
	pkt_finish(p);
	len = pkt_pad(p, 60);
	pkt_set_ip_length(p, 20 + 2);
	return len;
}

static __u32 udp6_ext_header_cut(struct pkt *p)
{
	__u32 len;

	start_ipv6(p);
	pkt_ipv6_ext(p, IPPROTO_DSTOPTS, 16);
	pkt_udp(p, SRC_PORT, 53);
	len = pkt_finish(p);
	pkt_set_ip_length(p, 40 + 8);
	return len;
}

/* mDNS over IPv4 to a group MAC address. */
static __u32 mdns_to(struct pkt *p, const __u8 *group_mac)
{
	pkt_init(p);
	pkt_eth(p, group_mac, src_mac);
	pkt_ipv4(p, &(struct pkt_ipv4){ .saddr = src_ip4, .daddr = dst_ip4 });
	pkt_udp(p, 5353, 5353);
	return pkt_finish(p);
}

static __u32 mdns_to_broadcast(struct pkt *p)
{
	static const __u8 mac[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	return mdns_to(p, mac);
}

static __u32 mdns_to_ipv4_multicast(struct pkt *p)
{
	static const __u8 mac[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

	return mdns_to(p, mac);
}

static __u32 mdns_to_ipv6_multicast(struct pkt *p)
{
	static const __u8 mac[ETH_ALEN] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };

	return mdns_to(p, mac);
}

static __u32 tcp4_3000(struct pkt *p)
{
	start_ipv4(p);
	pkt_tcp(p, SRC_PORT, DST_PORT, 12);
	pkt_payload(p, NULL, 3 * 1000);
	return pkt_finish(p);
}

/* BIG TCP leaves the IPv4 total length 0: the skb length counts. */
static __u32 tcp4_3000_total_length_0(struct pkt *p)
{
	__u32 len = tcp4_3000(p);

	pkt_set_ip_length(p, 0);
	return len;
}

static __u32 tcp6_2800_behind_dstopts(struct pkt *p)
{
	start_ipv6(p);
	pkt_ipv6_ext(p, IPPROTO_DSTOPTS, 8);
	pkt_tcp(p, SRC_PORT, DST_PORT, 12);
	pkt_payload(p, NULL, 4 * 700);
	return pkt_finish(p);
}

static __u32 udp4_2400(struct pkt *p)
{
	start_ipv4(p);
	pkt_udp(p, SRC_PORT, 443);
	pkt_payload(p, NULL, 2 * 1200);
	return pkt_finish(p);
}

static __u32 tcp4_short(struct pkt *p)
{
	start_ipv4(p);
	pkt_tcp(p, SRC_PORT, DST_PORT, 8);
	pkt_payload(p, NULL, 6);
	return pkt_finish(p);
}

static __u32 udp6_behind_three(struct pkt *p)
{
	start_ipv6(p);
	pkt_ipv6_ext(p, IPPROTO_HOPOPTS, 8);
	pkt_ipv6_ext(p, IPPROTO_DSTOPTS, 8);
	pkt_ipv6_frag(p, 0, true);
	pkt_udp(p, SRC_PORT, 53);
	pkt_payload(p, NULL, 6);
	return pkt_finish(p);
}

static __u32 udp4_two_tags(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, dst_mac, src_mac);
	pkt_vlan(p, ETH_P_8021AD, 100);
	pkt_vlan(p, ETH_P_8021Q, 10);
	pkt_ipv4(p, &(struct pkt_ipv4){ .saddr = src_ip4, .daddr = dst_ip4 });
	pkt_udp(p, SRC_PORT, 53);
	pkt_payload(p, NULL, 6);
	return pkt_finish(p);
}

/* ---- the cases ----------------------------------------------------------- */

enum check {
	COUNTED,		/* one flow and device entry as .want, no counter */
	REJECTED,		/* counter .reason plus one, nothing else */
	REJECTED_ON_EGRESS,	/* the same, checked on TC egress only */
	GSO_COUNTED,		/* as a GSO skb of .segs wire packets (TC hooks) */
	CUT_EVERYWHERE,		/* sweep_truncations(), whole frame as .want */
};

struct parse_case {
	const char *name;
	__u32 (*build)(struct pkt *p);
	enum check check;
	struct expected want;
	enum iotrim_counter reason;
	__u32 frame_len;	/* if set, the frame the builder must make */
	__u16 segs;		/* GSO: wire packets, */
	__u32 hdrs;		/* and the header bytes each repeats */
};

/* One packet of BYTES layer-3 bytes, from and to the frame's addresses. */
#define COUNTED_AS(fam, prot, sport, dport, nbytes)                              \
	.check = COUNTED, .want = { .family = fam, .proto = prot,               \
				    .src_port = sport, .dst_port = dport,       \
				    .packets = 1, .bytes = nbytes }
#define GSO_OF(nsegs, nhdrs, fam, prot, sport, dport)                            \
	.check = GSO_COUNTED, .segs = nsegs, .hdrs = nhdrs,                     \
	.want = { .family = fam, .proto = prot, .src_port = sport,              \
		  .dst_port = dport }
#define CUT_EVERYWHERE_OF(fam, prot, sport, dport, nbytes)                       \
	.check = CUT_EVERYWHERE, .want = { .family = fam, .proto = prot,        \
					   .src_port = sport, .dst_port = dport, \
					   .packets = 1, .bytes = nbytes }

static const struct parse_case cases[] = {
	/* IPv4 */
	{ "ipv4_tcp", tcp4, .frame_len = ETH_HLEN + 20 + 20 + 100,
	  COUNTED_AS(4, IPPROTO_TCP, SRC_PORT, DST_PORT, 140) },
	{ "ipv4_udp", udp4, COUNTED_AS(4, IPPROTO_UDP, SRC_PORT, 53, 20 + 8 + 30) },
	{ "ipv4_icmp_has_no_port", icmp4, COUNTED_AS(4, IPPROTO_ICMP, 0, 0, 20 + 8 + 56) },
	{ "ipv4_gre_has_no_port", gre4, COUNTED_AS(4, IPPROTO_GRE, 0, 0, 20 + 8) },
	{ "ipv4_options_are_skipped", tcp4_options,
	  COUNTED_AS(4, IPPROTO_TCP, SRC_PORT, DST_PORT, 32 + 20) },
	{ "ipv4_first_fragment_has_ports", udp4_first_fragment,
	  COUNTED_AS(4, IPPROTO_UDP, SRC_PORT, 4500, 20 + 8 + 200) },
	{ "ipv4_nonfirst_fragment_has_port_0", udp4_last_fragment,
	  COUNTED_AS(4, IPPROTO_UDP, 0, 0, 20 + 8) },

	/* IPv6 and its extension headers */
	{ "ipv6_tcp", tcp6, .frame_len = ETH_HLEN + 40 + 32 + 64,
	  COUNTED_AS(6, IPPROTO_TCP, SRC_PORT, DST_PORT, 40 + 32 + 64) },
	{ "ipv6_udp", udp6, COUNTED_AS(6, IPPROTO_UDP, SRC_PORT, 123, 40 + 8 + 48) },
	{ "ipv6_icmpv6_has_no_port", icmp6, COUNTED_AS(6, IPPROTO_ICMPV6, 0, 0, 40 + 8 + 56) },
	{ "ipv6_hop_by_hop", udp6_hop_by_hop, .frame_len = ETH_HLEN + 40 + 8 + 8 + 20,
	  COUNTED_AS(6, IPPROTO_UDP, SRC_PORT, 53, 40 + 8 + 8 + 20) },
	{ "ipv6_hop_by_hop_of_24_bytes", udp6_hop_by_hop_24,
	  .frame_len = ETH_HLEN + 40 + 24 + 8 + 20,
	  COUNTED_AS(6, IPPROTO_UDP, SRC_PORT, 53, 40 + 24 + 8 + 20) },
	{ "ipv6_routing", udp6_routing, .frame_len = ETH_HLEN + 40 + 40 + 8 + 20,
	  COUNTED_AS(6, IPPROTO_UDP, SRC_PORT, 53, 40 + 40 + 8 + 20) },
	{ "ipv6_first_fragment_has_ports", udp6_first_fragment,
	  .frame_len = ETH_HLEN + 40 + 8 + 8 + 20,
	  COUNTED_AS(6, IPPROTO_UDP, SRC_PORT, 53, 40 + 8 + 8 + 20) },
	{ "ipv6_destination_options", udp6_dstopts, .frame_len = ETH_HLEN + 40 + 16 + 8 + 20,
	  COUNTED_AS(6, IPPROTO_UDP, SRC_PORT, 53, 40 + 16 + 8 + 20) },
	{ "ipv6_authentication_header", udp6_ah, .frame_len = ETH_HLEN + 40 + 24 + 8 + 20,
	  COUNTED_AS(6, IPPROTO_UDP, SRC_PORT, 53, 40 + 24 + 8 + 20) },
	{ "ipv6_authentication_header_no_icv", udp6_ah_no_icv,
	  .frame_len = ETH_HLEN + 40 + 12 + 8 + 20,
	  COUNTED_AS(6, IPPROTO_UDP, SRC_PORT, 53, 40 + 12 + 8 + 20) },
	{ "ipv6_ext_hdr_chain", tcp6_chain_of_6, .frame_len = ETH_HLEN + 40 + 88 + 20 + 10,
	  COUNTED_AS(6, IPPROTO_TCP, SRC_PORT, DST_PORT, 40 + 88 + 20 + 10) },
	{ "ipv6_ext_hdr_limit", tcp6_chain_of_8, .frame_len = ETH_HLEN + 40 + 104 + 20 + 10,
	  COUNTED_AS(6, IPPROTO_TCP, SRC_PORT, DST_PORT, 40 + 104 + 20 + 10) },
	{ "ipv6_ext_hdr_limit_exceeded", tcp6_chain_of_9,
	  .check = REJECTED, .reason = IOTRIM_ERR_TOO_MANY_EXT_HDRS },
	{ "ipv6_nonfirst_fragment_has_port_0", udp6_last_fragment,
	  COUNTED_AS(6, IPPROTO_UDP, 0, 0, 40 + 8 + 8 + 8) },

	/* VLAN tags and frames that are not IP */
	{ "vlan_one_tag", udp4_one_tag, COUNTED_AS(4, IPPROTO_UDP, SRC_PORT, 53, 20 + 8 + 12) },
	{ "vlan_two_tags", tcp6_two_tags, COUNTED_AS(6, IPPROTO_TCP, SRC_PORT, DST_PORT, 40 + 20) },
	{ "vlan_three_tags_rejected", udp4_three_tags,
	  .check = REJECTED, .reason = IOTRIM_ERR_TOO_MANY_VLANS },
	{ "arp_is_not_ip", arp, .check = REJECTED, .reason = IOTRIM_NOT_IP },
	{ "tagged_arp_is_not_ip", tagged_arp, .check = REJECTED, .reason = IOTRIM_NOT_IP },

	/* malformed IP and TCP headers */
	{ "ipv4_ethertype_version_6_rejected", ipv4_ethertype_version_6,
	  .check = REJECTED, .reason = IOTRIM_ERR_BAD_IP_VERSION },
	{ "ipv6_ethertype_version_4_rejected", ipv6_ethertype_version_4,
	  .check = REJECTED, .reason = IOTRIM_ERR_BAD_IP_VERSION },
	{ "ipv4_ihl_4_rejected", tcp4_ihl_4, .check = REJECTED, .reason = IOTRIM_ERR_BAD_IHL },
	{ "ipv4_ihl_0_rejected", tcp4_ihl_0, .check = REJECTED, .reason = IOTRIM_ERR_BAD_IHL },
	{ "ipv4_total_length_19_rejected", tcp4_total_length_19,
	  .check = REJECTED, .reason = IOTRIM_ERR_BAD_IP_LEN },
	{ "ipv4_total_length_24_with_a_28_byte_header_rejected",
	  tcp4_total_length_24_of_28_byte_header,
	  .check = REJECTED, .reason = IOTRIM_ERR_BAD_IP_LEN },
	{ "ipv4_total_length_past_the_frame_rejected", tcp4_length_past_frame,
	  .check = REJECTED, .reason = IOTRIM_ERR_TRUNC_L3 },
	{ "ipv6_payload_length_past_the_frame_rejected", udp6_length_past_frame,
	  .check = REJECTED, .reason = IOTRIM_ERR_TRUNC_L3 },
	{ "tcp_data_offset_4_rejected", tcp4_doff_4,
	  .check = REJECTED, .reason = IOTRIM_ERR_BAD_TCP_DOFF },
	{ "tcp_data_offset_past_the_packet_rejected", tcp4_doff_15,
	  .check = REJECTED, .reason = IOTRIM_ERR_BAD_TCP_DOFF },

	/* Ethernet padding behind the IP packet */
	{ "ethernet_padding_not_counted", udp4_padded, .frame_len = 60,
	  COUNTED_AS(4, IPPROTO_UDP, SRC_PORT, 53, 20 + 8 + 4) },
	{ "udp_header_cut_by_ip_length_rejected", udp4_header_cut,
	  .check = REJECTED, .reason = IOTRIM_ERR_TRUNC_L4 },
	{ "tcp_header_cut_by_ip_length_rejected", tcp4_header_cut,
	  .check = REJECTED, .reason = IOTRIM_ERR_TRUNC_L4 },
	{ "icmp_header_cut_by_ip_length_rejected", icmp4_header_cut,
	  .check = REJECTED, .reason = IOTRIM_ERR_TRUNC_L4 },
	{ "ipv6_ext_header_cut_by_ip_length_rejected", udp6_ext_header_cut,
	  .check = REJECTED, .reason = IOTRIM_ERR_TRUNC_EXT_HDR },

	/* what the gateway sends to group addresses belongs to no device */
	{ "tc_egress_to_broadcast_not_counted", mdns_to_broadcast,
	  .check = REJECTED_ON_EGRESS, .reason = IOTRIM_GROUP_DEST },
	{ "tc_egress_to_ipv4_multicast_not_counted", mdns_to_ipv4_multicast,
	  .check = REJECTED_ON_EGRESS, .reason = IOTRIM_GROUP_DEST },
	{ "tc_egress_to_ipv6_multicast_not_counted", mdns_to_ipv6_multicast,
	  .check = REJECTED_ON_EGRESS, .reason = IOTRIM_GROUP_DEST },

	/* GSO */
	{ "gso_tcp_ipv4", tcp4_3000, GSO_OF(3, 20 + 32, 4, IPPROTO_TCP, SRC_PORT, DST_PORT) },
	{ "gso_tcp_ipv4_total_length_0", tcp4_3000_total_length_0,
	  GSO_OF(3, 20 + 32, 4, IPPROTO_TCP, SRC_PORT, DST_PORT) },
	{ "gso_tcp_ipv6_with_ext_hdr", tcp6_2800_behind_dstopts,
	  GSO_OF(4, 40 + 8 + 32, 6, IPPROTO_TCP, SRC_PORT, DST_PORT) },
	{ "gso_udp", udp4_2400, GSO_OF(2, 20 + 8, 4, IPPROTO_UDP, SRC_PORT, 443) },

	/* every truncation */
	{ "truncated_tcp_ipv4", tcp4_short,
	  CUT_EVERYWHERE_OF(4, IPPROTO_TCP, SRC_PORT, DST_PORT, 20 + 28 + 6) },
	{ "truncated_udp_ipv6_ext_hdrs", udp6_behind_three,
	  CUT_EVERYWHERE_OF(6, IPPROTO_UDP, SRC_PORT, 53, 40 + 24 + 8 + 6) },
	{ "truncated_double_vlan", udp4_two_tags,
	  CUT_EVERYWHERE_OF(4, IPPROTO_UDP, SRC_PORT, 53, 20 + 8 + 6) },
};

/* Builds the case's frame and checks what the hooks make of it. */
static void run_case(const struct parse_case *c)
{
	struct pkt p;
	__u32 len = c->build(&p);

	ASSERT(len, "%s: the frame does not fit", c->name);
	if (c->frame_len)
		ASSERT(len == c->frame_len, "%s: frame of %u bytes, not %u", c->name,
		       len, c->frame_len);
	switch (c->check) {
	case COUNTED:
		expect_counted_by_all(p.data, len, &c->want, c->name);
		break;
	case REJECTED:
		expect_rejected_by_all(p.data, len, c->reason, c->name);
		break;
	case REJECTED_ON_EGRESS:
		expect_rejected(FIXTURE_TC_EGRESS, p.data, len, c->reason, c->name);
		break;
	case GSO_COUNTED:
		check_gso(&p, len, c->segs, c->hdrs, &c->want, c->name);
		break;
	case CUT_EVERYWHERE:
		sweep_truncations(&p, len, &c->want, c->name);
		break;
	}
}

int main(void)
{
	fixture_open_or_exit(&fx);

	RUN(fixture_maps_are_private_and_shared);
	for (int i = 0; i < ARRAY_SIZE(cases); i++)
		RUN_CASE(cases[i].name, run_case, &cases[i]);
	RUN(both_directions_count_into_one_flow);

	fixture_close(&fx);
	return harness_done();
}
