/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the experiment engine needs from the rest of iotrim: the flows a
 * device used in a time window (attribution), and deny entries scoped to
 * one device, with an action and a lease (enforcement).  Every entry the
 * engine adds carries an owner tag ("experiment:ID") and is journaled with
 * the id the backend returns, so a dead run's entries can be found again.
 *
 * Backends (IOTRIM_EXPERIMENT_BACKEND):
 *   kernel    (default) flows from the pinned maps, names from the pinned
 *             "names" map and the history database; deny entries through
 *             iotrim's enforcement (enforce/)
 *   sim:DIR   a test double: observations read from DIR/observed, deny
 *             entries kept in DIR/rules with their lease end, for the tests
 *             of the engine without a network (the simulated devices read
 *             DIR/rules to decide whether they work)
 */
#ifndef IOTRIM_EXPERIMENT_BACKEND_H
#define IOTRIM_EXPERIMENT_BACKEND_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "experiment/experiment.h"

#define EXP_RULE_ID_MAX 64

struct exp_backend {
	const char *name;
	bool port_scoped;	/* IP entries can be limited to a protocol and port */
	bool can_block;		/* false: observe only (why_not says why) */
	char why_not[256];	/* when !can_block */
	void *priv;

	/* Flows of the device seen since since_ms (Unix ms); *out malloc'd. */
	int (*observe)(struct exp_backend *b, const uint8_t mac[6], int64_t since_ms,
		       struct exp_obs **out, size_t *n);
	/* One deny entry for the device; its id goes to id. 0 or -errno. */
	int (*add)(struct exp_backend *b, const uint8_t mac[6], const struct exp_rule *r,
		   enum exp_action action, unsigned lease_s, const char *owner,
		   char id[EXP_RULE_ID_MAX]);
	/* Moves the lease end of an entry to now + lease_s. */
	int (*renew)(struct exp_backend *b, const char *id, unsigned lease_s);
	/* Removes one entry; an entry already gone is not an error. */
	int (*del)(struct exp_backend *b, const char *id);
	/* Removes every entry of owner; returns how many, or -errno. */
	int (*del_owner)(struct exp_backend *b, const char *owner);
	/* Entries of owner still in force (lease not over). */
	int (*count_owner)(struct exp_backend *b, const char *owner);
	void (*close)(struct exp_backend *b);
};

/* spec NULL: IOTRIM_EXPERIMENT_BACKEND, else "kernel".  db for names (may be NULL). */
int exp_backend_open(const char *spec, sqlite3 *db, struct exp_backend **out);
void exp_backend_close(struct exp_backend *b);

#endif
