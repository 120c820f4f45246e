// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The harvest over many flows of several devices, given in a shuffled order
 * (the kernel's hash order; the harvest takes them in the store's key order)
 * with IPv4 and IPv6 addresses whose text order is not their byte order:
 * after each harvest every table holds exactly the growth of a model kept
 * here - flow_history per device, device_windows (summed per device once a
 * harvest), phase_bytes for the device in a phase only, payload_history with
 * the mark in force - across a restarted controller (a new database handle),
 * flows that come late (keys between known ones), counters that grew, did
 * not grow, or started over (a new map entry), and payload counters first
 * sampled late.  Flows never sampled keep no payload_state row.  flow_state
 * written whole keeps the rows of flows absent from that harvest's table,
 * and a row out of the store's order makes the merge search instead.
 */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "harness.h"
#include "history/db.h"
#include "history/history.h"
#include "history/phase.h"

#define DEVICES 3
#define FLOWS (DEVICES * 120)

static char tmpdir[] = "/tmp/iotrim-harvest-test-XXXXXX";
static const char *const macs[DEVICES] = { "02:00:00:00:00:01", "02:00:00:00:00:02",
					   "02:00:00:00:00:a0" };

struct model {
	uint64_t up[DEVICES], down[DEVICES], packets[DEVICES], sampled[DEVICES];
	uint64_t windows_up[DEVICES];	/* device_windows of the harvests (none dropped) */
};

static struct flow_entry flows[FLOWS];	/* index i: flow i */
static struct flow_entry shuffled[FLOWS];
static struct flow_table table = { .items = shuffled, .len = FLOWS };
static unsigned int seed = 1;

static void set_flow(int i, uint64_t up, uint64_t down, uint64_t sampled, uint64_t first_ns,
		     uint64_t last_ns)
{
	struct flow_entry *e = &flows[i];
	int d = i % DEVICES, j = i / DEVICES;

	memset(e, 0, sizeof(*e));
	memcpy(e->key.device_mac, (uint8_t[]){ 2, 0, 0, 0, 0, d == 2 ? 0xa0 : d + 1 }, 6);
	e->key.proto = j % 3 ? IPPROTO_TCP : IPPROTO_UDP;
	e->key.remote_port = j % 2 ? 443 : 53;
	if (i % 2) {
		e->key.family = IOTRIM_FAMILY_IPV6;
		memcpy(e->key.device_ip, (uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 0, 1 }, 6);
		e->key.device_ip[15] = 0x21 + d;
		memcpy(e->key.remote_ip, (uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 1, 0 }, 6);
		e->key.remote_ip[14] = j >> 4;
		e->key.remote_ip[15] = j & 15;
	} else {
		e->key.family = IOTRIM_FAMILY_IPV4;
		memcpy(e->key.device_ip, (uint8_t[]){ 192, 0, 2, 21 + d }, 4);
		/* 203.0.113.9 sorts after 203.0.113.10 as text */
		memcpy(e->key.remote_ip, (uint8_t[]){ 203, 0, 113, j }, 4);
	}
	e->value.up = (struct traffic_counter){ up / 100 + 1, up };
	e->value.down = (struct traffic_counter){ down / 100 + 1, down };
	e->value.payload_up.sampled = e->value.payload_up.encrypted = sampled;
	e->value.first_seen_ns = first_ns;
	e->value.last_seen_ns = last_ns;
}

/* Flows that first come in the second harvest, among the others. */
static bool late(int i)
{
	return i % 7 == 3;
}

/* The table (the flows present) in a new order each time, as a hash map may give it. */
static void shuffle(bool with_late)
{
	table.len = 0;
	for (int i = 0; i < FLOWS; i++)
		if (with_late || !late(i))
			shuffled[table.len++] = flows[i];
	for (int i = (int)table.len - 1; i > 0; i--) {
		int j = rand_r(&seed) % (i + 1);
		struct flow_entry x = shuffled[i];

		shuffled[i] = shuffled[j];
		shuffled[j] = x;
	}
}

