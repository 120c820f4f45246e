// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the plaintext scanner (audit/plaintext.h) on one payload
 * sample, with the device MAC, a serial and user strings set, and every
 * finding redacted and hashed as `iotrim run` does.  Each finding must lie
 * inside the sample and be non-empty, and its redacted form must be a
 * terminated string that does not hold the value (when it has 8 or more
 * bytes: shorter ones can occur in any text).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/plaintext.h"
#include "audit/redact.h"

static const uint8_t *sample;
static size_t sample_len;

static void check(void *ctx, const struct plain_match *m)
{
	static const uint8_t key[PLAIN_KEY_BYTES] = { 7 };
	char out[REDACTED_MAX], hash[PLAIN_HMAC_HEX];

	(void)ctx;
	if ((unsigned)m->kind >= PLAIN_KIND__COUNT || !m->len || m->value < sample ||
	    m->value + m->len > sample + sample_len)
		abort();
	memset(out, 'x', sizeof(out));
	plain_redact(m, out);
	if (!memchr(out, 0, sizeof(out)))
		abort();
	if (m->len >= 8 && memmem(out, strlen(out), m->value, m->len))
		abort();
	if (plain_hmac(key, m, hash) || strlen(hash) != 64)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const strings[] = { "Alice Smith", "kitchen" };
	static const struct plain_rules rules = {
		.mac = { 0x02, 0, 0, 0, 0, 0x21 }, .have_mac = true, .serial = "SN-4711",
		.strings = strings, .nstrings = 2,
	};

	sample = data;
	sample_len = size;
	plaintext_scan(data, size, &rules, check, NULL);
	return 0;
}
