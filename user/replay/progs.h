/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The real XDP and TC programs, loaded for a replay only: nothing is
 * pinned (the maps live as long as the process) and nothing is attached,
 * so a live iotrim on the same machine is never touched.  The TC object
 * shares the XDP object's maps, as pinning by name does in production.
 */
#ifndef IOTRIM_REPLAY_PROGS_H
#define IOTRIM_REPLAY_PROGS_H

#include <stdbool.h>
#include <stdint.h>

#include "datapath/devices.h"

/* The biggest frame BPF_PROG_TEST_RUN takes for XDP (one page, less head and tail room). */
#define REPLAY_FRAME_MAX 3520

struct iotrim_xdp;
struct iotrim_tc;

struct replay_progs {
	struct iotrim_xdp *xdp;
	struct iotrim_tc *tc;
	int xdp_fd, tc_egress_fd;
	int flows_fd, counters_fd, names_fd, events_fd, settings_fd;
	struct device_maps devices;
	void *clock;			/* the programs' clock cache, mapped */
	size_t clock_len;
};

/* 0, or -errno after saying why; on failure nothing stays loaded. */
int replay_progs_open(struct replay_progs *p);
void replay_progs_close(struct replay_progs *p);
/* One frame through XDP (upload) or TC egress (download); 0 or -errno. */
int replay_progs_run(const struct replay_progs *p, bool upload, const void *frame, uint32_t len);
/* The programs read the clock once per jiffy and reuse it (bpf/count.h);
 * replay maps boot times to capture times per millisecond, so before a
 * frame of a new capture millisecond the cached reading is dropped (in
 * the mapped cache: no syscall). */
void replay_progs_restart_clock(const struct replay_progs *p);
/* Payload sampling at the defaults (on) or off; 0 or -errno. */
int replay_progs_sampling(const struct replay_progs *p, bool on);

#endif
