// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The exporters without a network: the harvest sink hands out exactly the
 * deltas the history adds; the Prometheus text (families, escaping of
 * device-supplied names, the top-N + "other" bound, counters that never go
 * down, starting values from the history); IPFIX messages (size bound,
 * records per direction); the IPFIX sender's bounded queue, which drops and
 * counts instead of blocking; address parsing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fixbuf/public.h>

#include "common/clock.h"
#include "exporter/exporter.h"
#include "exporter/ipfix.h"
#include "exporter/ipfix_send.h"
#include "exporter/metrics.h"
#include "harness.h"
#include "history/db.h"
#include "history/history.h"

static char tmpdir[] = "/tmp/iotrim-exporter-test-XXXXXX";

static void flow(struct flow_entry *e, uint8_t dev, uint8_t remote, uint16_t port,
		 uint64_t up, uint64_t down, uint64_t first_seen)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->key.device_mac, (uint8_t[]){ 2, 0, 0, 0, 0, dev }, 6);
	e->key.family = IOTRIM_FAMILY_IPV4;
	e->key.proto = IPPROTO_TCP;
	e->key.remote_port = port;
	memcpy(e->key.device_ip, (uint8_t[]){ 192, 0, 2, dev }, 4);
	memcpy(e->key.remote_ip, (uint8_t[]){ 203, 0, 113, remote }, 4);
	e->value.up.packets = up / 100;
	e->value.up.bytes = up;
	e->value.down.packets = down / 100;
	e->value.down.bytes = down;
	e->value.payload_up.sampled = up / 2;
	e->value.payload_up.encrypted = up / 2;
	e->value.first_seen_ns = first_seen;
	e->value.last_seen_ns = first_seen + 1000;
}

/* A text rendered into memory. */
static char *render(void (*fn)(FILE *, const void *), const void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	fn(out, arg);
	fclose(out);
	return text;
}

static void write_label(FILE *out, const void *s)
{
	prom_label_value(out, s);
}

static void write_metrics(FILE *out, const void *m)
{
	metrics_write(out, m);
}

TEST(label_values_are_escaped)
{
	char *t = render(write_label, "a\\b\"c\nd\te\x01\xc3\xa9} x=\"y\"");

	EXPECT(!strcmp(t, "a\\\\b\\\"c\\nd?e???} x=\\\"y\\\""), "escaped: [%s]", t);
	free(t);
}

static struct metrics_counts counts(uint64_t up, uint64_t down)
{
	return (struct metrics_counts){ up / 100, up, down / 100, down };
}

TEST(top_n_then_other_and_never_down)
{
	struct metrics m;
	struct metrics_counts c;
	const char *mac = "02:00:00:00:00:21";

	metrics_init(&m, 2);
	c = counts(100, 1000);
	ASSERT(metrics_add(&m, mac, "a.example", 6, 443, &c) == 0, "add a");
	c = counts(200, 0);
	ASSERT(metrics_add(&m, mac, "b.example", 17, 123, &c) == 0, "add b");
	/* Beyond the bound: "other", even when bigger than those with a series. */
	c = counts(5000, 5000);
	ASSERT(metrics_add(&m, mac, "c.example", 6, 443, &c) == 0, "add c");
	c = counts(100, 100);
	ASSERT(metrics_add(&m, mac, "a.example", 6, 443, &c) == 0, "add a again");
	/* Same name, other port: another destination. */
	c = counts(100, 0);
	ASSERT(metrics_add(&m, mac, "a.example", 6, 80, &c) == 0, "add a:80");
	ASSERT(m.ndevices == 1, "one device (%zu)", m.ndevices);
	EXPECT(m.devices[0].ndests == 2, "two series (%zu)", m.devices[0].ndests);
	EXPECT(m.devices[0].dests[0].c.bytes_up == 200 && m.devices[0].dests[0].c.bytes_down == 1100,
	       "a: %llu/%llu", (unsigned long long)m.devices[0].dests[0].c.bytes_up,
	       (unsigned long long)m.devices[0].dests[0].c.bytes_down);
	EXPECT(m.devices[0].other.bytes_up == 5100 && m.devices[0].other.bytes_down == 5000,
	       "other: %llu/%llu", (unsigned long long)m.devices[0].other.bytes_up,
	       (unsigned long long)m.devices[0].other.bytes_down);
	EXPECT(m.devices[0].total.bytes_up == 5500 && m.devices[0].total.bytes_down == 6100,
	       "total: %llu/%llu", (unsigned long long)m.devices[0].total.bytes_up,
	       (unsigned long long)m.devices[0].total.bytes_down);
	metrics_free(&m);
}

