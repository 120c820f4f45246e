// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "history/rows.h"

/* Column col's text (the columns are NOT NULL), cut to fit out, which is zeroed:
 * snprintf's result without its format parsing, a million times per big report. */
static void column_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n;

	if (!t)
		return;
	n = strnlen((const char *)t, (size_t)sqlite3_column_bytes(st, col));
	memcpy(out, t, n < len ? n : len - 1);
}

void flow_row_from_stmt(sqlite3_stmt *st, struct flow_row *row, char name[FLOW_NAMES_MAX])
{
	memset(row, 0, sizeof(*row));
	memset(name, 0, FLOW_NAMES_MAX);
	column_text(st, 0, row->device_mac, sizeof(row->device_mac));
	column_text(st, 1, row->device_ip, sizeof(row->device_ip));
	column_text(st, 2, row->remote_ip, sizeof(row->remote_ip));
	row->proto = sqlite3_column_int(st, 3);
	row->remote_port = sqlite3_column_int(st, 4);
	column_text(st, 5, name, FLOW_NAMES_MAX);
	row->name = name;
	row->packets_up = sqlite3_column_int64(st, 6);
	row->bytes_up = sqlite3_column_int64(st, 7);
	row->packets_down = sqlite3_column_int64(st, 8);
	row->bytes_down = sqlite3_column_int64(st, 9);
	row->first_seen_ms = sqlite3_column_int64(st, 10);
	row->last_seen_ms = sqlite3_column_int64(st, 11);
	flow_row_set_address(row);
}
