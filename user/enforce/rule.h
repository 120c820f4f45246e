/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A block rule: what it denies (an address, a prefix or a DNS name and its
 * subdomains), to whom (one device or all), for which protocol and port,
 * how (drop or reject) and until when.  Parsing targets, naming the parts,
 * and deciding when two rules are the same live here; the rest of enforce/
 * (store, deny_maps, bind, block) works on these types.
 */
#ifndef IOTRIM_ENFORCE_RULE_H
#define IOTRIM_ENFORCE_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/proto.h"
#include "iotrim.h"

enum block_kind {
	BLOCK_IP = 1,		/* one address (a /32 or /128 prefix is one) */
	BLOCK_PREFIX,
	BLOCK_NAME,		/* a DNS name and its subdomains */
};

#define BLOCK_TARGET_MAX 256	/* a 253-character name, or an address/len */
#define BLOCK_REASON_MAX 1024
#define BLOCK_OWNER_MAX 128
#define BLOCK_MAX_LEASE (10ULL * 365 * 86400)	/* seconds */

struct block_rule {
	int64_t id;			/* 0 until added */
	bool all_devices;
	uint8_t mac[6];			/* when !all_devices */
	enum block_kind kind;
	char target[BLOCK_TARGET_MAX];	/* canonical: 203.0.113.0/24, 2001:db8::1, ntp.org */
	uint8_t family;			/* IP and prefix rules: enum iotrim_family */
	uint8_t prefix_len;
	uint8_t addr[16];
	uint8_t proto;			/* 0 any, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP (see rule_normalise) */
	uint16_t port;			/* 0 any */
	uint8_t action;			/* enum iotrim_deny_action */
	int64_t created_ms;		/* Unix milliseconds */
	int64_t expires_ms;		/* 0: no lease */
	int64_t parent_id;		/* an IP rule a name rule brought in; 0 if none */
	char reason[BLOCK_REASON_MAX];	/* bound rule: why; name rule: what it left alone */
	char owner[BLOCK_OWNER_MAX];	/* "" for the command line */
};

struct block_list {
	struct block_rule *items;
	size_t len;
};

/* What a rule blocked so far: packets and layer-3 bytes (name rules: DNS answers). */
struct block_hits {
	uint64_t packets;
	uint64_t bytes;
};

/*
 * Parses TARGET into r (kind, target, family, addr, prefix_len).  Returns
 * true, or false with a message in err.
 */
bool block_parse_target(const char *text, struct block_rule *r, char *err, size_t errlen);
/*
 * The two halves of block_parse_target() for callers that know the kind: a
 * DNS name seen on the wire ("0.0.0.0/0" is a valid label sequence to a
 * resolver) must never become an address or prefix rule.
 */
bool block_parse_name(const char *text, struct block_rule *r, char *err, size_t errlen);
bool block_parse_address(const char *text, struct block_rule *r, char *err, size_t errlen);
const char *block_action_name(uint8_t action);
/* The rule's protocol as `block list` shows it: "any", "tcp", "udp", ... */
void block_proto_text(const struct block_rule *r, char out[PROTO_STRLEN]);
/* "drop" or "reject" into *action; false for anything else. */
bool block_action_parse(const char *name, uint8_t *action);
/* NULL if r's target, protocol and port go together, else why not. */
const char *block_scope_error(const struct block_rule *r);
const char *block_kind_name(enum block_kind kind);
/* The kind block_kind_name() named. */
enum block_kind block_kind_from_name(const char *name);
/* One line for the user: "203.0.113.0/24 icmp for all devices (reject), lease ends in 5s". */
void block_describe(const struct block_rule *r, char *out, size_t len);

/*
 * A rule's protocol in its one stored form: ICMP means the ICMP of the
 * rule's address family (the deny map gets ICMPv6 for IPv6), so ICMPv6 is
 * stored as ICMP however it was spelt.
 */
void rule_normalise(struct block_rule *r);
/* Same device (or all), target, protocol and port: a duplicate. */
bool rule_same(const struct block_rule *a, const struct block_rule *b);
bool rule_expired(const struct block_rule *r, int64_t now_ms);

/* Appends a copy of r: 0 or -ENOMEM. */
int block_list_push(struct block_list *l, const struct block_rule *r);
void block_list_free(struct block_list *l);

#endif
