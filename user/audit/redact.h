/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What of a plaintext finding may be kept: a redacted form that shows its
 * shape, never the secret, and a keyed hash (HMAC-SHA256 under a per-
 * database random key, audit/plaintext_store.h) so that the same value seen
 * again is one finding.
 *
 * Redaction keeps in clear the scheme word of an Authorization value
 * ("Bearer ", "Basic ") and the parameter name of a url_secret ("token=");
 * of the rest, the secret, at most its first quarter and no more than 4
 * characters, then "…(N chars)" with N the secret's length:
 * "Bearer eyJhbGciOi..." -> "Bearer eyJh…(41 chars)" for a 41-character
 * token.  Bytes outside printable ASCII show as '?'.
 */
#ifndef IOTRIM_AUDIT_REDACT_H
#define IOTRIM_AUDIT_REDACT_H

#include <stddef.h>
#include <stdint.h>

#include "audit/plaintext.h"

#define REDACTED_MAX 96
#define PLAIN_KEY_BYTES 32
#define PLAIN_HMAC_HEX (2 * 32 + 1)

/* The redacted text of m, NUL-terminated, in out[REDACTED_MAX]. */
void plain_redact(const struct plain_match *m, char out[REDACTED_MAX]);

/* Hex HMAC-SHA256 of (kind, value) under key; 0 or -EIO. */
int plain_hmac(const uint8_t key[PLAIN_KEY_BYTES], const struct plain_match *m,
	       char out[PLAIN_HMAC_HEX]);

#endif
