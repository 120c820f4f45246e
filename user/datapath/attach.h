/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Loading the BPF objects and hooking them to the LAN interface. */
#ifndef IOTRIM_ATTACH_H
#define IOTRIM_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

#include "iotrim.h"

struct attach_request {
	const char *ifname;
	enum iotrim_attach_mode mode;	/* IOTRIM_MODE_NONE: choose */
	uint32_t max_flows;		/* 0: keep the pinned size or the default */
	bool force;			/* replace a foreign or existing program */
};

/* Both return an enum exit_code after printing what went wrong. */
int lan_attach(const struct attach_request *req);
/* ifname: detach from this interface even when no state is pinned. */
int lan_detach(const char *ifname, bool purge);

const char *attach_mode_name(uint32_t mode);

#endif
