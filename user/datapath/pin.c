// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "datapath/progs.h"

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

/* The pin directory's parent, where bpffs is (or will be) mounted. */
static void pin_parent(char *out, size_t len)
{
	char *slash;

	snprintf(out, len, "%s", pin_dir());
	slash = strrchr(out, '/');
	if (slash && slash != out)
		*slash = '\0';
}

/*
 * Whoever can rename entries in the pin directory can swap root's deny maps
 * for empty ones (bpffs mounted without mode= is 1777, open to every user).
 * So it must be a directory of root's, 0700, not a symlink; its parent
 * root's and, when others can write to it, sticky so that nobody else can
 * move root's directory away.  0, -ENOENT (no pin directory yet) or
 * -DP_UNSAFE_PIN_DIR with why[] filled in.
 */
static int pin_dir_unsafe(char *why, size_t len)
{
	const char *dir = pin_dir();
	char parent[4096];
	struct stat st;

	if (lstat(dir, &st) != 0)
		return errno == ENOENT ? -ENOENT : (snprintf(why, len, "cannot stat it: %s",
							      strerror(errno)), -DP_UNSAFE_PIN_DIR);
	if (S_ISLNK(st.st_mode))
		snprintf(why, len, "it is a symbolic link");
	else if (!S_ISDIR(st.st_mode))
		snprintf(why, len, "it is not a directory");
	else if (st.st_uid != 0)
		snprintf(why, len, "it is owned by uid %u, not root", (unsigned)st.st_uid);
	else if ((st.st_mode & 07777) != 0700)
		snprintf(why, len, "its mode is %04o, not 0700", (unsigned)(st.st_mode & 07777));
	else
		why[0] = '\0';
	if (why[0])
		return -DP_UNSAFE_PIN_DIR;
	pin_parent(parent, sizeof(parent));
	if (lstat(parent, &st) != 0 || !S_ISDIR(st.st_mode))
		snprintf(why, len, "its parent %s is not a directory", parent);
	else if (st.st_uid != 0)
		snprintf(why, len, "its parent %s is owned by uid %u, not root", parent,
			 (unsigned)st.st_uid);
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		snprintf(why, len, "its parent %s is writable by other users (mode %04o, not sticky)",
			 parent, (unsigned)(st.st_mode & 07777));
	return why[0] ? -DP_UNSAFE_PIN_DIR : 0;
}

static int check_pin_dir(void)
{
	char why[4200];
	int err = pin_dir_unsafe(why, sizeof(why));

	if (err == -DP_UNSAFE_PIN_DIR)
		pr_error("refusing to use the pin directory %s: %s; another user may have made it to swap the deny maps: remove it and mount bpffs with mode=0700",
			 pin_dir(), why);
	return err == -ENOENT ? 0 : err;
}

int require_pin_access(void)
{
	int err = require_root();

	return err ? err : check_pin_dir();
}

/* Same file, same inode: both paths name the same object (namespace, mount). */
static bool same_object(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* The /run/netns name of this network namespace, or "NAME". */
static void netns_name(char *out, size_t len)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;
	char path[512];

	snprintf(out, len, "NAME");
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
		if (same_object(path, "/proc/self/ns/net")) {
			snprintf(out, len, "%s", e->d_name);
			break;
		}
	}
	if (d)
		closedir(d);
}

