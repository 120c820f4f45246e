/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Block rules (enforcement): the database is the durable copy, the pinned
 * deny_ip / deny_names / deny_hits maps are what the programs enforce.
 * Every change is written to the maps directly (no controller needs to
 * run) while the database transaction that records it is open, so two
 * concurrent writers cannot leave the maps behind the database.
 *
 * Besides `iotrim block`, the experiment engine uses this API: rules may
 * carry an owner tag, and can be renewed, counted and removed by owner.
 */
#ifndef IOTRIM_BLOCK_H
#define IOTRIM_BLOCK_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

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
	uint8_t proto;			/* 0 any, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
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

/*
 * Parses TARGET into r (kind, target, family, addr, prefix_len).  Returns
 * true, or false with a message in err.
 */
bool block_parse_target(const char *text, struct block_rule *r, char *err, size_t errlen);
/* "tcp", "udp", "icmp", "any" -> IPPROTO_* (0 for any); false if none. */
bool block_parse_proto(const char *text, uint8_t *proto);
const char *block_action_name(uint8_t action);
const char *block_kind_name(enum block_kind kind);

/* What block_add() does besides adding the rule. */
struct block_add_opts {
	bool check_device;	/* the device must be known (pinned map or database) */
	bool bind_names;	/* name rules bring in IP rules for resolved addresses */
	FILE *report;		/* where to say what was bound and left alone; NULL: quiet */
};

/*
 * Adds r (id, created_ms, parent_id filled in) and, for a name rule with
 * bind_names, the IP rules it brings in.  Returns an enum exit_code after
 * printing the reason: EXIT_USAGE (unknown device, too many rules for one
 * prefix), EXIT_CONFLICT (the same rule exists; *existing is its id).
 */
int block_add(sqlite3 *db, struct block_rule *r, const struct block_add_opts *o,
	      int64_t *existing);
/* Removes a rule and the rules it brought in.  EXIT_USAGE if there is none. */
int block_del(sqlite3 *db, int64_t id);
/* Moves the lease end of a rule (and its bound rules) to now + lease_s. */
int block_renew(sqlite3 *db, int64_t id, unsigned lease_s);
/* Removes every rule of owner; returns how many, or -1. */
int block_del_owner(sqlite3 *db, const char *owner);
/* Rules of owner still in force; -1 on error. */
int block_count_owner(sqlite3 *db, const char *owner);

/* Removes rules whose lease has ended, from the database and the maps. */
int block_expire(sqlite3 *db);
/* Every rule in force, sorted by id, with its hits (packets, bytes). */
struct block_hits {
	uint64_t packets;
	uint64_t bytes;
};
int block_read(sqlite3 *db, struct block_list *out, struct block_hits **hits);
void block_list_free(struct block_list *l);

/*
 * Makes the pinned maps hold exactly the database's rules (after removing
 * expired ones); hit counters of rules that stay are kept.  Returns an
 * enum exit_code; EXIT_NOT_ATTACHED if the maps are not pinned.
 */
int block_sync(sqlite3 *db);
/*
 * For `iotrim attach`: re-applies the stored rules if the database exists.
 * Prints a warning and returns 0 on any failure (counting goes on).
 */
int block_apply_stored(void);

/* Unix time in milliseconds; CLOCK_BOOTTIME nanoseconds of a Unix ms time. */

#endif
