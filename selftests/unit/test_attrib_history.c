// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * History in SQLite: harvests add deltas, a restarted controller (a new
 * harvest over the same database) never counts twice, counters that start
 * over (reset, new map entry, reboot) count from zero, names are attached
 * by time (the names valid when the bytes were counted; two at once share
 * the row), live deltas plus history equal the kernel's counters.  And the names map:
 * DNS answers land there with expiry TTL + grace, SNI does not replace a
 * live DNS name.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "common/clock.h"
#include "iotrim_maps.h"
#include "attrib_msgs.h"
#include "history/db.h"
#include "harness.h"
#include "history/history.h"
#include "history/name_store.h"
#include "attrib/names.h"

static char tmpdir[] = "/tmp/iotrim-history-test-XXXXXX";
static struct msg m;

static void flow(struct flow_entry *e, uint8_t last_octet, uint16_t port, uint64_t up,
		 uint64_t down, uint64_t first_seen)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->key.device_mac, (uint8_t[]){ 2, 0, 0, 0, 0, 0x21 }, 6);
	e->key.family = IOTRIM_FAMILY_IPV4;
	e->key.proto = IPPROTO_TCP;
	e->key.remote_port = port;
	memcpy(e->key.device_ip, (uint8_t[]){ 192, 0, 2, 21 }, 4);
	memcpy(e->key.remote_ip, (uint8_t[]){ 203, 0, 113, last_octet }, 4);
	e->value.up.packets = up / 100;
	e->value.up.bytes = up;
	e->value.down.packets = down / 100;
	e->value.down.bytes = down;
	e->value.first_seen_ns = first_seen;
	e->value.last_seen_ns = first_seen + 1000;
}

/* The device's query, then ev, the answer to it (answers to no query are ignored). */
static void ask_then_answer(struct attrib *a, const struct iotrim_event *ev, uint16_t id,
			    const char *qname, uint16_t qtype)
{
	static struct iotrim_event q;
	struct msg qm;

	q = *ev;
	q.direction = 0;
	dns_begin(&qm, id, false, 0);
	dns_question(&qm, qname, qtype);
	q.len = dns_end(&qm);
	memcpy(q.payload, qm.b, q.len);
	attrib_handle(a, &q, sizeof(q));
	attrib_handle(a, ev, sizeof(*ev));
}

struct totals {
	uint64_t up, down, packets;
	int rows;
	char name_of_10[FLOW_NAMES_MAX];
};

static void sum_row(void *ctx, const struct flow_row *r)
{
	struct totals *t = ctx;

	t->up += r->bytes_up;
	t->down += r->bytes_down;
	t->packets += r->packets_up + r->packets_down;
	t->rows++;
	if (!strcmp(r->remote_ip, "203.0.113.10"))
		snprintf(t->name_of_10, sizeof(t->name_of_10), "%s", r->name);
}

static struct totals totals(sqlite3 *db, const struct flow_table *live)
{
	struct totals t = { 0 };

	history_rows(db, live, sum_row, &t);
	return t;
}

