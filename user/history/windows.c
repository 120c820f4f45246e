// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Recent harvest windows per device: see windows.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "history/windows.h"

int window_writer_open(sqlite3 *db, struct window_writer *w, int64_t at_ms)
{
	memset(w, 0, sizeof(*w));
	w->at_ms = at_ms;
	if (sqlite3_prepare_v2(db,
		"INSERT INTO device_windows (device_mac, at_ms, bytes_up, bytes_down)"
		" VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET"
		" bytes_up = bytes_up + excluded.bytes_up, bytes_down = bytes_down + excluded.bytes_down",
		-1, &w->add, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

/* Writes the summed growth of w->mac's device, if any. */
static int flush_device(struct window_writer *w)
{
	int rc;

	if (!w->mac[0] || (!w->bytes_up && !w->bytes_down))
		return 0;
	sqlite3_bind_text(w->add, 1, w->mac, -1, SQLITE_STATIC);
	sqlite3_bind_int64(w->add, 2, w->at_ms);
	sqlite3_bind_int64(w->add, 3, (int64_t)w->bytes_up);
	sqlite3_bind_int64(w->add, 4, (int64_t)w->bytes_down);
	rc = sqlite3_step(w->add);
	sqlite3_reset(w->add);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int window_writer_add(struct window_writer *w, const char *mac, uint64_t bytes_up,
		      uint64_t bytes_down)
{
	int err;

	if (!bytes_up && !bytes_down)
		return 0;
	if (strcmp(w->mac, mac)) {
		if ((err = flush_device(w)))
			return err;
		snprintf(w->mac, sizeof(w->mac), "%s", mac);
		w->bytes_up = w->bytes_down = 0;
	}
	w->bytes_up += bytes_up;
	w->bytes_down += bytes_down;
	return 0;
}

int window_writer_finish(sqlite3 *db, struct window_writer *w)
{
	char sql[512];

	if (flush_device(w))
		return -EIO;
	w->mac[0] = '\0';
	/* A device row of a window that is not kept is growth nobody reads. */
	snprintf(sql, sizeof(sql),
		 "INSERT OR IGNORE INTO harvest_windows (at_ms) VALUES (%lld);"
		 "DELETE FROM harvest_windows WHERE at_ms <= (SELECT at_ms FROM harvest_windows"
		 " ORDER BY at_ms DESC LIMIT 1 OFFSET %d);"
		 "DELETE FROM device_windows WHERE at_ms < (SELECT min(at_ms) FROM harvest_windows);",
		 (long long)w->at_ms, HISTORY_WINDOWS);
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

void window_writer_close(struct window_writer *w)
{
	sqlite3_finalize(w->add);
	w->add = NULL;
}

int history_device_windows(sqlite3 *db, const char *mac, struct device_window out[HISTORY_WINDOWS],
			   size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if (sqlite3_prepare_v2(db,
		"SELECT at_ms, bytes_up, bytes_down FROM (SELECT h.at_ms,"
		" coalesce(d.bytes_up, 0) AS bytes_up, coalesce(d.bytes_down, 0) AS bytes_down"
		" FROM harvest_windows h LEFT JOIN device_windows d"
		" ON d.at_ms = h.at_ms AND d.device_mac = ?1 ORDER BY h.at_ms DESC LIMIT ?2)"
		" ORDER BY at_ms", -1, &st, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, HISTORY_WINDOWS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < HISTORY_WINDOWS) {
		out[*n].at_ms = sqlite3_column_int64(st, 0);
		out[*n].bytes_up = (uint64_t)sqlite3_column_int64(st, 1);
		out[*n].bytes_down = (uint64_t)sqlite3_column_int64(st, 2);
		(*n)++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}
