// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The block_rules table (schema in history/db_schema.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/fmt.h"
#include "common/log.h"
#include "enforce/store.h"
#include "history/db.h"
#include "iotrim.h"

#define RULE_COLUMNS \
	"id, device_mac, kind, target, family, prefix_len, addr, proto, port, action," \
	" created_ms, expires_ms, parent_id, reason, owner"

static int db_error(sqlite3 *db)
{
	warn("database: %s", sqlite3_errmsg(db));
	return -EIO;
}

/* The device_mac column: the MAC, or "" for all devices. */
static void device_text(const struct block_rule *r, char out[MAC_STRLEN])
{
	if (r->all_devices)
		out[0] = '\0';
	else
		format_mac(r->mac, out);
}

/* Prepares sql; NULL after a warning. */
static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_error(db);
		return NULL;
	}
	return st;
}

/* ---- transactions ------------------------------------------------------------ */

int store_begin(sqlite3 *db)
{
	return db_exec(db, "BEGIN IMMEDIATE") ? -EIO : 0;
}

int store_commit(sqlite3 *db)
{
	if (db_exec(db, "COMMIT")) {
		db_exec(db, "ROLLBACK");
		return -EIO;
	}
	return 0;
}

void store_rollback(sqlite3 *db)
{
	db_exec(db, "ROLLBACK");
}

/* ---- reading ------------------------------------------------------------------- */

static void rule_from_row(sqlite3_stmt *st, struct block_rule *r)
{
	const char *mac = (const char *)sqlite3_column_text(st, 1);
	const void *addr = sqlite3_column_blob(st, 6);

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->all_devices = !mac || !*mac || !parse_mac(mac, r->mac);
	r->kind = block_kind_from_name((const char *)sqlite3_column_text(st, 2));
	snprintf(r->target, sizeof(r->target), "%s", (const char *)sqlite3_column_text(st, 3));
	r->family = sqlite3_column_int(st, 4);
	r->prefix_len = sqlite3_column_int(st, 5);
	if (addr && sqlite3_column_bytes(st, 6) == 16)
		memcpy(r->addr, addr, 16);
	r->proto = sqlite3_column_int(st, 7);
	r->port = sqlite3_column_int(st, 8);
	r->action = !strcmp((const char *)sqlite3_column_text(st, 9), "reject") ?
			    IOTRIM_DENY_REJECT : IOTRIM_DENY_DROP;
	r->created_ms = sqlite3_column_int64(st, 10);
	r->expires_ms = sqlite3_column_type(st, 11) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 11);
	r->parent_id = sqlite3_column_type(st, 12) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 12);
	snprintf(r->reason, sizeof(r->reason), "%s", (const char *)sqlite3_column_text(st, 13));
	snprintf(r->owner, sizeof(r->owner), "%s", (const char *)sqlite3_column_text(st, 14));
}

/* A SELECT of every column WHERE ..., in id order; NULL after a warning. */
static sqlite3_stmt *select_where(sqlite3 *db, const char *where)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT " RULE_COLUMNS " FROM block_rules %s ORDER BY id", where);
	return prepare(db, sql);
}

/* Steps a bound select_where() statement, appending its rows; finalizes it. */
static int collect(sqlite3 *db, sqlite3_stmt *st, struct block_list *out)
{
	struct block_rule r;
	int rc, err = 0;

	if (!st)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rule_from_row(st, &r);
		if ((err = block_list_push(out, &r)))
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = db_error(db);
	sqlite3_finalize(st);
	return err;
}

int store_all(sqlite3 *db, struct block_list *out)
{
	return collect(db, select_where(db, ""), out);
}

int store_expired(sqlite3 *db, int64_t now_ms, struct block_list *out)
{
	sqlite3_stmt *st = select_where(db, "WHERE expires_ms IS NOT NULL AND expires_ms <= ?");

	if (st)
		sqlite3_bind_int64(st, 1, now_ms);
	return collect(db, st, out);
}

int store_family(sqlite3 *db, int64_t id, struct block_list *out)
{
	sqlite3_stmt *st = select_where(db, "WHERE id = ?1 OR parent_id = ?1");

	if (st)
		sqlite3_bind_int64(st, 1, id);
	return collect(db, st, out);
}

int store_of_owner(sqlite3 *db, const char *owner, bool top_only, struct block_list *out)
{
	sqlite3_stmt *st = select_where(db, top_only ? "WHERE owner = ? AND parent_id IS NULL" :
						       "WHERE owner = ?");

	if (st)
		sqlite3_bind_text(st, 1, owner, -1, SQLITE_TRANSIENT);
	return collect(db, st, out);
}

