/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading a capture file (pcap or pcapng, through libpcap) as Ethernet
 * frames, what the BPF programs parse.  Ethernet frames (with their VLAN
 * tags) are passed as they are; Linux cooked (SLL v1/v2) and raw IP frames
 * get a made-up Ethernet header (see capture.c for its addresses).  Bad
 * input is described with warn() once per problem and counted; it never
 * ends the program, and what was read before it stays read.
 */
#ifndef IOTRIM_REPLAY_CAPTURE_H
#define IOTRIM_REPLAY_CAPTURE_H

/* libpcap's own snap length limit: no real frame is longer on the wire. */
#define CAPTURE_WIRE_MAX 262144

#include <stdbool.h>
#include <stdint.h>

/* Problems with the input, counted per replay. */
enum capture_problem {
	CAPTURE_UNREADABLE,	/* cannot open, or not a pcap/pcapng file */
	CAPTURE_LINK_TYPE,	/* a link type iotrim does not read */
	CAPTURE_TRUNCATED_FILE,	/* the file ends in the middle of a record */
	CAPTURE_CORRUPT,	/* a record libpcap refuses (bad lengths, over the snap length) */
	CAPTURE_CUT_FRAME,	/* frame shorter than on the wire: payload ignored */
	CAPTURE_SHORT_FRAME,	/* too short for its link-layer header: skipped */
	CAPTURE_BAD_LENGTH,	/* wire length over CAPTURE_WIRE_MAX: skipped */
	CAPTURE_PROBLEM__COUNT,
};

/* Where the frame was going, when the capture says so (Linux cooked). */
enum capture_way {
	CAPTURE_WAY_UNKNOWN,	/* Ethernet, raw IP: decided by addresses */
	CAPTURE_WAY_IN,		/* received by the capturing host */
	CAPTURE_WAY_OUT,	/* sent by it */
	CAPTURE_WAY_OTHER,	/* to another host (promiscuous) */
};

/* The capturing host's side (and a raw frame's both sides) of made-up headers. */
extern const uint8_t capture_host_mac[6];

struct capture_frame {
	uint64_t ts_ns;		/* capture time, Unix ns */
	const uint8_t *data;	/* an Ethernet frame */
	uint32_t len;		/* bytes at data: captured ones, padded to the wire length */
	uint32_t captured;	/* of them, bytes the capture holds */
	enum capture_way way;
	bool synthetic_eth;	/* the Ethernet header was made up */
};

struct capture {
	void *pcap;		/* pcap_t */
	const char *path;
	int link_type;		/* DLT_* */
	uint32_t snaplen;
	uint64_t frames, bytes;	/* read so far */
	uint64_t problems[CAPTURE_PROBLEM__COUNT];
	uint8_t *buf;		/* the frame handed out */
	char *file_buf;		/* the file's stdio buffer (capture_open) */
};

/*
 * Opens path; 0, or -errno after saying why (-EPROTONOSUPPORT: a link type
 * iotrim does not read; both counted in c->problems).
 */
int capture_open(struct capture *c, const char *path);
/* The same for a capture in memory (fuzzing). */
int capture_open_mem(struct capture *c, const char *name, const void *data, size_t len);
/*
 * The next frame: 1, or 0 at the end of the file or at a problem that ends
 * it (said and counted).  Frames with problems of their own are counted
 * and skipped, or passed padded (CAPTURE_CUT_FRAME).  f->data stays valid
 * until the next call.
 */
int capture_next(struct capture *c, struct capture_frame *f);
void capture_close(struct capture *c);

const char *capture_problem_name(enum capture_problem p);

#endif
