/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Special-purpose addresses: the IANA IPv4 and IPv6 Special-Purpose Address
 * Registries (RFC 6890 and the RFCs each block cites), plus the multicast
 * and limited-broadcast blocks.  None of them is anyone's address on the
 * Internet: the free geolocation and ASN databases still carry registry
 * rows for some (203.0.113.0/24 as AU, 2001:db8::/32 as JP), and those must
 * never give them a country, an AS or an organisation (geo.c).  The one
 * table of them; party.c asks it which are local.
 */
#ifndef IOTRIM_SPECIAL_H
#define IOTRIM_SPECIAL_H

#include <stdint.h>

enum special_kind {
	SPECIAL_NONE = 0,
	SPECIAL_THIS_NETWORK,	/* 0.0.0.0/8, ::/128 */
	SPECIAL_PRIVATE,	/* RFC 1918 */
	SPECIAL_SHARED,		/* 100.64.0.0/10, carrier-grade NAT */
	SPECIAL_LOOPBACK,
	SPECIAL_LINK_LOCAL,
	SPECIAL_MULTICAST,
	SPECIAL_BROADCAST,	/* 255.255.255.255 */
	SPECIAL_DOCUMENTATION,
	SPECIAL_BENCHMARKING,
	SPECIAL_UNIQUE_LOCAL,	/* fc00::/7 */
	SPECIAL_PROTOCOL,	/* IETF protocol assignments, AS112, AMT, 6to4, ... */
	SPECIAL_TRANSLATION,	/* ::ffff:0:0/96, 64:ff9b::/96, 64:ff9b:1::/48 */
	SPECIAL_DISCARD,	/* 100::/64 */
	SPECIAL_RESERVED,	/* 240.0.0.0/4 */
};

struct special_block {
	uint8_t family;		/* IOTRIM_FAMILY_IPV4 or _IPV6 */
	uint8_t prefix[16];	/* IPv4 in the first 4 bytes */
	uint8_t len;
	enum special_kind kind;
	const char *name;	/* as the registry names it */
};

/* The block ip falls in (the most specific), or NULL. */
const struct special_block *special_block_of(uint8_t family, const uint8_t ip[16]);
/* SPECIAL_NONE for an ordinary address. */
enum special_kind special_kind_of(uint8_t family, const uint8_t ip[16]);
/* "private", "link-local", ... ; "" for SPECIAL_NONE. */
const char *special_kind_name(enum special_kind k);

/* The whole table, for tests. */
extern const struct special_block special_blocks[];
extern const unsigned special_block_count;

#endif
