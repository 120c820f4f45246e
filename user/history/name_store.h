/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The attribution sink (attrib/names.h) that keeps names, DNS queries, TLS
 * versions and the attribution counters in SQLite (dns_names, dns_queries,
 * tls_versions, certificates, attribution_counters).  Writes are batched in one
 * transaction that each flush commits.
 */
#ifndef IOTRIM_NAME_STORE_H
#define IOTRIM_NAME_STORE_H

#include <sqlite3.h>
#include <stdbool.h>

#include "attrib/names.h"

struct name_store {
	struct attrib_sink sink;	/* for attrib_init */
	sqlite3 *db;
	sqlite3_stmt *up_name, *up_query_q, *up_query_r, *up_tls, *up_cert;
	bool in_txn;
};

/* Prepares the statements; 0, or -EIO after printing why. */
int name_store_open(struct name_store *s, sqlite3 *db);
void name_store_close(struct name_store *s);

#endif
