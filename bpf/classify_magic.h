/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Rule 8 of the payload classifier (classify.h): magic numbers. */
#ifndef IOTRIM_CLASSIFY_MAGIC_H
#define IOTRIM_CLASSIFY_MAGIC_H

#include "classify_sample.h"

/* Rule 8: class of the magic number at off, avail bytes of payload there. */
static __always_inline __u8 magic_class(const struct classify_scratch *s, __u32 off,
					__u32 avail)
{
	__u64 w = sample_word(s, off);

	if (avail >= 3 && (HAS(w, 3, W3(0x1f, 0x8b, 0x08)) || HAS(w, 3, W3('B', 'Z', 'h'))))
		return PAYLOAD_COMPRESSED;
	if (avail >= 4 && HAS(w, 4, W4('P', 'K', 3, 4)))
		return PAYLOAD_COMPRESSED;
	if (avail >= 6 && HAS(w, 6, W6(0xfd, '7', 'z', 'X', 'Z', 0)))
		return PAYLOAD_COMPRESSED;
	if (avail >= 3 && (HAS(w, 3, W3(0xff, 0xd8, 0xff)) || HAS(w, 3, W3('I', 'D', '3'))))
		return PAYLOAD_MEDIA;
	if (avail >= 4 && (HAS(w, 4, W4(0x89, 'P', 'N', 'G')) || HAS(w, 4, W4('G', 'I', 'F', '8')) ||
			   HAS(w, 4, W4('R', 'I', 'F', 'F'))))
		return PAYLOAD_MEDIA;
	if (avail >= 8 && (w >> 32) == W4('f', 't', 'y', 'p'))
		return PAYLOAD_MEDIA;
	return PAYLOAD_NONE;
}

#endif /* IOTRIM_CLASSIFY_MAGIC_H */
