/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Runs one experiment command: `/bin/sh -c CMD` in the experiment file's
 * directory, in a process group of its own, stdin from /dev/null, stdout and
 * stderr captured together up to a bound.  On timeout (or when *stop is
 * set: Ctrl-C) the whole group gets SIGTERM, then SIGKILL after a grace
 * period.  A command that exits while something it started in the
 * background still holds its output is not waited for.
 */
#ifndef IOTRIM_EXPERIMENT_EXEC_H
#define IOTRIM_EXPERIMENT_EXEC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define EXP_OUTPUT_MAX 8192	/* bytes of output kept per command */
#define EXP_KILL_GRACE_MS 1000

struct exp_cmd_result {
	int exit_code;		/* exit status; 128 + signal if killed; -1 not run */
	bool timed_out;
	bool interrupted;	/* *stop was set */
	bool truncated;		/* more output than kept */
	char *output;		/* NUL-terminated, malloc'd (may be "") */
	size_t len;
	double seconds;
};

/*
 * env: NULL-terminated "NAME=value" strings added to the command's
 * environment.  0 with the outcome in r, or -errno if it could not start.
 */
int exp_run_command(const char *cmd, const char *dir, unsigned timeout_s,
		    const volatile sig_atomic_t *stop, char *const *env,
		    struct exp_cmd_result *r);
void exp_cmd_result_free(struct exp_cmd_result *r);
/* Sleeps up to ms; returns early (false) when *stop is set. */
bool exp_sleep(unsigned ms, const volatile sig_atomic_t *stop);

#endif
