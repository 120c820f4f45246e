/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * In-kernel payload classification (METHODS 4): a sample of each flow
 * direction's TCP/UDP payload is labelled encrypted, text, compressed,
 * media, unknown or ignored, and its payload bytes are added to that class
 * in the flow and the device.  Nothing is copied to user space, except the
 * text samples of a device under a plaintext audit (audit_plain.h).
 *
 * Sampling, per flow direction: the first K packets that carry payload,
 * then one in N (K, N and the S bytes looked at per sample come from the
 * config map; `iotrim set` changes them while the programs run).  A packet
 * that is not sampled costs a config lookup (inlined array access), two
 * counter updates in the flow value and a branch.
 *
 * Rules, in order; the first that applies decides:
 *  1. payload < 4 bytes: ignored.
 *  2. inside a body an earlier sample labelled (sticky, below): that label.
 *  3. TLS record header at the start (content type 20-23, version
 *     0x0300-0x0304, length 1..18432): encrypted if H > 0.8.  Below that, a
 *     handshake or change_cipher_spec record is text (ClientHello and
 *     friends), while application_data and an alert longer than the 2 bytes
 *     of a plaintext alert are encrypted all the same: TLS only sends those
 *     protected, and a short record cannot reach H > 0.8 (n bytes have
 *     H <= log256 n, so under ~85 bytes never).
 *  4. port 53 (either side): DNS, text.
 *  5. UDP port 443 with the QUIC fixed bit (long or short header): encrypted.
 *  6. HTTP/1.x request or status line: text; compressed if Content-Encoding
 *     is gzip, x-gzip, br or deflate, or Content-Type application/gzip,
 *     x-gzip or zip; media if Content-Type is image/, video/ or audio/ -
 *     when those headers are inside the S sampled bytes.  A body with no
 *     such header whose first bytes are inside the sample is checked for a
 *     magic number (rule 8).
 *  7. MQTT fixed header on TCP port 1883 (either side; 8883 is MQTT over
 *     TLS and meets rule 3): plaintext MQTT, text - this is our addition to
 *     the known protocols, as plain DNS is: the short packets of MQTT never
 *     reach the entropy bounds of text.  A PUBLISH whose application payload
 *     starts with a magic number is compressed/media, one with H > 0.9 is
 *     encrypted (encrypted by the application).
 *  8. magic number at the payload start: gzip 1f8b08, bzip2 "BZh", xz
 *     fd377a585a00, zip "PK\3\4" -> compressed; png 89504e47, jpeg ffd8ff
 *     (METHODS says ffd8: every JPEG has a marker 0xff next, and requiring
 *     it cuts false matches in ciphertext 256-fold), gif "GIF8", mp4
 *     "....ftyp", mp3 "ID3", riff "RIFF" -> media.
 *  9. entropy: H > 0.9 encrypted; H < 0.4 with payload > 100 bytes text;
 *     else unknown, and unknown under 20 bytes ignored.
 * Sizes (4, 20, 100 bytes) are of the packet's whole payload; H is over the
 * first S bytes of it (the sample).
 *
 * Sticky labels (TCP only: the TCP sequence number tells where a body
 * ends).  When rule 6 or 7 labels a message, or rule 8 a stream, the
 * following samples of that body keep the label: a gzip or JPEG body looks
 * encrypted to the entropy rule and a JSON body falls between its bounds.
 * The label ends at the body's last byte when its length is known
 * (Content-Length, the MQTT remaining length); otherwise it is open and
 * ends at the next sample that starts with an HTTP start line or a TLS
 * record header, or after STICKY_OPEN_BYTES more bytes of the stream.  A
 * message with no label clears it.  Only sampled packets read or move the
 * label, so a response whose header packet was not sampled is classified
 * by its bytes.
 *
 * GSO (TC with offloads on): an skb of gso_segs wire packets counts that
 * many packets towards sampling; it is classified once from its first S
 * payload bytes, and each sampled wire packet adds one segment's payload
 * (gso_size) to the class.
 *
 * Structure, for the verifier (whose limits shaped it): payload_packet() is
 * inlined into the counting path and only decides whether to sample; the
 * sampled path is a global function per hook (iotrim_sample_xdp/_skb), and
 * so are the rules (iotrim_classify) and the entropy (iotrim_entropy): the
 * verifier checks a global function once on its own, instead of along each
 * of the parser's many paths into it.  The working state lives in a per-CPU
 * map value, not on the 512-byte stack.
 *
 * One header per part: classify_sample.h (a sample's state, its bytes,
 * entropy and sticky label), classify_http.h (rule 6), classify_mqtt.h
 * (rule 7), classify_magic.h (rule 8), entropy.h (the entropy itself); this
 * file orders the rules, samples and counts.
 */
