// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Retention (history/retention.c) over a simulated week of history: two
 * devices, each hour a steady flow, a named CDN destination on a new
 * address and an unnamed address of its own, applied every hour as `iotrim
 * run` would.  The database stays under its bound, the roll-up keeps every
 * total (per device, per destination, and through history_rows(), the
 * reader of reports and exports), a dropped window is gone, counter states
 * of another boot or of a kernel entry that is gone go, and no transaction
 * moves more than a batch.
 */
#include <errno.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "history/db.h"
#include "history/history.h"
#include "history/retention.h"

#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)
#define WEEK_HOURS (7 * 24)
/* 2026-11-23T00:00:00Z, a Monday */
#define START_MS 1795392000000LL

static char tmpdir[] = "/tmp/iotrim-retention-test-XXXXXX";

static int64_t query(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Adds bytes to a flow_history row as a harvest would (upsert). */
static void add_flow(sqlite3 *db, const char *mac, const char *remote, const char *name,
		     int64_t bytes, int64_t at_ms)
{
	sqlite3_stmt *st;

	sqlite3_prepare_v2(db,
		"INSERT INTO flow_history (device_mac, device_ip, remote_ip, proto, remote_port, name,"
		" packets_up, bytes_up, packets_down, bytes_down, first_seen_ms, last_seen_ms)"
		" VALUES (?1, '192.0.2.21', ?2, 6, 443, ?3, 1, ?4, 2, ?4 * 3, ?5, ?5)"
		" ON CONFLICT DO UPDATE SET packets_up = packets_up + 1, bytes_up = bytes_up + ?4,"
		" packets_down = packets_down + 2, bytes_down = bytes_down + ?4 * 3, last_seen_ms = ?5",
		-1, &st, NULL);
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, remote, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, bytes);
	sqlite3_bind_int64(st, 5, at_ms);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* One simulated hour h: per device a steady flow, a CDN name on a new
 * address (two addresses, one busier), and an unnamed address of its own. */
static int64_t simulate_hour(sqlite3 *db, int h)
{
	static const char *const macs[] = { "02:00:00:00:00:21", "02:00:00:00:00:22" };
	int64_t at = START_MS + h * HOUR_MS + 60000, added = 0;
	char ip[64];

	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (int d = 0; d < 2; d++) {
		add_flow(db, macs[d], "203.0.113.10", "api.vendor.example", 1000, at);
		snprintf(ip, sizeof(ip), "198.18.%d.%d", h / 200, h % 200);
		add_flow(db, macs[d], ip, "cdn.example", 5000, at);
		snprintf(ip, sizeof(ip), "198.19.%d.%d", h / 200, h % 200);
		add_flow(db, macs[d], ip, "cdn.example", 100, at);
		snprintf(ip, sizeof(ip), "2001:db8:%x::%x", d + 1, h + 1);
		add_flow(db, macs[d], ip, "", 10, at);
		added += 4 * (1000 + 5000 + 100 + 10);	/* up + 3 x down */
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return added;
}

struct sums {
	uint64_t bytes, packets, dev21_bytes, cdn_bytes;
	size_t rows;
};

static void sum_row(void *ctx, const struct flow_row *r)
{
	struct sums *s = ctx;
	uint64_t b = r->bytes_up + r->bytes_down;

	s->bytes += b;
	s->packets += r->packets_up + r->packets_down;
	if (!strcmp(r->device_mac, "02:00:00:00:00:21"))
		s->dev21_bytes += b;
	if (!strcmp(r->name, "cdn.example"))
		s->cdn_bytes += b;
	s->rows++;
}

static sqlite3 *fresh_db(const char *name)
{
	char path[256];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if (db_open(path, &db))
		return NULL;
	return db;
}

TEST(a_week_stays_bounded_and_rolled_up_totals_stay)
{
	struct retention_policy p = { .detail_days = 1, .rollup = RETENTION_DAILY, .daily_days = 3 };
	struct retention_policy keep = { .detail_days = 1, .rollup = RETENTION_DAILY };
	sqlite3 *db = fresh_db("week.db"), *all = fresh_db("all.db");
	int64_t added = 0, max_rows = 0, max_pages = 0, pages_day3 = 0;
	size_t total_rolled = 0;
	struct retention_result r;
	struct sums s = { 0 };

	ASSERT(db && all, "databases open");
	for (int h = 0; h < WEEK_HOURS; h++) {
		int64_t now = START_MS + (h + 1) * HOUR_MS, rows, pages;

		added += simulate_hour(db, h);
		simulate_hour(all, h);
		ASSERT(retention_apply(db, &p, now, &r) == 0, "retention at hour %d", h);
		ASSERT(retention_apply(all, &keep, now, &r) == 0, "retention (daily kept) at hour %d", h);
		total_rolled += r.rolled_up;
		/* Batches: no transaction moves more than RETENTION_BATCH rows. */
		EXPECT(r.transactions * RETENTION_BATCH >= r.rolled_up, "hour %d: %zu rows in %zu transactions",
		       h, r.rolled_up, r.transactions);
		rows = query(db, "SELECT (SELECT count(*) FROM flow_history) + (SELECT count(*) FROM flow_daily)");
		pages = query(db, "PRAGMA page_count");
		if (rows > max_rows)
			max_rows = rows;
		if (h >= 4 * 24 && pages > max_pages)
			max_pages = pages;
		if (h == 4 * 24 - 1)
			pages_day3 = pages;
	}
	/*
	 * The bound: per device the steady flow, 25 hours of three new rows
	 * each in flow_history (the window plus the hour not yet rolled up),
	 * and up to 5 days of daily rows (3 kept + today + yesterday): steady,
	 * cdn.example, and one per unnamed address (24 a day).
	 */
	printf("# a week: at most %" PRId64 " rows, %" PRId64 " pages at day 3, %" PRId64
	       " at most after; %zu per-flow rows rolled up\n", max_rows, pages_day3, max_pages,
	       total_rolled);
	EXPECT(max_rows <= 2 * (1 + 25 * 3 + 5 * (2 + 24)), "rows stay under the bound: max %" PRId64,
	       max_rows);
	EXPECT(max_pages <= pages_day3 + 2, "the file stops growing after the windows fill: %" PRId64
	       " pages at day 3, at most %" PRId64 " after", pages_day3, max_pages);
	EXPECT(query(db, "SELECT min(day) FROM flow_daily") >= (START_MS + 7 * DAY_MS) / DAY_MS - 3,
	       "daily rows older than 3 days are gone");
	EXPECT(query(db, "SELECT count(*) FROM flow_history WHERE last_seen_ms < "
			 "(SELECT max(last_seen_ms) FROM flow_history) - 86400000") == 0,
	       "no per-flow row older than the window");

	/* Rolled up and kept: every total the same as inserted. */
	EXPECT(total_rolled > 0, "rows were rolled up (%zu)", total_rolled);
	EXPECT(query(all, "SELECT sum(bytes_up + bytes_down) FROM flow_totals") == added,
	       "flow_totals keeps all %" PRId64 " bytes", added);
	EXPECT(query(all, "SELECT sum(packets_up + packets_down) FROM flow_totals") == WEEK_HOURS * 2 * 4 * 3,
	       "and every packet");
	EXPECT(query(all, "SELECT count(*) FROM flow_daily WHERE name = 'cdn.example'") == 2 * 6,
	       "one cdn.example row per device and rolled-up day, not one per address");
	EXPECT(query(all, "SELECT count(*) FROM flow_daily WHERE name = 'cdn.example'"
			  " AND remote_ip NOT LIKE '198.18.%'") == 0,
	       "a rolled-up name keeps its busiest address for lookups");
	ASSERT(history_rows(all, NULL, sum_row, &s) == 0, "history_rows");
	EXPECT(s.bytes == (uint64_t)added, "history_rows (reports, exports) sees every byte: %" PRIu64, s.bytes);
	EXPECT(s.dev21_bytes == (uint64_t)added / 2, "per device too");
	EXPECT(s.cdn_bytes == (uint64_t)WEEK_HOURS * 2 * 4 * 5100, "per destination too");
	EXPECT(s.rows < (size_t)WEEK_HOURS * 2 * 3, "in fewer rows than the raw history (%zu)", s.rows);
	db_close(db);
	db_close(all);
}

TEST(drop_deletes_old_rows_only)
{
	struct retention_policy p = { .detail_days = 2, .rollup = RETENTION_DROP };
	sqlite3 *db = fresh_db("drop.db");
	struct retention_result r;
	int64_t now = START_MS + 3 * DAY_MS;

	ASSERT(db, "database opens");
	add_flow(db, "02:00:00:00:00:21", "203.0.113.1", "old.example", 100, START_MS);
	add_flow(db, "02:00:00:00:00:21", "203.0.113.2", "new.example", 100, now - DAY_MS);
	ASSERT(retention_apply(db, &p, now, &r) == 0, "retention");
	EXPECT(r.dropped == 1 && r.rolled_up == 0, "one row dropped (%zu), none rolled up", r.dropped);
	EXPECT(query(db, "SELECT count(*) FROM flow_totals WHERE name = 'new.example'") == 1 &&
	       query(db, "SELECT count(*) FROM flow_totals") == 1, "the recent row stays alone");
	db_close(db);
}

TEST(states_of_other_boots_go)
{
	struct retention_policy p = { .detail_days = 30 };
	sqlite3 *db = fresh_db("state.db");
	struct retention_result r;
	char boot_id[40], sql[512];

	ASSERT(db, "database opens");
	history_boot_id(boot_id);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO flow_state VALUES ('02:00:00:00:00:21', '192.0.2.21', '203.0.113.1', 6,"
		 " 443, 'another-boot', 1, 1, 1, 1, 1);"
		 "INSERT INTO flow_state VALUES ('02:00:00:00:00:21', '192.0.2.21', '203.0.113.2', 6,"
		 " 443, '%s', 1, 1, 1, 1, 1);", boot_id);
	ASSERT(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "states inserted");
	ASSERT(retention_apply(db, &p, START_MS, &r) == 0, "retention");
	EXPECT(query(db, "SELECT count(*) FROM flow_state WHERE boot_id = 'another-boot'") == 0,
	       "the other boot's state is gone");
	EXPECT(query(db, "SELECT count(*) FROM flow_state") == 1, "this boot's state stays");
	db_close(db);
}

TEST(states_of_gone_kernel_entries_go)
{
	struct flow_entry entry = { 0 };
	struct flow_table live = { .items = &entry, .len = 1 };
	struct retention_result r = { 0 };
	sqlite3 *db = fresh_db("gone.db");
	char boot_id[40], sql[1024];

	ASSERT(db, "database opens");
	history_boot_id(boot_id);
	ASSERT(boot_id[0], "a boot id");
	memcpy(entry.key.device_mac, (uint8_t[]){ 2, 0, 0, 0, 0, 0x21 }, 6);
	entry.key.family = IOTRIM_FAMILY_IPV4;
	entry.key.proto = IPPROTO_TCP;
	entry.key.remote_port = 443;
	memcpy(entry.key.device_ip, (uint8_t[]){ 192, 0, 2, 21 }, 4);
	memcpy(entry.key.remote_ip, (uint8_t[]){ 203, 0, 113, 1 }, 4);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO flow_state VALUES ('02:00:00:00:00:21', '192.0.2.21', '203.0.113.1', 6,"
		 " 443, '%s', 1, 1, 1, 1, 1);"
		 "INSERT INTO flow_state VALUES ('02:00:00:00:00:21', '192.0.2.21', '203.0.113.2', 6,"
		 " 443, '%s', 1, 1, 1, 1, 1);"
		 "INSERT INTO payload_state VALUES ('02:00:00:00:00:21', '192.0.2.21', '203.0.113.2', 6,"
		 " 443, '%s', 1, 0, 0, 0, 0, 0, 0, 0);", boot_id, boot_id, boot_id);
	ASSERT(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "states inserted");
	ASSERT(retention_prune_states(db, &live, &r) == 0, "prune");
	EXPECT(query(db, "SELECT count(*) FROM flow_state WHERE remote_ip = '203.0.113.1'") == 1,
	       "the live entry's state stays");
	EXPECT(query(db, "SELECT count(*) FROM flow_state") == 1 &&
	       query(db, "SELECT count(*) FROM payload_state") == 0,
	       "the gone entry's flow and payload states go");
	EXPECT(r.other_dropped == 2, "two rows counted (%zu)", r.other_dropped);
	db_close(db);
}

TEST(stats_read_without_writing)
{
	struct db_stats st;
	char path[256];

	snprintf(path, sizeof(path), "%s/week.db", tmpdir);
	ASSERT(history_db_stats(path, &st) == 0, "stats of the week");
	EXPECT(st.bytes > 0 && st.detail_rows > 0 && st.daily_rows > 0, "size and rows");
	/* The steady flow, updated every hour, stays one per-flow row since the start. */
	EXPECT(st.oldest_ms == START_MS + 60000, "the oldest row is the steady flow's first packet");
	snprintf(path, sizeof(path), "%s/none.db", tmpdir);
	EXPECT(history_db_stats(path, &st) == -ENOENT, "no database: -ENOENT, none created");
}

int main(void)
{
	char cmd[300];
	int rc;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(a_week_stays_bounded_and_rolled_up_totals_stay);
	RUN(drop_deletes_old_rows_only);
	RUN(states_of_other_boots_go);
	RUN(states_of_gone_kernel_entries_go);
	RUN(stats_read_without_writing);
	rc = harness_done();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return rc;
}