TEST(devices_found_in_any_order)
{
	static const char *const macs[] = { "02:00:00:00:00:23", "02:00:00:00:00:21",
					    "02:00:00:00:00:25", "02:00:00:00:00:22",
					    "02:00:00:00:00:21", "02:00:00:00:00:24",
					    "02:00:00:00:00:23" };
	struct metrics_counts c = counts(100, 0);
	struct metrics m;

	metrics_init(&m, 1);
	for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++)
		ASSERT(metrics_add(&m, macs[i], "x.example", 6, 443, &c) == 0, "add %zu", i);
	ASSERT(m.ndevices == 5, "five devices (%zu)", m.ndevices);
	for (size_t i = 0; i < m.ndevices; i++) {
		uint64_t want = i == 0 || i == 2 ? 200 : 100;	/* :21 and :23 twice */

		EXPECT(m.devices[i].mac[16] == (char)('1' + i), "sorted: %s at %zu", m.devices[i].mac, i);
		EXPECT(m.devices[i].total.bytes_up == want && m.devices[i].dests[0].c.bytes_up == want,
		       "%s: %llu", m.devices[i].mac, (unsigned long long)m.devices[i].total.bytes_up);
	}
	metrics_free(&m);
}

TEST(exposition_text_exact)
{
	static const char want[] =
		"# HELP iotrim_device_bytes_total Layer-3 bytes of a LAN device, by direction (up: device to remote).\n"
		"# TYPE iotrim_device_bytes_total counter\n"
		"iotrim_device_bytes_total{device=\"02:00:00:00:00:21\",direction=\"up\"} 300\n"
		"iotrim_device_bytes_total{device=\"02:00:00:00:00:21\",direction=\"down\"} 700\n";
	static const char dest_bytes[] =
		"# TYPE iotrim_destination_bytes_total counter\n"
		"iotrim_destination_bytes_total{device=\"02:00:00:00:00:21\",destination=\"x\\\"y\",proto=\"tcp\",port=\"443\",direction=\"up\"} 100\n"
		"iotrim_destination_bytes_total{device=\"02:00:00:00:00:21\",destination=\"x\\\"y\",proto=\"tcp\",port=\"443\",direction=\"down\"} 700\n"
		"iotrim_destination_bytes_total{device=\"02:00:00:00:00:21\",other=\"true\",direction=\"up\"} 200\n"
		"iotrim_destination_bytes_total{device=\"02:00:00:00:00:21\",other=\"true\",direction=\"down\"} 0\n"
		"# HELP iotrim_destination_packets_total";
	struct metrics m;
	struct metrics_counts c;
	char *t;

	metrics_init(&m, 1);
	c = counts(100, 700);
	metrics_add(&m, "02:00:00:00:00:21", "x\"y", 6, 443, &c);
	c = counts(200, 0);
	metrics_add(&m, "02:00:00:00:00:21", "203.0.113.9", 17, 53, &c);
	t = render(write_metrics, &m);
	EXPECT(!strncmp(t, want, strlen(want)), "device family:\n%s", t);
	EXPECT(strstr(t, dest_bytes) != NULL, "destination family with other:\n%s", t);
	EXPECT(strstr(t, "iotrim_device_packets_total{device=\"02:00:00:00:00:21\",direction=\"up\"} 3\n"),
	       "packets:\n%s", t);
	free(t);
	metrics_free(&m);
}

/* What a sink saw. */
struct seen {
	int n;
	uint64_t up, down, payload;
	char name[64];
};

static void on_delta(void *ctx, const struct harvest_delta *d)
{
	struct seen *s = ctx;

	s->n++;
	s->up += d->bytes_up;
	s->down += d->bytes_down;
	s->payload += d->payload.encrypted;
	snprintf(s->name, sizeof(s->name), "%s", d->name);
}

