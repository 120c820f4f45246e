// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "history/rows.h"

void flow_row_from_stmt(sqlite3_stmt *st, struct flow_row *row)
{
	memset(row, 0, sizeof(*row));
	snprintf(row->device_mac, sizeof(row->device_mac), "%s", sqlite3_column_text(st, 0));
	snprintf(row->device_ip, sizeof(row->device_ip), "%s", sqlite3_column_text(st, 1));
	snprintf(row->remote_ip, sizeof(row->remote_ip), "%s", sqlite3_column_text(st, 2));
	row->proto = sqlite3_column_int(st, 3);
	row->remote_port = sqlite3_column_int(st, 4);
	snprintf(row->name, sizeof(row->name), "%s", sqlite3_column_text(st, 5));
	row->packets_up = sqlite3_column_int64(st, 6);
	row->bytes_up = sqlite3_column_int64(st, 7);
	row->packets_down = sqlite3_column_int64(st, 8);
	row->bytes_down = sqlite3_column_int64(st, 9);
	row->first_seen_ms = sqlite3_column_int64(st, 10);
	row->last_seen_ms = sqlite3_column_int64(st, 11);
	flow_row_set_address(row);
}
