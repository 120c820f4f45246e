/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The exporters of `iotrim run`: Prometheus /metrics and IPFIX.  They take
 * each harvest's deltas through the harvest sink (history/history.h) and,
 * after the harvest, the controller's own state: map fill, the kernel's
 * counters, attribution counts, the harvest time.  Nothing here blocks the
 * harvest: the HTTP server and the IPFIX sender run in threads of their
 * own and get finished texts and messages.
 */
#ifndef IOTRIM_EXPORTER_H
#define IOTRIM_EXPORTER_H

#include <sqlite3.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "attrib/names.h"
#include "exporter/http.h"
#include "exporter/ipfix.h"
#include "exporter/ipfix_send.h"
#include "exporter/metrics.h"
#include "history/history.h"

struct exporter_opts {
	const char *metrics_listen;	/* ADDR:PORT, NULL: no /metrics */
	unsigned metrics_top;		/* destination series per device */
	const char *ipfix_collector;	/* HOST:PORT, NULL: no IPFIX */
	enum ipfix_transport ipfix_transport;
};

struct exporters {
	bool metrics_on, ipfix_on;
	struct metrics m;
	struct metrics_server http;
	struct ipfix_encoder *enc;
	struct ipfix_sender tx;
	uint64_t ipfix_encode_errors, ipfix_dropped_said, metrics_add_errors;
	int64_t ipfix_window_ms;	/* when the last good harvest read the table */
	struct harvest_sink sink;
	int counters_fd, devices_fd, names_fd, flows_fd;
	uint64_t harvests, harvest_failures;
	double last_harvest_unix, last_harvest_ms;
};

/*
 * HOST:PORT or [IPv6]:PORT (HOST a name or an address) to a socket
 * address for socktype; 0, -EINVAL (malformed) or -ENOENT (no address).
 */
int exporter_address(const char *s, int socktype, struct sockaddr_storage *out, socklen_t *len);

/* Starts what o asks for; 0 or -errno after printing why.  db seeds the counters. */
int exporters_open(struct exporters *x, const struct exporter_opts *o, sqlite3 *db);
/* The sink for history_harvest_map_to; NULL when nothing is exported. */
const struct harvest_sink *exporters_sink(struct exporters *x);
/* After each harvest (err: what it returned). */
void exporters_harvested(struct exporters *x, int err, const struct harvest_result *r,
			 const struct attrib_stats *st);
/* Stops the threads; IPFIX gets a moment to send what is queued. */
void exporters_close(struct exporters *x);

#endif
