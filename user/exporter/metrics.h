/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus counters per device and per destination, with a bound on the
 * label sets (README "Prometheus"): each device has at most `top`
 * destination series; bytes of its other destinations go to one "other"
 * series.  A destination keeps its series once it has one, so every series
 * only grows (a counter that moved from "other" to its own series would
 * make "other" go down).  At start the counters are the history's totals
 * (metrics_seed), the largest destinations first; each harvest adds its
 * deltas.  Used by the harvest thread only; the text goes to the HTTP
 * thread as a finished copy (exporter/http.h).
 */
#ifndef IOTRIM_EXPORTER_METRICS_H
#define IOTRIM_EXPORTER_METRICS_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "common/fmt.h"

#define METRICS_DEFAULT_TOP 20
#define METRICS_MAX_TOP 1000

struct metrics_counts {
	uint64_t packets_up, bytes_up, packets_down, bytes_down;
};

struct metrics_dest {
	char *name;		/* DNS name(s), or the address when there is none */
	uint8_t proto;
	uint16_t port;
	struct metrics_counts c;
};

struct metrics_device {
	char mac[MAC_STRLEN];
	struct metrics_counts total, other;
	struct metrics_dest *dests;	/* at most top */
	size_t ndests;
};

struct metrics {
	unsigned top;
	struct metrics_device *devices;
	size_t ndevices, cap;
};

void metrics_init(struct metrics *m, unsigned top);
void metrics_free(struct metrics *m);
/* Adds c to mac's totals and to its destination (dest, proto, port) or "other"; 0 or -ENOMEM. */
int metrics_add(struct metrics *m, const char *mac, const char *dest, uint8_t proto,
		uint16_t port, const struct metrics_counts *c);
/* The history's totals (flow_history) as starting values; 0 or -errno. */
int metrics_seed(struct metrics *m, sqlite3 *db);

/* A metric family: "# HELP" and "# TYPE" lines. */
void prom_family(FILE *out, const char *name, const char *type, const char *help);
/* A label value as the exposition format wants it: \\, \" and \n escaped;
 * bytes that are not printable ASCII become '?' (names come from devices). */
void prom_label_value(FILE *out, const char *s);
/* The per-device and per-destination families. */
void metrics_write(FILE *out, const struct metrics *m);

#endif
