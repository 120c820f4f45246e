/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The controller's side of the plaintext audit: each IOTRIM_EV_PLAIN_SAMPLE
 * event (bpf/audit_plain.h) of a device with a running audit
 * (plaintext_store.h) is scanned (plaintext.h) and each finding stored,
 * redacted and keyed-hashed, under the destination's name (the pinned
 * "names" map) and port.  The payload itself is neither kept nor logged.
 * Bad events are counted, never trusted.
 */
#ifndef IOTRIM_AUDIT_PLAIN_SAMPLE_H
#define IOTRIM_AUDIT_PLAIN_SAMPLE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/redact.h"

struct plain_sample_stats {
	uint64_t samples;	/* IOTRIM_EV_PLAIN_SAMPLE events */
	uint64_t bad;		/* wrong size, length or family */
	uint64_t unaudited;	/* no audit run for the device at the event's time */
	uint64_t findings;	/* sightings stored */
	uint64_t failed;	/* sightings (or sample counts) the database refused */
};

struct plain_sampler {
	sqlite3 *db;
	int names_fd;		/* -1: name destinations by address */
	uint8_t key[PLAIN_KEY_BYTES];
	struct plain_sample_stats st;
};

/* 0, or -errno if the HMAC key cannot be had. */
int plain_sampler_init(struct plain_sampler *p, sqlite3 *db, int names_fd);
/* One ring-buffer record of kind IOTRIM_EV_PLAIN_SAMPLE (size bytes). */
void plain_sampler_handle(struct plain_sampler *p, const void *data, size_t size);

#endif
