/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The pinned "audit_plain" map (include/iotrim.h): which devices' text
 * samples the programs pass up, each until its lease ends.  The audit
 * renews a short lease while it runs, so a killed run stops within one
 * lease.  Functions return 0 or -errno.
 */
#ifndef IOTRIM_AUDIT_PLAIN_MAP_H
#define IOTRIM_AUDIT_PLAIN_MAP_H

#include <stdint.h>

/* The pinned map's fd, or -errno (-ENOENT: not attached, or attached by an
 * older iotrim without the map). */
int plain_map_open(void);
/* Audits mac until lease_ns from now (CLOCK_BOOTTIME). */
int plain_map_lease(int fd, const uint8_t mac[6], uint64_t lease_ns);
/* Ends mac's audit; no entry is no error. */
int plain_map_stop(int fd, const uint8_t mac[6]);
/* Deletes the entries whose lease has ended; returns how many, or -errno. */
int plain_map_delete_expired(int fd);

#endif
