// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The experiment engine (engine.h): discovery, then trial after trial
 * through a backend, each step journaled (journal.h) before it acts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "experiment/engine.h"
#include "experiment/exec.h"
#include "experiment/journal.h"
#include "common/fmt.h"
#include "attrib/geo.h"
#include "iotrim.h"
#include "attrib/party.h"

/* ---- commands ----------------------------------------------------------------------------- */

/* Runs one command and journals its result; true if it exited 0 in time. */
static bool run_step(struct exp_run *run, int64_t seq, int *step, const char *kind,
		     const char *func, const char *cmd, bool *interrupted)
{
	struct exp_cmd_result r;
	char idv[64], seqv[64], macv[64], funcv[128], mac[MAC_STRLEN];
	char *env[] = { idv, seqv, macv, funcv, NULL };
	char *out;
	bool ok;
	int err;

	format_mac(run->cfg.mac, mac);
	snprintf(idv, sizeof(idv), "IOTRIM_EXPERIMENT_ID=%lld", (long long)run->id);
	snprintf(seqv, sizeof(seqv), "IOTRIM_EXPERIMENT_TRIAL=%lld", (long long)seq);
	snprintf(macv, sizeof(macv), "IOTRIM_DEVICE_MAC=%s", mac);
	snprintf(funcv, sizeof(funcv), "IOTRIM_FUNCTION=%s", func ? func : "");
	err = exp_run_command(cmd, run->cfg.dir, run->cfg.timeout, run->stop, env, &r);
	if (err) {
		warn("cannot run '%s': %s", cmd, strerror(-err));
		exp_cmd_result_free(&r);
		return false;
	}
	if (r.interrupted)
		*interrupted = true;
	ok = r.exit_code == 0 && !r.timed_out && !r.interrupted;
	if (asprintf(&out, "%s%s%s", r.output ? r.output : "", r.truncated ? "\n[truncated]" : "",
		     r.timed_out ? "\n[timed out: killed after the timeout]" : "") < 0)
		out = NULL;
	if (!run->no_journal) {
		struct exp_journal_output o = {
			.seq = seq, .step = (*step)++, .kind = kind, .function = func ? func : "",
			.command = cmd, .exit_code = r.exit_code, .timed_out = r.timed_out,
			.ms = (int64_t)(r.seconds * 1000), .output = out ? out : "",
		};

		exp_journal_output(run->db, run->id, &o);
	}
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

static void progress(struct exp_run *run, const struct exp_request *r)
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
	fmt_duration(exp_run_wall_ms(run) / 1000.0, el, sizeof(el));
	fmt_duration(est * avg, left, sizeof(left));
	if (r->phase == EXP_PH_BASELINE)
		fprintf(run->progress, "%s[baseline] run %u/%u  %s  elapsed %s  left ~%s%s",
			run->progress_tty ? "\r\033[K" : "", run->plan.baseline_runs + 1,
			run->cfg.repetitions, set, el, left, run->progress_tty ? "" : "\n");
	else
		fprintf(run->progress, "%s[%s] trial %u/~%u  %s  elapsed %s  left ~%s%s",
			run->progress_tty ? "\r\033[K" : "", exp_phase_name(r->phase), done + 1,
			done + est, set, el, left, run->progress_tty ? "" : "\n");
	fflush(run->progress);
}

/* ---- a trial ---------------------------------------------------------------------------------- */

struct applied {
	char id[EXP_RULE_ID_MAX];
	int no;
};

/* The lease of a trial's entries: one step, a command or a slice of a wait (engine.h). */
static unsigned step_lease(const struct exp_run *run)
{
	return run->cfg.timeout + EXP_KILL_GRACE_MS / 1000 + EXP_LEASE_MARGIN_S;
}

static void renew_rules(struct exp_run *run, const struct applied *ap, int n)
{
	for (int i = 0; i < n && run->be->renew; i++)
		run->be->renew(run->be, ap[i].id, step_lease(run));
}

