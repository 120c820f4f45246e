// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/clock.h"
#include "common/log.h"
#include "iotrim_maps.h"
#include "datapath/attach.h"
#include "datapath/error.h"
#include "datapath/libbpf_log.h"
#include "datapath/pin.h"
#include "datapath/progs.h"
#include "iotrim_tc.skel.h"
#include "iotrim_xdp.skel.h"

#define VERIFIER_TAIL_LINES 40

const char *attach_mode_name(uint32_t mode)
{
	switch (mode) {
	case IOTRIM_MODE_NATIVE: return "native";
	case IOTRIM_MODE_GENERIC: return "generic";
	case IOTRIM_MODE_TC: return "tc";
	default: return "none";
	}
}

const char *attach_reject_path(const struct attach_info *info)
{
	switch (info->mode) {
	case IOTRIM_MODE_NATIVE:
		/* With iotrim_tc_reject on ingress (a veth): XDP passes rejects up to it. */
		return tc_prog_id(info->ifindex, BPF_TC_INGRESS) ? "xdp_pass_tc_redirect" : "xdp_tx";
	case IOTRIM_MODE_GENERIC: return "xdp_tx_generic";
	case IOTRIM_MODE_TC: return "tc_redirect";
	default: return "none";
	}
}

/*
 * Is the interface's driver this one?  Asks the driver over ethtool rather
 * than looking in /sys/class/net: sysfs shows the devices of the namespace
 * that mounted it, not necessarily ours.
 */
static bool driver_is(const char *ifname, const char *driver)
{
	struct ethtool_drvinfo drvinfo = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&drvinfo };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool same;

	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	same = ioctl(fd, SIOCETHTOOL, &ifr) == 0 && strcmp(drvinfo.driver, driver) == 0;
	close(fd);
	return same;
}

/* Is iotrim's recorded attachment still live on its interface? */
static bool attachment_live(const struct attach_info *info)
{
	if (info->mode == IOTRIM_MODE_NONE)
		return false;
	return tc_prog_id(info->ifindex, BPF_TC_EGRESS) == info->egress_prog_id &&
	       info->egress_prog_id != 0;
}

/* Refuses a second attach unless forced; fills prev with the recorded one. */
static int check_existing(const struct attach_request *req, int ifindex,
			  struct attach_info *prev)
{
	struct attach_info info;
	int fd = open_pinned_map(MAP_NAME(MAP_ATTACHMENT));
	bool live;

	memset(prev, 0, sizeof(*prev));
	if (fd < 0)
		return 0;
	live = read_attach_info(fd, &info) && attachment_live(&info);
	close(fd);
	if (live)
		*prev = info;
	if (!live || req->force)
		return 0;
	if ((int)info.ifindex == ifindex)
		pr_error("iotrim is already attached to %s (%s mode): run `iotrim detach` first, or use --force",
			 req->ifname, attach_mode_name(info.mode));
	else
		pr_error("iotrim is attached to %s already; it watches one LAN interface: run `iotrim detach` first",
			 info.ifname);
	return -DP_ATTACHED;
}

static int check_foreign_programs(const struct attach_request *req, int ifindex,
				  enum iotrim_attach_mode mode)
{
	uint32_t id;
	char name[BPF_OBJ_NAME_LEN];

	if (req->force)
		return 0;
	/*
	 * An XDP program sees the uploads before TC does: besides XDP modes,
	 * the default (tc) refuses one too, as the XDP default always did;
	 * only an explicit --mode tc lets it run first.
	 */
	id = mode == IOTRIM_MODE_TC && req->mode == IOTRIM_MODE_TC ? 0 : xdp_prog_id(ifindex, NULL);
	if (id && !is_iotrim_prog(id)) {
		prog_name(id, name);
		pr_error("%s already has an XDP program (id %u, \"%s\") that iotrim did not load: use --force to replace it",
			 req->ifname, id, name);
		return -DP_FOREIGN_PROG;
	}
	for (int p = 0; p < 2; p++) {
		enum bpf_tc_attach_point point = p ? BPF_TC_INGRESS : BPF_TC_EGRESS;

		id = tc_prog_id(ifindex, point);
		if (id && !is_iotrim_prog(id)) {
			prog_name(id, name);
			pr_error("%s has a TC filter (handle %#x, priority %d, program \"%s\") that iotrim did not load: use --force to replace it",
				 req->ifname, TC_HANDLE, TC_PRIORITY, name);
			return -DP_FOREIGN_PROG;
		}
	}
	return 0;
}

