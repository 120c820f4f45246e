// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The exporters of `iotrim run`: see exporter.h. */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/parse.h"
#include "datapath/pin.h"
#include "datapath/table.h"
#include "exporter/exporter.h"
#include "iotrim_maps.h"

int exporter_address(const char *s, int socktype, struct sockaddr_storage *out, socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = socktype }, *res;
	unsigned long long port_number;
	char host[256], *port;
	const char *colon;
	size_t hlen;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		hlen = (size_t)(end - s - 1);
		colon = end + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
	}
	if (!hlen || hlen >= sizeof(host) || !parse_u64(colon + 1, 1, 65535, &port_number))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	port = (char *)colon + 1;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) || !res)
		return -ENOENT;
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void on_flow(void *ctx, const struct harvest_delta *d)
{
	struct exporters *x = ctx;

	if (x->metrics_on) {
		struct metrics_counts c = { d->packets_up, d->bytes_up, d->packets_down,
					    d->bytes_down };

		if (metrics_add(&x->m, d->device_mac, d->name[0] ? d->name : d->remote_ip,
				d->key.proto, d->key.remote_port, &c))
			x->metrics_add_errors++;
	}
	if (x->ipfix_on && ipfix_encoder_add(x->enc, d))
		x->ipfix_encode_errors++;
}

static void on_message(void *ctx, const uint8_t *msg, size_t len, unsigned records)
{
	ipfix_sender_push(ctx, msg, len, records);
}

static int open_ipfix(struct exporters *x, const struct exporter_opts *o)
{
	enum ipfix_transport t = o->ipfix_transport;
	struct sockaddr_storage addr;
	const uint8_t *tmpl;
	socklen_t alen;
	size_t tlen;
	int err;

	err = exporter_address(o->ipfix_collector, t == IPFIX_TCP ? SOCK_STREAM : SOCK_DGRAM,
			       &addr, &alen);
	if (err) {
		pr_error("IPFIX collector \"%s\": %s", o->ipfix_collector,
			 err == -EINVAL ? "takes HOST:PORT or [IPv6]:PORT" : "no such host");
		return err;
	}
	x->enc = ipfix_encoder_new(on_message, &x->tx, t == IPFIX_UDP);
	if (!x->enc)
		return -EIO;
	tmpl = ipfix_encoder_templates(x->enc, &tlen);
	err = ipfix_sender_start(&x->tx, t, (struct sockaddr *)&addr, alen, tmpl, tlen);
	if (err) {
		pr_error("IPFIX collector %s: %s", o->ipfix_collector, strerror(-err));
		ipfix_encoder_free(x->enc);
		x->enc = NULL;
		return err;
	}
	if (t == IPFIX_UDP)
		ipfix_sender_push(&x->tx, tmpl, tlen, 0);
	x->ipfix_on = true;
	return 0;
}

static int open_metrics(struct exporters *x, const struct exporter_opts *o, sqlite3 *db)
{
	struct sockaddr_storage addr;
	socklen_t alen;
	int err = exporter_address(o->metrics_listen, SOCK_STREAM, &addr, &alen);

	if (err) {
		pr_error("metrics address \"%s\": %s", o->metrics_listen,
			 err == -EINVAL ? "takes ADDR:PORT or [IPv6]:PORT" : "no such address");
		return err;
	}
	metrics_init(&x->m, o->metrics_top);
	if ((err = metrics_seed(&x->m, db))) {
		pr_error("metrics: cannot read the history's totals: %s", strerror(-err));
		metrics_free(&x->m);
		return err;
	}
	if ((err = metrics_server_start(&x->http, (struct sockaddr *)&addr))) {
		pr_error("metrics: cannot listen on %s: %s", o->metrics_listen, strerror(-err));
		metrics_free(&x->m);
		return err;
	}
	x->metrics_on = true;
	return 0;
}

