// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli/cli.h"
#include "datapath/error.h"
#include "history/db.h"

static char *capture_buf;
static size_t capture_len;

void fail_capture(char *buf, size_t len)
{
	capture_buf = buf;
	capture_len = len;
	if (buf && len)
		buf[0] = '\0';
}

int fail(int code, const char *fmt, ...)
{
	va_list ap;

	if (capture_buf) {
		va_start(ap, fmt);
		vsnprintf(capture_buf, capture_len, fmt, ap);
		va_end(ap);
		return code;
	}
	fputs("iotrim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int datapath_exit(int err)
{
	switch (-err) {
	case 0: return EXIT_OK;
	case EPERM: return EXIT_PERMISSION;
	case ENAMETOOLONG: return EXIT_USAGE;
	case ENODEV: return EXIT_NO_INTERFACE;
	case DP_NO_BTF:
	case DP_NO_BPFFS:
	case DP_UNSAFE_PIN_DIR:
	case DP_PINS_WOULD_VANISH: return EXIT_ENVIRONMENT;
	case DP_ATTACHED:
	case DP_FOREIGN_PROG:
	case DP_PINS_DIFFER: return EXIT_CONFLICT;
	case DP_LOAD_FAILED: return EXIT_LOAD_FAILED;
	case DP_NOT_ATTACHED: return EXIT_NOT_ATTACHED;
	default: return EXIT_FAILURE_RUNTIME;
	}
}

int cli_db_open(const char *path, sqlite3 **db)
{
	return db_open(path, db) ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}

int load_exit_code(int err)
{
	if (!err)
		return EXIT_OK;
	return err == -EINVAL ? EXIT_USAGE : EXIT_FAILURE_RUNTIME;
}
