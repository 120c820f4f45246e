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
 *             group: adaptive group testing per functionality, from groups
 *             of EXP_GROUP_START destinations.  A set is
 *             tested once: if a functionality works, every member works
 *             for it (provisionally: the joint validation confirms it); if
 *             not, the set is split in halves for the failing ones.  When
 *             the first half works, the second half must hold the culprit
 *             and is split without being tested.  A single destination is
 *             tested until the majority of `reps` says it breaks, or it
 *             works more often than not.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment/experiment.h"

/*
 * Group search starts from groups of this size: IoTrimmer found about half
 * of the destinations needed, so testing everything at once rarely works;
 * groups of four cost little more than halving from the top when one
 * destination is needed, and much less when a quarter are (bench_experiment).
 */
#define EXP_GROUP_START 4

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

static uint32_t all_funcs(const struct exp_plan *p)
{
	return p->nfunc >= 32 ? 0xffffffffu : (1u << p->nfunc) - 1;
}

/* Outcomes needed to settle a repeated test by majority. */
static unsigned need(const struct exp_plan *p)
{
	return p->reps / 2 + 1;
}

static void reset_current(struct exp_plan *p, uint32_t open)
{
	memset(p->cur_pass, 0, sizeof(p->cur_pass));
	memset(p->cur_fail, 0, sizeof(p->cur_fail));
	p->cur_reps = 0;
	p->cur_open = open;
}

static int push_task(struct exp_plan *p, const struct exp_set *set, uint32_t fmask, int sibling)
{
	struct exp_task *t;

	if (p->ntasks == p->tasks_cap) {
		unsigned cap = p->tasks_cap ? p->tasks_cap * 2 : 64;
		struct exp_task *nt = realloc(p->tasks, cap * sizeof(*nt));
		int *ns;

		if (!nt)
			return -1;
		p->tasks = nt;
		ns = realloc(p->stack, cap * sizeof(*ns));
		if (!ns)
			return -1;
		p->stack = ns;
		p->tasks_cap = cap;
	}
	t = &p->tasks[p->ntasks];
	memset(t, 0, sizeof(*t));
	t->set = *set;
	t->fmask = fmask;
	t->sibling = sibling;
	p->stack[p->nstack++] = (int)p->ntasks;
	return (int)p->ntasks++;
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
	reset_current(p, all_funcs(p));
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

/* ---- joint validation ------------------------------------------------------- */

static bool cell_works(const struct exp_cell *c)
{
	return c->status == EXP_WORKS || c->status == EXP_WORKS_PROVISIONAL;
}

/* Everything that works for every functionality, but the kept members. */
static void joint_set_for(const struct exp_plan *p, struct exp_set *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned d = 0; d < p->ndest; d++) {
		bool all = !exp_set_has(&p->kept, d);

		for (unsigned f = 0; f < p->nfunc && all; f++)
			all = cell_works(exp_plan_cell(p, d, f));
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
	reset_current(p, 0);
}

/* The joint set to validate (again), or on to confirm/done. */
static void start_joint(struct exp_plan *p)
{
	struct exp_set j;

	p->phase = EXP_PH_JOINT;
	joint_set_for(p, &j);
	if (exp_set_empty(&j) || (p->have_validated[0] && exp_set_equal(&p->validated[0], &j))) {
		start_confirm(p);
		return;
	}
	p->joint_set = j;
	p->joint_fmask = all_funcs(p);
	reset_current(p, p->joint_fmask);
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
	reset_current(p, 1u << f);
}

/* A minimal failing set was found: a conflict, or one destination that breaks f. */
static void finish_conflict(struct exp_plan *p)
{
	unsigned f = p->conf_func;

	if (exp_set_count(&p->conf_core) == 1) {
		int d = exp_set_nth(&p->conf_core, 0);
		struct exp_cell *c = exp_plan_cell(p, d, f);

		c->status = EXP_BREAKS;
		c->successes = p->cur_pass[f];
		c->trials = p->cur_pass[f] + p->cur_fail[f];
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
	start_joint(p);
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
				    cell_works(exp_plan_cell(p, p->conf_list[0], p->conf_func))) {
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

			if (cell_works(exp_plan_cell(p, d, p->conf_func))) {
				p->conf_step = 0;
				p->conf_lo = 0;
				p->conf_hi = p->conf_len - 1;
				continue;
			}
		}
		return;
	}
}

/* ---- search ------------------------------------------------------------------- */

static void split_task(struct exp_plan *p, const struct exp_set *set, uint32_t fmask)
{
	unsigned n = exp_set_count(set), half = (n + 1) / 2, i = 0;
	struct exp_set a = { 0 }, b = { 0 };
	int ia, ib;

	for (unsigned d = 0; d < EXP_MAX_DESTS; d++) {
		if (!exp_set_has(set, d))
			continue;
		exp_set_add(i++ < half ? &a : &b, d);
	}
	/* b below a on the stack: a is tested first, and may tell about b. */
	ib = push_task(p, &b, fmask, -1);
	ia = push_task(p, &a, fmask, ib);
	if (ia >= 0 && ib >= 0)
		p->tasks[ib].sibling = ia;
}

