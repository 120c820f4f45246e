// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli/cli.h"
#include "history/db.h"

int fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("iotrim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
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
