/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the event code (events.h, events_cert.h) shares: the "conns" map
 * (the "events" ring buffer is in maps.h, shared with audit_plain.h), the
 * packet's event arguments, and the one function that copies payload bytes
 * into an event.
 */
#ifndef IOTRIM_EVENTS_CORE_H
#define IOTRIM_EVENTS_CORE_H

#include "count.h"
#include "iotrim_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IOTRIM_MAX_CONNS);
	__type(key, struct conn_key);
	__type(value, struct conn_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_CONNS SEC(".maps");

#define EVENT_DNS_PORT 53
#define EVENT_TLS_HANDSHAKE 0x16
#define EVENT_TCP_SEQ_OFF 4
#define EVENT_TCP_FLAGS_OFF 13
#define EVENT_TCP_SYN 0x02
#define EVENT_TCP_ACK 0x10

/* xdp is a constant after inlining: the other branch is compiled away. */
static __always_inline int event_load(void *ctx, bool xdp, __u32 off, void *to,
				      __u32 len)
{
	if (xdp)
		return bpf_xdp_load_bytes(ctx, off, to, len);
	return bpf_skb_load_bytes(ctx, off, to, len);
}

/*
 * What the event code needs of a packet: no pointers, so it can cross into
 * a global function.  It starts with the connection's "conns" key, used in
 * place: a copy would take stack the chain of calls to iotrim_cert_skb
 * does not have.
 */
struct event_args {
	struct conn_key conn;	/* the flow (device side) and the device's port */
	__u32 l4_off;
	__u32 payload_off;
	__u32 payload_len;	/* L4 payload bytes (of the whole aggregate for GSO) */
	__u16 remote_port;
	__u8 proto;
	__u8 dir;		/* enum direction */
	__u8 pad[4];
};

/* TCP sequence number of the payload's first byte, host order (0 if unreadable). */
static __always_inline __u32 event_tcp_seq(void *ctx, bool xdp, const struct event_args *a)
{
	__u32 seq = 0;

	if (event_load(ctx, xdp, a->l4_off + EVENT_TCP_SEQ_OFF, &seq, sizeof(seq)))
		return 0;
	return bpf_ntohl(seq);
}

/*
 * One event: payload bytes [off, off + want) of the packet, at most
 * IOTRIM_EVENT_PAYLOAD_MAX.  0, or -1 when nothing was sent (a full ring
 * buffer is counted).
 */
static __always_inline int event_submit(void *ctx, bool xdp, const struct event_args *a,
					__u8 kind, __u32 off, __u32 want, __u32 seq)
{
	struct iotrim_event *ev;
	__u64 len;	/* 64-bit: no 32-bit copy for the verifier to lose the bound on */

	ev = bpf_ringbuf_reserve(&MAP_EVENTS, sizeof(*ev), 0);
	if (!ev) {
		count_reason(IOTRIM_EVENT_RINGBUF_FULL);
		return -1;
	}
	len = want < IOTRIM_EVENT_PAYLOAD_MAX ? want : IOTRIM_EVENT_PAYLOAD_MAX;
	/* One register for the checks and the call, so the verifier sees the bound. */
	asm volatile("" : "+r"(len));
	if (len == 0 || len > IOTRIM_EVENT_PAYLOAD_MAX ||
	    event_load(ctx, xdp, a->payload_off + off, ev->payload, len)) {
		bpf_ringbuf_discard(ev, 0);
		return -1;
	}
	ev->ts_ns = bpf_ktime_get_boot_ns();
	ev->key = a->conn.flow;
	ev->device_port = a->conn.device_port;
	ev->kind = kind;
	ev->direction = a->dir == DIR_UP ? DIR_UP : DIR_DOWN;
	ev->len = len;
	ev->pad = 0;
	ev->payload_len = a->payload_len;
	ev->tcp_seq = seq;
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

#endif /* IOTRIM_EVENTS_CORE_H */
