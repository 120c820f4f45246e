/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * flow_state: the absolute counters of each kernel flow as the last harvest
 * committed them, and a flow's growth since (history.h says when a counter
 * started over).  Keyed by the flow's text key (struct key_text).
 */
#ifndef IOTRIM_HISTORY_FLOW_STATE_H
#define IOTRIM_HISTORY_FLOW_STATE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "history/history.h"

struct flow_growth {
	uint64_t packets_up, bytes_up, packets_down, bytes_down;
	bool restarted;		/* the kernel counter began again: growth = value */
	bool have_state;	/* flow_state has a row for the flow */
};

/* A row as stored. */
struct flow_state_row {
	struct key_text t;
	int proto, port;
	char boot_id[40];
	int64_t numbers[5];	/* kernel_first_seen_ns, then the counters */
};

#define FLOW_STATE_BATCH 32	/* rows a statement inserts when flow_state is written whole */

struct flow_state_io {
	sqlite3_stmt *get, *update, *insert, *insert_batch;
	char boot_id[40];	/* history_boot_id at open */
	struct flow_state_row batch[FLOW_STATE_BATCH];	/* appended, not inserted yet */
	size_t batch_len;
};

/* 0, or -EIO after printing why. */
int flow_state_open(sqlite3 *db, struct flow_state_io *s);
void flow_state_close(struct flow_state_io *s);
/* Flow k's growth since its stored counters (all of v's without a row). */
void flow_state_growth(struct flow_state_io *s, const struct key_text *t,
		       const struct flow_key *k, const struct flow_value *v, struct flow_growth *g);
bool flow_growth_zero(const struct flow_growth *g);
/* The growth of a flow with no row: all of v. */
void flow_growth_all(const struct flow_value *v, struct flow_growth *g);
/* 1 when flow_state has no row (no harvest yet), 0 when it has, -EIO after printing why. */
int flow_state_empty(sqlite3 *db);

/*
 * The same for many flows, taken in the primary key's order (flow_order.h):
 * one read of flow_state in that order, merged, instead of a search per
 * flow.  Each row read is checked to come after the one before in our
 * order: while all do, a flow the merge passes by has no row (the rows
 * before it were smaller, the rest are bigger) and is not searched for.
 * Once a row out of order or a failed step made the scan unsure, such a
 * flow is searched for (flow_state_growth); and if the scan ends unsure,
 * the flows it passed by before must be searched for too: a row is never
 * missed.  Only reads may run while a scan is open (a write to flow_state
 * makes the scan search again for its place at every step).
 */
struct flow_state_scan {
	sqlite3_stmt *st;
	int rc;			/* of the last step */
	bool unsure;		/* a row out of order, or a failed step */
	bool at_match;		/* the current row is the last flow's */
	struct key_text last;	/* the row before the current one */
	int last_proto, last_port;
	struct flow_state_row *kept;	/* rows of no flow merged (at most kept_max; more: lost) */
	size_t kept_len, kept_cap, kept_max;
	bool lost;
};
/* keep: how many rows of no flow to keep for flow_state_put_kept.  0, or -EIO after printing why. */
int flow_state_scan_open(sqlite3 *db, struct flow_state_scan *c, size_t keep);
void flow_state_scan_growth(struct flow_state_io *s, struct flow_state_scan *c,
			    const struct key_text *t, const struct flow_key *k,
			    const struct flow_value *v, struct flow_growth *g);
/*
 * After the last flow: reads the rest and ends the read (writes may run
 * then).  True when every row was merged with a flow or kept, all in
 * order: the table is the flows' rows and the kept ones.  Then c->unsure
 * says whether the flows found without a row must be searched for.
 */
bool flow_state_scan_end(struct flow_state_scan *c);
/* Ends the read if still open and frees the kept rows. */
void flow_state_scan_close(struct flow_state_scan *c);
/* Stores v as flow k's counters; g is what flow_state_growth said.  0 or -EIO. */
int flow_state_save(struct flow_state_io *s, const struct key_text *t, const struct flow_key *k,
		    const struct flow_value *v, const struct flow_growth *g);
/*
 * The whole table written again, for a harvest that changes most rows:
 * every row deleted (flow_state_clear), each flow's row inserted in key
 * order (flow_state_append, FLOW_STATE_BATCH rows a statement), then the
 * rest and the rows of no flow that the scan kept (flow_state_append_end;
 * only when flow_state_scan_end said they are all the others).  Updating a
 * row in place is a B-tree search and a rewrite of a text-keyed row
 * (~4 us, much of it the statement's own cost).  0 or -EIO.
 */
int flow_state_clear(sqlite3 *db);
int flow_state_append(struct flow_state_io *s, const struct key_text *t, const struct flow_key *k,
		      const struct flow_value *v);
int flow_state_append_end(struct flow_state_io *s, const struct flow_state_scan *c);

#endif
