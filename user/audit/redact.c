// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Redaction and keyed hashes of plaintext findings: see redact.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "audit/redact.h"

#define SHOWN_MAX 4

/* Length of the clear prefix that stays: a scheme word or a parameter name. */
static size_t clear_prefix(const struct plain_match *m)
{
	size_t i = 0;

	if (m->kind == PLAIN_AUTHORIZATION) {
		while (i < m->len && i < 16 && ((m->value[i] | 0x20) >= 'a' && (m->value[i] | 0x20) <= 'z'))
			i++;
		return i > 0 && i < m->len && m->value[i] == ' ' ? i + 1 : 0;
	}
	if (m->kind == PLAIN_URL_SECRET) {
		while (i < m->len && i < 32 && m->value[i] != '=')
			i++;
		return i < m->len && m->value[i] == '=' ? i + 1 : 0;
	}
	return 0;
}

static char printable(uint8_t c)
{
	return c >= 0x20 && c < 0x7f ? (char)c : '?';
}

void plain_redact(const struct plain_match *m, char out[REDACTED_MAX])
{
	size_t pre = clear_prefix(m), hidden = m->len - pre, shown = hidden / 4, n = 0;

	if (shown > SHOWN_MAX)
		shown = SHOWN_MAX;
	for (size_t i = 0; i < pre + shown; i++)
		out[n++] = printable(m->value[i]);
	snprintf(out + n, REDACTED_MAX - n, "\u2026(%zu chars)", hidden);
}

int plain_hmac(const uint8_t key[PLAIN_KEY_BYTES], const struct plain_match *m,
	       char out[PLAIN_HMAC_HEX])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	uint8_t kind = (uint8_t)m->kind, mac[EVP_MAX_MD_SIZE];
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	size_t n = 0;
	int ok;

	/* The kind goes in too: one value found as two kinds is two findings. */
	ok = ctx && EVP_MAC_init(ctx, key, PLAIN_KEY_BYTES, params) &&
	     EVP_MAC_update(ctx, &kind, 1) && EVP_MAC_update(ctx, m->value, m->len) &&
	     EVP_MAC_final(ctx, mac, &n, sizeof(mac)) && n == 32;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(hmac);
	if (!ok)
		return -EIO;
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return 0;
}
