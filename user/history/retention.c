// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Retention and database size: see retention.h.
 *
 * Each step first lists the keys of the rows it will remove in a temporary
 * table (one read of the table; a read does not block the harvest in WAL
 * mode, and the temporary table is outside the database), then removes
 * them RETENTION_BATCH keys per transaction, each batch found by its range
 * of the temporary table's rowids: a transaction costs its batch, not the
 * table's size.  Every batch checks its condition again, since a harvest
 * may have renewed a row meanwhile.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/log.h"
#include "history/history.h"
#include "history/retention.h"

#define DAY_MS 86400000LL

#define FLOW_KEY "device_mac, device_ip, remote_ip, proto, remote_port"
#define DETAIL_KEY FLOW_KEY ", name"
#define DAILY_KEY "day, device_mac, dest, proto, remote_port"

/*
 * One step: the rows of table whose condition (?1 the cutoff, ?2 this
 * boot) holds, named by key (kept as tkey in the temporary table).  rollup:
 * a statement run before each batch's deletion, over the same rows.
 */
struct step {
	const char *table, *key, *tkey, *cond;
	const char *rollup;
};

/* The rows of the batch: keys ?3..?4 of the temporary table. */
#define BATCH(key, tkey) "(" key ") IN (SELECT " tkey " FROM temp.retention_keys"              \
	" WHERE rowid BETWEEN ?3 AND ?4)"

/* The roll-up rule (retention.h); rn 1 is the busiest row of its group. */
#define DEST "CASE name WHEN '' THEN remote_ip ELSE name END"
static const char rollup_sql[] =
	"INSERT INTO flow_daily (day, device_mac, dest, proto, remote_port, name, device_ip,"
	" remote_ip, packets_up, bytes_up, packets_down, bytes_down, first_seen_ms, last_seen_ms)"
	" SELECT day, device_mac, dest, proto, remote_port, max(name),"
	"  max(CASE rn WHEN 1 THEN device_ip END), max(CASE rn WHEN 1 THEN remote_ip END),"
	"  sum(packets_up), sum(bytes_up), sum(packets_down), sum(bytes_down),"
	"  min(first_seen_ms), max(last_seen_ms)"
	" FROM (SELECT *, last_seen_ms / 86400000 AS day, " DEST " AS dest,"
	"  row_number() OVER (PARTITION BY last_seen_ms / 86400000, device_mac, " DEST ","
	"   proto, remote_port ORDER BY bytes_up + bytes_down DESC, device_ip, remote_ip) AS rn"
	"  FROM flow_history WHERE last_seen_ms < ?1 AND " BATCH(DETAIL_KEY, DETAIL_KEY) ")"
	" WHERE true GROUP BY day, device_mac, dest, proto, remote_port"
	" ON CONFLICT (day, device_mac, dest, proto, remote_port) DO UPDATE SET"
	"  packets_up = packets_up + excluded.packets_up, bytes_up = bytes_up + excluded.bytes_up,"
	"  packets_down = packets_down + excluded.packets_down,"
	"  bytes_down = bytes_down + excluded.bytes_down,"
	"  first_seen_ms = min(first_seen_ms, excluded.first_seen_ms),"
	"  last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)";

static const struct step detail_rollup = {
	"flow_history", DETAIL_KEY, DETAIL_KEY, "last_seen_ms < ?1", rollup_sql,
};
static const struct step detail_drop = {
	"flow_history", DETAIL_KEY, DETAIL_KEY, "last_seen_ms < ?1", NULL,
};
static const struct step daily_drop = {
	"flow_daily", DAILY_KEY, DAILY_KEY, "day < ?1 / 86400000", NULL,
};
/* Rows nothing reads any more once older than the window, or of another boot. */
static const struct step other_steps[] = {
	{ "dns_names", "rowid", "rid", "expires_ms < ?1", NULL },
	{ "dns_queries", "rowid", "rid", "last_seen_ms < ?1", NULL },
	{ "tls_versions", "rowid", "rid", "last_seen_ms < ?1", NULL },
	/* A kernel entry of another boot is gone: its state can never give a delta. */
	{ "flow_state", FLOW_KEY, FLOW_KEY, "boot_id <> ?2", NULL },
	{ "payload_state", FLOW_KEY, FLOW_KEY, "boot_id <> ?2", NULL },
};
/* This boot's states whose key the kernel table (temp.live_flows) lacks. */
#define GONE "boot_id = ?2 AND NOT EXISTS (SELECT 1 FROM temp.live_flows l"                   \
	" WHERE (l.device_mac, l.device_ip, l.remote_ip, l.proto, l.remote_port) ="            \
	" (s.device_mac, s.device_ip, s.remote_ip, s.proto, s.remote_port))"
static const struct step gone_steps[] = {
	{ "flow_state", FLOW_KEY, FLOW_KEY, GONE, NULL },
	{ "payload_state", FLOW_KEY, FLOW_KEY, GONE, NULL },
};

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, int64_t cutoff, const char *boot_id)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	/* A statement may use either; binding an unused one is harmless. */
	sqlite3_bind_int64(st, 1, cutoff);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_text(st, 2, boot_id, -1, SQLITE_STATIC);
	return st;
}

