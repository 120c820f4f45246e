/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Plaintext audit (`iotrim audit plaintext`): a payload sample that the
 * classifier labels text, of a device listed in "audit_plain" whose lease
 * has not ended, is copied into the "events" ring buffer as
 * IOTRIM_EV_PLAIN_SAMPLE for the controller's scanner.  Only text samples
 * look the device up, so other packets, and the samples of devices that
 * are not audited while some other device is, pay nothing or one hash
 * lookup.  At most IOTRIM_EVENT_PAYLOAD_MAX bytes of the wire packet's
 * payload are copied (a longer one is counted in IOTRIM_PLAIN_SAMPLE_CUT);
 * a full ring buffer is counted in IOTRIM_PLAIN_SAMPLE_LOST.
 */
#ifndef IOTRIM_AUDIT_PLAIN_H
#define IOTRIM_AUDIT_PLAIN_H

#include "maps.h"
#include "classify_sample.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOTRIM_MAX_AUDITED);
	__type(key, struct device_key);
	__type(value, struct audit_plain_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} MAP_AUDIT_PLAIN SEC(".maps");

/* True if the device of a's flow is audited now. */
static __always_inline bool audit_plain_wanted(const struct sample_args *a)
{
	struct device_key dk = {};
	struct audit_plain_value *v;

	__builtin_memcpy(dk.mac, a->key.device_mac, 6);
	v = bpf_map_lookup_elem(&MAP_AUDIT_PLAIN, &dk);
	return v && v->expires_ns > bpf_ktime_get_boot_ns();
}

/* skb is a constant after inlining, as in payload_load(). */
static __always_inline void audit_plain_sample(void *ctx, bool skb, const struct sample_args *a)
{
	struct iotrim_event *ev;
	__u64 len;	/* 64-bit: no 32-bit copy for the verifier to lose the bound on */
	long err;

	if (!audit_plain_wanted(a))
		return;
	ev = bpf_ringbuf_reserve(&MAP_EVENTS, sizeof(*ev), 0);
	if (!ev) {
		count_reason(IOTRIM_PLAIN_SAMPLE_LOST);
		return;
	}
	len = a->payload < IOTRIM_EVENT_PAYLOAD_MAX ? a->payload : IOTRIM_EVENT_PAYLOAD_MAX;
	/* One register for the checks and the call, so the verifier sees the bound. */
	asm volatile("" : "+r"(len));
	if (len == 0 || len > IOTRIM_EVENT_PAYLOAD_MAX) {
		bpf_ringbuf_discard(ev, 0);
		return;
	}
	if (skb)
		err = bpf_skb_load_bytes(ctx, a->off, ev->payload, len);
	else
		err = bpf_xdp_load_bytes(ctx, a->off, ev->payload, len);
	if (err) {
		bpf_ringbuf_discard(ev, 0);
		return;
	}
	if (a->payload > IOTRIM_EVENT_PAYLOAD_MAX)
		count_reason(IOTRIM_PLAIN_SAMPLE_CUT);
	ev->ts_ns = bpf_ktime_get_boot_ns();
	ev->key = a->key;
	ev->device_port = a->device_port;
	ev->kind = IOTRIM_EV_PLAIN_SAMPLE;
	ev->direction = a->dir;
	ev->len = len;
	ev->pad = 0;
	ev->payload_len = a->payload;
	ev->tcp_seq = 0;
	bpf_ringbuf_submit(ev, 0);
}

#endif /* IOTRIM_AUDIT_PLAIN_H */