/* The parent of a process from /proc/PID/stat, 0 if unknown. */
static pid_t parent_pid(pid_t pid)
{
	char path[64], line[512], *end;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses */
	if (fgets(line, sizeof(line), f) && (end = strrchr(line, ')')))
		sscanf(end + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

/*
 * A process in the system's mount namespace: PID 1, or where PID 1 is out of
 * reach (a sandbox), the oldest ancestor within reach.  0 if none.
 */
static pid_t system_mount_ns_pid(void)
{
	char path[64];
	pid_t pid, found = 0;

	if (access("/proc/1/ns/mnt", F_OK) == 0)
		return 1;
	for (pid = getppid(); pid > 1; pid = parent_pid(pid)) {
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
		if (access(path, F_OK) != 0)
			break;
		found = pid;
	}
	return found;
}

/*
 * Pins last as long as their bpffs is mounted.  `ip netns exec` runs the
 * command in a mount namespace of its own with a fresh /sys: a bpffs that
 * only that namespace sees (or that iotrim would mount there) goes with the
 * command, and the programs stay attached with no pin to find them by.  So
 * outside the system's mount namespace, the pin directory's bpffs must be
 * the one the system sees at the same path.
 */
static int check_pins_outlive_command(const char *parent, bool must_mount)
{
	char sys_ns[64], sys_view[4200], name[256];
	struct stat here, there;
	pid_t sys = system_mount_ns_pid();

	if (!sys)
		return 0;
	snprintf(sys_ns, sizeof(sys_ns), "/proc/%d/ns/mnt", (int)sys);
	if (same_object("/proc/self/ns/mnt", sys_ns))
		return 0;
	snprintf(sys_view, sizeof(sys_view), "/proc/%d/root%s", (int)sys, parent);
	if (!must_mount && stat(parent, &here) == 0 && stat(sys_view, &there) == 0 &&
	    here.st_dev == there.st_dev)
		return 0;
	netns_name(name, sizeof(name));
	pr_error("the pins under %s would vanish when iotrim exits: this mount namespace is not the system's (as under `ip netns exec`, which remounts /sys), and the programs would stay attached with no pin to find them; run iotrim in the network namespace with `nsenter --net=/run/netns/%s iotrim ...`",
		 pin_dir(), name);
	return -DP_PINS_WOULD_VANISH;
}

int require_bpffs(void)
{
	const char *dir = pin_dir();
	char parent[4096];
	bool mounted;
	int err;

	pin_parent(parent, sizeof(parent));
	mounted = is_bpffs(parent);
	if (!mounted && strcmp(parent, BPFFS_ROOT) != 0) {
		pr_error("%s is not on a BPF filesystem (bpffs)", dir);
		return -DP_NO_BPFFS;
	}
	if ((err = check_pins_outlive_command(parent, !mounted)))
		return err;
	if (!mounted) {
		mkdir(BPFFS_ROOT, 0700);
		if (mount("bpffs", BPFFS_ROOT, "bpf", 0, "mode=0700") != 0) {
			pr_error("bpffs is not mounted at %s and mounting it failed: %s",
				 BPFFS_ROOT, strerror(errno));
			return -DP_NO_BPFFS;
		}
		notice("mounted bpffs at %s", BPFFS_ROOT);
	}
	if (mkdir(dir, 0700) == 0)
		chmod(dir, 0700);	/* whatever the umask */
	else if (errno != EEXIST) {
		pr_error("cannot create %s: %s", dir, strerror(errno));
		return -DP_NO_BPFFS;
	}
	return check_pin_dir();
}

int open_pinned_map(const char *name)
{
	char path[4096], why[4200];

	if (pin_dir_unsafe(why, sizeof(why)) == -DP_UNSAFE_PIN_DIR) {
		errno = EACCES;
		return -1;
	}
	pin_path(name, path, sizeof(path));
	return bpf_obj_get(path);
}

int device_maps_open(struct device_maps *m)
{
	int totals = open_pinned_map(MAP_NAME(MAP_DEVICES));
	int owners = open_pinned_map(MAP_NAME(MAP_DEVICE_OWNERS));
	int slots = open_pinned_map(MAP_NAME(MAP_DEVICE_SLOTS));
	int err = -errno;

	*m = (struct device_maps){ .slots = -1, .owners = -1, .totals = -1 };
	/* A build before the slots pinned "devices" alone (a hash by MAC). */
	if (totals >= 0 && (owners < 0 || slots < 0)) {
		pr_error("the maps pinned under %s do not match this build of iotrim: run `iotrim detach --purge` (loses their counts)",
			 pin_dir());
		err = -DP_PINS_DIFFER;
	} else if (totals >= 0) {
		err = device_maps_from_fds(m, slots, owners, totals);
	}
	if (totals >= 0)
		close(totals);
	if (owners >= 0)
		close(owners);
	if (slots >= 0)
		close(slots);
	return err;
}

static int not_attached(void)
{
	pr_error("no iotrim maps under %s: run `iotrim attach --lan IFACE` first", pin_dir());
	warn_unpinned_programs();
	return -DP_NOT_ATTACHED;
}

int open_all_maps(struct pinned_maps *maps)
{
	static const char *const names[] = { MAP_NAME(MAP_FLOWS), MAP_NAME(MAP_COUNTERS),
					       MAP_NAME(MAP_ATTACHMENT) };
	int *fds[] = { &maps->flows, &maps->counters, &maps->attachment };
	int err = require_pin_access();

	if (err)
		return err;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		*fds[i] = -1;
	maps->devices = (struct device_maps){ .slots = -1, .owners = -1, .totals = -1 };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		*fds[i] = open_pinned_map(names[i]);
		if (*fds[i] < 0) {
			int saved = errno;

			close_all_maps(maps);
			if (saved == ENOENT)
				return not_attached();
			pr_error("cannot open pinned map %s/%s: %s", pin_dir(), names[i],
				 strerror(saved));
			return -saved;
		}
	}
	if ((err = device_maps_open(&maps->devices))) {
		close_all_maps(maps);
		if (err == -ENOENT)
			return not_attached();
		if (err != -DP_PINS_DIFFER)
			pr_error("cannot open the pinned device maps under %s: %s", pin_dir(),
				 strerror(-err));
		return err;
	}
	return 0;
}

void close_all_maps(struct pinned_maps *maps)
{
	int *fds[] = { &maps->flows, &maps->counters, &maps->attachment };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	device_maps_close(&maps->devices);
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