/* Picks the next group task to test; splits inferred ones without a trial. */
static bool group_pick(struct exp_plan *p)
{
	while (p->cur_task < 0 && p->nstack > 0) {
		int ti = p->stack[--p->nstack];
		struct exp_task *t = &p->tasks[ti];
		uint32_t open;

		t->started = true;
		if (exp_set_count(&t->set) == 1) {
			open = t->fmask;
			p->cur_task = ti;
			reset_current(p, open);
			/* the parent failed and the other half did not: a failure of this one */
			for (unsigned f = 0; f < p->nfunc; f++)
				if (t->inferred & open & (1u << f))
					p->cur_fail[f] = 1;
			break;
		} else {
			open = t->fmask & ~t->inferred;
			if (!open) {
				struct exp_set s = t->set;

				split_task(p, &s, p->tasks[ti].fmask);
				continue;
			}
		}
		p->cur_task = ti;
		reset_current(p, open);
	}
	return p->cur_task >= 0;
}

static void credit_provisional(struct exp_plan *p, const struct exp_set *set, uint32_t passed)
{
	for (unsigned d = 0; d < p->ndest; d++) {
		if (!exp_set_has(set, d))
			continue;
		for (unsigned f = 0; f < p->nfunc; f++) {
			struct exp_cell *c = exp_plan_cell(p, d, f);

			if (!(passed >> f & 1) || c->status > EXP_WORKS_PROVISIONAL)
				continue;
			c->status = EXP_WORKS_PROVISIONAL;
			c->successes++;	/* a group trial it was part of worked */
			c->trials++;
		}
	}
}

static void infer_sibling(struct exp_plan *p, const struct exp_task *t, uint32_t passed)
{
	if (t->sibling >= 0 && !p->tasks[t->sibling].started)
		p->tasks[t->sibling].inferred |= t->fmask & passed;
}

static void record_group(struct exp_plan *p, uint32_t works)
{
	struct exp_task *t = &p->tasks[p->cur_task];
	unsigned n = exp_set_count(&t->set);

	if (n > 1) {
		uint32_t tested = p->cur_open, passed = works & tested;
		uint32_t failed = (tested & ~works) | (t->fmask & t->inferred);
		struct exp_set s = t->set;

		credit_provisional(p, &s, passed);
		infer_sibling(p, t, passed);
		p->cur_task = -1;
		if (failed)
			split_task(p, &s, failed);
		return;
	}
	/* one destination: until the majority says breaks, or it works more often than not */
	int d = exp_set_nth(&t->set, 0);
	uint32_t decided_pass = 0;

	p->cur_reps++;
	for (unsigned f = 0; f < p->nfunc; f++) {
		struct exp_cell *c = exp_plan_cell(p, d, f);

		if (!(p->cur_open >> f & 1))
			continue;
		c->trials++;
		if (works >> f & 1) {
			c->successes++;
			p->cur_pass[f]++;
		} else {
			p->cur_fail[f]++;
		}
		if (p->cur_fail[f] >= need(p)) {
			c->status = EXP_BREAKS;
			p->cur_open &= ~(1u << f);
		} else if (p->cur_pass[f] > p->cur_fail[f]) {
			c->status = EXP_WORKS_PROVISIONAL;
			p->cur_open &= ~(1u << f);
		} else if (p->cur_reps >= p->reps) {
			c->status = EXP_BREAKS;	/* a tie: not blockable */
			p->cur_open &= ~(1u << f);
		}
	}
	if (!p->cur_open) {
		for (unsigned f = 0; f < p->nfunc; f++)
			if ((t->fmask >> f & 1) && exp_plan_cell(p, d, f)->status == EXP_WORKS_PROVISIONAL)
				decided_pass |= 1u << f;
		infer_sibling(p, t, decided_pass);
		p->cur_task = -1;
	}
}

/* ---- next / record ----------------------------------------------------------- */

