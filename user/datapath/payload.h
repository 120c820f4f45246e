/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The payload classification counters (bpf/classify.h, METHODS 4) as the
 * controller shows them: per direction the sampled payload bytes and their
 * split by class, and over both directions the shares
 *
 *	encrypted   = encrypted / classified
 *	unencrypted = (text + compressed + media) / classified
 *	unknown     = unknown / classified
 *
 * where classified = sampled - ignored (payloads too small to judge count
 * for neither side).  Compressed and media bytes that were seen are not
 * encrypted, so they count as unencrypted, as in Ren et al.
 */
#ifndef IOTRIM_PAYLOAD_H
#define IOTRIM_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "iotrim.h"
#include "common/json.h"

struct payload_shares {
	bool valid;		/* false: nothing classified yet */
	double encrypted;	/* fractions 0..1 */
	double unencrypted;
	double unknown;
};

/* "97/2/1": encrypted/unencrypted/unknown in whole percent, or "-". */
#define PAYLOAD_SHARES_STRLEN 16
#define PAYLOAD_SHARES_HEADER "ENC/UNENC/UNK%"

__u64 payload_classified(const struct payload_counter *c);
void payload_add(struct payload_counter *sum, const struct payload_counter *c);
/* Shares over both directions. */
struct payload_shares payload_shares(const struct payload_counter *up,
				     const struct payload_counter *down);
void format_payload_shares(const struct payload_counter *up, const struct payload_counter *down,
			   char out[PAYLOAD_SHARES_STRLEN]);

/* "payload_up": {"sampled":..,"encrypted":..,..,"ignored":..} */
void json_payload_counter(struct json *j, const char *key, const struct payload_counter *c);
/* "payload_shares": {"encrypted":0.97,"unencrypted":0.02,"unknown":0.01}, or null */
void json_payload_shares(struct json *j, const char *key, const struct payload_counter *up,
			 const struct payload_counter *down);

/* Text rows of the --payload views: header, then one row per direction. */
void print_payload_header(FILE *out, const char *lead);
void print_payload_row(FILE *out, const char *lead, const char *dir,
		       const struct payload_counter *c);

#endif
