// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A run as the journal keeps it (engine.h): loading, the lock that says a
 * process is on it, its status, cleaning up after a stopped process and
 * replaying its finished trials into a planner.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/safefile.h"
#include "common/clock.h"
#include "experiment/engine.h"
#include "experiment/exec.h"
#include "experiment/journal.h"

static void run_init(struct exp_run *run, sqlite3 *db, int64_t id)
{
	memset(run, 0, sizeof(*run));
	run->db = db;
	run->id = id;
	run->lock_fd = -1;
	snprintf(run->owner, sizeof(run->owner), "experiment:%lld", (long long)id);
}

int exp_run_load(sqlite3 *db, int64_t id, struct exp_run *run, char *err, size_t errlen)
{
	struct exp_journal_head h;
	int rc;

	run_init(run, db, id);
	rc = exp_journal_head(db, id, &h, err, errlen);
	if (rc == -ENOENT)
		snprintf(err, errlen, "no experiment %lld (see iotrim experiment list)", (long long)id);
	else if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc)
		return rc;
	rc = exp_config_parse_text(h.config, h.file, h.dir, &run->cfg, err, errlen);
	if (rc) {
		free(h.config);
		return -EINVAL;
	}
	run->cfg_text = h.config;
	run->wall_ms_before = h.wall_ms;
	snprintf(run->out_dir, sizeof(run->out_dir), "%s", h.out_dir);
	run->dests = calloc(EXP_MAX_DESTS, sizeof(*run->dests));
	if (!run->dests || exp_run_load_dests(run)) {
		snprintf(err, errlen, "cannot read the destinations of experiment %lld", (long long)id);
		return -EIO;
	}
	return 0;
}

int exp_run_load_dests(struct exp_run *run)
{
	return exp_journal_dests(run->db, run->id, run->dests, &run->ndest);
}

int exp_run_from_file(struct exp_run *run, const char *path, char *err, size_t errlen)
{
	run_init(run, NULL, 0);
	if (exp_config_load(path, &run->cfg, &run->cfg_text, err, errlen))
		return -EINVAL;
	run->dests = calloc(EXP_MAX_DESTS, sizeof(*run->dests));
	if (!run->dests) {
		snprintf(err, errlen, "out of memory");
		exp_run_free(run);
		return -ENOMEM;
	}
	return 0;
}

void exp_run_free(struct exp_run *run)
{
	if (run->have_plan)
		exp_plan_free(&run->plan);
	run->have_plan = false;
	exp_config_free(&run->cfg);
	free(run->cfg_text);
	free(run->dests);
	run->cfg_text = NULL;
	run->dests = NULL;
	if (run->lock_fd >= 0)
		close(run->lock_fd);
	run->lock_fd = -1;
}

/* ---- the lock -------------------------------------------------------------------- */

