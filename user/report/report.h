/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `iotrim report`: what a person reads, per device, per category and
 * overall, from the history database (METHODS 1-5).  Shares are fractions of
 * bytes up + down with local traffic (the gateway, LAN peers, private,
 * link-local, loopback and multicast addresses) left out:
 *  - country shares, plain: bytes to T / bytes to all;
 *  - normalised per device (Jin et al.): for the devices i of a group A
 *    with remote bytes, A_T = sum_i M_i / N_i (M_i bytes to T, N_i to all),
 *    share A_T / |A|;
 *  - abroad: bytes to a known country other than home / all; other
 *    continent likewise by continent (report/continent.h);
 *  - party: first, support, third over all remote bytes;
 *  - encryption: the payload classes' shares (datapath/payload.h), per
 *    device only, local payload included (the kernel does not tell them apart).
 * A destination's country is its main address's; "" when unknown.
 */
#ifndef IOTRIM_REPORT_H
#define IOTRIM_REPORT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "attrib/destinations.h"
#include "audit/plaintext_store.h"
#include "datapath/payload.h"
#include "history/device_labels.h"
#include "history/phase.h"
#include "report/experiments.h"
#include "report/security_tls.h"

struct report_options {
	const char *only_mac;	/* "aa:bb:.." or NULL */
	const char *category;	/* NULL: every category */
	const char *phase;	/* NULL: all traffic; else the bytes harvested in that phase */
	int64_t since_ms, until_ms;	/* 0: open; flows active in the window count whole */
	char home[3];		/* home country, "" if unknown */
	/* Called about once a second once the build has taken a second
	 * (common/progress.h): history rows read, devices done; NULL: none. */
	void (*progress)(void *ctx, size_t rows, size_t devices, double seconds);
	void *progress_ctx;
};

#define REPORT_COUNTRIES 256

/* Bytes per country ("" unknown); share filled by the report. */
struct country_bytes {
	int n;
	char cc[REPORT_COUNTRIES][3];
	uint64_t bytes[REPORT_COUNTRIES];
	double share[REPORT_COUNTRIES];
};

enum report_party { RP_FIRST, RP_SUPPORT, RP_THIRD, RP_LOCAL, RP_COUNT };

struct report_device {
	struct device_label label;
	uint64_t bytes_up, bytes_down;	/* every byte, local too */
	uint64_t remote;		/* up + down, local left out */
	struct country_bytes countries;	/* share: plain */
	uint64_t party[RP_COUNT];
	unsigned tls_dests[DEST_TLS_VERSIONS];	/* destinations per version 0x0300 + i */
	struct payload_counter payload;	/* both directions (of the phase, if one is chosen) */
	struct phase_interval *phases;
	size_t nphases;
	size_t first_dest, ndests;	/* into report.dests, most bytes first */
	unsigned plaintext_audits;	/* `iotrim audit plaintext` runs of the device */
	struct plain_findings plaintext;	/* their findings, merged by value */
	struct report_experiment experiment;	/* the latest run's verdicts and blocklist */
};

struct report_category {
	char name[64];			/* "" for devices without one */
	size_t ndevices;		/* in the report */
	size_t normalised_devices;	/* |A|: those with remote bytes */
	struct country_bytes norm;	/* share: A_T / |A| (bytes: plain sums) */
};

struct report {
	struct report_options opts;
	struct flow_rows rows;		/* the destinations point into these */
	struct dest_list dests;
	bool *local;			/* per destination */
	struct report_device *devices;
	size_t ndevices;
	struct report_category *categories;
	size_t ncategories;
	uint64_t bytes_up, bytes_down, remote;
	struct country_bytes countries;	/* share: plain */
	struct country_bytes norm;	/* share: A_T / |A| over every device */
	size_t normalised_devices;
	double abroad_share, other_continent_share;	/* NAN when home is unknown */
	const char *home_continent;	/* NULL if unknown */
	int64_t generated_ms;
	struct report_tls_audit tls_audit;	/* security: latest audit tls verdicts */
};

/* True for a destination that is not remote: see above. */
bool report_address_local(uint8_t family, const uint8_t ip[16], const char *device_ip);

/*
 * Reads the history (flows, phases, labels) and computes everything; 0, or
 * -ENOMEM / -EIO after printing why.
 */
int report_build(sqlite3 *db, const struct report_options *o, const struct geo *geo,
		 const struct providers *prov, struct device_config *conf, struct report *r);
void report_free(struct report *r);

/* Renderers: each writes the whole report to out. */
void report_text(const struct report *r, FILE *out);
void report_markdown(const struct report *r, FILE *out);
void report_json(const struct report *r, FILE *out);
void report_html(const struct report *r, FILE *out);


#endif
