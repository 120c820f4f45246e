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

const char *pin_dir(void);
/* Path of a pinned object: <pin_dir>/<name>. */
void pin_path(const char *name, char *out, size_t len);

/*
 * Each returns 0, or after printing why: -EPERM (not root), -DP_NO_BTF,
 * -DP_NO_BPFFS (datapath/error.h).
 */
int require_root(void);
int require_btf(void);
/* Mounts bpffs at /sys/fs/bpf if it is not (as bpftool does), creates pin_dir. */
int require_bpffs(void);
/* Removes pin_dir and everything pinned in it; 0 if there is none. */
int pin_purge(void);

/* Opens a pinned map read-write; -1 (errno set) if absent. */
int open_pinned_map(const char *name);
/*
 * Opens flows, devices, counters and attachment; or explains why not and
 * returns -EPERM, -DP_NOT_ATTACHED (nothing pinned) or -errno.
 */
struct pinned_maps {
	int flows;
	int devices;
	int counters;
	int attachment;
};
int open_all_maps(struct pinned_maps *maps);
void close_all_maps(struct pinned_maps *maps);

bool read_attach_info(int attachment_fd, struct attach_info *info);

#endif
