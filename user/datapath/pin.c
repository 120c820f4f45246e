// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "iotrim_maps.h"
#include "common/log.h"
#include "common/parse.h"
#include "datapath/error.h"
#include "datapath/pin.h"

#define BPFFS_ROOT "/sys/fs/bpf"
#define DEFAULT_VMLINUX_BTF "/sys/kernel/btf/vmlinux"

const char *pin_dir(void)
{
	return env_or(NULL, "IOTRIM_PIN_DIR", IOTRIM_PIN_DIR);
}

void pin_path(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", pin_dir(), name);
}

int require_root(void)
{
	if (geteuid() != 0) {
		pr_error("this command needs root (CAP_BPF, CAP_NET_ADMIN): run it with sudo");
		return -EPERM;
	}
	return 0;
}

int require_btf(void)
{
	const char *path = env_or(NULL, "IOTRIM_VMLINUX_BTF", DEFAULT_VMLINUX_BTF);

	if (access(path, R_OK) != 0) {
		pr_error("kernel BTF not found at %s: iotrim needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
			 path);
		return -DP_NO_BTF;
	}
	return 0;
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

int require_bpffs(void)
{
	const char *dir = pin_dir();
	char parent[4096];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (!is_bpffs(parent)) {
		if (strcmp(parent, BPFFS_ROOT) != 0) {
			pr_error("%s is not on a BPF filesystem (bpffs)", dir);
			return -DP_NO_BPFFS;
		}
		mkdir(BPFFS_ROOT, 0700);
		if (mount("bpffs", BPFFS_ROOT, "bpf", 0, "mode=0700") != 0) {
			pr_error("bpffs is not mounted at %s and mounting it failed: %s",
				 BPFFS_ROOT, strerror(errno));
			return -DP_NO_BPFFS;
		}
		notice("mounted bpffs at %s", BPFFS_ROOT);
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		pr_error("cannot create %s: %s", dir, strerror(errno));
		return -DP_NO_BPFFS;
	}
	return 0;
}

int open_pinned_map(const char *name)
{
	char path[4096];

	pin_path(name, path, sizeof(path));
	return bpf_obj_get(path);
}

int open_all_maps(struct pinned_maps *maps)
{
	static const char *const names[] = { MAP_NAME(MAP_FLOWS), MAP_NAME(MAP_DEVICES),
					       MAP_NAME(MAP_COUNTERS), MAP_NAME(MAP_ATTACHMENT) };
	int *fds[] = { &maps->flows, &maps->devices, &maps->counters, &maps->attachment };
	int err = require_root();

	if (err)
		return err;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		*fds[i] = -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		*fds[i] = open_pinned_map(names[i]);
		if (*fds[i] < 0) {
			int saved = errno;

			close_all_maps(maps);
			if (saved == ENOENT) {
				pr_error("no iotrim maps under %s: run `iotrim attach --lan IFACE` first",
					 pin_dir());
				return -DP_NOT_ATTACHED;
			}
			pr_error("cannot open pinned map %s/%s: %s", pin_dir(), names[i],
				 strerror(saved));
			return -saved;
		}
	}
	return 0;
}

void close_all_maps(struct pinned_maps *maps)
{
	int *fds[] = { &maps->flows, &maps->devices, &maps->counters, &maps->attachment };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

bool read_attach_info(int attachment_fd, struct attach_info *info)
{
	__u32 zero = 0;

	memset(info, 0, sizeof(*info));
	return bpf_map_lookup_elem(attachment_fd, &zero, info) == 0;
}

int pin_purge(void)
{
	const char *dir = pin_dir();
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	int err;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		err = -errno;
		pr_error("cannot open %s: %s", dir, strerror(-err));
		return err;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) != 0)
			warn("cannot remove %s: %s", path, strerror(errno));
	}
	closedir(d);
	if (rmdir(dir) != 0) {
		err = -errno;
		pr_error("cannot remove %s: %s", dir, strerror(-err));
		return err;
	}
	return 0;
}
