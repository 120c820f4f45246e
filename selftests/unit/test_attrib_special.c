// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The special-purpose address table (attrib/special.h): every block, IPv4
 * and IPv6, at its first and last address and just outside both; a list
 * of edge addresses with the kind the IANA registries give them, written
 * out independently of the table; and geolocation that never gives one a
 * country or an AS from a database row, while an override still applies.
 * And local traffic (attrib/local.h): the gateway, LAN peers, multicast,
 * broadcast and link-local, each with its reason.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/geo.h"
#include "attrib/local.h"
#include "attrib/special.h"
#include "harness.h"
#include "iotrim.h"

static unsigned addr_len(uint8_t family)
{
	return family == IOTRIM_FAMILY_IPV4 ? 4 : 16;
}

/* The first (last false) or last address of b. */
static void edge(const struct special_block *b, bool last, uint8_t ip[16])
{
	memset(ip, 0, 16);
	memcpy(ip, b->prefix, addr_len(b->family));
	for (unsigned bit = b->len; last && bit < addr_len(b->family) * 8; bit++)
		ip[bit / 8] |= 0x80 >> (bit % 8);
}

/* ip + 1 (up) or ip - 1; false when it wraps. */
static bool step(uint8_t family, uint8_t ip[16], bool up)
{
	for (int i = (int)addr_len(family) - 1; i >= 0; i--) {
		if (up ? ip[i]++ != 0xff : ip[i]-- != 0x00)
			return true;
	}
	return false;
}

/* Is the block inner inside outer (or outer itself)? */
static bool within(const struct special_block *inner, const struct special_block *outer)
{
	if (inner->family != outer->family || inner->len < outer->len)
		return false;
	for (unsigned bit = 0; bit < outer->len; bit++)
		if ((inner->prefix[bit / 8] ^ outer->prefix[bit / 8]) & (0x80 >> (bit % 8)))
			return false;
	return true;
}

TEST(every_block_at_its_edges)
{
	for (unsigned i = 0; i < special_block_count; i++) {
		const struct special_block *b = &special_blocks[i];
		char text[INET6_ADDRSTRLEN];

		for (int last = 0; last < 2; last++) {
			uint8_t ip[16];
			const struct special_block *got;

			edge(b, last, ip);
			inet_ntop(b->family == IOTRIM_FAMILY_IPV4 ? AF_INET : AF_INET6, ip, text,
				  sizeof(text));
			got = special_block_of(b->family, ip);
			EXPECT(got && within(got, b), "%s (%s end of %s/%u) is in it", text,
			       last ? "last" : "first", b->name, b->len);
			EXPECT(special_kind_of(b->family, ip) != SPECIAL_NONE, "%s is special", text);
			/* Just outside: not this block, nor one inside it. */
			if (step(b->family, ip, last)) {
				got = special_block_of(b->family, ip);
				inet_ntop(b->family == IOTRIM_FAMILY_IPV4 ? AF_INET : AF_INET6, ip, text,
					  sizeof(text));
				EXPECT(!got || (got != b && !within(got, b)), "%s is outside %s", text,
				       b->name);
			}
		}
	}
}

