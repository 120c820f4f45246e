// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stddef.h>

#include "datapath/payload.h"

/* The BPF side adds to field [class] of the counter read as __u64[]. */
_Static_assert(offsetof(struct payload_counter, encrypted) == PAYLOAD_ENCRYPTED * 8, "layout");
_Static_assert(offsetof(struct payload_counter, text) == PAYLOAD_TEXT * 8, "layout");
_Static_assert(offsetof(struct payload_counter, compressed) == PAYLOAD_COMPRESSED * 8, "layout");
_Static_assert(offsetof(struct payload_counter, media) == PAYLOAD_MEDIA * 8, "layout");
_Static_assert(offsetof(struct payload_counter, unknown) == PAYLOAD_UNKNOWN * 8, "layout");
_Static_assert(offsetof(struct payload_counter, ignored) == PAYLOAD_IGNORED * 8, "layout");

__u64 payload_classified(const struct payload_counter *c)
{
	return c->encrypted + c->text + c->compressed + c->media + c->unknown;
}

void payload_add(struct payload_counter *sum, const struct payload_counter *c)
{
	sum->sampled += c->sampled;
	sum->encrypted += c->encrypted;
	sum->text += c->text;
	sum->compressed += c->compressed;
	sum->media += c->media;
	sum->unknown += c->unknown;
	sum->ignored += c->ignored;
}

struct payload_shares payload_shares(const struct payload_counter *up,
				     const struct payload_counter *down)
{
	struct payload_counter both = { 0 };
	struct payload_shares s = { 0 };
	double total;

	payload_add(&both, up);
	payload_add(&both, down);
	total = (double)payload_classified(&both);
	if (total <= 0)
		return s;
	s.valid = true;
	s.encrypted = both.encrypted / total;
	s.unencrypted = (both.text + both.compressed + both.media) / total;
	s.unknown = both.unknown / total;
	return s;
}

void format_payload_shares(const struct payload_counter *up, const struct payload_counter *down,
			   char out[PAYLOAD_SHARES_STRLEN])
{
	struct payload_shares s = payload_shares(up, down);

	if (!s.valid)
		snprintf(out, PAYLOAD_SHARES_STRLEN, "-");
	else
		snprintf(out, PAYLOAD_SHARES_STRLEN, "%.0f/%.0f/%.0f", 100 * s.encrypted,
			 100 * s.unencrypted, 100 * s.unknown);
}

void json_payload_counter(struct json *j, const char *key, const struct payload_counter *c)
{
	json_object_begin(j, key);
	json_u64(j, "sampled", c->sampled);
	json_u64(j, "encrypted", c->encrypted);
	json_u64(j, "text", c->text);
	json_u64(j, "compressed", c->compressed);
	json_u64(j, "media", c->media);
	json_u64(j, "unknown", c->unknown);
	json_u64(j, "ignored", c->ignored);
	json_object_end(j);
}

void json_payload_shares(struct json *j, const char *key, const struct payload_counter *up,
			 const struct payload_counter *down)
{
	struct payload_shares s = payload_shares(up, down);

	if (!s.valid) {
		json_null(j, key);
		return;
	}
	json_object_begin(j, key);
	json_double(j, "encrypted", s.encrypted);
	json_double(j, "unencrypted", s.unencrypted);
	json_double(j, "unknown", s.unknown);
	json_object_end(j);
}

void print_payload_header(FILE *out, const char *lead)
{
	fprintf(out, "%s%-4s  %12s  %12s  %12s  %12s  %12s  %12s  %12s  %s\n", lead, "DIR", "SAMPLED",
		"ENCRYPTED", "TEXT", "COMPRESSED", "MEDIA", "UNKNOWN", "IGNORED",
		PAYLOAD_SHARES_HEADER);
}

void print_payload_row(FILE *out, const char *lead, const char *dir,
		       const struct payload_counter *c)
{
	static const struct payload_counter none;
	char shares[PAYLOAD_SHARES_STRLEN];

	format_payload_shares(c, &none, shares);
	fprintf(out, "%s%-4s  %12llu  %12llu  %12llu  %12llu  %12llu  %12llu  %12llu  %s\n", lead,
		dir, (unsigned long long)c->sampled, (unsigned long long)c->encrypted,
		(unsigned long long)c->text, (unsigned long long)c->compressed,
		(unsigned long long)c->media, (unsigned long long)c->unknown,
		(unsigned long long)c->ignored, shares);
}
