// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Block rules in the real programs, through BPF_PROG_TEST_RUN: IP and
 * prefix rules in XDP (drop, reject with a TCP RST or an ICMP error,
 * protocol and port scopes, leases, hit counters) and name rules in TC
 * egress (the NXDOMAIN rewrite).  Every reply and rewrite is checked byte
 * for byte, its checksums with the reference implementation below (RFC
 * 1071, byte by byte, independent of the programs' arithmetic).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bpf_fixture.h"
#include "harness.h"
#include "iotrim_hash.h"
#include "packet.h"

#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

static struct bpf_fixture fx;
static int deny_ip_fd, deny_names_fd, deny_hits_fd, deny_filter_fd;

static const __u8 gw_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const __u8 dev_mac[6] = { 0x02, 0, 0, 0, 0, 0x21 };
static const __u8 other_mac[6] = { 0x02, 0, 0, 0, 0, 0x22 };
static const __u8 zero_mac[6];
static const __u8 dev4[4] = { 192, 0, 2, 21 };
static const __u8 gw4[4] = { 192, 0, 2, 1 };
static const __u8 api4[4] = { 203, 0, 113, 10 };
static const __u8 mqtt4[4] = { 203, 0, 113, 11 };
static const __u8 other4[4] = { 198, 51, 100, 7 };
static __u8 dev6[16], gw6[16], api6[16];

/* ---- reference checksum (RFC 1071), byte by byte ------------------------------- */

static uint32_t ref_add(uint32_t sum, const __u8 *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		sum += i % 2 ? p[i] : (uint32_t)p[i] << 8;
	return sum;
}

static uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* True if the data (with its checksum field in place) sums to all ones. */
static bool ref_ok(uint32_t sum)
{
	return ref_fold(sum) == 0xffff;
}

/* Pseudo-header sum of an L4 segment of len bytes in the IP packet at ip. */
static uint32_t ref_pseudo(const __u8 *ip, __u8 proto, size_t len)
{
	__u8 tail[4] = { 0, proto, len >> 8, len & 0xff };
	uint32_t sum;

	if ((ip[0] >> 4) == 4)
		sum = ref_add(0, ip + 12, 8);
	else
		sum = ref_add(0, ip + 8, 32);
	return ref_add(sum, tail, 4);
}

static uint16_t get16(const __u8 *p)
{
	return (p[0] << 8) | p[1];
}

static uint32_t get32(const __u8 *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* Writes a correct UDP/TCP checksum into a finished frame (packet.h leaves 0). */
static void fill_l4_checksum(struct pkt *p)
{
	__u8 *ip = p->data + p->l3_off, *l4 = p->data + p->l4_off;
	size_t len = p->len - p->l4_off;
	int off = p->l4_proto == IPPROTO_UDP ? 6 : 16;
	uint16_t c;

	l4[off] = l4[off + 1] = 0;
	c = ~ref_fold(ref_add(ref_pseudo(ip, p->l4_proto, len), l4, len));
	if (p->l4_proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	pkt_put16(l4 + off, c);
}

/* ---- maps ----------------------------------------------------------------------- */

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void clear_rules(void)
{
	fixture_clear(&fx);
	fixture_clear_hash(deny_ip_fd, sizeof(struct deny_key));
	fixture_clear_hash(deny_names_fd, sizeof(struct deny_name_key));
	fixture_clear_hash(deny_hits_fd, sizeof(__u32));
	for (__u32 slot = 0, zero = 0; slot < IOTRIM_DENY_FILTER_SLOTS; slot++)
		bpf_map_update_elem(deny_filter_fd, &slot, &zero, BPF_ANY);
}

static int create_hits(__u32 id)
{
	struct traffic_counter zeros[fx.nr_cpus];

	memset(zeros, 0, sizeof(zeros));
	return bpf_map_update_elem(deny_hits_fd, &id, zeros, BPF_NOEXIST);
}

static struct traffic_counter hits(__u32 id)
{
	struct traffic_counter per_cpu[fx.nr_cpus], sum = { 0 };

	if (bpf_map_lookup_elem(deny_hits_fd, &id, per_cpu) == 0)
		for (int c = 0; c < fx.nr_cpus; c++) {
			sum.packets += per_cpu[c].packets;
			sum.bytes += per_cpu[c].bytes;
		}
	return sum;
}

/* Adds a rule to the (device, prefix) entry, after those already there. */
static int add_ip_rule(const __u8 *mac, int family, const __u8 *addr, int plen, __u32 id,
		       __u8 action, __u8 proto, __u16 port, __u64 expires_ns)
{
	struct deny_key k = { 0 };
	struct deny_value v = { 0 };

	k.prefixlen = IOTRIM_DENY_KEY_BITS + plen;
	memcpy(k.device_mac, mac, 6);
	k.family = family;
	memcpy(k.addr, addr, family == 4 ? 4 : 16);
	if (bpf_map_lookup_elem(deny_ip_fd, &k, &v)) {
		/* A new entry: its MAC slot of deny_filter counts it, as the controller does. */
		__u32 slot = iotrim_mac_slot(mac), n = 0;

		bpf_map_lookup_elem(deny_filter_fd, &slot, &n);
		n++;
		bpf_map_update_elem(deny_filter_fd, &slot, &n, BPF_ANY);
	}
	v.prefixlen = k.prefixlen;
	if (v.count == IOTRIM_DENY_RULES_PER_PREFIX)
		return -1;
	v.rules[v.count++] = (struct deny_rule){ .expires_ns = expires_ns, .id = id,
						   .action = action, .proto = proto, .port = port };
	create_hits(id);
	return bpf_map_update_elem(deny_ip_fd, &k, &v, BPF_ANY);
}

static int add_name_rule(const __u8 *mac, const char *name, __u32 id, __u64 expires_ns)
{
	struct deny_name_key k = { .hash = iotrim_name_hash(name) };
	struct deny_name_value v = { .expires_ns = expires_ns, .id = id };

	memcpy(k.device_mac, mac, 6);
	create_hits(id);
	if (bpf_map_lookup_elem(deny_names_fd, &k, &v)) {
		__u32 slot = iotrim_mac_slot(mac), n = 0;	/* as the controller does */

		bpf_map_lookup_elem(deny_filter_fd, &slot, &n);
		n++;
		bpf_map_update_elem(deny_filter_fd, &slot, &n, BPF_ANY);
	}
	v = (struct deny_name_value){ .expires_ns = expires_ns, .id = id };
	return bpf_map_update_elem(deny_names_fd, &k, &v, BPF_ANY);
}

/* ---- frames --------------------------------------------------------------------- */

struct frame_opts {
	int family;		/* 4 or 6 */
	int vlans;		/* 0..2 */
	const __u8 *src_mac;
	const __u8 *dst_ip;	/* remote (4 or 16 bytes) */
	__u32 ip_options;	/* IPv4 option bytes / IPv6 hop-by-hop bytes */
};

static void frame_start(struct pkt *p, const struct frame_opts *o, const __u8 *src_mac,
			const __u8 *dst_mac, const __u8 *src_ip, const __u8 *dst_ip)
{
	pkt_init(p);
	pkt_eth(p, dst_mac, src_mac);
	for (int i = 0; i < o->vlans; i++)
		pkt_vlan(p, i == 0 && o->vlans == 2 ? ETH_P_8021AD : ETH_P_8021Q, 10 + i);
	if (o->family == 4) {
		struct pkt_ipv4 ip = { .saddr = src_ip, .daddr = dst_ip,
				       .options_len = o->ip_options, .frag_off = PKT_IP_DF };

		pkt_ipv4(p, &ip);
	} else {
		pkt_ipv6(p, src_ip, dst_ip);
		if (o->ip_options)
			pkt_ipv6_ext(p, IPPROTO_HOPOPTS, o->ip_options);
	}
}

/* A frame from the device (upload) to o->dst_ip. */
static void upload_start(struct pkt *p, const struct frame_opts *o)
{
	const __u8 *src = o->family == 4 ? dev4 : dev6;
	const __u8 *dst = o->dst_ip ? o->dst_ip : o->family == 4 ? api4 : api6;

	frame_start(p, o, o->src_mac ? o->src_mac : dev_mac, gw_mac, src, dst);
}

static __u32 tcp_frame(struct pkt *p, const struct frame_opts *o, __u16 dport, __u8 flags,
		       __u32 seq, __u32 ack, __u32 payload)
{
	__u8 *th;

	upload_start(p, o);
	pkt_tcp(p, 40000, dport, 0);
	th = p->data + p->l4_off;
	th[13] = flags;
	th[4] = seq >> 24, th[5] = seq >> 16, th[6] = seq >> 8, th[7] = seq;
	th[8] = ack >> 24, th[9] = ack >> 16, th[10] = ack >> 8, th[11] = ack;
	if (payload)
		pkt_payload(p, NULL, payload);
	pkt_finish(p);
	fill_l4_checksum(p);
	return p->len;
}

static __u32 udp_frame(struct pkt *p, const struct frame_opts *o, __u16 dport, __u32 payload)
{
	upload_start(p, o);
	pkt_udp(p, 40000, dport);
	pkt_payload(p, NULL, payload);
	pkt_finish(p);
	fill_l4_checksum(p);
	return p->len;
}

static __u32 icmp_frame(struct pkt *p, const struct frame_opts *o, __u8 type)
{
	upload_start(p, o);
	pkt_icmp(p, type, 0);
	pkt_payload(p, NULL, 56);
	return pkt_finish(p);
}

/* Runs the XDP program; the frame it returns (XDP_TX) lands in out. */
static int run_xdp(const struct pkt *in, __u8 *out, __u32 *out_len, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->data, .data_size_in = in->len,
		    .data_out = out, .data_size_out = PKT_MAX_LEN + 512);
	int err = bpf_prog_test_run_opts(fixture_prog_fd(&fx, FIXTURE_XDP), &opts);

	*retval = opts.retval;
	*out_len = opts.data_size_out;
	return err;
}

static int run_tc(enum fixture_hook hook, const struct pkt *in, __u8 *out, __u32 *out_len,
		  __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->data, .data_size_in = in->len,
		    .data_out = out, .data_size_out = PKT_MAX_LEN + 512);
	int err = bpf_prog_test_run_opts(fixture_prog_fd(&fx, hook), &opts);

	*retval = opts.retval;
	*out_len = opts.data_size_out;
	return err;
}

static __u32 xdp_verdict(const struct pkt *p)
{
	__u8 out[PKT_MAX_LEN + 512];
	__u32 len, ret = 0xffff;

	if (run_xdp(p, out, &len, &ret))
		return 0xffff;
	return ret;
}

static __u32 tc_ingress_verdict(const struct pkt *p)
{
	__u8 out[PKT_MAX_LEN + 512];
	__u32 len, ret = 0xffff;

	if (run_tc(FIXTURE_TC_INGRESS, p, out, &len, &ret))
		return 0xffff;
	return ret;
}

/* ---- checks of a reply ---------------------------------------------------------- */

/* Ethernet and VLAN part: MACs swapped, tags and EtherType kept.  Returns L3 offset. */
static __u32 check_l2(const __u8 *out, const struct pkt *in)
{
	EXPECT(!memcmp(out, in->data + 6, 6), "reply goes to the sender's MAC");
	EXPECT(!memcmp(out + 6, in->data, 6), "reply comes from the MAC it was sent to");
	EXPECT(!memcmp(out + 12, in->data + 12, in->l3_off - 12), "VLAN tags and EtherType kept");
	return in->l3_off;
}

/* The reply's IP header: from in's destination to in's source.  Returns its length. */
static __u32 check_ip(const __u8 *ip, const struct pkt *in, __u8 proto, __u32 l4_len)
{
	const __u8 *oip = in->data + in->l3_off;

	if (in->family == 4) {
		EXPECT(ip[0] == 0x45, "IPv4, IHL 5: %#x", ip[0]);
		EXPECT(get16(ip + 2) == 20 + l4_len, "total length %u, want %u", get16(ip + 2),
		       20 + l4_len);
		EXPECT(ip[8] == 64, "TTL %u", ip[8]);
		EXPECT(ip[9] == proto, "protocol %u", ip[9]);
		EXPECT(!memcmp(ip + 12, oip + 16, 4), "source is the original destination");
		EXPECT(!memcmp(ip + 16, oip + 12, 4), "destination is the original source");
		EXPECT(ref_ok(ref_add(0, ip, 20)), "IPv4 header checksum %#x", get16(ip + 10));
		return 20;
	}
	EXPECT((ip[0] >> 4) == 6, "IPv6");
	EXPECT(get16(ip + 4) == l4_len, "payload length %u, want %u", get16(ip + 4), l4_len);
	EXPECT(ip[6] == proto, "next header %u", ip[6]);
	EXPECT(ip[7] == 64, "hop limit %u", ip[7]);
	EXPECT(!memcmp(ip + 8, oip + 24, 16), "source is the original destination");
	EXPECT(!memcmp(ip + 24, oip + 8, 16), "destination is the original source");
	return 40;
}

static void check_rst(const struct pkt *in, const __u8 *out, __u32 len)
{
	const __u8 *ith = in->data + in->l4_off, *ip, *th;
	__u32 l3 = check_l2(out, in), iplen;
	__u32 seq = get32(ith + 4), ack = get32(ith + 8);
	__u32 payload = in->len - in->l4_off - (ith[12] >> 4) * 4;
	__u8 flags = ith[13];

	ip = out + l3;
	iplen = check_ip(ip, in, IPPROTO_TCP, 20);
	EXPECT(len == l3 + iplen + 20, "RST frame is %u bytes, want %u", len, l3 + iplen + 20);
	th = ip + iplen;
	EXPECT(get16(th) == get16(ith + 2) && get16(th + 2) == get16(ith), "ports swapped");
	EXPECT(th[12] >> 4 == 5, "data offset 5");
	if (flags & 0x10) {
		EXPECT(th[13] == 0x04, "RST only: flags %#x", th[13]);
		EXPECT(get32(th + 4) == ack, "seq = the segment's ACK: %u vs %u", get32(th + 4), ack);
	} else {
		__u32 want = seq + payload + !!(flags & 0x02) + !!(flags & 0x01);

		EXPECT(th[13] == 0x14, "RST|ACK: flags %#x", th[13]);
		EXPECT(get32(th + 4) == 0, "seq 0");
		EXPECT(get32(th + 8) == want, "ack = SEG.SEQ + SEG.LEN: %u vs %u", get32(th + 8), want);
	}
	EXPECT(get16(th + 14) == 0 && get16(th + 18) == 0, "window and urgent pointer 0");
	EXPECT(ref_ok(ref_add(ref_pseudo(ip, IPPROTO_TCP, 20), th, 20)), "TCP checksum %#x",
	       get16(th + 16));
}

static void check_icmp(const struct pkt *in, const __u8 *out, __u32 len)
{
	__u32 l3 = check_l2(out, in), iplen, quote, icmp_len;
	__u32 in_l3_len = in->family == 4 ? get16(in->data + in->l3_off + 2) :
					     40 + get16(in->data + in->l3_off + 4);
	const __u8 *ip = out + l3, *icmp;
	uint32_t sum;

	quote = in_l3_len < 256 ? in_l3_len : 256;
	icmp_len = 8 + quote;
	iplen = check_ip(ip, in, in->family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, icmp_len);
	EXPECT(len == l3 + iplen + icmp_len, "ICMP frame is %u bytes, want %u", len,
	       l3 + iplen + icmp_len);
	icmp = ip + iplen;
	if (in->family == 4)
		EXPECT(icmp[0] == 3 && icmp[1] == 13, "type 3 code 13: %u %u", icmp[0], icmp[1]);
	else
		EXPECT(icmp[0] == 1 && icmp[1] == 1, "type 1 code 1: %u %u", icmp[0], icmp[1]);
	EXPECT(get32(icmp + 4) == 0, "unused field 0");
	EXPECT(!memcmp(icmp + 8, in->data + in->l3_off, quote), "quotes the packet");
	sum = ref_add(0, icmp, icmp_len);
	if (in->family == 6)
		sum += ref_pseudo(ip, IPPROTO_ICMPV6, icmp_len);
	EXPECT(ref_ok(sum), "ICMP checksum %#x", get16(icmp + 2));
}

/* ---- IP rules ------------------------------------------------------------------- */

TEST(no_rules_pass)
{
	struct frame_opts o = { .family = 4 };
	struct pkt p;

	clear_rules();
	tcp_frame(&p, &o, 443, 0x02, 1000, 0, 0);
	EXPECT(xdp_verdict(&p) == XDP_PASS, "passed");
}

TEST(drop_ipv4_address_per_device)
{
	struct frame_opts o = { .family = 4 }, other = { .family = 4, .src_mac = other_mac };
	struct flow_value fv;
	struct flow_key fk = { 0 };
	struct traffic_counter h;
	struct pkt p;

	clear_rules();
	ASSERT(!add_ip_rule(dev_mac, 4, api4, 32, 7, IOTRIM_DENY_DROP, 0, 0, 0), "rule");
	udp_frame(&p, &o, 123, 48);
	EXPECT(xdp_verdict(&p) == XDP_DROP, "the device's packet is dropped");
	EXPECT(xdp_verdict(&p) == XDP_DROP, "twice");
	udp_frame(&p, &other, 123, 48);
	EXPECT(xdp_verdict(&p) == XDP_PASS, "another device passes");
	o.dst_ip = mqtt4;
	udp_frame(&p, &o, 123, 48);
	EXPECT(xdp_verdict(&p) == XDP_PASS, "another address passes");
	h = hits(7);
	EXPECT(h.packets == 2 && h.bytes == 2 * (20 + 8 + 48), "hits %llu packets %llu bytes",
	       (unsigned long long)h.packets, (unsigned long long)h.bytes);
	/* Dropped packets still count as upload: the device sent them. */
	memcpy(fk.device_mac, dev_mac, 6);
	fk.family = 4;
	fk.proto = IPPROTO_UDP;
	fk.remote_port = 123;
	memcpy(fk.device_ip, dev4, 4);
	memcpy(fk.remote_ip, api4, 4);
	EXPECT(fixture_lookup_flow(&fx, &fk, &fv) == 0 && fv.up.packets == 2,
	       "blocked packets are counted in the flow");
}

TEST(drop_all_devices_and_prefixes)
{
	struct frame_opts o = { .family = 4, .src_mac = other_mac }, o6 = { .family = 6 };
	__u8 net[4] = { 203, 0, 113, 0 }, net6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x01 };
	struct pkt p;

	clear_rules();
	ASSERT(!add_ip_rule(zero_mac, 4, net, 24, 1, IOTRIM_DENY_DROP, 0, 0, 0), "rule");
	ASSERT(!add_ip_rule(zero_mac, 6, net6, 48, 2, IOTRIM_DENY_DROP, 0, 0, 0), "rule6");
	tcp_frame(&p, &o, 80, 0x02, 1, 0, 0);
	EXPECT(xdp_verdict(&p) == XDP_DROP, "prefix for all devices drops any device");
	o.dst_ip = other4;
	tcp_frame(&p, &o, 80, 0x02, 1, 0, 0);
	EXPECT(xdp_verdict(&p) == XDP_PASS, "outside the prefix passes");
	o6.dst_ip = api6;	/* 2001:db8:100::10: not in 2001:db8:1::/48 */
	tcp_frame(&p, &o6, 80, 0x02, 1, 0, 0);
	EXPECT(xdp_verdict(&p) == XDP_PASS, "IPv6 outside the prefix passes");
	o6.dst_ip = gw6;	/* 2001:db8:1::1 */
	tcp_frame(&p, &o6, 80, 0x02, 1, 0, 0);
	EXPECT(xdp_verdict(&p) == XDP_DROP, "IPv6 prefix drops");
	EXPECT(hits(1).packets == 1 && hits(2).packets == 1, "one hit each");
}

