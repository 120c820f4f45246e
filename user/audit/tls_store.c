// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The audit verdicts in SQLite (audit/tls_store.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit/tls_store.h"
#include "common/log.h"

static int sql_error(sqlite3 *db, const char *what)
{
	pr_error("%s: %s", what, sqlite3_errmsg(db));
	return -EIO;
}

int tls_audit_store(sqlite3 *db, const char *mac, int64_t started_ms, int64_t ended_ms,
		    const struct tls_dest_list *l)
{
	static const char sql[] =
		"INSERT INTO tls_audit (device_mac, name, port, verdict, app_bytes, connections,"
		" started_ms, ended_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st;
	int err = 0;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return sql_error(db, "storing the TLS audit");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		err = sql_error(db, "storing the TLS audit");
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return err;
	}
	for (size_t i = 0; i < l->len && !err; i++) {
		const struct tls_dest *d = &l->items[i];

		sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, d->port);
		sqlite3_bind_text(st, 4, tls_verdict_name(d->verdict), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)d->app_bytes);
		sqlite3_bind_int64(st, 6, d->connections);
		sqlite3_bind_int64(st, 7, started_ms);
		sqlite3_bind_int64(st, 8, ended_ms);
		if (sqlite3_step(st) != SQLITE_DONE)
			err = sql_error(db, "storing the TLS audit");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (sqlite3_exec(db, err ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) != SQLITE_OK && !err)
		err = sql_error(db, "storing the TLS audit");
	return err;
}

int tls_audit_known(sqlite3 *db, const char *mac, const uint16_t *ports, size_t nports,
		    struct tls_dest_list *l)
{
	static const char sql[] =
		"SELECT DISTINCT name, remote_port FROM flow_history"
		" WHERE device_mac = ? AND proto = 6 AND remote_port = ? AND name != ''"
		" ORDER BY name";
	sqlite3_stmt *st;
	int err = 0, rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sql_error(db, "reading the device's TLS destinations");
	for (size_t i = 0; i < nports && !err; i++) {
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, ports[i]);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *name = (const char *)sqlite3_column_text(st, 0);

			if (name && !tls_dest_get(l, name, (uint16_t)sqlite3_column_int(st, 1))) {
				err = -ENOMEM;
				break;
			}
		}
		if (rc != SQLITE_DONE && !err)
			err = sql_error(db, "reading the device's TLS destinations");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return err;
}

int tls_audit_latest(sqlite3 *db, const char *mac,
		     void (*fn)(void *arg, const struct tls_audit_row *row), void *arg)
{
	/* The row of the latest run per destination (ties: the last inserted). */
	static const char sql[] =
		"SELECT device_mac, name, port, verdict, app_bytes, connections, ended_ms"
		" FROM tls_audit t WHERE (?1 IS NULL OR device_mac = ?1) AND id = ("
		"  SELECT id FROM tls_audit u WHERE u.device_mac = t.device_mac AND u.name = t.name"
		"  AND u.port = t.port ORDER BY ended_ms DESC, id DESC LIMIT 1)"
		" ORDER BY device_mac, name, port";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sql_error(db, "reading the TLS audit");
	if (mac)
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tls_audit_row r = { 0 };
		const char *m = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *verdict = (const char *)sqlite3_column_text(st, 3);
		int v = verdict ? tls_verdict_parse(verdict) : -1;

		snprintf(r.mac, sizeof(r.mac), "%s", m ? m : "");
		snprintf(r.dest.name, sizeof(r.dest.name), "%s", name ? name : "");
		r.dest.port = (uint16_t)sqlite3_column_int(st, 2);
		r.dest.verdict = v < 0 ? TLS_VERDICT_NOT_SEEN : (enum tls_verdict)v;
		r.dest.app_bytes = (uint64_t)sqlite3_column_int64(st, 4);
		r.dest.connections = (unsigned)sqlite3_column_int64(st, 5);
		r.ended_ms = sqlite3_column_int64(st, 6);
		fn(arg, &r);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sql_error(db, "reading the TLS audit");
}
