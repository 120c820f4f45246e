/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Exit codes and error reporting. */
#ifndef IOTRIM_CLI_H
#define IOTRIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "common/parse.h"

/* Documented in `iotrim --help`; scripts rely on them. */
enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILURE_RUNTIME = 1,	/* unexpected system or BPF error */
	EXIT_USAGE = 2,			/* bad command line */
	EXIT_PERMISSION = 3,		/* not root */
	EXIT_ENVIRONMENT = 4,		/* no BTF, no bpffs, kernel too old */
	EXIT_NO_INTERFACE = 5,		/* interface does not exist */
	EXIT_CONFLICT = 6,		/* already attached, foreign program */
	EXIT_LOAD_FAILED = 7,		/* verifier rejected a program */
	EXIT_NOT_ATTACHED = 8,		/* no pinned iotrim state */
	EXIT_INTERRUPTED = 130,		/* stopped by SIGINT/SIGTERM (experiment), as a shell says */
};

/* Prints "iotrim: <message>" to stderr and returns code, for `return fail(...)`. */
int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* While buf is set, fail() writes its message there (without "iotrim: ")
 * instead of to stderr: the config file collects every error.  NULL ends it. */
void fail_capture(char *buf, size_t len);
/* The exit code for a datapath result: 0, -errno or -enum dp_error. */
int datapath_exit(int err);

struct attach_request;
/* Attaches and says so; an exit code (attach and run share it). */
int attach_and_report(const struct attach_request *req);

struct sqlite3;
/* db_open for a command: EXIT_OK, or EXIT_FAILURE_RUNTIME once db_open said why. */
int cli_db_open(const char *path, struct sqlite3 **db);
/*
 * The exit code for a loader of a file the user names (geo data, providers,
 * device config) that said why it failed: -EINVAL is bad input (EXIT_USAGE),
 * anything else EXIT_FAILURE_RUNTIME.
 */
int load_exit_code(int err);

struct snapshot;
/* The flow table as `iotrim flows` prints it (sorted by its --sort, default bytes); 0 or -ENOMEM. */
int flows_print(struct snapshot *snap, const uint8_t *only, bool json, bool payload);
/* An `iotrim run` holds the controller lock of db_file (cmd_run.c). */
bool run_active(const char *db_file);
/* After an attach: the stored block rules go into the maps again (a failure only warns). */
void reapply_block_rules(void);

#endif