static const struct {
	const char *ip;
	enum special_kind kind;
} edges[] = {
	{ "0.0.0.0", SPECIAL_THIS_NETWORK },		{ "0.255.255.255", SPECIAL_THIS_NETWORK },
	{ "1.0.0.0", SPECIAL_NONE },			{ "9.255.255.255", SPECIAL_NONE },
	{ "10.0.0.0", SPECIAL_PRIVATE },		{ "10.255.255.255", SPECIAL_PRIVATE },
	{ "11.0.0.0", SPECIAL_NONE },			{ "100.63.255.255", SPECIAL_NONE },
	{ "100.64.0.0", SPECIAL_SHARED },		{ "100.127.255.255", SPECIAL_SHARED },
	{ "100.128.0.0", SPECIAL_NONE },		{ "126.255.255.255", SPECIAL_NONE },
	{ "127.0.0.0", SPECIAL_LOOPBACK },		{ "127.255.255.255", SPECIAL_LOOPBACK },
	{ "128.0.0.0", SPECIAL_NONE },			{ "169.253.255.255", SPECIAL_NONE },
	{ "169.254.0.0", SPECIAL_LINK_LOCAL },		{ "169.254.255.255", SPECIAL_LINK_LOCAL },
	{ "169.255.0.0", SPECIAL_NONE },		{ "172.15.255.255", SPECIAL_NONE },
	{ "172.16.0.0", SPECIAL_PRIVATE },		{ "172.31.255.255", SPECIAL_PRIVATE },
	{ "172.32.0.0", SPECIAL_NONE },			{ "191.255.255.255", SPECIAL_NONE },
	{ "192.0.0.0", SPECIAL_PROTOCOL },		{ "192.0.0.255", SPECIAL_PROTOCOL },
	{ "192.0.1.0", SPECIAL_NONE },			{ "192.0.1.255", SPECIAL_NONE },
	{ "192.0.2.0", SPECIAL_DOCUMENTATION },		{ "192.0.2.255", SPECIAL_DOCUMENTATION },
	{ "192.0.3.0", SPECIAL_NONE },			{ "192.31.196.0", SPECIAL_PROTOCOL },
	{ "192.31.196.255", SPECIAL_PROTOCOL },		{ "192.52.193.0", SPECIAL_PROTOCOL },
	{ "192.88.99.255", SPECIAL_PROTOCOL },		{ "192.88.100.0", SPECIAL_NONE },
	{ "192.167.255.255", SPECIAL_NONE },		{ "192.168.0.0", SPECIAL_PRIVATE },
	{ "192.168.255.255", SPECIAL_PRIVATE },		{ "192.169.0.0", SPECIAL_NONE },
	{ "192.175.48.0", SPECIAL_PROTOCOL },		{ "198.17.255.255", SPECIAL_NONE },
	{ "198.18.0.0", SPECIAL_BENCHMARKING },		{ "198.19.255.255", SPECIAL_BENCHMARKING },
	{ "198.20.0.0", SPECIAL_NONE },			{ "198.51.99.255", SPECIAL_NONE },
	{ "198.51.100.0", SPECIAL_DOCUMENTATION },	{ "198.51.100.255", SPECIAL_DOCUMENTATION },
	{ "198.51.101.0", SPECIAL_NONE },		{ "203.0.112.255", SPECIAL_NONE },
	{ "203.0.113.0", SPECIAL_DOCUMENTATION },	{ "203.0.113.20", SPECIAL_DOCUMENTATION },
	{ "203.0.113.255", SPECIAL_DOCUMENTATION },	{ "203.0.114.0", SPECIAL_NONE },
	{ "223.255.255.255", SPECIAL_NONE },		{ "224.0.0.0", SPECIAL_MULTICAST },
	{ "224.0.0.251", SPECIAL_MULTICAST },		{ "239.255.255.250", SPECIAL_MULTICAST },
	{ "239.255.255.255", SPECIAL_MULTICAST },	{ "240.0.0.0", SPECIAL_RESERVED },
	{ "255.255.255.254", SPECIAL_RESERVED },	{ "255.255.255.255", SPECIAL_BROADCAST },
	{ "8.8.8.8", SPECIAL_NONE },			{ "1.1.1.1", SPECIAL_NONE },

	{ "::", SPECIAL_THIS_NETWORK },			{ "::1", SPECIAL_LOOPBACK },
	{ "::2", SPECIAL_NONE },			{ "::fffe:ffff:ffff", SPECIAL_NONE },
	{ "::ffff:0.0.0.0", SPECIAL_TRANSLATION },	{ "::ffff:255.255.255.255", SPECIAL_TRANSLATION },
	{ "64:ff9b::", SPECIAL_TRANSLATION },		{ "64:ff9b::ffff:ffff", SPECIAL_TRANSLATION },
	{ "64:ff9b::1:0:0", SPECIAL_NONE },		{ "64:ff9b:1::", SPECIAL_TRANSLATION },
	{ "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", SPECIAL_TRANSLATION },
	{ "64:ff9b:2::", SPECIAL_NONE },		{ "100::", SPECIAL_DISCARD },
	{ "100::ffff:ffff:ffff:ffff", SPECIAL_DISCARD },	{ "100:0:0:1::", SPECIAL_PROTOCOL },
	{ "100:0:0:2::", SPECIAL_NONE },		{ "2000::", SPECIAL_NONE },
	{ "2001::", SPECIAL_PROTOCOL },			{ "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL_PROTOCOL },
	{ "2001:200::", SPECIAL_NONE },			{ "2001:2::", SPECIAL_BENCHMARKING },
	{ "2001:2:0:ffff:ffff:ffff:ffff:ffff", SPECIAL_BENCHMARKING },
	{ "2001:2:1::", SPECIAL_PROTOCOL },		{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL_NONE },
	{ "2001:db8::", SPECIAL_DOCUMENTATION },	{ "2001:db8:1::21", SPECIAL_DOCUMENTATION },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL_DOCUMENTATION },
	{ "2001:db9::", SPECIAL_NONE },			{ "2001:4860:4860::8888", SPECIAL_NONE },
	{ "2002::", SPECIAL_PROTOCOL },			{ "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL_PROTOCOL },
	{ "2003::", SPECIAL_NONE },			{ "2620:4f:8000::", SPECIAL_PROTOCOL },
	{ "2620:4f:8001::", SPECIAL_NONE },		{ "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL_NONE },
	{ "3fff::", SPECIAL_DOCUMENTATION },		{ "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL_DOCUMENTATION },
	{ "3fff:1000::", SPECIAL_NONE },		{ "5f00::", SPECIAL_PROTOCOL },
	{ "5f01::", SPECIAL_NONE },			{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL_NONE },
	{ "fc00::", SPECIAL_UNIQUE_LOCAL },		{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL_UNIQUE_LOCAL },
	{ "fe00::", SPECIAL_NONE },			{ "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL_NONE },
	{ "fe80::", SPECIAL_LINK_LOCAL },		{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL_LINK_LOCAL },
	{ "fec0::", SPECIAL_NONE },			{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL_NONE },
	{ "ff00::", SPECIAL_MULTICAST },		{ "ff02::1:ff00:21", SPECIAL_MULTICAST },
	{ "ff02::16", SPECIAL_MULTICAST },		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL_MULTICAST },
};

TEST(registry_edges)
{
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		uint8_t ip[16] = { 0 };
		bool v4 = inet_pton(AF_INET, edges[i].ip, ip) == 1;
		enum special_kind got;

		ASSERT(v4 || inet_pton(AF_INET6, edges[i].ip, ip) == 1, "parse %s", edges[i].ip);
		got = special_kind_of(v4 ? IOTRIM_FAMILY_IPV4 : IOTRIM_FAMILY_IPV6, ip);
		EXPECT(got == edges[i].kind, "%s: %s, not %s", edges[i].ip,
		       got ? special_kind_name(got) : "ordinary",
		       edges[i].kind ? special_kind_name(edges[i].kind) : "ordinary");
	}
}

static char tmpdir[] = "/tmp/iotrim-special-test-XXXXXX";

/* A free database's registry rows for 203.0.113.0/24 and 2001:db8::/32 never apply. */
TEST(no_country_or_as_from_databases)
{
	struct geo_options o = { 0 };
	struct geo_info gi;
	struct geo *g;
	char csv4[256], csv6[256], ovr[256];
	uint8_t ip[16] = { 0 };
	FILE *f;

	snprintf(csv4, sizeof(csv4), "%s/asn-ipv4.csv", tmpdir);
	snprintf(csv6, sizeof(csv6), "%s/asn-ipv6.csv", tmpdir);
	snprintf(ovr, sizeof(ovr), "%s/overrides.conf", tmpdir);
	f = fopen(csv4, "w");
	fputs("8.8.8.0,8.8.8.255,15169,Google LLC\n10.0.0.0,10.255.255.255,64496,Private Row\n"
	      "203.0.113.0,203.0.113.255,4608,APNIC Doc\n", f);
	fclose(f);
	f = fopen(csv6, "w");
	fputs("2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,2497,JP Doc\n"
	      "ff00::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,64511,Multicast Row\n", f);
	fclose(f);
	f = fopen(ovr, "w");
	fputs("198.51.100.0/24 ZZ 64500 Testbed WAN\n", f);
	fclose(f);
	o.asn_files[0] = csv4;
	o.asn_files[1] = csv6;
	o.n_asn_files = 2;
	o.overrides = ovr;
	unsetenv("IOTRIM_GEOIP");	/* the installed country database, if any, is asked too */
	ASSERT(geo_open(&o, false, &g) == 0, "opens");
	memcpy(ip, (uint8_t[]){ 8, 8, 8, 8 }, 4);
	geo_lookup(g, IOTRIM_FAMILY_IPV4, ip, &gi);
	EXPECT(gi.asn == 15169, "an ordinary address keeps its AS (AS%u)", gi.asn);
	memcpy(ip, (uint8_t[]){ 203, 0, 113, 20 }, 4);
	geo_lookup(g, IOTRIM_FAMILY_IPV4, ip, &gi);
	EXPECT(!gi.asn && !gi.org[0] && !gi.country[0], "documentation: AS%u %s", gi.asn, gi.org);
	memcpy(ip, (uint8_t[]){ 10, 1, 2, 3 }, 4);
	geo_lookup(g, IOTRIM_FAMILY_IPV4, ip, &gi);
	EXPECT(!gi.asn && !gi.org[0], "private: AS%u", gi.asn);
	memcpy(ip, (uint8_t[]){ 198, 51, 100, 1 }, 4);
	geo_lookup(g, IOTRIM_FAMILY_IPV4, ip, &gi);
	EXPECT(gi.asn == 64500 && !strcmp(gi.country, "ZZ"), "an override still applies (%s AS%u)",
	       gi.country, gi.asn);
	inet_pton(AF_INET6, "2001:db8:100::10", ip);
	geo_lookup(g, IOTRIM_FAMILY_IPV6, ip, &gi);
	EXPECT(!gi.asn && !gi.country[0], "IPv6 documentation: AS%u", gi.asn);
	inet_pton(AF_INET6, "ff02::16", ip);
	geo_lookup(g, IOTRIM_FAMILY_IPV6, ip, &gi);
	EXPECT(!gi.asn && !gi.country[0], "IPv6 multicast: AS%u", gi.asn);
	geo_close(g);
}

TEST(local_traffic_and_its_reason)
{
	struct local_addr gw[2] = { { .family = IOTRIM_FAMILY_IPV4, .plen = 24 },
				    { .family = IOTRIM_FAMILY_IPV6, .plen = 64 } };
	struct local_nets n = { .items = gw, .len = 2 };
	static const struct { const char *device, *remote, *reason; } cases[] = {
		{ "192.0.2.21", "192.0.2.1", "gateway" },
		{ "192.0.2.21", "192.0.2.22", "LAN peer" },
		{ "192.0.2.21", "224.0.0.251", "multicast" },
		{ "192.0.2.21", "239.255.255.250", "multicast" },
		{ "192.0.2.21", "255.255.255.255", "broadcast" },
		{ "192.0.2.21", "169.254.7.7", "link-local" },
		{ "192.0.2.21", "203.0.113.10", NULL },
		{ "192.0.2.21", "192.0.3.1", NULL },
		{ "10.9.9.9", "192.0.2.22", NULL },	/* not the device's subnet */
		{ "2001:db8:1::21", "2001:db8:1::1", "gateway" },
		{ "2001:db8:1::21", "2001:db8:1::22", "LAN peer" },
		{ "2001:db8:1::21", "ff02::16", "multicast" },
		{ "2001:db8:1::21", "ff02::1:ff00:1", "multicast" },
		{ "2001:db8:1::21", "fe80::1", "link-local" },
		{ "2001:db8:1::21", "2001:db8:100::10", NULL },
	};

	inet_pton(AF_INET, "192.0.2.1", gw[0].ip);
	inet_pton(AF_INET6, "2001:db8:1::1", gw[1].ip);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t dev[16] = { 0 }, rem[16] = { 0 };
		bool v4 = inet_pton(AF_INET, cases[i].remote, rem) == 1;
		const char *why;

		if (!v4)
			inet_pton(AF_INET6, cases[i].remote, rem);
		inet_pton(v4 ? AF_INET : AF_INET6, cases[i].device, dev);
		why = local_reason(&n, v4 ? IOTRIM_FAMILY_IPV4 : IOTRIM_FAMILY_IPV6, dev, rem);
		EXPECT(cases[i].reason ? why && !strcmp(why, cases[i].reason) : !why,
		       "%s -> %s: %s", cases[i].device, cases[i].remote, why ? why : "remote");
	}
	{
		uint8_t dev[16] = { 0 }, rem[16] = { 0 };

		inet_pton(AF_INET, "192.0.2.21", dev);
		inet_pton(AF_INET, "224.0.0.251", rem);
		EXPECT(local_reason(NULL, IOTRIM_FAMILY_IPV4, dev, rem) != NULL,
		       "multicast is local without the interfaces");
	}
}

int main(void)
{
	int rc;
	char cmd[300];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(every_block_at_its_edges);
	RUN(registry_edges);
	RUN(no_country_or_as_from_databases);
	RUN(local_traffic_and_its_reason);
	rc = harness_done();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return rc;
}
