/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The pace of progress lines for work that can take long (replay, report):
 * none until it has taken PROGRESS_AFTER_ENV seconds (default 1: quick work
 * stays quiet; 0 lets a test see the line of a tiny input), then at most
 * one a second.
 */
#ifndef IOTRIM_COMMON_PROGRESS_H
#define IOTRIM_COMMON_PROGRESS_H

#include <stdbool.h>

#define PROGRESS_AFTER_ENV "IOTRIM_PROGRESS_AFTER"

struct progress_pace {
	double start, last;	/* monotonic s; last 0: no line yet */
	double after;
};

/* Starts the clock now, with the threshold from the environment. */
void progress_start(struct progress_pace *p);
/* Is a line due now?  If so, the next is a second away. */
bool progress_due(struct progress_pace *p);
/* Seconds since progress_start(). */
double progress_elapsed(const struct progress_pace *p);

#endif
