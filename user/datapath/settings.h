/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The run-time settings of the attached programs: the pinned "settings"
 * map (struct iotrim_config), read by both programs on every payload
 * packet.  `iotrim set` and `iotrim run` (config file, SIGHUP) change it.
 */
#ifndef IOTRIM_DATAPATH_SETTINGS_H
#define IOTRIM_DATAPATH_SETTINGS_H

#include <stdbool.h>

#include "iotrim.h"

#define SAMPLE_FIRST_MAX 1000000
#define SAMPLE_EVERY_MAX 1000000

/* A change of the sampling fields; unset ones keep their value. */
struct sampling_change {
	bool defaults;			/* back to the defaults first */
	bool first_set, every_set, bytes_set;
	unsigned first, every, bytes;
};

/* The settings in force: the stored ones once set, else the defaults. */
struct iotrim_config settings_effective(const struct iotrim_config *stored);

/* Reads the stored settings; 0 or -errno (-ENOENT: not attached). */
int settings_read(struct iotrim_config *stored);

/*
 * Applies change to the stored settings (read, change, write back) and
 * leaves what is stored now in *stored; 0 or -errno.  Only a change of a
 * field marks the settings as set; `defaults` alone returns to "never set".
 */
int settings_change(const struct sampling_change *change, struct iotrim_config *stored);

#endif
