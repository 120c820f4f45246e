/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Flow rows, the input of destinations (attrib/destinations.h): one flow's
 * counters with the name its bytes are attributed to, the names kept once
 * each in a pool.
 */
#ifndef IOTRIM_FLOW_ROWS_H
#define IOTRIM_FLOW_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "common/fmt.h"

/*
 * Room for a row's names: one name, or the names that shared its bytes,
 * sorted and space separated (longer text is cut to FLOW_NAMES_MAX - 1).
 */
#define FLOW_NAMES_MAX 512

/*
 * One flow's counters with the name it is attributed to.  The name lives
 * out of the row: a big history is a million rows and few names.
 */
struct flow_row {
	char device_mac[MAC_STRLEN];
	char device_ip[INET6_ADDRSTRLEN];
	char remote_ip[INET6_ADDRSTRLEN];
	uint8_t family;		/* of remote_ip */
	uint8_t ip[16];		/* remote_ip, binary */
	uint8_t proto;
	uint16_t remote_port;
	char name_source[4];	/* "dns", "sni" or "" */
	/*
	 * "" for none; "a b": shared by names a and b.  Never NULL.  In a
	 * flow_rows, one copy per distinct name in its pool (equal pointers:
	 * equal names); in a row being built, the builder's text.
	 */
	const char *name;
	uint64_t packets_up, bytes_up, packets_down, bytes_down;
	int64_t first_seen_ms, last_seen_ms;
	bool live;		/* from the kernel table, not harvested yet */
};

/* The distinct names of a flow_rows, each once; they never move. */
struct name_pool {
	char **blocks;		/* the text */
	size_t nblocks, used;	/* bytes used of the last block */
	const char **slots;	/* hash set of the names, open addressing */
	size_t nslots, count;
};

struct flow_rows {
	struct flow_row *items;
	size_t len, cap;
	struct name_pool names;	/* what the items' names point into */
};

/*
 * The pool's one copy of name, cut to FLOW_NAMES_MAX - 1 bytes ("" is not
 * pooled); NULL: out of memory.
 */
const char *name_pool_intern(struct name_pool *p, const char *name);
void name_pool_free(struct name_pool *p);

/* Appends a copy of row, its name put in r's pool; 0 or -ENOMEM. */
int flow_rows_add(struct flow_rows *r, const struct flow_row *row);
void flow_rows_free(struct flow_rows *r);
/* Sets row's family and binary ip from its remote_ip text (family 0 if not an address). */
void flow_row_set_address(struct flow_row *row);

#endif
