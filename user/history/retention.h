/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Retention: keeps the database bounded.  flow_history rows last seen
 * before the window leave it, rolled up per day into flow_daily (or
 * dropped); daily rows older than their own window are dropped; so are
 * counter states of earlier boots and DNS/TLS rows older than the window.
 * Everything goes in small transactions, so a harvest or a reader never
 * waits long: the keys to remove are listed first (a read), then removed
 * RETENTION_BATCH per transaction by key.  Readers see flow_history and flow_daily through the view
 * flow_totals, so totals stay right over rolled-up days.
 *
 * The roll-up rule: rows of one unix day (UTC, by last_seen), device,
 * destination (the name, or the remote address for rows without one),
 * protocol and port become one row: counters summed, first/last seen the
 * earliest and latest, the addresses those of the busiest row rolled up
 * (what country and AS lookups use; a name served from several addresses
 * takes its busiest one's).
 */
#ifndef IOTRIM_HISTORY_RETENTION_H
#define IOTRIM_HISTORY_RETENTION_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datapath/table.h"

/* Rows moved or deleted per transaction. */
#define RETENTION_BATCH 500

enum retention_rollup {
	RETENTION_DAILY,	/* roll old rows up per day */
	RETENTION_DROP,		/* delete them */
};

struct retention_policy {
	unsigned detail_days;	/* flow_history window; 0: rows stay */
	enum retention_rollup rollup;
	unsigned daily_days;	/* flow_daily window; 0: rows stay */
};

struct retention_result {
	size_t rolled_up;	/* flow_history rows moved into flow_daily */
	size_t dropped;		/* flow_history rows deleted (drop) */
	size_t daily_dropped;	/* flow_daily rows deleted */
	size_t other_dropped;	/* old DNS/TLS rows, counter states of earlier boots */
	size_t transactions;
};

/* Applies policy as of now_ms (unix ms); 0, or -EIO after printing why. */
int retention_apply(sqlite3 *db, const struct retention_policy *policy, int64_t now_ms,
		    struct retention_result *r);

/*
 * Drops the counter states (flow_state, payload_state) of this boot whose
 * kernel entry is gone (not in live, the flow table read just now): an
 * entry made again later has another first_seen, whose whole value is its
 * delta with or without the old state, so nothing is counted twice.
 * Adds to r->other_dropped; 0, or -EIO after printing why.
 */
int retention_prune_states(sqlite3 *db, const struct flow_table *live,
			   struct retention_result *r);

struct db_stats {
	int64_t bytes;		/* the file and its WAL */
	int64_t oldest_ms;	/* earliest first_seen in flow_totals; 0: no rows */
	int64_t detail_rows, daily_rows;
};

/* Reads path without changing it; 0, -ENOENT, or -EIO after printing why. */
int history_db_stats(const char *path, struct db_stats *out);

#endif
