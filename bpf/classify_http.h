/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rule 6 of the payload classifier (classify.h): an HTTP/1.x message is
 * text, or what its Content-Encoding, Content-Type or body's magic number
 * says; Content-Length bounds the sticky label of its body.
 */
#ifndef IOTRIM_CLASSIFY_HTTP_H
#define IOTRIM_CLASSIFY_HTTP_H

#include "classify_sample.h"
#include "classify_magic.h"

#define HTTP_MAX_HEADER_LINES 64

/* Rule 6: an HTTP/1.x status line or request line starts the payload. */
static __always_inline bool http_start_line(__u64 w, __u32 len)
{
	if (len >= 7 && HAS(w, 7, W7('H', 'T', 'T', 'P', '/', '1', '.')))
		return true;
	if (len >= 4 && (HAS(w, 4, W4('G', 'E', 'T', ' ')) || HAS(w, 4, W4('P', 'U', 'T', ' '))))
		return true;
	if (len >= 5 && (HAS(w, 5, W5('P', 'O', 'S', 'T', ' ')) ||
			 HAS(w, 5, W5('H', 'E', 'A', 'D', ' '))))
		return true;
	if (len >= 6 && HAS(w, 6, W6('P', 'A', 'T', 'C', 'H', ' ')))
		return true;
	if (len >= 7 && HAS(w, 7, W7('D', 'E', 'L', 'E', 'T', 'E', ' ')))
		return true;
	return len >= 8 && w == W8('O', 'P', 'T', 'I', 'O', 'N', 'S', ' ');
}

/* bpf_loop context of the header walk; its results are in the scratch value. */
struct http_parse {
	struct classify_scratch *s;
	__u32 len;		/* sample length */
};

/* Content-Type, -Encoding or -Length value at v (after "content-" NAME ":"). */
static __always_inline void http_content_value(struct http_parse *h, __u32 v, int kind)
{
	struct classify_scratch *s = h->s;
	__u32 len = h->len;
	__u64 a, b, c;

	/* optional whitespace */
	for (int k = 0; k < 4; k++) {
		__u8 ch;

		if (v >= len)
			return;
		ch = sample_byte(s, v);
		if (ch != ' ' && ch != '\t')
			break;
		v++;
	}
	if (v >= len || v > IOTRIM_SAMPLE_BYTES_MAX)
		return;
	if (kind == 2) {	/* length */
		__u64 n = 0;
		int digits = 0;

		for (int k = 0; k < 12; k++) {
			__u8 ch;

			if (v + k >= len)
				break;
			ch = sample_byte(s, v + k);
			if (ch < '0' || ch > '9')
				break;
			n = n * 10 + (ch - '0');
			digits++;
		}
		if (digits) {
			s->http_content_length = n;
			s->http_have_length = 1;
		}
		return;
	}
	a = sample_word(s, v) | LOWER;
	if (kind == 1) {	/* encoding */
		if (HAS(a, 4, W4('g', 'z', 'i', 'p')) || HAS(a, 6, W6('x', '-', 'g', 'z', 'i', 'p')) ||
		    HAS(a, 2, W2('b', 'r')) || HAS(a, 7, W7('d', 'e', 'f', 'l', 'a', 't', 'e')))
			s->http_encoding_class = PAYLOAD_COMPRESSED;
		return;
	}
	if (HAS(a, 6, W6('i', 'm', 'a', 'g', 'e', '/')) || HAS(a, 6, W6('v', 'i', 'd', 'e', 'o', '/')) ||
	    HAS(a, 6, W6('a', 'u', 'd', 'i', 'o', '/'))) {
		s->http_type_class = PAYLOAD_MEDIA;
		return;
	}
	if (HAS(a, 5, W5('t', 'e', 'x', 't', '/'))) {
		s->http_type_class = PAYLOAD_TEXT;
		return;
	}
	b = sample_word(s, v + 8) | LOWER;
	if (a != W8('a', 'p', 'p', 'l', 'i', 'c', 'a', 't') || !HAS(b, 4, W4('i', 'o', 'n', '/')))
		return;
	c = sample_word(s, v + 12) | LOWER;
	if (HAS(c, 4, W4('j', 's', 'o', 'n')) || HAS(c, 3, W3('x', 'm', 'l')) ||
	    c == W8('j', 'a', 'v', 'a', 's', 'c', 'r', 'i'))
		s->http_type_class = PAYLOAD_TEXT;
	else if (HAS(c, 4, W4('g', 'z', 'i', 'p')) || HAS(c, 6, W6('x', '-', 'g', 'z', 'i', 'p')) ||
		 HAS(c, 3, W3('z', 'i', 'p')))
		s->http_type_class = PAYLOAD_COMPRESSED;
}

