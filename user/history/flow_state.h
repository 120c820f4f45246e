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

struct flow_state_io {
	sqlite3_stmt *get, *update, *insert;
	char boot_id[40];	/* history_boot_id at open */
};

/* 0, or -EIO after printing why. */
int flow_state_open(sqlite3 *db, struct flow_state_io *s);
void flow_state_close(struct flow_state_io *s);
/* Flow k's growth since its stored counters (all of v's without a row). */
void flow_state_growth(struct flow_state_io *s, const struct key_text *t,
		       const struct flow_key *k, const struct flow_value *v, struct flow_growth *g);
bool flow_growth_zero(const struct flow_growth *g);

/*
 * The same for many flows, taken in the primary key's order (flow_order.h):
 * one read of flow_state in that order, merged, instead of a search per
 * flow.  A flow the merge passes by has no row, unless the scan met rows
 * out of our order or failed: from then on such a flow is searched for
 * (flow_state_growth), so a row is never missed.  Only reads may run while
 * a scan is open (a write to flow_state makes the scan search again for
 * its place at every step).
 */
struct flow_state_scan {
	sqlite3_stmt *st;
	int rc;			/* of the last step */
	bool unsure;		/* a row out of order, or a failed step */
	struct key_text last;	/* the row before the current one */
	int last_proto, last_port;
};
/* 0, or -EIO after printing why. */
int flow_state_scan_open(sqlite3 *db, struct flow_state_scan *c);
void flow_state_scan_growth(struct flow_state_io *s, struct flow_state_scan *c,
			    const struct key_text *t, const struct flow_key *k,
			    const struct flow_value *v, struct flow_growth *g);
void flow_state_scan_close(struct flow_state_scan *c);
/* Stores v as flow k's counters; g is what flow_state_growth said.  0 or -EIO. */
int flow_state_save(struct flow_state_io *s, const struct key_text *t, const struct flow_key *k,
		    const struct flow_value *v, const struct flow_growth *g);

#endif