TEST(proto_port_scopes_and_shorter_prefixes)
{
	struct frame_opts o = { .family = 4 };
	__u8 net[4] = { 203, 0, 113, 0 };
	__u8 out[PKT_MAX_LEN + 512];
	__u32 len, ret;
	struct pkt p;

	clear_rules();
	/* The /32 only rejects TCP 443; everything else to it falls to the /24 (UDP only). */
	ASSERT(!add_ip_rule(dev_mac, 4, api4, 32, 10, IOTRIM_DENY_REJECT, IPPROTO_TCP, 443, 0), "r");
	ASSERT(!add_ip_rule(dev_mac, 4, net, 24, 11, IOTRIM_DENY_DROP, IPPROTO_UDP, 0, 0), "r");
	tcp_frame(&p, &o, 443, 0x02, 5, 0, 0);
	EXPECT(run_xdp(&p, out, &len, &ret) == 0 && ret == XDP_TX, "TCP 443 rejected: %u", ret);
	tcp_frame(&p, &o, 80, 0x02, 5, 0, 0);
	EXPECT(xdp_verdict(&p) == XDP_PASS, "TCP 80 passes");
	udp_frame(&p, &o, 443, 10);
	EXPECT(xdp_verdict(&p) == XDP_DROP, "UDP to the /32 falls to the /24 rule");
	EXPECT(hits(10).packets == 1 && hits(11).packets == 1, "each rule hit once");
	/* All-device rules come after the device's own. */
	ASSERT(!add_ip_rule(zero_mac, 4, api4, 32, 12, IOTRIM_DENY_DROP, 0, 0, 0), "r");
	tcp_frame(&p, &o, 80, 0x02, 5, 0, 0);
	EXPECT(xdp_verdict(&p) == XDP_DROP, "TCP 80 now dropped by the all-devices rule");
	EXPECT(hits(12).packets == 1, "all-devices rule hit");
}