/*
 * bpf_loop callback: one header line at s->http_pos.  Verified once, whatever
 * the number of lines; the line's end is found by a bounded byte loop.
 * Returns 1 to stop (end of headers or of the sample), 0 for the next line.
 */
static long http_header_line(__u32 index, void *arg)
{
	struct http_parse *h = arg;
	struct classify_scratch *s = h->s;
	__u32 p = s->http_pos, len = h->len;
	__u64 w, name;

	if (len > IOTRIM_SAMPLE_BYTES_MAX || p >= len)
		return 1;
	w = sample_word(s, p);
	/* index 0 is the start line, never empty or a header */
	if (index && ((w & 0xff) == '\n' || HAS(w, 2, W2('\r', '\n')))) {
		s->http_done = 1;
		s->http_body = p + ((w & 0xff) == '\n' ? 1 : 2);
		return 1;
	}
	if (index && (w | LOWER) == W8('c', 'o', 'n', 't', 'e', 'n', 't', '-')) {
		name = sample_word(s, p + 8) | LOWER;
		if (HAS(name, 5, W5('t', 'y', 'p', 'e', ':')))
			http_content_value(h, p + 13, 0);
		else if (name == W8('e', 'n', 'c', 'o', 'd', 'i', 'n', 'g') &&
			 sample_byte(s, p + 16) == ':')
			http_content_value(h, p + 17, 1);
		else if (HAS(name, 7, W7('l', 'e', 'n', 'g', 't', 'h', ':')))
			http_content_value(h, p + 15, 2);
	}
	/*
	 * The line's end, 8 bytes at a time: x has a zero byte where w has a
	 * '\n', and (x - 0x01..) & ~x & 0x80.. flags the lowest zero byte
	 * exactly (a borrow can only flag bytes above it).  Multiplying the
	 * flagged bit down to 2^(8k) by 0x0001020304050607 puts k in the top
	 * byte.  Past the sample are zero bytes, which are no '\n'.
	 */
	for (__u32 j = 0; j < ENTROPY_MAX_WORDS + 1; j++) {
		__u32 q = p + 8 * j;
		__u64 x, m;

		if (q >= len)
			return 1;
		x = sample_word(s, q) ^ 0x0a0a0a0a0a0a0a0aULL;
		m = (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
		if (m) {
			q += (((m & -m) >> 7) * 0x0001020304050607ULL) >> 56;
			if (q >= len)
				return 1;
			s->http_pos = q + 1;
			return 0;
		}
	}
	return 1;
}

static __always_inline __u8 classify_http(struct classify_scratch *s, struct payload_state *st,
					  struct payload_sample *x)
{
	struct http_parse h = { .s = s, .len = x->len };
	__u8 label;

	s->http_content_length = 0;
	s->http_pos = 0;
	s->http_body = 0;
	s->http_done = 0;
	s->http_have_length = 0;
	s->http_type_class = PAYLOAD_NONE;
	s->http_encoding_class = PAYLOAD_NONE;
	bpf_loop(HTTP_MAX_HEADER_LINES, http_header_line, &h, 0);
	label = s->http_encoding_class ? s->http_encoding_class : s->http_type_class;
	if (!label && s->http_done && s->http_body < x->len)
		label = magic_class(s, s->http_body, x->len - s->http_body);
	if (!label) {
		st->sticky_class = PAYLOAD_NONE;
		return PAYLOAD_TEXT;
	}
	/* A length past 2^31 cannot be told apart in sequence space. */
	if (s->http_done && s->http_have_length && s->http_content_length < (1ULL << 31))
		sticky_set(st, x, label, true, x->seq + s->http_body + (__u32)s->http_content_length);
	else
		sticky_set(st, x, label, false, 0);
	return label;
}

#endif /* IOTRIM_CLASSIFY_HTTP_H */
