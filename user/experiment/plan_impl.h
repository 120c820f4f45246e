/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the planner's files share (not an interface: experiment.h is):
 * plan.c (phases, baseline, single search, verdicts), plan_group.c
 * (adaptive group search), plan_joint.c (joint validation, conflict search,
 * confirmation).
 */
#ifndef IOTRIM_EXPERIMENT_PLAN_IMPL_H
#define IOTRIM_EXPERIMENT_PLAN_IMPL_H

#include <string.h>

#include "experiment/experiment.h"

static inline uint32_t plan_all_funcs(const struct exp_plan *p)
{
	return p->nfunc >= 32 ? 0xffffffffu : (1u << p->nfunc) - 1;
}

/* Outcomes needed to settle a repeated test by majority. */
static inline unsigned plan_need(const struct exp_plan *p)
{
	return p->reps / 2 + 1;
}

static inline void plan_reset_current(struct exp_plan *p, uint32_t open)
{
	memset(p->cur_pass, 0, sizeof(p->cur_pass));
	memset(p->cur_fail, 0, sizeof(p->cur_fail));
	p->cur_reps = 0;
	p->cur_open = open;
}

static inline bool plan_cell_works(const struct exp_cell *c)
{
	return c->status == EXP_WORKS || c->status == EXP_WORKS_PROVISIONAL;
}

/* plan_group.c */
/* The first groups, once the baseline passed. */
void plan_group_start(struct exp_plan *p);
/* Picks the next group to test (p->cur_task); false when the search is over. */
bool plan_group_pick(struct exp_plan *p);
void plan_group_record(struct exp_plan *p, uint32_t works);

/* plan_joint.c */
/* The joint set to validate (again), or on to confirm/done. */
void plan_joint_start(struct exp_plan *p);
void plan_joint_record(struct exp_plan *p, uint32_t works);
/* The next conflict or confirmation trial in r; false when the phase moved on. */
bool plan_conflict_next(struct exp_plan *p, struct exp_request *r);
void plan_conflict_record(struct exp_plan *p, uint32_t works);
bool plan_confirm_next(struct exp_plan *p, struct exp_request *r);
void plan_confirm_record(struct exp_plan *p, uint32_t works);

#endif