#ifndef IOTRIM_CLASSIFY_H
#define IOTRIM_CLASSIFY_H

#include "maps.h"
#include "parse.h"
#include "classify_sample.h"
#include "classify_magic.h"
#include "classify_http.h"
#include "classify_mqtt.h"
#include "audit_plain.h"

#define PORT_DNS 53
#define PORT_QUIC 443
#define PORT_MQTT 1883

/* Test-only, see struct classify_record; written only with IOTRIM_CONFIG_DEBUG. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct classify_record);
} classify_debug SEC(".maps");

/*
 * Where the payload is.  skb is a constant at each call site, so after
 * inlining only the hook's own load helper remains in each program.
 */
struct payload_src {
	void *ctx;		/* struct xdp_md or struct __sk_buff */
	__u32 gso_size;		/* payload bytes per wire packet of a GSO skb */
	bool skb;
};

/*
 * Copies len (1 .. SCRATCH_BUF_SIZE) payload bytes from off into buf.  The
 * length goes through ((len - 1) & (size - 1)) + 1, unchanged for such len,
 * so the verifier sees it non-zero and inside the buffer in the very
 * register passed to the helper.
 */
static __always_inline long payload_load(void *ctx, bool skb, __u32 off, void *buf, __u32 len)
{
	__u32 n = ((opaque(len) - 1) & (SCRATCH_BUF_SIZE - 1)) + 1;

	if (skb)
		return bpf_skb_load_bytes(ctx, off, buf, n);
	return bpf_xdp_load_bytes(ctx, off, buf, n);
}

/* TCP sequence numbers: a before b, modulo 2^32. */
static __always_inline bool seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

/* Rule 3: the record's content type if a TLS record header starts w, else 0. */
static __always_inline __u32 tls_record_type(__u64 w, __u32 len)
{
	__u32 type = w & 0xff;
	__u32 rlen = ((w >> 24) & 0xff) << 8 | ((w >> 32) & 0xff);

	if (len < 5 || type < 20 || type > 23)
		return 0;
	if (((w >> 8) & 0xff) != 3 || ((w >> 16) & 0xff) > 4)
		return 0;
	if (rlen < 1 || rlen > 18432)
		return 0;
	return type;
}

/*
 * Rules 2-9 on a loaded sample (rule 1 is decided before loading): returns
 * the class, sets x->reason and moves the sticky label in st.  A global
 * function, verified once (see iotrim_entropy).
 */
__noinline int iotrim_classify(struct classify_scratch *s, struct payload_state *st,
			       struct payload_sample *x)
{
	__u64 w;
	bool start;
	__u32 tls;
	__u8 class;

	if (!s || !st || !x)
		return PAYLOAD_UNKNOWN;
	w = sample_word(s, 0);
	start = x->tcp && http_start_line(w, x->len);
	tls = tls_record_type(w, x->len);
	if (x->tcp && st->sticky_class) {
		bool inside = seq_before(x->seq, st->sticky_end);

		if (!(st->sticky_flags & PAYLOAD_STICKY_BOUNDED) && (start || tls))
			inside = false;
		if (inside) {
			x->reason = CLASSIFY_STICKY;
			return st->sticky_class;
		}
		st->sticky_class = PAYLOAD_NONE;
	}
	if (tls) {
		x->reason = CLASSIFY_TLS;
		if (entropy_above(sample_entropy(s, x), x->len, 8))
			return PAYLOAD_ENCRYPTED;
		if (tls == 23 || (tls == 21 && ((w >> 24) & 0xffff) != W2(0, 2)))
			return PAYLOAD_ENCRYPTED;
		return PAYLOAD_TEXT;
	}
	if (x->src_port == PORT_DNS || x->dst_port == PORT_DNS) {
		x->reason = CLASSIFY_DNS;
		return PAYLOAD_TEXT;
	}
	if (!x->tcp && (x->src_port == PORT_QUIC || x->dst_port == PORT_QUIC) && (w & 0x40)) {
		x->reason = CLASSIFY_QUIC;
		return PAYLOAD_ENCRYPTED;
	}
	if (start) {
		x->reason = CLASSIFY_HTTP;
		return classify_http(s, st, x);
	}
	if (x->tcp && (x->src_port == PORT_MQTT || x->dst_port == PORT_MQTT)) {
		class = classify_mqtt(s, st, x);
		if (class) {
			x->reason = CLASSIFY_MQTT;
			return class;
		}
	}
	class = magic_class(s, 0, x->len);
	if (class) {
		x->reason = CLASSIFY_MAGIC;
		sticky_set(st, x, class, false, 0);
		return class;
	}
	x->reason = CLASSIFY_ENTROPY;
	if (entropy_above(sample_entropy(s, x), x->len, 9))
		return PAYLOAD_ENCRYPTED;
	if (entropy_below(sample_entropy(s, x), x->len, 4) && x->payload > 100)
		return PAYLOAD_TEXT;
	return x->payload < 20 ? PAYLOAD_IGNORED : PAYLOAD_UNKNOWN;
}

