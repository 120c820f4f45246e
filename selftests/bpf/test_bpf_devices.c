// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Devices by slot (bpf/device.h, user/datapath/devices.c) through
 * BPF_PROG_TEST_RUN: a flow remembers its device's slot and counts there;
 * a device the controller takes out (aging) leaves its totals exactly
 * once, and its flow's next packet counts in a fresh slot; a CPU that
 * loses the race to publish a device gives its claimed slot back; a full
 * table is counted, the flow still counts.
 */
#include <stdlib.h>
#include <string.h>

#include "bpf_fixture.h"
#include "harness.h"
#include "packet.h"

static const __u8 GW_MAC[6] = { 2, 0, 0, 0, 0, 0x01 };
static const __u8 DEV_MAC[6] = { 2, 0, 0, 0, 0, 0x21 };

static struct bpf_fixture fx;
static struct pkt p;

/* 100 bytes of UDP/IPv4 from DEV_MAC to 203.0.113.10:443; false if the run failed. */
static bool upload(void)
{
	struct pkt_ipv4 ip = { .saddr = (const __u8[4]){ 192, 0, 2, 21 },
			       .daddr = (const __u8[4]){ 203, 0, 113, 10 } };
	__u32 len, retval;

	pkt_init(&p);
	pkt_eth(&p, GW_MAC, DEV_MAC);
	pkt_ipv4(&p, &ip);
	pkt_udp(&p, 40000, 443);
	pkt_payload(&p, NULL, 100 - 42);
	len = pkt_finish(&p);
	return fixture_run(&fx, FIXTURE_XDP, p.data, len, &retval) == 0 && retval == XDP_PASS;
}

static bool the_flow(struct flow_value *v)
{
	struct flow_key k = { .family = IOTRIM_FAMILY_IPV4, .proto = IPPROTO_UDP,
			      .remote_port = 443 };

	memcpy(k.device_mac, DEV_MAC, 6);
	memcpy(k.device_ip, (const __u8[4]){ 192, 0, 2, 21 }, 4);
	memcpy(k.remote_ip, (const __u8[4]){ 203, 0, 113, 10 }, 4);
	return fixture_lookup_flow(&fx, &k, v) == 0;
}

static __u64 counter(int which)
{
	__u64 c[IOTRIM_COUNTER__COUNT];

	return fixture_read_counters(&fx, c) ? ~0ULL : c[which];
}

TEST(a_flow_counts_in_its_devices_slot)
{
	struct device_value dv;
	struct flow_value fv;
	const struct device_owner *o;

	ASSERT(fixture_clear(&fx) == 0, "clear");
	ASSERT(upload() && upload(), "runs");
	ASSERT(the_flow(&fv), "flow");
	ASSERT(fv.device_slot < IOTRIM_MAX_DEVICES, "slot %u", fv.device_slot);
	o = &fx.devices.owner[fv.device_slot];
	EXPECT(o->state == fv.device_state && IOTRIM_SLOT_PHASE(o->state) == IOTRIM_SLOT_USED &&
	       !memcmp(o->mac, DEV_MAC, 6), "the flow remembers its owner: %llu vs %u",
	       (unsigned long long)o->state, fv.device_state);
	ASSERT(fixture_lookup_device(&fx, DEV_MAC, &dv) == 0, "device");
	EXPECT(dv.up.packets == 2 && dv.up.bytes == 2 * 86 && dv.first_seen_ns,
	       "device %llu packets %llu bytes", (unsigned long long)dv.up.packets,
	       (unsigned long long)dv.up.bytes);
}

