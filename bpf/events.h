/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Attribution events: copies of the payloads the controller needs to name
 * destinations, passed through the "events" BPF ring buffer (no syscall per
 * packet).  Sent are
 *   - every UDP packet with remote port 53 (queries up, answers down),
 *   - the first payload packet of each direction of a TCP connection when
 *     the remote port is 53 (DNS over TCP: the first segment is enough) or
 *     the payload starts a TLS handshake record (ClientHello up, ServerHello
 *     down; the SNI and the negotiated version are in there).
 * At most IOTRIM_EVENT_PAYLOAD_MAX payload bytes are copied.  "conns"
 * remembers which TCP connection directions were already looked at; the
 * device's SYN forgets a connection, so a reused port starts over.  A full
 * ring buffer is counted (IOTRIM_EVENT_RINGBUF_FULL), the packet is passed;
 * so is an event over its device's budget (IOTRIM_EVENT_RATE_LIMITED,
 * limit.h), which keeps one device from filling the ring for all.
 */
#ifndef IOTRIM_EVENTS_H
#define IOTRIM_EVENTS_H

#include "count.h"
#include "iotrim_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, IOTRIM_EVENTS_RINGBUF_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_EVENTS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IOTRIM_MAX_CONNS);
	__type(key, struct conn_key);
	__type(value, struct conn_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_CONNS SEC(".maps");

#define EVENT_DNS_PORT 53
#define EVENT_TLS_HANDSHAKE 0x16
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
 * True if this TCP payload packet is the first of its connection direction
 * and worth sending (port 53 or a TLS handshake record); marks it seen.
 */
static __always_inline bool event_tcp_first(void *ctx, bool xdp,
					    const struct conn_key *ck,
					    enum direction dir, __u16 remote_port,
					    __u32 payload_off)
{
	__u32 bit = dir == DIR_UP ? IOTRIM_CONN_UP_SEEN : IOTRIM_CONN_DOWN_SEEN;
	struct conn_value *cv = bpf_map_lookup_elem(&MAP_CONNS, ck);
	__u8 first = 0;

	if (cv) {
		if (cv->flags & bit)
			return false;
		__sync_fetch_and_or(&cv->flags, bit);
	} else {
		struct conn_value fresh = { .flags = bit };

		bpf_map_update_elem(&MAP_CONNS, ck, &fresh, BPF_NOEXIST);
	}
	if (remote_port == EVENT_DNS_PORT)
		return true;
	if (event_load(ctx, xdp, payload_off, &first, 1))
		return false;
	return first == EVENT_TLS_HANDSHAKE;
}

/* What the event code needs of a packet: no pointers, so it can cross into a global function. */
struct event_args {
	struct flow_key key;
	__u32 l4_off;
	__u32 payload_off;
	__u32 payload_len;	/* L4 payload bytes (of the whole aggregate for GSO) */
	__u16 remote_port;
	__u16 device_port;
	__u8 proto;
	__u8 dir;		/* enum direction */
	__u8 pad[6];
};

/*
 * Cheap checks in the counting program; true if the packet may carry an
 * event.  frame_len: bytes of the frame (skb->len for TC); gso: the skb
 * aggregates several wire packets, so the payload runs to the frame's end.
 */
static __always_inline bool event_args_from_packet(const struct packet_info *pi,
						   enum direction dir, __u32 frame_len,
						   bool gso, struct event_args *a)
{
	__u32 end;

	if (pi->nonfirst_fragment ||
	    (pi->proto != IPPROTO_UDP && pi->proto != IPPROTO_TCP))
		return false;
	__builtin_memset(a, 0, sizeof(*a));
	a->remote_port = dir == DIR_UP ? pi->dst_port : pi->src_port;
	a->device_port = dir == DIR_UP ? pi->src_port : pi->dst_port;
	if (pi->proto == IPPROTO_UDP && a->remote_port != EVENT_DNS_PORT)
		return false;
	a->proto = pi->proto;
	a->dir = dir;
	a->l4_off = pi->l4_off;
	a->payload_off = pi->l4_off + pi->l4_hdr_len;
	end = gso ? frame_len : pi->l3_off + pi->l3_len;
	if (end > frame_len)
		end = frame_len;
	a->payload_len = end > a->payload_off ? end - a->payload_off : 0;
	if (pi->proto == IPPROTO_UDP && !a->payload_len)
		return false;
	flow_key_from_packet(pi, dir, &a->key);
	return true;
}

static __always_inline void emit_event_body(void *ctx, bool xdp, const struct event_args *a)
{
	struct iotrim_event *ev;
	struct conn_key ck;
	enum direction dir = a->dir == DIR_UP ? DIR_UP : DIR_DOWN;
	__u8 kind = IOTRIM_EV_DNS;
	__u64 len;	/* 64-bit: no 32-bit copy for the verifier to lose the bound on */

	if (a->proto == IPPROTO_TCP) {
		__builtin_memset(&ck, 0, sizeof(ck));
		ck.flow = a->key;
		ck.device_port = a->device_port;
		if (!a->payload_len) {
			__u8 flags = 0;

			/* The device opens a connection: forget an old one on this port. */
			if (dir == DIR_UP &&
			    !event_load(ctx, xdp, a->l4_off + EVENT_TCP_FLAGS_OFF, &flags, 1) &&
			    (flags & (EVENT_TCP_SYN | EVENT_TCP_ACK)) == EVENT_TCP_SYN)
				bpf_map_delete_elem(&MAP_CONNS, &ck);
			return;
		}
		if (!event_tcp_first(ctx, xdp, &ck, dir, a->remote_port, a->payload_off))
			return;
		if (a->remote_port != EVENT_DNS_PORT)
			kind = IOTRIM_EV_TLS;
	} else if (a->proto != IPPROTO_UDP || !a->payload_len) {
		return;
	}

	if (!limit_event(a->key.device_mac, packet_time())) {
		count_reason(IOTRIM_EVENT_RATE_LIMITED);
		return;
	}
	ev = bpf_ringbuf_reserve(&MAP_EVENTS, sizeof(*ev), 0);
	if (!ev) {
		count_reason(IOTRIM_EVENT_RINGBUF_FULL);
		return;
	}
	len = a->payload_len < IOTRIM_EVENT_PAYLOAD_MAX ? a->payload_len : IOTRIM_EVENT_PAYLOAD_MAX;
	/* One register for the checks and the call, so the verifier sees the bound. */
	asm volatile("" : "+r"(len));
	if (len == 0 || len > IOTRIM_EVENT_PAYLOAD_MAX ||
	    event_load(ctx, xdp, a->payload_off, ev->payload, len)) {
		bpf_ringbuf_discard(ev, 0);
		return;
	}
	ev->ts_ns = bpf_ktime_get_boot_ns();
	ev->key = a->key;
	ev->device_port = a->device_port;
	ev->kind = kind;
	ev->direction = dir;
	ev->len = len;
	ev->pad = 0;
	ev->payload_len = a->payload_len;
	ev->pad2 = 0;
	bpf_ringbuf_submit(ev, 0);
}

/*
 * Global functions: the verifier checks each once on its own, instead of
 * once per path through the parser and the counting code before the call.
 */
__noinline int iotrim_event_xdp(struct xdp_md *ctx, const struct event_args *a)
{
	if (!ctx || !a)
		return 0;
	emit_event_body(ctx, true, a);
	return 0;
}

__noinline int iotrim_event_skb(struct __sk_buff *skb, const struct event_args *a)
{
	if (!skb || !a)
		return 0;
	emit_event_body(skb, false, a);
	return 0;
}

/* The calls in the programs, after counting. */
static __always_inline void emit_event_xdp(struct xdp_md *ctx, const struct packet_info *pi,
					   __u32 frame_len)
{
	struct event_args a;

	if (event_args_from_packet(pi, DIR_UP, frame_len, false, &a))
		iotrim_event_xdp(ctx, &a);
}

static __always_inline void emit_event_skb(struct __sk_buff *skb, const struct packet_info *pi,
					   enum direction dir, bool gso)
{
	struct event_args a;

	if (event_args_from_packet(pi, dir, skb->len, gso, &a))
		iotrim_event_skb(skb, &a);
}

#endif /* IOTRIM_EVENTS_H */
