/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The two programs loaded without pins or attachment, for running frames
 * through them with BPF_PROG_TEST_RUN (replay, BPF unit tests): nothing
 * live is touched. */
#ifndef IOTRIM_DATAPATH_UNPINNED_H
#define IOTRIM_DATAPATH_UNPINNED_H

#include <stdbool.h>
#include <stdint.h>

#include "iotrim_tc.skel.h"
#include "iotrim_xdp.skel.h"

/*
 * Loads both objects with pinning off; the TC object's maps are the XDP
 * object's maps of the same name, as pinning by name makes them live.
 * max_flows sizes the flow table (0: the built-in size).  for_replay:
 * only the programs a replay runs (XDP, TC egress) are loaded, and the
 * programs' clock cache (count_clock, bpf/count.h) is one entry for all
 * CPUs, mmap()able, so that zeroing it in memory makes the next frame read
 * the clock afresh.  Returns 0 or -errno; on failure nothing stays loaded
 * and *xdp, *tc are NULL.
 */
int unpinned_load(struct iotrim_xdp **xdp, struct iotrim_tc **tc, uint32_t max_flows,
		  bool for_replay);

#endif