TEST(lease_checked_by_the_program)
{
	struct frame_opts o = { .family = 4 };
	struct pkt p;

	clear_rules();
	ASSERT(!add_ip_rule(dev_mac, 4, api4, 32, 20, IOTRIM_DENY_DROP, 0, 0, boot_ns() - 1), "r");
	ASSERT(!add_ip_rule(dev_mac, 4, mqtt4, 32, 21, IOTRIM_DENY_DROP, 0, 0,
			    boot_ns() + 60000000000ULL), "r");
	udp_frame(&p, &o, 53, 10);
	EXPECT(xdp_verdict(&p) == XDP_PASS, "expired lease: passes");
	o.dst_ip = mqtt4;
	udp_frame(&p, &o, 53, 10);
	EXPECT(xdp_verdict(&p) == XDP_DROP, "lease running: dropped");
	EXPECT(hits(20).packets == 0, "an expired rule is not hit");
}

TEST(neighbour_discovery_exempt)
{
	struct frame_opts o = { .family = 6, .dst_ip = gw6 };
	struct pkt p;

	clear_rules();
	ASSERT(!add_ip_rule(dev_mac, 6, gw6, 128, 30, IOTRIM_DENY_REJECT, 0, 0, 0), "r");
	icmp_frame(&p, &o, 135);
	EXPECT(xdp_verdict(&p) == XDP_PASS, "neighbour solicitation passes");
	icmp_frame(&p, &o, 128);
	EXPECT(xdp_verdict(&p) == XDP_TX, "echo request rejected");
}

/* ---- reject: RST and ICMP ---------------------------------------------------------- */

static void reject_tcp_case(int family, int vlans, __u32 ip_options, __u8 flags, __u32 payload)
{
	struct frame_opts o = { .family = family, .vlans = vlans, .ip_options = ip_options };
	__u8 out[PKT_MAX_LEN + 512];
	__u32 len, ret;
	struct pkt p;

	clear_rules();
	ASSERT(!add_ip_rule(dev_mac, family, family == 4 ? api4 : api6, family == 4 ? 32 : 128, 40,
			    IOTRIM_DENY_REJECT, 0, 0, 0), "rule");
	tcp_frame(&p, &o, 443, flags, 0xfffffff0, 0x12345678, payload);
	ASSERT(run_xdp(&p, out, &len, &ret) == 0, "test run");
	EXPECT(ret == XDP_TX, "XDP_TX: %u", ret);
	check_rst(&p, out, len);
	EXPECT(hits(40).packets == 1, "hit");
	/* --mode tc: the same reply, redirected out of the interface. */
	ASSERT(run_tc(FIXTURE_TC_INGRESS, &p, out, &len, &ret) == 0, "TC test run");
	EXPECT(ret == TC_ACT_REDIRECT, "TC_ACT_REDIRECT: %u", ret);
	check_rst(&p, out, len);
	EXPECT(hits(40).packets == 2, "hit in TC");
}

TEST(reject_tcp_syn_ipv4) { reject_tcp_case(4, 0, 0, 0x02, 0); }
TEST(reject_tcp_syn_ipv6) { reject_tcp_case(6, 0, 0, 0x02, 0); }
TEST(reject_tcp_data_ipv4_vlan) { reject_tcp_case(4, 1, 0, 0x18, 100); }
TEST(reject_tcp_data_ipv6_qinq) { reject_tcp_case(6, 2, 0, 0x18, 100); }
TEST(reject_tcp_fin_no_ack_ipv4_options) { reject_tcp_case(4, 1, 12, 0x01, 7); }
TEST(reject_tcp_syn_ipv6_ext_header) { reject_tcp_case(6, 0, 16, 0x02, 0); }

/*
 * Native XDP on a veth (datapath/attach.c): the XDP object is loaded with
 * reject_in_tc, so XDP counts the hit and passes the packet up, and
 * iotrim_tc_reject on TC ingress answers it without counting it again.
 */
static struct iotrim_xdp *load_xdp_reject_in_tc(void)
{
	struct iotrim_xdp *x = iotrim_xdp__open();
	struct bpf_map *m, *shared;

	if (!x)
		return NULL;
	bpf_object__for_each_map(m, x->obj) {
		if (bpf_map__set_pin_path(m, NULL))
			goto fail;
		if (bpf_map__is_internal(m))
			continue;
		shared = bpf_object__find_map_by_name(fx.xdp->obj, bpf_map__name(m));
		if (shared && bpf_map__reuse_fd(m, bpf_map__fd(shared)))
			goto fail;
	}
	x->rodata->reject_in_tc = true;
	if (iotrim_xdp__load(x) == 0)
		return x;
fail:
	iotrim_xdp__destroy(x);
	return NULL;
}

static int run_prog(int fd, const struct pkt *in, __u8 *out, __u32 *out_len, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->data, .data_size_in = in->len,
		    .data_out = out, .data_size_out = PKT_MAX_LEN + 512);
	int err = bpf_prog_test_run_opts(fd, &opts);

	*retval = opts.retval;
	*out_len = opts.data_size_out;
	return err;
}

