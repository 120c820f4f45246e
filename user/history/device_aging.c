// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>

#include "common/clock.h"
#include "common/fmt.h"
#include "common/log.h"
#include "datapath/table.h"
#include "history/device_aging.h"

int history_age_devices(sqlite3 *db, const struct device_maps *devices, unsigned idle_s,
			uint64_t now_boot_ns)
{
	const uint64_t idle_ns = (uint64_t)idle_s * 1000000000ULL;
	struct device_table t = { 0 };
	sqlite3_stmt *st = NULL;
	bool *taken = NULL;
	size_t n = 0;
	int err, aged = 0;

	if (!idle_s)
		return 0;
	if ((err = read_device_slots(devices, &t)))
		return err;
	/* The silent ones to the front; their slots are taken all at once below. */
	for (size_t i = 0; i < t.len; i++) {
		const struct device_value *v = &t.items[i].value;

		if (v->last_seen_ns && v->last_seen_ns + idle_ns <= now_boot_ns)
			t.items[n++] = t.items[i];
	}
	if (!n) {
		device_table_free(&t);
		return 0;
	}
	if (sqlite3_prepare_v2(db,
		"INSERT INTO devices (mac, first_seen, last_seen, aged_packets_up, aged_bytes_up,"
		" aged_packets_down, aged_bytes_down, aged_times) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)"
		" ON CONFLICT (mac) DO UPDATE SET"
		" first_seen = min(coalesce(first_seen, excluded.first_seen), excluded.first_seen),"
		" last_seen = max(coalesce(last_seen, 0), excluded.last_seen),"
		" aged_packets_up = aged_packets_up + excluded.aged_packets_up,"
		" aged_bytes_up = aged_bytes_up + excluded.aged_bytes_up,"
		" aged_packets_down = aged_packets_down + excluded.aged_packets_down,"
		" aged_bytes_down = aged_bytes_down + excluded.aged_bytes_down,"
		" aged_times = aged_times + 1",
		-1, &st, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		pr_error("database: cannot age devices: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		device_table_free(&t);
		return -EIO;
	}
	/*
	 * Take the slots and their last totals: a packet counted since
	 * read_device_slots() is in them, and one after starts a fresh slot.
	 * Committed below, so a failed commit loses what was taken: said, and
	 * left in the log.
	 */
	taken = calloc(n, sizeof(*taken));
	if (!taken || take_devices(devices, t.items, n, taken))
		n = 0;
	for (size_t i = 0; i < n; i++) {
		const struct device_entry *d = &t.items[i];
		const struct device_value *v = &d->value;
		char mac[MAC_STRLEN];

		if (!taken[i])
			continue;	/* gone already */
		format_mac(d->key.mac, mac);
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, boot_ns_to_unix_ms(v->first_seen_ns) / 1000);
		sqlite3_bind_int64(st, 3, boot_ns_to_unix_ms(v->last_seen_ns) / 1000);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)v->up.packets);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)v->up.bytes);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)v->down.packets);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)v->down.bytes);
		if (sqlite3_step(st) != SQLITE_DONE)
			pr_error("database: device %s aged out but not stored: %llu/%llu bytes up/down",
				 mac, (unsigned long long)v->up.bytes, (unsigned long long)v->down.bytes);
		else
			aged++;
		sqlite3_reset(st);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		pr_error("database: cannot store %d aged devices: %s", aged, sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		aged = -EIO;
	}
	sqlite3_finalize(st);
	free(taken);
	device_table_free(&t);
	return aged;
}
