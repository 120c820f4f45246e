/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Local traffic (METHODS 1): what a device exchanges with the gateway
 * itself, a peer on its own LAN, a multicast or broadcast group or a
 * link-local address is counted and listed but is no remote destination:
 * party "local" with the reason, no country, no AS, and left out of
 * country and party shares.  The gateway's addresses and subnets are read
 * from its interfaces (getifaddrs), where the controller runs.
 */
#ifndef IOTRIM_LOCAL_H
#define IOTRIM_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct local_addr {
	uint8_t family;		/* IOTRIM_FAMILY_IPV4 or _IPV6 */
	uint8_t ip[16];
	uint8_t plen;		/* of the interface's subnet */
};

struct local_nets {
	struct local_addr *items;
	size_t len;
};

/* This host's interface addresses; 0 or -errno (then none are known). */
int local_nets_load(struct local_nets *n);
void local_nets_free(struct local_nets *n);

/*
 * Why a device at device_ip talking to remote is local ("gateway", "LAN
 * peer", "multicast", "broadcast", "link-local"), or NULL when it is not.
 * n may be NULL or empty: the address kinds still count.
 */
const char *local_reason(const struct local_nets *n, uint8_t family, const uint8_t device_ip[16],
			 const uint8_t remote[16]);

#endif
