/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What `destinations` and `export` read: the flows (history plus what the
 * kernel counted since the last harvest), their destinations with what the
 * database knows of them, and the attribution tables as they are.
 */
#ifndef IOTRIM_QUERIES_H
#define IOTRIM_QUERIES_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "attrib/destinations.h"
#include "attrib/geo.h"
#include "attrib/party.h"
#include "datapath/table.h"

/*
 * Every flow row (history_rows) of the device only_mac ("aa:bb:..", NULL:
 * every device), appended to out.  live may be NULL.  0, or -ENOMEM, or
 * -EIO after printing why.
 */
int history_flow_rows(sqlite3 *db, const struct flow_table *live, const char *only_mac,
		      struct flow_rows *out);
/* Merges the rows of one flow and name (history and live) into one, in place. */
void flow_rows_merge(struct flow_rows *r);

/*
 * The destinations of rows (dest_group: rows get sorted), each described
 * (dest_describe, local: the gateway's addresses; address_countries: the
 * country of every address too) with what the attribution tables say
 * (history/dest_facts.h); per device, most bytes first.  0 or -ENOMEM.
 */
int history_destinations(sqlite3 *db, struct flow_rows *rows, const struct geo *geo,
			 const struct providers *prov, struct device_config *conf,
			 const struct local_nets *local, bool address_countries,
			 struct dest_list *out);

/* The attribution tables `export --json` dumps. */
enum history_table { HISTORY_NAMES, HISTORY_DNS_QUERIES, HISTORY_TLS_VERSIONS };

struct history_cell {
	const char *column;
	enum { CELL_NULL, CELL_INT, CELL_TEXT } kind;
	int64_t i;
	const char *text;
};

#define HISTORY_MAX_COLUMNS 16

typedef void (*history_row_fn)(void *ctx, const struct history_cell *cells, int n);
typedef void (*history_counter_fn)(void *ctx, const char *name, uint64_t value);

/* Calls fn for each row of the table (of only_mac's device unless NULL); 0 or -EIO. */
int history_table_rows(sqlite3 *db, enum history_table t, const char *only_mac,
		       history_row_fn fn, void *ctx);
/* Calls fn for each attribution counter, by name; 0 or -EIO. */
int history_counters(sqlite3 *db, history_counter_fn fn, void *ctx);

#endif
