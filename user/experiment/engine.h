/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Runs an experiment (engine.c; a run's loading, lock and replay in run.c)
 * and keeps its journal (journal.h; README "Experiments").  Every step is
 * written before it acts: a trial row ('started') and its deny entries
 * ('intent') commit before the first entry is added; the outcome commits
 * before the entries are removed.  Resuming removes what a dead run left,
 * drops its unfinished trial and replays the finished ones into a fresh
 * planner.  Functions return 0 or -errno unless they say otherwise.
 */
#ifndef IOTRIM_EXPERIMENT_ENGINE_H
#define IOTRIM_EXPERIMENT_ENGINE_H

#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "experiment/experiment.h"
#include "experiment/backend.h"

/*
 * A trial's deny entries are leased for one step (a command's timeout, the
 * grace before its kill, and this margin) and renewed before each step, so
 * the entries of a killed run end within about one command's timeout.
 */
#define EXP_LEASE_MARGIN_S 3

struct exp_run {
	sqlite3 *db;
	int64_t id;
	char owner[64];		/* "experiment:ID": the tag of its deny entries */
	struct exp_config cfg;
	char *cfg_text;
	struct exp_backend *be;
	struct exp_dest *dests;	/* EXP_MAX_DESTS */
	unsigned ndest;
	struct exp_plan plan;
	bool have_plan;
	const volatile sig_atomic_t *stop;
	FILE *progress;		/* progress lines (stderr), NULL: none */
	bool progress_tty;
	double session_start;	/* monotonic s of this process's start on the run */
	int64_t wall_ms_before;	/* wall time of earlier sessions of the run */
	char out_dir[4096];	/* where the blocklist and MUD file go */
	char blocklist_path[4200], mud_path[4200];
	char message[512];	/* why it stopped (aborted, failed) */
	int lock_fd;
	bool no_journal;	/* discover only: command outputs are not kept */
	double trial_seconds_sum;
	unsigned trial_seconds_n;
};

enum exp_result {
	EXP_RESULT_DONE = 0,
	EXP_RESULT_ABORTED,	/* baseline failed: message says why */
	EXP_RESULT_INTERRUPTED,	/* Ctrl-C / SIGTERM: entries removed, trial aborted */
	EXP_RESULT_FAILED,	/* backend or database error */
};

/*
 * Loads a run (config re-parsed from the journaled text, destinations);
 * err says why not (-ENOENT: no such run).
 */
int exp_run_load(sqlite3 *db, int64_t id, struct exp_run *run, char *err, size_t errlen);
/* The journaled destinations into run->dests. */
int exp_run_load_dests(struct exp_run *run);
/* A run that is not journaled (discover): the experiment file alone; err says why not. */
int exp_run_from_file(struct exp_run *run, const char *path, char *err, size_t errlen);
void exp_run_free(struct exp_run *run);
/* Takes the run's lock (<db>.experiment-ID.lock); false if another process runs it. */
bool exp_run_lock(struct exp_run *run, const char *db_file);
/* Does a process hold the lock of run id? ("running" in the journal, but not alive: dead) */
bool exp_run_alive(const char *db_file, int64_t id);
/*
 * Takes the lock from the process pid that holds it: asks it to stop (it
 * removes its entries) and waits up to a minute.  -EBUSY if it did not stop.
 */
int exp_run_take_over(struct exp_run *run, const char *db_file, int64_t pid);
/* Wall time spent on the run over every session, this one included. */
int64_t exp_run_wall_ms(const struct exp_run *run);

/*
 * Cleans what an earlier process left (deny entries of the owner and of the
 * journal, unfinished trials), then runs discovery if not done, replays
 * and goes on to the end.  Writes the report files when done.
 */
enum exp_result exp_run_execute(struct exp_run *run);
/*
 * Discovery alone: power-cycle, trigger, observe into run->dests.  -EINTR
 * when stopped; another error with run->message saying why.
 */
int exp_run_observe(struct exp_run *run);
/*
 * The [audit-tls] step (audit_step.c), run by exp_run_execute() after the
 * trials: every time, so a resumed run audits again.  -EINTR when stopped;
 * another error with run->message saying why (not the kernel backend).
 */
int exp_run_audit_tls(struct exp_run *run);
/* Removes the run's deny entries and marks unfinished trials aborted; returns how many went. */
int exp_run_cleanup(struct exp_run *run);
/*
 * Aborts the run: takes it over from pid (exp_run_take_over), cleans up,
 * and marks it aborted unless it was done.  How many deny entries went, or
 * -EBUSY if the process did not stop.  run->be must be set.
 */
int exp_run_abort(struct exp_run *run, const char *db_file, int64_t pid, bool done);
/* Replays the journal into run->plan without acting (show, list). */
int exp_run_replay(struct exp_run *run, char *err, size_t errlen);
/* Where the blocklist and MUD file of the run go (out_dir/NAME-ID.*). */
void exp_output_paths(struct exp_run *run);
void exp_run_set_status(struct exp_run *run, const char *status, const char *message);

/* Reports (report.c), from a replayed plan; the files are written whole or not at all. */
void exp_report_markdown(const struct exp_run *run, FILE *out);
void exp_report_json(const struct exp_run *run, FILE *out);
int exp_write_blocklist(const struct exp_run *run, const char *path);
/* "done", "aborted" or "incomplete": how far the replayed plan got. */
const char *exp_run_outcome(const struct exp_run *run);
/*
 * The deny entries of the blocklist that keeps every functionality working
 * (the destinations found blockable and validated together, conflicts
 * resolved), as the blocklist file holds them: the count, or -ENOMEM /
 * -E2BIG; *out is malloc'd.  Validated only when the outcome is "done".
 */
int exp_blocklist_rules(const struct exp_run *run, struct exp_rule **out);
/* One of them as a line of the file (`iotrim block import`): "MAC KIND VALUE [PROTO [PORT]] ACTION". */
#define EXP_BLOCKLIST_LINE_MAX (EXP_NAME_MAX + 96)
void exp_blocklist_line(const struct exp_run *run, const struct exp_rule *r, char *out, size_t len);
int exp_write_mud(const struct exp_run *run, const char *path);

#endif
