/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Exit codes and error reporting. */
#ifndef IOTRIM_CLI_H
#define IOTRIM_CLI_H

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
};

/* Prints "iotrim: <message>" to stderr and returns code, for `return fail(...)`. */
int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
