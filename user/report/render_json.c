// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim report --format json`: the public shape documented in iotrim(8). */
#include <math.h>
#include <string.h>

#include "attrib/tls.h"
#include "common/json.h"
#include "common/proto.h"
#include "report/report.h"
#include "report/security_cert.h"
#include "report/security_plaintext.h"

static const char *const party_keys[RP_COUNT] = { "first", "support", "third", "local" };

static const char *cc_key(const char *cc)
{
	return cc[0] ? cc : "unknown";
}

static void json_time(struct json *j, const char *key, int64_t ms)
{
	char t[TIME_STRLEN];

	if (!ms) {
		json_null(j, key);
		return;
	}
	format_wall_time((uint64_t)ms * 1000000ULL, t);
	json_string(j, key, t);
}

static void json_share(struct json *j, const char *key, double v)
{
	if (isnan(v))
		json_null(j, key);
	else
		json_double(j, key, v);
}

static void countries_bytes(struct json *j, const char *key, const struct country_bytes *c)
{
	json_object_begin(j, key);
	for (int i = 0; i < c->n; i++)
		json_u64(j, cc_key(c->cc[i]), c->bytes[i]);
	json_object_end(j);
}

static void countries_shares(struct json *j, const char *key, const struct country_bytes *c)
{
	json_object_begin(j, key);
	for (int i = 0; i < c->n; i++)
		json_double(j, cc_key(c->cc[i]), c->share[i]);
	json_object_end(j);
}

static void dest_object(struct json *j, const struct report *r, size_t i)
{
	const struct dest *d = &r->dests.items[i];
	const struct flow_row *row = d->first;
	char proto[PROTO_STRLEN];

	format_proto(row->proto, proto);
	json_object_begin(j, NULL);
	json_string(j, "name", row->name[0] ? row->name : NULL);
	json_string(j, "ip", d->main_ip);
	json_string(j, "proto", proto);
	json_u64(j, "port", row->remote_port);
	json_u64(j, "bytes_up", d->bytes_up);
	json_u64(j, "bytes_down", d->bytes_down);
	json_string(j, "party", r->local[i] ? "local" : party_name(d->party));
	json_string(j, "country", !r->local[i] && d->geo.country[0] ? d->geo.country : NULL);
	if (d->geo.asn && !r->local[i])
		json_u64(j, "asn", d->geo.asn);
	else
		json_null(j, "asn");
	json_string(j, "org", !r->local[i] && d->geo.org[0] ? d->geo.org : NULL);
	json_array_begin(j, "tls_versions");
	for (int b = 0; b < DEST_TLS_VERSIONS; b++)
		if (d->tls_mask & (1u << b))
			json_string(j, NULL, tls_version_name(0x0300 + b));
	json_array_end(j);
	json_object_end(j);
}

static void device_object(struct json *j, const struct report *r, const struct report_device *d)
{
	const struct device_label *l = &d->label;

	json_object_begin(j, NULL);
	json_string(j, "device_mac", l->mac);
	json_string(j, "name", l->name[0] ? l->name : NULL);
	json_string(j, "category", l->category[0] ? l->category : NULL);
	json_u64(j, "bytes_up", d->bytes_up);
	json_u64(j, "bytes_down", d->bytes_down);
	countries_bytes(j, "countries", &d->countries);
	countries_shares(j, "country_shares", &d->countries);
	json_object_begin(j, "parties");
	for (int p = 0; p < RP_COUNT; p++)
		json_u64(j, party_keys[p], d->party[p]);
	json_object_end(j);
	json_object_begin(j, "party_shares");
	for (int p = 0; p < RP_LOCAL; p++)
		json_double(j, party_keys[p], d->remote ? (double)d->party[p] / (double)d->remote : 0);
	json_object_end(j);
	json_payload_shares(j, "payload_shares", &d->payload, &(struct payload_counter){ 0 });
	json_object_begin(j, "tls_versions");
	for (int b = 0; b < DEST_TLS_VERSIONS; b++)
		if (d->tls_dests[b])
			json_u64(j, tls_version_name(0x0300 + b), d->tls_dests[b]);
	json_object_end(j);
	json_array_begin(j, "tls_deprecated");
	for (int b = 0; b < DEST_TLS_VERSIONS; b++)
		if (d->tls_dests[b] && tls_version_deprecated(0x0300 + b))
			json_string(j, NULL, tls_version_name(0x0300 + b));
	json_array_end(j);
	json_array_begin(j, "phases");
	for (size_t p = 0; p < d->nphases; p++) {
		json_object_begin(j, NULL);
		json_string(j, "phase", d->phases[p].phase);
		json_time(j, "since", d->phases[p].since_ms);
		json_time(j, "until", d->phases[p].until_ms);
		json_u64(j, "bytes_up", d->phases[p].bytes_up);
		json_u64(j, "bytes_down", d->phases[p].bytes_down);
		json_object_end(j);
	}
	json_array_end(j);
	json_array_begin(j, "destinations");
	for (size_t i = d->first_dest; i < d->first_dest + d->ndests; i++)
		dest_object(j, r, i);
	json_array_end(j);
	json_object_begin(j, "security");
	security_cert_json(j, r, d);
	security_plaintext_json(j, d);
	security_tls_json(j, &r->tls_audit, l->mac);
	json_object_end(j);
	report_experiment_json(j, &d->experiment);
	json_object_end(j);
}

void report_json(const struct report *r, FILE *out)
{
	struct json j;

	json_init(&j, out);
	json_object_begin(&j, NULL);
	json_time(&j, "generated", r->generated_ms);
	json_string(&j, "home", r->opts.home[0] ? r->opts.home : NULL);
	json_string(&j, "phase", r->opts.phase);
	json_time(&j, "since", r->opts.since_ms);
	json_time(&j, "until", r->opts.until_ms);
	json_array_begin(&j, "devices");
	for (size_t i = 0; i < r->ndevices; i++)
		device_object(&j, r, &r->devices[i]);
	json_array_end(&j);
	json_array_begin(&j, "categories");
	for (size_t i = 0; i < r->ncategories; i++) {
		const struct report_category *c = &r->categories[i];

		json_object_begin(&j, NULL);
		json_string(&j, "category", c->name[0] ? c->name : NULL);
		json_u64(&j, "devices", c->ndevices);
		countries_shares(&j, "country_shares_normalised", &c->norm);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_begin(&j, "overall");
	json_u64(&j, "bytes_up", r->bytes_up);
	json_u64(&j, "bytes_down", r->bytes_down);
	countries_bytes(&j, "countries", &r->countries);
	countries_shares(&j, "country_shares", &r->countries);
	countries_shares(&j, "country_shares_normalised", &r->norm);
	json_share(&j, "abroad_share", r->abroad_share);
	json_share(&j, "other_continent_share", r->other_continent_share);
	json_string(&j, "home_continent", r->home_continent);
	json_object_end(&j);
	json_object_end(&j);
	json_finish(&j);
}
