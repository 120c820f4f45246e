/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The controller's side of the attribution events (bpf/events.h): DNS
 * queries and answers and TLS hellos become (device, address) -> name in
 * the pinned "names" map and in SQLite, and TLS versions per destination.
 * Malformed input is counted, never trusted.
 */
#ifndef IOTRIM_NAMES_H
#define IOTRIM_NAMES_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotrim.h"

#define IOTRIM_DEFAULT_GRACE_S 300

/* Totals since the controller started; names are the attribution_counters rows. */
struct attrib_stats {
	uint64_t events;
	uint64_t dns_queries;
	uint64_t dns_responses;
	uint64_t dns_addresses;		/* (device, address) -> name records */
	uint64_t dns_malformed;
	uint64_t dns_truncated;		/* TCP message longer than its first segment */
	uint64_t tls_client_hellos;
	uint64_t tls_server_hellos;
	uint64_t tls_sni;
	uint64_t tls_malformed;
	uint64_t tls_truncated;		/* hello longer than the bytes we got */
	uint64_t tls_not_hello;
	uint64_t events_bad;		/* wrong size or kind */
};
#define ATTRIB_STATS_FIELDS 13

struct attrib {
	sqlite3 *db;			/* NULL: no SQLite (fuzzing) */
	int names_fd;			/* -1: no names map */
	uint64_t grace_ns;
	struct attrib_stats st, saved;
	sqlite3_stmt *up_name, *up_query_q, *up_query_r, *up_tls;
	bool in_txn;
	unsigned pending;
};

int attrib_init(struct attrib *a, sqlite3 *db, int names_fd, unsigned grace_s);
/* One ring-buffer record (size bytes); never fails, counts what it drops. */
void attrib_handle(struct attrib *a, const void *data, size_t size);
/* Commits batched writes and adds the counters to attribution_counters. */
int attrib_flush(struct attrib *a);
/* Deletes names map entries whose expiry has passed; returns how many. */
int attrib_expire_names(struct attrib *a);
void attrib_fini(struct attrib *a);

/* Name, value pairs of a stats struct, in a stable order. */
void attrib_stats_list(const struct attrib_stats *st, const char *names[ATTRIB_STATS_FIELDS],
		       uint64_t values[ATTRIB_STATS_FIELDS]);


#endif
