// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Every flow row, harvested and live (history_rows): see history.h. */
#include <errno.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "history/flow_state.h"
#include "history/history.h"
#include "history/names_at.h"
#include "history/rows.h"

int history_rows(sqlite3 *db, const struct flow_table *live, flow_row_fn fn, void *ctx)
{
	struct flow_state_io state = { 0 };
	struct names_reader names = { 0 };
	sqlite3_stmt *hist = NULL;
	int err = -EIO, rc;

	/* One read transaction: history and state from the same moment. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	if (sqlite3_prepare_v2(db,
		"SELECT device_mac, device_ip, remote_ip, proto, remote_port, name, packets_up,"
		" bytes_up, packets_down, bytes_down, first_seen_ms, last_seen_ms FROM flow_totals",
		-1, &hist, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (flow_state_open(db, &state) || names_reader_open(db, &names))
		goto out;
	while ((rc = sqlite3_step(hist)) == SQLITE_ROW) {
		struct flow_row row;
		char name[FLOW_NAMES_MAX];

		flow_row_from_stmt(hist, &row, name);
		fn(ctx, &row);
	}
	if (rc != SQLITE_DONE) {
		warn("database: %s", sqlite3_errmsg(db));
		goto out;
	}
	for (size_t i = 0; live && i < live->len; i++) {
		const struct flow_key *k = &live->items[i].key;
		const struct flow_value *v = &live->items[i].value;
		struct flow_row row = { 0 };
		char name[FLOW_NAMES_MAX];
		struct flow_growth g;
		struct key_text t;

		history_key_text(k, &t);
		flow_state_growth(&state, &t, k, v, &g);
		if (flow_growth_zero(&g))
			continue;
		memcpy(row.device_mac, t.mac, sizeof(t.mac));
		memcpy(row.device_ip, t.device_ip, sizeof(t.device_ip));
		memcpy(row.remote_ip, t.remote_ip, sizeof(t.remote_ip));
		row.proto = k->proto;
		row.remote_port = k->remote_port;
		names_reader_at(&names, row.device_mac, row.remote_ip, k,
				boot_ns_to_unix_ms(v->last_seen_ns), name, row.name_source);
		row.name = name;
		row.packets_up = g.packets_up;
		row.bytes_up = g.bytes_up;
		row.packets_down = g.packets_down;
		row.bytes_down = g.bytes_down;
		row.first_seen_ms = boot_ns_to_unix_ms(v->first_seen_ns);
		row.last_seen_ms = boot_ns_to_unix_ms(v->last_seen_ns);
		row.live = true;
		flow_row_set_address(&row);
		fn(ctx, &row);
	}
	err = 0;
out:
	sqlite3_finalize(hist);
	flow_state_close(&state);
	names_reader_close(&names);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return err;
}
