/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The plaintext audit in SQLite (migration plaintext_findings_v1): the
 * per-database HMAC key, one row per audit run (device, time window, and
 * while it runs the user's --serial and --strings, which the scanner in
 * `iotrim run` needs; wiped when the run ends, or by the next audit or
 * controller once a killed run's window has passed), and the findings:
 * redacted value and keyed hash only, never the value.  Functions return 0
 * or -errno (-EIO for a database error, said once).
 */
#ifndef IOTRIM_AUDIT_PLAINTEXT_STORE_H
#define IOTRIM_AUDIT_PLAINTEXT_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/redact.h"

/* The database's HMAC key, made from getrandom() on first use. */
int plain_key_get(sqlite3 *db, uint8_t key[PLAIN_KEY_BYTES]);

struct plain_audit_row {
	int64_t id;
	char device_mac[18];
	int64_t started_ms, expires_ms;
	char *serial;		/* malloc'd or NULL */
	char *strings;		/* newline separated, malloc'd or NULL */
};

void plain_audit_row_free(struct plain_audit_row *r);

/* A new run; *id is its row. */
int plain_audit_begin(sqlite3 *db, const struct plain_audit_row *r, int64_t *id);
/* The run ends at now_ms: its window closes and its strings are wiped. */
int plain_audit_end(sqlite3 *db, int64_t id, int64_t now_ms);
/* Wipes the strings of every run whose window ended before now_ms. */
int plain_audit_wipe_expired(sqlite3 *db, int64_t now_ms);
/* The newest run of device_mac whose window holds at_ms: 0, or -ENOENT. */
int plain_audit_active(sqlite3 *db, const char *device_mac, int64_t at_ms,
		       struct plain_audit_row *out);

/* One more sample scanned for the run; how many so far, in *n. */
int plain_audit_sampled(sqlite3 *db, int64_t id);
int plain_audit_samples(sqlite3 *db, int64_t id, uint64_t *n);
/* How many audit runs device_mac had, in *n. */
int plain_audit_count(sqlite3 *db, const char *device_mac, unsigned *n);

struct plain_finding {
	char device_mac[18];
	char name[256];
	uint16_t port;
	char kind[24];
	uint64_t count;
	int64_t first_seen_ms, last_seen_ms;
	char redacted[REDACTED_MAX];
	char value_hmac[PLAIN_HMAC_HEX];
};

/* Adds one sighting (count 1 at f->first_seen_ms) to the run's finding. */
int plain_finding_add(sqlite3 *db, int64_t audit_id, const struct plain_finding *f);

struct plain_findings {
	struct plain_finding *v;
	size_t n;
};

/*
 * The findings of one run (audit_id > 0), or of all runs merged by value
 * (audit_id 0: counts summed, first and last seen over them), of one device
 * (device_mac) or all (NULL); by device, name, port, kind.
 */
int plain_findings_list(sqlite3 *db, int64_t audit_id, const char *device_mac,
			struct plain_findings *out);
void plain_findings_free(struct plain_findings *f);

#endif