/* Size of the pinned flow table, 0 if none is pinned. */
static uint32_t pinned_flow_capacity(void)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	int fd = open_pinned_map(MAP_NAME(MAP_FLOWS));

	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
		info.max_entries = 0;
	close(fd);
	return info.max_entries;
}

static int load_failed(const char *what, int err)
{
	if (libbpf_log_contains("reuse pinned map") || libbpf_log_contains("reusing pinned map")) {
		pr_error("the maps pinned under %s do not match this build of iotrim: run `iotrim detach --purge` (loses their counts)",
			 pin_dir());
		return -DP_PINS_DIFFER;
	}
	libbpf_log_print_tail(VERIFIER_TAIL_LINES);
	pr_error("loading the %s program failed: %s", what, strerror(-err));
	return -DP_LOAD_FAILED;
}

static int attach_xdp(const struct attach_request *req, int ifindex, int prog_fd,
		      enum iotrim_attach_mode mode)
{
	uint32_t old_flags = 0;
	uint32_t flags = mode == IOTRIM_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	int err;

	/* A program in the other mode must go first: the kernel allows one. */
	if (xdp_prog_id(ifindex, &old_flags) && old_flags != flags)
		bpf_xdp_detach(ifindex, old_flags, NULL);
	err = bpf_xdp_attach(ifindex, prog_fd, flags, NULL);
	if (err)
		pr_error("attaching XDP (%s) to %s failed: %s", attach_mode_name(mode),
			 req->ifname, strerror(-err));
	return err;
}

static int attach_tc(const char *ifname, int ifindex, enum bpf_tc_attach_point point,
		     int prog_fd, bool *created_clsact)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST) {
		pr_error("creating the clsact qdisc on %s failed: %s", ifname, strerror(-err));
		return err;
	}
	if (!err)
		*created_clsact = true;
	hook.attach_point = point;
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		pr_error("attaching the TC %s program to %s failed: %s",
			 point == BPF_TC_EGRESS ? "egress" : "ingress", ifname, strerror(-err));
	return err;
}

/* Removes iotrim's TC ingress program, if any (XDP modes that do not need one). */
static void detach_tc_ingress(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY);
	uint32_t id = tc_prog_id(ifindex, BPF_TC_INGRESS);

	if (id && is_iotrim_prog(id))
		bpf_tc_detach(&hook, &opts);
}

static uint32_t prog_id_of(int prog_fd)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	return bpf_obj_get_info_by_fd(prog_fd, &info, &len) == 0 ? info.id : 0;
}

static int write_attach_info(int map_fd, const struct attach_info *info)
{
	__u32 zero = 0;
	int err;

	if (bpf_map_update_elem(map_fd, &zero, info, BPF_ANY) == 0)
		return 0;
	err = -errno;
	pr_error("recording the attachment failed: %s", strerror(-err));
	return err;
}

static int resolve_max_flows(const struct attach_request *req, uint32_t *max_flows)
{
	uint32_t pinned = pinned_flow_capacity();

	if (req->max_flows && pinned && req->max_flows != pinned) {
		pr_error("the pinned flow table holds %u flows; to use --max-flows %u run `iotrim detach --purge` first (loses its counts)",
			 pinned, req->max_flows);
		return -DP_PINS_DIFFER;
	}
	*max_flows = pinned ? pinned : req->max_flows ? req->max_flows : IOTRIM_DEFAULT_MAX_FLOWS;
	return 0;
}

