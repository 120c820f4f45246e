// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim flows`: the per device-destination counters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "cli/commands.h"
#include "common/fmt.h"
#include "common/proto.h"
#include "common/json.h"
#include "datapath/payload.h"
#include "datapath/table.h"

enum sort_key { SORT_BYTES, SORT_PACKETS, SORT_LAST };
static enum sort_key sort_by;	/* for compare_flows() */

static int compare_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int compare_flows(const void *pa, const void *pb)
{
	const struct flow_entry *a = pa, *b = pb;
	int c;

	switch (sort_by) {
	case SORT_PACKETS:
		c = compare_u64_desc(a->value.up.packets + a->value.down.packets,
				     b->value.up.packets + b->value.down.packets);
		break;
	case SORT_LAST:
		c = compare_u64_desc(a->value.last_seen_ns, b->value.last_seen_ns);
		break;
	default:
		c = compare_u64_desc(a->value.up.bytes + a->value.down.bytes,
				     b->value.up.bytes + b->value.down.bytes);
	}
	/* Ties in key order, so output is stable between runs. */
	return c ? c : memcmp(&a->key, &b->key, sizeof(a->key));
}

struct flow_text {
	char mac[MAC_STRLEN];
	char device_ip[INET6_ADDRSTRLEN];
	char remote_ip[INET6_ADDRSTRLEN];
	char proto[PROTO_STRLEN];
	char first[TIME_STRLEN];
	char last[TIME_STRLEN];
};

static void flow_to_text(const struct flow_entry *f, struct flow_text *t)
{
	format_mac(f->key.device_mac, t->mac);
	format_ip(f->key.family, f->key.device_ip, t->device_ip);
	format_ip(f->key.family, f->key.remote_ip, t->remote_ip);
	format_proto(f->key.proto, t->proto);
	format_wall_time(boot_ns_to_wall_ns(f->value.first_seen_ns), t->first);
	format_wall_time(boot_ns_to_wall_ns(f->value.last_seen_ns), t->last);
}