int exporters_open(struct exporters *x, const struct exporter_opts *o, sqlite3 *db)
{
	int err = 0;

	memset(x, 0, sizeof(*x));
	x->counters_fd = x->devices_fd = x->names_fd = x->flows_fd = -1;
	x->sink = (struct harvest_sink){ .ctx = x, .flow = on_flow };
	if (o->ipfix_collector && (err = open_ipfix(x, o)))
		return err;
	if (o->metrics_listen) {
		if ((err = open_metrics(x, o, db))) {
			exporters_close(x);
			return err;
		}
		x->counters_fd = open_pinned_map(MAP_NAME(MAP_COUNTERS));
		x->devices_fd = open_pinned_map(MAP_NAME(MAP_DEVICE_SLOTS));	/* one entry a device */
		x->names_fd = open_pinned_map(MAP_NAME(MAP_NAMES));
		x->flows_fd = open_pinned_map(MAP_NAME(MAP_FLOWS));
	}
	return 0;
}

const struct harvest_sink *exporters_sink(struct exporters *x)
{
	return x->metrics_on || x->ipfix_on ? &x->sink : NULL;
}

static void gauge(FILE *out, const char *name, const char *help, double v)
{
	prom_family(out, name, "gauge", help);
	fprintf(out, "%s %.17g\n", name, v);
}

static void counter(FILE *out, const char *name, const char *help, uint64_t v)
{
	prom_family(out, name, "counter", help);
	fprintf(out, "%s %" PRIu64 "\n", name, v);
}

/* flows: the flow table's entries as the harvest read them (it just walked the table). */
static void map_metrics(FILE *out, const struct exporters *x, size_t flows)
{
	struct { const char *name; int fd; } maps[] = {
		{ "flows", x->flows_fd },
		{ "devices", x->devices_fd },
		{ "names", x->names_fd },
	};

	prom_family(out, "iotrim_map_entries", "gauge", "Entries in a pinned BPF map.");
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (maps[i].fd >= 0)
			fprintf(out, "iotrim_map_entries{map=\"%s\"} %zu\n", maps[i].name,
				i == 0 ? flows : map_fill(maps[i].fd));
	prom_family(out, "iotrim_map_capacity", "gauge", "max_entries of a pinned BPF map.");
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (maps[i].fd >= 0)
			fprintf(out, "iotrim_map_capacity{map=\"%s\"} %u\n", maps[i].name,
				map_capacity(maps[i].fd));
}

static void kernel_metrics(FILE *out, const struct exporters *x)
{
	uint64_t c[IOTRIM_COUNTER__COUNT];

	if (x->counters_fd < 0 || read_counters(x->counters_fd, c))
		return;
	prom_family(out, "iotrim_kernel_packets_total", "counter",
		    "Packets the programs did not count as a flow, by reason (errors, ring buffer full, ...).");
	for (unsigned i = 0; i < IOTRIM_COUNTER__COUNT; i++)
		fprintf(out, "iotrim_kernel_packets_total{reason=\"%s\"} %" PRIu64 "\n",
			counter_name(i), c[i]);
}

static void attrib_metrics(FILE *out, const struct attrib_stats *st)
{
	const char *names[ATTRIB_STATS_FIELDS];
	uint64_t values[ATTRIB_STATS_FIELDS];

	if (!st)
		return;
	attrib_stats_list(st, names, values);
	prom_family(out, "iotrim_attrib_total", "counter",
		    "DNS and TLS events of this controller run, by kind.");
	for (int i = 0; i < ATTRIB_STATS_FIELDS; i++)
		fprintf(out, "iotrim_attrib_total{kind=\"%s\"} %" PRIu64 "\n", names[i], values[i]);
}