/* Waits ms in slices no longer than a command's timeout, renewing before each; false if stopped. */
static bool wait_renewing(struct exp_run *run, const struct applied *ap, int n, unsigned ms)
{
	unsigned slice_ms = run->cfg.timeout * 1000;

	while (ms > 0) {
		unsigned now = ms < slice_ms ? ms : slice_ms;

		renew_rules(run, ap, n);
		if (!exp_sleep(now, run->stop))
			return false;
		ms -= now;
	}
	return true;
}

static void remove_rules(struct exp_run *run, int64_t seq, struct applied *ap, int n)
{
	for (int i = 0; i < n; i++) {
		if (run->be->del(run->be, ap[i].id) != 0)
			warn("could not remove deny entry %s (its lease ends it)", ap[i].id);
		exp_journal_rule_state(run->db, run->id, seq, ap[i].no, "removed", NULL);
	}
}

static int run_trial_with(struct exp_run *run, const struct exp_request *req, uint32_t *works,
			  struct exp_rule *rules, struct applied *ap);

/* 0: done (*works set), -EINTR: interrupted, else failed (run->message says why). */
static int run_trial(struct exp_run *run, const struct exp_request *req, uint32_t *works)
{
	struct exp_rule *rules = calloc(EXP_MAX_RULES, sizeof(*rules));
	struct applied *ap = calloc(EXP_MAX_RULES, sizeof(*ap));
	int rc;

	if (!rules || !ap) {
		snprintf(run->message, sizeof(run->message), "out of memory");
		rc = -ENOMEM;
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
	int nrules, napplied = 0, step = 0, err;
	unsigned lease = step_lease(run);
	int64_t seq = exp_journal_next_seq(run->db, run->id), t0 = clock_wall_ms();
	bool interrupted = false;
	double start = clock_mono_s();

	*works = 0;
	nrules = exp_rules_for_set(run->dests, run->ndest, &req->set, run->be->port_scoped, rules,
				   EXP_MAX_RULES);
	if (nrules < 0) {
		snprintf(run->message, sizeof(run->message), "too many deny entries for one trial");
		return -E2BIG;
	}
	/* journal first: the trial and every entry it is about to add */
	err = exp_journal_trial_start(run->db, run->id, seq, req, lease, t0, rules, nrules,
				      run->cfg.action);
	if (err)
		return err;
	progress(run, req);

	for (int i = 0; i < nrules; i++) {
		err = run->be->add(run->be, run->cfg.mac, &rules[i], run->cfg.action, lease, run->owner,
				   ap[napplied].id);
		if (err) {
			char text[EXP_NAME_MAX + 64];

			exp_rule_format(&rules[i], text, sizeof(text));
			snprintf(run->message, sizeof(run->message), "cannot add deny entry '%s': %s",
				 text, strerror(-err));
			exp_journal_rule_state(run->db, run->id, seq, i, "failed", NULL);
			remove_rules(run, seq, ap, napplied);
			exp_journal_trial_aborted(run->db, run->id, seq);
			return -EIO;
		}
		ap[napplied].no = i;
		exp_journal_rule_state(run->db, run->id, seq, i, "applied", ap[napplied].id);
		napplied++;
	}

	/* every step below starts with a renewal: a dead run's entries end one step later */
	if (run->cfg.power_cycle) {
		renew_rules(run, ap, napplied);
		run_step(run, seq, &step, "power_cycle", NULL, run->cfg.power_cycle, &interrupted);
		if (!interrupted && !wait_renewing(run, ap, napplied, run->cfg.boot_wait * 1000))
			interrupted = true;
	}
	if (!interrupted && !wait_renewing(run, ap, napplied, run->cfg.settle * 1000))
		interrupted = true;
	for (unsigned f = 0; f < run->cfg.nfuncs && !interrupted; f++) {
		const struct exp_function *fn = &run->cfg.funcs[f];
		bool ok;

		if (!(req->fmask >> f & 1))
			continue;
		if (fn->trigger) {
			renew_rules(run, ap, napplied);
			run_step(run, seq, &step, "trigger", fn->name, fn->trigger, &interrupted);
		}
		if (interrupted)
			break;
		renew_rules(run, ap, napplied);
		ok = run_step(run, seq, &step, "check", fn->name, fn->check, &interrupted);
		if (ok)
			*works |= 1u << f;
	}
	if (interrupted || *run->stop) {
		remove_rules(run, seq, ap, napplied);
		run->be->del_owner(run->be, run->owner);
		exp_journal_trial_aborted(run->db, run->id, seq);
		return -EINTR;
	}
	/* the outcome first, then the entries go */
	exp_journal_trial_done(run->db, run->id, seq, *works);
	remove_rules(run, seq, ap, napplied);
	if (req->phase != EXP_PH_BASELINE) {
		run->trial_seconds_sum += clock_mono_s() - start;
		run->trial_seconds_n++;
	}
	return 0;
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

int exp_run_observe(struct exp_run *run)
{
	int64_t since = clock_wall_ms() - 1000;
	struct exp_obs *obs = NULL;
	size_t nobs = 0;
	int step = 0, n, err;
	bool interrupted = false;

	/* seq 0 holds the discovery's command outputs */
	if (!run->no_journal)
		exp_journal_clear_outputs(run->db, run->id, 0);
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
		return -EINTR;
	exp_sleep(500, run->stop);	/* let the controller name the last answers */
	err = run->be->observe(run->be, run->cfg.mac, since, &obs, &nobs);
	if (err) {
		snprintf(run->message, sizeof(run->message), "cannot read what the device contacted: %s",
			 strerror(-err));
		free(obs);
		return -EIO;
	}
	n = exp_group_destinations(obs, nobs, run->cfg.exclude, run->cfg.nexclude, run->dests,
				   EXP_MAX_DESTS);
	free(obs);
	if (n < 0) {
		snprintf(run->message, sizeof(run->message), "more than %d destinations: exclude some",
			 EXP_MAX_DESTS);
		return -E2BIG;
	}
	if (n == 0) {
		snprintf(run->message, sizeof(run->message),
			 "discovery saw no destination of the device (is iotrim attached, and does the trigger make it talk?)");
		return -ENOENT;
	}
	run->ndest = (unsigned)n;
	annotate(run);
	return 0;
}

/* Observes and journals the destinations: as exp_run_observe(). */
static int discover(struct exp_run *run)
{
	int rc = exp_run_observe(run);

	if (rc)
		return rc;
	rc = exp_journal_save_dests(run->db, run->id, run->dests, run->ndest);
	if (rc)
		return rc;
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
	return 0;
}

/* ---- the run ---------------------------------------------------------------------------------------- */

static void write_outputs(struct exp_run *run)
{
	int err;

	exp_output_paths(run);
	if ((err = exp_write_blocklist(run, run->blocklist_path)))
		warn("cannot write %s: %s", run->blocklist_path, strerror(-err));
	if ((err = exp_write_mud(run, run->mud_path)))
		warn("cannot write %s: %s", run->mud_path, strerror(-err));
}

enum exp_result exp_run_execute(struct exp_run *run)
{
	char err[512];
	int removed, rc;

	run->session_start = clock_mono_s();
	exp_journal_session(run->db, run->id);
	removed = exp_run_cleanup(run);
	if (removed > 0 && run->progress)
		fprintf(run->progress, "removed %d deny entr%s left by an earlier run\n", removed,
			removed == 1 ? "y" : "ies");
	if (!exp_journal_discovered(run->db, run->id)) {
		rc = discover(run);
		if (rc) {
			exp_run_set_status(run, rc == -EINTR ? "interrupted" : "failed",
					   rc == -EINTR ? "interrupted during discovery" : run->message);
			return rc == -EINTR ? EXP_RESULT_INTERRUPTED : EXP_RESULT_FAILED;
		}
	} else if (exp_run_load_dests(run)) {
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
		exp_journal_phase(run->db, run->id, ph, exp_run_wall_ms(run));
		rc = run_trial(run, &req, &works);
		if (rc == -EINTR) {
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
	if (run->cfg.audit_tls && (rc = exp_run_audit_tls(run))) {
		if (rc == -EINTR) {
			exp_run_set_status(run, "interrupted", "interrupted during [audit-tls]");
			return EXP_RESULT_INTERRUPTED;
		}
		exp_run_set_status(run, "failed", run->message);
		return EXP_RESULT_FAILED;
	}
	write_outputs(run);
	exp_run_set_status(run, "done", NULL);
	return EXP_RESULT_DONE;
}