TEST(reject_from_tc_on_veth)
{
	struct iotrim_xdp *x = load_xdp_reject_in_tc();
	int xdp_fd, tc_fd = bpf_program__fd(fx.tc->progs.iotrim_tc_reject);
	struct frame_opts o = { .family = 4 };
	__u8 out[PKT_MAX_LEN + 512];
	__u32 len, ret;
	struct pkt p;

	ASSERT(x, "XDP loads with reject_in_tc");
	xdp_fd = bpf_program__fd(x->progs.iotrim_xdp);
	clear_rules();
	ASSERT(!add_ip_rule(dev_mac, 4, api4, 32, 42, IOTRIM_DENY_REJECT, 0, 0, 0), "reject rule");
	ASSERT(!add_ip_rule(dev_mac, 4, mqtt4, 32, 43, IOTRIM_DENY_DROP, 0, 0, 0), "drop rule");
	tcp_frame(&p, &o, 443, 0x02, 0xfffffff0, 0, 0);
	ASSERT(run_prog(xdp_fd, &p, out, &len, &ret) == 0, "XDP run");
	EXPECT(ret == XDP_PASS, "XDP passes the packet to reject up: %u", ret);
	ASSERT(run_prog(tc_fd, &p, out, &len, &ret) == 0, "TC run");
	EXPECT(ret == TC_ACT_REDIRECT, "TC ingress answers it: %u", ret);
	check_rst(&p, out, len);
	udp_frame(&p, &o, 123, 20);
	ASSERT(run_prog(xdp_fd, &p, out, &len, &ret) == 0, "XDP run");
	EXPECT(ret == XDP_PASS, "UDP passed up too: %u", ret);
	ASSERT(run_prog(tc_fd, &p, out, &len, &ret) == 0, "TC run");
	EXPECT(ret == TC_ACT_REDIRECT, "and answered: %u", ret);
	check_icmp(&p, out, len);
	EXPECT(hits(42).packets == 2, "each counted once, in XDP: %llu",
	       (unsigned long long)hits(42).packets);
	o.dst_ip = mqtt4;
	tcp_frame(&p, &o, 1883, 0x02, 1, 0, 0);
	ASSERT(run_prog(xdp_fd, &p, out, &len, &ret) == 0, "XDP run");
	EXPECT(ret == XDP_DROP, "a drop rule still drops in XDP: %u", ret);
	ASSERT(!add_ip_rule(zero_mac, 4, other4, 32, 44, IOTRIM_DENY_REJECT, 0, 0, 0), "for all");
	o.dst_ip = other4;
	tcp_frame(&p, &o, 443, 0x02, 1, 0, 0);
	p.data[6] = 0x01;	/* group source MAC */
	ASSERT(run_prog(xdp_fd, &p, out, &len, &ret) == 0, "XDP run");
	EXPECT(ret == XDP_PASS, "from a group source MAC: passed up: %u", ret);
	ASSERT(run_prog(tc_fd, &p, out, &len, &ret) == 0, "TC run");
	EXPECT(ret == TC_ACT_SHOT, "and dropped there, no reply: %u", ret);
	iotrim_xdp__destroy(x);
}

static void reject_icmp_case(int family, int vlans, __u32 payload, bool ping)
{
	struct frame_opts o = { .family = family, .vlans = vlans };
	__u8 out[PKT_MAX_LEN + 512];
	__u32 len, ret;
	struct pkt p;

	clear_rules();
	ASSERT(!add_ip_rule(zero_mac, family, family == 4 ? api4 : api6, family == 4 ? 32 : 128,
			    41, IOTRIM_DENY_REJECT, 0, 0, 0), "rule");
	if (ping)
		icmp_frame(&p, &o, family == 4 ? 8 : 128);
	else
		udp_frame(&p, &o, 123, payload);
	ASSERT(run_xdp(&p, out, &len, &ret) == 0, "test run");
	EXPECT(ret == XDP_TX, "XDP_TX: %u", ret);
	check_icmp(&p, out, len);
	ASSERT(run_tc(FIXTURE_TC_INGRESS, &p, out, &len, &ret) == 0, "TC test run");
	EXPECT(ret == TC_ACT_REDIRECT, "TC_ACT_REDIRECT: %u", ret);
	check_icmp(&p, out, len);
}

TEST(reject_udp_ipv4) { reject_icmp_case(4, 0, 48, false); }
TEST(reject_udp_ipv6) { reject_icmp_case(6, 0, 48, false); }
TEST(reject_udp_ipv4_vlan_odd_length) { reject_icmp_case(4, 1, 33, false); }
TEST(reject_udp_ipv6_qinq_long_quote_cut) { reject_icmp_case(6, 2, 1000, false); }
TEST(reject_udp_ipv4_long_quote_cut) { reject_icmp_case(4, 0, 999, false); }
TEST(reject_ping_ipv4) { reject_icmp_case(4, 0, 0, true); }
TEST(reject_ping_ipv6_vlan) { reject_icmp_case(6, 1, 0, true); }

TEST(reject_never_answers_rst_icmp_error_or_group)
{
	struct frame_opts o = { .family = 4 }, o6 = { .family = 6 };
	struct pkt p;

	clear_rules();
	ASSERT(!add_ip_rule(zero_mac, 4, api4, 32, 50, IOTRIM_DENY_REJECT, 0, 0, 0), "r");
	ASSERT(!add_ip_rule(zero_mac, 6, api6, 128, 51, IOTRIM_DENY_REJECT, 0, 0, 0), "r");
	tcp_frame(&p, &o, 443, 0x04, 1, 0, 0);
	EXPECT(xdp_verdict(&p) == XDP_DROP, "a RST is dropped, not answered");
	icmp_frame(&p, &o, 3);
	EXPECT(xdp_verdict(&p) == XDP_DROP, "an ICMP error is dropped, not answered");
	icmp_frame(&p, &o6, 1);
	EXPECT(xdp_verdict(&p) == XDP_DROP, "an ICMPv6 error is dropped, not answered");
	udp_frame(&p, &o, 123, 10);
	p.data[0] = 0x01;	/* multicast destination MAC */
	EXPECT(xdp_verdict(&p) == XDP_DROP, "a frame to a group address is dropped");
	EXPECT(tc_ingress_verdict(&p) == TC_ACT_SHOT, "and in TC ingress");
	tcp_frame(&p, &o, 443, 0x04, 1, 0, 0);
	EXPECT(tc_ingress_verdict(&p) == TC_ACT_SHOT, "TC ingress: a RST is dropped, not answered");
	icmp_frame(&p, &o6, 1);
	EXPECT(tc_ingress_verdict(&p) == TC_ACT_SHOT, "TC ingress: an ICMPv6 error is dropped");
	EXPECT(hits(50).packets == 3 + 2, "all hit: %llu", (unsigned long long)hits(50).packets);
}

/* ---- no fail-open: packets that do not parse still meet the rules ------------------ */

/* IPv6 to api6 behind 9 destination-options headers (the parser walks 8). */
static __u32 many_dstopts_frame(struct pkt *p, int family)
{
	struct frame_opts o = { .family = family };

	upload_start(p, &o);
	for (int i = 0; i < 9; i++)
		pkt_ipv6_ext(p, IPPROTO_DSTOPTS, 8);
	pkt_tcp(p, 40000, 443, 0);
	p->data[p->l4_off + 13] = 0x02;
	return pkt_finish(p);
}

/* A first fragment (more to come) with only 8 bytes of TCP header, padded to 60. */
static __u32 tiny_first_fragment_frame(struct pkt *p, int family)
{
	struct frame_opts o = { .family = family };

	upload_start(p, &o);
	if (family == 4)
		pkt_put16(p->data + p->l3_off + 6, PKT_IP_MF);
	else
		pkt_ipv6_frag(p, 0, true);
	pkt_tcp(p, 40000, 443, 0);
	p->len = p->l4_off + 8;
	pkt_finish(p);
	return pkt_pad(p, 60);
}

/* A UDP first fragment that stops 4 bytes into the UDP header. */
static __u32 cut_udp_fragment_frame(struct pkt *p, int family)
{
	struct frame_opts o = { .family = family };

	upload_start(p, &o);
	pkt_put16(p->data + p->l3_off + 6, PKT_IP_MF);
	pkt_udp(p, 40000, 53);
	p->len = p->l4_off + 4;
	p->l4_proto = 0;	/* no UDP length to write */
	pkt_finish(p);
	return pkt_pad(p, 60);
}

/* A TCP header whose data offset (60 bytes) runs past the packet. */
static __u32 bad_doff_frame(struct pkt *p, int family)
{
	struct frame_opts o = { .family = family };

	tcp_frame(p, &o, 443, 0x02, 1, 0, 0);
	p->data[p->l4_off + 12] = 0xf0;
	return p->len;
}

/* A TCP header whose data offset (8 bytes) is under the minimum of 20. */
static __u32 short_doff_frame(struct pkt *p, int family)
{
	struct frame_opts o = { .family = family };

	tcp_frame(p, &o, 443, 0x02, 1, 0, 0);
	p->data[p->l4_off + 12] = 0x20;
	return p->len;
}

/* A destination-options header that claims 88 bytes of a 28-byte rest. */
static __u32 cut_ext_header_frame(struct pkt *p, int family)
{
	struct frame_opts o = { .family = family };
	__u32 ext;

	upload_start(p, &o);
	pkt_ipv6_ext(p, IPPROTO_DSTOPTS, 8);
	ext = p->len - 8;
	pkt_tcp(p, 40000, 443, 0);
	pkt_finish(p);
	p->data[ext + 1] = 10;
	return p->len;
}

struct unparsed_case {
	const char *what;
	__u32 (*frame)(struct pkt *p, int family);
	int family;
	__u8 rule_proto;	/* the rule's scope */
	__u16 rule_port;
	__u8 action;
	bool to_other;		/* the rule names another address */
	bool blocked;
};

