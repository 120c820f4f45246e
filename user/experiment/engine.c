// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The experiment engine: discovery, trials through a backend, the SQLite
 * journal (experiment_engine.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "history/db.h"
#include "experiment/engine.h"
#include "experiment/exec.h"
#include "common/fmt.h"
#include "attrib/geo.h"
#include "iotrim.h"
#include "attrib/party.h"

/* Prepares, binds (i: int64, t: text, T: text or NULL) and steps one statement. */
static int sql(sqlite3 *db, const char *q, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -1;
	}
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 'i') {
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		} else {
			const char *s = va_arg(ap, const char *);

			if (s)
				sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(st, i + 1);
		}
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		warn("database: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* ---- creating and loading ----------------------------------------------------- */

int exp_journal_create(sqlite3 *db, const struct exp_config *cfg, const char *cfg_text,
		       const char *backend, const char *out_dir, int64_t *id)
{
	char mac[MAC_STRLEN];
	int64_t t = clock_wall_ms();

	format_mac(cfg->mac, mac);
	if (sql(db,
		"INSERT INTO experiments (file, dir, config, device_mac, device_name, strategy,"
		" backend, out_dir, status, phase, pid, created_ms, updated_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'running', 'discovery', ?9, ?10, ?10)",
		"ttttTtttii", cfg->path, cfg->dir, cfg_text, mac,
		cfg->device_name[0] ? cfg->device_name : NULL, exp_strategy_name(cfg->strategy),
		backend, out_dir, (int64_t)getpid(), t))
		return -1;
	*id = sqlite3_last_insert_rowid(db);
	return 0;
}

static void parse_ips(const char *text, struct exp_dest *d)
{
	char buf[2048], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", text);
	d->nips = 0;
	for (char *t = strtok_r(buf, " ", &save); t && d->nips < EXP_MAX_IPS;
	     t = strtok_r(NULL, " ", &save))
		if (exp_addr_parse(t, &d->ips[d->nips]))
			d->nips++;
}

static int load_dests(struct exp_run *run)
{
	sqlite3_stmt *st;

	run->ndest = 0;
	if (sqlite3_prepare_v2(run->db,
		"SELECT name, proto, port, ips, bytes, party, country FROM experiment_destinations"
		" WHERE experiment_id = ?1 ORDER BY idx", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, run->id);
	while (sqlite3_step(st) == SQLITE_ROW && run->ndest < EXP_MAX_DESTS) {
		struct exp_dest *d = &run->dests[run->ndest++];

		memset(d, 0, sizeof(*d));
		snprintf(d->name, sizeof(d->name), "%s", (const char *)sqlite3_column_text(st, 0));
		d->proto = (uint8_t)sqlite3_column_int(st, 1);
		d->port = (uint16_t)sqlite3_column_int(st, 2);
		parse_ips((const char *)sqlite3_column_text(st, 3), d);
		d->bytes = (uint64_t)sqlite3_column_int64(st, 4);
		snprintf(d->party, sizeof(d->party), "%s", (const char *)sqlite3_column_text(st, 5));
		snprintf(d->country, sizeof(d->country), "%s", (const char *)sqlite3_column_text(st, 6));
	}
	sqlite3_finalize(st);
	return 0;
}

int exp_run_load(sqlite3 *db, int64_t id, struct exp_run *run, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char *text = NULL, file[4096] = "", dir[4096] = "", out_dir[4096] = "";
	int rc;

	memset(run, 0, sizeof(*run));
	run->db = db;
	run->id = id;
	run->lock_fd = -1;
	snprintf(run->owner, sizeof(run->owner), "experiment:%lld", (long long)id);
	if (sqlite3_prepare_v2(db, "SELECT file, dir, config, out_dir, wall_ms FROM experiments"
			       " WHERE id = ?1", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		snprintf(err, errlen, "no experiment %lld (see iotrim experiment list)", (long long)id);
		return -1;
	}
	snprintf(file, sizeof(file), "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(dir, sizeof(dir), "%s", (const char *)sqlite3_column_text(st, 1));
	text = strdup((const char *)sqlite3_column_text(st, 2));
	snprintf(out_dir, sizeof(out_dir), "%s", (const char *)sqlite3_column_text(st, 3));
	run->wall_ms_before = sqlite3_column_int64(st, 4);
	sqlite3_finalize(st);
	if (!text)
		return -1;
	rc = exp_config_parse_text(text, file, dir, &run->cfg, err, errlen);
	if (rc) {
		free(text);
		return -1;
	}
	run->cfg_text = text;
	snprintf(run->out_dir, sizeof(run->out_dir), "%s", out_dir);
	run->dests = calloc(EXP_MAX_DESTS, sizeof(*run->dests));
	if (!run->dests || load_dests(run)) {
		snprintf(err, errlen, "cannot read the destinations of experiment %lld", (long long)id);
		return -1;
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

bool exp_run_lock(struct exp_run *run, const char *db_file)
{
	char path[4300];
	int fd;

	snprintf(path, sizeof(path), "%s.experiment-%lld.lock", db_file, (long long)run->id);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return false;
	}
	run->lock_fd = fd;
	return true;
}

static int64_t wall_total_ms(const struct exp_run *run)
{
	return run->wall_ms_before + (int64_t)((clock_mono_s() - run->session_start) * 1000);
}

void exp_run_set_status(struct exp_run *run, const char *status, const char *message)
{
	bool final = strcmp(status, "running") != 0;

	sql(run->db,
	    "UPDATE experiments SET status = ?2, message = ?3, phase = ?4, updated_ms = ?5,"
	    " wall_ms = ?6, finished_ms = CASE WHEN ?7 THEN ?5 ELSE NULL END,"
	    " pid = CASE WHEN ?7 THEN NULL ELSE pid END WHERE id = ?1",
	    "ittTiii", run->id, status, message,
	    run->have_plan ? exp_phase_name(run->plan.phase) : "discovery", clock_wall_ms(),
	    run->session_start ? wall_total_ms(run) : run->wall_ms_before, (int64_t)final);
}

/* ---- cleanup ---------------------------------------------------------------------- */

int exp_run_cleanup(struct exp_run *run)
{
	sqlite3_stmt *st;
	int removed = 0, n;

	/* entries the journal knows, then whatever else carries the owner tag */
	if (sqlite3_prepare_v2(run->db,
		"SELECT seq, no, backend_id FROM experiment_rules WHERE experiment_id = ?1"
		" AND state IN ('intent', 'applied')", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run->id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *bid = (const char *)sqlite3_column_text(st, 2);

			if (bid && run->be->del(run->be, bid) == 0)
				removed++;
		}
		sqlite3_finalize(st);
	}
	n = run->be->del_owner(run->be, run->owner);
	if (n > 0)
		removed += n;
	sql(run->db, "UPDATE experiment_rules SET state = 'removed' WHERE experiment_id = ?1"
		     " AND state IN ('intent', 'applied')", "i", run->id);
	sql(run->db, "UPDATE experiment_trials SET state = 'aborted', finished_ms = ?2"
		     " WHERE experiment_id = ?1 AND state = 'started'", "ii", run->id, clock_wall_ms());
	return removed;
}

/* ---- replay ---------------------------------------------------------------------------- */

int exp_run_replay(struct exp_run *run, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (run->have_plan)
		exp_plan_free(&run->plan);
	run->have_plan = false;
	if (exp_plan_init(&run->plan, run->ndest, run->cfg.nfuncs, run->cfg.repetitions,
			  run->cfg.strategy, run->cfg.max_failures)) {
		snprintf(err, errlen, "cannot plan %u destinations", run->ndest);
		return -1;
	}
	run->have_plan = true;
	if (sqlite3_prepare_v2(run->db,
		"SELECT seq, phase, dest_set, fmask, works, started_ms, finished_ms"
		" FROM experiment_trials WHERE experiment_id = ?1 AND state = 'done' AND seq > 0"
		" ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(run->db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, run->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct exp_request want, got;

		memset(&got, 0, sizeof(got));
		got.phase = exp_phase_parse((const char *)sqlite3_column_text(st, 1));
		exp_set_parse((const char *)sqlite3_column_text(st, 2), &got.set);
		got.fmask = (uint32_t)sqlite3_column_int64(st, 3);
		exp_plan_next(&run->plan, &want);
		if (want.phase != got.phase || want.fmask != got.fmask ||
		    !exp_set_equal(&want.set, &got.set)) {
			snprintf(err, errlen, "the journal of experiment %lld does not match its plan at trial %lld",
				 (long long)run->id, (long long)sqlite3_column_int64(st, 0));
			rc = -1;
			break;
		}
		exp_plan_record(&run->plan, &got, (uint32_t)sqlite3_column_int64(st, 4));
		if (sqlite3_column_type(st, 6) != SQLITE_NULL && want.phase != EXP_PH_BASELINE) {
			run->trial_seconds_sum +=
				(sqlite3_column_int64(st, 6) - sqlite3_column_int64(st, 5)) / 1000.0;
			run->trial_seconds_n++;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- commands ----------------------------------------------------------------------------- */

static int64_t next_seq(struct exp_run *run)
{
	sqlite3_stmt *st;
	int64_t seq = 1;

	if (sqlite3_prepare_v2(run->db, "SELECT coalesce(max(seq), 0) + 1 FROM experiment_trials"
			       " WHERE experiment_id = ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run->id);
		if (sqlite3_step(st) == SQLITE_ROW)
			seq = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return seq;
}

/* Runs one command and journals its result; true if it exited 0 in time. */
static bool run_step(struct exp_run *run, int64_t seq, int *step, const char *kind,
		     const char *func, const char *cmd, bool *interrupted)
{
	struct exp_cmd_result r;
	char idv[64], seqv[64], macv[64], funcv[128], mac[MAC_STRLEN];
	char *env[] = { idv, seqv, macv, funcv, NULL };
	char *out;
	bool ok;

	format_mac(run->cfg.mac, mac);
	snprintf(idv, sizeof(idv), "IOTRIM_EXPERIMENT_ID=%lld", (long long)run->id);
	snprintf(seqv, sizeof(seqv), "IOTRIM_EXPERIMENT_TRIAL=%lld", (long long)seq);
	snprintf(macv, sizeof(macv), "IOTRIM_DEVICE_MAC=%s", mac);
	snprintf(funcv, sizeof(funcv), "IOTRIM_FUNCTION=%s", func ? func : "");
	if (exp_run_command(cmd, run->cfg.dir, run->cfg.timeout, run->stop, env, &r) != 0) {
		warn("cannot run '%s': %s", cmd, strerror(errno));
		exp_cmd_result_free(&r);
		return false;
	}
	if (r.interrupted)
		*interrupted = true;
	ok = r.exit_code == 0 && !r.timed_out && !r.interrupted;
	if (asprintf(&out, "%s%s%s", r.output ? r.output : "", r.truncated ? "\n[truncated]" : "",
		     r.timed_out ? "\n[timed out: killed after the timeout]" : "") < 0)
		out = NULL;
	if (!run->no_journal)
	sql(run->db,
	    "INSERT OR REPLACE INTO experiment_outputs (experiment_id, seq, step, kind, function,"
	    " command, exit_code, timed_out, ms, output) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	    "iiitttiiit", run->id, seq, (int64_t)(*step)++, kind, func ? func : "", cmd,
	    (int64_t)r.exit_code, (int64_t)r.timed_out, (int64_t)(r.seconds * 1000),
	    out ? out : "");
	if (verbose)
		notice("  %s%s%s: exit %d%s (%.1f s)", kind, func ? " " : "", func ? func : "",
		       r.exit_code, r.timed_out ? ", timed out" : "", r.seconds);
	free(out);
	exp_cmd_result_free(&r);
	return ok;
}

static void fmt_duration(double s, char *out, size_t len)
{
	long t = (long)(s + 0.5);

	snprintf(out, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

static void progress(struct exp_run *run, const struct exp_request *r, int64_t seq)
{
	char set[512] = "", el[32], left[32];
	unsigned n = exp_set_count(&r->set), done = run->plan.trials;
	unsigned est = exp_plan_estimate_left(&run->plan);
	double avg = run->trial_seconds_n ? run->trial_seconds_sum / run->trial_seconds_n
					  : run->cfg.settle + 2.0 + (run->cfg.power_cycle ? run->cfg.boot_wait : 0);

	if (!run->progress)
		return;
	if (n == 0) {
		snprintf(set, sizeof(set), "nothing blocked");
	} else if (n == 1) {
		char label[EXP_LABEL_MAX];

		exp_dest_label(&run->dests[exp_set_nth(&r->set, 0)], label);
		snprintf(set, sizeof(set), "%s", label);
	} else {
		char label[EXP_LABEL_MAX];

		exp_dest_label(&run->dests[exp_set_nth(&r->set, 0)], label);
		snprintf(set, sizeof(set), "%u destinations (%s, ...)", n, label);
	}
	fmt_duration(wall_total_ms(run) / 1000.0, el, sizeof(el));
	fmt_duration(est * avg, left, sizeof(left));
	if (r->phase == EXP_PH_BASELINE)
		fprintf(run->progress, "%s[baseline] run %u/%u  %s  elapsed %s  left ~%s%s",
			run->progress_tty ? "\r\033[K" : "", run->plan.baseline_runs + 1,
			run->cfg.repetitions, set, el, left, run->progress_tty ? "" : "\n");
	else
		fprintf(run->progress, "%s[%s] trial %u/~%u  %s  elapsed %s  left ~%s%s",
			run->progress_tty ? "\r\033[K" : "", exp_phase_name(r->phase), done + 1,
			done + est, set, el, left, run->progress_tty ? "" : "\n");
	(void)seq;
	fflush(run->progress);
}

/* ---- a trial ---------------------------------------------------------------------------------- */

struct applied {
	char id[EXP_RULE_ID_MAX];
	int no;
};

static unsigned lease_for(const struct exp_run *run, uint32_t fmask)
{
	unsigned cmds = 2 * (unsigned)__builtin_popcount(fmask) + (run->cfg.power_cycle ? 1 : 0);

	return run->cfg.settle + (run->cfg.power_cycle ? run->cfg.boot_wait : 0) +
	       cmds * (run->cfg.timeout + EXP_KILL_GRACE_MS / 1000 + 1) + EXP_LEASE_MARGIN_S;
}

static void remove_rules(struct exp_run *run, int64_t seq, struct applied *ap, int n)
{
	for (int i = 0; i < n; i++) {
		if (run->be->del(run->be, ap[i].id) != 0)
			warn("could not remove deny entry %s (its lease ends it)", ap[i].id);
		sql(run->db, "UPDATE experiment_rules SET state = 'removed' WHERE experiment_id = ?1"
			     " AND seq = ?2 AND no = ?3", "iii", run->id, seq, (int64_t)ap[i].no);
	}
}

static int run_trial_with(struct exp_run *run, const struct exp_request *req, uint32_t *works,
			  struct exp_rule *rules, struct applied *ap);

/* 1: done (*works set), 0: interrupted, -1: error. */
static int run_trial(struct exp_run *run, const struct exp_request *req, uint32_t *works)
{
	struct exp_rule *rules = calloc(EXP_MAX_RULES, sizeof(*rules));
	struct applied *ap = calloc(EXP_MAX_RULES, sizeof(*ap));
	int rc;

	if (!rules || !ap) {
		snprintf(run->message, sizeof(run->message), "out of memory");
		rc = -1;
	} else {
		rc = run_trial_with(run, req, works, rules, ap);
	}
	free(rules);
	free(ap);
	return rc;
}

static int run_trial_with(struct exp_run *run, const struct exp_request *req, uint32_t *works,
			  struct exp_rule *rules, struct applied *ap)
{
	char setv[EXP_MAX_DESTS * 4 + 8];
	int nrules, napplied = 0, step = 0;
	unsigned lease = lease_for(run, req->fmask);
	int64_t seq = next_seq(run), t0 = clock_wall_ms();
	bool interrupted = false;
	double start = clock_mono_s();

	*works = 0;
	nrules = exp_rules_for_set(run->dests, run->ndest, &req->set, run->be->port_scoped, rules,
				   EXP_MAX_RULES);
	if (nrules < 0) {
		snprintf(run->message, sizeof(run->message), "too many deny entries for one trial");
		return -1;
	}
	exp_set_format(&req->set, setv, sizeof(setv));
	/* journal first: the trial and every entry it is about to add */
	if (db_exec(run->db, "BEGIN IMMEDIATE"))
		return -1;
	if (sql(run->db,
		"INSERT INTO experiment_trials (experiment_id, seq, phase, dest_set, fmask, state,"
		" lease_s, started_ms) VALUES (?1, ?2, ?3, ?4, ?5, 'started', ?6, ?7)",
		"iittiii", run->id, seq, exp_phase_name(req->phase), setv, (int64_t)req->fmask,
		(int64_t)lease, t0)) {
		db_exec(run->db, "ROLLBACK");
		return -1;
	}
	for (int i = 0; i < nrules; i++) {
		char text[EXP_NAME_MAX + 64];

		exp_rule_format(&rules[i], text, sizeof(text));
		sql(run->db,
		    "INSERT INTO experiment_rules (experiment_id, seq, no, rule, action, lease_until_ms,"
		    " state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'intent')",
		    "iiitti", run->id, seq, (int64_t)i, text, exp_action_name(run->cfg.action),
		    t0 + lease * 1000LL);
	}
	if (db_exec(run->db, "COMMIT"))
		return -1;
	progress(run, req, seq);

	for (int i = 0; i < nrules; i++) {
		int err = run->be->add(run->be, run->cfg.mac, &rules[i], run->cfg.action, lease,
				       run->owner, ap[napplied].id);

		if (err) {
			char text[EXP_NAME_MAX + 64];

			exp_rule_format(&rules[i], text, sizeof(text));
			snprintf(run->message, sizeof(run->message), "cannot add deny entry '%s': %s",
				 text, strerror(-err));
			sql(run->db, "UPDATE experiment_rules SET state = 'failed' WHERE experiment_id = ?1"
				     " AND seq = ?2 AND no = ?3", "iii", run->id, seq, (int64_t)i);
			remove_rules(run, seq, ap, napplied);
			sql(run->db, "UPDATE experiment_trials SET state = 'aborted', finished_ms = ?3"
				     " WHERE experiment_id = ?1 AND seq = ?2", "iii", run->id, seq, clock_wall_ms());
			return -1;
		}
		ap[napplied].no = i;
		sql(run->db, "UPDATE experiment_rules SET state = 'applied', backend_id = ?4"
			     " WHERE experiment_id = ?1 AND seq = ?2 AND no = ?3", "iiit", run->id, seq,
		    (int64_t)i, ap[napplied].id);
		napplied++;
	}

	if (run->cfg.power_cycle) {
		run_step(run, seq, &step, "power_cycle", NULL, run->cfg.power_cycle, &interrupted);
		if (!interrupted && !exp_sleep(run->cfg.boot_wait * 1000, run->stop))
			interrupted = true;
	}
	if (!interrupted && !exp_sleep(run->cfg.settle * 1000, run->stop))
		interrupted = true;
	for (unsigned f = 0; f < run->cfg.nfuncs && !interrupted; f++) {
		const struct exp_function *fn = &run->cfg.funcs[f];
		bool ok;

		if (!(req->fmask >> f & 1))
			continue;
		/* the lease bounds what is left of the trial */
		for (int i = 0; i < napplied && run->be->renew; i++)
			run->be->renew(run->be, ap[i].id, lease);
		if (fn->trigger)
			run_step(run, seq, &step, "trigger", fn->name, fn->trigger, &interrupted);
		if (interrupted)
			break;
		ok = run_step(run, seq, &step, "check", fn->name, fn->check, &interrupted);
		if (ok)
			*works |= 1u << f;
	}
	if (interrupted || *run->stop) {
		remove_rules(run, seq, ap, napplied);
		run->be->del_owner(run->be, run->owner);
		sql(run->db, "UPDATE experiment_trials SET state = 'aborted', finished_ms = ?3"
			     " WHERE experiment_id = ?1 AND seq = ?2", "iii", run->id, seq, clock_wall_ms());
		return 0;
	}
	/* the outcome first, then the entries go */
	sql(run->db, "UPDATE experiment_trials SET state = 'done', works = ?3, finished_ms = ?4"
		     " WHERE experiment_id = ?1 AND seq = ?2", "iiii", run->id, seq, (int64_t)*works,
	    clock_wall_ms());
	remove_rules(run, seq, ap, napplied);
	if (req->phase != EXP_PH_BASELINE) {
		run->trial_seconds_sum += clock_mono_s() - start;
		run->trial_seconds_n++;
	}
	return 1;
}

/* ---- discovery ------------------------------------------------------------------------------------ */

static void annotate(struct exp_run *run)
{
	struct geo *geo = NULL;
	struct providers prov = { 0 };
	struct device_config conf = { 0 };
	struct device_info dev;
	bool have_prov, have_conf;

	if (geo_open(&(struct geo_options){ 0 }, false, &geo) != 0)
		geo = NULL;
	have_prov = providers_load(NULL, &prov) == 0;
	have_conf = device_config_load(NULL, &conf) == 0;
	if (have_conf)
		device_info_get(&conf, run->cfg.mac, &dev);
	else
		memset(&dev, 0, sizeof(dev));
	for (unsigned i = 0; i < run->ndest; i++) {
		struct exp_dest *d = &run->dests[i];
		struct geo_info g = { 0 };
		char domain[256] = "", reason[PARTY_REASON_MAX];
		struct party_input in = { 0 };

		if (geo)
			geo_lookup(geo, d->ips[0].family, d->ips[0].ip, &g);
		snprintf(d->country, sizeof(d->country), "%s", g.country);
		if (!have_prov)
			continue;
		if (d->name[0])
			registrable_domain(d->name, domain, sizeof(domain));
		in.device = &dev;
		in.domain = domain[0] ? domain : NULL;
		in.asn = g.asn;
		in.org = g.org;
		in.family = d->ips[0].family;
		in.ip = d->ips[0].ip;
		snprintf(d->party, sizeof(d->party), "%s", party_name(party_classify(&prov, &in, reason)));
	}
	if (geo)
		geo_close(geo);
	if (have_prov)
		providers_free(&prov);
	if (have_conf)
		device_config_free(&conf);
}

/* Power-cycle, trigger, observe: run->dests.  1 done, 0 interrupted, -1 failed. */
int exp_run_observe(struct exp_run *run)
{
	int64_t since = clock_wall_ms() - 1000;
	struct exp_obs *obs = NULL;
	size_t nobs = 0;
	int step = 0, n, err;
	bool interrupted = false;

	/* seq 0 holds the discovery's command outputs */
	if (!run->no_journal)
		sql(run->db, "DELETE FROM experiment_outputs WHERE experiment_id = ?1 AND seq = 0", "i",
		    run->id);
	if (run->progress) {
		if (run->cfg.power_cycle)
			fprintf(run->progress, "[discovery] power-cycle, observe the boot for %u s, then trigger each functionality\n",
				run->cfg.boot_wait);
		else
			fprintf(run->progress, "[discovery] trigger each functionality and observe\n");
	}
	if (run->cfg.power_cycle) {
		run_step(run, 0, &step, "power_cycle", NULL, run->cfg.power_cycle, &interrupted);
		if (!interrupted && !exp_sleep(run->cfg.boot_wait * 1000, run->stop))
			interrupted = true;
	}
	for (unsigned f = 0; f < run->cfg.nfuncs && !interrupted; f++) {
		if (run->cfg.funcs[f].trigger)
			run_step(run, 0, &step, "trigger", run->cfg.funcs[f].name,
				 run->cfg.funcs[f].trigger, &interrupted);
		if (!interrupted)
			run_step(run, 0, &step, "check", run->cfg.funcs[f].name,
				 run->cfg.funcs[f].check, &interrupted);
	}
	if (interrupted || *run->stop)
		return 0;
	exp_sleep(500, run->stop);	/* let the controller name the last answers */
	err = run->be->observe(run->be, run->cfg.mac, since, &obs, &nobs);
	if (err) {
		snprintf(run->message, sizeof(run->message), "cannot read what the device contacted: %s",
			 strerror(-err));
		free(obs);
		return -1;
	}
	n = exp_group_destinations(obs, nobs, run->cfg.exclude, run->cfg.nexclude, run->dests,
				   EXP_MAX_DESTS);
	free(obs);
	if (n < 0) {
		snprintf(run->message, sizeof(run->message), "more than %d destinations: exclude some",
			 EXP_MAX_DESTS);
		return -1;
	}
	if (n == 0) {
		snprintf(run->message, sizeof(run->message),
			 "discovery saw no destination of the device (is iotrim attached, and does the trigger make it talk?)");
		return -1;
	}
	run->ndest = (unsigned)n;
	annotate(run);
	return 1;
}

/* 1 done, 0 interrupted, -1 failed. */
static int discover(struct exp_run *run)
{
	int rc = exp_run_observe(run);

	if (rc <= 0)
		return rc;
	if (db_exec(run->db, "BEGIN IMMEDIATE"))
		return -1;
	for (unsigned i = 0; i < run->ndest; i++) {
		const struct exp_dest *d = &run->dests[i];
		char ips[EXP_MAX_IPS * 48] = "";
		size_t o = 0;

		for (unsigned k = 0; k < d->nips; k++) {
			char ip[64];

			exp_addr_format(&d->ips[k], ip, sizeof(ip));
			o += snprintf(ips + o, sizeof(ips) - o, "%s%s", k ? " " : "", ip);
		}
		sql(run->db,
		    "INSERT OR REPLACE INTO experiment_destinations (experiment_id, idx, name, proto, port,"
		    " ips, bytes, party, country) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		    "iitiititt", run->id, (int64_t)i, d->name, (int64_t)d->proto, (int64_t)d->port, ips,
		    (int64_t)d->bytes, d->party, d->country);
	}
	sql(run->db, "UPDATE experiments SET discovered = 1 WHERE id = ?1", "i", run->id);
	if (db_exec(run->db, "COMMIT"))
		return -1;
	if (run->progress) {
		fprintf(run->progress, "[discovery] %u destination%s:", run->ndest,
			run->ndest == 1 ? "" : "s");
		for (unsigned i = 0; i < run->ndest; i++) {
			char label[EXP_LABEL_MAX];

			exp_dest_label(&run->dests[i], label);
			fprintf(run->progress, " %s", label);
		}
		fputc('\n', run->progress);
	}
	return 1;
}

static bool discovered(struct exp_run *run)
{
	sqlite3_stmt *st;
	bool d = false;

	if (sqlite3_prepare_v2(run->db, "SELECT discovered FROM experiments WHERE id = ?1", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run->id);
		d = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	return d;
}

/* ---- the run ---------------------------------------------------------------------------------------- */

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

static void write_outputs(struct exp_run *run)
{
	exp_output_paths(run);
	if (exp_write_blocklist(run, run->blocklist_path))
		warn("cannot write %s: %s", run->blocklist_path, strerror(errno));
	if (exp_write_mud(run, run->mud_path))
		warn("cannot write %s: %s", run->mud_path, strerror(errno));
}

enum exp_result exp_run_execute(struct exp_run *run)
{
	char err[512];
	int removed, rc;

	run->session_start = clock_mono_s();
	sql(run->db, "UPDATE experiments SET status = 'running', pid = ?2, message = NULL,"
		     " updated_ms = ?3, finished_ms = NULL WHERE id = ?1", "iii", run->id,
	    (int64_t)getpid(), clock_wall_ms());
	removed = exp_run_cleanup(run);
	if (removed > 0 && run->progress)
		fprintf(run->progress, "removed %d deny entr%s left by an earlier run\n", removed,
			removed == 1 ? "y" : "ies");
	if (!discovered(run)) {
		rc = discover(run);
		if (rc <= 0) {
			exp_run_set_status(run, rc == 0 ? "interrupted" : "failed",
					   rc == 0 ? "interrupted during discovery" : run->message);
			return rc == 0 ? EXP_RESULT_INTERRUPTED : EXP_RESULT_FAILED;
		}
	} else if (load_dests(run)) {
		exp_run_set_status(run, "failed", "cannot read the destinations");
		return EXP_RESULT_FAILED;
	}
	if (exp_run_replay(run, err, sizeof(err))) {
		snprintf(run->message, sizeof(run->message), "%s", err);
		exp_run_set_status(run, "failed", run->message);
		return EXP_RESULT_FAILED;
	}
	for (;;) {
		struct exp_request req;
		enum exp_phase ph = exp_plan_next(&run->plan, &req);
		uint32_t works;

		if (ph == EXP_PH_DONE || ph == EXP_PH_ABORTED)
			break;
		if (*run->stop) {	/* between two trials: nothing to undo */
			exp_run_set_status(run, "interrupted", "interrupted between two trials");
			return EXP_RESULT_INTERRUPTED;
		}
		sql(run->db, "UPDATE experiments SET phase = ?2, updated_ms = ?3, wall_ms = ?4 WHERE id = ?1",
		    "itii", run->id, exp_phase_name(ph), clock_wall_ms(), wall_total_ms(run));
		rc = run_trial(run, &req, &works);
		if (rc == 0) {
			if (run->progress && run->progress_tty)
				fputc('\n', run->progress);
			exp_run_set_status(run, "interrupted",
					   "interrupted: the trial was aborted and its deny entries removed");
			return EXP_RESULT_INTERRUPTED;
		}
		if (rc < 0) {
			exp_run_cleanup(run);
			exp_run_set_status(run, "failed", run->message[0] ? run->message : "database error");
			return EXP_RESULT_FAILED;
		}
		exp_plan_record(&run->plan, &req, works);
	}
	if (run->progress && run->progress_tty)
		fputc('\n', run->progress);
	if (run->plan.phase == EXP_PH_ABORTED) {
		unsigned f = (unsigned)__builtin_ctz(run->plan.cur_open | 0x80000000u);

		snprintf(run->message, sizeof(run->message),
			 "baseline: functionality '%s' %s: the check is wrong, or the device is broken",
			 f < run->cfg.nfuncs ? run->cfg.funcs[f].name : "?", run->plan.abort_reason);
		exp_run_set_status(run, "aborted", run->message);
		return EXP_RESULT_ABORTED;
	}
	write_outputs(run);
	exp_run_set_status(run, "done", NULL);
	return EXP_RESULT_DONE;
}