int lan_attach(const struct attach_request *req, struct attach_info *attached)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = pin_dir());
	struct iotrim_xdp *xdp = NULL;
	struct iotrim_tc *tc = NULL;
	enum iotrim_attach_mode mode = req->mode;
	struct attach_info info = {}, prev;
	bool created_clsact, reject_in_tc;
	uint32_t max_flows = 0;
	int ifindex, err;

	if ((err = require_root()) || (err = require_btf()) || (err = require_bpffs()))
		return err;
	if (strlen(req->ifname) >= IF_NAMESIZE) {
		pr_error("interface name too long: %s", req->ifname);
		return -ENAMETOOLONG;
	}
	ifindex = if_nametoindex(req->ifname);
	if (!ifindex) {
		pr_error("no such interface: %s", req->ifname);
		return -ENODEV;
	}
	/*
	 * TC on both directions by default: it sees the kernel's GRO/TSO
	 * aggregates whole and counts each as its wire packets, while any
	 * native XDP program on a veth LAN makes every upload cross as
	 * wire-sized packets (scripts/bench_throughput.sh: tc >= 0.95 of no
	 * program both ways, native XDP about 0.2 on uploads).  A bridge has
	 * no native XDP at all.
	 */
	if (mode == IOTRIM_MODE_NONE) {
		if (driver_is(req->ifname, "bridge"))
			notice("%s is a bridge: counting with TC on ingress and egress (--mode tc)",
			       req->ifname);
		else
			notice("counting with TC on ingress and egress, the default: it keeps the "
			       "kernel's GRO/TSO aggregates whole (native XDP can cost most of the "
			       "upload throughput on virtual LANs); --mode native for XDP");
		mode = IOTRIM_MODE_TC;
	}
	if ((err = check_existing(req, ifindex, &prev)) ||
	    (err = check_foreign_programs(req, ifindex, mode)) ||
	    (err = resolve_max_flows(req, &max_flows)))
		return err;
	/* Replacing our own live attachment: who created clsact stays known. */
	created_clsact = (int)prev.ifindex == ifindex && prev.created_clsact;
	/*
	 * Native XDP on a veth: an XDP_TX frame reaches the peer only while the
	 * peer runs an XDP program (its NAPI is off otherwise), which the peer's
	 * owner may change at any time.  The reject replies then go from TC
	 * ingress, like --mode tc's, which reaches the device whatever the peer.
	 */
	reject_in_tc = mode == IOTRIM_MODE_NATIVE && driver_is(req->ifname, "veth");
	if (reject_in_tc)
		notice("%s is a veth: reject replies are sent from TC ingress (XDP_TX reaches a veth peer only while it runs XDP)",
		       req->ifname);

	if (mode != IOTRIM_MODE_TC) {
		xdp = iotrim_xdp__open_opts(&open_opts);
		if (!xdp)
			return load_failed("XDP", -errno);
		bpf_map__set_max_entries(xdp->maps.flows, max_flows);
		xdp->rodata->reject_in_tc = reject_in_tc;
		err = iotrim_xdp__load(xdp);
		if (err) {
			err = load_failed("XDP", err);
			goto out;
		}
	}
	tc = iotrim_tc__open_opts(&open_opts);
	if (!tc) {
		err = load_failed("TC", -errno);
		goto out;
	}
	bpf_map__set_max_entries(tc->maps.flows, max_flows);
	bpf_program__set_autoload(tc->progs.iotrim_tc_ingress, mode == IOTRIM_MODE_TC);
	bpf_program__set_autoload(tc->progs.iotrim_tc_reject, reject_in_tc);
	err = iotrim_tc__load(tc);
	if (err) {
		err = load_failed("TC", err);
		goto out;
	}

	if (mode == IOTRIM_MODE_TC) {
		/*
		 * Switching from an XDP mode: the old ingress counter must go, and
		 * by default (past check_foreign_programs: --force) any other.
		 */
		uint32_t xdp_flags = 0, xdp_id = xdp_prog_id(ifindex, &xdp_flags);

		if (xdp_id && (is_iotrim_prog(xdp_id) || req->mode == IOTRIM_MODE_NONE))
			bpf_xdp_detach(ifindex, xdp_flags, NULL);
		err = attach_tc(req->ifname, ifindex, BPF_TC_INGRESS,
				bpf_program__fd(tc->progs.iotrim_tc_ingress), &created_clsact);
		info.ingress_prog_id = prog_id_of(bpf_program__fd(tc->progs.iotrim_tc_ingress));
	} else {
		err = attach_xdp(req, ifindex, bpf_program__fd(xdp->progs.iotrim_xdp), mode);
		info.ingress_prog_id = prog_id_of(bpf_program__fd(xdp->progs.iotrim_xdp));
		if (!err && reject_in_tc)
			err = attach_tc(req->ifname, ifindex, BPF_TC_INGRESS,
					bpf_program__fd(tc->progs.iotrim_tc_reject), &created_clsact);
		else if (!err)	/* from an earlier attach in tc mode, or on a veth */
			detach_tc_ingress(ifindex);
	}
	if (err)
		goto out;
	err = attach_tc(req->ifname, ifindex, BPF_TC_EGRESS,
			bpf_program__fd(tc->progs.iotrim_tc_egress), &created_clsact);
	if (err) {
		char rolled_back[IF_NAMESIZE];

		lan_detach(req->ifname, rolled_back);
		goto out;
	}

	info.ifindex = ifindex;
	info.mode = mode;
	info.egress_prog_id = prog_id_of(bpf_program__fd(tc->progs.iotrim_tc_egress));
	info.attached_at_ns = clock_boot_ns();
	info.max_flows = max_flows;
	info.created_clsact = created_clsact;
	snprintf(info.ifname, sizeof(info.ifname), "%s", req->ifname);
	err = write_attach_info(bpf_map__fd(tc->maps.attachment), &info);
	if (!err)
		*attached = info;
