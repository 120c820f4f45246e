// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Pacing progress lines (common/progress.h). */
#include <stdlib.h>

#include "common/clock.h"
#include "common/parse.h"
#include "common/progress.h"

void progress_start(struct progress_pace *p)
{
	unsigned long long after = 1;

	/* a value that is not a number of seconds keeps the default */
	if (!parse_u64(env_or(NULL, PROGRESS_AFTER_ENV, "1"), 0, 86400, &after))
		after = 1;
	p->start = clock_mono_s();
	p->last = 0;
	p->after = (double)after;
}

bool progress_due(struct progress_pace *p)
{
	double now = clock_mono_s();

	if (now - p->start < p->after || (p->last && now - p->last < 1))
		return false;
	p->last = now;
	return true;
}

double progress_elapsed(const struct progress_pace *p)
{
	return clock_mono_s() - p->start;
}
