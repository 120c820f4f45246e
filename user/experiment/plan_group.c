// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The planner's group search (plan.c): adaptive group testing per
 * functionality.  A set is tested once: if a functionality works, every
 * member works for it (provisionally: the joint validation confirms it); if
 * not, the set is split in halves for the failing ones.  When the first
 * half works, the second half must hold the culprit and is split without
 * being tested.  A single destination is tested until the majority of
 * `reps` says it breaks, or it works more often than not.
 */
#include <stdlib.h>
#include <string.h>

#include "experiment/plan_impl.h"

/*
 * Group search starts from groups of this size: IoTrimmer found about half
 * of the destinations needed, so testing everything at once rarely works;
 * groups of four cost little more than halving from the top when one
 * destination is needed, and much less when a quarter are (bench_experiment).
 */
#define EXP_GROUP_START 4

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

void plan_group_start(struct exp_plan *p)
{
	struct exp_set all = { 0 };
	unsigned chunks;

	if (p->ndest == 0)
		return;
	chunks = (p->ndest + EXP_GROUP_START - 1) / EXP_GROUP_START;
	for (int c = (int)chunks - 1; c >= 0; c--) {
		memset(&all, 0, sizeof(all));
		for (unsigned d = 0; d < p->ndest; d++)
			if (d * chunks / p->ndest == (unsigned)c)
				exp_set_add(&all, d);
		push_task(p, &all, plan_all_funcs(p), -1);
	}
}

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

/* Splits the tasks whose outcome is inferred without a trial. */
bool plan_group_pick(struct exp_plan *p)
{
	while (p->cur_task < 0 && p->nstack > 0) {
		int ti = p->stack[--p->nstack];
		struct exp_task *t = &p->tasks[ti];
		uint32_t open;

		t->started = true;
		if (exp_set_count(&t->set) == 1) {
			open = t->fmask;
			p->cur_task = ti;
			plan_reset_current(p, open);
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
		plan_reset_current(p, open);
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

void plan_group_record(struct exp_plan *p, uint32_t works)
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
		if (p->cur_fail[f] >= plan_need(p)) {
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
