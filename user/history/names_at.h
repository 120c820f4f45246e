/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Names by time (README "Names by time") for many flows, one prepared
 * query: what history_names_at answers for one.
 */
#ifndef IOTRIM_HISTORY_NAMES_AT_H
#define IOTRIM_HISTORY_NAMES_AT_H

#include <sqlite3.h>
#include <stdint.h>

#include "history/history.h"

struct names_reader {
	sqlite3_stmt *st;
};

/* 0, or -EIO after printing why. */
int names_reader_open(sqlite3 *db, struct names_reader *r);
/* The names valid for flow k's device (mac) and address (ip) at t_ms, and their source. */
void names_reader_at(struct names_reader *r, const char *mac, const char *ip,
		     const struct flow_key *k, int64_t t_ms, char names[FLOW_NAMES_MAX],
		     char source[4]);
void names_reader_close(struct names_reader *r);

#endif
