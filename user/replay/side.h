/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which side of a captured frame is the device.  The gateway's XDP program
 * sees what devices send to the LAN interface, its TC egress program what
 * the gateway sends them; a replay runs each frame through the one that
 * would have seen it.
 *
 *   SIDE_DEVICES  frames from a listed MAC are uploads, frames to one downloads
 *   SIDE_GATEWAY  frames from the gateway MAC are downloads; frames to it, or
 *                 to a group address, uploads; the rest passed the gateway by
 *   SIDE_INFER    the gateway MAC is inferred (side_infer), then SIDE_GATEWAY
 *
 * Linux cooked captures say which way a frame went (outgoing: download);
 * raw IP captures have no MACs: the device is the side with a private or
 * link-local address when the other is not (side_raw).
 */
#ifndef IOTRIM_REPLAY_SIDE_H
#define IOTRIM_REPLAY_SIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIDE_MAX_DEVICES 64

enum side_mode { SIDE_INFER, SIDE_DEVICES, SIDE_GATEWAY };

struct device_side {
	enum side_mode mode;
	uint8_t gateway[6];
	uint8_t devices[SIDE_MAX_DEVICES][6];
	size_t ndevices;
	char inferred[160];	/* after side_infer: what was inferred and why */
};

enum side_verdict { SIDE_UP, SIDE_DOWN, SIDE_NEITHER };

/* The IP part of an Ethernet frame (after up to two VLAN tags). */
struct frame_ip {
	int family;		/* 4 or 6; 0: not IP */
	const uint8_t *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;	/* 0 when not TCP/UDP or not in the frame */
};

bool frame_ip_parse(const uint8_t *d, uint32_t len, struct frame_ip *ip);

/* For an Ethernet frame (SIDE_DEVICES or SIDE_GATEWAY). */
enum side_verdict side_of_ethernet(const struct device_side *s, const uint8_t *frame);
/* For a raw IP frame, by its addresses. */
enum side_verdict side_raw(const struct frame_ip *ip);

/*
 * The gateway MAC of Ethernet captures: the MAC that sent the most DNS
 * answers (UDP/TCP source port 53), else the one that sent from the most
 * IP addresses (a router forwards for many; a device sends from its own).
 * Reads up to 200 000 frames of the files.  0 and s->gateway,
 * s->inferred (nothing inferred when no Ethernet frame was read); -ENOENT
 * when nothing says (after saying why).
 */
int side_infer(char *const *files, int nfiles, struct device_side *s);

#endif
