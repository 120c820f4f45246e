// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim devices`: per-device totals, exact even when flows were evicted. */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "cli/commands.h"
#include "common/fmt.h"
#include "common/json.h"
#include "datapath/payload.h"
#include "datapath/table.h"
#include "report/json_views.h"

struct devices_opts {
	bool json, payload;
};

static int run_devices(const void *opts, int argc, char **argv)
{
	const struct devices_opts *o = opts;
	bool json = o->json, payload = o->payload;
	struct snapshot snap;
	struct json j;
	int err;

	(void)argc, (void)argv;
	if ((err = snapshot_take(&snap)))
		return datapath_exit(err);

	if (json) {
		json_init(&j, stdout);
		json_array_begin(&j, NULL);
	} else {
		printf("%-17s  %-25s  %5s  %9s  %12s  %9s  %12s  %-14s  %s\n", "DEVICE", "LAST IP",
		       "FLOWS", "PKTS UP", "BYTES UP", "PKTS DOWN", "BYTES DOWN",
		       PAYLOAD_SHARES_HEADER, "LAST SEEN");
	}
	for (size_t i = 0; i < snap.devices.len; i++) {
		const struct device_entry *d = &snap.devices.items[i];
		char mac[MAC_STRLEN], ip[INET6_ADDRSTRLEN], first[TIME_STRLEN], last[TIME_STRLEN];
		char shares[PAYLOAD_SHARES_STRLEN];

		format_mac(d->key.mac, mac);
		format_ip(d->value.last_family, d->value.last_ip, ip);
		format_wall_time(boot_ns_to_wall_ns(d->value.first_seen_ns), first);
		format_wall_time(boot_ns_to_wall_ns(d->value.last_seen_ns), last);
		if (!json) {
			format_payload_shares(&d->value.payload_up, &d->value.payload_down, shares);
			printf("%-17s  %-25s  %5zu  %9llu  %12llu  %9llu  %12llu  %-14s  %s\n", mac,
			       ip, d->flows, (unsigned long long)d->value.up.packets,
			       (unsigned long long)d->value.up.bytes,
			       (unsigned long long)d->value.down.packets,
			       (unsigned long long)d->value.down.bytes, shares, last);
			if (payload) {
				print_payload_header(stdout, "    payload ");
				print_payload_row(stdout, "    payload ", "up", &d->value.payload_up);
				print_payload_row(stdout, "    payload ", "down",
						  &d->value.payload_down);
			}
			continue;
		}
		json_device_entry(&j, d, NULL, 0);
	}
	if (json) {
		json_array_end(&j);
		json_finish(&j);
	}
	snapshot_free(&snap);
	return EXIT_OK;
}

const struct command devices_command = {
	.name = "devices",
	.summary = "per-device totals",
	.doc = "One row per LAN device (by MAC) with its latest address, number of listed\n"
	       "flows and exact packet and layer-3 byte totals in each direction.\n"
	       "ENC/UNENC/UNK% splits the device's sampled payload bytes (all its flows,\n"
	       "evicted ones too) into encrypted, unencrypted and unknown (see iotrim flows).\n",
	.params = (const struct param[]){
		{ .name = "payload", PARAM_FLAG(struct devices_opts, payload),
		  .help = "below each device, its sampled payload bytes per direction by class: "
			  "encrypted, text, compressed, media, unknown, ignored" },
		{ .name = "json", PARAM_FLAG(struct devices_opts, json),
		  .help = "an array of objects: device_mac, device_ip, flows, bytes_up, "
			  "bytes_down, packets_up, packets_down, unattributed_bytes_up, "
			  "unattributed_bytes_down, first_seen, last_seen, payload_up, payload_down "
			  "(sampled, encrypted, text, compressed, media, unknown, ignored bytes), "
			  "payload_shares (encrypted, unencrypted, unknown fractions, or null)" },
		{ NULL },
	},
	.opts_size = sizeof(struct devices_opts),
	.run = run_devices,
};
