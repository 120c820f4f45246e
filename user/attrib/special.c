// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The special-purpose address table: see special.h. */
#include <stdbool.h>
#include <stddef.h>

#include "attrib/special.h"
#include "iotrim.h"

#define V4(a, b, c, d, l, k, n) { IOTRIM_FAMILY_IPV4, { a, b, c, d }, l, k, n }
#define V6(l, k, n, ...) { IOTRIM_FAMILY_IPV6, { __VA_ARGS__ }, l, k, n }

/*
 * IANA "IPv4 Special-Purpose Address Registry" and "IPv6 Special-Purpose
 * Address Registry", every entry (sub-blocks of a listed block are listed
 * too, so a lookup names the most specific), plus 224.0.0.0/4, ff00::/8
 * (the multicast registries) and 240.0.0.0/4's neighbour 255.255.255.255.
 */
const struct special_block special_blocks[] = {
	V4(0, 0, 0, 0, 8, SPECIAL_THIS_NETWORK, "\"this network\" (RFC 791)"),
	V4(0, 0, 0, 0, 32, SPECIAL_THIS_NETWORK, "\"this host on this network\" (RFC 1122)"),
	V4(10, 0, 0, 0, 8, SPECIAL_PRIVATE, "private-use (RFC 1918)"),
	V4(100, 64, 0, 0, 10, SPECIAL_SHARED, "shared address space (RFC 6598)"),
	V4(127, 0, 0, 0, 8, SPECIAL_LOOPBACK, "loopback (RFC 1122)"),
	V4(169, 254, 0, 0, 16, SPECIAL_LINK_LOCAL, "link local (RFC 3927)"),
	V4(172, 16, 0, 0, 12, SPECIAL_PRIVATE, "private-use (RFC 1918)"),
	V4(192, 0, 0, 0, 24, SPECIAL_PROTOCOL, "IETF protocol assignments (RFC 6890)"),
	V4(192, 0, 0, 0, 29, SPECIAL_PROTOCOL, "IPv4 service continuity prefix (RFC 7335)"),
	V4(192, 0, 0, 8, 32, SPECIAL_PROTOCOL, "IPv4 dummy address (RFC 7600)"),
	V4(192, 0, 0, 9, 32, SPECIAL_PROTOCOL, "port control protocol anycast (RFC 7723)"),
	V4(192, 0, 0, 10, 32, SPECIAL_PROTOCOL, "traversal using relays around NAT anycast (RFC 8155)"),
	V4(192, 0, 0, 170, 32, SPECIAL_PROTOCOL, "NAT64/DNS64 discovery (RFC 7050)"),
	V4(192, 0, 0, 171, 32, SPECIAL_PROTOCOL, "NAT64/DNS64 discovery (RFC 7050)"),
	V4(192, 0, 2, 0, 24, SPECIAL_DOCUMENTATION, "documentation TEST-NET-1 (RFC 5737)"),
	V4(192, 31, 196, 0, 24, SPECIAL_PROTOCOL, "AS112-v4 (RFC 7535)"),
	V4(192, 52, 193, 0, 24, SPECIAL_PROTOCOL, "AMT (RFC 7450)"),
	V4(192, 88, 99, 0, 24, SPECIAL_PROTOCOL, "deprecated 6to4 relay anycast (RFC 7526)"),
	V4(192, 168, 0, 0, 16, SPECIAL_PRIVATE, "private-use (RFC 1918)"),
	V4(192, 175, 48, 0, 24, SPECIAL_PROTOCOL, "direct delegation AS112 service (RFC 7534)"),
	V4(198, 18, 0, 0, 15, SPECIAL_BENCHMARKING, "benchmarking (RFC 2544)"),
	V4(198, 51, 100, 0, 24, SPECIAL_DOCUMENTATION, "documentation TEST-NET-2 (RFC 5737)"),
	V4(203, 0, 113, 0, 24, SPECIAL_DOCUMENTATION, "documentation TEST-NET-3 (RFC 5737)"),
	V4(224, 0, 0, 0, 4, SPECIAL_MULTICAST, "multicast (RFC 5771)"),
	V4(240, 0, 0, 0, 4, SPECIAL_RESERVED, "reserved (RFC 1112)"),
	V4(255, 255, 255, 255, 32, SPECIAL_BROADCAST, "limited broadcast (RFC 919)"),

	V6(128, SPECIAL_LOOPBACK, "loopback address (RFC 4291)", [15] = 1),
	V6(128, SPECIAL_THIS_NETWORK, "unspecified address (RFC 4291)", 0),
	V6(96, SPECIAL_TRANSLATION, "IPv4-mapped address (RFC 4291)", [10] = 0xff, [11] = 0xff),
	V6(96, SPECIAL_TRANSLATION, "IPv4-IPv6 translation (RFC 6052)", 0, 0x64, 0xff, 0x9b),
	V6(48, SPECIAL_TRANSLATION, "IPv4-IPv6 translation, local use (RFC 8215)",
	   0, 0x64, 0xff, 0x9b, 0, 1),
	V6(64, SPECIAL_DISCARD, "discard-only address block (RFC 6666)", 0x01, 0x00),
	V6(64, SPECIAL_PROTOCOL, "dummy IPv6 prefix (RFC 9780)", 0x01, 0x00, 0, 0, 0, 0, 0, 1),
	V6(23, SPECIAL_PROTOCOL, "IETF protocol assignments (RFC 2928)", 0x20, 0x01),
	V6(32, SPECIAL_PROTOCOL, "TEREDO (RFC 4380)", 0x20, 0x01),
	V6(128, SPECIAL_PROTOCOL, "port control protocol anycast (RFC 7723)",
	   0x20, 0x01, 0, 1, [15] = 1),
	V6(128, SPECIAL_PROTOCOL, "traversal using relays around NAT anycast (RFC 8155)",
	   0x20, 0x01, 0, 1, [15] = 2),
	V6(128, SPECIAL_PROTOCOL, "DNS-SD service registration protocol anycast (RFC 9665)",
	   0x20, 0x01, 0, 1, [15] = 3),
	V6(48, SPECIAL_BENCHMARKING, "benchmarking (RFC 5180)", 0x20, 0x01, 0, 2, 0, 0),
	V6(32, SPECIAL_PROTOCOL, "AMT (RFC 7450)", 0x20, 0x01, 0, 3),
	V6(48, SPECIAL_PROTOCOL, "AS112-v6 (RFC 7535)", 0x20, 0x01, 0, 4, 0x01, 0x12),
	V6(28, SPECIAL_PROTOCOL, "deprecated ORCHID (RFC 4843)", 0x20, 0x01, 0, 0x10),
	V6(28, SPECIAL_PROTOCOL, "ORCHIDv2 (RFC 7343)", 0x20, 0x01, 0, 0x20),
	V6(28, SPECIAL_PROTOCOL, "drone remote ID protocol entity tags (RFC 9374)",
	   0x20, 0x01, 0, 0x30),
	V6(32, SPECIAL_DOCUMENTATION, "documentation (RFC 3849)", 0x20, 0x01, 0x0d, 0xb8),
	V6(16, SPECIAL_PROTOCOL, "6to4 (RFC 3056)", 0x20, 0x02),
	V6(48, SPECIAL_PROTOCOL, "direct delegation AS112 service (RFC 7534)",
	   0x26, 0x20, 0, 0x4f, 0x80, 0),
	V6(20, SPECIAL_DOCUMENTATION, "documentation (RFC 9637)", 0x3f, 0xff),
	V6(16, SPECIAL_PROTOCOL, "segment routing SIDs (RFC 9602)", 0x5f, 0x00),
	V6(7, SPECIAL_UNIQUE_LOCAL, "unique-local (RFC 4193)", 0xfc),
	V6(10, SPECIAL_LINK_LOCAL, "link-local unicast (RFC 4291)", 0xfe, 0x80),
	V6(8, SPECIAL_MULTICAST, "multicast (RFC 4291)", 0xff),
};

