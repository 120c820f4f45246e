/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What `iotrim destinations` and `iotrim export` share: options, loading, output. */
#ifndef IOTRIM_CLI_DESTINATIONS_H
#define IOTRIM_CLI_DESTINATIONS_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "attrib/destinations.h"
#include "attrib/geo.h"
#include "attrib/party.h"
#include "common/fmt.h"
#include "common/json.h"

struct dest_opts {
	const uint8_t *only;
	uint8_t mac[6];
	bool json, csv, no_live;
	const char *db, *devices, *providers, *out_dir;
	struct geo_options geo;
};

/*
 * The options of `destinations` (export false) or `export`, usage being its
 * --help text: EXIT_OK, an exit code, or -1 when --help was printed.
 */
int parse_dest_opts(int argc, char **argv, bool export, const char *usage,
		    struct dest_opts *o);

struct dest_data {
	sqlite3 *db;
	struct flow_rows rows;		/* the destinations point into these */
	char only_text[MAC_STRLEN];	/* o->only as text */
	struct geo *geo;
	struct providers prov;
	struct device_config conf;
	struct local_nets local;	/* this gateway's addresses: local traffic */
	struct dest_list dests;
};

/* The flows and their destinations; an exit code after printing why. */
int load_dest_data(const struct dest_opts *o, struct dest_data *d);
void dest_data_free(struct dest_data *d);

/* Unix milliseconds as RFC 3339 (UTC). */
void dest_time_text(int64_t ms, char out[TIME_STRLEN]);
/* One destination as a `destinations --json` object. */
void json_dest(struct json *j, const struct dest *d);

#endif
