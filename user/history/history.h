/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Flow history in SQLite.  A harvest reads the kernel's flow table and adds
 * each flow's growth since the last harvest (a delta) to flow_history, in
 * the same transaction that records the new absolute counters in
 * flow_state: a controller killed at any point and restarted never counts
 * a byte twice.  A counter that went backwards, a map entry created anew
 * (another first_seen) or another boot means the kernel counter restarted:
 * its whole value is the delta.
 */
#ifndef IOTRIM_HISTORY_H
#define IOTRIM_HISTORY_H

#include <netinet/in.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "attrib/destinations.h"
#include "attrib/dns.h"
#include "attrib/party.h"
#include "common/fmt.h"
#include "datapath/table.h"

struct harvest_result {
	size_t flows;		/* in the kernel table */
	size_t changed;		/* with a non-zero delta */
	size_t restarted;	/* counters that started over (new entry, reset, reboot) */
	double ms;		/* wall time of the harvest */
};

/* A flow key's addresses as the history's tables write them. */
struct key_text {
	char mac[MAC_STRLEN];
	char device_ip[INET6_ADDRSTRLEN];
	char remote_ip[INET6_ADDRSTRLEN];
};
void history_key_text(const struct flow_key *k, struct key_text *t);
/*
 * One flow's growth since the last harvest, as the harvest committed it:
 * what exporters send (user/exporter/).  Text fields as in flow_history;
 * payload is the growth of the flow's payload class counters, both
 * directions summed (history/payload_store.h).
 */
struct harvest_delta {
	struct flow_key key;
	char device_mac[MAC_STRLEN];
	char device_ip[INET6_ADDRSTRLEN];
	char remote_ip[INET6_ADDRSTRLEN];
	const char *name;	/* the names valid at last_ms, as the row has them; "" none */
	uint64_t packets_up, bytes_up, packets_down, bytes_down;
	bool restarted;		/* a new map entry or a counter that began again */
	struct payload_counter payload;
	int64_t first_ms;	/* restarted: the flow's first packet; else last_ms */
	int64_t last_ms;	/* the flow's last packet */
};

/*
 * Receives every changed flow's delta of a harvest, after its transaction
 * committed (a harvest that rolls back gives none: the next one takes the
 * growth again).  The delta lives for the call only.
 */
struct harvest_sink {
	void *ctx;
	void (*flow)(void *ctx, const struct harvest_delta *d);
};

/* Reads /proc/sys/kernel/random/boot_id ("" if unreadable). */
void history_boot_id(char out[40]);

/* 0, or -errno after printing why. */
int history_harvest(sqlite3 *db, const struct flow_table *flows, struct harvest_result *r);
/* The same, handing each committed delta to sink (NULL: none). */
int history_harvest_to(sqlite3 *db, const struct flow_table *flows,
		       const struct harvest_sink *sink, struct harvest_result *r);
/* Reads the map and harvests it; 0, or -errno after printing why. */
int history_harvest_map(sqlite3 *db, int flows_fd, struct harvest_result *r);
int history_harvest_map_to(sqlite3 *db, int flows_fd, const struct harvest_sink *sink,
			   struct harvest_result *r);
/*
 * A live phase mark at this moment (m->at_ms set here): what the kernel
 * counted so far is harvested first, so that it goes to the phase before
 * the mark.  0, or -EIO after printing why.
 */
struct phase_mark;
int history_mark_phase(sqlite3 *db, struct phase_mark *m);
/*
 * The devices rows follow the kernel's device table (first and last seen)
 * and the device config (name, vendor, category); 0 or -errno.
 */
int history_update_devices(sqlite3 *db, const struct device_maps *devices,
			   struct device_config *conf);

typedef void (*flow_row_fn)(void *ctx, const struct flow_row *row);

/*
 * Calls fn for every flow_history row and, if live is given, for every
 * kernel flow's growth not harvested yet: together, every byte once.  A
 * row's name is the set of names valid for its device and address when
 * its bytes were counted (at harvest granularity): "" before any name, or
 * after the names' TTL + grace ran out; several names space separated
 * (bytes shared by them), unless the device sent some as SNI on the flow's
 * port: then those.  0, or -errno after printing why.
 */
int history_rows(sqlite3 *db, const struct flow_table *live, flow_row_fn fn, void *ctx);

/* The name a device was answered last for an address (any time). */
bool history_name_for(sqlite3 *db, const char *mac, const char *ip, char name[DNS_NAME_MAX],
		      char source[4]);

#endif
