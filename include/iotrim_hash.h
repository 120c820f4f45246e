/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The hash of a DNS name used by name rules ("deny_names" map), the same in
 * the TC program and in the controller.
 *
 * A name is hashed in DNS wire format (length-prefixed labels ending in the
 * root's zero byte), each byte lower-cased (A-Z only, as DNS compares), with
 * 64-bit FNV-1a taken over the bytes from the LAST to the FIRST.  Hashing
 * backwards lets one pass over a question name yield the hash of every
 * suffix that starts at a label: for 0.pool.ntp.org the pass meets org,
 * ntp.org, pool.ntp.org and 0.pool.ntp.org in turn, and each is what
 * iotrim_name_hash() gives for that name on its own.
 */
#ifndef IOTRIM_HASH_H
#define IOTRIM_HASH_H

#ifdef __BPF__
/* vmlinux.h provides the types */
#else
#include <linux/types.h>
#include <stddef.h>
#include <string.h>
#endif

#define IOTRIM_FNV64_OFFSET 0xcbf29ce484222325ULL
#define IOTRIM_FNV64_PRIME 0x100000001b3ULL

/* Longest name in text (without the trailing dot) and in wire format. */
#define IOTRIM_DNS_NAME_MAX 253
#define IOTRIM_DNS_WIRE_MAX 255
#define IOTRIM_DNS_LABEL_MAX 63

static inline __u8 iotrim_dns_lower(__u8 c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* One step of the backwards FNV-1a: the byte before those hashed so far. */
static inline __u64 iotrim_name_hash_step(__u64 h, __u8 c)
{
	return (h ^ iotrim_dns_lower(c)) * IOTRIM_FNV64_PRIME;
}

/*
 * The deny_filter slot of a device's MAC address (IOTRIM_DENY_FILTER_SLOTS,
 * include/iotrim.h): a mix of its last three bytes, where vendors number
 * their devices.  The all-zero MAC (rules for all devices) is slot 0.
 */
static inline __u32 iotrim_mac_slot(const __u8 *mac)
{
	__u32 x = ((__u32)mac[3] << 16) | ((__u32)mac[4] << 8) | mac[5];

	x ^= mac[2] << 4;
	x = (x ^ (x >> 12)) * 0x9e3779b1u;
	return (x >> 20) & 4095;	/* IOTRIM_DENY_FILTER_SLOTS - 1 */
}

#ifndef __BPF__
/* Hash of a whole wire-format name of len bytes (root byte included). */
static inline __u64 iotrim_name_hash_wire(const __u8 *wire, size_t len)
{
	__u64 h = IOTRIM_FNV64_OFFSET;

	while (len)
		h = iotrim_name_hash_step(h, wire[--len]);
	return h;
}

/*
 * "0.pool.ntp.org" (a trailing dot is allowed) to wire format in
 * out[IOTRIM_DNS_WIRE_MAX]; returns the length, or 0 if the name has an
 * empty label, a label over 63 bytes, or is over 253 characters.
 */
static inline size_t iotrim_name_to_wire(const char *name, __u8 *out)
{
	size_t len = strlen(name), pos = 0;

	if (len && name[len - 1] == '.')
		len--;
	if (len == 0 || len > IOTRIM_DNS_NAME_MAX)
		return 0;
	while (pos < len) {
		size_t start = pos, label;

		while (pos < len && name[pos] != '.')
			pos++;
		label = pos - start;
		if (label == 0 || label > IOTRIM_DNS_LABEL_MAX)
			return 0;
		out[start] = (__u8)label;
		memcpy(out + start + 1, name + start, label);
		pos++;		/* the dot */
	}
	out[len + 1] = 0;
	return len + 2;
}

/* Hash of a text name; 0 if it is not a valid name (see iotrim_name_to_wire). */
static inline __u64 iotrim_name_hash(const char *name)
{
	__u8 wire[IOTRIM_DNS_WIRE_MAX + 1];
	size_t len = iotrim_name_to_wire(name, wire);

	return len ? iotrim_name_hash_wire(wire, len) : 0;
}
#endif /* !__BPF__ */

#endif /* IOTRIM_HASH_H */
