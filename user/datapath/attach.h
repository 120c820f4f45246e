/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Loading the BPF objects and hooking them to the LAN interface. */
#ifndef IOTRIM_ATTACH_H
#define IOTRIM_ATTACH_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "iotrim.h"

struct attach_request {
	const char *ifname;
	enum iotrim_attach_mode mode;	/* IOTRIM_MODE_NONE: choose */
	uint32_t max_flows;		/* 0: keep the pinned size or the default */
	bool force;			/* replace a foreign or existing program */
};

/*
 * Both return 0, -errno or -enum dp_error (datapath/error.h) after printing
 * what went wrong.  lan_attach fills attached with the recorded attachment.
 */
int lan_attach(const struct attach_request *req, struct attach_info *attached);
/*
 * ifname: detach from this interface even when no state is pinned.  Without
 * ifname and with nothing pinned, removes iotrim's programs (found by name)
 * from every interface of this network namespace.
 * detached_from: the interface left, or "" when iotrim was not attached.
 */
int lan_detach(const char *ifname, char detached_from[IF_NAMESIZE]);

const char *attach_mode_name(uint32_t mode);
/*
 * How the "reject" action answers a device in an attachment: "xdp_tx"
 * (native: the reply leaves from the driver), "xdp_pass_tc_redirect"
 * (native on a veth, whose peer gets XDP_TX frames only while it runs XDP:
 * XDP passes the packet up and TC ingress answers, as in tc mode),
 * "xdp_tx_generic" (through the stack), "tc_redirect" (built in TC
 * ingress, redirected to the LAN egress), "none".
 */
const char *attach_reject_path(const struct attach_info *info);

#endif
