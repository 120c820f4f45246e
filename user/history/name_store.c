// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Attribution records -> SQLite: see name_store.h. */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "history/cert_store.h"
#include "history/name_store.h"

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}

static void begin(struct name_store *s)
{
	if (s->in_txn)
		return;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
		s->in_txn = true;
}

static void run_stmt(struct name_store *s, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		warn("database: %s", sqlite3_errmsg(s->db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static void store_name(void *ctx, const struct name_record *r)
{
	struct name_store *s = ctx;

	begin(s);
	sqlite3_bind_text(s->up_name, 1, r->device_mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->up_name, 2, r->ip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->up_name, 3, r->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->up_name, 4, r->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->up_name, 5, r->chain, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s->up_name, 6, r->ttl);
	sqlite3_bind_int64(s->up_name, 7, r->seen_ms);
	sqlite3_bind_int64(s->up_name, 8, r->expires_ms);
	sqlite3_bind_int(s->up_name, 9, r->sni_port);
	run_stmt(s, s->up_name);
}

static void store_query(void *ctx, const char *mac, const char *qname, const char *qtype,
			int64_t ms)
{
	struct name_store *s = ctx;

	begin(s);
	sqlite3_bind_text(s->up_query_q, 1, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->up_query_q, 2, qname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->up_query_q, 3, qtype, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s->up_query_q, 4, ms);
	run_stmt(s, s->up_query_q);
}

static void store_response(void *ctx, const char *mac, const char *qname, const char *qtype,
			   const char *rcode, int64_t ms)
{
	struct name_store *s = ctx;

	begin(s);
	sqlite3_bind_text(s->up_query_r, 1, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->up_query_r, 2, qname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->up_query_r, 3, qtype, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->up_query_r, 4, rcode, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s->up_query_r, 5, ms);
	run_stmt(s, s->up_query_r);
}

static void store_tls_version(void *ctx, const char *mac, const char *ip, uint16_t port,
			      const char *version, int64_t ms)
{
	struct name_store *s = ctx;

	begin(s);
	sqlite3_bind_text(s->up_tls, 1, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->up_tls, 2, ip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s->up_tls, 3, port);
	sqlite3_bind_text(s->up_tls, 4, version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->up_tls, 5, ms);
	run_stmt(s, s->up_tls);
}

static void store_certificate(void *ctx, const struct cert_record *r)
{
	struct name_store *s = ctx;

	begin(s);
	if (cert_store_write(s->up_cert, r))
		warn("database: %s", sqlite3_errmsg(s->db));
}

/*
 * Adds the counters' growth and commits.  Anything but 0 keeps the growth
 * for the next flush: a failed write, or counters written outside a
 * transaction (BEGIN failed), which are not known to be committed whole.
 */
static int store_flush(void *ctx, const struct attrib_stats *growth)
{
	struct name_store *s = ctx;
	const char *names[ATTRIB_STATS_FIELDS];
	uint64_t values[ATTRIB_STATS_FIELDS];
	bool grew = false;
	int err = 0;

	attrib_stats_list(growth, names, values);
	for (int i = 0; i < ATTRIB_STATS_FIELDS; i++)
		grew |= values[i] != 0;
	if (grew) {
		sqlite3_stmt *st;

		begin(s);
		if (!s->in_txn)
			err = -EIO;
		st = prepare(s->db,
			     "INSERT INTO attribution_counters (name, value) VALUES (?1, ?2)"
			     " ON CONFLICT DO UPDATE SET value = value + excluded.value");
		for (int i = 0; st && i < ATTRIB_STATS_FIELDS; i++) {
			if (!values[i])
				continue;
			sqlite3_bind_text(st, 1, names[i], -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, (int64_t)values[i]);
			if (sqlite3_step(st) != SQLITE_DONE)
				err = -EIO;
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
	}
	if (s->in_txn) {
		if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			warn("database: %s", sqlite3_errmsg(s->db));
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			err = -EIO;
		}
		s->in_txn = false;
	}
	return err;
}

int name_store_open(struct name_store *s, sqlite3 *db)
{
	memset(s, 0, sizeof(*s));
	s->db = db;
	s->sink = (struct attrib_sink){
		.ctx = s,
		.name = store_name,
		.query = store_query,
		.response = store_response,
		.tls_version = store_tls_version,
		.certificate = store_certificate,
		.flush = store_flush,
	};
	s->up_name = prepare(db,
		"INSERT INTO dns_names (device_mac, ip, name, source, chain, ttl, answers,"
		" first_seen_ms, last_seen_ms, expires_ms, sni_port)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7, ?8, ?9)"
		" ON CONFLICT DO UPDATE SET chain = excluded.chain, ttl = excluded.ttl,"
		" sni_port = excluded.sni_port,"
		" answers = answers + 1, last_seen_ms = max(last_seen_ms, excluded.last_seen_ms),"
		" expires_ms = max(expires_ms, excluded.expires_ms)");
	s->up_query_q = prepare(db,
		"INSERT INTO dns_queries (device_mac, name, qtype, queries, first_seen_ms, last_seen_ms)"
		" VALUES (?1, ?2, ?3, 1, ?4, ?4) ON CONFLICT DO UPDATE SET queries = queries + 1,"
		" last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)");
	s->up_query_r = prepare(db,
		"INSERT INTO dns_queries (device_mac, name, qtype, responses, last_rcode, first_seen_ms,"
		" last_seen_ms) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?5) ON CONFLICT DO UPDATE SET"
		" responses = responses + 1, last_rcode = excluded.last_rcode,"
		" last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)");
	s->up_tls = prepare(db,
		"INSERT INTO tls_versions (device_mac, remote_ip, remote_port, version, connections,"
		" first_seen_ms, last_seen_ms) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5) ON CONFLICT DO UPDATE"
		" SET connections = connections + 1, last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)");
	s->up_cert = cert_store_prepare(db);
	if (!s->up_name || !s->up_query_q || !s->up_query_r || !s->up_tls || !s->up_cert) {
		name_store_close(s);
		pr_error("preparing the attribution statements failed");
		return -EIO;
	}
	return 0;
}

void name_store_close(struct name_store *s)
{
	sqlite3_finalize(s->up_name);
	sqlite3_finalize(s->up_query_q);
	sqlite3_finalize(s->up_query_r);
	sqlite3_finalize(s->up_tls);
	sqlite3_finalize(s->up_cert);
	s->up_name = s->up_query_q = s->up_query_r = s->up_tls = s->up_cert = NULL;
}
