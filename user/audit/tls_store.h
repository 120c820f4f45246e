/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The verdicts of `iotrim audit tls` in the history database (migration
 * tls_audit_v1): one row per destination and run, so that a later run
 * (after a firmware update, say) does not erase what an earlier one found.
 */
#ifndef IOTRIM_AUDIT_TLS_STORE_H
#define IOTRIM_AUDIT_TLS_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/tls_verdict.h"

/* Stores one run's destinations for device mac ("aa:bb:.."); 0 or -EIO. */
int tls_audit_store(sqlite3 *db, const char *mac, int64_t started_ms, int64_t ended_ms,
		    const struct tls_dest_list *l);

/*
 * Adds, as not-seen, every named destination the device used before on one
 * of ports[0..nports) over TCP (from the flow history), so that a run shows
 * what it did not get to see.  0 or -EIO / -ENOMEM.
 */
int tls_audit_known(sqlite3 *db, const char *mac, const uint16_t *ports, size_t nports,
		    struct tls_dest_list *l);

/* One destination's latest verdict. */
struct tls_audit_row {
	char mac[18];
	struct tls_dest dest;
	int64_t ended_ms;	/* of the run that gave it */
};

/*
 * Calls fn for the latest verdict of each (device, name, port), devices and
 * names in order; only mac's when mac is not NULL.  0 or -EIO.
 */
int tls_audit_latest(sqlite3 *db, const char *mac,
		     void (*fn)(void *arg, const struct tls_audit_row *row), void *arg);

#endif