static __always_inline void add_payload(struct payload_counter *c, __u8 class, __u64 bytes)
{
	__u64 *field;

	switch (class) {
	case PAYLOAD_ENCRYPTED: field = &c->encrypted; break;
	case PAYLOAD_TEXT: field = &c->text; break;
	case PAYLOAD_COMPRESSED: field = &c->compressed; break;
	case PAYLOAD_MEDIA: field = &c->media; break;
	case PAYLOAD_IGNORED: field = &c->ignored; break;
	default: field = &c->unknown; break;
	}
	__sync_fetch_and_add(&c->sampled, bytes);
	__sync_fetch_and_add(field, bytes);
}

static __always_inline void record_debug(struct classify_scratch *s, struct payload_state *st,
					 struct payload_sample *x, __u8 class, __u64 bytes)
{
	__u32 zero = 0;
	struct classify_record *r = bpf_map_lookup_elem(&classify_debug, &zero);

	if (!r)
		return;
	r->count++;
	r->entropy_num = s && x->len ? sample_entropy(s, x) : 0;
	r->entropy_milli = entropy_milli(r->entropy_num, x->len);
	r->sampled_bytes = bytes;
	r->sample_len = x->len;
	r->payload_len = x->payload;
	r->class = class;
	r->reason = x->reason;
	r->sticky_class = st->sticky_class;
	r->sticky_flags = st->sticky_flags;
}

/*
 * The sampled path: load the sample, classify it, count its bytes; s->args
 * says what to sample.  A global function per hook type (below), so that
 * the verifier checks it once rather than along each of the parser's paths
 * that reach it; a packet that is not sampled does not make the call.
 */
static __always_inline int sample_packet(void *ctx, bool skb, struct payload_state *st,
					 struct payload_counter *fc, struct payload_counter *dc,
					 struct classify_scratch *s)
{
	struct sample_args *a;
	struct payload_sample *x;
	__u32 S, seq;
	__u8 class;

	if (!st || !fc || !s)
		return 0;
	a = &s->args;
	x = &s->x;
	x->len = 0;
	x->payload = a->payload;
	x->seq = 0;
	x->tcp = a->tcp;
	x->src_port = a->src_port;
	x->dst_port = a->dst_port;
	x->have_entropy = 0;
	x->reason = 0;
	if (x->payload < 4) {
		x->reason = CLASSIFY_SMALL;
		class = PAYLOAD_IGNORED;
		goto count;
	}
	S = a->sample_bytes;
	if (S < IOTRIM_SAMPLE_BYTES_MIN || S > IOTRIM_SAMPLE_BYTES_MAX)
		S = IOTRIM_DEFAULT_SAMPLE_BYTES;
	x->len = x->payload < S ? x->payload : S;
	if (payload_load(ctx, skb, a->off, s->e.buf, x->len))
		return 0;	/* cannot happen: off + len is inside the packet */
	entropy_pad(&s->e, x->len);
	if (x->tcp) {
		if (payload_load(ctx, skb, a->l4_off + 4, &seq, sizeof(seq)))
			return 0;
		x->seq = bpf_ntohl(seq);
	}
	class = iotrim_classify(s, st, x);
	if (class < PAYLOAD_ENCRYPTED || class >= PAYLOAD_CLASS__COUNT)
		class = PAYLOAD_UNKNOWN;
count:
	add_payload(fc, class, a->bytes);
	if (dc)
		add_payload(dc, class, a->bytes);
	if (a->flags & IOTRIM_CONFIG_DEBUG)
		record_debug(s, st, x, class, a->bytes);
	if (class == PAYLOAD_TEXT)
		audit_plain_sample(ctx, skb, a);
	return class;
}

