/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The JSON objects of the CLI's --json output, in one place so that the
 * dashboard's API (web/) names every field exactly as the CLI does:
 * `iotrim devices`, `destinations`, `block list` and `experiment list`.
 */
#ifndef IOTRIM_REPORT_JSON_VIEWS_H
#define IOTRIM_REPORT_JSON_VIEWS_H

#include <stdint.h>

#include "attrib/destinations.h"
#include "audit/plaintext_store.h"
#include "common/fmt.h"
#include "common/json.h"
#include "datapath/table.h"
#include "enforce/cname.h"
#include "enforce/rule.h"
#include "experiment/query.h"
#include "history/windows.h"

/* Unix milliseconds as RFC 3339 (UTC); 0 as the epoch. */
void dest_time_text(int64_t ms, char out[TIME_STRLEN]);

/*
 * One device of a snapshot as a `devices --json` object; with recent (not
 * NULL) also "recent": the device's last harvest windows, oldest first, each
 * {at_ms, bytes_up, bytes_down} (GET /api/devices).
 */
void json_device_entry(struct json *j, const struct device_entry *d,
		       const struct device_window *recent, size_t nrecent);
/* One destination as a `destinations --json` object. */
void json_dest(struct json *j, const struct dest *d);
/*
 * The `block list --json` array: each rule, then the rules it brought in;
 * only the rules of device only (6 bytes) if it is not NULL.  Name rules
 * carry the CNAME chains of chains (cname_chains_read()) they matched.
 */
void json_block_rules(struct json *j, const struct block_list *l, const struct block_hits *hits,
		      const struct cname_chains *chains, const uint8_t *only);
/* Rule id as one object of that array; false if there is no such rule. */
bool json_block_rule(struct json *j, const struct block_list *l, const struct block_hits *hits,
		     const struct cname_chains *chains, int64_t id);
/* One run as an `experiment list --json` object. */
void json_exp_summary(struct json *j, const struct exp_summary *r);
/* One plaintext finding, as `audit plaintext --json` and the report print it. */
void json_plain_finding(struct json *j, const struct plain_finding *f);

#endif
