/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Each device's destinations with everything said about them: the flows of
 * the history plus what the kernel counted since the last harvest, named,
 * placed (geo), and labelled (party).  `iotrim destinations`, `export` and
 * the dashboard's API (web/) all read them here.
 */
#ifndef IOTRIM_REPORT_DEST_DATA_H
#define IOTRIM_REPORT_DEST_DATA_H

#include <sqlite3.h>
#include <stdbool.h>

#include "attrib/destinations.h"
#include "attrib/geo.h"
#include "attrib/local.h"
#include "attrib/party.h"
#include "common/fmt.h"
#include "history/queries.h"

/* Where the data comes from. */
struct dest_source {
	const char *db;			/* NULL: db_path() */
	const char *devices, *providers;	/* NULL: the defaults */
	struct geo_options geo;
	const uint8_t *only;		/* one device's MAC (6 bytes), or NULL for all */
	bool no_live;			/* the database only */
};

struct dest_data {
	sqlite3 *db;
	struct flow_rows rows;		/* the destinations point into these */
	char only_text[MAC_STRLEN];	/* source's only as text */
	struct geo *geo;
	struct providers prov;
	struct device_config conf;
	struct local_nets local;	/* this gateway's addresses: local traffic */
	struct dest_list dests;
};

/*
 * Loads d (free it with dest_data_free, also after a failure): 0, or -errno
 * after saying why; -EINVAL is a bad file the user named (geo data,
 * providers, device config).
 */
int dest_data_load(const struct dest_source *s, struct dest_data *d);
void dest_data_free(struct dest_data *d);

#endif
