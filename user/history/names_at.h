/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Names by time (README "Names by time"), as history_rows names rows: the
 * names valid for a flow when it was counted.  A device's dns_names rows
 * are read once, in (ip, name) order, the first time one of its flows
 * asks, and kept: one query per device, not one per flow, in any order of
 * the flows.
 */
#ifndef IOTRIM_HISTORY_NAMES_AT_H
#define IOTRIM_HISTORY_NAMES_AT_H

#include <sqlite3.h>
#include <stdint.h>

#include "common/text_pool.h"
#include "history/history.h"

struct names_reader {
	sqlite3_stmt *st;
	struct names_row {
		uint32_t ip, name;	/* offsets of their texts in pool */
		int64_t first_ms, expires_ms;
		int64_t sni_port;
		int dns;		/* source 'dns', else 'sni' */
	} *rows;		/* device after device */
	size_t len, cap;
	struct text_pool pool;
	struct names_device {
		char mac[MAC_STRLEN];
		size_t first, len;	/* its rows */
	} *devices;
	size_t ndevices, devices_cap, current;
	uint32_t *slots;	/* hash of the MAC text -> device index + 1; 0: free */
	size_t nslots;		/* a power of two, at least twice ndevices */
};

/* 0, or -EIO after printing why. */
int names_reader_open(sqlite3 *db, struct names_reader *r);
/*
 * The names valid for flow k's device (mac) and address (ip) at t_ms, and
 * their source.  0, or -EIO/-ENOMEM (after printing why) with no names.
 */
int names_reader_at(struct names_reader *r, const char *mac, const char *ip,
		    const struct flow_key *k, int64_t t_ms, char names[FLOW_NAMES_MAX],
		    char source[4]);
void names_reader_close(struct names_reader *r);

#endif