const unsigned special_block_count = sizeof(special_blocks) / sizeof(special_blocks[0]);

static bool in_block(const struct special_block *b, const uint8_t ip[16])
{
	unsigned full = b->len / 8, rest = b->len % 8;

	for (unsigned i = 0; i < full; i++)
		if (ip[i] != b->prefix[i])
			return false;
	return !rest || ((ip[full] ^ b->prefix[full]) & (0xff00 >> rest)) == 0;
}

const struct special_block *special_block_of(uint8_t family, const uint8_t ip[16])
{
	const struct special_block *best = NULL;

	for (unsigned i = 0; i < special_block_count; i++) {
		const struct special_block *b = &special_blocks[i];

		if (b->family == family && in_block(b, ip) && (!best || b->len > best->len))
			best = b;
	}
	return best;
}

enum special_kind special_kind_of(uint8_t family, const uint8_t ip[16])
{
	const struct special_block *b = special_block_of(family, ip);

	return b ? b->kind : SPECIAL_NONE;
}

const char *special_kind_name(enum special_kind k)
{
	static const char *const names[] = {
		[SPECIAL_NONE] = "",
		[SPECIAL_THIS_NETWORK] = "this network",
		[SPECIAL_PRIVATE] = "private",
		[SPECIAL_SHARED] = "shared (carrier-grade NAT)",
		[SPECIAL_LOOPBACK] = "loopback",
		[SPECIAL_LINK_LOCAL] = "link-local",
		[SPECIAL_MULTICAST] = "multicast",
		[SPECIAL_BROADCAST] = "broadcast",
		[SPECIAL_DOCUMENTATION] = "documentation",
		[SPECIAL_BENCHMARKING] = "benchmarking",
		[SPECIAL_UNIQUE_LOCAL] = "unique-local",
		[SPECIAL_PROTOCOL] = "protocol assignment",
		[SPECIAL_TRANSLATION] = "translation",
		[SPECIAL_DISCARD] = "discard-only",
		[SPECIAL_RESERVED] = "reserved",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "";
}
