// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The plaintext audit in SQLite: see plaintext_store.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "audit/plaintext_store.h"
#include "common/log.h"

static int db_error(sqlite3 *db)
{
	warn("database: %s", sqlite3_errmsg(db));
	return -EIO;
}

/* Prepares sql or says why; NULL on failure. */
static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_error(db);
		return NULL;
	}
	return st;
}

/* Steps a statement without rows and finalizes it. */
static int run(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(db);
}

static int read_key(sqlite3 *db, uint8_t key[PLAIN_KEY_BYTES])
{
	sqlite3_stmt *st = prepare(db, "SELECT key FROM plaintext_key WHERE id = 1");
	int err = -ENOENT;

	if (!st)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == PLAIN_KEY_BYTES) {
		memcpy(key, sqlite3_column_blob(st, 0), PLAIN_KEY_BYTES);
		err = 0;
	}
	sqlite3_finalize(st);
	return err;
}

int plain_key_get(sqlite3 *db, uint8_t key[PLAIN_KEY_BYTES])
{
	uint8_t fresh[PLAIN_KEY_BYTES];
	sqlite3_stmt *st;
	int err = read_key(db, key);

	if (err != -ENOENT)
		return err;
	if (getrandom(fresh, sizeof(fresh), 0) != (ssize_t)sizeof(fresh))
		return -errno;
	/* Two processes may race here: the first key stays, both read it back. */
	st = prepare(db, "INSERT OR IGNORE INTO plaintext_key VALUES (1, ?1)");
	if (!st)
		return -EIO;
	sqlite3_bind_blob(st, 1, fresh, sizeof(fresh), SQLITE_STATIC);
	if ((err = run(db, st)))
		return err;
	return read_key(db, key);
}

void plain_audit_row_free(struct plain_audit_row *r)
{
	free(r->serial);
	free(r->strings);
	r->serial = r->strings = NULL;
}

int plain_audit_begin(sqlite3 *db, const struct plain_audit_row *r, int64_t *id)
{
	sqlite3_stmt *st = prepare(db,
		"INSERT INTO plaintext_audits (device_mac, started_ms, expires_ms, serial, strings)"
		" VALUES (?1, ?2, ?3, ?4, ?5)");
	int err;

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, r->device_mac, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->started_ms);
	sqlite3_bind_int64(st, 3, r->expires_ms);
	sqlite3_bind_text(st, 4, r->serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->strings, -1, SQLITE_STATIC);
	if ((err = run(db, st)))
		return err;
	*id = sqlite3_last_insert_rowid(db);
	return 0;
}

/*
 * Runs a statement that wipes strings so that they are gone from the file:
 * secure_delete overwrites the old cell's bytes, and a truncating
 * checkpoint drops the WAL frames that still hold them (best effort: a
 * reader in another process can keep frames until it finishes).
 */
static int run_wipe(sqlite3 *db, sqlite3_stmt *st)
{
	int err;

	sqlite3_exec(db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
	err = run(db, st);
	sqlite3_exec(db, "PRAGMA secure_delete = OFF", NULL, NULL, NULL);
	if (!err && sqlite3_changes(db))
		sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return err;
}

int plain_audit_end(sqlite3 *db, int64_t id, int64_t now_ms)
{
	sqlite3_stmt *st = prepare(db,
		"UPDATE plaintext_audits SET expires_ms = min(expires_ms, ?2), serial = NULL,"
		" strings = NULL WHERE id = ?1");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now_ms);
	return run_wipe(db, st);
}

int plain_audit_wipe_expired(sqlite3 *db, int64_t now_ms)
{
	sqlite3_stmt *st = prepare(db,
		"UPDATE plaintext_audits SET serial = NULL, strings = NULL"
		" WHERE expires_ms < ?1 AND (serial IS NOT NULL OR strings IS NOT NULL)");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now_ms);
	return run_wipe(db, st);
}

static char *column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? strdup((const char *)t) : NULL;
}

