/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Files the controller creates as root in places others may write to:
 * never through a symbolic link, never into a file someone else prepared.
 * Library style: 0 or -errno.
 */
#ifndef IOTRIM_COMMON_SAFEFILE_H
#define IOTRIM_COMMON_SAFEFILE_H

#include <limits.h>
#include <stdio.h>

/*
 * A lock file, created 0600 when missing: O_NOFOLLOW, and it must be a
 * regular file.  Returns the descriptor or -errno (-ELOOP for a symlink).
 */
int safe_open_lock(const char *path);

/*
 * A file that replaces PATH whole once safe_commit() succeeds: written to a
 * fresh temporary beside it (created with O_EXCL, mode 0600, so nobody can
 * have opened it before), then renamed over PATH, which replaces a symbolic
 * link at PATH rather than following it.
 */
struct safe_out {
	FILE *f;
	char path[PATH_MAX];
	char tmp[PATH_MAX + 16];
};

int safe_create(struct safe_out *o, const char *path);
/* Flushes, closes and renames; on failure the temporary is removed. */
int safe_commit(struct safe_out *o);
/* Closes and removes the temporary (PATH is left as it was). */
void safe_abort(struct safe_out *o);

#endif
