/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Certificate messages already parsed, by SHA-256 of the message and the
 * SNI: devices reconnect to the same servers, and OpenSSL 3 takes about
 * half a millisecond per certificate (d2i_X509 decodes the key through its
 * provider framework, then the self-signature is verified).  A hit only
 * re-judges "expired" against the time it was served.  CERT_CACHE_SLOTS
 * entries, least recently used replaced.
 */
#ifndef IOTRIM_CERT_CACHE_H
#define IOTRIM_CERT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/cert.h"

#define CERT_CACHE_SLOTS 64

struct cert_cache_entry {
	uint8_t digest[32];	/* SHA-256 of the message, a 0 byte and the SNI */
	uint64_t used;		/* 0: free */
	struct cert_info info;	/* as parsed; CERT_WEAK_EXPIRED re-judged per use */
};

struct cert_cache {
	struct cert_cache_entry *slots;	/* CERT_CACHE_SLOTS, allocated on first use */
	uint64_t tick;
	uint64_t hits;
};

/* cert_parse_message through the cache (same arguments and result). */
int cert_cache_parse(struct cert_cache *c, const uint8_t *body, size_t len, const char *sni,
		     int64_t seen_s, struct cert_info *out);
void cert_cache_free(struct cert_cache *c);

#endif
