// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Payload classes in the history: see payload_store.h. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/log.h"
#include "history/payload_store.h"

#define NFIELDS 7	/* struct payload_counter, read as __u64[] */

int payload_writer_open(sqlite3 *db, struct payload_writer *w)
{
	memset(w, 0, sizeof(*w));
	if (sqlite3_prepare_v2(db,
		"SELECT boot_id, kernel_first_seen_ns, sampled, encrypted, text, compressed, media,"
		" unknown, ignored FROM payload_state WHERE device_mac = ?1 AND device_ip = ?2"
		" AND remote_ip = ?3 AND proto = ?4 AND remote_port = ?5", -1, &w->state, NULL)
		!= SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT OR REPLACE INTO payload_state VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		" ?10, ?11, ?12, ?13, ?14)", -1, &w->save, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT INTO payload_history VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		" ON CONFLICT DO UPDATE SET sampled = sampled + excluded.sampled,"
		" encrypted = encrypted + excluded.encrypted, text = text + excluded.text,"
		" compressed = compressed + excluded.compressed, media = media + excluded.media,"
		" unknown = unknown + excluded.unknown, ignored = ignored + excluded.ignored",
		-1, &w->add, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		payload_writer_close(w);
		return -EIO;
	}
	return 0;
}

static void bind_key(sqlite3_stmt *st, const char *mac, const char *device_ip,
		     const char *remote_ip, int proto, int port)
{
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, device_ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, remote_ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, proto);
	sqlite3_bind_int(st, 5, port);
}

/*
 * The growth since the stored counters, or all of now when the counter
 * started over; true if the stored row already holds now (nothing to save).
 */
static bool growth(sqlite3_stmt *st, const char *boot_id, uint64_t first_seen_ns,
		   const __u64 *now, uint64_t *delta)
{
	bool same = false, stored = false;

	for (int i = 0; i < NFIELDS; i++)
		delta[i] = now[i];
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *bid = (const char *)sqlite3_column_text(st, 0);
		uint64_t was[NFIELDS];

		same = bid && !strcmp(bid, boot_id) &&
		       (uint64_t)sqlite3_column_int64(st, 1) == first_seen_ns;
		stored = same;
		for (int i = 0; i < NFIELDS; i++) {
			was[i] = (uint64_t)sqlite3_column_int64(st, 2 + i);
			same = same && now[i] >= was[i];
			stored = stored && now[i] == was[i];
		}
		for (int i = 0; same && i < NFIELDS; i++)
			delta[i] = now[i] - was[i];
	}
	sqlite3_reset(st);
	return stored;
}

static bool all_zero(const __u64 *c)
{
	for (int i = 0; i < NFIELDS; i++)
		if (c[i])
			return false;
	return true;
}

int payload_writer_add(struct payload_writer *w, const char *mac, const char *device_ip,
		       const char *remote_ip, int proto, int port, const char *boot_id,
		       uint64_t first_seen_ns, const struct payload_counter *c, int64_t mark,
		       struct payload_counter *growth_out)
{
	const __u64 *now = (const __u64 *)c;
	uint64_t delta[NFIELDS];
	bool any = false;
	int rc;

	/*
	 * A map entry's counters never go back: all zero, nothing was sampled
	 * in this entry, it grew nothing and there is nothing to remember (a
	 * row of an earlier entry has another first_seen or boot: its next
	 * growth is all of it, as with a row of zeros).  Most flows are never
	 * sampled; this is what keeps them off payload_state.
	 */
	if (all_zero(now)) {
		if (growth_out)
			memset(growth_out, 0, sizeof(*growth_out));
		return 0;
	}
	bind_key(w->state, mac, device_ip, remote_ip, proto, port);
	if (!growth(w->state, boot_id, first_seen_ns, now, delta)) {
		bind_key(w->save, mac, device_ip, remote_ip, proto, port);
		sqlite3_bind_text(w->save, 6, boot_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(w->save, 7, (int64_t)first_seen_ns);
		for (int i = 0; i < NFIELDS; i++)
			sqlite3_bind_int64(w->save, 8 + i, (int64_t)now[i]);
		rc = sqlite3_step(w->save);
		sqlite3_reset(w->save);
		if (rc != SQLITE_DONE)
			return -EIO;
	}
	if (growth_out)
		memcpy(growth_out, delta, sizeof(*growth_out));
	for (int i = 0; i < NFIELDS; i++)
		any |= delta[i] != 0;
	if (!any)
		return 0;
	sqlite3_bind_text(w->add, 1, mac, -1, SQLITE_STATIC);
	sqlite3_bind_int64(w->add, 2, mark);
	for (int i = 0; i < NFIELDS; i++)
		sqlite3_bind_int64(w->add, 3 + i, (int64_t)delta[i]);
	rc = sqlite3_step(w->add);
	sqlite3_reset(w->add);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

void payload_writer_close(struct payload_writer *w)
{
	sqlite3_finalize(w->state);
	sqlite3_finalize(w->save);
	sqlite3_finalize(w->add);
	memset(w, 0, sizeof(*w));
}

int payload_device_total(sqlite3 *db, const char *mac, const char *phase,
			 struct payload_counter *out)
{
	__u64 *sum = (__u64 *)out;
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(db,
		"SELECT sum(p.sampled), sum(p.encrypted), sum(p.text), sum(p.compressed),"
		" sum(p.media), sum(p.unknown), sum(p.ignored) FROM payload_history p"
		" LEFT JOIN phase_marks m ON m.id = p.mark_id"
		" WHERE p.device_mac = ?1 AND (?2 IS NULL OR m.phase = ?2)", -1, &st, NULL)
	    != SQLITE_OK) {
		pr_error("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	if (phase)
		sqlite3_bind_text(st, 2, phase, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	for (int i = 0; rc == SQLITE_ROW && i < NFIELDS; i++)
		sum[i] = (uint64_t)sqlite3_column_int64(st, i);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}