out:
	iotrim_tc__destroy(tc);
	iotrim_xdp__destroy(xdp);
	return err;
}

static void detach_programs(int ifindex, bool remove_clsact)
{
	uint32_t flags = 0;
	uint32_t id = xdp_prog_id(ifindex, &flags);

	if (id && is_iotrim_prog(id))
		bpf_xdp_detach(ifindex, flags, NULL);
	for (int p = 0; p < 2; p++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = p ? BPF_TC_INGRESS : BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY);

		id = tc_prog_id(ifindex, hook.attach_point);
		if (id && is_iotrim_prog(id))
			bpf_tc_detach(&hook, &opts);
	}
	if (remove_clsact) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		bpf_tc_hook_destroy(&hook);
	}
}

/* With nothing pinned: removes the programs find_iotrim_programs finds. */
static void detach_unpinned(char detached_from[IF_NAMESIZE])
{
	struct iotrim_progs found[MAX_UNPINNED];
	int n = find_iotrim_programs(found, MAX_UNPINNED);

	for (int i = 0; i < n; i++) {
		notice("removing iotrim programs attached to %s without pinned maps",
		       found[i].ifname);
		/* who created clsact is not known without the pins: it stays */
		detach_programs(found[i].ifindex, false);
	}
	if (n > 0)
		memcpy(detached_from, found[0].ifname, IF_NAMESIZE);
}

int lan_detach(const char *ifname, char detached_from[IF_NAMESIZE])
{
	struct attach_info info = {};
	struct attach_info cleared = {};
	int fd, err, ifindex = 0;
	bool have_info = false;

	detached_from[0] = '\0';
	if ((err = require_pin_access()))
		return err;
	fd = open_pinned_map(MAP_NAME(MAP_ATTACHMENT));
	if (fd >= 0)
		have_info = read_attach_info(fd, &info) && info.mode != IOTRIM_MODE_NONE;
	if (ifname) {
		ifindex = if_nametoindex(ifname);
		if (!ifindex) {
			if (fd >= 0)
				close(fd);
			pr_error("no such interface: %s", ifname);
			return -ENODEV;
		}
	} else if (have_info) {
		ifindex = info.ifindex;
	} else {
		detach_unpinned(detached_from);
	}

	if (ifindex) {
		/* The interface may have vanished since attach: nothing to remove then. */
		char name[IF_NAMESIZE];

		if (if_indextoname(ifindex, name))
			detach_programs(ifindex, have_info && info.created_clsact &&
						 (int)info.ifindex == ifindex);
		snprintf(detached_from, IF_NAMESIZE, "%s", ifname ? ifname : info.ifname);
	}
	if (fd >= 0) {
		if (have_info && (!ifname || (int)info.ifindex == ifindex))
			write_attach_info(fd, &cleared);
		close(fd);
	}
	return 0;
}