static void ipfix_metrics(FILE *out, struct exporters *x)
{
	struct ipfix_stats s;

	if (!x->ipfix_on)
		return;
	ipfix_sender_stats(&x->tx, &s);
	prom_family(out, "iotrim_ipfix_records_total", "counter",
		    "IPFIX data records: sent to the collector, or dropped (queue full, send error, stop).");
	fprintf(out, "iotrim_ipfix_records_total{result=\"sent\"} %" PRIu64 "\n", s.records_sent);
	fprintf(out, "iotrim_ipfix_records_total{result=\"dropped\"} %" PRIu64 "\n",
		s.records_dropped);
	prom_family(out, "iotrim_ipfix_messages_total", "counter", "IPFIX messages, by result.");
	fprintf(out, "iotrim_ipfix_messages_total{result=\"sent\"} %" PRIu64 "\n", s.messages_sent);
	fprintf(out, "iotrim_ipfix_messages_total{result=\"dropped\"} %" PRIu64 "\n",
		s.messages_dropped);
	counter(out, "iotrim_ipfix_encode_errors_total", "Flows libfixbuf could not encode.",
		x->ipfix_encode_errors);
	counter(out, "iotrim_ipfix_connects_total", "TCP connections made to the collector.",
		s.connects);
	counter(out, "iotrim_ipfix_connect_failures_total",
		"TCP connections to the collector that failed or broke.", s.connect_failures);
	gauge(out, "iotrim_ipfix_queue_bytes", "IPFIX bytes waiting for the collector.",
	      (double)s.queued_bytes);
	gauge(out, "iotrim_ipfix_connected", "1 while the collector is reachable (TCP) or UDP.",
	      s.connected);
}

/* The whole exposition, published to the HTTP thread. */
static void publish(struct exporters *x, size_t flows, const struct attrib_stats *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return;
	metrics_write(out, &x->m);
	map_metrics(out, x, flows);
	kernel_metrics(out, x);
	attrib_metrics(out, st);
	counter(out, "iotrim_harvests_total", "Harvests committed by this controller run.",
		x->harvests);
	counter(out, "iotrim_harvest_failures_total", "Harvests that failed (rolled back).",
		x->harvest_failures);
	gauge(out, "iotrim_last_harvest_timestamp_seconds",
	      "Unix time of the last committed harvest.", x->last_harvest_unix);
	gauge(out, "iotrim_last_harvest_duration_seconds", "Wall time the last harvest took.",
	      x->last_harvest_ms / 1e3);
	ipfix_metrics(out, x);
	counter(out, "iotrim_metrics_scrapes_total", "Answered scrapes of /metrics.",
		metrics_server_scrapes(&x->http));
	counter(out, "iotrim_metrics_add_errors_total",
		"Deltas the counters above could not take in full (out of memory).",
		x->metrics_add_errors);
	if (fclose(out)) {
		free(text);
		return;
	}
	metrics_server_publish(&x->http, text, len);
}

void exporters_harvested(struct exporters *x, int err, const struct harvest_result *r,
			 const struct attrib_stats *st)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (x->ipfix_on) {
		struct ipfix_stats s;
		int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;

		/* The table was read at the harvest's start; a failed harvest's growth
		 * comes with the next one, so its window stays. */
		if (!err)
			x->ipfix_window_ms = now_ms - (int64_t)r->ms;
		ipfix_encoder_flush(x->enc, x->ipfix_window_ms);
		ipfix_sender_stats(&x->tx, &s);
		/* A collector outage is said once per harvest, not once per message. */
		if (s.records_dropped > x->ipfix_dropped_said) {
			warn("IPFIX: %" PRIu64 " records dropped (collector down or too slow), %" PRIu64
			     " in all", s.records_dropped - x->ipfix_dropped_said, s.records_dropped);
			x->ipfix_dropped_said = s.records_dropped;
		}
	}
	if (err) {
		x->harvest_failures++;
	} else {
		x->harvests++;
		x->last_harvest_unix = (double)now.tv_sec + now.tv_nsec / 1e9;
		x->last_harvest_ms = r->ms;
	}
	if (x->metrics_on)
		publish(x, err || x->flows_fd < 0 ? map_fill(x->flows_fd) : r->flows, st);
}

void exporters_close(struct exporters *x)
{
	int *fds[] = { &x->counters_fd, &x->devices_fd, &x->names_fd, &x->flows_fd };

	if (x->metrics_on) {
		metrics_server_stop(&x->http);
		metrics_free(&x->m);
	}
	if (x->ipfix_on) {
		struct ipfix_stats s;

		ipfix_sender_stop(&x->tx, 2.0, &s);
		if (s.records_dropped)
			notice("IPFIX: %" PRIu64 " records sent, %" PRIu64 " dropped", s.records_sent,
			       s.records_dropped);
	}
	if (x->enc)
		ipfix_encoder_free(x->enc);
	for (size_t i = 0; i < 4; i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	x->metrics_on = x->ipfix_on = false;
	x->enc = NULL;
}