/* flow i now holds v (same map entry: the growth counts; new entry: all of v counts). */
static void count(struct model *m, int i, const struct flow_value *was, bool new_entry)
{
	const struct flow_value *v = &flows[i].value;
	int d = i % DEVICES;
	uint64_t up = v->up.bytes - (new_entry ? 0 : was->up.bytes);

	m->up[d] += up;
	m->windows_up[d] += up;
	m->down[d] += v->down.bytes - (new_entry ? 0 : was->down.bytes);
	m->packets[d] += v->up.packets + v->down.packets -
			 (new_entry ? 0 : was->up.packets + was->down.packets);
	m->sampled[d] += v->payload_up.sampled - (new_entry ? 0 : was->payload_up.sampled);
}

static int64_t query(sqlite3 *db, const char *sql, const char *mac)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (mac)
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Every table against the model; device 0 is in 'setup', 1 in 'none', 2 in no phase. */
static void check(sqlite3 *db, const struct model *m, const char *when)
{
	for (int d = 0; d < DEVICES; d++) {
		const char *mac = macs[d];
		int64_t up = query(db, "SELECT sum(bytes_up) FROM flow_history WHERE device_mac = ?1", mac);
		int64_t down = query(db, "SELECT sum(bytes_down) FROM flow_history WHERE device_mac = ?1",
				     mac);
		int64_t packets = query(db, "SELECT sum(packets_up + packets_down) FROM flow_history"
					    " WHERE device_mac = ?1", mac);
		int64_t windows = query(db, "SELECT sum(bytes_up) FROM device_windows"
					    " WHERE device_mac = ?1", mac);
		int64_t phased = query(db, "SELECT coalesce(sum(bytes_up + bytes_down), 0)"
					   " FROM phase_bytes WHERE device_mac = ?1", mac);
		int64_t sampled = query(db, "SELECT coalesce(sum(sampled), 0) FROM payload_history"
					    " WHERE device_mac = ?1", mac);
		int64_t marked = query(db, "SELECT coalesce(sum(sampled), 0) FROM payload_history"
					   " WHERE device_mac = ?1 AND mark_id <> 0", mac);
		int64_t in_phase = d == 0 ? (int64_t)(m->up[d] + m->down[d]) : 0;

		EXPECT(up == (int64_t)m->up[d] && down == (int64_t)m->down[d] &&
		       packets == (int64_t)m->packets[d],
		       "%s: %s flow_history %lld/%lld/%lld, model %llu/%llu/%llu", when, mac,
		       (long long)up, (long long)down, (long long)packets,
		       (unsigned long long)m->up[d], (unsigned long long)m->down[d],
		       (unsigned long long)m->packets[d]);
		EXPECT(windows == (int64_t)m->windows_up[d], "%s: %s device_windows %lld, model %llu",
		       when, mac, (long long)windows, (unsigned long long)m->windows_up[d]);
		EXPECT(phased == in_phase, "%s: %s phase_bytes %lld, model %lld", when, mac,
		       (long long)phased, (long long)in_phase);
		EXPECT(sampled == (int64_t)m->sampled[d] && marked == (d == 0 ? sampled : 0),
		       "%s: %s payload_history %lld (%lld under a mark), model %llu", when, mac,
		       (long long)sampled, (long long)marked, (unsigned long long)m->sampled[d]);
	}
}

static int mark(sqlite3 *db, const char *mac, const char *phase)
{
	struct phase_mark one = { .at_ms = 1 };
	struct phase_marks m = { .items = &one, .len = 1 };

	snprintf(one.mac, sizeof(one.mac), "%s", mac);
	snprintf(one.phase, sizeof(one.phase), "%s", phase);
	return phase_store(db, &m, "live");
}

