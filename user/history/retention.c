// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Retention and database size: see retention.h. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/log.h"
#include "history/history.h"
#include "history/retention.h"

#define DAY_MS 86400000LL
#define STR(x) #x
#define XSTR(x) STR(x)

/* The oldest RETENTION_BATCH rows of flow_history last seen before ?1, by key. */
#define OLD_DETAIL                                                                          \
	"SELECT * FROM flow_history WHERE last_seen_ms < ?1"                                \
	" ORDER BY device_mac, device_ip, remote_ip, proto, remote_port, name"              \
	" LIMIT " XSTR(RETENTION_BATCH)

/* The roll-up rule (retention.h); rn 1 is the busiest row of its group. */
#define ROLLUP_GROUP "last_seen_ms / 86400000, device_mac, CASE name WHEN '' THEN remote_ip ELSE name END, proto, remote_port"
static const char rollup_sql[] =
	"INSERT INTO flow_daily (day, device_mac, dest, proto, remote_port, name, device_ip,"
	" remote_ip, packets_up, bytes_up, packets_down, bytes_down, first_seen_ms, last_seen_ms)"
	" SELECT day, device_mac, dest, proto, remote_port, max(name),"
	"  max(CASE rn WHEN 1 THEN device_ip END), max(CASE rn WHEN 1 THEN remote_ip END),"
	"  sum(packets_up), sum(bytes_up), sum(packets_down), sum(bytes_down),"
	"  min(first_seen_ms), max(last_seen_ms)"
	" FROM (SELECT *, last_seen_ms / 86400000 AS day,"
	"  CASE name WHEN '' THEN remote_ip ELSE name END AS dest,"
	"  row_number() OVER (PARTITION BY " ROLLUP_GROUP
	"   ORDER BY bytes_up + bytes_down DESC, device_ip, remote_ip) AS rn"
	"  FROM (" OLD_DETAIL "))"
	" WHERE true GROUP BY day, device_mac, dest, proto, remote_port"
	" ON CONFLICT (day, device_mac, dest, proto, remote_port) DO UPDATE SET"
	"  packets_up = packets_up + excluded.packets_up, bytes_up = bytes_up + excluded.bytes_up,"
	"  packets_down = packets_down + excluded.packets_down,"
	"  bytes_down = bytes_down + excluded.bytes_down,"
	"  first_seen_ms = min(first_seen_ms, excluded.first_seen_ms),"
	"  last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)";

static const char delete_detail_sql[] =
	"DELETE FROM flow_history WHERE (device_mac, device_ip, remote_ip, proto, remote_port, name)"
	" IN (SELECT device_mac, device_ip, remote_ip, proto, remote_port, name FROM (" OLD_DETAIL "))";

static const char delete_daily_sql[] =
	"DELETE FROM flow_daily WHERE (day, device_mac, dest, proto, remote_port) IN"
	" (SELECT day, device_mac, dest, proto, remote_port FROM flow_daily WHERE day < ?1 / 86400000"
	"  LIMIT " XSTR(RETENTION_BATCH) ")";

/* Rows nothing reads any more once older than the window (?1), or of another boot (?2). */
static const char *const other_sql[] = {
	"DELETE FROM dns_names WHERE rowid IN (SELECT rowid FROM dns_names WHERE expires_ms < ?1"
	" LIMIT " XSTR(RETENTION_BATCH) ")",
	"DELETE FROM dns_queries WHERE rowid IN (SELECT rowid FROM dns_queries"
	" WHERE last_seen_ms < ?1 LIMIT " XSTR(RETENTION_BATCH) ")",
	"DELETE FROM tls_versions WHERE rowid IN (SELECT rowid FROM tls_versions"
	" WHERE last_seen_ms < ?1 LIMIT " XSTR(RETENTION_BATCH) ")",
	/* A kernel entry of another boot is gone: its state can never give a delta. */
	"DELETE FROM flow_state WHERE (device_mac, device_ip, remote_ip, proto, remote_port) IN"
	" (SELECT device_mac, device_ip, remote_ip, proto, remote_port FROM flow_state"
	"  WHERE boot_id <> ?2 LIMIT " XSTR(RETENTION_BATCH) ")",
	"DELETE FROM payload_state WHERE (device_mac, device_ip, remote_ip, proto, remote_port) IN"
	" (SELECT device_mac, device_ip, remote_ip, proto, remote_port FROM payload_state"
	"  WHERE boot_id <> ?2 LIMIT " XSTR(RETENTION_BATCH) ")",
};

/*
 * Runs the statements (NULL ends them) in one transaction, bound to cutoff
 * and boot_id, as long as the first one changes rows; each transaction
 * touches at most RETENTION_BATCH rows.  Returns the rows the first one
 * changed in total, or -EIO.
 */
