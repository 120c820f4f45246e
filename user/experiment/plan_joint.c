// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The planner's validation (plan.c).
 *
 *   joint     for each functionality f, everything found to work for f is
 *             blocked at once, `reps` times (one trial serves every
 *             functionality with the same set).  In group mode these
 *             trials are the evidence behind "works".
 *   conflict  a failed joint set holds a minimal conflicting subset (two
 *             redundant time servers): found by binary search for the
 *             shortest failing prefix, one member at a time.  One member
 *             of it (the one with most traffic) is kept out of the
 *             blocklist and the joint validation is repeated.
 *   confirm   group: destinations left out of every joint set (kept
 *             members) are tested alone, `reps` times.
 */
#include <string.h>

#include "experiment/plan_impl.h"

/* One more repetition of the current test: passes and fails of the open functionalities. */
static void tally(struct exp_plan *p, uint32_t works)
{
	p->cur_reps++;
	for (unsigned f = 0; f < p->nfunc; f++) {
		if (!(p->cur_open >> f & 1))
			continue;
		if (works >> f & 1)
			p->cur_pass[f]++;
		else
			p->cur_fail[f]++;
	}
}

/* The current test's counts become the evidence behind a cell's verdict. */
static void take_evidence(const struct exp_plan *p, struct exp_cell *c, unsigned f)
{
	c->successes = p->cur_pass[f];
	c->trials = p->cur_pass[f] + p->cur_fail[f];
}

/* Everything that works for every functionality, but the kept members. */
static void joint_set_for(const struct exp_plan *p, struct exp_set *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned d = 0; d < p->ndest; d++) {
		bool all = !exp_set_has(&p->kept, d);

		for (unsigned f = 0; f < p->nfunc && all; f++)
			all = plan_cell_works(exp_plan_cell(p, d, f));
		if (all)
			exp_set_add(out, d);
	}
}

/*
 * Done: what group tests found working and no joint set covered (a
 * destination that breaks another functionality) keeps that evidence.
 */
static void finish(struct exp_plan *p)
{
	for (unsigned d = 0; d < p->ndest; d++)
		for (unsigned f = 0; f < p->nfunc; f++)
			if (exp_plan_cell(p, d, f)->status == EXP_WORKS_PROVISIONAL)
				exp_plan_cell(p, d, f)->status = EXP_WORKS;
	p->phase = EXP_PH_DONE;
}

static void start_confirm(struct exp_plan *p)
{
	p->phase = p->strategy == EXP_GROUP ? EXP_PH_CONFIRM : EXP_PH_DONE;
	p->confirm_next = 0;
	plan_reset_current(p, 0);
}

void plan_joint_start(struct exp_plan *p)
{
	struct exp_set j;

	p->phase = EXP_PH_JOINT;
	joint_set_for(p, &j);
	if (exp_set_empty(&j) || (p->have_validated[0] && exp_set_equal(&p->validated[0], &j))) {
		start_confirm(p);
		return;
	}
	p->joint_set = j;
	p->joint_fmask = plan_all_funcs(p);
	plan_reset_current(p, p->joint_fmask);
}

static void start_conflict(struct exp_plan *p, unsigned f)
{
	p->phase = EXP_PH_CONFLICT;
	p->conf_func = f;
	p->conf_len = 0;
	for (unsigned d = 0; d < p->ndest; d++)
		if (exp_set_has(&p->joint_set, d))
			p->conf_list[p->conf_len++] = (int)d;
	memset(&p->conf_core, 0, sizeof(p->conf_core));
	p->conf_lo = 0;
	p->conf_hi = p->conf_len - 1;
	p->conf_step = 0;
	plan_reset_current(p, 1u << f);
}

/* A minimal failing set was found: a conflict, or one destination that breaks f. */
static void finish_conflict(struct exp_plan *p)
{
	unsigned f = p->conf_func;

	if (exp_set_count(&p->conf_core) == 1) {
		int d = exp_set_nth(&p->conf_core, 0);
		struct exp_cell *c = exp_plan_cell(p, d, f);

		c->status = EXP_BREAKS;
		take_evidence(p, c, f);
	} else if (p->nconflicts < EXP_MAX_CONFLICTS) {
		struct exp_conflict *c = &p->conflicts[p->nconflicts++];

		c->func = f;
		c->set = p->conf_core;
		c->kept = exp_set_nth(&p->conf_core, 0);	/* most traffic */
		exp_set_add(&p->kept, c->kept);
	} else {
		/* Out of room: keep every member allowed. */
		for (unsigned d = 0; d < p->ndest; d++)
			if (exp_set_has(&p->conf_core, d))
				exp_set_add(&p->kept, d);
	}
	plan_joint_start(p);
}

/* Advances the conflict search past steps that need no trial. */
static void conflict_settle(struct exp_plan *p)
{
	for (;;) {
		if (p->conf_step == 0) {
			if (p->conf_lo < p->conf_hi) {
				unsigned mid = (p->conf_lo + p->conf_hi) / 2;

				/* one destination known to work alone: no trial needed */
				if (exp_set_empty(&p->conf_core) && mid == 0 &&
				    plan_cell_works(exp_plan_cell(p, p->conf_list[0], p->conf_func))) {
					p->conf_lo = mid + 1;
					continue;
				}
				return;	/* test the prefix [0, mid] with the core */
			}
			exp_set_add(&p->conf_core, p->conf_list[p->conf_lo]);
			p->conf_len = p->conf_lo;
			if (p->conf_len == 0) {
				finish_conflict(p);
				return;
			}
			p->conf_step = 1;
		}
		/* step 1: does the core fail by itself? One member known to work: no. */
		if (exp_set_count(&p->conf_core) == 1) {
			int d = exp_set_nth(&p->conf_core, 0);

			if (plan_cell_works(exp_plan_cell(p, d, p->conf_func))) {
				p->conf_step = 0;
				p->conf_lo = 0;
				p->conf_hi = p->conf_len - 1;
				continue;
			}
		}
		return;
	}
}

