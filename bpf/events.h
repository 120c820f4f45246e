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
 * After a ServerHello of TLS <= 1.2 the server's certificates follow
 * (events_cert.h): only connections flagged in "conns" pay for that.
 */
#ifndef IOTRIM_EVENTS_H
#define IOTRIM_EVENTS_H

#include "events_core.h"
#include "events_cert.h"

/* New "conns" entries, from .rodata: the chain of calls to iotrim_cert_skb has little stack left. */
static const struct conn_value conn_up_seen = { .flags = IOTRIM_CONN_UP_SEEN };
static const struct conn_value conn_down_seen = { .flags = IOTRIM_CONN_DOWN_SEEN };

/* The flow remembers the connection this way: its next segments skip the "conns" lookup. */
static __always_inline void event_seen(const struct event_args *a, enum direction dir)
{
	struct flow_value *fv = bpf_map_lookup_elem(&MAP_FLOWS, &a->conn.flow);

	if (!fv)
		return;
	if (dir == DIR_UP)
		fv->seen_port_up = a->conn.device_port;
	else
		fv->seen_port_down = a->conn.device_port;
}

/* A new connection on the port: its first payloads are to be looked at. */
static __always_inline void event_forget_port(const struct event_args *a)
{
	struct flow_value *fv = bpf_map_lookup_elem(&MAP_FLOWS, &a->conn.flow);

	if (!fv)
		return;
	if (fv->seen_port_up == a->conn.device_port)
		fv->seen_port_up = 0;
	if (fv->seen_port_down == a->conn.device_port)
		fv->seen_port_down = 0;
}

/*
 * What a TCP payload packet is worth: the first of its connection direction
 * when it starts DNS (port 53) or a TLS handshake record (IOTRIM_EV_DNS,
 * IOTRIM_EV_TLS; marks it seen), a server segment of a certificate flight
 * being followed (IOTRIM_EV_TLS_CERT), or nothing (0).  Segments of a
 * connection the flow remembers do not get here (event_args_from_packet).
 */
static __always_inline __u8 event_tcp_kind(void *ctx, bool xdp, const struct event_args *a)
{
	enum direction dir = a->dir == DIR_UP ? DIR_UP : DIR_DOWN;
	__u32 bit = dir == DIR_UP ? IOTRIM_CONN_UP_SEEN : IOTRIM_CONN_DOWN_SEEN;
	struct conn_value *cv;
	__u8 first = 0;

	cv = bpf_map_lookup_elem(&MAP_CONNS, &a->conn);
	if (cv) {
		if (cv->flags & bit) {
			if (!cv->cert_follow)
				return 0;
			/* The device's next flight: the server's hello flight is over. */
			if (dir == DIR_UP) {
				cert_follow_set(cv, a, false);
				return 0;
			}
			return IOTRIM_EV_TLS_CERT;
		}
		__sync_fetch_and_or(&cv->flags, bit);
	} else {
		bpf_map_update_elem(&MAP_CONNS, &a->conn,
				    dir == DIR_UP ? &conn_up_seen : &conn_down_seen, BPF_NOEXIST);
	}
	event_seen(a, dir);
	if (a->remote_port == EVENT_DNS_PORT)
		return IOTRIM_EV_DNS;
	if (event_load(ctx, xdp, a->payload_off, &first, 1))
		return 0;
	return first == EVENT_TLS_HANDSHAKE ? IOTRIM_EV_TLS : 0;
}

/*
 * Cheap checks in the counting program; true if the packet may carry an
 * event.  frame_len: bytes of the frame (skb->len for TC); gso: the skb
 * aggregates several wire packets, so the payload runs to the frame's end.
 * A TCP payload segment of the connection its flow remembers for its
 * direction (struct flow_value seen_port_*: its first payload that way was
 * looked at) carries none while none of the flow's connections follows a
 * flight: "conns" would say so, so neither it nor the event code is asked.
 * The flow learns the port at that first payload and forgets it at the
 * device's SYN: one flow lookup each, for none on every later segment.
 */
static __always_inline bool event_args_from_packet(const struct packet_info *pi,
						   enum direction dir, __u32 frame_len,
						   bool gso, struct event_args *a)
{
	__u32 end, payload_off = pi->l4_off + pi->l4_hdr_len, payload_len;
	__u16 remote_port = dir == DIR_UP ? pi->dst_port : pi->src_port;

	if (pi->nonfirst_fragment ||
	    (pi->proto != IPPROTO_UDP && pi->proto != IPPROTO_TCP))
		return false;
	if (pi->proto == IPPROTO_UDP && remote_port != EVENT_DNS_PORT)
		return false;
	end = gso ? frame_len : pi->l3_off + pi->l3_len;
	if (end > frame_len)
		end = frame_len;
	payload_len = end > payload_off ? end - payload_off : 0;
	if (pi->proto == IPPROTO_UDP && !payload_len)
		return false;
	if (pi->proto == IPPROTO_TCP && payload_len && pi->conn_seen && !pi->cert_follows)
		return false;
	__builtin_memset(a, 0, sizeof(*a));
	a->remote_port = remote_port;
	a->conn.device_port = dir == DIR_UP ? pi->src_port : pi->dst_port;
	a->proto = pi->proto;
	a->dir = dir;
	a->l4_off = pi->l4_off;
	a->payload_off = payload_off;
	a->payload_len = payload_len;
	flow_key_from_packet(pi, dir, &a->conn.flow);
	return true;
}

static __always_inline void emit_event_body(void *ctx, bool xdp, const struct event_args *a)
{
	enum direction dir = a->dir == DIR_UP ? DIR_UP : DIR_DOWN;
	__u8 kind = IOTRIM_EV_DNS;
	__u32 seq = 0;

	if (a->proto == IPPROTO_TCP) {
		if (!a->payload_len) {
			__u8 flags = 0;

			/* The device opens a connection: forget an old one on this port. */
			if (dir == DIR_UP &&
			    !event_load(ctx, xdp, a->l4_off + EVENT_TCP_FLAGS_OFF, &flags, 1) &&
			    (flags & (EVENT_TCP_SYN | EVENT_TCP_ACK)) == EVENT_TCP_SYN) {
				bpf_map_delete_elem(&MAP_CONNS, &a->conn);
				event_forget_port(a);
			}
			return;
		}
		kind = event_tcp_kind(ctx, xdp, a);
		if (!kind)
			return;
		/* Server segments come down: only TC egress ever passes them. */
		if (kind == IOTRIM_EV_TLS_CERT) {
			if (!xdp)
				iotrim_cert_skb(ctx, a, 0);
			return;
		}
		seq = event_tcp_seq(ctx, xdp, a);
	} else if (a->proto != IPPROTO_UDP || !a->payload_len) {
		return;
	}
	if (!limit_event(a->conn.flow.device_mac, packet_time())) {
		count_reason(IOTRIM_EVENT_RATE_LIMITED);
		return;
	}
	if (event_submit(ctx, xdp, a, kind, 0, a->payload_len, seq))
		return;
	if (!xdp && kind == IOTRIM_EV_TLS && dir == DIR_DOWN)
		iotrim_cert_skb(ctx, a, 1);
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
