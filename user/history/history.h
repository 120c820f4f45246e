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

#include "attrib/dns.h"
#include "common/fmt.h"
#include "datapath/table.h"

struct harvest_result {
	size_t flows;		/* in the kernel table */
	size_t changed;		/* with a non-zero delta */
	size_t restarted;	/* counters that started over (new entry, reset, reboot) */
	double ms;		/* wall time of the harvest */
};

/* Reads /proc/sys/kernel/random/boot_id ("" if unreadable). */
void history_boot_id(char out[40]);

int history_harvest(sqlite3 *db, const struct flow_table *flows, struct harvest_result *r);
/* Reads the map and harvests it; 0 or -1 after printing why. */
int history_harvest_map(sqlite3 *db, int flows_fd, struct harvest_result *r);

/* One flow's counters with the name it is attributed to. */
struct flow_row {
	char device_mac[MAC_STRLEN];
	char device_ip[INET6_ADDRSTRLEN];
	char remote_ip[INET6_ADDRSTRLEN];
	uint8_t family;		/* of remote_ip */
	uint8_t ip[16];		/* remote_ip, binary */
	uint8_t proto;
	uint16_t remote_port;
	char name[DNS_NAME_MAX];	/* "" for none */
	char name_source[4];	/* "dns", "sni" or "" */
	uint64_t packets_up, bytes_up, packets_down, bytes_down;
	int64_t first_seen_ms, last_seen_ms;
	bool live;		/* from the kernel table, not harvested yet */
};

typedef void (*flow_row_fn)(void *ctx, const struct flow_row *row);

/*
 * Calls fn for every flow_history row and, if live is given, for every
 * kernel flow's growth not harvested yet: together, every byte once.
 * Rows harvested before their name was known get today's name.
 */
int history_rows(sqlite3 *db, const struct flow_table *live, flow_row_fn fn, void *ctx);

/*
 * The name a device used for an address, for a flow that began at start_ms
 * (unix ms): the last one answered before, else the first one after.
 */
bool history_name_at(sqlite3 *db, const char *mac, const char *ip, int64_t start_ms,
		     char name[DNS_NAME_MAX], char source[4]);
/* The same for a flow beginning now: the name answered last. */
bool history_name_for(sqlite3 *db, const char *mac, const char *ip, char name[DNS_NAME_MAX],
		      char source[4]);

#endif
