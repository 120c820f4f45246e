/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the `iotrim experiment` commands share: their options. */
#ifndef IOTRIM_CLI_EXPERIMENT_H
#define IOTRIM_CLI_EXPERIMENT_H

#include "cli/commands.h"
#include "history/db.h"

/* The options of every experiment command (each takes those it lists). */
struct experiment_opts {
	bool json;
	const char *out, *db;
	struct param_u64 trial;
};

/* --db, or the default database. */
const char *experiment_db(const struct experiment_opts *o);

#define EXPERIMENT_DB                                                                      \
	{ .name = "db", PARAM_STRING(struct experiment_opts, db), .arg = "FILE",               \
	  .help = "default $IOTRIM_DB or " IOTRIM_DEFAULT_DB }

/* In cli/cmd_experiment_list.c. */
extern const struct command experiment_list_command;

#endif
