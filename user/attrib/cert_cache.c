// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Parsed certificate messages by digest: see cert_cache.h. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "attrib/cert_cache.h"

static bool digest(const uint8_t *body, size_t len, const char *sni, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	bool ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, body, len) && EVP_DigestUpdate(ctx, "", 1) &&
	     EVP_DigestUpdate(ctx, sni ? sni : "", sni ? strlen(sni) : 0) &&
	     EVP_DigestFinal_ex(ctx, out, &n) && n == 32;
	EVP_MD_CTX_free(ctx);
	return ok;
}

int cert_cache_parse(struct cert_cache *c, const uint8_t *body, size_t len, const char *sni,
		     int64_t seen_s, struct cert_info *out)
{
	struct cert_cache_entry *victim;
	uint8_t d[32];
	int st;

	if (!c->slots)
		c->slots = calloc(CERT_CACHE_SLOTS, sizeof(*c->slots));
	/* Without memory or a digest, parse every time. */
	if (!c->slots || !digest(body, len, sni, d))
		return cert_parse_message(body, len, sni, seen_s, out);
	victim = &c->slots[0];
	for (int i = 0; i < CERT_CACHE_SLOTS; i++) {
		struct cert_cache_entry *e = &c->slots[i];

		if (e->used && !memcmp(e->digest, d, sizeof(d))) {
			e->used = ++c->tick;
			c->hits++;
			*out = e->info;
			cert_set_expired(out, seen_s);
			return CERT_OK;
		}
		if (e->used < victim->used)
			victim = e;
	}
	st = cert_parse_message(body, len, sni, seen_s, out);
	if (st == CERT_OK) {
		memcpy(victim->digest, d, sizeof(d));
		victim->used = ++c->tick;
		victim->info = *out;
	}
	return st;
}

void cert_cache_free(struct cert_cache *c)
{
	free(c->slots);
	memset(c, 0, sizeof(*c));
}