static const struct unparsed_case unparsed_cases[] = {
	{ "9 dest-opts headers, address rule", many_dstopts_frame, 6, 0, 0, IOTRIM_DENY_DROP, false, true },
	{ "9 dest-opts headers, TCP 443 rule", many_dstopts_frame, 6, IPPROTO_TCP, 443, IOTRIM_DENY_REJECT, false, true },
	{ "9 dest-opts headers, other address", many_dstopts_frame, 6, 0, 0, IOTRIM_DENY_DROP, true, false },
	{ "tiny first fragment v4, TCP 443 rule", tiny_first_fragment_frame, 4, IPPROTO_TCP, 443, IOTRIM_DENY_REJECT, false, true },
	{ "tiny first fragment v6, TCP 443 rule", tiny_first_fragment_frame, 6, IPPROTO_TCP, 443, IOTRIM_DENY_DROP, false, true },
	{ "tiny first fragment v4, TCP 80 rule", tiny_first_fragment_frame, 4, IPPROTO_TCP, 80, IOTRIM_DENY_DROP, false, true },
	{ "tiny first fragment v4, UDP rule", tiny_first_fragment_frame, 4, IPPROTO_UDP, 0, IOTRIM_DENY_DROP, false, false },
	{ "cut UDP header, UDP 53 rule", cut_udp_fragment_frame, 4, IPPROTO_UDP, 53, IOTRIM_DENY_REJECT, false, true },
	{ "TCP data offset past the end, TCP 443 rule", bad_doff_frame, 4, IPPROTO_TCP, 443, IOTRIM_DENY_REJECT, false, true },
	{ "TCP data offset under 20, TCP 443 rule", short_doff_frame, 6, IPPROTO_TCP, 443, IOTRIM_DENY_DROP, false, true },
	{ "IPv6 header cut, TCP 443 rule", cut_ext_header_frame, 6, IPPROTO_TCP, 443, IOTRIM_DENY_DROP, false, true },
};

/* In XDP and in TC ingress (--mode tc): blocked and counted, or passed as before. */
TEST(unparsed_packets_meet_the_rules)
{
	for (size_t i = 0; i < sizeof(unparsed_cases) / sizeof(unparsed_cases[0]); i++) {
		const struct unparsed_case *c = &unparsed_cases[i];
		const __u8 *addr = c->family == 4 ? (c->to_other ? mqtt4 : api4) :
						    (c->to_other ? gw6 : api6);
		__u8 out[PKT_MAX_LEN + 512];
		__u32 len, ret = 0xffff, xret;
		struct pkt p;

		clear_rules();
		ASSERT(!add_ip_rule(dev_mac, c->family, addr, c->family == 4 ? 32 : 128, 80,
				    c->action, c->rule_proto, c->rule_port, 0), "%s: rule", c->what);
		ASSERT(c->frame(&p, c->family) && !p.error, "%s: frame", c->what);
		ASSERT(run_xdp(&p, out, &len, &xret) == 0, "%s: XDP run", c->what);
		ASSERT(run_tc(FIXTURE_TC_INGRESS, &p, out, &len, &ret) == 0, "%s: TC run", c->what);
		if (c->blocked) {
			/* No reply either: a reply to a packet that did not parse could be wrong. */
			EXPECT(xret == XDP_DROP, "%s: XDP drops: %u", c->what, xret);
			EXPECT(ret == TC_ACT_SHOT, "%s: TC ingress drops: %u", c->what, ret);
			EXPECT(hits(80).packets == 2, "%s: hit twice: %llu", c->what,
			       (unsigned long long)hits(80).packets);
			EXPECT(hits(80).bytes <= 2 * (p.len - p.l3_off), "%s: bytes within the frame",
			       c->what);
		} else {
			EXPECT(xret == XDP_PASS, "%s: XDP passes: %u", c->what, xret);
			EXPECT(ret == 0, "%s: TC ingress passes: %u", c->what, ret);
			EXPECT(hits(80).packets == 0, "%s: no hit", c->what);
		}
	}
}

/* The fragment after a tiny first one: offset 8 bytes, the rest of the TCP header. */
static __u32 second_fragment_frame(struct pkt *p, int family, __u16 id)
{
	struct frame_opts o = { .family = family };
	__u8 rest[12] = { 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff };

	upload_start(p, &o);
	if (family == 4) {
		pkt_put16(p->data + p->l3_off + 6, 1);		/* offset 8 bytes, last */
		pkt_put16(p->data + p->l3_off + 4, id);
	} else {
		pkt_ipv6_frag(p, 1, false);
		pkt_put16(p->data + p->len - 2, id);
	}
	pkt_proto(p, IPPROTO_TCP);
	pkt_payload(p, rest, sizeof(rest));
	pkt_finish(p);
	return pkt_pad(p, 60);
}

/*
 * A port-scoped rule blocks a tiny first fragment; the rest of its datagram
 * (no ports to see) must go too, in XDP and in TC ingress, counted to the
 * rule; another datagram's fragment passes.
 */
TEST(fragments_after_a_blocked_first_one)
{
	for (int family = 4; family <= 6; family += 2) {
		for (int hook = 0; hook < 2; hook++) {
			const char *where = hook ? "TC ingress" : "XDP";
			__u8 out[PKT_MAX_LEN + 512];
			__u32 len, ret, drop = hook ? TC_ACT_SHOT : XDP_DROP;
			__u32 pass = hook ? 0 : XDP_PASS;
			struct pkt p;
			__u16 id;

			clear_rules();
			struct bpf_map *frags = hook ? fx.tc->maps.deny_frags : fx.xdp->maps.deny_frags;

			fixture_clear_hash(bpf_map__fd(frags), bpf_map__key_size(frags));
			ASSERT(!add_ip_rule(dev_mac, family, family == 4 ? api4 : api6,
					    family == 4 ? 32 : 128, 82, IOTRIM_DENY_REJECT, IPPROTO_TCP,
					    443, 0), "rule");
			tiny_first_fragment_frame(&p, family);
			id = family == 4 ? get16(p.data + p.l3_off + 4) :
					   get16(p.data + p.l3_off + 40 + 6);
			ASSERT(hook ? run_tc(FIXTURE_TC_INGRESS, &p, out, &len, &ret) == 0 :
				      run_xdp(&p, out, &len, &ret) == 0, "run");
			EXPECT(ret == drop, "IPv%d %s: the first fragment dropped: %u", family, where,
			       ret);
			second_fragment_frame(&p, family, id + 1);
			ASSERT(hook ? run_tc(FIXTURE_TC_INGRESS, &p, out, &len, &ret) == 0 :
				      run_xdp(&p, out, &len, &ret) == 0, "run");
			EXPECT(ret == pass, "IPv%d %s: another datagram's fragment passes: %u",
			       family, where, ret);
			second_fragment_frame(&p, family, id);
			ASSERT(hook ? run_tc(FIXTURE_TC_INGRESS, &p, out, &len, &ret) == 0 :
				      run_xdp(&p, out, &len, &ret) == 0, "run");
			EXPECT(ret == drop, "IPv%d %s: the rest of the datagram dropped, not answered: %u",
			       family, where, ret);
			EXPECT(hits(82).packets == 2, "IPv%d %s: both counted: %llu", family, where,
			       (unsigned long long)hits(82).packets);
		}
	}
}

/* A group source MAC is never a device to answer: the RST would go to everyone. */
TEST(reject_never_answers_a_group_source)
{
	struct frame_opts o = { .family = 4 };
	struct pkt p;

	clear_rules();
	ASSERT(!add_ip_rule(zero_mac, 4, api4, 32, 81, IOTRIM_DENY_REJECT, 0, 0, 0), "r");
	tcp_frame(&p, &o, 443, 0x02, 1, 0, 0);
	p.data[6] = 0xff;	/* source MAC ff:00:00:00:00:21 */
	EXPECT(xdp_verdict(&p) == XDP_DROP, "TCP from a group MAC dropped, no RST");
	EXPECT(tc_ingress_verdict(&p) == TC_ACT_SHOT, "and in TC ingress");
	udp_frame(&p, &o, 123, 10);
	p.data[6] = 0x01;
	EXPECT(xdp_verdict(&p) == XDP_DROP, "UDP from a group MAC dropped, no ICMP");
	EXPECT(tc_ingress_verdict(&p) == TC_ACT_SHOT, "and in TC ingress");
	EXPECT(hits(81).packets == 4, "all hit");
}

/* ---- name rules: the NXDOMAIN rewrite in TC egress ---------------------------------- */

/* Appends a name in wire format (text, dots), case as given. */
static void put_name(struct pkt *p, const char *name)
{
	__u8 wire[IOTRIM_DNS_WIRE_MAX + 1];
	size_t len = iotrim_name_to_wire(name, wire);

	pkt_payload(p, wire, len);
}

struct dns_opts {
	int family;
	int vlans;
	const char *qname;
	__u16 qdcount;
	__u16 flags;
	bool zero_checksum;	/* IPv4: UDP checksum 0 (none) */
	bool tcp;
	int tcp_part;		/* TCP: 0 prefix and message, 1 the prefix alone, 2 the message alone */
	int prefix_extra;	/* TCP: the prefix claims this many bytes more */
};

