// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Lifecycle phases: RFC 3339 times, the timestamp file (every malformed line
 * rejected, nothing half-stored), harvest deltas going to the phase in
 * force at the flow's last packet, 'none' ending phases, and the last
 * harvest windows per device (the dashboard's sparklines).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/parse.h"
#include "harness.h"
#include "history/db.h"
#include "history/history.h"
#include "history/payload_store.h"
#include "history/phase.h"
#include "history/windows.h"

static char tmpdir[] = "/tmp/iotrim-phase-test-XXXXXX";

TEST(rfc3339_times)
{
	static const struct { const char *s; bool ok; int64_t ms; } cases[] = {
		{ "1970-01-01T00:00:00Z", true, 0 },
		{ "2026-11-30T19:00:00Z", true, 1796065200000LL },
		{ "2026-11-30T19:00:00.25Z", true, 1796065200250LL },
		{ "2026-11-30T20:30:00+01:30", true, 1796065200000LL },
		{ "2026-11-30T17:00:00-02:00", true, 1796065200000LL },
		{ "2024-02-29t00:00:00z", true, 1709164800000LL },
		{ "2026-02-29T00:00:00Z", false, 0 },
		{ "2026-11-30T19:00:00", false, 0 },
		{ "2026-11-30 19:00Z", false, 0 },
		{ "2026-13-30T19:00:00Z", false, 0 },
		{ "2026-11-30T24:00:00Z", false, 0 },
		{ "2026-11-30T19:00:00Zjunk", false, 0 },
		{ "2026-11-30T19:00:00.Z", false, 0 },
		{ "", false, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ms = -1;
		bool ok = parse_rfc3339(cases[i].s, &ms);

		EXPECT(ok == cases[i].ok, "'%s' parses: %d", cases[i].s, ok);
		if (ok && cases[i].ok)
			EXPECT(ms == cases[i].ms, "'%s' is %lld, got %lld", cases[i].s,
			       (long long)cases[i].ms, (long long)ms);
	}
}

static int parse_text(const char *text, struct phase_marks *m)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err = phase_file_parse(f, "phases.txt", m);

	fclose(f);
	return err;
}

static int count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

TEST(timestamp_file_all_or_nothing)
{
	struct phase_marks m = { 0 };
	char path[256];
	sqlite3 *db;

	EXPECT(parse_text("# phases\n\n2026-11-30T19:00:00Z 02:00:00:00:00:21 setup\n"
			  "  2026-11-30T19:05:00Z 02:00:00:00:00:21 interaction\r\n", &m) == 0,
	       "a good file parses");
	EXPECT(m.len == 2, "two marks, got %zu", m.len);
	EXPECT(m.len == 2 && !strcmp(m.items[1].phase, "interaction") &&
	       !strcmp(m.items[1].mac, "02:00:00:00:00:21"), "second mark");
	phase_marks_free(&m);
	EXPECT(parse_text("2026-11-30T19:00:00Z 02:00:00:00:00:21 setup\n"
			  "2026-11-30T19:00:00Z 02:00:00:00:00:21\n"
			  "2026-11-30T19:00:00Z 02:00:00:00:00:21 idle extra\n"
			  "yesterday 02:00:00:00:00:21 idle\n"
			  "2026-11-30T19:00:00Z nomac idle\n"
			  "2026-11-30T19:00:00Z 02:00:00:00:00:21 sleeping\n", &m) == -EINVAL,
	       "malformed lines are rejected");
	phase_marks_free(&m);

	snprintf(path, sizeof(path), "%s/marks.db", tmpdir);
	ASSERT(db_open(path, &db) == 0, "open");
	ASSERT(parse_text("2026-11-30T19:00:00Z 02:00:00:00:00:21 setup\n"
			  "2026-11-30T19:01:00Z 02:00:00:00:00:21 idle\n", &m) == 0, "parse");
	/* A mark the schema refuses half-way: the first one must not stay. */
	snprintf(m.items[1].phase, sizeof(m.items[1].phase), "bogus");
	EXPECT(phase_store(db, &m, "import:test") != 0, "the store fails");
	EXPECT(count(db, "SELECT count(*) FROM phase_marks") == 0, "nothing half-stored");
	snprintf(m.items[1].phase, sizeof(m.items[1].phase), "idle");
	EXPECT(phase_store(db, &m, "import:test") == 0, "the store succeeds");
	EXPECT(count(db, "SELECT count(*) FROM phase_marks") == 2, "both stored");
	phase_marks_free(&m);
	db_close(db);
}

static void flow(struct flow_entry *e, uint8_t octet, uint64_t up, uint64_t down,
		 uint64_t first_ns, uint64_t last_ns)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->key.device_mac, (uint8_t[]){ 2, 0, 0, 0, 0, 0x21 }, 6);
	e->key.family = IOTRIM_FAMILY_IPV4;
	e->key.proto = IPPROTO_TCP;
	e->key.remote_port = 443;
	memcpy(e->key.device_ip, (uint8_t[]){ 192, 0, 2, 21 }, 4);
	memcpy(e->key.remote_ip, (uint8_t[]){ 203, 0, 113, octet }, 4);
	e->value.up.packets = 1 + up / 100;
	e->value.up.bytes = up;
	e->value.down.packets = 1 + down / 100;
	e->value.down.bytes = down;
	e->value.first_seen_ns = first_ns;
	e->value.last_seen_ns = last_ns;
}

