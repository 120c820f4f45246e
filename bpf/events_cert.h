/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The server's certificates of TLS <= 1.2 connections (IOTRIM_EV_TLS_CERT,
 * include/iotrim.h).  Up to TLS 1.2 the Certificate message follows the
 * ServerHello in the clear, usually over several segments.  At the
 * ServerHello (the first server payload, already an IOTRIM_EV_TLS event)
 * the connection is flagged in "conns" unless the hello negotiates TLS 1.3,
 * whose certificates are encrypted; the flagged connection's next server
 * segments are passed up, cut into events of IOTRIM_EVENT_PAYLOAD_MAX bytes
 * with their TCP sequence numbers, until
 *   - a segment ends with ServerHelloDone (0e 00 00 00), or one is a
 *     ChangeCipherSpec record: the flight is over;
 *   - the device sends its next payload (events.h): the flight is over;
 *   - IOTRIM_CERT_BYTES_MAX bytes or IOTRIM_CERT_SEGMENTS_MAX packets were
 *     passed: counted as IOTRIM_CERT_CUT.
 * The flow counts its connections that follow a flight (struct flow_value
 * cert_follows, changed only here, with the flag): while it has one, even
 * the connection it remembers (events.h) is looked up in "conns".  A count
 * left too high (a connection gone mid-flight) costs lookups only.
 */
#ifndef IOTRIM_EVENTS_CERT_H
#define IOTRIM_EVENTS_CERT_H

#include "events_core.h"

#define CERT_SERVER_HELLO 2
#define CERT_EXT_SUPPORTED_VERSIONS 0x002b
#define CERT_TLS13 0x0304
/* Offsets in a handshake record that starts with a ServerHello. */
#define CERT_HS_TYPE_OFF 5	/* after the record header */
#define CERT_SESSION_ID_OFF 43	/* record 5 + handshake 4 + version 2 + random 32 */
#define CERT_EXTENSIONS_MAX 16	/* extensions of a ServerHello we walk */
/* Events one packet can give: the bytes bound plus the ServerHello's remainder. */
#define CERT_CHUNKS_MAX (IOTRIM_CERT_BYTES_MAX / IOTRIM_EVENT_PAYLOAD_MAX + 2)

/*
 * A ServerHello that does not negotiate TLS 1.3 (no supported_versions
 * extension saying 0x0304): its certificates are in the clear.  Anything
 * but a ServerHello is not worth following either.
 */
static __always_inline bool cert_hello_in_clear(struct __sk_buff *skb,
						 const struct event_args *a)
{
	__u8 hdr[6], sid_len = 0;
	__u32 pos, end, rec_end;
	__u16 total = 0;

	if (event_load(skb, false, a->payload_off, hdr, sizeof(hdr)) ||
	    hdr[CERT_HS_TYPE_OFF] != CERT_SERVER_HELLO)
		return false;
	rec_end = a->payload_off + 5 + ((__u32)hdr[3] << 8 | hdr[4]);
	end = a->payload_off + a->payload_len;
	if (rec_end < end)
		end = rec_end;
	pos = a->payload_off + CERT_SESSION_ID_OFF;
	if (event_load(skb, false, pos, &sid_len, 1) || sid_len > 32)
		return false;
	pos += 1 + sid_len + 3;		/* session id, cipher suite, compression */
	if (event_load(skb, false, pos, &total, 2))
		return true;		/* no extensions: TLS <= 1.2 */
	pos += 2;
	if (pos + bpf_ntohs(total) < end)
		end = pos + bpf_ntohs(total);
	for (int i = 0; i < CERT_EXTENSIONS_MAX; i++) {
		__u16 ext[2], version = 0;

		if (pos + 4 > end || event_load(skb, false, pos, ext, sizeof(ext)))
			break;
		if (bpf_ntohs(ext[0]) == CERT_EXT_SUPPORTED_VERSIONS)
			return event_load(skb, false, pos + 4, &version, 2) ||
			       bpf_ntohs(version) != CERT_TLS13;
		pos += 4 + bpf_ntohs(ext[1]);
	}
	return true;
}

/* The segment ends with ServerHelloDone: the last message of the flight. */
static __always_inline bool cert_flight_ends(struct __sk_buff *skb, const struct event_args *a)
{
	__u32 tail = 0;

	if (a->payload_len < 4 ||
	    event_load(skb, false, a->payload_off + a->payload_len - 4, &tail, 4))
		return false;
	return tail == bpf_htonl(0x0e000000);
}

/* The segment is a ChangeCipherSpec record: 14 03 0x 00 01 01. */
static __always_inline bool cert_is_ccs(struct __sk_buff *skb, const struct event_args *a)
{
	__u8 r[6];

	if (a->payload_len < sizeof(r) || event_load(skb, false, a->payload_off, r, sizeof(r)))
		return false;
	return r[0] == 0x14 && r[1] == 3 && r[3] == 0 && r[4] == 1 && r[5] == 1;
}

/* Starts or ends following; the flow's entry is looked up only when that changes. */
static __always_inline void cert_follow_set(struct conn_value *cv, const struct event_args *a,
					    bool on)
{
	struct flow_value *fv;

	if (cv->cert_follow == on)
		return;
	cv->cert_follow = on;
	fv = bpf_map_lookup_elem(&MAP_FLOWS, &a->conn.flow);
	if (fv)
		__sync_fetch_and_add(&fv->cert_follows, on ? 1 : -1);
}

static __always_inline void cert_cut(struct conn_value *cv, const struct event_args *a)
{
	cert_follow_set(cv, a, false);
	count_reason(IOTRIM_CERT_CUT);
}

__noinline int iotrim_cert_skb(struct __sk_buff *skb, const struct event_args *a, __u32 hello)
{
	struct conn_value *cv;
	__u32 from = 0, seq;

	if (!skb || !a)
		return 0;
	cv = bpf_map_lookup_elem(&MAP_CONNS, &a->conn);
	if (!cv)
		return 0;
	if (hello) {
		if (!cert_hello_in_clear(skb, a))
			return 0;
		cv->cert_bytes = 0;
		cv->cert_segments = 0;
		from = IOTRIM_EVENT_PAYLOAD_MAX;	/* the hello's event holds the start */
	} else {
		if (cert_is_ccs(skb, a)) {
			cert_follow_set(cv, a, false);
			return 0;
		}
		if (cv->cert_segments >= IOTRIM_CERT_SEGMENTS_MAX) {
			cert_cut(cv, a);
			return 0;
		}
		cv->cert_segments++;
	}
	seq = event_tcp_seq(skb, false, a);
	for (int i = 0; i < CERT_CHUNKS_MAX; i++) {
		__u32 off = from + i * IOTRIM_EVENT_PAYLOAD_MAX, want, left;

		if (off >= a->payload_len)
			break;
		if (cv->cert_bytes >= IOTRIM_CERT_BYTES_MAX) {
			cert_cut(cv, a);
			return 0;
		}
		want = a->payload_len - off;
		left = IOTRIM_CERT_BYTES_MAX - cv->cert_bytes;
		if (want > left)
			want = left;
		if (want > IOTRIM_EVENT_PAYLOAD_MAX)
			want = IOTRIM_EVENT_PAYLOAD_MAX;
		if (event_submit(skb, false, a, IOTRIM_EV_TLS_CERT, off, want, seq + off)) {
			cert_follow_set(cv, a, false);	/* a hole: the controller cannot finish it */
			return 0;
		}
		cv->cert_bytes += want;
	}
	cert_follow_set(cv, a, !cert_flight_ends(skb, a));
	return 0;
}

#endif /* IOTRIM_EVENTS_CERT_H */
