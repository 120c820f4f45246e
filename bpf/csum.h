/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internet checksum arithmetic (RFC 1071) for the block rules' replies and
 * rewrites.  Sums are of 16-bit words as they lie in memory (network byte
 * order read natively), which folds to the right checksum on any host.
 */
#ifndef IOTRIM_CSUM_H
#define IOTRIM_CSUM_H

#include "vmlinux.h"

/* Folds a sum of 16-bit words into the checksum to store (complemented). */
static __always_inline __u16 csum_fold64(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* Folds a 64-bit sum into a 32-bit partial sum (__wsum), not complemented. */
static __always_inline __u32 csum_fold32(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return sum;
}

/* Sum of the 16-bit words of n bytes (n even and constant after inlining). */
static __always_inline __u64 csum_words(const void *p, __u32 n)
{
	const __u16 *w = p;
	__u64 sum = 0;

#pragma unroll
	for (__u32 i = 0; i < n / 2; i++)
		sum += w[i];
	return sum;
}

#endif /* IOTRIM_CSUM_H */