static void print_json(const struct flow_table *flows, const uint8_t *only)
{
	struct json j;

	json_init(&j, stdout);
	json_array_begin(&j, NULL);
	for (size_t i = 0; i < flows->len; i++) {
		const struct flow_entry *f = &flows->items[i];
		struct flow_text t;

		if (only && memcmp(only, f->key.device_mac, 6))
			continue;
		flow_to_text(f, &t);
		json_object_begin(&j, NULL);
		json_string(&j, "device_mac", t.mac);
		json_string(&j, "device_ip", t.device_ip);
		json_string(&j, "remote_ip", t.remote_ip);
		json_string(&j, "proto", t.proto);
		json_u64(&j, "remote_port", f->key.remote_port);
		json_u64(&j, "bytes_up", f->value.up.bytes);
		json_u64(&j, "bytes_down", f->value.down.bytes);
		json_u64(&j, "packets_up", f->value.up.packets);
		json_u64(&j, "packets_down", f->value.down.packets);
		json_string(&j, "first_seen", t.first);
		json_string(&j, "last_seen", t.last);
		json_payload_counter(&j, "payload_up", &f->value.payload_up);
		json_payload_counter(&j, "payload_down", &f->value.payload_down);
		json_payload_shares(&j, "payload_shares", &f->value.payload_up,
				    &f->value.payload_down);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_finish(&j);
}

static void print_text(const struct flow_table *flows, const struct device_table *devices,
		       const uint8_t *only, bool payload)
{
	size_t shown = 0;

	printf("%-17s  %-25s  %-25s  %-6s  %5s  %9s  %12s  %9s  %12s  %-14s  %s\n", "DEVICE",
	       "DEVICE IP", "REMOTE IP", "PROTO", "PORT", "PKTS UP", "BYTES UP", "PKTS DOWN",
	       "BYTES DOWN", PAYLOAD_SHARES_HEADER, "LAST SEEN");
	for (size_t i = 0; i < flows->len; i++) {
		const struct flow_entry *f = &flows->items[i];
		char shares[PAYLOAD_SHARES_STRLEN];
		struct flow_text t;

		if (only && memcmp(only, f->key.device_mac, 6))
			continue;
		flow_to_text(f, &t);
		format_payload_shares(&f->value.payload_up, &f->value.payload_down, shares);
		printf("%-17s  %-25s  %-25s  %-6s  %5u  %9llu  %12llu  %9llu  %12llu  %-14s  %s\n",
		       t.mac, t.device_ip, t.remote_ip, t.proto, f->key.remote_port,
		       (unsigned long long)f->value.up.packets,
		       (unsigned long long)f->value.up.bytes,
		       (unsigned long long)f->value.down.packets,
		       (unsigned long long)f->value.down.bytes, shares, t.last);
		if (payload) {
			print_payload_header(stdout, "    payload ");
			print_payload_row(stdout, "    payload ", "up", &f->value.payload_up);
			print_payload_row(stdout, "    payload ", "down", &f->value.payload_down);
		}
		shown++;
	}
	printf("%zu flow%s\n", shown, shown == 1 ? "" : "s");
	for (size_t d = 0; d < devices->len; d++) {
		const struct device_entry *dev = &devices->items[d];
		uint64_t up = dev->value.up.bytes > dev->listed_up.bytes ?
				      dev->value.up.bytes - dev->listed_up.bytes : 0;
		uint64_t down = dev->value.down.bytes > dev->listed_down.bytes ?
					dev->value.down.bytes - dev->listed_down.bytes : 0;
		char mac[MAC_STRLEN];

		if ((only && memcmp(only, dev->key.mac, 6)) || (!up && !down))
			continue;
		format_mac(dev->key.mac, mac);
		printf("%s: %llu bytes up and %llu bytes down not attributed to a listed flow (evicted from the full flow table)\n",
		       mac, (unsigned long long)up, (unsigned long long)down);
	}
}

struct flows_opts {
	struct param_mac device;
	int sort;			/* enum sort_key */
	bool json, payload;
};

static int run_flows(const void *opts, int argc, char **argv)
{
	const struct flows_opts *o = opts;
	const uint8_t *only = o->device.set ? o->device.addr : NULL;
	struct snapshot snap;
	int err;

	(void)argc, (void)argv;
	if ((err = snapshot_take(&snap)))
		return datapath_exit(err);
	sort_by = o->sort;
	flows_print(&snap, only, o->json, o->payload);
	snapshot_free(&snap);
	return EXIT_OK;
}

void flows_print(struct snapshot *snap, const uint8_t *only, bool json, bool payload)
{
	qsort(snap->flows.items, snap->flows.len, sizeof(*snap->flows.items), compare_flows);
	if (json)
		print_json(&snap->flows, only);
	else
		print_text(&snap->flows, &snap->devices, only, payload);
}

static const struct param_word sort_words[] = {
	{ "bytes", SORT_BYTES },
	{ "packets", SORT_PACKETS },
	{ "last", SORT_LAST },
	{ NULL },
};

const struct command flows_command = {
	.name = "flows",
	.summary = "per device-destination counters",
	.doc = "One row per (device MAC, device IP, remote IP, protocol, remote port) with\n"
	       "packets and layer-3 bytes in each direction (up = device -> remote).\n"
	       "Flows evicted from the full flow table still count in the device totals;\n"
	       "the difference is reported below the table as not attributed.\n"
	       "\n"
	       "ENC/UNENC/UNK% is how the flow's sampled payload bytes (both directions)\n"
	       "split into encrypted, unencrypted (text, compressed, media) and unknown,\n"
	       "classified in the kernel by protocol headers, magic numbers and byte\n"
	       "entropy (\"-\": nothing sampled yet; see `iotrim set` for the sampling).\n",
	.params = (const struct param[]){
		{ .name = "device", PARAM_MAC(struct flows_opts, device), .help = "only this device" },
		{ .name = "sort", PARAM_ENUM(struct flows_opts, sort, sort_words), .arg = "KEY",
		  .help = "bytes (default, both directions), packets or last (seen)" },
		{ .name = "payload", PARAM_FLAG(struct flows_opts, payload),
		  .help = "below each flow, the sampled payload bytes per direction by class: "
			  "encrypted, text, compressed, media, unknown, ignored (payloads under "
			  "4 bytes, and unknown ones under 20)" },
		{ .name = "json", PARAM_FLAG(struct flows_opts, json),
		  .help = "an array of objects: device_mac, device_ip, remote_ip, proto, "
			  "remote_port, bytes_up, bytes_down, packets_up, packets_down, first_seen, "
			  "last_seen (RFC 3339 UTC), payload_up and payload_down (objects of "
			  "payload bytes: sampled, encrypted, text, compressed, media, unknown, "
			  "ignored; sampled is the sum of the others), payload_shares (encrypted, "
			  "unencrypted, unknown: fractions of the classified bytes, or null)" },
		{ NULL },
	},
	.opts_size = sizeof(struct flows_opts),
	.run = run_flows,
};