TEST(harvests_of_many_flows_are_exact)
{
	uint64_t now = clock_boot_ns(), s = 1000000000ULL;
	struct flow_value was[FLOWS];
	struct model m = { 0 };
	struct harvest_result r;
	size_t grew = 0, came = 0, renewed = 0;
	int64_t sampled = 0;
	char path[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/harvest.db", tmpdir);
	ASSERT(db_open(path, &db) == 0, "open");
	ASSERT(mark(db, macs[0], "setup") == 0 && mark(db, macs[1], "none") == 0, "marks");
	/* Every flow new but the late ones; a third of them sampled. */
	for (int i = 0; i < FLOWS; i++) {
		set_flow(i, 100 + i, 1000 + 3 * i, i % 3 ? 0 : 10 + i, now - 100 * s, now - 50 * s);
		if (!late(i)) {
			count(&m, i, NULL, true);
			sampled += i % 3 == 0;
		}
	}
	shuffle(false);
	ASSERT(history_harvest(db, &table, &r) == 0, "harvest 1");
	EXPECT(r.changed == table.len && r.restarted == table.len,
	       "harvest 1: %zu changed, %zu restarted", r.changed, r.restarted);
	check(db, &m, "harvest 1");
	EXPECT(query(db, "SELECT count(*) FROM payload_state", NULL) == sampled,
	       "payload_state only for the sampled flows: %lld",
	       (long long)query(db, "SELECT count(*) FROM payload_state", NULL));

	/* A restarted controller: the late flows come (new keys between known
	 * ones), most others grew, some sampled for the first time. */
	db_close(db);
	ASSERT(db_open(path, &db) == 0, "reopen");
	for (int i = 0; i < FLOWS; i++) {
		const struct flow_value *v = &flows[i].value;

		was[i] = *v;
		if (late(i)) {
			count(&m, i, NULL, true);
			grew++;
			came++;
			continue;
		}
		if (i % 4 == 0)
			continue;
		set_flow(i, v->up.bytes + 50 + i, v->down.bytes + 7,
			 v->payload_up.sampled + (i % 3 == 1 ? 5 : 0), now - 100 * s, now - 20 * s);
		count(&m, i, &was[i], false);
		grew++;
	}
	shuffle(true);
	ASSERT(history_harvest(db, &table, &r) == 0, "harvest 2");
	EXPECT(r.changed == grew && r.restarted == came,
	       "harvest 2: %zu changed (%zu came or grew), %zu restarted (%zu came)", r.changed, grew,
	       r.restarted, came);
	check(db, &m, "harvest 2");

	/* Some map entries were evicted and created again (another first_seen), with
	 * smaller counters or bigger ones: counted whole. */
	for (int i = 0; i < FLOWS; i += 5) {
		was[i] = flows[i].value;
		set_flow(i, i % 10 ? 20 : 100000, i % 10 ? 30 : 100000,
			 i % 3 ? 0 : i % 10 ? 3 : 1000 + i, now - 10 * s, now - 5 * s);
		count(&m, i, &was[i], true);
		renewed++;
	}
	shuffle(true);
	ASSERT(history_harvest(db, &table, &r) == 0, "harvest 3");
	EXPECT(r.changed == renewed && r.restarted == renewed, "harvest 3: %zu changed, %zu restarted",
	       r.changed, r.restarted);
	check(db, &m, "harvest 3");

	/* Restarted again with nothing new: nothing counted twice. */
	db_close(db);
	ASSERT(db_open(path, &db) == 0, "reopen");
	shuffle(true);
	ASSERT(history_harvest(db, &table, &r) == 0, "harvest 4");
	EXPECT(r.changed == 0, "harvest 4: %zu changed", r.changed);
	check(db, &m, "harvest 4");
	db_close(db);
}

/* The shuffled table without its last n entries; absent[i]: flow i is one of them. */
static void drop_last(size_t n, bool absent[FLOWS])
{
	memset(absent, 0, FLOWS * sizeof(*absent));
	table.len -= n;
	for (size_t x = table.len; x < table.len + n; x++)
		for (int i = 0; i < FLOWS; i++)
			if (!memcmp(&shuffled[x].key, &flows[i].key, sizeof(flows[i].key)))
				absent[i] = true;
}

/*
 * A harvest where most flows grew writes flow_state whole: the rows of
 * flows missing from that table are kept, so when they come back their
 * growth counts, not all of their counters.  A flow_state row out of the
 * store's order (a text where proto is an integer) makes the merge search
 * for what it passes by: nothing is counted twice either.
 */
TEST(flow_state_written_whole_keeps_absent_flows)
{
	uint64_t now = clock_boot_ns(), s = 1000000000ULL;
	struct flow_value was[FLOWS];
	bool absent[FLOWS];
	struct model m = { 0 };
	struct harvest_result r;
	size_t grew = 0;
	char path[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/whole.db", tmpdir);
	ASSERT(db_open(path, &db) == 0, "open");
	ASSERT(mark(db, macs[0], "setup") == 0 && mark(db, macs[1], "none") == 0, "marks");
	for (int i = 0; i < FLOWS; i++) {
		set_flow(i, 100 + i, 1000 + i, 0, now - 100 * s, now - 50 * s);
		count(&m, i, NULL, true);
	}
	shuffle(true);
	ASSERT(history_harvest(db, &table, &r) == 0, "harvest 1");

	/* Every flow grew; 20 of them are not in this table. */
	for (int i = 0; i < FLOWS; i++) {
		was[i] = flows[i].value;
		set_flow(i, was[i].up.bytes + 7 + i, was[i].down.bytes + 9, 0, now - 100 * s,
			 now - 40 * s);
	}
	shuffle(true);
	drop_last(20, absent);
	for (int i = 0; i < FLOWS; i++)
		if (!absent[i]) {
			count(&m, i, &was[i], false);
			grew++;
		}
	ASSERT(history_harvest(db, &table, &r) == 0, "harvest 2");
	EXPECT(r.changed == grew && r.restarted == 0, "harvest 2: %zu changed, %zu restarted",
	       r.changed, r.restarted);
	check(db, &m, "harvest 2");
	EXPECT(query(db, "SELECT count(*) FROM flow_state", NULL) == FLOWS,
	       "harvest 2: flow_state keeps the absent flows' rows: %lld",
	       (long long)query(db, "SELECT count(*) FROM flow_state", NULL));

	/* They are back, with the growth they had meanwhile. */
	shuffle(true);
	for (int i = 0; i < FLOWS; i++)
		if (absent[i])
			count(&m, i, &was[i], false);
	ASSERT(history_harvest(db, &table, &r) == 0, "harvest 3");
	EXPECT(r.changed == 20 && r.restarted == 0, "harvest 3: %zu changed, %zu restarted",
	       r.changed, r.restarted);
	check(db, &m, "harvest 3");

	/* A row out of order, then every flow grows again. */
	ASSERT(sqlite3_exec(db, "INSERT INTO flow_state SELECT device_mac, device_ip, remote_ip,"
			    " 'x', remote_port, boot_id, kernel_first_seen_ns, packets_up, bytes_up,"
			    " packets_down, bytes_down FROM flow_state LIMIT 1", NULL, NULL,
			    NULL) == SQLITE_OK, "a row out of order");
	for (int i = 0; i < FLOWS; i++) {
		was[i] = flows[i].value;
		set_flow(i, was[i].up.bytes + 3, was[i].down.bytes + 5, 0, now - 100 * s, now - 30 * s);
		count(&m, i, &was[i], false);
	}
	shuffle(true);
	ASSERT(history_harvest(db, &table, &r) == 0, "harvest 4");
	EXPECT(r.changed == FLOWS && r.restarted == 0, "harvest 4: %zu changed, %zu restarted",
	       r.changed, r.restarted);
	check(db, &m, "harvest 4");
	db_close(db);
}

int main(void)
{
	char cmd[300];
	int rc;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(harvests_of_many_flows_are_exact);
	RUN(flow_state_written_whole_keeps_absent_flows);
	rc = harness_done();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return rc;
}
