/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What `iotrim destinations` and `iotrim export` share: options, loading, output. */
#ifndef IOTRIM_CLI_DESTINATIONS_H
#define IOTRIM_CLI_DESTINATIONS_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/commands.h"
#include "attrib/destinations.h"
#include "attrib/geo.h"
#include "attrib/party.h"
#include "common/fmt.h"
#include "common/json.h"
#include "history/db.h"
#include "report/dest_data.h"
#include "report/json_views.h"

/* The options of `destinations` and `export` (only export has csv and out_dir). */
struct dest_opts {
	struct param_mac device;
	bool json, csv, no_live;
	const char *db, *devices, *providers, *out_dir;
	struct geo_options geo;
};

/* The options both take: where the data comes from. */
#define DEST_DATA_PARAMS                                                                    \
	{ .name = "no-live", PARAM_FLAG(struct dest_opts, no_live),                            \
	  .help = "the database only" },                                                     \
	{ .name = "db", PARAM_STRING(struct dest_opts, db), .arg = "FILE",                     \
	  .help = "default $IOTRIM_DB or " IOTRIM_DEFAULT_DB },                                \
	GEO_PARAMS(struct dest_opts, geo),                                                     \
	{ .name = "devices", PARAM_STRING(struct dest_opts, devices), .arg = "FILE",           \
	  .help = "device names and vendors (default " IOTRIM_DEFAULT_DEVICES_CONF ")" },      \
	{ .name = "providers", PARAM_STRING(struct dest_opts, providers), .arg = "FILE",       \
	  .help = "infrastructure providers (default " IOTRIM_DEFAULT_PROVIDERS ", else "     \
		  IOTRIM_SHARED_PROVIDERS ")" }
#define DEST_DEVICE_PARAM                                                                   \
	{ .name = "device", PARAM_MAC(struct dest_opts, device), .help = "only this device" }

/* The flows and their destinations (report/dest_data.h); an exit code after printing why. */
int load_dest_data(const struct dest_opts *o, struct dest_data *d);

#endif
