/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Replay: capture files driven frame by frame through the real BPF programs
 * with BPF_PROG_TEST_RUN (from a device: the XDP program; to a device: the
 * TC egress program), loaded unpinned so nothing live is touched.  Their
 * DNS and TLS events go through attribution (attrib/names.c) into the
 * history's name store, and the flow counters are harvested into the
 * history database per 10 s of capture time.  Every timestamp the programs
 * take stands for the capture time of the frame being run (see the time
 * map in replay.c), so history rows carry capture time.
 */
#ifndef IOTRIM_REPLAY_H
#define IOTRIM_REPLAY_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "datapath/table.h"
#include "iotrim.h"
#include "replay/capture.h"
#include "replay/side.h"

struct replay_stats {
	uint64_t frames, bytes;		/* read from the files */
	uint64_t up, down;		/* run through XDP, TC egress */
	uint64_t not_seen;		/* between two other hosts: the gateway would not see them */
	uint64_t too_big;		/* over what BPF_PROG_TEST_RUN takes (GRO/TSO captures) */
	uint64_t run_failed;		/* other BPF_PROG_TEST_RUN errors */
	uint64_t cut_payload_bytes;	/* bytes of cut frames nobody saw: payload class "ignored" */
	uint64_t problems[CAPTURE_PROBLEM__COUNT];
	uint64_t kernel[IOTRIM_COUNTER__COUNT];	/* the programs' own counters */
	uint64_t events, dns_answers, tls_hellos;
	uint64_t first_ns, last_ns;	/* capture time span, Unix ns */
	unsigned files_read;
	double seconds;			/* wall time of the replay */
};

/* Called about once a second once a replay has taken a second (common/progress.h). */
typedef void (*replay_progress_fn)(void *ctx, const char *file, const struct replay_stats *st,
				   double seconds);

struct replay_opts {
	char *const *files;
	int nfiles;
	struct device_side side;	/* as given; SIDE_INFER: inferred (side.h) */
	sqlite3 *db;
	/* Capture times (Unix ms, ascending) that a harvest must not straddle:
	 * the phase marks, so every delta falls in one phase (history/phase.h). */
	const int64_t *harvest_at_ms;
	size_t nharvest_at;
	replay_progress_fn progress;
	void *progress_ctx;
};

struct replay_result {
	struct replay_stats st;
	struct device_side side;	/* the one used (inferred or given) */
	struct snapshot snap;		/* the programs' tables at the end */
	struct time_map *times;		/* kernel -> capture time, until replay_result_free */
};

/*
 * 0, or -errno after saying why (problems in the files are no error: they
 * are said and counted in r->st.problems).  While r is not freed, the
 * clock (common/clock.h) turns the programs' timestamps into capture time.
 */
int replay_run(const struct replay_opts *o, struct replay_result *r);
void replay_result_free(struct replay_result *r);

#endif
