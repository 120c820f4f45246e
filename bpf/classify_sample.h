/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One payload sample as the classifier's rules (classify.h) see it: its
 * working state in a per-CPU map value, reading its bytes, its entropy
 * (computed once, on demand) and the sticky label a rule sets for the rest
 * of a TCP body.
 */
#ifndef IOTRIM_CLASSIFY_SAMPLE_H
#define IOTRIM_CLASSIFY_SAMPLE_H

#include "maps.h"
#include "entropy.h"

/* An open sticky label (body length unknown) lasts at most this far. */
#define STICKY_OPEN_BYTES (1U << 20)

/* What payload_packet() hands to the sampled path. */
struct sample_args {
	__u64 bytes;		/* payload bytes the sample stands for */
	__u32 off;		/* payload offset in the frame */
	__u32 payload;		/* one wire packet's payload */
	__u32 sample_bytes;	/* S */
	__u32 l4_off;
	__u32 flags;		/* IOTRIM_CONFIG_* */
	__u16 src_port;
	__u16 dst_port;
	__u8 tcp;
	__u8 dir;		/* enum direction: 0 up, 1 down */
	__u16 device_port;
	struct flow_key key;	/* the flow, for the plaintext audit (audit_plain.h) */
};

/* Everything the rules need about one sample, besides the payload. */
struct payload_sample {
	__u32 len;		/* bytes in buf */
	__u32 payload;		/* payload bytes of the (wire) packet */
	__u32 seq;		/* TCP sequence number of the payload's first byte */
	__u16 src_port;
	__u16 dst_port;
	__u8 tcp;
	__u8 have_entropy;
	__u8 reason;		/* out: enum classify_reason */
	__u8 pad;
	__u64 entropy;		/* entropy_num(), once have_entropy */
};

/*
 * Working memory of one sample.  In the map rather than on the stack: BPF
 * has 512 bytes of stack for the whole call chain, and the counting program
 * already uses much of it; and the verifier does not track map memory, so
 * that, e.g., every combination of HTTP header outcomes is not a verifier
 * state of its own.
 */
struct classify_scratch {
	struct entropy_scratch e;
	struct sample_args args;
	struct payload_sample x;
	/* what the HTTP header walk found (classify_http.h) */
	__u64 http_content_length;
	__u32 http_pos;		/* start of the next line */
	__u32 http_body;	/* offset of the body, once http_done */
	__u8 http_done;		/* the empty line ending the headers was seen */
	__u8 http_have_length;
	__u8 http_type_class;	/* from Content-Type */
	__u8 http_encoding_class;	/* from Content-Encoding */
};

/*
 * Scratch space, per CPU, one slot per hook type (0 XDP, 1 TC).  XDP and TC
 * run in softirq or with BH disabled and are not preempted on their CPU, so
 * a slot is never used by two samples at once.  (On PREEMPT_RT, where they
 * can be, the worst case is one mislabelled sample.)  Not pinned: each
 * object has its own.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct classify_scratch);
} classify_scratch SEC(".maps");

/* Little-endian words of up to 8 characters, as read from the payload. */
#define W2(a, b) ((__u64)(a) | (__u64)(b) << 8)
#define W3(a, b, c) (W2(a, b) | (__u64)(c) << 16)
#define W4(a, b, c, d) (W3(a, b, c) | (__u64)(d) << 24)
#define W5(a, b, c, d, e) (W4(a, b, c, d) | (__u64)(e) << 32)
#define W6(a, b, c, d, e, f) (W5(a, b, c, d, e) | (__u64)(f) << 40)
#define W7(a, b, c, d, e, f, g) (W6(a, b, c, d, e, f) | (__u64)(g) << 48)
#define W8(a, b, c, d, e, f, g, h) (W7(a, b, c, d, e, f, g) | (__u64)(h) << 56)
#define MASK(n) ((n) >= 8 ? ~0ULL : (1ULL << (8 * (n))) - 1)
#define HAS(w, n, word) (((w) & MASK(n)) == (word))
/* ORing 0x20 lowers ASCII letters and keeps '-', '/', ':' and digits. */
#define LOWER 0x2020202020202020ULL

/*
 * 8 bytes of the sample from off (possibly unaligned).  Callers keep off <=
 * the sample length, so what lies past the sample is the zero padding.
 */
static __always_inline __u64 sample_word(const struct classify_scratch *s, __u32 off)
{
	off = opaque(off);
	if (off > IOTRIM_SAMPLE_BYTES_MAX + ENTROPY_PAD - 8)
		return 0;
	return *(const __u64 *)(s->e.buf + off);
}

static __always_inline __u8 sample_byte(const struct classify_scratch *s, __u32 off)
{
	off = opaque(off);
	if (off >= sizeof(s->e.buf))
		return 0;
	return s->e.buf[off];
}

/*
 * The entropy of the sample in s->e.buf, as a global function: the verifier
 * checks a global function once, on its own, instead of at every call site
 * and along every path that reaches one, and the histogram loop is by far
 * the longest part of the classifier to verify.
 */
__noinline __u64 iotrim_entropy(struct classify_scratch *s, __u32 n)
{
	if (!s)
		return 0;
	return entropy_num(&s->e, n);
}

static __always_inline __u64 sample_entropy(struct classify_scratch *s, struct payload_sample *x)
{
	if (!x->have_entropy) {
		x->entropy = iotrim_entropy(s, x->len);
		x->have_entropy = 1;
	}
	return x->entropy;
}

static __always_inline void sticky_set(struct payload_state *st, const struct payload_sample *x,
				       __u8 class, bool bounded, __u32 end)
{
	if (!x->tcp)
		return;
	st->sticky_class = class;
	st->sticky_flags = bounded ? PAYLOAD_STICKY_BOUNDED : 0;
	st->sticky_end = bounded ? end : x->seq + x->payload + STICKY_OPEN_BYTES;
}

#endif /* IOTRIM_CLASSIFY_SAMPLE_H */
