/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel's payload classes (METHODS 4) kept in the history, so reports
 * give encrypted / unencrypted / unknown shares: the harvest adds each
 * flow's growth of its payload counters (both directions summed) to its
 * device and the phase mark in force (payload_history), the same way as
 * the byte counters (a counter that went back, a new map entry or another
 * boot starts over).  Per device, not per destination.
 */
#ifndef IOTRIM_PAYLOAD_STORE_H
#define IOTRIM_PAYLOAD_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "iotrim.h"

struct payload_writer {
	sqlite3_stmt *state, *save, *add;
};

/* 0, or -EIO after printing why. */
int payload_writer_open(sqlite3 *db, struct payload_writer *w);
/*
 * One kernel flow (key as text; first_seen_ns identifies the map entry) with
 * its absolute payload counters c, up and down summed, for the phase mark
 * in force (phase_writer_mark, 0 for none); growth_out (if not NULL)
 * receives what was added.  0 or -EIO.
 */
int payload_writer_add(struct payload_writer *w, const char *mac, const char *device_ip,
		       const char *remote_ip, int proto, int port, const char *boot_id,
		       uint64_t first_seen_ns, const struct payload_counter *c, int64_t mark,
		       struct payload_counter *growth_out);
void payload_writer_close(struct payload_writer *w);

/*
 * The payload counters of mac's device, summed over its phase marks of
 * phase (NULL: everything, marks or not); 0 or -EIO.
 */
int payload_device_total(sqlite3 *db, const char *mac, const char *phase,
			 struct payload_counter *out);

#endif