bool plan_conflict_next(struct exp_plan *p, struct exp_request *r)
{
	conflict_settle(p);
	if (p->phase != EXP_PH_CONFLICT)
		return false;
	r->phase = EXP_PH_CONFLICT;
	r->set = p->conf_core;
	if (p->conf_step == 0) {
		p->conf_mid = (p->conf_lo + p->conf_hi) / 2;
		for (unsigned i = 0; i <= p->conf_mid; i++)
			exp_set_add(&r->set, p->conf_list[i]);
	}
	r->fmask = 1u << p->conf_func;
	return true;
}

bool plan_confirm_next(struct exp_plan *p, struct exp_request *r)
{
	while (p->confirm_next < p->ndest && !p->cur_open) {
		unsigned d = p->confirm_next;
		uint32_t open = 0;

		for (unsigned f = 0; f < p->nfunc && exp_set_has(&p->kept, d); f++)
			if (exp_plan_cell(p, d, f)->status == EXP_WORKS_PROVISIONAL)
				open |= 1u << f;
		if (open)
			plan_reset_current(p, open);
		else
			p->confirm_next++;
	}
	if (p->confirm_next >= p->ndest) {
		finish(p);
		return false;
	}
	r->phase = EXP_PH_CONFIRM;
	exp_set_add(&r->set, p->confirm_next);
	r->fmask = p->cur_open;
	return true;
}

void plan_joint_record(struct exp_plan *p, uint32_t works)
{
	uint32_t failed = 0;

	tally(p, works);
	for (unsigned f = 0; f < p->nfunc; f++)
		if (p->cur_fail[f] >= plan_need(p))
			p->cur_open &= ~(1u << f);	/* settled: it breaks */
	/* Once one functionality breaks, the rest of the repetitions are moot. */
	if (p->cur_open == p->joint_fmask && p->cur_reps < p->reps)
		return;
	for (unsigned f = 0; f < p->nfunc; f++)
		if ((p->joint_fmask >> f & 1) &&
		    p->cur_pass[f] * 2 <= p->cur_pass[f] + p->cur_fail[f])
			failed |= 1u << f;
	if (!failed) {
		p->validated[0] = p->joint_set;
		p->have_validated[0] = true;
		for (unsigned d = 0; d < p->ndest; d++) {
			if (!exp_set_has(&p->joint_set, d))
				continue;
			for (unsigned f = 0; f < p->nfunc; f++) {
				struct exp_cell *c = exp_plan_cell(p, d, f);

				if (p->strategy == EXP_GROUP || c->status == EXP_WORKS_PROVISIONAL)
					take_evidence(p, c, f);
				c->status = EXP_WORKS;
			}
		}
		plan_joint_start(p);
		return;
	}
	unsigned f = (unsigned)__builtin_ctz(failed);

	if (exp_set_count(&p->joint_set) == 1) {
		struct exp_cell *c = exp_plan_cell(p, exp_set_nth(&p->joint_set, 0), f);

		c->status = EXP_BREAKS;
		take_evidence(p, c, f);
		plan_joint_start(p);
		return;
	}
	start_conflict(p, f);
}

void plan_conflict_record(struct exp_plan *p, uint32_t works)
{
	unsigned f = p->conf_func;
	bool fails;

	tally(p, works);	/* the open functionality is f alone */
	if (p->cur_pass[f] < plan_need(p) && p->cur_fail[f] < plan_need(p) && p->cur_reps < p->reps)
		return;
	fails = p->cur_pass[f] * 2 <= p->cur_reps;
	if (p->conf_step == 0) {
		if (fails)
			p->conf_hi = p->conf_mid;
		else
			p->conf_lo = p->conf_mid + 1;
	} else if (fails) {
		finish_conflict(p);
		return;
	} else {
		p->conf_step = 0;
		p->conf_lo = 0;
		p->conf_hi = p->conf_len - 1;
	}
	/* A finished conflict keeps the last counts for a lone culprit. */
	if (p->conf_step == 0 && p->conf_lo >= p->conf_hi) {
		conflict_settle(p);
		if (p->phase != EXP_PH_CONFLICT)
			return;
	}
	plan_reset_current(p, 1u << f);
}

void plan_confirm_record(struct exp_plan *p, uint32_t works)
{
	unsigned d = p->confirm_next;

	tally(p, works);
	if (p->cur_reps < p->reps)
		return;
	for (unsigned f = 0; f < p->nfunc; f++) {
		struct exp_cell *c = exp_plan_cell(p, d, f);

		if (!(p->cur_open >> f & 1))
			continue;
		take_evidence(p, c, f);
		c->status = c->successes * 2 > c->trials ? EXP_WORKS : EXP_BREAKS;
	}
	p->confirm_next++;
	plan_reset_current(p, 0);
}
