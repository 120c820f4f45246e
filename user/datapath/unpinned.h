/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The two programs a frame runs through (XDP upload, TC egress download)
 * loaded without pins or attachment, for BPF_PROG_TEST_RUN (replay):
 * nothing live is touched. */
#ifndef IOTRIM_DATAPATH_UNPINNED_H
#define IOTRIM_DATAPATH_UNPINNED_H

#include <stdint.h>

#include "iotrim_tc.skel.h"
#include "iotrim_xdp.skel.h"

/*
 * Loads both objects with pinning off; the TC object's maps are the XDP
 * object's maps of the same name, as pinning by name makes them live.
 * max_flows sizes the flow table (0: the built-in size).  The programs'
 * clock cache (count_clock, bpf/count.h) is one entry for all CPUs, and
 * mmap()able, so that zeroing it in memory makes the next frame read the
 * clock afresh.  Returns 0 or -errno; on failure nothing stays loaded and *xdp, *tc are NULL.
 */
int unpinned_load(struct iotrim_xdp **xdp, struct iotrim_tc **tc, uint32_t max_flows);

#endif