int plain_audit_active(sqlite3 *db, const char *device_mac, int64_t at_ms,
		       struct plain_audit_row *out)
{
	sqlite3_stmt *st = prepare(db,
		"SELECT id, started_ms, expires_ms, serial, strings FROM plaintext_audits"
		" WHERE device_mac = ?1 AND started_ms <= ?2 AND expires_ms >= ?2"
		" ORDER BY id DESC LIMIT 1");
	int err = -ENOENT;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, device_mac, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, at_ms);
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		snprintf(out->device_mac, sizeof(out->device_mac), "%s", device_mac);
		out->started_ms = sqlite3_column_int64(st, 1);
		out->expires_ms = sqlite3_column_int64(st, 2);
		out->serial = column_dup(st, 3);
		out->strings = column_dup(st, 4);
		err = 0;
	}
	sqlite3_finalize(st);
	return err;
}

int plain_audit_sampled(sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st = prepare(db, "UPDATE plaintext_audits SET samples = samples + 1 WHERE id = ?1");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	return run(db, st);
}

int plain_audit_samples(sqlite3 *db, int64_t id, uint64_t *n)
{
	sqlite3_stmt *st = prepare(db, "SELECT samples FROM plaintext_audits WHERE id = ?1");
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : db_error(db);
}

int plain_audit_count(sqlite3 *db, const char *device_mac, unsigned *n)
{
	sqlite3_stmt *st = prepare(db, "SELECT count(*) FROM plaintext_audits WHERE device_mac = ?1");
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, device_mac, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? (unsigned)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_error(db);
}

int plain_finding_add(sqlite3 *db, int64_t audit_id, const struct plain_finding *f)
{
	sqlite3_stmt *st = prepare(db,
		"INSERT INTO plaintext_findings VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8)"
		" ON CONFLICT DO UPDATE SET count = count + 1,"
		" first_seen_ms = min(first_seen_ms, excluded.first_seen_ms),"
		" last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, audit_id);
	sqlite3_bind_text(st, 2, f->device_mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, f->port);
	sqlite3_bind_text(st, 5, f->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, f->value_hmac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, f->redacted, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, f->first_seen_ms);
	return run(db, st);
}

static void copy_text(char *to, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(to, size, "%s", t ? (const char *)t : "");
}

int plain_findings_list(sqlite3 *db, int64_t audit_id, const char *device_mac,
			struct plain_findings *out)
{
	sqlite3_stmt *st = prepare(db,
		"SELECT device_mac, name, port, kind, sum(count), min(first_seen_ms),"
		" max(last_seen_ms), max(redacted), value_hmac FROM plaintext_findings"
		" WHERE (?1 = 0 OR audit_id = ?1) AND (?2 IS NULL OR device_mac = ?2)"
		" GROUP BY device_mac, name, port, kind, value_hmac"
		" ORDER BY device_mac, name, port, kind, min(first_seen_ms)");
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, audit_id);
	sqlite3_bind_text(st, 2, device_mac, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct plain_finding *f, *v = realloc(out->v, (out->n + 1) * sizeof(*v));

		if (!v) {
			sqlite3_finalize(st);
			plain_findings_free(out);
			return -ENOMEM;
		}
		out->v = v;
		f = &v[out->n++];
		memset(f, 0, sizeof(*f));
		copy_text(f->device_mac, sizeof(f->device_mac), st, 0);
		copy_text(f->name, sizeof(f->name), st, 1);
		f->port = sqlite3_column_int(st, 2);
		copy_text(f->kind, sizeof(f->kind), st, 3);
		f->count = sqlite3_column_int64(st, 4);
		f->first_seen_ms = sqlite3_column_int64(st, 5);
		f->last_seen_ms = sqlite3_column_int64(st, 6);
		copy_text(f->redacted, sizeof(f->redacted), st, 7);
		copy_text(f->value_hmac, sizeof(f->value_hmac), st, 8);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		plain_findings_free(out);
		return db_error(db);
	}
	return 0;
}

void plain_findings_free(struct plain_findings *f)
{
	free(f->v);
	f->v = NULL;
	f->n = 0;
}
