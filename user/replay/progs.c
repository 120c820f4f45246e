// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The programs of a replay, unpinned: see progs.h. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "iotrim.h"
#include "iotrim_maps.h"
#include "datapath/unpinned.h"
#include "replay/progs.h"

/* Room for the flows of long captures between two harvests. */
#define REPLAY_MAX_FLOWS (4 * IOTRIM_DEFAULT_MAX_FLOWS)

static int map_fd(struct bpf_object *obj, const char *name)
{
	int fd = bpf_object__find_map_fd_by_name(obj, name);

	return fd < 0 ? -ENOENT : fd;
}

static size_t clock_map_len(const struct replay_progs *p)
{
	size_t page = sysconf(_SC_PAGESIZE);

	return (p->clock_len + page - 1) / page * page;
}

/* The clock cache: one entry, mmap()able (unpinned_load for a replay). */
static int map_clock(struct replay_progs *p)
{
	const struct bpf_map *m = p->xdp->maps.count_clock;
	void *mem;

	p->clock_len = bpf_map__value_size(m);
	mem = mmap(NULL, clock_map_len(p), PROT_READ | PROT_WRITE, MAP_SHARED,
		   bpf_map__fd(m), 0);
	if (mem == MAP_FAILED)
		return -errno;
	p->clock = mem;
	return 0;
}

int replay_progs_open(struct replay_progs *p)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->devices = (struct device_maps){ .slots = -1, .owners = -1, .totals = -1 };
	err = unpinned_load(&p->xdp, &p->tc, REPLAY_MAX_FLOWS, true);
	if (err)
		goto fail;
	p->xdp_fd = bpf_program__fd(p->xdp->progs.iotrim_xdp);
	p->tc_egress_fd = bpf_program__fd(p->tc->progs.iotrim_tc_egress);
	p->flows_fd = map_fd(p->xdp->obj, MAP_NAME(MAP_FLOWS));
	p->counters_fd = map_fd(p->xdp->obj, MAP_NAME(MAP_COUNTERS));
	p->names_fd = map_fd(p->xdp->obj, MAP_NAME(MAP_NAMES));
	p->events_fd = map_fd(p->xdp->obj, MAP_NAME(MAP_EVENTS));
	p->settings_fd = map_fd(p->xdp->obj, MAP_NAME(MAP_SETTINGS));
	if (p->flows_fd < 0 || p->counters_fd < 0 || p->names_fd < 0 || p->events_fd < 0 ||
	    p->settings_fd < 0 ||
	    device_maps_from_fds(&p->devices, map_fd(p->xdp->obj, MAP_NAME(MAP_DEVICE_SLOTS)),
				 map_fd(p->xdp->obj, MAP_NAME(MAP_DEVICE_OWNERS)),
				 map_fd(p->xdp->obj, MAP_NAME(MAP_DEVICES)))) {
		err = -ENOENT;
		pr_error("the BPF objects lack a map the replay needs");
		replay_progs_close(p);
		return err;
	}
	if ((err = map_clock(p))) {
		pr_error("cannot map the programs' clock cache: %s", strerror(-err));
		replay_progs_close(p);
		return err;
	}
	/* no fair-share budgets (sampling on): see replay_progs_sampling() */
	if ((err = replay_progs_sampling(p, true))) {
		pr_error("cannot write the replay's settings: %s", strerror(-err));
		replay_progs_close(p);
		return err;
	}
	return 0;
fail:
	pr_error("cannot load the BPF programs for the replay: %s%s", strerror(-err),
		 err == -EPERM ? " (needs root: CAP_BPF)" : "");
	replay_progs_close(p);
	return err;
}

void replay_progs_close(struct replay_progs *p)
{
	if (p->clock)
		munmap(p->clock, clock_map_len(p));
	device_maps_close(&p->devices);
	iotrim_tc__destroy(p->tc);
	iotrim_xdp__destroy(p->xdp);
	memset(p, 0, sizeof(*p));
	p->devices = (struct device_maps){ .slots = -1, .owners = -1, .totals = -1 };
}

int replay_progs_run(const struct replay_progs *p, bool upload, const void *frame, uint32_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len);

	return bpf_prog_test_run_opts(upload ? p->xdp_fd : p->tc_egress_fd, &opts) ? -errno : 0;
}

void replay_progs_restart_clock(const struct replay_progs *p)
{
	/* The next run reads the clock again (bpf/count.h: boot_ns 0). */
	memset(p->clock, 0, p->clock_len);
}

int replay_progs_sampling(const struct replay_progs *p, bool on)
{
	/* Capture time is not the clock the budgets run on: a replay has none. */
	struct iotrim_config cfg = { .flags = IOTRIM_CONFIG_NO_LIMITS };
	__u32 zero = 0;

	/* A flags-only entry means the defaults; K = N = 0 set means no sampling. */
	if (!on) {
		cfg.flags |= IOTRIM_CONFIG_SET;
		cfg.sample_bytes = IOTRIM_DEFAULT_SAMPLE_BYTES;
	}
	return bpf_map_update_elem(p->settings_fd, &zero, &cfg, BPF_ANY) ? -errno : 0;
}
