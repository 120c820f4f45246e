/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The block_rules table: the durable copy of every rule.  Functions that
 * fill a block_list append rows in id order.  All return 0 or -errno
 * (-EIO for a database error, explained with a warning).
 */
#ifndef IOTRIM_ENFORCE_STORE_H
#define IOTRIM_ENFORCE_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "enforce/rule.h"

/* BEGIN IMMEDIATE: one writer at a time, so the maps follow the database. */
int store_begin(sqlite3 *db);
/* COMMIT, or ROLLBACK if that fails. */
int store_commit(sqlite3 *db);
void store_rollback(sqlite3 *db);

int store_all(sqlite3 *db, struct block_list *out);
/* Rules whose lease ended by now_ms. */
int store_expired(sqlite3 *db, int64_t now_ms, struct block_list *out);
/* A rule and the rules it brought in. */
int store_family(sqlite3 *db, int64_t id, struct block_list *out);
/* Rules of owner; with top_only, not those a name rule brought in. */
int store_of_owner(sqlite3 *db, const char *owner, bool top_only, struct block_list *out);
/* Rules with r's device (or all) and target, any protocol and port. */
int store_same_target(sqlite3 *db, const struct block_rule *r, struct block_list *out);
/* IP and prefix rules with r's device (or all) and exact prefix. */
int store_same_prefix(sqlite3 *db, const struct block_rule *r, struct block_list *out);
/* Name rules in force at now_ms (device or all, name). */
int store_name_rules(sqlite3 *db, int64_t now_ms, struct block_list *out);

/* Inserts r and sets r->id. */
int store_insert(sqlite3 *db, struct block_rule *r);
int store_set_reason(sqlite3 *db, int64_t id, const char *reason);
/* Moves the lease end of a rule and of the rules it brought in. */
int store_set_expiry(sqlite3 *db, int64_t id, int64_t expires_ms);
/* Deletes the rows of the rules in l. */
int store_delete(sqlite3 *db, const struct block_list *l);

/* Does the history (devices, dns_names, flow_history) know the device? */
bool store_device_seen(sqlite3 *db, const uint8_t mac[6]);

#endif