TEST(sink_gets_each_committed_delta_once)
{
	struct flow_entry e[2];
	struct flow_table ft = { .items = e, .len = 2 };
	struct seen s = { 0 };
	struct harvest_sink sink = { .ctx = &s, .flow = on_delta };
	struct harvest_result r;
	char path[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/sink.db", tmpdir);
	ASSERT(db_open(path, &db) == 0, "db");
	flow(&e[0], 0x21, 10, 443, 1000, 5000, 111);
	flow(&e[1], 0x21, 11, 8883, 300, 200, 222);
	ASSERT(history_harvest_to(db, &ft, &sink, &r) == 0, "harvest 1");
	EXPECT(s.n == 2 && s.up == 1300 && s.down == 5200 && s.payload == 650,
	       "first: %d deltas, %llu/%llu, payload %llu", s.n, (unsigned long long)s.up,
	       (unsigned long long)s.down, (unsigned long long)s.payload);
	memset(&s, 0, sizeof(s));
	ASSERT(history_harvest_to(db, &ft, &sink, &r) == 0, "harvest 2");
	EXPECT(s.n == 0, "unchanged flows give no delta (%d)", s.n);
	flow(&e[0], 0x21, 10, 443, 1500, 5000, 111);
	ASSERT(history_harvest_to(db, &ft, &sink, &r) == 0, "harvest 3");
	EXPECT(s.n == 1 && s.up == 500 && s.down == 0 && s.payload == 250,
	       "growth only: %d, %llu/%llu, payload %llu", s.n, (unsigned long long)s.up,
	       (unsigned long long)s.down, (unsigned long long)s.payload);
	db_close(db);
}

TEST(seed_from_history_takes_the_largest)
{
	struct flow_entry e[4];
	struct flow_table ft = { .items = e, .len = 4 };
	struct harvest_result r;
	struct metrics m;
	char path[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/seed.db", tmpdir);
	ASSERT(db_open(path, &db) == 0, "db");
	flow(&e[0], 0x21, 10, 443, 1000, 1000, 111);
	flow(&e[1], 0x21, 11, 443, 3000, 3000, 222);
	flow(&e[2], 0x21, 12, 443, 100, 100, 333);
	flow(&e[3], 0x22, 10, 443, 50, 50, 444);
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest");
	metrics_init(&m, 1);
	ASSERT(metrics_seed(&m, db) == 0, "seed");
	ASSERT(m.ndevices == 2, "two devices (%zu)", m.ndevices);
	EXPECT(m.devices[0].ndests == 1 && !strcmp(m.devices[0].dests[0].name, "203.0.113.11"),
	       "largest first: %s", m.devices[0].dests[0].name);
	EXPECT(m.devices[0].other.bytes_up == 1100 && m.devices[0].total.bytes_up == 4100,
	       "other %llu, total %llu", (unsigned long long)m.devices[0].other.bytes_up,
	       (unsigned long long)m.devices[0].total.bytes_up);
	EXPECT(m.devices[1].total.bytes_down == 50, "second device");
	metrics_free(&m);
	db_close(db);
}

struct msgs {
	int n;
	unsigned records;
	size_t max_len;
	bool bad_header;
};

static void on_msg(void *ctx, const uint8_t *msg, size_t len, unsigned records)
{
	struct msgs *m = ctx;
	uint16_t version, length;

	memcpy(&version, msg, 2);
	memcpy(&length, msg + 2, 2);
	if (ntohs(version) != 10 || ntohs(length) != len)
		m->bad_header = true;
	m->n++;
	m->records += records;
	if (len > m->max_len)
		m->max_len = len;
}

TEST(ipfix_messages_bounded_records_per_direction)
{
	struct msgs got = { 0 };
	struct ipfix_encoder *e = ipfix_encoder_new(on_msg, &got, false);
	struct harvest_delta d = { 0 };
	const uint8_t *tmpl;
	size_t tlen;

	ASSERT(e, "encoder");
	tmpl = ipfix_encoder_templates(e, &tlen);
	EXPECT(tlen > 16 && tmpl[0] == 0 && tmpl[1] == 10, "templates message (%zu bytes)", tlen);
	d.key.family = IOTRIM_FAMILY_IPV4;
	d.key.proto = IPPROTO_TCP;
	d.key.remote_port = 443;
	d.name = "api.vendor.example";
	for (int i = 0; i < 500; i++) {
		d.packets_up = 1;
		d.bytes_up = 100;
		d.packets_down = i % 2;	/* half the flows grew both ways */
		d.bytes_down = 100 * (i % 2);
		d.key.family = i % 3 ? IOTRIM_FAMILY_IPV4 : IOTRIM_FAMILY_IPV6;
		EXPECT(ipfix_encoder_add(e, &d) == 0, "add %d", i);
	}
	ipfix_encoder_flush(e, 0);
	EXPECT(got.records == 750, "one record per direction that grew (%u)", got.records);
	EXPECT(got.n > 10 && got.max_len <= IPFIX_MSG_MAX, "%d messages, largest %zu bytes", got.n,
	       got.max_len);
	EXPECT(!got.bad_header, "every message has version 10 and its own length");
	ipfix_encoder_free(e);
}

/* A byte stream of messages, as a TCP collector would read it. */
struct stream {
	uint8_t *buf;
	size_t len;
};

static void on_stream_msg(void *ctx, const uint8_t *msg, size_t len, unsigned records)
{
	struct stream *st = ctx;

	(void)records;
	st->buf = realloc(st->buf, st->len + len);
	memcpy(st->buf + st->len, msg, len);
	st->len += len;
}

/* libfixbuf as the collector: the stream's records, summed by direction. */
static int decode(const struct stream *st, uint64_t octets[2], uint64_t packets[2])
{
	static fbInfoElementSpec_t spec[] = {
		{ "octetDeltaCount", 8, 0 },
		{ "packetDeltaCount", 8, 0 },
		{ "flowDirection", 1, 0 },
		{ "paddingOctets", 7, 0 },
		FB_IESPEC_NULL
	};
	struct { uint64_t octets, packets; uint8_t direction, pad[7]; } rec;
	fbInfoModel_t *model = fbInfoModelAlloc();
	fbSession_t *session = fbSessionAlloc(model);
	fbTemplate_t *t = fbTemplateAlloc(model);
	FILE *fp = fmemopen(st->buf, st->len, "r");
	GError *err = NULL;
	fBuf_t *fbuf;
	int n = 0;

	if (!fp || !fbTemplateAppendSpecArray(t, spec, 0, &err) ||
	    !fbSessionAddTemplate(session, TRUE, 999, t, &err))
		return -1;
	fbuf = fBufAllocForCollection(session, fbCollectorAllocFP(NULL, fp));
	if (!fBufSetInternalTemplate(fbuf, 999, &err))
		return -1;
	for (;;) {
		size_t len = sizeof(rec);

		if (!fBufNext(fbuf, (uint8_t *)&rec, &len, &err))
			break;
		octets[rec.direction & 1] += rec.octets;
		packets[rec.direction & 1] += rec.packets;
		n++;
	}
	if (!g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOF))
		n = -1;
	g_clear_error(&err);
	fBufFree(fbuf);
	fbInfoModelFree(model);
	fclose(fp);
	return n;
}

/*
 * Round trip through libfixbuf's collector: harvests of 0 to 300 flows, both
 * families, names up to the longest a row holds, over TCP (templates once,
 * at the start) and UDP (before each harvest): every record, every byte.
 */
TEST(ipfix_round_trip_every_record)
{
	static char name[FLOW_NAMES_MAX];

	for (int udp = 0; udp < 2; udp++) {
		struct stream st = { 0 };
		struct ipfix_encoder *e = ipfix_encoder_new(on_stream_msg, &st, udp);
		uint64_t want_o[2] = { 0 }, want_p[2] = { 0 }, got_o[2] = { 0 }, got_p[2] = { 0 };
		unsigned records = 0;
		const uint8_t *tmpl;
		size_t tlen;
		int n;

		ASSERT(e, "encoder");
		if (!udp) {
			tmpl = ipfix_encoder_templates(e, &tlen);
			on_stream_msg(&st, tmpl, tlen, 0);
		}
		srand(7 + udp);
		for (int h = 0; h < 40; h++) {
			int flows = rand() % 301;

			for (int i = 0; i < flows; i++) {
				struct harvest_delta d = { 0 };
				size_t nlen = (size_t)(rand() % 4 == 0 ? rand() % (FLOW_NAMES_MAX - 1) : rand() % 30);

				memset(name, 'a' + i % 26, nlen);
				name[nlen] = '\0';
				d.name = name;
				d.key.family = rand() % 2 ? IOTRIM_FAMILY_IPV4 : IOTRIM_FAMILY_IPV6;
				d.key.proto = IPPROTO_UDP;
				d.packets_up = (uint64_t)(rand() % 3);
				d.bytes_up = d.packets_up * 100;
				d.packets_down = (uint64_t)(rand() % 3);
				d.bytes_down = d.packets_down * 1000 + 1;
				records += (d.packets_up > 0) + (d.packets_down > 0);
				want_o[0] += d.bytes_up;
				want_p[0] += d.packets_up;
				want_o[1] += d.packets_down ? d.bytes_down : 0;
				want_p[1] += d.packets_down;
				EXPECT(ipfix_encoder_add(e, &d) == 0, "add");
			}
			ipfix_encoder_flush(e, 0);
		}
		n = decode(&st, got_o, got_p);
		EXPECT(n == (int)records, "%s: %d records decoded of %u", udp ? "udp" : "tcp", n, records);
		EXPECT(got_o[0] == want_o[0] && got_p[0] == want_p[0] && got_o[1] == want_o[1] &&
		       got_p[1] == want_p[1], "%s: up %llu/%llu of %llu/%llu, down %llu/%llu of %llu/%llu",
		       udp ? "udp" : "tcp", (unsigned long long)got_o[0], (unsigned long long)got_p[0],
		       (unsigned long long)want_o[0], (unsigned long long)want_p[0],
		       (unsigned long long)got_o[1], (unsigned long long)got_p[1],
		       (unsigned long long)want_o[1], (unsigned long long)want_p[1]);
		ipfix_encoder_free(e);
		free(st.buf);
	}
}

/* flowStartMilliseconds and flowEndMilliseconds of the first record of a data message. */
struct first_times {
	uint64_t start, end;
	int got;
};

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void on_data_msg(void *ctx, const uint8_t *msg, size_t len, unsigned records)
{
	struct first_times *t = ctx;

	/* Message header 16 bytes, set header 4, then the record: start, end first. */
	if (!records || len < 36)
		return;
	t->start = be64(msg + 20);
	t->end = be64(msg + 28);
	t->got++;
}

TEST(ipfix_flow_start_is_the_previous_read)
{
	struct first_times t = { 0 };
	struct ipfix_encoder *e = ipfix_encoder_new(on_data_msg, &t, false);
	struct harvest_delta d = { .name = "", .packets_up = 1, .bytes_up = 60, .first_ms = 5000,
				   .last_ms = 5000 };

	ASSERT(e, "encoder");
	d.key.family = IOTRIM_FAMILY_IPV4;
	/* The first harvest of a run: no earlier read known. */
	ipfix_encoder_add(e, &d);
	ipfix_encoder_flush(e, 1000);
	EXPECT(t.got == 1 && t.start == 5000 && t.end == 5000, "first: %llu..%llu",
	       (unsigned long long)t.start, (unsigned long long)t.end);
	/* A flow that went on: from the last read. */
	ipfix_encoder_add(e, &d);
	ipfix_encoder_flush(e, 4000);
	EXPECT(t.got == 2 && t.start == 1000 && t.end == 5000, "went on: %llu..%llu",
	       (unsigned long long)t.start, (unsigned long long)t.end);
	/* A new counter: its first packet. */
	d.restarted = true;
	d.first_ms = 4500;
	ipfix_encoder_add(e, &d);
	ipfix_encoder_flush(e, 6000);
	EXPECT(t.got == 3 && t.start == 4500, "new: %llu", (unsigned long long)t.start);
	/* A read stamped after the last packet (another clock): never a start after the end. */
	d.restarted = false;
	d.first_ms = 5000;
	ipfix_encoder_add(e, &d);
	ipfix_encoder_flush(e, 0);
	EXPECT(t.got == 4 && t.start == 5000, "clamped: %llu", (unsigned long long)t.start);
	ipfix_encoder_free(e);
}

/* UDP: the templates again before each harvest's records, no message twice. */
TEST(ipfix_templates_each_harvest)
{
	struct msgs got = { 0 };
	struct ipfix_encoder *e = ipfix_encoder_new(on_msg, &got, true);
	struct harvest_delta d = { .name = "", .packets_up = 2, .bytes_up = 120 };

	ASSERT(e, "encoder");
	d.key.family = IOTRIM_FAMILY_IPV4;
	for (int harvest = 0; harvest < 3; harvest++) {
		EXPECT(ipfix_encoder_add(e, &d) == 0, "add");
		ipfix_encoder_flush(e, 0);
	}
	ipfix_encoder_flush(e, 0);	/* an empty harvest sends nothing */
	EXPECT(got.n == 6 && got.records == 3, "%d messages, %u records", got.n, got.records);
	ipfix_encoder_free(e);
}

TEST(ipfix_sender_drops_and_counts_instead_of_blocking)
{
	struct sockaddr_in closed = { .sin_family = AF_INET, .sin_port = htons(9) };
	static uint8_t msg[IPFIX_MSG_MAX];
	struct ipfix_sender s;
	struct ipfix_stats st;
	unsigned n = (IPFIX_QUEUE_MAX / sizeof(msg)) + 100;
	double t0;

	closed.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT(ipfix_sender_start(&s, IPFIX_TCP, (struct sockaddr *)&closed, sizeof(closed), msg,
				  16) == 0, "sender");
	t0 = clock_mono_s();
	for (unsigned i = 0; i < n; i++)
		ipfix_sender_push(&s, msg, sizeof(msg), 10);
	EXPECT(clock_mono_s() - t0 < 1.0, "pushing %u messages took %.3f s", n, clock_mono_s() - t0);
	ipfix_sender_stats(&s, &st);
	EXPECT(st.queued_bytes <= IPFIX_QUEUE_MAX, "queue bounded (%zu)", st.queued_bytes);
	EXPECT(st.records_dropped >= 1000, "over the bound dropped (%llu)",
	       (unsigned long long)st.records_dropped);
	t0 = clock_mono_s();
	ipfix_sender_stop(&s, 0.5, &st);
	EXPECT(clock_mono_s() - t0 < 2.0, "stop with a dead collector took %.3f s", clock_mono_s() - t0);
	EXPECT(st.records_dropped == (uint64_t)n * 10 && st.records_sent == 0,
	       "all counted dropped: %llu of %u", (unsigned long long)st.records_dropped, n * 10);
	EXPECT(st.connect_failures >= 1 && !st.connected, "connection refused counted");
}

TEST(ipfix_sender_udp_delivers)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	uint8_t msg[100] = { 0, 10 }, got[200];
	struct ipfix_sender s;
	struct ipfix_stats st;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = { .tv_sec = 2 };
	ssize_t n;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	       getsockname(fd, (struct sockaddr *)&a, &alen) == 0, "receiver");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ASSERT(ipfix_sender_start(&s, IPFIX_UDP, (struct sockaddr *)&a, alen, msg, 16) == 0, "sender");
	ipfix_sender_push(&s, msg, sizeof(msg), 3);
	n = recv(fd, got, sizeof(got), 0);
	EXPECT(n == (ssize_t)sizeof(msg) && !memcmp(got, msg, sizeof(msg)), "one datagram (%zd)", n);
	ipfix_sender_stop(&s, 1.0, &st);
	EXPECT(st.records_sent == 3 && st.messages_sent == 1, "sent %llu",
	       (unsigned long long)st.records_sent);
	close(fd);
}

