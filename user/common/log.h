/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Levelled messages to stderr, "iotrim: ..." prefixed.  Libraries use these
 * to explain a failure they return as -errno; only cli/ decides exit codes. */
#ifndef IOTRIM_COMMON_LOG_H
#define IOTRIM_COMMON_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_ERROR,	/* what went wrong, as the caller returns -errno */
	LOG_WARN,	/* "warning: ..." and carry on */
	LOG_NOTICE,	/* progress and facts the user asked for */
	LOG_DEBUG,	/* only with -v / --verbose */
};

/* -v / --verbose: debug messages and libbpf's informational output. */
extern bool verbose;

void log_print(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_error(...) log_print(LOG_ERROR, __VA_ARGS__)
#define warn(...) log_print(LOG_WARN, __VA_ARGS__)
#define notice(...) log_print(LOG_NOTICE, __VA_ARGS__)
#define pr_debug(...) log_print(LOG_DEBUG, __VA_ARGS__)

#endif