static int lock_run(const char *db_file, int64_t id)
{
	char path[4300];
	int fd;

	snprintf(path, sizeof(path), "%s.experiment-%lld.lock", db_file, (long long)id);
	fd = safe_open_lock(path);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

bool exp_run_lock(struct exp_run *run, const char *db_file)
{
	int fd = lock_run(db_file, run->id);

	if (fd < 0)
		return false;
	run->lock_fd = fd;
	return true;
}

bool exp_run_alive(const char *db_file, int64_t id)
{
	int fd = lock_run(db_file, id);

	if (fd < 0)
		return true;
	close(fd);
	return false;
}

int exp_run_take_over(struct exp_run *run, const char *db_file, int64_t pid)
{
	if (exp_run_lock(run, db_file))
		return 0;
	/* running elsewhere: ask it to stop (it removes its entries), then wait */
	if (pid > 0)
		kill((pid_t)pid, SIGTERM);
	for (int i = 0; i < 600 && !exp_run_lock(run, db_file); i++)
		exp_sleep(100, NULL);
	return run->lock_fd < 0 ? -EBUSY : 0;
}

/* ---- status ------------------------------------------------------------------------ */

int64_t exp_run_wall_ms(const struct exp_run *run)
{
	if (!run->session_start)
		return run->wall_ms_before;
	return run->wall_ms_before + (int64_t)((clock_mono_s() - run->session_start) * 1000);
}

void exp_run_set_status(struct exp_run *run, const char *status, const char *message)
{
	exp_journal_status(run->db, run->id, status, message,
			   run->have_plan ? exp_phase_name(run->plan.phase) : "discovery",
			   exp_run_wall_ms(run));
}

/* ---- cleanup --------------------------------------------------------------------------- */

struct removal {
	struct exp_backend *be;
	int removed;
};

static void remove_entry(const char *backend_id, void *arg)
{
	struct removal *r = arg;

	if (r->be->del(r->be, backend_id) == 0)
		r->removed++;
}

int exp_run_cleanup(struct exp_run *run)
{
	struct removal r = { .be = run->be };
	int n;

	/* entries the journal knows, then whatever else carries the owner tag */
	exp_journal_each_open_rule(run->db, run->id, remove_entry, &r);
	n = run->be->del_owner(run->be, run->owner);
	if (n > 0)
		r.removed += n;
	exp_journal_close_open(run->db, run->id);
	return r.removed;
}

int exp_run_abort(struct exp_run *run, const char *db_file, int64_t pid, bool done)
{
	int removed;

	if (exp_run_take_over(run, db_file, pid))
		return -EBUSY;
	removed = exp_run_cleanup(run);
	if (!done)
		exp_run_set_status(run, "aborted", "aborted by the user");
	return removed;
}

/* ---- replay ------------------------------------------------------------------------------ */

struct replay {
	struct exp_run *run;
	char *err;
	size_t errlen;
};

static int replay_trial(const struct exp_journal_trial *t, void *arg)
{
	struct replay *rp = arg;
	struct exp_run *run = rp->run;
	struct exp_request want;

	exp_plan_next(&run->plan, &want);
	if (want.phase != t->req.phase || want.fmask != t->req.fmask ||
	    !exp_set_equal(&want.set, &t->req.set)) {
		snprintf(rp->err, rp->errlen,
			 "the journal of experiment %lld does not match its plan at trial %lld",
			 (long long)run->id, (long long)t->seq);
		return -EINVAL;
	}
	exp_plan_record(&run->plan, &t->req, t->works);
	if (t->finished_ms >= 0 && want.phase != EXP_PH_BASELINE) {
		run->trial_seconds_sum += (t->finished_ms - t->started_ms) / 1000.0;
		run->trial_seconds_n++;
	}
	return 0;
}

int exp_run_replay(struct exp_run *run, char *err, size_t errlen)
{
	struct replay rp = { .run = run, .err = err, .errlen = errlen };
	struct exp_request next;
	int rc;

	if (run->have_plan)
		exp_plan_free(&run->plan);
	run->have_plan = false;
	if (exp_plan_init(&run->plan, run->ndest, run->cfg.nfuncs, run->cfg.repetitions,
			  run->cfg.strategy, run->cfg.max_failures)) {
		snprintf(err, errlen, "cannot plan %u destinations", run->ndest);
		return -EINVAL;
	}
	run->have_plan = true;
	rc = exp_journal_each_trial(run->db, run->id, replay_trial, &rp, err, errlen);
	/* The planner settles the last outcome (a conflict found, the run done)
	 * when asked for the next trial, and asking again without a record asks
	 * for the same one: ask, so show and report get the verdicts a live run
	 * ends with, and a resume the same next trial. */
	if (!rc)
		exp_plan_next(&run->plan, &next);
	return rc;
}

/* ---- outputs --------------------------------------------------------------------------------- */

void exp_output_paths(struct exp_run *run)
{
	char base[256], *dot;
	const char *slash = strrchr(run->cfg.path, '/');

	snprintf(base, sizeof(base), "%.200s", slash ? slash + 1 : run->cfg.path);
	if ((dot = strrchr(base, '.')) && dot != base)
		*dot = '\0';
	snprintf(run->blocklist_path, sizeof(run->blocklist_path), "%.3900s/%.200s-%lld.blocklist",
		 run->out_dir, base, (long long)run->id);
	snprintf(run->mud_path, sizeof(run->mud_path), "%.3900s/%.200s-%lld.mud.json", run->out_dir, base,
		 (long long)run->id);
}
