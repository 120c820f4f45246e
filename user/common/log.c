// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>

#include "common/log.h"

bool verbose;

void log_print(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == LOG_DEBUG && !verbose)
		return;
	fprintf(stderr, "iotrim: %s", level == LOG_WARN ? "warning: " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
