/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Names of the pinned maps, shared by the BPF programs and the controller
 * (as xdp-tools' MAP_NAME_*): bpf/ declares each map under its macro, and the
 * controller opens the pin by MAP_NAME(macro), so the two cannot drift.
 * A pin's file name under /sys/fs/bpf/iotrim/ is the map's name.
 */
#ifndef IOTRIM_MAP_NAMES_H
#define IOTRIM_MAP_NAMES_H

#define MAP_FLOWS	flows		/* per device-destination counters (LRU) */
#define MAP_DEVICES	devices		/* per-device totals (exact), per-CPU, by slot */
#define MAP_DEVICE_SLOTS	device_slots	/* device MAC -> slot in "devices" */
#define MAP_DEVICE_OWNERS	device_owners	/* slot -> owner's MAC and state */
#define MAP_COUNTERS	counters	/* per-CPU error and event counters */
#define MAP_ATTACHMENT	attachment	/* how and where the programs are attached */
#define MAP_SETTINGS	settings	/* payload sampling settings */
#define MAP_NAMES	names		/* (device, address) -> DNS/SNI name */
#define MAP_EVENTS	events		/* DNS and TLS payloads for the controller */
#define MAP_CONNS	conns		/* TCP connections seen (TLS hello once each) */
#define MAP_DENY_IP	deny_ip		/* deny entries by address or prefix */
#define MAP_DENY_NAMES	deny_names	/* deny entries by DNS name */
#define MAP_DENY_FILTER	deny_filter	/* which devices have deny entries */
#define MAP_DENY_HITS	deny_hits	/* per-rule packets and bytes denied */
#define MAP_AUDIT_PLAIN	audit_plain	/* devices whose text samples are audited */
#define MAP_DENY_CNAME	deny_cname	/* CNAME chains name rules matched */

#define IOTRIM_STRINGIFY_(x) #x
#define MAP_NAME(m) IOTRIM_STRINGIFY_(m)

#endif
