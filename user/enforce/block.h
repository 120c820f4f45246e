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
 *
 * Functions return 0 (or a count) or -errno after explaining the failure
 * with common/log.h: -EINVAL bad input, -EEXIST a duplicate, -ENOENT no
 * such rule (or, from block_sync, no pinned maps), -EIO anything else.
 */
#ifndef IOTRIM_BLOCK_H
#define IOTRIM_BLOCK_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "enforce/rule.h"

/* What block_add() did besides adding the rule, for the caller to tell. */
struct block_add_report {
	struct block_list bound;		/* IP rules a name rule brought in */
	char left_alone[BLOCK_REASON_MAX];	/* what binding left alone, "; "-separated */
	bool maps_absent;			/* not attached: applies from the next attach */
};

/* What block_add() does besides adding the rule. */
struct block_add_opts {
	bool check_device;	/* warn if the device is unknown (pinned map and database) */
	bool bind_names;	/* name rules bring in IP rules for resolved addresses */
	struct block_add_report *report;	/* filled on success if set; free with block_add_report_free */
};

/*
 * Adds r (id, created_ms, parent_id filled in; its protocol normalised,
 * see rule_normalise) and, for a name rule with bind_names, the IP rules it
 * brings in.  -EINVAL: too many rules for one prefix;
 * -EEXIST: the same rule exists.
 */
int block_add(sqlite3 *db, struct block_rule *r, const struct block_add_opts *o);
void block_add_report_free(struct block_add_report *rep);
/* Removes a rule and the rules it brought in.  -ENOENT if there is none. */
int block_del(sqlite3 *db, int64_t id);
/* Moves the lease end of a rule (and its bound rules) to now + lease_s.  -ENOENT: none. */
int block_renew(sqlite3 *db, int64_t id, unsigned lease_s);
/* Removes every rule of owner; returns how many (not counting bound rules). */
int block_del_owner(sqlite3 *db, const char *owner);
/* Rules of owner still in force. */
int block_count_owner(sqlite3 *db, const char *owner);

/* Removes rules whose lease has ended, from the database and the maps. */
int block_expire(sqlite3 *db);
/* Every rule in force, sorted by id, with its hits (*hits: one per rule, free()d by the caller). */
int block_read(sqlite3 *db, struct block_list *out, struct block_hits **hits);

/*
 * Makes the pinned maps hold exactly the database's rules (after removing
 * expired ones); hit counters of rules that stay are kept.  -ENOENT if the
 * maps are not pinned.
 */
int block_sync(sqlite3 *db);
/*
 * After an attach: re-applies the stored rules if the database exists.
 * 0 also when the database cannot be opened (warned here: counting goes
 * on), else block_sync()'s error.
 */
int block_apply_stored(void);

#endif
