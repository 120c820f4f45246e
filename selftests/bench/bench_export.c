// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the exporters cost a harvest: 65,536 changed flows (16 devices)
 * harvested into two databases, one without exporters and one with
 * Prometheus (--metrics-top 20) and IPFIX over UDP, alternately, median of
 * the rounds; then the time to render and publish /metrics after the
 * harvest, its size, and the peak RSS.
 *
 *	build/selftests/bench/bench_export [ROUNDS]
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "common/clock.h"
#include "exporter/exporter.h"
#include "history/db.h"
#include "history/history.h"

#define FLOWS 65536
#define MAX_ROUNDS 15

static void fill(struct flow_table *t, unsigned round)
{
	for (size_t i = 0; i < t->len; i++) {
		struct flow_entry *e = &t->items[i];

		memset(e, 0, sizeof(*e));
		memcpy(e->key.device_mac, (__u8[]){ 2, 0, 0, 0, (i >> 12) & 0xff, 0x21 }, 6);
		e->key.family = IOTRIM_FAMILY_IPV4;
		e->key.proto = i & 1 ? IPPROTO_TCP : IPPROTO_UDP;
		e->key.remote_port = 443 + (i & 7);
		memcpy(e->key.device_ip, (__u8[]){ 192, 0, 2, 21 }, 4);
		memcpy(e->key.remote_ip, (__u8[]){ 10, i >> 16, i >> 8, i }, 4);
		e->value.up.packets = 10 + round;
		e->value.up.bytes = 1000 + i + 100 * round;
		e->value.down.packets = 20 + round;
		e->value.down.bytes = 20000 + i + 1500 * round;
		e->value.first_seen_ns = 1000 + i;
		e->value.last_seen_ns = 2000 + i + round;
	}
}

/* The exporters' sink, timed: how much of the harvest is their work on the deltas. */
struct timed_sink {
	const struct harvest_sink *inner;
	double s;
};

static void timed_flow(void *ctx, const struct harvest_delta *d)
{
	struct timed_sink *t = ctx;
	double t0 = clock_mono_s();

	t->inner->flow(t->inner->ctx, d);
	t->s += clock_mono_s() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 5;
	char dir[] = "/tmp/iotrim-bench-export-XXXXXX", path[300], listen[32], collector[32];
	struct sockaddr_in sink = { .sin_family = AF_INET };
	socklen_t sink_len = sizeof(sink);
	int sink_fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct flow_table t = { .len = FLOWS };
	double plain[MAX_ROUNDS], with[MAX_ROUNDS], publish[MAX_ROUNDS], in_sink[MAX_ROUNDS];
	struct timed_sink timed;
	struct harvest_sink sink_timed = { .ctx = &timed, .flow = timed_flow };
	struct harvest_result r;
	struct exporters ex;
	struct exporter_opts o = {
		.metrics_top = METRICS_DEFAULT_TOP,
		.ipfix_transport = IPFIX_UDP,
	};
	struct rusage ru;
	sqlite3 *a, *b;

	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 5;
	t.items = calloc(t.len, sizeof(*t.items));
	if (!t.items || !mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/plain.db", dir);
	if (db_open(path, &a))
		return 1;
	snprintf(path, sizeof(path), "%s/export.db", dir);
	if (db_open(path, &b))
		return 1;
	/* A collector that never reads: the kernel drops what overflows its buffer. */
	sink.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sink_fd < 0 || bind(sink_fd, (struct sockaddr *)&sink, sizeof(sink)) ||
	    getsockname(sink_fd, (struct sockaddr *)&sink, &sink_len))
		return 1;
	snprintf(collector, sizeof(collector), "127.0.0.1:%u", ntohs(sink.sin_port));
	o.ipfix_collector = collector;
	/* A port of its own: several benchmarks may run at once. */
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", 20000 + getpid() % 20000);
	o.metrics_listen = listen;
	if (exporters_open(&ex, &o, b))
		return 1;
	timed.inner = exporters_sink(&ex);
	/* Round 0 makes every flow known; the measured rounds change them all. */
	fill(&t, 0);
	history_harvest(a, &t, &r);
	history_harvest_to(b, &t, exporters_sink(&ex), &r);
	exporters_harvested(&ex, 0, &r, NULL);
	for (unsigned i = 0; i < rounds; i++) {
		double t0;

		fill(&t, i + 1);
		history_harvest(a, &t, &r);
		plain[i] = r.ms;
		timed.s = 0;
		history_harvest_to(b, &t, &sink_timed, &r);
		with[i] = r.ms;
		in_sink[i] = timed.s * 1e3;
		t0 = clock_mono_s();
		exporters_harvested(&ex, 0, &r, NULL);
		publish[i] = (clock_mono_s() - t0) * 1e3;
	}
	printf("harvest of %d changed flows, 16 devices, median of %u: %.0f ms without exporters, "
	       "%.0f ms with Prometheus and IPFIX (%.2fx)\n", FLOWS, rounds, median(plain, rounds),
	       median(with, rounds), median(with, rounds) / median(plain, rounds));
	printf("of which the exporters' work on the deltas (counters, IPFIX encoding and queueing): %.0f ms\n",
	       median(in_sink, rounds));
	printf("after the harvest: /metrics rendered and published in %.2f ms (%zu bytes)\n",
	       median(publish, rounds), ex.http.len);
	exporters_close(&ex);
	close(sink_fd);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS: %.1f MiB\n", ru.ru_maxrss / 1024.0);
	db_close(a);
	db_close(b);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	free(t.items);
	return system(path) ? 1 : 0;
}