static int mark(sqlite3 *db, const char *phase, int64_t at_ms)
{
	struct phase_mark one = { .mac = "02:00:00:00:00:21", .at_ms = at_ms };
	struct phase_marks m = { .items = &one, .len = 1 };

	snprintf(one.phase, sizeof(one.phase), "%s", phase);
	return phase_store(db, &m, "live");
}

struct sums {
	int n;
	char phase[4][PHASE_NAME_MAX];
	uint64_t up[4], down[4];
};

static void sum_interval(void *ctx, const struct phase_interval *iv)
{
	struct sums *s = ctx;

	if (s->n < 4) {
		snprintf(s->phase[s->n], sizeof(s->phase[0]), "%s", iv->phase);
		s->up[s->n] = iv->bytes_up;
		s->down[s->n] = iv->bytes_down;
	}
	s->n++;
}

TEST(harvest_deltas_go_to_the_phase_in_force)
{
	uint64_t now = clock_boot_ns(), s = 1000000000ULL;
	struct flow_entry e[2];
	struct flow_table ft = { .items = e, .len = 2 };
	struct flow_rows rows = { 0 };
	struct harvest_result r;
	struct sums sums = { 0 };
	char path[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/harvest.db", tmpdir);
	ASSERT(db_open(path, &db) == 0, "open");
	/* Before any mark: history only. */
	flow(&e[0], 10, 1000, 2000, now - 100 * s, now - 90 * s);
	flow(&e[1], 11, 300, 400, now - 100 * s, now - 90 * s);
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest 1");
	ASSERT(mark(db, "setup", boot_ns_to_unix_ms(now - 80 * s)) == 0, "mark setup");
	ASSERT(mark(db, "interaction", boot_ns_to_unix_ms(now - 40 * s)) == 0, "mark interaction");
	ASSERT(mark(db, "none", boot_ns_to_unix_ms(now - 10 * s)) == 0, "mark none");
	/* Growth whose last packet is in setup. */
	flow(&e[0], 10, 1500, 2600, now - 100 * s, now - 70 * s);
	flow(&e[1], 11, 300, 400, now - 100 * s, now - 90 * s);
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest 2");
	/* In interaction: both flows grow. */
	flow(&e[0], 10, 1700, 2700, now - 100 * s, now - 30 * s);
	flow(&e[1], 11, 350, 480, now - 100 * s, now - 35 * s);
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest 3");
	/* After 'none': history only again. */
	flow(&e[0], 10, 5000, 5000, now - 100 * s, now - 1 * s);
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest 4");

	ASSERT(phase_intervals(db, NULL, sum_interval, &sums) == 0, "intervals");
	ASSERT(sums.n == 3, "three intervals, got %d", sums.n);
	EXPECT(!strcmp(sums.phase[0], "setup") && sums.up[0] == 500 && sums.down[0] == 600,
	       "setup %s %llu/%llu", sums.phase[0], (unsigned long long)sums.up[0],
	       (unsigned long long)sums.down[0]);
	EXPECT(!strcmp(sums.phase[1], "interaction") && sums.up[1] == 250 && sums.down[1] == 180,
	       "interaction %s %llu/%llu", sums.phase[1], (unsigned long long)sums.up[1],
	       (unsigned long long)sums.down[1]);
	EXPECT(!strcmp(sums.phase[2], "none") && sums.up[2] == 0 && sums.down[2] == 0,
	       "none keeps no bytes");
	ASSERT(phase_flow_rows(db, "interaction", "02:00:00:00:00:21", &rows) == 0, "rows");
	EXPECT(rows.len == 2, "two flows in interaction, got %zu", rows.len);
	flow_rows_free(&rows);
	ASSERT(phase_flow_rows(db, "setup", NULL, &rows) == 0, "rows");
	EXPECT(rows.len == 1 && rows.items[0].bytes_up == 500 &&
	       !strcmp(rows.items[0].remote_ip, "203.0.113.10") && rows.items[0].family,
	       "one flow in setup");
	flow_rows_free(&rows);
	/* flow_history still has every byte. */
	EXPECT(count(db, "SELECT sum(bytes_up) FROM flow_history") == 5350, "history total");
	db_close(db);
}

static void payload(struct flow_entry *e, uint64_t enc, uint64_t text, uint64_t unknown)
{
	e->value.payload_up = (struct payload_counter){ .sampled = enc + text, .encrypted = enc,
							.text = text };
	e->value.payload_down = (struct payload_counter){ .sampled = unknown + 7,
							  .unknown = unknown, .ignored = 7 };
}

TEST(payload_classes_go_to_the_history_by_phase)
{
	uint64_t now = clock_boot_ns(), s = 1000000000ULL;
	struct flow_entry e[1];
	struct flow_table ft = { .items = e, .len = 1 };
	struct payload_counter c;
	struct harvest_result r;
	char path[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/payload.db", tmpdir);
	ASSERT(db_open(path, &db) == 0, "open");
	flow(&e[0], 10, 1000, 1000, now - 100 * s, now - 90 * s);
	payload(&e[0], 500, 100, 50);
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest 1: no phase");
	ASSERT(mark(db, "setup", boot_ns_to_unix_ms(now - 80 * s)) == 0, "mark setup");
	flow(&e[0], 10, 2000, 2000, now - 100 * s, now - 70 * s);
	payload(&e[0], 800, 150, 60);
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest 2: setup");
	/* The map entry is new (another first_seen): its counters start over. */
	flow(&e[0], 10, 300, 300, now - 60 * s, now - 50 * s);
	payload(&e[0], 40, 0, 0);
	ASSERT(history_harvest(db, &ft, &r) == 0, "harvest 3: setup, restarted");
	ASSERT(payload_device_total(db, "02:00:00:00:00:21", NULL, &c) == 0, "all");
	EXPECT(c.encrypted == 840 && c.text == 150 && c.unknown == 60 && c.ignored == 14 &&
	       c.sampled == 840 + 150 + 60 + 14, "all: %llu %llu %llu %llu",
	       (unsigned long long)c.encrypted, (unsigned long long)c.text,
	       (unsigned long long)c.unknown, (unsigned long long)c.ignored);
	ASSERT(payload_device_total(db, "02:00:00:00:00:21", "setup", &c) == 0, "setup");
	EXPECT(c.encrypted == 340 && c.text == 50 && c.unknown == 10 && c.ignored == 7,
	       "setup: %llu %llu %llu %llu", (unsigned long long)c.encrypted,
	       (unsigned long long)c.text, (unsigned long long)c.unknown,
	       (unsigned long long)c.ignored);
	ASSERT(payload_device_total(db, "02:00:00:00:00:21", "idle", &c) == 0, "idle");
	EXPECT(c.sampled == 0, "nothing in idle");
	db_close(db);
}

/* The dashboard's sparklines: per device the growth of each of the last harvests. */
TEST(harvest_windows_keep_the_last_ones)
{
	uint64_t now = clock_boot_ns(), s = 1000000000ULL;
	struct device_window w[HISTORY_WINDOWS];
	struct flow_entry e[1];
	struct flow_table ft = { .items = e, .len = 1 };
	struct harvest_result r;
	char path[256];
	sqlite3 *db;
	size_t n;

	snprintf(path, sizeof(path), "%s/windows.db", tmpdir);
	ASSERT(db_open(path, &db) == 0, "open");
	/* Harvest i grows the flow by i bytes up and 2i down; harvest 5 finds nothing new. */
	for (int i = 1; i <= HISTORY_WINDOWS + 2; i++) {
		uint64_t up = (uint64_t)i * (i + 1) / 2 - (i >= 5 ? 5 : 0);

		flow(&e[0], 10, up, 2 * up, now - 100 * s, now - 50 * s + (uint64_t)i * s / 10);
		ASSERT(history_harvest(db, &ft, &r) == 0, "harvest %d", i);
		usleep(2000);	/* each harvest its own millisecond */
	}
	ASSERT(history_device_windows(db, "02:00:00:00:00:21", w, &n) == 0, "read");
	ASSERT(n == HISTORY_WINDOWS, "the last %d windows kept, got %zu", HISTORY_WINDOWS, n);
	/* Kept: harvests 3 .. 32, oldest first. */
	EXPECT(w[0].bytes_up == 3 && w[0].bytes_down == 6, "oldest kept is harvest 3: %llu/%llu",
	       (unsigned long long)w[0].bytes_up, (unsigned long long)w[0].bytes_down);
	EXPECT(w[2].bytes_up == 0 && w[2].bytes_down == 0, "harvest 5 grew nothing: %llu",
	       (unsigned long long)w[2].bytes_up);
	EXPECT(w[n - 1].bytes_up == HISTORY_WINDOWS + 2, "newest: %llu",
	       (unsigned long long)w[n - 1].bytes_up);
	for (size_t i = 1; i < n; i++)
		EXPECT(w[i].at_ms > w[i - 1].at_ms, "window %zu after window %zu", i, i - 1);
	ASSERT(history_device_windows(db, "02:00:00:00:00:99", w, &n) == 0, "other device");
	EXPECT(n == HISTORY_WINDOWS && w[0].bytes_up == 0 && w[n - 1].bytes_up == 0,
	       "a device without flows: every window 0");
	EXPECT(count(db, "SELECT count(*) FROM device_windows") == HISTORY_WINDOWS - 1,
	       "older device rows dropped, none for the empty window");
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
	RUN(rfc3339_times);
	RUN(timestamp_file_all_or_nothing);
	RUN(harvest_deltas_go_to_the_phase_in_force);
	RUN(payload_classes_go_to_the_history_by_phase);
	RUN(harvest_windows_keep_the_last_ones);
	rc = harness_done();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return rc;
}
