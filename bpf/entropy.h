/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Normalised Shannon entropy of a payload sample in integer arithmetic
 * (METHODS 4): H = -sum_b p_b log_256 p_b, 0 (one byte value) .. 1 (all 256
 * equally often).  With c_b the count of byte value b among n bytes,
 *
 *	H = (n log2 n - sum_b c_b log2 c_b) / (8 n)
 *
 * and c log2 c comes from a table in fixed point (2^-32, generated at build
 * time by scripts/gen_entropy_table.c), so the kernel only adds, multiplies
 * and divides integers.  entropy_num() returns the numerator in table units;
 * the thresholds compare without dividing, and entropy_milli() gives
 * 1000 * H for people.
 *
 * Cost, per sample of n bytes: one pass over the bytes in 8-byte words
 * filling a histogram of 256 u16 counters, and one pass over the histogram
 * (64 words of four counters, empty words skipped) that sums the table and
 * leaves the histogram zeroed for the next sample, so it is never cleared
 * separately.  Both are bounded loops the verifier walks once per iteration.
 */
#ifndef IOTRIM_ENTROPY_H
#define IOTRIM_ENTROPY_H

#include "vmlinux.h"
#include "iotrim.h"
#include "entropy_table.h"

/*
 * Bytes after the sample that are kept zero: the word loop reads the last
 * word whole, and the protocol matchers compare up to 16 bytes from any
 * offset inside the sample, so they see zeros past its end, never the stale
 * bytes of an earlier packet.
 */
#define ENTROPY_PAD 32
#define ENTROPY_MAX_WORDS ((IOTRIM_SAMPLE_BYTES_MAX + 7) / 8)

/*
 * Hides a value from the compiler.  The bounds checks that keep the
 * verifier content are often redundant to LLVM, which knows the value is
 * in range from an earlier check on another register and drops them; after
 * opaque() it cannot, and the check stays on the register that is used.
 */
static __always_inline __u32 opaque(__u32 v)
{
	asm volatile("" : "+r"(v));
	return v;
}

/*
 * Histogram and payload copy of one sample (part of the classify_scratch
 * map value).  buf is a power of two, so that a length masked with
 * (size - 1) is provably inside it whatever the verifier lost of its bounds.
 */
#define SCRATCH_BUF_SIZE 2048
struct entropy_scratch {
	__u16 hist[256];	/* all zero between samples */
	__u8 buf[SCRATCH_BUF_SIZE];	/* 8-aligned */
};
_Static_assert(IOTRIM_SAMPLE_BYTES_MAX + ENTROPY_PAD + 8 <= SCRATCH_BUF_SIZE, "scratch");

/*
 * Zeroes ENTROPY_PAD bytes after the first n of s->buf.  n <= 1500, so the
 * stores stay inside buf; they may be unaligned, which BPF allows for map
 * values on the architectures with efficient unaligned access (x86, arm64).
 */
static __always_inline void entropy_pad(struct entropy_scratch *s, __u32 n)
{
	__u64 *tail;

	n = opaque(n);
	if (n > IOTRIM_SAMPLE_BYTES_MAX)
		return;
	tail = (__u64 *)(s->buf + n);
	tail[0] = 0;
	tail[1] = 0;
	tail[2] = 0;
	tail[3] = 0;
}

/*
 * n log2 n - sum c log2 c over s->buf[0 .. n), in units of 2^-32 bits, for
 * 1 <= n <= IOTRIM_SAMPLE_BYTES_MAX; entropy_pad(s, n) must have run.
 * H = result / (8 n 2^32).
 */
static __always_inline __u64 entropy_num(struct entropy_scratch *s, __u32 n)
{
	__u64 *words = (__u64 *)s->buf;
	__u64 *hist64 = (__u64 *)s->hist;
	__u32 nwords = (n + 7) / 8;
	__u64 sum = 0;

	if (n < 1 || n > IOTRIM_SAMPLE_BYTES_MAX)
		return 0;
	for (__u32 i = 0; i < ENTROPY_MAX_WORDS; i++) {
		__u64 w;

		if (i >= nwords)
			break;
		w = words[i];
		s->hist[w & 0xff]++;
		s->hist[(w >> 8) & 0xff]++;
		s->hist[(w >> 16) & 0xff]++;
		s->hist[(w >> 24) & 0xff]++;
		s->hist[(w >> 32) & 0xff]++;
		s->hist[(w >> 40) & 0xff]++;
		s->hist[(w >> 48) & 0xff]++;
		s->hist[(w >> 56) & 0xff]++;
	}
	/* The last word's bytes past n are the zero padding: not payload. */
	s->hist[0] -= nwords * 8 - n;

	for (__u32 i = 0; i < 64; i++) {
		__u64 w = hist64[i];

		if (!w)
			continue;
		hist64[i] = 0;
		sum += entropy_clog2c[w & (ENTROPY_TABLE_SIZE - 1)];
		sum += entropy_clog2c[(w >> 16) & (ENTROPY_TABLE_SIZE - 1)];
		sum += entropy_clog2c[(w >> 32) & (ENTROPY_TABLE_SIZE - 1)];
		sum += entropy_clog2c[(w >> 48) & (ENTROPY_TABLE_SIZE - 1)];
	}
	return entropy_clog2c[n & (ENTROPY_TABLE_SIZE - 1)] - sum;
}

/* H > tenths / 10, exactly as far as the table's rounding allows. */
static __always_inline bool entropy_above(__u64 num, __u32 n, __u32 tenths)
{
	return num * 10 > (((__u64)n * 8 * tenths) << ENTROPY_FRAC_BITS);
}

/* H < tenths / 10. */
static __always_inline bool entropy_below(__u64 num, __u32 n, __u32 tenths)
{
	return num * 10 < (((__u64)n * 8 * tenths) << ENTROPY_FRAC_BITS);
}

/* 1000 * H, rounded down (for the debug record and people). */
static __always_inline __u32 entropy_milli(__u64 num, __u32 n)
{
	if (!n)
		return 0;
	return num * 1000 / (((__u64)n * 8) << ENTROPY_FRAC_BITS);
}

#endif /* IOTRIM_ENTROPY_H */
