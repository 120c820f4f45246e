/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel's devices table never evicts (a device's totals are exact), so
 * without this a flood of spoofed source MACs, or devices long gone, would
 * hold its entries for good.  After each harvest the controller moves the
 * devices silent for longer than an idle time out of the table and adds
 * their totals to the history's devices row (aged_* columns): nothing is
 * lost, and a device that comes back starts a fresh entry.
 */
#ifndef IOTRIM_HISTORY_DEVICE_AGING_H
#define IOTRIM_HISTORY_DEVICE_AGING_H

#include <sqlite3.h>
#include <stdint.h>

#include "datapath/devices.h"

#define DEVICE_IDLE_DEFAULT_S 600

/*
 * Ages devices whose last packet is more than idle_s seconds before now_boot_ns
 * (CLOCK_BOOTTIME).  Returns how many left the table, or -errno.
 */
int history_age_devices(sqlite3 *db, const struct device_maps *devices, unsigned idle_s,
			uint64_t now_boot_ns);

#endif
