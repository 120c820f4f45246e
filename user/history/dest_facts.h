/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the attribution tables say of destinations: the TLS versions
 * negotiated with an address and port (tls_versions), where a name came
 * from (dns_names) and the server certificate (certificates).  Read once
 * per listing into sorted arrays: a big history has a destination per flow
 * and as many addresses, and a query per address cost seconds.
 */
#ifndef IOTRIM_DEST_FACTS_H
#define IOTRIM_DEST_FACTS_H

#include <sqlite3.h>
#include <stdint.h>

#include "attrib/destinations.h"

/* A device's address and port, as the tables key them. */
struct addr_key {
	char mac[MAC_STRLEN];
	char ip[INET6_ADDRSTRLEN];
	int port;
};

struct tls_fact {
	struct addr_key k;
	unsigned mask;		/* bit i: version 0x0300 + i (dest.tls_mask) */
};

struct origin_fact {
	char mac[MAC_STRLEN];
	char *name;
	const char *source;	/* "dns" or "sni" */
	char *chain;		/* CNAME targets, space separated; never NULL */
};

struct cert_fact {
	struct addr_key k;	/* in the table's key order, then sni, hidden */
	char *sni;
	int hidden;
	int64_t seen_ms;
	int64_t rowid;
};

struct dest_facts {
	struct tls_fact *tls;
	size_t ntls;
	struct origin_fact *origins;	/* the best row per device and name */
	size_t norigins;
	struct cert_fact *certs;
	size_t ncerts;
	sqlite3_stmt *cert_read;	/* NULL without certificates */
};

/*
 * Reads the three tables (in the caller's transaction, if any); a table
 * that cannot be read is empty: a destination still has its traffic.
 * 0 or -ENOMEM; free with dest_facts_free, also after a failure.
 */
int dest_facts_load(sqlite3 *db, struct dest_facts *f);
/*
 * Sets d's tls_mask (the versions of any of its addresses on its port),
 * name_source and chain (a DNS answer wins over an SNI, then the latest),
 * and for TCP its cert (the row whose SNI is d's name first, else the
 * latest; allocated) or cert_hidden when only TLS 1.3 was seen.
 * 0 or -ENOMEM.
 */
int dest_facts_describe(const struct dest_facts *f, struct dest *d);
void dest_facts_free(struct dest_facts *f);

#endif
