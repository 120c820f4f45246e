/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The experiment journal: every SQL statement on the tables experiments,
 * experiment_destinations, experiment_trials, experiment_rules and
 * experiment_outputs (README "Experiments").  The engine (engine.h) writes
 * it step by step; the commands read it through query.h.  Functions return
 * 0 or -errno (-EIO: the database failed, with a warning that says how).
 */
#ifndef IOTRIM_EXPERIMENT_JOURNAL_H
#define IOTRIM_EXPERIMENT_JOURNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "experiment/experiment.h"

/* ---- the run's row -------------------------------------------------------- */

/* Creates the run's row (status 'running'); cfg_text is the file's text. */
int exp_journal_create(sqlite3 *db, const struct exp_config *cfg, const char *cfg_text,
		       const char *backend, const char *out_dir, int64_t *id);

/* What a run was started with. */
struct exp_journal_head {
	char file[4096], dir[4096], out_dir[4096];
	char *config;		/* the experiment file's text, malloc'd */
	int64_t wall_ms;	/* wall time of the sessions so far */
};
/* -ENOENT: no such run; -EIO with "database: ..." in err. */
int exp_journal_head(sqlite3 *db, int64_t id, struct exp_journal_head *h, char *err,
		     size_t errlen);

/* A process starts (again) on the run: status 'running', its pid. */
void exp_journal_session(sqlite3 *db, int64_t id);
/* The process that will run it is pid (a starter that is not the runner itself). */
void exp_journal_pid(sqlite3 *db, int64_t id, int64_t pid);
/* Status, message (NULL: none) and phase; a final status ends the session. */
void exp_journal_status(sqlite3 *db, int64_t id, const char *status, const char *message,
			const char *phase, int64_t wall_ms);
void exp_journal_phase(sqlite3 *db, int64_t id, enum exp_phase phase, int64_t wall_ms);

/* ---- destinations ------------------------------------------------------------ */

/* The discovered destinations (EXP_MAX_DESTS at most) into out. */
int exp_journal_dests(sqlite3 *db, int64_t id, struct exp_dest *out, unsigned *n);
/* Keeps what discovery found and marks the run discovered, in one transaction. */
int exp_journal_save_dests(sqlite3 *db, int64_t id, const struct exp_dest *d, unsigned n);
bool exp_journal_discovered(sqlite3 *db, int64_t id);

/* ---- trials and their deny entries ----------------------------------------------- */

int64_t exp_journal_next_seq(sqlite3 *db, int64_t id);
/*
 * Journals trial seq ('started', with its lease) and each deny entry it is
 * about to add ('intent'), in one transaction, before any is added.
 */
int exp_journal_trial_start(sqlite3 *db, int64_t id, int64_t seq, const struct exp_request *req,
			    unsigned lease_s, int64_t started_ms, const struct exp_rule *rules,
			    int nrules, enum exp_action action);
/* A deny entry of the trial is 'applied' (backend_id), 'failed' or 'removed'. */
void exp_journal_rule_state(sqlite3 *db, int64_t id, int64_t seq, int no, const char *state,
			    const char *backend_id);
void exp_journal_trial_done(sqlite3 *db, int64_t id, int64_t seq, uint32_t works);
void exp_journal_trial_aborted(sqlite3 *db, int64_t id, int64_t seq);

/* Calls fn with the backend id of every entry not known to be removed. */
void exp_journal_each_open_rule(sqlite3 *db, int64_t id,
				void (*fn)(const char *backend_id, void *arg), void *arg);
/* What a stopped process left: its entries 'removed', its started trial 'aborted'. */
void exp_journal_close_open(sqlite3 *db, int64_t id);

/* A finished trial, as replayed into a planner. */
struct exp_journal_trial {
	int64_t seq;
	struct exp_request req;
	uint32_t works;
	int64_t started_ms, finished_ms;	/* finished_ms -1: not recorded */
};
/*
 * Calls fn with each finished trial after discovery, in order, until fn
 * returns non-zero (returned).  -EIO with "database: ..." in err.
 */
int exp_journal_each_trial(sqlite3 *db, int64_t id,
			   int (*fn)(const struct exp_journal_trial *t, void *arg), void *arg,
			   char *err, size_t errlen);

/* ---- command outputs ---------------------------------------------------------------- */

struct exp_journal_output {
	int64_t seq;		/* 0: discovery */
	int step;
	const char *kind;	/* power_cycle, trigger, check */
	const char *function;	/* "" for none */
	const char *command;
	int exit_code;
	bool timed_out;
	int64_t ms;
	const char *output;
};
void exp_journal_output(sqlite3 *db, int64_t id, const struct exp_journal_output *o);
void exp_journal_clear_outputs(sqlite3 *db, int64_t id, int64_t seq);

#endif