TEST(a_taken_device_counts_once_then_starts_afresh)
{
	struct device_table t = { 0 };
	struct device_value dv;
	struct flow_value before, after;
	bool taken = false;

	ASSERT(fixture_clear(&fx) == 0, "clear");
	ASSERT(upload() && upload() && the_flow(&before), "runs");
	ASSERT(read_device_slots(&fx.devices, &t) == 0 && t.len == 1, "one device to take");
	ASSERT(take_devices(&fx.devices, t.items, 1, &taken) == 0 && taken, "taken");
	EXPECT(t.items[0].value.up.packets == 2, "its totals: %llu packets",
	       (unsigned long long)t.items[0].value.up.packets);
	EXPECT(fixture_device_count(&fx) == 0 &&
	       fixture_lookup_device(&fx, DEV_MAC, &dv) == -ENOENT, "gone from the table");
	EXPECT(fx.devices.owner[before.device_slot].state == IOTRIM_SLOT_NEXT_FREE(before.device_state),
	       "its slot is free, next generation");

	ASSERT(upload() && the_flow(&after), "the flow's next packet");
	EXPECT(after.up.packets == 3, "the flow counts on: %llu", (unsigned long long)after.up.packets);
	EXPECT(after.device_state != before.device_state, "in a fresh slot (state %u, was %u)",
	       after.device_state, before.device_state);
	ASSERT(fixture_lookup_device(&fx, DEV_MAC, &dv) == 0, "back in the table");
	EXPECT(dv.up.packets == 1 && dv.first_seen_ns,
	       "only the packet after: %llu (the 2 before were taken)",
	       (unsigned long long)dv.up.packets);
	device_table_free(&t);
}

/*
 * The MAC is published in a slot being drained: the claim publishes
 * nothing, the claimed slot goes back (free, next generation, no MAC) and
 * the packet has no device, counted; its flow counts all the same.
 */
TEST(a_lost_publish_gives_the_slot_back)
{
	struct device_key k = { 0 };
	struct device_owner *drained = &fx.devices.owner[7];
	struct flow_value fv;
	__u32 slot = 7, used = 0;

	ASSERT(fixture_clear(&fx) == 0, "clear");
	memcpy(k.mac, DEV_MAC, 6);
	drained->state = IOTRIM_SLOT_DRAINING;
	memcpy(drained->mac, DEV_MAC, 6);
	ASSERT(bpf_map_update_elem(fx.devices.slots, &k, &slot, BPF_NOEXIST) == 0, "publish");
	ASSERT(upload(), "run");
	EXPECT(counter(IOTRIM_DEVICE_TABLE_FULL) == 1, "counted as no device");
	ASSERT(the_flow(&fv) && fv.up.packets == 1, "the flow counts");
	for (__u32 s = 0; s < IOTRIM_MAX_DEVICES; s++)
		if (s != slot && fx.devices.owner[s].state)
			used = s;
	ASSERT(used, "one slot was claimed");
	EXPECT(fx.devices.owner[used].state == IOTRIM_SLOT_NEXT_FREE(0) &&
	       !fx.devices.owner[used].mac[0] && !fx.devices.owner[used].mac[5],
	       "and given back: state %llu", (unsigned long long)fx.devices.owner[used].state);
}

TEST(a_full_table_is_counted)
{
	struct flow_value fv;

	ASSERT(fixture_clear(&fx) == 0, "clear");
	for (__u32 s = 0; s < IOTRIM_MAX_DEVICES; s++)
		fx.devices.owner[s].state = IOTRIM_SLOT_USED;
	ASSERT(upload(), "run");
	EXPECT(counter(IOTRIM_DEVICE_TABLE_FULL) == 1 && fixture_device_count(&fx) == 0,
	       "no slot, counted");
	EXPECT(the_flow(&fv) && fv.up.packets == 1, "the flow counts");
}

int main(void)
{
	fixture_open_or_exit(&fx);
	RUN(a_flow_counts_in_its_devices_slot);
	RUN(a_taken_device_counts_once_then_starts_afresh);
	RUN(a_lost_publish_gives_the_slot_back);
	RUN(a_full_table_is_counted);
	fixture_clear(&fx);
	fixture_close(&fx);
	return harness_done();
}