enum exp_phase exp_plan_next(struct exp_plan *p, struct exp_request *r)
{
	memset(r, 0, sizeof(*r));
	for (;;) {
		switch (p->phase) {
		case EXP_PH_BASELINE:
			r->phase = EXP_PH_BASELINE;
			r->fmask = all_funcs(p);
			return r->phase;
		case EXP_PH_SEARCH:
			if (p->strategy == EXP_SINGLE) {
				if (p->single_next >= p->ndest) {
					start_joint(p);
					continue;
				}
				exp_set_add(&r->set, p->single_next);
				r->fmask = all_funcs(p);
			} else {
				if (!group_pick(p)) {
					start_joint(p);
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
			conflict_settle(p);
			if (p->phase != EXP_PH_CONFLICT)
				continue;
			r->phase = EXP_PH_CONFLICT;
			r->set = p->conf_core;
			if (p->conf_step == 0) {
				p->conf_mid = (p->conf_lo + p->conf_hi) / 2;
				for (unsigned i = 0; i <= p->conf_mid; i++)
					exp_set_add(&r->set, p->conf_list[i]);
			}
			r->fmask = 1u << p->conf_func;
			return r->phase;
		case EXP_PH_CONFIRM:
			while (p->confirm_next < p->ndest && !p->cur_open) {
				unsigned d = p->confirm_next;
				uint32_t open = 0;

				for (unsigned f = 0; f < p->nfunc && exp_set_has(&p->kept, d); f++)
					if (exp_plan_cell(p, d, f)->status == EXP_WORKS_PROVISIONAL)
						open |= 1u << f;
				if (open)
					reset_current(p, open);
				else
					p->confirm_next++;
			}
			if (p->confirm_next >= p->ndest) {
				finish(p);
				continue;
			}
			r->phase = EXP_PH_CONFIRM;
			exp_set_add(&r->set, p->confirm_next);
			r->fmask = p->cur_open;
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
	if (p->strategy == EXP_GROUP && p->ndest > 0) {
		struct exp_set all = { 0 };

		unsigned chunks = (p->ndest + EXP_GROUP_START - 1) / EXP_GROUP_START;

		for (int c = (int)chunks - 1; c >= 0; c--) {
			memset(&all, 0, sizeof(all));
			for (unsigned d = 0; d < p->ndest; d++)
				if (d * chunks / p->ndest == (unsigned)c)
					exp_set_add(&all, d);
			push_task(p, &all, all_funcs(p), -1);
		}
	}
	reset_current(p, all_funcs(p));
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
	reset_current(p, all_funcs(p));
}

static void record_joint(struct exp_plan *p, uint32_t works)
{
	uint32_t failed = 0;

	p->cur_reps++;
	for (unsigned f = 0; f < p->nfunc; f++) {
		if (!(p->cur_open >> f & 1))
			continue;
		if (works >> f & 1)
			p->cur_pass[f]++;
		else if (++p->cur_fail[f] >= need(p))
			p->cur_open &= ~(1u << f);	/* settled: it breaks */
	}
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

				if (p->strategy == EXP_GROUP || c->status == EXP_WORKS_PROVISIONAL) {
					c->successes = p->cur_pass[f];
					c->trials = p->cur_pass[f] + p->cur_fail[f];
				}
				c->status = EXP_WORKS;
			}
		}
		start_joint(p);
		return;
	}
	unsigned f = (unsigned)__builtin_ctz(failed);

	if (exp_set_count(&p->joint_set) == 1) {
		struct exp_cell *c = exp_plan_cell(p, exp_set_nth(&p->joint_set, 0), f);

		c->status = EXP_BREAKS;
		c->successes = p->cur_pass[f];
		c->trials = p->cur_pass[f] + p->cur_fail[f];
		start_joint(p);
		return;
	}
	start_conflict(p, f);
}

static void record_conflict(struct exp_plan *p, uint32_t works)
{
	unsigned f = p->conf_func;
	bool fails;

	p->cur_reps++;
	if (works >> f & 1)
		p->cur_pass[f]++;
	else
		p->cur_fail[f]++;
	if (p->cur_pass[f] < need(p) && p->cur_fail[f] < need(p) && p->cur_reps < p->reps)
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
	reset_current(p, 1u << f);
}

static void record_confirm(struct exp_plan *p, uint32_t works)
{
	unsigned d = p->confirm_next;

	p->cur_reps++;
	for (unsigned f = 0; f < p->nfunc; f++) {
		if (!(p->cur_open >> f & 1))
			continue;
		if (works >> f & 1)
			p->cur_pass[f]++;
		else
			p->cur_fail[f]++;
	}
	if (p->cur_reps < p->reps)
		return;
	for (unsigned f = 0; f < p->nfunc; f++) {
		struct exp_cell *c = exp_plan_cell(p, d, f);

		if (!(p->cur_open >> f & 1))
			continue;
		c->successes = p->cur_pass[f];
		c->trials = p->cur_pass[f] + p->cur_fail[f];
		c->status = c->successes * 2 > c->trials ? EXP_WORKS : EXP_BREAKS;
	}
	p->confirm_next++;
	reset_current(p, 0);
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
			record_group(p, works);
		break;
	case EXP_PH_JOINT: record_joint(p, works); break;
	case EXP_PH_CONFLICT: record_conflict(p, works); break;
	case EXP_PH_CONFIRM: record_confirm(p, works); break;
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
