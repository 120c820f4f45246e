// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Retention over a big history: N flow_history rows (default 1,000,000), one
 * in K (default 2) older than the window, rolled up per day.  Prints the
 * write transactions' median, p99 and longest time (what a harvest could
 * wait for) and the key listing (a read), beside the baseline: the same
 * rows removed by one DELETE in one transaction, on a copy of the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "history/db.h"
#include "history/retention.h"

#define MAX_TX 100000

static double tx_start, listing_s, tx_s[MAX_TX];
static int in_tx, ntx;

/* Statement times from SQLite's profile trace: BEGIN IMMEDIATE .. COMMIT. */
static int on_profile(unsigned type, void *ctx, void *stmt, void *ns)
{
	const char *sql = sqlite3_sql(stmt);
	double now = clock_mono_s();

	(void)type, (void)ctx;
	if (!strncmp(sql, "BEGIN IMMEDIATE", 15)) {
		in_tx = 1;
		tx_start = now;
	} else if (!strncmp(sql, "COMMIT", 6) && in_tx) {
		in_tx = 0;
		if (ntx < MAX_TX)
			tx_s[ntx++] = now - tx_start;
	} else if (!strncmp(sql, "CREATE TEMP TABLE retention_keys", 32) &&
		   *(sqlite3_int64 *)ns / 1e9 > listing_s) {
		listing_s = *(sqlite3_int64 *)ns / 1e9;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int fill(const char *path, long rows, long stale_every)
{
	sqlite3_stmt *st;
	sqlite3 *db;

	if (db_open(path, &db))
		return -1;
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	sqlite3_prepare_v2(db,
		"INSERT INTO flow_history VALUES ('02:00:00:00:00:21', '192.0.2.21', ?1, 6, 443, ?2,"
		" 1, 100, 1, 100, ?3, ?3)", -1, &st, NULL);
	for (long i = 0; i < rows; i++) {
		char ip[32], name[32];

		snprintf(ip, sizeof(ip), "10.%ld.%ld.%ld", i >> 16 & 255, i >> 8 & 255, i & 255);
		snprintf(name, sizeof(name), "n%ld.example", i % 1000);
		sqlite3_bind_text(st, 1, ip, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		/* stale: day 0; fresh: day 10 */
		sqlite3_bind_int64(st, 3, i % stale_every ? 10 * 86400000LL : 1000);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	db_close(db);
	return 0;
}

int main(int argc, char **argv)
{
	long rows = argc > 1 ? atol(argv[1]) : 1000000, every = argc > 2 ? atol(argv[2]) : 2;
	char dir[] = "/tmp/iotrim-bench-retention-XXXXXX", a[256], b[256], cmd[300];
	struct retention_policy p = { .detail_days = 1, .rollup = RETENTION_DAILY };
	struct retention_result r;
	sqlite3 *db;
	double t0, total, one_shot;

	if (!mkdtemp(dir) || rows < 1 || every < 1)
		return 1;
	snprintf(a, sizeof(a), "%s/a.db", dir);
	snprintf(b, sizeof(b), "%s/b.db", dir);
	if (fill(a, rows, every) || fill(b, rows, every))
		return 1;

	db_open(b, &db);
	t0 = clock_mono_s();
	sqlite3_exec(db, "BEGIN IMMEDIATE; DELETE FROM flow_history WHERE last_seen_ms < 5 * 86400000;"
			 " COMMIT", NULL, NULL, NULL);
	one_shot = clock_mono_s() - t0;
	db_close(db);

	db_open(a, &db);
	sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, on_profile, NULL);
	t0 = clock_mono_s();
	retention_apply(db, &p, 5 * 86400000LL, &r);
	total = clock_mono_s() - t0;
	db_close(db);
	qsort(tx_s, ntx, sizeof(*tx_s), cmp_double);
	printf("retention of %ld rows, 1 in %ld stale: %zu rolled up in %d write transactions, %.2f s in all\n",
	       rows, every, r.rolled_up, ntx, total);
	if (ntx)
		printf("  write transaction: median %.1f ms, p99 %.1f ms, longest %.1f ms;"
		       " key listing (a read) %.0f ms\n", tx_s[ntx / 2] * 1e3, tx_s[ntx * 99 / 100] * 1e3,
		       tx_s[ntx - 1] * 1e3, listing_s * 1e3);
	printf("  baseline: one DELETE of the same rows in one transaction: %.0f ms\n", one_shot * 1e3);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
