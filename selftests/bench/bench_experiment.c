// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Trials needed by `single` (IoTrimmer: every destination alone, every
 * trial repeated) and `group` (adaptive group testing, joint validation)
 * on simulated devices: the testbed bulb (4 destinations, 1 needed) and
 * synthetic devices with 20 destinations of which 5 are needed, several
 * placements.  Also the wall time those trials would take at a given
 * seconds-per-trial (default: the testbed's measured ~2 s).  The verdicts
 * of both strategies are compared with the ground truth.
 *	bench_experiment [REPETITIONS] [SECONDS_PER_TRIAL]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment/experiment.h"
#include "experiment_oracle.h"

static bool verdicts_match(const struct oracle *o, const struct exp_plan *p)
{
	struct exp_dest_result res[EXP_MAX_DESTS];

	exp_verdicts(p, res);
	for (unsigned d = 0; d < o->ndest; d++)
		if (res[d].verdict == EXP_UNDECIDED || res[d].breaks != oracle_breaks(o, d))
			return false;
	return true;
}

static unsigned run(struct oracle *o, enum exp_strategy s, unsigned reps, bool *ok)
{
	struct exp_plan p;
	unsigned trials;

	o->checks = 0;
	exp_plan_init(&p, o->ndest, o->nfunc, reps, s, 3);
	*ok = oracle_run(o, &p, 100000) == EXP_PH_DONE && verdicts_match(o, &p);
	trials = p.trials;
	exp_plan_free(&p);
	return trials;
}

static void row(const char *label, struct oracle *o, unsigned reps, double spt, double *ratio)
{
	bool ok1, ok2;
	unsigned single = run(o, EXP_SINGLE, reps, &ok1);
	unsigned group = run(o, EXP_GROUP, reps, &ok2);

	*ratio = (double)single / group;
	printf("%-34s %6u %8.0f s %6u %8.0f s %6.2fx  %s\n", label, single, single * spt, group,
	       group * spt, *ratio, ok1 && ok2 ? "same verdicts as ground truth" : "VERDICTS DIFFER");
}

static void table(unsigned reps, double spt)
{
	double ratio, sum = 0, worst = 1e9;
	struct oracle o;
	char label[64];
	int runs = 0;

	printf("planner trials, repetitions %u, %.1f s per trial (baseline runs not counted)\n", reps,
	       spt);
	printf("%-34s %6s %10s %6s %10s %7s\n", "device", "single", "wall", "group", "wall", "ratio");
	memset(&o, 0, sizeof(o));
	o.ndest = 4;
	o.nfunc = 1;
	oracle_need(&o, 0, 0, -1);	/* api.vendor.example:443 */
	row("bulb (4 destinations, 1 needed)", &o, reps, spt, &ratio);
	for (unsigned seed = 1; seed <= 8; seed++) {
		oracle_synthetic(&o, 20, 5, 3, seed * 7919);
		snprintf(label, sizeof(label), "synthetic 20/5, 3 functions, #%u", seed);
		row(label, &o, reps, spt, &ratio);
		sum += ratio;
		worst = ratio < worst ? ratio : worst;
		runs++;
	}
	for (unsigned seed = 1; seed <= 4; seed++) {
		oracle_synthetic(&o, 20, 5, 1, seed * 104729);
		snprintf(label, sizeof(label), "synthetic 20/5, 1 function, #%u", seed);
		row(label, &o, reps, spt, &ratio);
		sum += ratio;
		worst = ratio < worst ? ratio : worst;
		runs++;
	}
	printf("synthetic 20/5: mean %.2fx fewer trials with group, worst %.2fx (target >= 3x)\n\n",
	       sum / runs, worst);
}

int main(int argc, char **argv)
{
	unsigned reps = argc > 1 ? (unsigned)atoi(argv[1]) : 0;
	double spt = argc > 2 ? atof(argv[2]) : 2.0;

	if (reps) {
		table(reps, spt);
	} else {	/* the default repetitions, and the paper's */
		table(5, spt);
		table(30, spt);
	}
	return 0;
}
