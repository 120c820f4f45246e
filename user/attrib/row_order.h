/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The order of flow rows that dest_group (attrib/destinations.h) turns into
 * destinations: by device (text), then addresses before names, then
 * destination (name case-insensitively, protocol, port, address), so that
 * the rows of one destination are adjacent.  Sorting a million rows is
 * most of grouping them: row_order.c sorts fixed-size ranks, not rows.
 */
#ifndef IOTRIM_ROW_ORDER_H
#define IOTRIM_ROW_ORDER_H

#include "attrib/flow_rows.h"

/* Sorts rows in that order, ties in their first order (a stable sort); 0 or -ENOMEM. */
int flow_rows_sort(struct flow_rows *rows);

#endif
