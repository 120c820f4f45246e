/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `iotrim run`'s options, and what of them a SIGHUP changes in a running
 * controller (cli/run_reload.c): sampling, interval, grace, retention and
 * the device config.  The rest needs a restart, and a reload says so.
 */
#ifndef IOTRIM_CLI_RUN_H
#define IOTRIM_CLI_RUN_H

#include "attrib/party.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "datapath/settings.h"
#include "history/retention.h"

/* How often a running controller applies the retention (and after a reload). */
#define RUN_RETENTION_PERIOD_S 3600

struct run_params {
	const char *config, *lan, *db, *devices;
	const char *web_listen;	/* the dashboard (user/web/), NULL: none */
	const char *metrics_listen, *ipfix_collector;	/* the exporters (user/exporter/) */
	struct param_u64 metrics_top;
	int ipfix_transport;
	bool no_attach;
	struct param_u64 interval, grace, duration, device_idle;
	struct attach_params attach;
	struct param_u64 sample_first, sample_every, sample_bytes;
	struct param_u64 history_retention, history_daily_retention;
	int history_rollup;	/* enum retention_rollup */
};
extern const struct param_word history_rollup_words[];

/* The settings a reload may change. */
struct run_live {
	unsigned interval, grace, device_idle;
	struct retention_policy retention;
	struct sampling_change sampling;
	const char *devices;	/* NULL: the default file */
};

/* The config files read: the first lives as long as the run (the options
 * point into it), the latest reload's until the next one. */
struct run_reload {
	struct config first, later;
	const struct config *current;
};

void run_live_from(const struct run_params *p, struct run_live *live);

/* Writes the sampling into the settings map when the config or the command
 * line has any (before: the ones in force, NULL at the start). */
void run_apply_sampling(const struct run_live *live, const struct sampling_change *before);

/* SIGHUP: reads the config again; on success applies it to *live and *conf,
 * logs each change, and returns 0; on errors logs them and changes nothing. */
int run_reload(struct run_reload *rl, struct run_live *live, struct device_config *conf);

/* Applies the retention policy now, logging what it did; flows_fd, the
 * flow table, says which counter states are still live. */
void run_retention(sqlite3 *db, const struct retention_policy *policy, int flows_fd);

#endif
