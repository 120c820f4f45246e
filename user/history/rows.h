/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reading flow_history rows back: one decoder for every query that selects
 * them, so a row means the same whatever asked for it. */
#ifndef IOTRIM_HISTORY_ROWS_H
#define IOTRIM_HISTORY_ROWS_H

#include <sqlite3.h>

#include "attrib/destinations.h"

/* The current row of st, whose first columns are device_mac, device_ip,
 * remote_ip, proto, remote_port, name, packets_up, bytes_up, packets_down,
 * bytes_down, first_seen_ms, last_seen_ms.  A row keeps the names valid when
 * it was counted: no later name claims it.  row's name is name, the
 * caller's room for it (valid after the statement steps on). */
void flow_row_from_stmt(sqlite3_stmt *st, struct flow_row *row, char name[FLOW_NAMES_MAX]);

#endif