/* A DNS response (from the resolver to the device) with one A/AAAA answer and EDNS. */
static __u32 dns_response(struct pkt *p, const struct dns_opts *d)
{
	struct frame_opts o = { .family = d->family, .vlans = d->vlans };
	__u8 hdr[12] = { 0xbe, 0xef };
	__u8 tail[4] = { 0, d->family == 4 ? 1 : 28, 0, 1 };
	__u8 answer[12] = { 0xc0, 0x0c, 0, d->family == 4 ? 1 : 28, 0, 1, 0, 0, 0x0e, 0x10, 0,
			    d->family == 4 ? 4 : 16 };
	__u8 opt[11] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0 };

	pkt_put16(hdr + 2, d->flags ? d->flags : 0x8180);
	pkt_put16(hdr + 4, d->qdcount ? d->qdcount : 1);
	pkt_put16(hdr + 6, 1);
	pkt_put16(hdr + 10, 1);
	__u32 msg_off;
	__u8 prefix[2];

	frame_start(p, &o, gw_mac, dev_mac, d->family == 4 ? gw4 : gw6, d->family == 4 ? dev4 : dev6);
	if (d->tcp) {
		pkt_tcp(p, 53, 40000, 0);
		if (d->tcp_part == 2)
			p->data[p->l4_off + 7] = 3;	/* seq 3: just after the prefix */
		else
			pkt_payload(p, "\0\0", 2);	/* the length prefix, filled in below */
	} else {
		pkt_udp(p, 53, 40000);
	}
	msg_off = p->len;
	pkt_payload(p, hdr, 12);
	put_name(p, d->qname);
	pkt_payload(p, tail, 4);
	pkt_payload(p, answer, 12);
	pkt_payload(p, d->family == 4 ? api4 : api6, d->family == 4 ? 4 : 16);
	pkt_payload(p, opt, 11);
	if (d->tcp) {
		pkt_put16(prefix, p->len - msg_off + d->prefix_extra);
		if (d->tcp_part == 0)
			memcpy(p->data + msg_off - 2, prefix, 2);
		if (d->tcp_part == 1) {		/* the prefix alone */
			p->len = msg_off;
			memcpy(p->data + msg_off - 2, prefix, 2);
		}
	}
	pkt_finish(p);
	if (!d->zero_checksum)
		fill_l4_checksum(p);
	return p->len;
}

static void check_nxdomain(const struct pkt *in, const __u8 *out, __u32 len, bool zero_checksum)
{
	const __u8 *ip = out + in->l3_off, *udp = out + in->l4_off, *dns = udp + 8;
	const __u8 *idns = in->data + in->l4_off + 8;
	__u32 qlen = 0, new_ulen;

	while (idns[12 + qlen])
		qlen += idns[12 + qlen] + 1;
	qlen += 1 + 4;
	new_ulen = 8 + 12 + qlen;
	EXPECT(len == in->l4_off + new_ulen, "frame is %u bytes, want %u", len, in->l4_off + new_ulen);
	EXPECT(!memcmp(out, in->data, in->l3_off), "Ethernet and VLAN headers unchanged");
	EXPECT(!memcmp(udp, in->data + in->l4_off, 4), "ports unchanged");
	EXPECT(get16(udp + 4) == new_ulen, "UDP length %u, want %u", get16(udp + 4), new_ulen);
	EXPECT(get16(dns) == 0xbeef, "ID kept");
	EXPECT(get16(dns + 2) == 0x8183, "flags QR RD RA, NXDOMAIN: %#x", get16(dns + 2));
	EXPECT(get16(dns + 4) == 1 && get16(dns + 6) == 0 && get16(dns + 8) == 0 &&
	       get16(dns + 10) == 0, "one question, no records");
	EXPECT(!memcmp(dns + 12, idns + 12, qlen), "question intact");
	if (in->family == 4) {
		EXPECT(get16(ip + 2) == in->l4_off - in->l3_off + new_ulen, "IPv4 total length");
		EXPECT(ref_ok(ref_add(0, ip, (ip[0] & 15) * 4)), "IPv4 header checksum");
	} else {
		EXPECT(get16(ip + 4) == in->l4_off - in->l3_off - 40 + new_ulen, "IPv6 payload length");
	}
	if (zero_checksum)
		EXPECT(get16(udp + 6) == 0, "no UDP checksum stays none");
	else
		EXPECT(ref_ok(ref_add(ref_pseudo(ip, IPPROTO_UDP, new_ulen), udp, new_ulen)),
		       "UDP checksum %#x valid", get16(udp + 6));
}

static void nxdomain_case(int family, int vlans, const char *rule, const char *qname,
			  bool for_all, bool zero_checksum)
{
	struct dns_opts d = { .family = family, .vlans = vlans, .qname = qname,
			      .zero_checksum = zero_checksum };
	__u8 out[PKT_MAX_LEN + 512];
	__u32 len, ret;
	struct pkt p;

	clear_rules();
	ASSERT(!add_name_rule(for_all ? zero_mac : dev_mac, rule, 60, 0), "rule");
	dns_response(&p, &d);
	ASSERT(run_tc(FIXTURE_TC_EGRESS, &p, out, &len, &ret) == 0, "test run");
	EXPECT(ret == TC_ACT_OK, "passed (rewritten): %u", ret);
	check_nxdomain(&p, out, len, zero_checksum);
	EXPECT(hits(60).packets == 1 && hits(60).bytes == p.len - p.l3_off, "hit: %llu %llu",
	       (unsigned long long)hits(60).packets, (unsigned long long)hits(60).bytes);
}

TEST(nxdomain_ipv4) { nxdomain_case(4, 0, "api.vendor.example", "api.vendor.example", false, false); }
TEST(nxdomain_ipv6) { nxdomain_case(6, 0, "api.vendor.example", "api.vendor.example", false, false); }
TEST(nxdomain_subdomain_mixed_case_vlan) { nxdomain_case(4, 1, "ntp.org", "0.POOL.Ntp.org", false, false); }
TEST(nxdomain_ipv6_qinq_all_devices) { nxdomain_case(6, 2, "ntp.org", "a.b.c.pool.ntp.org", true, false); }
TEST(nxdomain_ipv4_no_udp_checksum) { nxdomain_case(4, 0, "example", "odd.x.example", false, true); }
TEST(nxdomain_long_name)
{
	char name[260];

	/* 4 labels of 61 + "ab": 61*4 + 4 dots + 2 = 250 characters. */
	memset(name, 'x', sizeof(name));
	for (int i = 0; i < 4; i++)
		name[i * 62 + 61] = '.';
	strcpy(name + 248, "ab");
	nxdomain_case(4, 0, "ab", name, false, false);
}

/* Runs a response through TC egress; true if it left unchanged and passed. */
static bool untouched(const struct pkt *p)
{
	__u8 out[PKT_MAX_LEN + 512];
	__u32 len, ret;

	if (run_tc(FIXTURE_TC_EGRESS, p, out, &len, &ret))
		return false;
	return ret == TC_ACT_OK && len == p->len && !memcmp(out, p->data, len);
}

TEST(names_that_do_not_match)
{
	struct dns_opts d = { .family = 4, .qname = "xntp.org" };
	struct pkt p;

	clear_rules();
	ASSERT(!add_name_rule(dev_mac, "ntp.org", 61, 0), "rule");
	ASSERT(!add_name_rule(other_mac, "example.org", 62, 0), "rule");
	dns_response(&p, &d);
	EXPECT(untouched(&p), "xntp.org is not under ntp.org");
	d.qname = "org";
	dns_response(&p, &d);
	EXPECT(untouched(&p), "the parent org is not blocked");
	d.qname = "www.example.org";
	dns_response(&p, &d);
	EXPECT(untouched(&p), "another device's rule does not apply");
	EXPECT(hits(61).packets == 0 && hits(62).packets == 0, "no hits");
}

TEST(name_lease_checked_by_the_program)
{
	struct dns_opts d = { .family = 4, .qname = "time.example" };
	struct pkt p;

	clear_rules();
	ASSERT(!add_name_rule(dev_mac, "time.example", 63, boot_ns() - 1), "rule");
	dns_response(&p, &d);
	EXPECT(untouched(&p), "expired name rule does not apply");
}

TEST(malformed_responses_left_alone)
{
	struct dns_opts d = { .family = 4, .qname = "api.vendor.example" };
	struct pkt p;
	__u32 name_off;

	clear_rules();
	ASSERT(!add_name_rule(zero_mac, "api.vendor.example", 64, 0), "rule");
	add_name_rule(zero_mac, "vendor.example", 65, 0);

	d.flags = 0x0100;	/* a query, not a response */
	dns_response(&p, &d);
	EXPECT(untouched(&p), "queries are left alone");
	d.flags = 0x8183;	/* NXDOMAIN already */
	dns_response(&p, &d);
	EXPECT(untouched(&p), "error responses are left alone");
	d.flags = 0;
	d.qdcount = 2;
	dns_response(&p, &d);
	EXPECT(untouched(&p), "two questions: left alone");
	d.qdcount = 0;

	dns_response(&p, &d);
	name_off = p.l4_off + 8 + 12;
	p.data[name_off] = 64;	/* label length over 63 */
	fill_l4_checksum(&p);
	EXPECT(untouched(&p), "label over 63");
	dns_response(&p, &d);
	p.data[name_off + 4] = 0xc0;	/* "api" then a compression pointer */
	fill_l4_checksum(&p);
	EXPECT(untouched(&p), "compression pointer in the question");

	/* Cut inside the question: UDP length says so. */
	dns_response(&p, &d);
	p.len = name_off + 10;
	pkt_put16(p.data + p.l3_off + 2, p.len - p.l3_off);
	pkt_put16(p.data + p.l3_off + 10, 0);
	pkt_put16(p.data + p.l3_off + 10, pkt_ipv4_checksum(p.data + p.l3_off, 20));
	pkt_put16(p.data + p.l4_off + 4, p.len - p.l4_off);
	fill_l4_checksum(&p);
	EXPECT(untouched(&p), "question cut short");

	/* A name over 255 bytes in wire format. */
	{
		struct pkt q;
		__u8 hdr[12] = { 0xbe, 0xef, 0x81, 0x80, 0, 1 };
		__u8 label[64];
		struct frame_opts o = { .family = 4 };

		memset(label, 'a', sizeof(label));
		label[0] = 63;
		frame_start(&q, &o, gw_mac, dev_mac, gw4, dev4);
		pkt_udp(&q, 53, 40000);
		pkt_payload(&q, hdr, 12);
		for (int i = 0; i < 4; i++)
			pkt_payload(&q, label, 64);	/* 256 bytes of labels */
		pkt_payload(&q, "\x06vendor\x07" "example\0\0\1\0\1", 20);
		pkt_finish(&q);
		fill_l4_checksum(&q);
		EXPECT(untouched(&q), "name over 255 bytes");
	}
	EXPECT(hits(64).packets == 0 && hits(65).packets == 0, "no hits");
}

