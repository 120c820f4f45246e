// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The Prometheus text exposition format (version 0.0.4) of the counters in metrics.h. */
#include <inttypes.h>

#include "common/proto.h"
#include "exporter/metrics.h"

void prom_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			fputs("\\\\", out);
		else if (c == '"')
			fputs("\\\"", out);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c >= 0x7f)
			fputc('?', out);
		else
			fputc(c, out);
	}
}

/* Which counter of struct metrics_counts a family shows. */
enum counts_field { PACKETS, BYTES };

static uint64_t counts_get(const struct metrics_counts *c, enum counts_field f, int down)
{
	if (f == PACKETS)
		return down ? c->packets_down : c->packets_up;
	return down ? c->bytes_down : c->bytes_up;
}

static const char *const direction[2] = { "up", "down" };

static void device_family(FILE *out, const struct metrics *m, enum counts_field f)
{
	const char *name = f == PACKETS ? "iotrim_device_packets_total" : "iotrim_device_bytes_total";

	prom_family(out, name, "counter",
		    f == PACKETS ? "Packets of a LAN device, by direction (up: device to remote)."
				 : "Layer-3 bytes of a LAN device, by direction (up: device to remote).");
	for (size_t i = 0; i < m->ndevices; i++)
		for (int down = 0; down < 2; down++)
			fprintf(out, "%s{device=\"%s\",direction=\"%s\"} %" PRIu64 "\n", name,
				m->devices[i].mac, direction[down],
				counts_get(&m->devices[i].total, f, down));
}

static void dest_family(FILE *out, const struct metrics *m, enum counts_field f)
{
	const char *name = f == PACKETS ? "iotrim_destination_packets_total"
					: "iotrim_destination_bytes_total";

	prom_family(out, name, "counter",
		    f == PACKETS ? "Packets of a device with one destination (name or address, protocol, "
				   "port); other=\"true\": the device's destinations beyond the top N."
				 : "Layer-3 bytes of a device with one destination (name or address, protocol, "
				   "port); other=\"true\": the device's destinations beyond the top N.");
	for (size_t i = 0; i < m->ndevices; i++) {
		const struct metrics_device *d = &m->devices[i];

		for (size_t j = 0; j < d->ndests; j++) {
			char proto[PROTO_STRLEN];

			format_proto(d->dests[j].proto, proto);
			for (int down = 0; down < 2; down++) {
				fprintf(out, "%s{device=\"%s\",destination=\"", name, d->mac);
				prom_label_value(out, d->dests[j].name);
				fprintf(out, "\",proto=\"%s\",port=\"%u\",direction=\"%s\"} %" PRIu64 "\n",
					proto, d->dests[j].port, direction[down],
					counts_get(&d->dests[j].c, f, down));
			}
		}
		for (int down = 0; down < 2; down++)
			fprintf(out, "%s{device=\"%s\",other=\"true\",direction=\"%s\"} %" PRIu64 "\n",
				name, d->mac, direction[down], counts_get(&d->other, f, down));
	}
}

void metrics_write(FILE *out, const struct metrics *m)
{
	device_family(out, m, BYTES);
	device_family(out, m, PACKETS);
	dest_family(out, m, BYTES);
	dest_family(out, m, PACKETS);
}
