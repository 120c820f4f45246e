/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The clocks iotrim uses, in one place.  The BPF programs stamp flows with
 * bpf_ktime_get_boot_ns() (CLOCK_BOOTTIME: keeps counting in suspend); the
 * history database stores wall-clock milliseconds; durations use
 * CLOCK_MONOTONIC. */
#ifndef IOTRIM_COMMON_CLOCK_H
#define IOTRIM_COMMON_CLOCK_H

#include <stdint.h>

/* CLOCK_BOOTTIME in nanoseconds: the BPF programs' timestamps. */
uint64_t clock_boot_ns(void);
/* CLOCK_REALTIME in milliseconds since the Unix epoch. */
int64_t clock_wall_ms(void);
/* CLOCK_MONOTONIC in seconds, for durations and deadlines. */
double clock_mono_s(void);

/*
 * Replay (user/replay/): the programs' timestamps stand for capture time,
 * not now.  While a translator is set, boot_ns_to_wall_ns returns what it
 * says; NULL restores the wall clock.
 */
typedef uint64_t (*boot_ns_translator)(void *ctx, uint64_t boot_ns);
void clock_set_boot_translator(boot_ns_translator fn, void *ctx);

/* A CLOCK_BOOTTIME timestamp as wall-clock ns (now, if in the future). */
uint64_t boot_ns_to_wall_ns(uint64_t boot_ns);
/* A CLOCK_BOOTTIME timestamp as wall-clock milliseconds. */
int64_t boot_ns_to_unix_ms(uint64_t boot_ns);
/* A wall-clock time as a CLOCK_BOOTTIME timestamp; 1 if already past (0
 * means "never" in lease fields). */
uint64_t wall_ms_to_boot_ns(int64_t wall_ms);

#endif