/* The TCP message at msg_off rewritten in place: same length, NXDOMAIN, an OPT record padding the rest. */
static void check_nxdomain_tcp(const struct pkt *in, __u32 msg_off, const __u8 *out, __u32 len)
{
	const __u8 *ip = out + in->l3_off, *th = out + in->l4_off, *dns = out + msg_off;
	const __u8 *idns = in->data + msg_off, *opt;
	__u32 qlen = 0, tcp_len = in->len - in->l4_off, rest, rdlen;

	while (idns[12 + qlen])
		qlen += idns[12 + qlen] + 1;
	qlen += 1 + 4;
	rest = in->len - msg_off - 12 - qlen;
	EXPECT(len == in->len, "same length: %u, want %u", len, in->len);
	EXPECT(!memcmp(out, in->data, in->l4_off + 16), "headers unchanged up to the TCP checksum");
	EXPECT(!memcmp(out + in->l4_off + 18, in->data + in->l4_off + 18, msg_off - in->l4_off - 18),
	       "rest of the TCP header and the length prefix unchanged");
	EXPECT(get16(dns) == 0xbeef, "ID kept");
	EXPECT(get16(dns + 2) == 0x8183, "flags QR RD RA, NXDOMAIN: %#x", get16(dns + 2));
	EXPECT(get16(dns + 4) == 1 && get16(dns + 6) == 0 && get16(dns + 8) == 0 &&
	       get16(dns + 10) == 1, "one question, no records but the OPT");
	EXPECT(!memcmp(dns + 12, idns + 12, qlen), "question intact");
	opt = dns + 12 + qlen;
	rdlen = rest - 11;
	EXPECT(opt[0] == 0 && get16(opt + 1) == 41, "an OPT record for the root");
	EXPECT(get16(opt + 9) == rdlen, "its data runs to the end: %u, want %u", get16(opt + 9), rdlen);
	EXPECT(get16(opt + 11) == 12 && get16(opt + 13) == rdlen - 4, "one padding option");
	for (__u32 i = 15; i < rest; i++)
		if (opt[i]) {
			EXPECT(0, "padding byte %u is %#x", i, opt[i]);
			break;
		}
	EXPECT(ref_ok(ref_add(ref_pseudo(ip, IPPROTO_TCP, tcp_len), th, tcp_len)),
	       "TCP checksum %#x valid", get16(th + 16));
}

struct dns_tcp_case {
	const char *what;
	int family;
	int vlans;
	bool split;		/* the prefix in a segment of its own */
	int prefix_extra;
	bool rewritten;		/* else dropped */
};

static const struct dns_tcp_case dns_tcp_cases[] = {
	{ "IPv4, prefix and message together", 4, 0, false, 0, true },
	{ "IPv6 with a VLAN tag", 6, 1, false, 0, true },
	{ "IPv4, the prefix in a segment of its own", 4, 0, true, 0, true },
	{ "IPv6 QinQ, the prefix in a segment of its own", 6, 2, true, 0, true },
	{ "IPv4, message continued in the next segment", 4, 0, false, 100, false },
	{ "IPv4, 1 byte after the question: too few for an OPT record", 4, 0, false, -26, false },
};

/* DNS over TCP: NXDOMAIN of the same length, or dropped where that cannot be done. */
TEST(dns_over_tcp_rewritten)
{
	for (size_t i = 0; i < sizeof(dns_tcp_cases) / sizeof(dns_tcp_cases[0]); i++) {
		const struct dns_tcp_case *c = &dns_tcp_cases[i];
		struct dns_opts d = { .family = c->family, .vlans = c->vlans, .tcp = true,
				      .qname = "api.vendor.example", .prefix_extra = c->prefix_extra };
		__u8 out[PKT_MAX_LEN + 512];
		__u32 len, ret, msg_off;
		struct pkt p;

		clear_rules();
		ASSERT(!add_name_rule(dev_mac, "vendor.example", 66, 0), "%s: rule", c->what);
		if (c->split) {
			d.tcp_part = 1;
			dns_response(&p, &d);
			EXPECT(untouched(&p), "%s: the prefix alone passes", c->what);
			d.tcp_part = 2;
		}
		dns_response(&p, &d);
		if (c->prefix_extra < 0) {	/* cut the message where the prefix says */
			p.len += c->prefix_extra;
			pkt_finish(&p);
			fill_l4_checksum(&p);
		}
		msg_off = p.l4_off + 20 + (c->split ? 0 : 2);
		ASSERT(run_tc(FIXTURE_TC_EGRESS, &p, out, &len, &ret) == 0, "%s: run", c->what);
		if (c->rewritten) {
			EXPECT(ret == TC_ACT_OK, "%s: passed (rewritten): %u", c->what, ret);
			check_nxdomain_tcp(&p, msg_off, out, len);
		} else {
			EXPECT(ret == TC_ACT_SHOT, "%s: dropped: %u", c->what, ret);
		}
		EXPECT(hits(66).packets == 1, "%s: one hit: %llu", c->what,
		       (unsigned long long)hits(66).packets);
	}
}

TEST(dns_first_fragment_dropped)
{
	struct dns_opts d = { .family = 4, .qname = "api.vendor.example" };
	__u8 out[PKT_MAX_LEN + 512];
	__u32 len, ret;
	struct pkt p;

	clear_rules();
	ASSERT(!add_name_rule(dev_mac, "vendor.example", 66, 0), "rule");
	dns_response(&p, &d);
	pkt_put16(p.data + p.l3_off + 6, PKT_IP_MF);	/* first fragment, more to come */
	pkt_put16(p.data + p.l3_off + 10, 0);
	pkt_put16(p.data + p.l3_off + 10, pkt_ipv4_checksum(p.data + p.l3_off, 20));
	ASSERT(run_tc(FIXTURE_TC_EGRESS, &p, out, &len, &ret) == 0, "run");
	EXPECT(ret == TC_ACT_SHOT, "first fragment dropped: %u", ret);
	EXPECT(hits(66).packets == 1, "hit");
}

/* ---- deep CNAME inspection ---------------------------------------------------- */

/*
 * A response to alias.other.example (question at message offset 12, its
 * "other.example" at 18) with the answer records given, compressed as a
 * resolver writes them.  TCP: prefix and message in one segment.
 */
static void chain_response(struct pkt *p, int family, bool tcp, const __u8 *answers,
			   __u32 alen, __u16 ancount)
{
	struct frame_opts o = { .family = family };
	__u8 hdr[12] = { 0xbe, 0xef, 0x81, 0x80, 0, 1 };
	__u8 tail[4] = { 0, family == 4 ? 1 : 28, 0, 1 };
	__u32 msg_off;

	pkt_put16(hdr + 6, ancount);
	frame_start(p, &o, gw_mac, dev_mac, family == 4 ? gw4 : gw6, family == 4 ? dev4 : dev6);
	if (tcp) {
		pkt_tcp(p, 53, 40000, 0);
		pkt_payload(p, "\0\0", 2);
	} else {
		pkt_udp(p, 53, 40000);
	}
	msg_off = p->len;
	pkt_payload(p, hdr, 12);
	put_name(p, "alias.other.example");
	pkt_payload(p, tail, 4);
	pkt_payload(p, answers, alen);
	if (tcp)
		pkt_put16(p->data + msg_off - 2, p->len - msg_off);
	pkt_finish(p);
	fill_l4_checksum(p);
}

/* alias.other.example CNAME cloud.vendor.example (at 37), which has A 203.0.113.10. */
static const __u8 one_hop[] = {
	0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 30, 0, 22,
	5, 'c', 'l', 'o', 'u', 'd', 6, 'v', 'e', 'n', 'd', 'o', 'r', 7, 'e', 'x', 'a', 'm', 'p', 'l',
	'e', 0,
	0xc0, 37, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 203, 0, 113, 10,
};

/*
 * alias.other.example CNAME mid.other.example ("mid" + a pointer to 18, at 37),
 * mid CNAME cloud.vendor.example (at 55), then cloud's A record.
 */
static const __u8 two_hops[] = {
	0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 30, 0, 6,
	3, 'm', 'i', 'd', 0xc0, 18,
	0xc0, 37, 0, 5, 0, 1, 0, 0, 0, 30, 0, 22,
	5, 'C', 'L', 'O', 'U', 'D', 6, 'v', 'e', 'n', 'd', 'o', 'r', 7, 'e', 'x', 'a', 'm', 'p', 'l',
	'e', 0,
	0xc0, 55, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 203, 0, 113, 10,
};