__noinline int iotrim_sample_xdp(struct xdp_md *ctx, struct payload_state *st,
				 struct payload_counter *fc, struct payload_counter *dc,
				 struct classify_scratch *s)
{
	return sample_packet(ctx, false, st, fc, dc, s);
}

__noinline int iotrim_sample_skb(struct __sk_buff *ctx, struct payload_state *st,
				 struct payload_counter *fc, struct payload_counter *dc,
				 struct classify_scratch *s)
{
	return sample_packet(ctx, true, st, fc, dc, s);
}

/*
 * Called for every counted packet with its flow (flow, dir: 0 up, 1 down),
 * its direction's sampling state and payload counters (dc: the device's,
 * NULL if the device table is full).  segs is the number of wire packets (GSO), frame_len the skb's.
 * This part runs for every packet and stays small: the config lookup (an
 * inlined array access), the sampling decision and two counters.
 */
static __always_inline void payload_packet(const struct payload_src *src,
					   const struct packet_info *pi,
					   const struct flow_key *flow, __u8 dir, __u32 frame_len,
					   __u32 segs, struct payload_state *st,
					   struct payload_counter *fc, struct payload_counter *dc)
{
	struct classify_scratch *s;
	struct iotrim_config *cfg;
	struct sample_args *a;
	__u32 zero = 0, key = src->skb, off, end, total, seen, first = 0, nsamples = 0, since;
	__u32 K = IOTRIM_DEFAULT_SAMPLE_FIRST, N = IOTRIM_DEFAULT_SAMPLE_EVERY;
	__u32 S = IOTRIM_DEFAULT_SAMPLE_BYTES, flags = 0;

	if ((pi->proto != IPPROTO_TCP && pi->proto != IPPROTO_UDP) || pi->nonfirst_fragment)
		return;
	off = pi->l4_off + pi->l4_hdr_len;
	/* The IP length, not the frame: Ethernet padding is no payload. */
	end = segs > 1 ? frame_len : pi->l3_off + pi->l3_len;
	if (end <= off)
		return;
	total = end - off;

	cfg = bpf_map_lookup_elem(&MAP_SETTINGS, &zero);
	if (cfg) {
		flags = cfg->flags;
		if (flags & IOTRIM_CONFIG_SET) {
			K = cfg->sample_first;
			N = cfg->sample_every;
			S = cfg->sample_bytes;
		}
	}

	/*
	 * Sampling: the first K payload packets, then every N-th.  Plain, not
	 * atomic, updates: one flow direction is nearly always handled by one
	 * CPU (RSS), and a rare lost update only shifts a sample by a packet.
	 */
	seen = st->packets;
	st->packets = seen + segs < seen ? ~0U : seen + segs;
	if (seen < K)
		first = K - seen < segs ? K - seen : segs;
	if (N && segs > first) {
		since = st->since_sample + (segs - first);
		if (since >= N) {
			nsamples = segs == 1 ? 1 : since / N;
			since = segs == 1 ? 0 : since % N;
		}
		st->since_sample = since;
	}
	nsamples += first;
	if (!nsamples)
		return;

	s = bpf_map_lookup_elem(&classify_scratch, &key);
	if (!s)
		return;
	/* One wire packet's payload, and the bytes the samples stand for. */
	a = &s->args;
	a->payload = total;
	if (segs > 1 && src->gso_size && src->gso_size < total)
		a->payload = src->gso_size;
	a->bytes = nsamples == 1 ? a->payload : (__u64)nsamples * a->payload;
	if (a->bytes > total)
		a->bytes = total;
	a->off = off;
	a->sample_bytes = S;
	a->l4_off = pi->l4_off;
	a->flags = flags;
	a->src_port = pi->src_port;
	a->dst_port = pi->dst_port;
	a->tcp = pi->proto == IPPROTO_TCP;
	a->dir = dir;
	a->device_port = dir ? pi->dst_port : pi->src_port;
	a->key = *flow;
	if (src->skb)
		iotrim_sample_skb(src->ctx, st, fc, dc, s);
	else
		iotrim_sample_xdp(src->ctx, st, fc, dc, s);
}

#endif /* IOTRIM_CLASSIFY_H */
