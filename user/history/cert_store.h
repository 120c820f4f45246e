/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Server certificates in SQLite (the certificates table, certificates_v1):
 * one row per device, address, port, SNI and hidden-or-not, the latest
 * certificate winning; and the certificate of a destination, for
 * `destinations` and the report.
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

/* The statement cert_store_describe reads with; NULL without the table. */
sqlite3_stmt *cert_store_prepare_lookup(sqlite3 *db);
/*
 * Sets d->cert (allocated; the row whose SNI is d's name first, else the
 * latest) from the certificates of d's addresses on its port, or
 * d->cert_hidden when only TLS 1.3 was seen.  0 or -ENOMEM.
 */
int cert_store_describe(sqlite3_stmt *st, struct dest *d);

#endif
