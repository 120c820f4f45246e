/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A server certificate (cert.h) as JSON and as one line of text: the
 * `certificate` object of `destinations --json` and of the report, a
 * public interface (README "Certificates", iotrim(8)).
 */
#ifndef IOTRIM_CERT_JSON_H
#define IOTRIM_CERT_JSON_H

#include <stddef.h>

#include "attrib/cert.h"
#include "common/json.h"

/* {subject, issuer, sans, self_signed, chain_length, ..., weaknesses: [{kind, rule}]} */
void cert_json(struct json *j, const char *key, const struct cert_info *c);
/* "SUBJECT, issuer ISSUER, RSA 2048 bits, sha256WithRSAEncryption, FROM to TO (N days)" */
void cert_summary(const struct cert_info *c, char *out, size_t len);
/* "kind, kind" or "none" */
void cert_weakness_list(const struct cert_info *c, char *out, size_t len);

#endif
