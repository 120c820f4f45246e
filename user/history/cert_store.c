// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Certificates in SQLite: see cert_store.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "history/cert_store.h"

sqlite3_stmt *cert_store_prepare(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db,
		"INSERT INTO certificates (device_mac, remote_ip, remote_port, sni, hidden, subject,"
		" issuer, sans, self_signed, chain_length, signature_algorithm, key_type, key_bits,"
		" not_before, not_after, validity_days, sni_mismatch, weaknesses, connections,"
		" first_seen_ms, last_seen_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
		" ?12, ?13, ?14, ?15, ?16, ?17, ?18, 1, ?19, ?19) ON CONFLICT DO UPDATE SET"
		" subject = excluded.subject, issuer = excluded.issuer, sans = excluded.sans,"
		" self_signed = excluded.self_signed, chain_length = excluded.chain_length,"
		" signature_algorithm = excluded.signature_algorithm, key_type = excluded.key_type,"
		" key_bits = excluded.key_bits, not_before = excluded.not_before,"
		" not_after = excluded.not_after, validity_days = excluded.validity_days,"
		" sni_mismatch = excluded.sni_mismatch, weaknesses = excluded.weaknesses,"
		" connections = connections + 1,"
		" last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)", -1, &st, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}

static void weaknesses_text(unsigned mask, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (int w = 0; w < CERT_WEAK__COUNT && o < len; w++)
		if (mask & (1u << w))
			o += snprintf(out + o, len - o, "%s%s", o ? " " : "", cert_weakness_kind(w));
}

int cert_store_write(sqlite3_stmt *st, const struct cert_record *r)
{
	const struct cert_info *c = r->cert;
	char weak[256];
	int rc;

	sqlite3_bind_text(st, 1, r->device_mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, r->ip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, r->port);
	sqlite3_bind_text(st, 4, r->sni, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, r->hidden || !c);
	if (c && !r->hidden) {
		weaknesses_text(c->weaknesses, weak, sizeof(weak));
		sqlite3_bind_text(st, 6, c->subject, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, c->issuer, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 8, c->sans, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 9, c->self_signed);
		sqlite3_bind_int(st, 10, (int)c->chain_length);
		sqlite3_bind_text(st, 11, c->signature_algorithm, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 12, c->key_type, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 13, (int)c->key_bits);
		sqlite3_bind_int64(st, 14, c->not_before);
		sqlite3_bind_int64(st, 15, c->not_after);
		sqlite3_bind_int64(st, 16, c->validity_days);
		sqlite3_bind_int(st, 17, c->sni_mismatch);
		sqlite3_bind_text(st, 18, weak, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(st, 19, r->seen_ms);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

sqlite3_stmt *cert_store_prepare_read(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;

	/* The columns read_row reads, where it reads them. */
	if (sqlite3_prepare_v2(db,
		"SELECT hidden, sni, last_seen_ms, subject, issuer, sans, self_signed,"
		" chain_length, signature_algorithm, key_type, key_bits, not_before, not_after,"
		" validity_days, sni_mismatch, weaknesses FROM certificates WHERE rowid = ?1", -1,
		&st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

static void text_col(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	snprintf(out, len, "%s", t ? t : "");
}

static void read_row(sqlite3_stmt *st, struct cert_info *c)
{
	char weak[256], *save = NULL;

	memset(c, 0, sizeof(*c));
	text_col(st, 3, c->subject, sizeof(c->subject));
	text_col(st, 4, c->issuer, sizeof(c->issuer));
	text_col(st, 5, c->sans, sizeof(c->sans));
	c->self_signed = sqlite3_column_int(st, 6);
	c->chain_length = (unsigned)sqlite3_column_int(st, 7);
	text_col(st, 8, c->signature_algorithm, sizeof(c->signature_algorithm));
	text_col(st, 9, c->key_type, sizeof(c->key_type));
	c->key_bits = (unsigned)sqlite3_column_int(st, 10);
	c->not_before = sqlite3_column_int64(st, 11);
	c->not_after = sqlite3_column_int64(st, 12);
	c->validity_days = sqlite3_column_int64(st, 13);
	c->sni_mismatch = sqlite3_column_int(st, 14);
	text_col(st, 15, weak, sizeof(weak));
	for (char *k = strtok_r(weak, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
		int w = cert_weakness_from_kind(k);

		if (w >= 0)
			c->weaknesses |= 1u << w;
	}
}

int cert_store_read(sqlite3_stmt *st, int64_t rowid, struct cert_info *c)
{
	int err = -ENOENT;

	sqlite3_bind_int64(st, 1, rowid);
	if (sqlite3_step(st) == SQLITE_ROW) {
		read_row(st, c);
		err = 0;
	}
	sqlite3_reset(st);
	return err;
}
