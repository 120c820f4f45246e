/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPFIX (RFC 7011) messages of the harvest's per-flow deltas, encoded with
 * libfixbuf into memory; exporter/ipfix_send.h carries them.  Each changed
 * flow gives one record per direction that grew: upload (source = device,
 * flowDirection 0, ingress on the LAN interface) and download (source =
 * remote, flowDirection 1).  iotrim's own elements (the DNS name, payload
 * class bytes) are under IPFIX_PEN; see README "IPFIX" for every element.
 */
#ifndef IOTRIM_EXPORTER_IPFIX_H
#define IOTRIM_EXPORTER_IPFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history/history.h"

/* RFC 5612's enterprise number for documentation: change it for a real deployment. */
#define IPFIX_PEN 32473
/* Message size: fits a 1500-byte path with IP and UDP headers. */
#define IPFIX_MSG_MAX 1400

/* Receives each finished message (bytes valid for the call) and how many data records it has. */
typedef void (*ipfix_msg_fn)(void *ctx, const uint8_t *msg, size_t len, unsigned records);

struct ipfix_encoder;

/*
 * templates_each_harvest: repeat the templates before each harvest's first
 * record (UDP, RFC 7011 section 10.3.6); over TCP they go once per
 * connection, from ipfix_encoder_templates.  NULL on failure, after
 * printing why.
 */
struct ipfix_encoder *ipfix_encoder_new(ipfix_msg_fn fn, void *ctx, bool templates_each_harvest);
/* The message with the templates only (the preamble of each TCP connection). */
const uint8_t *ipfix_encoder_templates(const struct ipfix_encoder *e, size_t *len);
/* Adds one flow's delta; 0 or -EIO (counted by the caller). */
int ipfix_encoder_add(struct ipfix_encoder *e, const struct harvest_delta *d);
/*
 * Ends the harvest: the last, partial message goes out.  read_ms (unix ms,
 * 0: unknown) is when the harvest read the flow table: the next harvest's
 * records of flows that went on start there (flowStartMilliseconds).
 */
void ipfix_encoder_flush(struct ipfix_encoder *e, int64_t read_ms);
void ipfix_encoder_free(struct ipfix_encoder *e);

#endif