static long batches(sqlite3 *db, const char *const *sql, int64_t cutoff, const char *boot_id,
		    size_t *transactions)
{
	sqlite3_stmt *st[2] = { NULL, NULL };
	long total = 0;
	int n = 0, changed;

	for (; n < 2 && sql[n]; n++) {
		if (sqlite3_prepare_v2(db, sql[n], -1, &st[n], NULL) != SQLITE_OK)
			goto fail;
		/* ?1 the cutoff, ?2 this boot (a statement may use only one) */
		sqlite3_bind_int64(st[n], 1, cutoff);
		if (sqlite3_bind_parameter_count(st[n]) > 1)
			sqlite3_bind_text(st[n], 2, boot_id, -1, SQLITE_STATIC);
	}
	do {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		changed = 0;
		for (int i = 0; i < n; i++) {
			int before = sqlite3_total_changes(db);

			if (sqlite3_step(st[i]) != SQLITE_DONE) {
				sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
				goto fail;
			}
			sqlite3_reset(st[i]);
			if (i == n - 1)
				changed = sqlite3_total_changes(db) - before;
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		(*transactions)++;
		total += changed;
	} while (changed > 0);
	for (int i = 0; i < n; i++)
		sqlite3_finalize(st[i]);
	return total;
fail:
	warn("retention: %s", sqlite3_errmsg(db));
	for (int i = 0; i < n; i++)
		sqlite3_finalize(st[i]);
	return -EIO;
}

int retention_apply(sqlite3 *db, const struct retention_policy *p, int64_t now_ms,
		    struct retention_result *r)
{
	const char *const rollup[] = { rollup_sql, delete_detail_sql, NULL };
	const char *const drop[] = { delete_detail_sql, NULL };
	char boot_id[40];
	long n;

	*r = (struct retention_result){ 0 };
	history_boot_id(boot_id);
	if (p->detail_days) {
		int64_t cutoff = now_ms - (int64_t)p->detail_days * DAY_MS;

		/* The counted rows are the deletion's: the roll-up's rows are groups. */
		n = batches(db, p->rollup == RETENTION_DAILY ? rollup : drop, cutoff, boot_id,
			    &r->transactions);
		if (n < 0)
			return -EIO;
		if (p->rollup == RETENTION_DAILY)
			r->rolled_up = n;
		else
			r->dropped = n;
		for (size_t i = 0; i < sizeof(other_sql) / sizeof(other_sql[0]); i++) {
			const char *const one[] = { other_sql[i], NULL };

			if ((n = batches(db, one, cutoff, boot_id, &r->transactions)) < 0)
				return -EIO;
			r->other_dropped += n;
		}
	}
	if (p->daily_days) {
		const char *const one[] = { delete_daily_sql, NULL };

		n = batches(db, one, now_ms - (int64_t)p->daily_days * DAY_MS, boot_id,
			    &r->transactions);
		if (n < 0)
			return -EIO;
		r->daily_dropped = n;
	}
	return 0;
}

/* This boot's states whose key the kernel table (temp.live_flows) lacks. */
#define GONE_STATES(table)                                                                  \
	"DELETE FROM " table " WHERE (device_mac, device_ip, remote_ip, proto, remote_port) IN"  \
	" (SELECT device_mac, device_ip, remote_ip, proto, remote_port FROM " table " s"     \
	"  WHERE boot_id = ?2 AND NOT EXISTS (SELECT 1 FROM temp.live_flows l"                \
	"   WHERE l.device_mac = s.device_mac AND l.device_ip = s.device_ip"                  \
	"   AND l.remote_ip = s.remote_ip AND l.proto = s.proto AND l.remote_port = s.remote_port)" \
	"  LIMIT " XSTR(RETENTION_BATCH) ")"

/* The live keys into a temporary table: no lock on the database itself. */
static int fill_live(sqlite3 *db, const struct flow_table *live)
{
	sqlite3_stmt *st = NULL;
	struct key_text t;

	if (sqlite3_exec(db,
			 "CREATE TEMP TABLE IF NOT EXISTS live_flows (device_mac TEXT, device_ip TEXT,"
			 " remote_ip TEXT, proto INTEGER, remote_port INTEGER, PRIMARY KEY (device_mac,"
			 " device_ip, remote_ip, proto, remote_port)) WITHOUT ROWID;"
			 "BEGIN; DELETE FROM temp.live_flows",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO temp.live_flows VALUES (?1, ?2, ?3, ?4, ?5)",
			       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	for (size_t i = 0; i < live->len; i++) {
		const struct flow_key *k = &live->items[i].key;

		history_key_text(k, &t);
		sqlite3_bind_text(st, 1, t.mac, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, t.device_ip, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, t.remote_ip, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, k->proto);
		sqlite3_bind_int(st, 5, k->remote_port);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
fail:
	warn("retention: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -EIO;
}

int retention_prune_states(sqlite3 *db, const struct flow_table *live,
			   struct retention_result *r)
{
	static const char *const gone[] = { GONE_STATES("flow_state"), GONE_STATES("payload_state") };
	char boot_id[40];
	long n;

	history_boot_id(boot_id);
	if (!boot_id[0] || fill_live(db, live))
		return boot_id[0] ? -EIO : 0;	/* no boot id: no state is this boot's for sure */
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		const char *const one[] = { gone[i], NULL };

		if ((n = batches(db, one, 0, boot_id, &r->transactions)) < 0)
			return -EIO;
		r->other_dropped += n;
	}
	return sqlite3_exec(db, "DELETE FROM temp.live_flows", NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

static int64_t file_size(const char *path, const char *suffix)
{
	char name[4096];
	struct stat s;

	snprintf(name, sizeof(name), "%s%s", path, suffix);
	return stat(name, &s) == 0 ? (int64_t)s.st_size : 0;
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int history_db_stats(const char *path, struct db_stats *out)
{
	struct stat s;
	sqlite3 *db;

	*out = (struct db_stats){ 0 };
	if (stat(path, &s))
		return -errno;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		warn("database %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -EIO;
	}
	sqlite3_busy_timeout(db, 2000);
	out->bytes = file_size(path, "") + file_size(path, "-wal");
	out->detail_rows = query_int(db, "SELECT count(*) FROM flow_history");
	out->daily_rows = query_int(db, "SELECT count(*) FROM flow_daily");
	out->oldest_ms = query_int(db, "SELECT coalesce(min(first_seen_ms), 0) FROM flow_totals");
	if (out->oldest_ms < 0)	/* before the retention_v1 migration */
		out->oldest_ms = query_int(db, "SELECT coalesce(min(first_seen_ms), 0) FROM flow_history");
	sqlite3_close(db);
	return 0;
}
