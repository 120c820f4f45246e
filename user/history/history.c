// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The devices rows, the boot id, key texts and live phase marks: see history.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "datapath/pin.h"
#include "history/history.h"
#include "history/phase.h"
#include "iotrim_maps.h"

void history_boot_id(char out[40])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(out, 40, f))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

void history_key_text(const struct flow_key *k, struct key_text *t)
{
	format_mac(k->device_mac, t->mac);
	format_ip(k->family, k->device_ip, t->device_ip);
	format_ip(k->family, k->remote_ip, t->remote_ip);
}

int history_update_devices(sqlite3 *db, const struct device_maps *devices,
			   struct device_config *conf)
{
	struct device_table t = { 0 };
	sqlite3_stmt *st;
	int err = read_devices(devices, &t);

	if (err)
		return err;
	if (sqlite3_prepare_v2(db,
		"INSERT INTO devices (mac, name, vendor, category, first_seen, last_seen)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (mac) DO UPDATE SET"
		" name = coalesce(excluded.name, name), vendor = coalesce(excluded.vendor, vendor),"
		" category = coalesce(excluded.category, category),"
		" first_seen = min(coalesce(first_seen, excluded.first_seen), excluded.first_seen),"
		" last_seen = max(coalesce(last_seen, 0), excluded.last_seen)",
		-1, &st, NULL) != SQLITE_OK) {
		device_table_free(&t);
		return -EIO;
	}
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (size_t i = 0; i < t.len; i++) {
		struct device_info d;
		char mac[MAC_STRLEN];

		device_info_get(conf, t.items[i].key.mac, &d);
		format_mac(t.items[i].key.mac, mac);
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
		if (d.name[0])
			sqlite3_bind_text(st, 2, d.name, -1, SQLITE_TRANSIENT);
		if (d.vendor[0])
			sqlite3_bind_text(st, 3, d.vendor, -1, SQLITE_TRANSIENT);
		if (d.category[0])
			sqlite3_bind_text(st, 4, d.category, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, boot_ns_to_unix_ms(t.items[i].value.first_seen_ns) / 1000);
		sqlite3_bind_int64(st, 6, boot_ns_to_unix_ms(t.items[i].value.last_seen_ns) / 1000);
		sqlite3_step(st);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(st);
	device_table_free(&t);
	return 0;
}

int history_mark_phase(sqlite3 *db, struct phase_mark *m)
{
	struct phase_marks marks = { .items = m, .len = 1, .cap = 1 };
	struct harvest_result hr;
	int fd;

	if (geteuid() == 0 && (fd = open_pinned_map(MAP_NAME(MAP_FLOWS))) >= 0) {
		history_harvest_map(db, fd, &hr);
		close(fd);
	}
	m->at_ms = clock_wall_ms();
	return phase_store(db, &marks, "live");
}
