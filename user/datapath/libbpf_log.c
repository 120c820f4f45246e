// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "datapath/libbpf_log.h"

/* Keeps the newest bytes; verifier logs can be long. */
#define LOG_KEEP (256 * 1024)

static char log_buf[LOG_KEEP];
static size_t log_len;

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[4096];
	int n;

	if (verbose)
		return vfprintf(stderr, fmt, ap);
	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n <= 0)
		return n;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (log_len + n > LOG_KEEP) {
		size_t drop = log_len + n - LOG_KEEP;

		memmove(log_buf, log_buf + drop, log_len - drop);
		log_len -= drop;
	}
	memcpy(log_buf + log_len, line, n);
	log_len += n;
	return n;
}

void libbpf_log_capture(void)
{
	libbpf_set_print(capture);
}

void libbpf_log_print_tail(int max_lines)
{
	size_t start = log_len;
	int lines = 0;

	while (start > 0 && lines <= max_lines) {
		start--;
		if (log_buf[start] == '\n')
			lines++;
	}
	if (start > 0)
		start++;
	if (log_len > start)
		fprintf(stderr, "--- libbpf/verifier log (last %d lines) ---\n%.*s",
			max_lines, (int)(log_len - start), log_buf + start);
}

bool libbpf_log_contains(const char *needle)
{
	return memmem(log_buf, log_len, needle, strlen(needle)) != NULL;
}
