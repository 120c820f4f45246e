/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Server certificates in SQLite (the certificates table, certificates_v1):
 * one row per device, address, port, SNI and hidden-or-not, the latest
 * certificate winning; and reading one back.
 */
#ifndef IOTRIM_CERT_STORE_H
#define IOTRIM_CERT_STORE_H

#include <sqlite3.h>

#include "attrib/destinations.h"
#include "attrib/names.h"

/* The upsert of cert_store_write; NULL after printing why. */
sqlite3_stmt *cert_store_prepare(sqlite3 *db);
/* One record (attrib_sink.certificate); 0 or -EIO. */
int cert_store_write(sqlite3_stmt *st, const struct cert_record *r);

/* The statement cert_store_read reads with; NULL without the table. */
sqlite3_stmt *cert_store_prepare_read(sqlite3 *db);
/*
 * The certificate of row rowid into c (history/dest_facts.h picks a
 * destination's); 0, or -ENOENT when there is no such row.
 */
int cert_store_read(sqlite3_stmt *st, int64_t rowid, struct cert_info *c);

#endif