int store_same_target(sqlite3 *db, const struct block_rule *r, struct block_list *out)
{
	sqlite3_stmt *st = select_where(db, "WHERE device_mac = ? AND target = ?");
	char mac[MAC_STRLEN];

	device_text(r, mac);
	if (st) {
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, r->target, -1, SQLITE_TRANSIENT);
	}
	return collect(db, st, out);
}

int store_same_prefix(sqlite3 *db, const struct block_rule *r, struct block_list *out)
{
	sqlite3_stmt *st = select_where(db, "WHERE kind != 'name' AND device_mac = ? AND family = ?"
					    " AND prefix_len = ? AND addr = ?");
	char mac[MAC_STRLEN];

	device_text(r, mac);
	if (st) {
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, r->family);
		sqlite3_bind_int(st, 3, r->prefix_len);
		sqlite3_bind_blob(st, 4, r->addr, 16, SQLITE_TRANSIENT);
	}
	return collect(db, st, out);
}

int store_name_rules(sqlite3 *db, int64_t now_ms, struct block_list *out)
{
	sqlite3_stmt *st = select_where(db, "WHERE kind = 'name'"
					    " AND (expires_ms IS NULL OR expires_ms > ?)");

	if (st)
		sqlite3_bind_int64(st, 1, now_ms);
	return collect(db, st, out);
}

/* ---- writing ------------------------------------------------------------------- */

int store_insert(sqlite3 *db, struct block_rule *r)
{
	sqlite3_stmt *st;
	char mac[MAC_STRLEN];
	int rc;

	device_text(r, mac);
	st = prepare(db, "INSERT INTO block_rules (device_mac, kind, target, family, prefix_len,"
			 " addr, proto, port, action, created_ms, expires_ms, parent_id, reason,"
			 " owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, block_kind_name(r->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->target, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, r->family);
	sqlite3_bind_int(st, 5, r->prefix_len);
	if (r->kind == BLOCK_NAME)
		sqlite3_bind_null(st, 6);
	else
		sqlite3_bind_blob(st, 6, r->addr, 16, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, r->proto);
	sqlite3_bind_int(st, 8, r->port);
	sqlite3_bind_text(st, 9, block_action_name(r->action), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, r->created_ms);
	if (r->expires_ms)
		sqlite3_bind_int64(st, 11, r->expires_ms);
	else
		sqlite3_bind_null(st, 11);
	if (r->parent_id)
		sqlite3_bind_int64(st, 12, r->parent_id);
	else
		sqlite3_bind_null(st, 12);
	sqlite3_bind_text(st, 13, r->reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 14, r->owner, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(db);
	r->id = sqlite3_last_insert_rowid(db);
	return 0;
}

/* Steps a bound statement that returns no rows, and finalizes it. */
static int step_once(sqlite3 *db, sqlite3_stmt *st)
{
	int rc;

	if (!st)
		return -EIO;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(db);
}

int store_set_reason(sqlite3 *db, int64_t id, const char *reason)
{
	sqlite3_stmt *st = prepare(db, "UPDATE block_rules SET reason = ? WHERE id = ?");

	if (st) {
		sqlite3_bind_text(st, 1, reason, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, id);
	}
	return step_once(db, st);
}

int store_set_expiry(sqlite3 *db, int64_t id, int64_t expires_ms)
{
	sqlite3_stmt *st = prepare(db, "UPDATE block_rules SET expires_ms = ?1"
				       " WHERE id = ?2 OR parent_id = ?2");

	if (st) {
		sqlite3_bind_int64(st, 1, expires_ms);
		sqlite3_bind_int64(st, 2, id);
	}
	return step_once(db, st);
}

int store_delete(sqlite3 *db, const struct block_list *l)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;

	if (!(st = prepare(db, "DELETE FROM block_rules WHERE id = ?")))
		return -EIO;
	for (size_t i = 0; i < l->len && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(st, 1, l->items[i].id);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(db);
}

bool store_device_seen(sqlite3 *db, const uint8_t mac[6])
{
	static const char *const queries[] = {
		"SELECT 1 FROM devices WHERE mac = ?",
		"SELECT 1 FROM dns_names WHERE device_mac = ? LIMIT 1",
		"SELECT 1 FROM flow_totals WHERE device_mac = ? LIMIT 1",
	};
	char text[MAC_STRLEN];

	format_mac(mac, text);
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		sqlite3_stmt *st;
		bool found;

		if (sqlite3_prepare_v2(db, queries[i], -1, &st, NULL) != SQLITE_OK)
			continue;	/* a table another build of iotrim lacks */
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		if (found)
			return true;
	}
	return false;
}