/* The chain deny_cname recorded for rule id and dev_mac, as "a -> b -> c"; "" if none. */
static void recorded_chain(__u32 id, char *out, size_t len, struct deny_cname_value *v)
{
	int fd = bpf_map__fd(fx.xdp->maps.deny_cname);
	struct deny_cname_key k, next;
	void *prev = NULL;

	out[0] = '\0';
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (k.rule_id != id || memcmp(k.device_mac, dev_mac, 6) ||
		    bpf_map_lookup_elem(fd, &k, v))
			continue;
		for (int n = 0; n <= v->hops && n < IOTRIM_CNAME_CHAIN_MAX; n++) {
			const __u8 *w = v->names[n];
			size_t used = strlen(out);

			snprintf(out + used, len - used, "%s", n ? " -> " : "");
			for (int i = 0; w[i] && i < IOTRIM_CNAME_NAME_LEN; i += w[i] + 1) {
				used = strlen(out);
				snprintf(out + used, len - used, "%s%.*s", i ? "." : "", w[i],
					 (const char *)w + i + 1);
			}
		}
		return;
	}
}

static void clear_chains(void)
{
	fixture_clear_hash(bpf_map__fd(fx.xdp->maps.deny_cname), sizeof(struct deny_cname_key));
}

TEST(cname_target_blocked)
{
	__u8 out[PKT_MAX_LEN + 512];
	struct deny_cname_value v;
	__u32 len, ret;
	char chain[512];
	struct pkt p;

	clear_rules();
	clear_chains();
	ASSERT(!add_name_rule(dev_mac, "cloud.vendor.example", 90, 0), "rule");
	for (int family = 4; family <= 6; family += 2) {
		chain_response(&p, family, false, one_hop, sizeof(one_hop), 2);
		ASSERT(run_tc(FIXTURE_TC_EGRESS, &p, out, &len, &ret) == 0, "run");
		EXPECT(ret == TC_ACT_OK, "IPv%d: passed (rewritten): %u", family, ret);
		check_nxdomain(&p, out, len, false);
	}
	EXPECT(hits(90).packets == 2, "two hits: %llu", (unsigned long long)hits(90).packets);
	recorded_chain(90, chain, sizeof(chain), &v);
	EXPECT(!strcmp(chain, "alias.other.example -> cloud.vendor.example"), "chain: %s", chain);
	EXPECT(v.hops == 1 && v.responses == 2, "hops %u, responses %u", v.hops, v.responses);
}

TEST(cname_two_hops_compressed_parent_rule_tcp)
{
	__u8 out[PKT_MAX_LEN + 512];
	struct deny_cname_value v;
	__u32 len, ret;
	char chain[512];
	struct pkt p;

	clear_rules();
	clear_chains();
	ASSERT(!add_name_rule(zero_mac, "vendor.example", 91, 0), "rule for all devices");
	chain_response(&p, 4, false, two_hops, sizeof(two_hops), 3);
	ASSERT(run_tc(FIXTURE_TC_EGRESS, &p, out, &len, &ret) == 0, "run");
	EXPECT(ret == TC_ACT_OK, "UDP: passed (rewritten): %u", ret);
	check_nxdomain(&p, out, len, false);
	chain_response(&p, 6, true, two_hops, sizeof(two_hops), 3);
	ASSERT(run_tc(FIXTURE_TC_EGRESS, &p, out, &len, &ret) == 0, "run");
	EXPECT(ret == TC_ACT_OK, "TCP: passed (rewritten): %u", ret);
	check_nxdomain_tcp(&p, p.l4_off + 22, out, len);
	recorded_chain(91, chain, sizeof(chain), &v);
	EXPECT(!strcmp(chain, "alias.other.example -> mid.other.example -> CLOUD.vendor.example"),
	       "chain: %s", chain);
	EXPECT(v.hops == 2, "hops %u", v.hops);
}

TEST(cname_chains_left_alone)
{
	__u8 bad[sizeof(one_hop)];
	struct pkt p;

	clear_rules();
	clear_chains();
	ASSERT(!add_name_rule(other_mac, "cloud.vendor.example", 92, 0), "another device's rule");
	ASSERT(!add_name_rule(dev_mac, "mid.vendor.example", 93, 0), "a name not in the chain");
	ASSERT(!add_name_rule(dev_mac, "loud.vendor.example", 94, 0), "a name not in the chain");
	chain_response(&p, 4, false, one_hop, sizeof(one_hop), 2);
	EXPECT(untouched(&p), "no rule for this device in the chain");
	chain_response(&p, 4, false, two_hops, sizeof(two_hops), 3);
	EXPECT(untouched(&p), "two hops, none blocked");

	ASSERT(!add_name_rule(dev_mac, "cloud.vendor.example", 95, 0), "rule");
	memcpy(bad, one_hop, sizeof(bad));
	bad[11] = 200;		/* rdlength past the message */
	chain_response(&p, 4, false, bad, sizeof(bad), 2);
	EXPECT(untouched(&p), "a record running past the message ends the walk");
	memcpy(bad, one_hop, sizeof(bad));
	bad[0] = 0xc0;
	bad[1] = 37;		/* owner: a pointer to itself */
	chain_response(&p, 4, false, bad, sizeof(bad), 2);
	EXPECT(untouched(&p), "a forward pointer ends the walk");
	{
		/* "cloud" and a pointer back to "cloud": a loop. */
		__u8 loop[] = { 0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 30, 0, 8,
				5, 'c', 'l', 'o', 'u', 'd', 0xc0, 37 };

		chain_response(&p, 4, false, loop, sizeof(loop), 1);
		EXPECT(untouched(&p), "a pointer loop ends the walk");
	}
	chain_response(&p, 4, false, one_hop, sizeof(one_hop), 0);
	EXPECT(untouched(&p), "ANCOUNT 0: no answer records looked at");
	EXPECT(hits(92).packets + hits(93).packets + hits(94).packets + hits(95).packets == 0,
	       "no hits");
}

TEST(tc_ingress_blocks_in_tc_mode)
{
	struct frame_opts o = { .family = 6 };
	__u8 out[PKT_MAX_LEN + 512];
	__u32 len, ret;
	struct pkt p;

	clear_rules();
	ASSERT(!add_ip_rule(dev_mac, 6, api6, 128, 70, IOTRIM_DENY_DROP, IPPROTO_TCP, 0, 0), "r");
	tcp_frame(&p, &o, 443, 0x02, 1, 0, 0);
	ASSERT(run_tc(FIXTURE_TC_INGRESS, &p, out, &len, &ret) == 0, "run");
	EXPECT(ret == TC_ACT_SHOT, "dropped: %u", ret);
	udp_frame(&p, &o, 443, 20);
	ASSERT(run_tc(FIXTURE_TC_INGRESS, &p, out, &len, &ret) == 0, "run");
	EXPECT(ret == 0, "UDP passes: %u", ret);
	EXPECT(hits(70).packets == 1, "hit");
}

int main(void)
{
	int err;

	inet_pton(AF_INET6, "2001:db8:1::21", dev6);
	inet_pton(AF_INET6, "2001:db8:1::1", gw6);
	inet_pton(AF_INET6, "2001:db8:100::10", api6);
	/* TC ingress is loaded only in --mode tc: the fixture loads it always. */
	err = fixture_open(&fx);
	if (err) {
		printf("1..0 # SKIP cannot load the programs: %s\n", strerror(-err));
		return 1;
	}
	deny_ip_fd = bpf_map__fd(fx.xdp->maps.deny_ip);
	deny_names_fd = bpf_map__fd(fx.xdp->maps.deny_names);
	deny_hits_fd = bpf_map__fd(fx.xdp->maps.deny_hits);
	deny_filter_fd = bpf_map__fd(fx.xdp->maps.deny_filter);

	RUN(no_rules_pass);
	RUN(drop_ipv4_address_per_device);
	RUN(drop_all_devices_and_prefixes);
	RUN(proto_port_scopes_and_shorter_prefixes);
	RUN(lease_checked_by_the_program);
	RUN(neighbour_discovery_exempt);
	RUN(reject_tcp_syn_ipv4);
	RUN(reject_tcp_syn_ipv6);
	RUN(reject_tcp_data_ipv4_vlan);
	RUN(reject_tcp_data_ipv6_qinq);
	RUN(reject_tcp_fin_no_ack_ipv4_options);
	RUN(reject_tcp_syn_ipv6_ext_header);
	RUN(reject_from_tc_on_veth);
	RUN(reject_udp_ipv4);
	RUN(reject_udp_ipv6);
	RUN(reject_udp_ipv4_vlan_odd_length);
	RUN(reject_udp_ipv6_qinq_long_quote_cut);
	RUN(reject_udp_ipv4_long_quote_cut);
	RUN(reject_ping_ipv4);
	RUN(reject_ping_ipv6_vlan);
	RUN(reject_never_answers_rst_icmp_error_or_group);
	RUN(unparsed_packets_meet_the_rules);
	RUN(fragments_after_a_blocked_first_one);
	RUN(reject_never_answers_a_group_source);
	RUN(nxdomain_ipv4);
	RUN(nxdomain_ipv6);
	RUN(nxdomain_subdomain_mixed_case_vlan);
	RUN(nxdomain_ipv6_qinq_all_devices);
	RUN(nxdomain_ipv4_no_udp_checksum);
	RUN(nxdomain_long_name);
	RUN(names_that_do_not_match);
	RUN(name_lease_checked_by_the_program);
	RUN(malformed_responses_left_alone);
	RUN(dns_over_tcp_rewritten);
	RUN(dns_first_fragment_dropped);
	RUN(cname_target_blocked);
	RUN(cname_two_hops_compressed_parent_rule_tcp);
	RUN(cname_chains_left_alone);
	RUN(tc_ingress_blocks_in_tc_mode);
	fixture_close(&fx);
	return harness_done();
}
