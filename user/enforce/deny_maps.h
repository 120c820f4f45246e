/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Writing the pinned deny maps the programs enforce: deny_ip (one entry per
 * device or all, and prefix, holding every rule of that prefix in force),
 * deny_names (one entry per device or all, and name), deny_hits (a counter
 * per rule) and deny_filter (entries per MAC slot, so devices without rules
 * skip the lookups); and deny_cname's chains (dns_cname.h) go with their rule.  Callers pass the rules an entry is to hold; the
 * database is not read here.  All return 0 or -errno.
 */
#ifndef IOTRIM_ENFORCE_DENY_MAPS_H
#define IOTRIM_ENFORCE_DENY_MAPS_H

#include <stdint.h>

#include "enforce/rule.h"

struct deny_maps {
	int ip;
	int names;
	int hits;
	int filter;
	int cname;	/* -1 with pins from before deep CNAME inspection */
	int nr_cpus;
};

/* -ENOENT when iotrim's maps are not pinned (not attached). */
int deny_maps_open(struct deny_maps *m);
void deny_maps_close(struct deny_maps *m);

/*
 * Makes the deny_ip entry of like's (device, prefix) hold the rules of
 * `rules` (all of that prefix; sorted here) still in force, or removes it
 * when none is.
 */
int deny_maps_write_ip(const struct deny_maps *m, const struct block_rule *like,
		       struct block_list *rules);
/* The same for the deny_names entry of like's (device, name): its first rule in force. */
int deny_maps_write_name(const struct deny_maps *m, const struct block_rule *like,
			 const struct block_list *rules);

/* A zeroed hit counter for a new rule (an existing one is kept). */
int deny_maps_create_hits(const struct deny_maps *m, int64_t id);
/* Removes the rule's hit counter and the CNAME chains it matched. */
void deny_maps_delete_hits(const struct deny_maps *m, int64_t id);
/* Summed over CPUs; zero if the rule has no counter. */
int deny_maps_read_hits(const struct deny_maps *m, int64_t id, struct block_hits *h);

/* Removes every entry, counter and chain that belongs to none of the rules. */
void deny_maps_prune(const struct deny_maps *m, const struct block_list *rules);
/* Sets every deny_filter slot to the exact number of entries in it. */
int deny_maps_recount_filter(const struct deny_maps *m);

#endif
