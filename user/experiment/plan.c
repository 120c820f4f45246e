// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The trial planner.  A pure state machine: exp_plan_next() says which set
 * to block and which functionalities to check, exp_plan_record() takes the
 * outcome.  The same outcomes in the same order always give the same
 * plan, which is how a run is resumed: its journaled outcomes are replayed.
 *
 *   baseline  nothing blocked, `reps` times; max_failures consecutive
 *             failures of one functionality, or failing most runs, aborts.
 *   search    single: each destination alone, `reps` times (IoTrimmer).
 *             group: adaptive group testing per functionality, from small
 *             groups (plan_group.c).
 *   joint, conflict, confirm: the validation of what the search found
 *             (plan_joint.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment/plan_impl.h"

static const char *const phase_names[] = {
	[EXP_PH_BASELINE] = "baseline", [EXP_PH_SEARCH] = "search",
	[EXP_PH_JOINT] = "joint",	[EXP_PH_CONFLICT] = "conflict",
	[EXP_PH_CONFIRM] = "confirm",	[EXP_PH_DONE] = "done",
	[EXP_PH_ABORTED] = "aborted",
};

const char *exp_phase_name(enum exp_phase p)
{
	return p >= EXP_PH_BASELINE && p <= EXP_PH_ABORTED ? phase_names[p] : "?";
}

enum exp_phase exp_phase_parse(const char *s)
{
	for (int p = EXP_PH_BASELINE; p <= EXP_PH_ABORTED; p++)
		if (!strcmp(s, phase_names[p]))
			return p;
	return 0;
}

const char *exp_verdict_name(enum exp_verdict v)
{
	switch (v) {
	case EXP_BLOCKABLE: return "blockable";
	case EXP_BLOCKABLE_SOME: return "blockable-some";
	case EXP_UNBLOCKABLE: return "unblockable";
	default: return "undecided";
	}
}

int exp_plan_init(struct exp_plan *p, unsigned ndest, unsigned nfunc, unsigned reps,
		  enum exp_strategy strategy, unsigned max_failures)
{
	memset(p, 0, sizeof(*p));
	if (ndest > EXP_MAX_DESTS || !nfunc || nfunc > EXP_MAX_FUNCS || !reps)
		return -1;
	p->ndest = ndest;
	p->nfunc = nfunc;
	p->reps = reps;
	p->strategy = strategy;
	p->max_failures = max_failures ? max_failures : 3;
	p->phase = EXP_PH_BASELINE;
	p->cur_task = -1;
	p->cells = calloc((ndest ? ndest : 1) * EXP_MAX_FUNCS, sizeof(*p->cells));
	if (!p->cells)
		return -1;
	for (unsigned i = 0; i < EXP_MAX_CONFLICTS; i++)
		p->conflicts[i].kept = -1;
	plan_reset_current(p, plan_all_funcs(p));
	return 0;
}

void exp_plan_free(struct exp_plan *p)
{
	free(p->cells);
	free(p->tasks);
	free(p->stack);
	p->cells = NULL;
	p->tasks = NULL;
	p->stack = NULL;
}

/* ---- next / record ----------------------------------------------------------- */

enum exp_phase exp_plan_next(struct exp_plan *p, struct exp_request *r)
{
	memset(r, 0, sizeof(*r));
	for (;;) {
		switch (p->phase) {
		case EXP_PH_BASELINE:
			r->phase = EXP_PH_BASELINE;
			r->fmask = plan_all_funcs(p);
			return r->phase;
		case EXP_PH_SEARCH:
			if (p->strategy == EXP_SINGLE) {
				if (p->single_next >= p->ndest) {
					plan_joint_start(p);
					continue;
				}
				exp_set_add(&r->set, p->single_next);
				r->fmask = plan_all_funcs(p);
			} else {
				if (!plan_group_pick(p)) {
					plan_joint_start(p);
					continue;
				}
				r->set = p->tasks[p->cur_task].set;
				r->fmask = p->cur_open;
			}
			r->phase = EXP_PH_SEARCH;
			return r->phase;
		case EXP_PH_JOINT:
			r->phase = EXP_PH_JOINT;
			r->set = p->joint_set;
			r->fmask = p->cur_open;
			return r->phase;
		case EXP_PH_CONFLICT:
			if (!plan_conflict_next(p, r))
				continue;
			return r->phase;
		case EXP_PH_CONFIRM:
			if (!plan_confirm_next(p, r))
				continue;
			return r->phase;
		default:
			r->phase = p->phase;
			return p->phase;
		}
	}
}

static void record_baseline(struct exp_plan *p, uint32_t works)
{
	p->baseline_runs++;
	for (unsigned f = 0; f < p->nfunc; f++) {
		p->base_runs[f]++;
		if (works >> f & 1) {
			p->base_ok[f]++;
			p->base_consec[f] = 0;
		} else if (++p->base_consec[f] >= p->max_failures) {
			p->phase = EXP_PH_ABORTED;
			snprintf(p->abort_reason, sizeof(p->abort_reason),
				 "failed %u times in a row with nothing blocked", p->base_consec[f]);
			p->cur_open = 1u << f;	/* which one, for the message */
			return;
		}
	}
	if (p->baseline_runs < p->reps)
		return;
	for (unsigned f = 0; f < p->nfunc; f++) {
		if (p->base_ok[f] * 2 <= p->base_runs[f]) {
			p->phase = EXP_PH_ABORTED;
			snprintf(p->abort_reason, sizeof(p->abort_reason),
				 "worked in only %u of %u runs with nothing blocked", p->base_ok[f],
				 p->base_runs[f]);
			p->cur_open = 1u << f;
			return;
		}
	}
	p->phase = EXP_PH_SEARCH;
	p->phase = EXP_PH_SEARCH;
	if (p->strategy == EXP_GROUP)
		plan_group_start(p);
	plan_reset_current(p, plan_all_funcs(p));
}

static void record_single(struct exp_plan *p, uint32_t works)
{
	unsigned d = p->single_next;

	for (unsigned f = 0; f < p->nfunc; f++) {
		struct exp_cell *c = exp_plan_cell(p, d, f);

		c->trials++;
		c->successes += works >> f & 1;
	}
	if (++p->cur_reps < p->reps)
		return;
	for (unsigned f = 0; f < p->nfunc; f++) {
		struct exp_cell *c = exp_plan_cell(p, d, f);

		c->status = c->successes * 2 > c->trials ? EXP_WORKS : EXP_BREAKS;
	}
	p->single_next++;
	plan_reset_current(p, plan_all_funcs(p));
}

void exp_plan_record(struct exp_plan *p, const struct exp_request *r, uint32_t works)
{
	works &= r->fmask;
	if (r->phase != EXP_PH_BASELINE)
		p->trials++;
	switch (r->phase) {
	case EXP_PH_BASELINE: record_baseline(p, works); break;
	case EXP_PH_SEARCH:
		if (p->strategy == EXP_SINGLE)
			record_single(p, works);
		else
			plan_group_record(p, works);
		break;
	case EXP_PH_JOINT: plan_joint_record(p, works); break;
	case EXP_PH_CONFLICT: plan_conflict_record(p, works); break;
	case EXP_PH_CONFIRM: plan_confirm_record(p, works); break;
	default: break;
	}
}

unsigned exp_plan_estimate_left(const struct exp_plan *p)
{
	unsigned left = 0;

	switch (p->phase) {
	case EXP_PH_BASELINE:
		left = p->reps - p->baseline_runs;
		left += p->strategy == EXP_SINGLE ? p->ndest * p->reps
						  : p->ndest + p->ndest / 2 + 2;
		return left + p->reps;
	case EXP_PH_SEARCH:
		if (p->strategy == EXP_SINGLE)
			left = (p->ndest - p->single_next) * p->reps - p->cur_reps;
		else
			left = p->nstack + (p->cur_task >= 0 ? 1 : 0);
		return left + p->reps;
	case EXP_PH_JOINT:
		return p->reps - p->cur_reps;
	case EXP_PH_CONFLICT:
		return p->reps + 2 * (p->conf_hi - p->conf_lo + 1);
	case EXP_PH_CONFIRM:
		return p->reps;
	default:
		return 0;
	}
}

/* ---- verdicts ---------------------------------------------------------------------- */

void exp_verdicts(const struct exp_plan *p, struct exp_dest_result *out)
{
	for (unsigned d = 0; d < p->ndest; d++) {
		struct exp_dest_result *v = &out[d];
		unsigned works = 0, breaks = 0;

		memset(v, 0, sizeof(*v));
		v->conflict = -1;
		for (unsigned f = 0; f < p->nfunc; f++) {
			const struct exp_cell *c = exp_plan_cell(p, d, f);

			v->successes += c->successes;
			v->trials += c->trials;
			if (c->successes && c->successes < c->trials)
				v->flaky |= 1u << f;
			if (c->status == EXP_WORKS)
				works++;
			else if (c->status == EXP_BREAKS) {
				breaks++;
				v->breaks |= 1u << f;
			}
		}
		if (works + breaks < p->nfunc)
			v->verdict = EXP_UNDECIDED;
		else if (!breaks)
			v->verdict = EXP_BLOCKABLE;
		else if (!works)
			v->verdict = EXP_UNBLOCKABLE;
		else
			v->verdict = EXP_BLOCKABLE_SOME;
		for (unsigned c = 0; c < p->nconflicts && v->conflict < 0; c++)
			if (exp_set_has(&p->conflicts[c].set, d))
				v->conflict = (int)c;
		v->kept = exp_set_has(&p->kept, d);
		v->in_blocklist = v->verdict == EXP_BLOCKABLE && !v->kept;
	}
}
