/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libbpf's messages (including the verifier log) are kept quiet unless
 * something fails; then the tail is shown, or everything with --verbose.
 */
#ifndef IOTRIM_LIBBPF_LOG_H
#define IOTRIM_LIBBPF_LOG_H

#include <stdbool.h>

void libbpf_log_capture(void);
/* Prints the last max_lines captured lines to stderr. */
void libbpf_log_print_tail(int max_lines);
bool libbpf_log_contains(const char *needle);

#endif
