/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Levelled messages to stderr, "iotrim: ..." prefixed.  Libraries use these
 * to explain a failure they return as -errno; only cli/ decides exit codes. */
#ifndef IOTRIM_COMMON_LOG_H
#define IOTRIM_COMMON_LOG_H

#include <stdbool.h>

/* -v / --verbose: debug messages and libbpf's informational output. */
extern bool verbose;

void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An error the caller will return; printed without the "warning: " prefix. */
void pr_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
