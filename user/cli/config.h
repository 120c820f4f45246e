/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The config file (/etc/iotrim/iotrim.conf, README "Config file"): INI
 * whose keys are a command's options.  [iotrim] KEY is --KEY, [SECTION]
 * KEY is --SECTION-KEY (a few aliases read better: [iotrim] database is
 * --db, [sampling] first is --sample-first) of `iotrim run`, except in a
 * section named after another command ([report]): there KEY is that
 * command's --KEY, read by it alone.  Each value goes through
 * the option's own parser, so an option added to the command is a key with
 * no code here.  Options given on the command line win over the file.
 * Every error is collected as "FILE:LINE: message".
 */
#ifndef IOTRIM_CLI_CONFIG_H
#define IOTRIM_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/params.h"

#define IOTRIM_DEFAULT_CONFIG "/etc/iotrim/iotrim.conf"
#define CONFIG_MAX_ERRORS 100
/* The option that names the file, never a key. */
#define CONFIG_OPTION "config"

struct config_entry {
	const struct param *param;
	char *value;		/* the options struct points into it: keep until done */
	int line;
	char key[96];		/* as written: "[sampling] first" */
};

struct config_error {
	int line;		/* 0: the file as a whole */
	char msg[320];
};

struct config {
	char path[4096];
	bool missing;		/* the default file does not exist: no keys */
	struct config_entry *entries;
	size_t nentries;
	struct config_error *errors;
	size_t nerrors;
	uint64_t set;		/* bit i: cmd->params[i] came from the file */
	size_t nsection_keys;	/* run: keys of other commands' sections, checked only */
};

/*
 * Reads path (must_exist false: a missing file is no keys) and stores each
 * key into opts with its option's parser, leaving alone the options whose
 * bit is in skip (given on the command line).  Returns 0, -EINVAL when
 * cfg->errors has the reasons, or -errno (also in cfg->errors).
 */
int config_read(const struct command *cmd, const char *path, bool must_exist, void *opts,
		uint64_t skip, struct config *cfg);
void config_free(struct config *cfg);

/*
 * config_read() for the command running now, over its command line
 * (params_given()): path NULL reads IOTRIM_DEFAULT_CONFIG if it exists.
 */
int config_load(const struct command *cmd, const char *path, void *opts, struct config *cfg);

/* Prints each error as "iotrim: FILE:LINE: message" to stderr. */
void config_print_errors(const struct config *cfg);

/* The entry of the file for p, or NULL. */
const struct config_entry *config_entry_of(const struct config *cfg, const struct param *p);
/* The value the file gave p, or NULL. */
const char *config_value(const struct config *cfg, const struct param *p);
/* How a file spells p's key: the alias, else "[iotrim] NAME". */
void config_key_of(const struct param *p, char *out, size_t len);

#endif
