/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A simulated device for the planner's unit tests and benchmark (a test
 * double, not the system): each functionality has clauses, sets of
 * destinations of which at least one must stay unblocked.  A needed
 * destination is a clause of one; two redundant time servers are a clause
 * of two.  flaky_every N makes every N-th check fail whatever is blocked.
 */
#ifndef IOTRIM_EXPERIMENT_ORACLE_H
#define IOTRIM_EXPERIMENT_ORACLE_H

#include "experiment/experiment.h"

#define ORACLE_MAX_CLAUSES 16

struct oracle {
	unsigned ndest, nfunc;
	struct exp_set clauses[EXP_MAX_FUNCS][ORACLE_MAX_CLAUSES];
	unsigned nclauses[EXP_MAX_FUNCS];
	unsigned flaky_every;	/* 0: never */
	unsigned checks;	/* checks so far (for flaky_every) */
};

static inline void oracle_need(struct oracle *o, unsigned f, int a, int b)
{
	struct exp_set *c = &o->clauses[f][o->nclauses[f]++];

	exp_set_add(c, (unsigned)a);
	if (b >= 0)
		exp_set_add(c, (unsigned)b);
}

static inline bool oracle_works(struct oracle *o, const struct exp_set *blocked, unsigned f)
{
	o->checks++;
	if (o->flaky_every && o->checks % o->flaky_every == 0)
		return false;
	for (unsigned c = 0; c < o->nclauses[f]; c++) {
		bool all = true;

		for (unsigned d = 0; d < o->ndest; d++)
			if (exp_set_has(&o->clauses[f][c], d) && !exp_set_has(blocked, d))
				all = false;
		if (all)
			return false;
	}
	return true;
}

/* Runs the planner to the end against the oracle; returns the final phase. */
static inline enum exp_phase oracle_run(struct oracle *o, struct exp_plan *p, unsigned limit)
{
	struct exp_request r;
	enum exp_phase ph;

	while ((ph = exp_plan_next(p, &r)) != EXP_PH_DONE && ph != EXP_PH_ABORTED && limit--) {
		uint32_t works = 0;

		for (unsigned f = 0; f < o->nfunc; f++)
			if ((r.fmask >> f & 1) && oracle_works(o, &r.set, f))
				works |= 1u << f;
		exp_plan_record(p, &r, works);
	}
	return ph;
}

/* Ground truth of a destination: the functionalities whose clause {d} exists. */
static inline uint32_t oracle_breaks(const struct oracle *o, unsigned d)
{
	uint32_t m = 0;

	for (unsigned f = 0; f < o->nfunc; f++)
		for (unsigned c = 0; c < o->nclauses[f]; c++)
			if (exp_set_count(&o->clauses[f][c]) == 1 && exp_set_has(&o->clauses[f][c], d))
				m |= 1u << f;
	return m;
}

/* A synthetic device: n destinations, `needed` of them needed by one of nfunc functionalities. */
static inline void oracle_synthetic(struct oracle *o, unsigned n, unsigned needed, unsigned nfunc,
				    unsigned seed)
{
	unsigned placed = 0;

	memset(o, 0, sizeof(*o));
	o->ndest = n;
	o->nfunc = nfunc;
	while (placed < needed) {
		unsigned d;
		bool taken = false;

		seed = seed * 1103515245u + 12345u;
		d = (seed >> 16) % n;
		for (unsigned f = 0; f < nfunc; f++)
			for (unsigned c = 0; c < o->nclauses[f]; c++)
				if (exp_set_has(&o->clauses[f][c], d))
					taken = true;
		if (taken)
			continue;
		oracle_need(o, placed % nfunc, (int)d, -1);
		placed++;
	}
}

#endif