TEST(addresses_parse)
{
	static const char *const bad[] = {
		"", "127.0.0.1", "127.0.0.1:", ":9669", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:9x", "::1:9669", "[::1]9669", "[::1]:", "[]:9669", "1.2.3.4:+1",
	};
	struct sockaddr_storage ss;
	socklen_t len;

	EXPECT(exporter_address("127.0.0.1:9669", SOCK_STREAM, &ss, &len) == 0 &&
	       ss.ss_family == AF_INET && ntohs(((struct sockaddr_in *)&ss)->sin_port) == 9669, "v4");
	EXPECT(exporter_address("[::1]:4739", SOCK_DGRAM, &ss, &len) == 0 &&
	       ss.ss_family == AF_INET6, "v6");
	EXPECT(exporter_address("localhost:4739", SOCK_DGRAM, &ss, &len) == 0, "a name");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT(exporter_address(bad[i], SOCK_STREAM, &ss, &len) == -EINVAL, "'%s' accepted",
		       bad[i]);
	EXPECT(exporter_address("no-such-host.invalid:1", SOCK_STREAM, &ss, &len) == -ENOENT,
	       "unknown name");
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	RUN(label_values_are_escaped);
	RUN(top_n_then_other_and_never_down);
	RUN(devices_found_in_any_order);
	RUN(exposition_text_exact);
	RUN(sink_gets_each_committed_delta_once);
	RUN(seed_from_history_takes_the_largest);
	RUN(ipfix_messages_bounded_records_per_direction);
	RUN(ipfix_templates_each_harvest);
	RUN(ipfix_round_trip_every_record);
	RUN(ipfix_flow_start_is_the_previous_read);
	RUN(ipfix_sender_drops_and_counts_instead_of_blocking);
	RUN(ipfix_sender_udp_delivers);
	RUN(addresses_parse);
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		return 1;
	return harness_done();
}