static bool run_batch(sqlite3_stmt *st, sqlite3_int64 lo, sqlite3_int64 hi)
{
	sqlite3_bind_int64(st, 3, lo);
	sqlite3_bind_int64(st, 4, hi);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return false;
	}
	sqlite3_reset(st);
	return true;
}

/* Runs step s; the rows it removed, or -EIO after printing why. */
static long run_step(sqlite3 *db, const struct step *s, int64_t cutoff, const char *boot_id,
		     size_t *transactions)
{
	sqlite3_stmt *list = NULL, *roll = NULL, *del = NULL;
	char sql[2048];
	sqlite3_int64 n = 0;
	long removed = 0;

	if (sqlite3_exec(db, "DROP TABLE IF EXISTS temp.retention_keys", NULL, NULL, NULL))
		goto fail;
	snprintf(sql, sizeof(sql),
		 "CREATE TEMP TABLE retention_keys AS SELECT %s%s%s FROM %s s WHERE %s", s->key,
		 s->tkey != s->key ? " AS " : "", s->tkey != s->key ? s->tkey : "", s->table, s->cond);
	if (!(list = prepare(db, sql, cutoff, boot_id)) || sqlite3_step(list) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(list);
	if (!(list = prepare(db, "SELECT count(*) FROM temp.retention_keys", cutoff, boot_id)) ||
	    sqlite3_step(list) != SQLITE_ROW)
		goto fail;
	n = sqlite3_column_int64(list, 0);
	snprintf(sql, sizeof(sql), "DELETE FROM %s AS s WHERE (%s) AND (%s) IN (SELECT %s FROM"
		 " temp.retention_keys WHERE rowid BETWEEN ?3 AND ?4)", s->table, s->cond, s->key,
		 s->tkey);
	if (!(del = prepare(db, sql, cutoff, boot_id)) ||
	    (s->rollup && !(roll = prepare(db, s->rollup, cutoff, boot_id))))
		goto fail;
	/* CREATE TABLE AS numbers its rows 1..n. */
	for (sqlite3_int64 lo = 1; lo <= n; lo += RETENTION_BATCH) {
		sqlite3_int64 hi = lo + RETENTION_BATCH - 1;
		int before;

		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		if (roll && !run_batch(roll, lo, hi))
			goto rollback;
		before = sqlite3_total_changes(db);
		if (!run_batch(del, lo, hi))
			goto rollback;
		removed += sqlite3_total_changes(db) - before;
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		(*transactions)++;
	}
	sqlite3_finalize(list);
	sqlite3_finalize(roll);
	sqlite3_finalize(del);
	sqlite3_exec(db, "DROP TABLE IF EXISTS temp.retention_keys", NULL, NULL, NULL);
	return removed;
rollback:
	warn("retention of %s: %s", s->table, sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	goto out;
fail:
	warn("retention of %s: %s", s->table, sqlite3_errmsg(db));
out:
	sqlite3_finalize(list);
	sqlite3_finalize(roll);
	sqlite3_finalize(del);
	return -EIO;
}

int retention_apply(sqlite3 *db, const struct retention_policy *p, int64_t now_ms,
		    struct retention_result *r)
{
	char boot_id[40];
	long n;

	*r = (struct retention_result){ 0 };
	history_boot_id(boot_id);
	if (p->detail_days) {
		int64_t cutoff = now_ms - (int64_t)p->detail_days * DAY_MS;
		bool rollup = p->rollup == RETENTION_DAILY;

		n = run_step(db, rollup ? &detail_rollup : &detail_drop, cutoff, boot_id,
			     &r->transactions);
		if (n < 0)
			return -EIO;
		if (rollup)
			r->rolled_up = n;
		else
			r->dropped = n;
		for (size_t i = 0; i < sizeof(other_steps) / sizeof(other_steps[0]); i++) {
			if ((n = run_step(db, &other_steps[i], cutoff, boot_id, &r->transactions)) < 0)
				return -EIO;
			r->other_dropped += n;
		}
	}
	if (p->daily_days) {
		n = run_step(db, &daily_drop, now_ms - (int64_t)p->daily_days * DAY_MS, boot_id,
			     &r->transactions);
		if (n < 0)
			return -EIO;
		r->daily_dropped = n;
	}
	return 0;
}

/* The live keys into a temporary table: no lock on the database itself. */
static int fill_live(sqlite3 *db, const struct flow_table *live)
{
	sqlite3_stmt *st = NULL;
	struct key_text t;

	if (sqlite3_exec(db,
			 "CREATE TEMP TABLE IF NOT EXISTS live_flows (device_mac TEXT, device_ip TEXT,"
			 " remote_ip TEXT, proto INTEGER, remote_port INTEGER, PRIMARY KEY (" FLOW_KEY
			 ")) WITHOUT ROWID; BEGIN; DELETE FROM temp.live_flows",
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
	char boot_id[40];
	long n;

	history_boot_id(boot_id);
	if (!boot_id[0])
		return 0;	/* no boot id: no state is this boot's for sure */
	if (fill_live(db, live))
		return -EIO;
	for (size_t i = 0; i < sizeof(gone_steps) / sizeof(gone_steps[0]); i++) {
		if ((n = run_step(db, &gone_steps[i], 0, boot_id, &r->transactions)) < 0)
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
