// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Enforcement's rule layer without the kernel: protocol names have one
 * meaning, name rules cover subdomains, and a rule is a duplicate however
 * its protocol was spelt (the command line, a blocklist, the experiment
 * engine's flows).  No maps are pinned, so rules go to the database only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dnsname.h"
#include "common/proto.h"
#include "enforce/block.h"
#include "history/db.h"
#include "harness.h"

static char dir[] = "/tmp/iotrim-enforce-test-XXXXXX";
static sqlite3 *db;

TEST(proto_names_round_trip)
{
	static const char *const names[] = { "tcp", "udp", "icmp", "icmpv6" };
	char out[PROTO_STRLEN];
	uint8_t p;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		EXPECT(proto_parse(names[i], &p), "%s parses", names[i]);
		format_proto(p, out);
		EXPECT(!strcmp(out, names[i]), "%s formats back as %s", names[i], out);
	}
	EXPECT(proto_parse("icmpv6", &p) && p == IPPROTO_ICMPV6, "icmpv6 is 58, got %u", p);
	EXPECT(proto_parse("any", &p) && p == 0, "any is 0");
	EXPECT(!proto_parse("gre", &p) && !proto_parse("6", &p) && !proto_parse("", &p),
	       "unknown names refused");
}

TEST(name_covers_itself_and_subdomains)
{
	EXPECT(dns_name_covers("ntp.org", "ntp.org"), "itself");
	EXPECT(dns_name_covers("ntp.org", "0.pool.NTP.org"), "a subdomain, any case");
	EXPECT(dns_name_covers("NTP.org", "pool.ntp.ORG"), "rule in upper case");
	EXPECT(!dns_name_covers("ntp.org", "myntp.org"), "not a longer label");
	EXPECT(!dns_name_covers("pool.ntp.org", "ntp.org"), "not a parent");
	EXPECT(!dns_name_covers("ntp.org", ""), "not an empty name");
	EXPECT(!dns_name_covers("", ""), "an empty rule covers nothing");
}

/* Adds TARGET for one device with protocol proto; block_add's result. */
static int add(const char *target, uint8_t proto, int64_t *id)
{
	struct block_add_opts o = { 0 };
	struct block_rule r = { .action = IOTRIM_DENY_DROP };
	char err[256];
	int rc;

	memcpy(r.mac, (uint8_t[]){ 2, 0, 0, 0, 0, 0x21 }, 6);
	if (!block_parse_target(target, &r, err, sizeof(err)))
		return -EINVAL;
	r.proto = proto;
	rc = block_add(db, &r, &o);
	if (id)
		*id = r.id;
	return rc;
}

static uint8_t parsed(const char *name)
{
	uint8_t p = 0xff;

	proto_parse(name, &p);
	return p;
}

TEST(duplicate_whatever_the_protocol_spelling)
{
	struct block_list l;
	struct block_hits *hits;
	int64_t id = 0;

	/* `block add --proto icmp 2001:db8::5` ... */
	ASSERT(add("2001:db8::5", parsed("icmp"), &id) == 0, "first rule added");
	/* ... is the rule the experiment engine asks for from an ICMPv6 flow, */
	EXPECT(add("2001:db8::5", IPPROTO_ICMPV6, NULL) == -EEXIST, "ICMPv6 flow: duplicate");
	/* from a blocklist line "ip 2001:db8::5 icmpv6", and the same for IPv4. */
	EXPECT(add("2001:db8::5", parsed("icmpv6"), NULL) == -EEXIST, "icmpv6: duplicate");
	ASSERT(add("203.0.113.5", parsed("icmpv6"), NULL) == 0, "IPv4 rule added");
	EXPECT(add("203.0.113.5", parsed("icmp"), NULL) == -EEXIST, "icmp: duplicate");
	EXPECT(add("203.0.113.5", IPPROTO_TCP, NULL) == 0, "another protocol is another rule");

	ASSERT(block_read(db, &l, &hits) == 0, "read back");
	EXPECT(l.len == 3, "3 rules, got %zu", l.len);
	for (size_t i = 0; i < l.len; i++)
		EXPECT(l.items[i].proto != IPPROTO_ICMPV6, "rule %lld stored as ICMP",
		       (long long)l.items[i].id);
	free(hits);
	block_list_free(&l);
	EXPECT(block_del(db, id) == 0, "del");
	EXPECT(block_del(db, id) == -ENOENT, "del again: no such rule");
}

int main(void)
{
	char path[128];

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/nopins", dir);
	setenv("IOTRIM_PIN_DIR", path, 1);	/* nothing pinned there */
	snprintf(path, sizeof(path), "%s/iotrim.db", dir);
	setenv("IOTRIM_DB", path, 1);
	RUN(proto_names_round_trip);
	RUN(name_covers_itself_and_subdomains);
	if (db_open(path, &db) == 0) {
		RUN(duplicate_whatever_the_protocol_spelling);
		db_close(db);
	} else {
		SKIP(duplicate_whatever_the_protocol_spelling, "cannot open a database");
	}
	unlink(path);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return harness_done();
}
