/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What `iotrim experiment list|show|resume|abort|run` read from the journal
 * (journal.h writes it).  Functions return 0 or -errno (-EIO: the database
 * failed; -ENOENT: no such experiment).
 */
#ifndef IOTRIM_EXPERIMENT_QUERY_H
#define IOTRIM_EXPERIMENT_QUERY_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fmt.h"

struct exp_state {
	char status[32];	/* running interrupted aborted failed done */
	char message[512];	/* "" for none */
	int64_t pid;		/* of the process on it, 0 for none */
};
int exp_query_state(sqlite3 *db, int64_t id, struct exp_state *s);

/* The device's latest run ("aa:bb:.."), by id: 0, -ENOENT for none, or -EIO. */
int exp_query_latest(sqlite3 *db, const char *device_mac, int64_t *id);

/*
 * Another run of the device that a live process holds (db_file names the
 * locks): -EBUSY with its id in *busy_id, else 0.
 */
int exp_query_device_busy(sqlite3 *db, const char *db_file, const uint8_t mac[6],
			  int64_t *busy_id);

/* One row of `experiment list`. */
struct exp_summary {
	int64_t id;
	char device_mac[MAC_STRLEN];
	char device_name[64];
	char strategy[16];
	char status[32];	/* as journaled, or "dead": running, but no process holds it */
	char phase[16];
	int64_t created_ms, wall_ms;
	char message[512];
	int64_t trials_run;	/* finished trials after the baseline */
	int64_t destinations;
	char file[4096];
};
/* Every run, by id; *out is malloc'd. */
int exp_query_list(sqlite3 *db, const char *db_file, struct exp_summary **out, size_t *n);

/* One command of a trial and what it printed (`experiment show --trial`). */
struct exp_step {
	char *phase, *dest_set, *state;	/* of the trial; NULL when it has no row */
	char *kind, *command;
	int exit_code;
	bool timed_out;
	int64_t ms;
	char *output;
	size_t output_len;
};
/* The commands of trial seq in order (0: discovery); *out is malloc'd, free with exp_steps_free. */
int exp_query_steps(sqlite3 *db, int64_t id, int64_t seq, struct exp_step **out, size_t *n);
void exp_steps_free(struct exp_step *steps, size_t n);

#endif