TEST(harvest_deltas_restarts_and_resets)
{
	struct flow_entry e[2];
	struct flow_table ft = { .items = e, .len = 2 };
	struct harvest_result r;
	struct totals t;
	char path[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/h.db", tmpdir);
	ASSERT(db_open(path, &db) == 0, "db");
	flow(&e[0], 10, 443, 1000, 5000, 111);
	flow(&e[1], 11, 8883, 300, 200, 222);
	ASSERT(history_harvest(db, &ft, &r) == 0, "first harvest");
	EXPECT(r.flows == 2 && r.changed == 2 && r.restarted == 2, "new flows %zu/%zu", r.changed, r.restarted);
	t = totals(db, NULL);
	EXPECT(t.up == 1300 && t.down == 5200, "history %llu/%llu", (unsigned long long)t.up,
	       (unsigned long long)t.down);

	/* Nothing new: a second harvest (or a restarted controller) adds nothing. */
	ASSERT(history_harvest(db, &ft, &r) == 0, "again");
	EXPECT(r.changed == 0, "unchanged flows skipped (%zu)", r.changed);
	db_close(db);
	ASSERT(db_open(path, &db) == 0, "reopen, as a restarted controller would");
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest after restart");
	t = totals(db, &ft);
	EXPECT(t.up == 1300 && t.down == 5200, "no double count: %llu/%llu",
	       (unsigned long long)t.up, (unsigned long long)t.down);

	/* Growth: the delta only. */
	e[0].value.up.bytes += 500;
	e[0].value.up.packets += 5;
	t = totals(db, &ft);
	EXPECT(t.up == 1800, "history + live delta = kernel: %llu", (unsigned long long)t.up);
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest growth");
	EXPECT(r.changed == 1 && r.restarted == 0, "one delta");
	t = totals(db, &ft);
	EXPECT(t.up == 1800 && t.down == 5200, "after harvest: %llu", (unsigned long long)t.up);

	/* The counter went backwards (entry purged and re-created): count it whole. */
	e[1].value.up.bytes = 50;
	e[1].value.up.packets = 1;
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest reset");
	EXPECT(r.restarted == 1, "reset detected");
	t = totals(db, NULL);
	EXPECT(t.up == 1850, "reset adds the new value: %llu", (unsigned long long)t.up);

	/* Evicted and re-created with a bigger value: first_seen tells. */
	e[1].value.first_seen_ns = 333;
	e[1].value.up.bytes = 10000;
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest new entry");
	EXPECT(r.restarted == 1, "new entry detected");
	t = totals(db, NULL);
	EXPECT(t.up == 11850, "new entry counted whole: %llu", (unsigned long long)t.up);

	/* Another boot: every counter started over. */
	sqlite3_exec(db, "UPDATE flow_state SET boot_id = 'other-boot'", NULL, NULL, NULL);
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest after reboot");
	EXPECT(r.restarted == 2, "reboot detected (%zu)", r.restarted);
	db_close(db);
}

static int query_named_rows(sqlite3 *db);
static int named_rows(sqlite3 *db, const char *name);
static int64_t unnamed_bytes(sqlite3 *db);

TEST(names_attach_to_flows)
{
	struct flow_entry e[1];
	struct flow_table ft = { .items = e, .len = 1 };
	static struct iotrim_event ev;
	struct harvest_result r;
	struct name_store store;
	struct attrib a;
	struct totals t;
	uint64_t answered;
	char path[256];
	sqlite3 *db;
	size_t len;

	snprintf(path, sizeof(path), "%s/n.db", tmpdir);
	ASSERT(db_open(path, &db) == 0, "db");
	flow(&e[0], 10, 443, 1000, 2000, 5);
	/* Harvested before any name is known ... */
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest");
	ASSERT(name_store_open(&store, db) == 0, "attrib");
	attrib_init(&a, &store.sink, -1, 0);
	/* ... then the device's DNS answer arrives. */
	dns_begin(&m, 1, true, 0);
	dns_question(&m, "api.vendor.example", DNS_A);
	dns_a(&m, "api.vendor.example", (uint8_t[]){ 203, 0, 113, 10 }, 30);
	len = dns_end(&m);
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = clock_boot_ns() - 40000000000ULL;	/* 40 s ago: times in the past */
	ev.key = e[0].key;
	ev.key.proto = IPPROTO_UDP;
	ev.key.remote_port = 53;
	ev.kind = IOTRIM_EV_DNS;
	ev.direction = 1;
	ev.len = len;
	memcpy(ev.payload, m.b, len);
	ask_then_answer(&a, &ev, 1, "api.vendor.example", DNS_A);
	attrib_flush(&a);
	answered = ev.ts_ns;
	t = totals(db, NULL);
	EXPECT(!t.name_of_10[0], "bytes counted before the answer stay the address's: '%s'",
	       t.name_of_10);
	EXPECT(named_rows(db, "") == 1, "the unnamed row is kept");
	/* Bytes counted after it are the name's. */
	e[0].value.down.bytes += 100;
	e[0].value.last_seen_ns = ev.ts_ns + 1000000;
	t = totals(db, &ft);
	EXPECT(!strcmp(t.name_of_10, "api.vendor.example"), "live growth gets the name: '%s'",
	       t.name_of_10);
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest");
	EXPECT(query_named_rows(db) == 1, "new deltas are stored with the name");
	EXPECT(named_rows(db, "") == 1, "and the old row is not renamed");
	/* After TTL (30 s) + grace (0) the name no longer holds: the address again. */
	e[0].value.down.bytes += 7;
	e[0].value.last_seen_ns = ev.ts_ns + 31000000000ULL;
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest after expiry");
	EXPECT(unnamed_bytes(db) == 3007, "expired name: bytes to the address (%lld)",
	       (long long)unnamed_bytes(db));

	/* Another name answered for the address after the flow began: no rename. */
	{
		uint64_t t0 = clock_boot_ns() - 5000000000ULL;
		struct flow_entry f[1];
		struct flow_table ft2 = { .items = f, .len = 1 };
		const char *names[2] = { "first.example", "second.example" };

		for (int i = 0; i < 2; i++) {
			dns_begin(&m, 1, true, 0);
			dns_question(&m, names[i], DNS_A);
			dns_a(&m, names[i], (uint8_t[]){ 203, 0, 113, 30 }, 30);
			len = dns_end(&m);
			ev.ts_ns = t0 + i * 20000000ULL;	/* 0 and 20 ms */
			memcpy(ev.key.remote_ip, (uint8_t[]){ 192, 0, 2, 1 }, 4);
			ev.len = len;
			memcpy(ev.payload, m.b, len);
			ask_then_answer(&a, &ev, 1, names[i], DNS_A);
		}
		attrib_flush(&a);
		flow(&f[0], 30, 443, 100, 100, t0 + 10000000ULL);	/* began at 10 ms */
		ASSERT(history_harvest(db, &ft2, &r) == 0, "harvest");
		t = totals(db, NULL);
		EXPECT(named_rows(db, "first.example") == 1 && named_rows(db, "second.example") == 0,
		       "the name answered before the flow began");
		/* Bytes counted once both answers hold cannot be split: the two names share them. */
		f[0].value.up.bytes += 50;
		f[0].value.last_seen_ns = t0 + 30000000ULL;
		ASSERT(history_harvest(db, &ft2, &r) == 0, "harvest");
		EXPECT(named_rows(db, "first.example second.example") == 1,
		       "one shared row for both names");
		EXPECT(named_rows(db, "first.example") == 1 && named_rows(db, "second.example") == 0,
		       "and no row counted twice");
	}
	/* No flow_state row at all (a database that harvested nothing): a live flow
	 * is all growth, named as it would be after a harvest. */
	ASSERT(sqlite3_exec(db, "DELETE FROM flow_state", NULL, NULL, NULL) == SQLITE_OK, "no state");
	e[0].value.last_seen_ns = answered + 1000000000ULL;
	t = totals(db, &ft);
	EXPECT(!strcmp(t.name_of_10, "api.vendor.example"),
	       "without flow_state: live growth gets the name: '%s'", t.name_of_10);
	name_store_close(&store);
	db_close(db);
}

static int named_rows(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM flow_history WHERE name = ?1",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	return n;
}

static int64_t unnamed_bytes(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, "SELECT sum(bytes_up + bytes_down) FROM flow_history"
			       " WHERE name = '' AND remote_ip = '203.0.113.10'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int query_named_rows(sqlite3 *db)
{
	return named_rows(db, "api.vendor.example");
}

TEST(names_map_entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	static struct iotrim_event ev;
	struct name_key k = { 0 };
	struct name_value v;
	struct attrib a;
	struct hello_opts ch = { .sni = "sni.vendor.example" };
	int fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, MAP_NAME(MAP_NAMES), sizeof(struct name_key),
				sizeof(struct name_value), 64, &o);
	size_t len;

	ASSERT(fd >= 0, "a names map (needs root)");
	attrib_init(&a, NULL, fd, 300);
	ASSERT(!a.sink && a.names_fd == fd, "attrib without a database");
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = clock_boot_ns();
	memcpy(ev.key.device_mac, (uint8_t[]){ 2, 0, 0, 0, 0, 0x23 }, 6);
	ev.key.family = IOTRIM_FAMILY_IPV6;
	ev.key.proto = IPPROTO_UDP;
	ev.key.remote_port = 53;
	ev.kind = IOTRIM_EV_DNS;
	ev.direction = 1;
	dns_begin(&m, 9, true, 0);
	dns_question(&m, "cdn.example", DNS_AAAA);
	dns_aaaa(&m, "cdn.example", (uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x20 }, 45);
	len = dns_end(&m);
	ev.len = len;
	memcpy(ev.payload, m.b, len);
	ask_then_answer(&a, &ev, 9, "cdn.example", DNS_AAAA);

	memcpy(k.device_mac, ev.key.device_mac, 6);
	k.family = IOTRIM_FAMILY_IPV6;
	memcpy(k.ip, (uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x20 }, 16);
	ASSERT(bpf_map_lookup_elem(fd, &k, &v) == 0, "entry for (device, address)");
	EXPECT(!strcmp(v.name, "cdn.example") && v.source == IOTRIM_NAME_DNS && v.ttl == 45,
	       "name %s", v.name);
	EXPECT(v.expires_ns == ev.ts_ns + 345ULL * 1000000000ULL, "expiry = answer + TTL + grace");

	/* An SNI for the same address does not replace the live DNS name. */
	ev.kind = IOTRIM_EV_TLS;
	ev.direction = 0;
	ev.key.proto = IPPROTO_TCP;
	ev.key.remote_port = 443;
	memcpy(ev.key.remote_ip, k.ip, 16);
	len = tls_client_hello(&m, &ch);
	ev.len = len;
	memcpy(ev.payload, m.b, len);
	attrib_handle(&a, &ev, sizeof(ev));
	ASSERT(bpf_map_lookup_elem(fd, &k, &v) == 0, "still there");
	EXPECT(!strcmp(v.name, "cdn.example"), "DNS name kept: %s", v.name);
	/* Elsewhere it fills in. */
	ev.key.remote_ip[15] = 0x99;
	attrib_handle(&a, &ev, sizeof(ev));
	k.ip[15] = 0x99;
	ASSERT(bpf_map_lookup_elem(fd, &k, &v) == 0, "SNI entry");
	EXPECT(!strcmp(v.name, "sni.vendor.example") && v.source == IOTRIM_NAME_SNI, "SNI name");
	/* Expired entries are removed. */
	v.expires_ns = 1;
	bpf_map_update_elem(fd, &k, &v, BPF_ANY);
	EXPECT(attrib_expire_names(&a) == 1, "one expired");
	EXPECT(bpf_map_lookup_elem(fd, &k, &v) != 0, "gone");
	close(fd);
}

TEST(shared_rows_become_destinations)
{
	struct flow_rows rows = { 0 };
	struct dest_list l;
	struct flow_row r = { .device_mac = "02:00:00:00:00:21", .remote_ip = "203.0.113.10",
			      .family = IOTRIM_FAMILY_IPV4, .proto = IPPROTO_TCP, .remote_port = 80 };
	uint64_t total = 0;
	int shared = 0, api = -1, log = -1;

	r.ip[0] = 203, r.ip[1] = 0, r.ip[2] = 113, r.ip[3] = 10;
	r.name = "api.vendor.example log.vendor.example";
	r.bytes_up = 1000;
	flow_rows_add(&rows, &r);
	r.name = "api.vendor.example";
	r.bytes_up = 10;
	flow_rows_add(&rows, &r);
	ASSERT(dest_group(&rows, &l) == 0, "grouped");
	EXPECT(l.len == 3, "the shared bytes and each name: %zu destinations", l.len);
	for (size_t i = 0; i < l.len; i++) {
		const struct dest *d = &l.items[i];

		total += d->bytes_up;
		shared += d->shared;
		if (!strcmp(d->first->name, "api.vendor.example"))
			api = (int)i;
		if (!strcmp(d->first->name, "log.vendor.example"))
			log = (int)i;
	}
	EXPECT(total == 1010, "shared bytes counted once: %llu", (unsigned long long)total);
	EXPECT(shared == 1, "one shared destination");
	ASSERT(api >= 0 && log >= 0, "each name listed");
	EXPECT(l.items[api].bytes_up == 10 && l.items[log].bytes_up == 0, "a name's own bytes");
	EXPECT(!strcmp(l.items[api].shared_with, "log.vendor.example") &&
	       !strcmp(l.items[log].shared_with, "api.vendor.example"), "who shares with whom");
	dest_list_free(&l);
	flow_rows_free(&rows);
}

/* An answer to ev's device for qname -> 203.0.113.10 with transaction id, at ts. */
static void answer_event(struct iotrim_event *ev, uint16_t id, const char *qname, uint64_t ts)
{
	dns_begin(&m, id, true, 0);
	dns_question(&m, qname, DNS_A);
	dns_a(&m, qname, (uint8_t[]){ 203, 0, 113, 10 }, 300);
	ev->len = dns_end(&m);
	memcpy(ev->payload, m.b, ev->len);
	ev->direction = 1;
	ev->ts_ns = ts;
}

/* A query from ev's device. */
static void query_event(struct attrib *a, struct iotrim_event *ev, uint16_t id, const char *qname,
			uint64_t ts)
{
	dns_begin(&m, id, false, 0);
	dns_question(&m, qname, DNS_A);
	ev->len = dns_end(&m);
	memcpy(ev->payload, m.b, ev->len);
	ev->direction = 0;
	ev->ts_ns = ts;
	attrib_handle(a, ev, sizeof(*ev));
}

static int64_t counter(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, "SELECT value FROM attribution_counters WHERE name = ?1", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

/*
 * Another LAN host asks the gateway's resolver with the victim's address
 * as source: the answers reach the victim's MAC although the victim never
 * asked.  They must not name its flows; they are counted.
 */
TEST(spoofed_answers_do_not_rename)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	static struct iotrim_event ev;
	uint64_t t0 = clock_boot_ns() - 60000000000ULL;
	struct flow_entry e[1];
	struct flow_table ft = { .items = e, .len = 1 };
	struct harvest_result r;
	struct name_store store;
	struct name_key k = { 0 };
	struct name_value v;
	struct attrib a;
	char path[256];
	sqlite3 *db;
	int fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, MAP_NAME(MAP_NAMES), sizeof(struct name_key),
				sizeof(struct name_value), 64, &o);

	ASSERT(fd >= 0, "a names map (needs root)");
	snprintf(path, sizeof(path), "%s/spoof.db", tmpdir);
	ASSERT(db_open(path, &db) == 0, "db");
	ASSERT(name_store_open(&store, db) == 0, "store");
	attrib_init(&a, &store.sink, fd, 0);
	memset(&ev, 0, sizeof(ev));
	memcpy(ev.key.device_mac, (uint8_t[]){ 2, 0, 0, 0, 0, 0x22 }, 6);	/* the victim */
	ev.key.family = IOTRIM_FAMILY_IPV4;
	ev.key.proto = IPPROTO_UDP;
	ev.key.remote_port = 53;
	memcpy(ev.key.device_ip, (uint8_t[]){ 192, 0, 2, 22 }, 4);
	memcpy(ev.key.remote_ip, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	ev.kind = IOTRIM_EV_DNS;
	ev.device_port = 40000;

	/* Never asked. */
	answer_event(&ev, 77, "evil.example", t0);
	attrib_handle(&a, &ev, sizeof(ev));
	/* Asked, but another transaction id, port, question; and too late. */
	query_event(&a, &ev, 5, "api.vendor.example", t0 + 1000000);
	answer_event(&ev, 6, "api.vendor.example", t0 + 2000000);
	attrib_handle(&a, &ev, sizeof(ev));
	ev.device_port = 40001;
	answer_event(&ev, 5, "api.vendor.example", t0 + 2000000);
	attrib_handle(&a, &ev, sizeof(ev));
	ev.device_port = 40000;
	answer_event(&ev, 5, "evil.example", t0 + 2000000);
	attrib_handle(&a, &ev, sizeof(ev));
	answer_event(&ev, 5, "api.vendor.example", t0 + 1000000 + ATTRIB_QUERY_WINDOW_NS + 1000000);
	attrib_handle(&a, &ev, sizeof(ev));
	/* The same from another device's MAC (the spoofer's own query). */
	memcpy(ev.key.device_mac, (uint8_t[]){ 2, 0, 0, 0, 0, 0x66 }, 6);
	query_event(&a, &ev, 8, "evil.example", t0 + 3000000);
	memcpy(ev.key.device_mac, (uint8_t[]){ 2, 0, 0, 0, 0, 0x22 }, 6);
	answer_event(&ev, 8, "evil.example", t0 + 4000000);
	attrib_handle(&a, &ev, sizeof(ev));
	EXPECT(a.st.dns_unmatched == 6, "six answers to no query of the device (%llu)",
	       (unsigned long long)a.st.dns_unmatched);

	memcpy(k.device_mac, ev.key.device_mac, 6);
	k.family = IOTRIM_FAMILY_IPV4;
	memcpy(k.ip, (uint8_t[]){ 203, 0, 113, 10 }, 4);
	EXPECT(bpf_map_lookup_elem(fd, &k, &v) != 0, "no names map entry for the victim");
	ASSERT(attrib_flush(&a) == 0, "flush");
	EXPECT(counter(db, "dns_unmatched") == 6, "counted in the database (%lld)",
	       (long long)counter(db, "dns_unmatched"));
	flow(&e[0], 10, 443, 100, 100, t0 + 5000000);
	memcpy(e[0].key.device_mac, ev.key.device_mac, 6);
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest");
	EXPECT(named_rows(db, "evil.example") == 0 && named_rows(db, "") == 1,
	       "the victim's flow keeps its address");

	/* The device's own query, answered once: a name; the same answer again is not. */
	query_event(&a, &ev, 9, "api.vendor.example", t0 + 6000000);
	answer_event(&ev, 9, "api.vendor.example", t0 + 7000000);
	attrib_handle(&a, &ev, sizeof(ev));
	ASSERT(bpf_map_lookup_elem(fd, &k, &v) == 0, "the answer to its query names it");
	EXPECT(!strcmp(v.name, "api.vendor.example"), "name %s", v.name);
	attrib_handle(&a, &ev, sizeof(ev));
	EXPECT(a.st.dns_unmatched == 7, "a replayed answer is not taken (%llu)",
	       (unsigned long long)a.st.dns_unmatched);
	name_store_close(&store);
	db_close(db);
	close(fd);
}

int main(void)
{
	int rc;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(harvest_deltas_restarts_and_resets);
	RUN(names_attach_to_flows);
	RUN(shared_rows_become_destinations);
	if (geteuid() == 0) {
		RUN(names_map_entries);
		RUN(spoofed_answers_do_not_rename);
	} else {
		SKIP(names_map_entries, "needs root");
		SKIP(spoofed_answers_do_not_rename, "needs root");
	}
	rc = harness_done();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (!getenv("KEEP") && system(cmd) != 0)
			printf("# could not remove %s\n", tmpdir);
	}
	return rc;
}
