// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Certificates as JSON and text: see cert_json.h. */
#include <stdio.h>
#include <string.h>

#include "attrib/cert_json.h"
#include "common/fmt.h"

static void time_text(int64_t s, char out[TIME_STRLEN])
{
	format_wall_time(s > 0 ? (uint64_t)s * 1000000000ULL : 0, out);
}

void cert_json(struct json *j, const char *key, const struct cert_info *c)
{
	char buf[CERT_SANS_MAX], *save = NULL, t[TIME_STRLEN];

	json_object_begin(j, key);
	json_string(j, "subject", c->subject);
	json_string(j, "issuer", c->issuer);
	json_array_begin(j, "sans");
	snprintf(buf, sizeof(buf), "%s", c->sans);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		json_string(j, NULL, w);
	json_array_end(j);
	json_bool(j, "self_signed", c->self_signed);
	json_u64(j, "chain_length", c->chain_length);
	json_string(j, "signature_algorithm", c->signature_algorithm);
	json_string(j, "key_type", c->key_type);
	json_u64(j, "key_bits", c->key_bits);
	time_text(c->not_before, t);
	json_string(j, "not_before", t);
	time_text(c->not_after, t);
	json_string(j, "not_after", t);
	json_u64(j, "validity_days", c->validity_days > 0 ? (uint64_t)c->validity_days : 0);
	json_bool(j, "sni_mismatch", c->sni_mismatch);
	json_array_begin(j, "weaknesses");
	for (int w = 0; w < CERT_WEAK__COUNT; w++) {
		if (!(c->weaknesses & (1u << w)))
			continue;
		json_object_begin(j, NULL);
		json_string(j, "kind", cert_weakness_kind(w));
		json_string(j, "rule", cert_weakness_rule(w));
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

void cert_summary(const struct cert_info *c, char *out, size_t len)
{
	char from[TIME_STRLEN], to[TIME_STRLEN];

	time_text(c->not_before, from);
	time_text(c->not_after, to);
	/* Dates only: the day is what a reader compares. */
	from[10] = to[10] = '\0';
	snprintf(out, len, "%s, issuer %s, %s %u bits, %s, %s to %s (%lld days)%s",
		 c->subject[0] ? c->subject : "(no subject)", c->issuer[0] ? c->issuer : "-",
		 c->key_type, c->key_bits, c->signature_algorithm, from, to,
		 (long long)c->validity_days, c->sni_mismatch ? ", not for the SNI" : "");
}

void cert_weakness_list(const struct cert_info *c, char *out, size_t len)
{
	size_t o = 0;

	snprintf(out, len, "none");
	for (int w = 0; w < CERT_WEAK__COUNT && o < len; w++)
		if (c->weaknesses & (1u << w))
			o += snprintf(out + o, len - o, "%s%s", o ? ", " : "", cert_weakness_kind(w));
}
