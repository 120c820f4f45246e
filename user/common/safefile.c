// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/safefile.h"

int safe_open_lock(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {	/* a FIFO or device someone put there */
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int safe_create(struct safe_out *o, const char *path)
{
	int fd;

	memset(o, 0, sizeof(*o));
	if (snprintf(o->path, sizeof(o->path), "%s", path) >= (int)sizeof(o->path))
		return -ENAMETOOLONG;
	snprintf(o->tmp, sizeof(o->tmp), "%s.XXXXXX", path);
	/* mkostemp opens with O_CREAT | O_EXCL and mode 0600 */
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	o->f = fdopen(fd, "w");
	if (!o->f) {
		int err = -errno;

		close(fd);
		unlink(o->tmp);
		return err;
	}
	return 0;
}

int safe_commit(struct safe_out *o)
{
	int err = 0;

	if (fflush(o->f) != 0 || fsync(fileno(o->f)) != 0)
		err = -errno;
	if (fclose(o->f) != 0 && !err)
		err = -errno;
	o->f = NULL;
	if (!err && rename(o->tmp, o->path) != 0)
		err = -errno;
	if (err)
		unlink(o->tmp);
	return err;
}

void safe_abort(struct safe_out *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	unlink(o->tmp);
}
