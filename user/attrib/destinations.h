/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Destinations as IoTrimmer defines them: the DNS (or TLS SNI) name a
 * device asked for plus the protocol and remote port; two addresses of one
 * name on one port are one destination, and an address the device never got
 * a name for is its own destination.  Names compare case-insensitively.
 * Bytes of one address and port that several names held at once (a row
 * named "a b") are one shared destination, shown once; each of the names
 * is a destination too, with the bytes it alone had (README "Shared
 * destinations").
 * This is the one home of that rule (the experiment's grouping uses
 * dest_same too); history/queries.h adds what the database knows.
 */
#ifndef IOTRIM_DESTINATIONS_H
#define IOTRIM_DESTINATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib/cert.h"
#include "attrib/dns.h"
#include "attrib/geo.h"
#include "attrib/local.h"
#include "attrib/party.h"
#include "attrib/flow_rows.h"
#include "common/fmt.h"

/* What tells one destination of a device from another. */
struct dest_key {
	const char *name;	/* "" for none */
	uint8_t family;		/* the address: what counts when there is no name */
	const uint8_t *ip;	/* 16 bytes */
	uint8_t proto;
	uint16_t port;
};

bool dest_same(const struct dest_key *a, const struct dest_key *b);

/* TLS versions tracked per destination: bit i of tls_mask is version 0x0300 + i. */
#define DEST_TLS_VERSIONS 5

struct dest {
	const struct flow_row *first;	/* rows [first, first + nrows) */
	size_t nrows;
	char **ips;			/* into the rows; the array is the list's */
	size_t nips;
	const char *main_ip;		/* the address with the most bytes */
	uint8_t family, ip[16];		/* main_ip, binary */
	uint64_t packets_up, bytes_up, packets_down, bytes_down;
	int64_t first_seen_ms, last_seen_ms;
	const char *domain;		/* registrable domain of the name; "" if none */
	struct geo_info geo;		/* of main_ip */
	char countries[8][3];		/* of every address */
	int ncountries;
	enum party party;
	/*
	 * The texts (domain above, and below) are never NULL: "" when empty,
	 * else owned by the list (a big history has one destination per row: no
	 * fixed buffers); domain and reason are in its texts, once each.
	 */
	const char *reason;
	unsigned tls_mask;
	const char *chain;		/* CNAME targets, space separated */
	const char *name_source;	/* "dns", "sni" or NULL */
	const struct device_info *device;	/* one per device, owned by the list */
	bool shared;			/* bytes of several names (first->name) */
	const char *shared_with;	/* names it shares bytes with, space separated */
	struct cert_info *cert;		/* the server certificate last seen; NULL: none */
	bool cert_hidden;		/* no certificate, and TLS 1.3 hid it */
};

struct dest_list {
	struct dest *items;
	size_t len;
	char **ips;			/* every destination's ips, one run each */
	struct name_pool texts;		/* the domains and reasons, each once */
	struct device_info **devices;	/* what dest_describe looked up, once per device */
	size_t ndevices;
};

/* Sets one of d's texts (chain, shared_with) to a copy of s; -ENOMEM. */
int dest_set_text(const char **field, const char *s);

/* Several names, space separated (a shared row or destination)? */
bool dest_names_shared(const char *names);

/* The name, else the address. */
const char *dest_host(const struct flow_row *r);

/*
 * Sorts rows by device and destination and sums each destination's rows;
 * adds a row without bytes per name of a shared row, so that each name is
 * listed; the destinations point into rows.  0 or -ENOMEM.
 */
int dest_group(struct flow_rows *rows, struct dest_list *out);
/*
 * Registrable domain, device, geo of the main address, the countries of
 * every address if address_countries (a geo lookup each: the report needs
 * only the main one's), party; local traffic (local.h) is party local with
 * its reason and nothing else.  0 or -ENOMEM.
 */
int dest_describe(struct dest_list *l, struct dest *d, const struct geo *geo,
		  const struct providers *prov, struct device_config *conf,
		  const struct local_nets *local, bool address_countries);
/*
 * Per device, most bytes first; l as dest_group made it (each device's
 * destinations together, in the order of their rows).  0 or -ENOMEM.
 */
int dest_sort(struct dest_list *l);
void dest_list_free(struct dest_list *l);

#endif
