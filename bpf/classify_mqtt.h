/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rule 7 of the payload classifier (classify.h): plaintext MQTT on port
 * 1883 is text, a PUBLISH payload is labelled by its magic number or its
 * entropy; the remaining length bounds the sticky label.
 */
#ifndef IOTRIM_CLASSIFY_MQTT_H
#define IOTRIM_CLASSIFY_MQTT_H

#include "classify_sample.h"
#include "classify_magic.h"

/* Rule 7; PAYLOAD_NONE if the payload does not start with an MQTT packet. */
static __always_inline __u8 classify_mqtt(struct classify_scratch *s, struct payload_state *st,
					  struct payload_sample *x)
{
	__u64 w = sample_word(s, 0);
	__u32 type = (w >> 4) & 0xf, flags = w & 0xf, qos = (flags >> 1) & 3;
	__u32 rem = 0, hdr = 0, topic, off;
	__u8 class;

	if (type == 0)
		return PAYLOAD_NONE;
	if (type == 3) {
		if (qos == 3)
			return PAYLOAD_NONE;
	} else if (type == 6 || type == 8 || type == 10) {
		if (flags != 2)
			return PAYLOAD_NONE;
	} else if (flags) {
		return PAYLOAD_NONE;
	}
	/* Remaining length: 1-4 bytes of 7 bits, least significant first. */
	for (__u32 i = 1; i <= 4; i++) {
		__u32 b = (w >> (8 * i)) & 0xff;

		if (i >= x->len)
			return PAYLOAD_NONE;
		rem |= (b & 0x7f) << (7 * (i - 1));
		if (!(b & 0x80)) {
			hdr = i + 1;
			break;
		}
	}
	if (!hdr)
		return PAYLOAD_NONE;
	class = PAYLOAD_TEXT;
	if (type == 3) {
		topic = sample_byte(s, hdr) << 8 | sample_byte(s, hdr + 1);
		off = hdr + 2 + topic + (qos ? 2 : 0);
		if (off < x->len)
			class = magic_class(s, off, x->len - off);
		if (!class)
			class = entropy_above(sample_entropy(s, x), x->len, 9) ? PAYLOAD_ENCRYPTED :
										PAYLOAD_TEXT;
	}
	sticky_set(st, x, class, true, x->seq + hdr + rem);
	return class;
}

#endif /* IOTRIM_CLASSIFY_MQTT_H */
