/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The pinned state under the pin directory (default /sys/fs/bpf/iotrim,
 * IOTRIM_PIN_DIR overrides it): checks that the system can hold it, and
 * opens the maps for the read-only commands.
 */
#ifndef IOTRIM_PIN_H
#define IOTRIM_PIN_H

#include <stdbool.h>
#include <stddef.h>

#include "iotrim.h"
#include "datapath/devices.h"

const char *pin_dir(void);
/* Path of a pinned object: <pin_dir>/<name>. */
void pin_path(const char *name, char *out, size_t len);

/*
 * Each returns 0, or after printing why: -EPERM (not root), -DP_NO_BTF,
 * -DP_NO_BPFFS, -DP_UNSAFE_PIN_DIR, -DP_PINS_WOULD_VANISH (datapath/error.h).
 */
int require_root(void);
/*
 * Root, and a pin directory (if there is one yet) that only root can change:
 * root's, mode 0700, not a symlink, in a parent others cannot rename it in.
 * Every command that opens pins calls it (or open_all_maps) first.
 */
int require_pin_access(void);
int require_btf(void);
/*
 * Mounts bpffs at /sys/fs/bpf if it is not (as bpftool does), creates
 * pin_dir and checks it as require_pin_access does.  Refuses where the pins
 * would not outlive the command (a mount namespace of its own, as under
 * `ip netns exec`).
 */
int require_bpffs(void);
/* Removes pin_dir and everything pinned in it; 0 if there is none. */
int pin_purge(void);

/* Opens a pinned map read-write; -1 (errno set) if absent, EACCES if the pin directory is unsafe. */
int open_pinned_map(const char *name);
/*
 * Opens the pinned device maps: 0, -errno, or -DP_PINS_DIFFER after saying
 * they are of another build (an older one pinned "devices" alone).
 */
int device_maps_open(struct device_maps *m);
/*
 * Opens flows, devices, counters and attachment; or explains why not and
 * returns -EPERM, -DP_UNSAFE_PIN_DIR, -DP_NOT_ATTACHED (nothing pinned; it
 * also warns about iotrim programs attached without pins) or -errno.
 */
struct pinned_maps {
	int flows;
	struct device_maps devices;
	int counters;
	int attachment;
};
int open_all_maps(struct pinned_maps *maps);
void close_all_maps(struct pinned_maps *maps);

bool read_attach_info(int attachment_fd, struct attach_info *info);

#endif
