// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/cert_json.h"
#include "attrib/party.h"
#include "attrib/tls.h"
#include "common/clock.h"
#include "common/proto.h"
#include "datapath/payload.h"
#include "report/json_views.h"

/* ---- devices ------------------------------------------------------------- */

static uint64_t excess(uint64_t total, uint64_t listed)
{
	return total > listed ? total - listed : 0;
}

void json_device_entry(struct json *j, const struct device_entry *d,
		       const struct device_window *recent, size_t nrecent)
{
	char mac[MAC_STRLEN], ip[INET6_ADDRSTRLEN], first[TIME_STRLEN], last[TIME_STRLEN];

	format_mac(d->key.mac, mac);
	format_ip(d->value.last_family, d->value.last_ip, ip);
	format_wall_time(boot_ns_to_wall_ns(d->value.first_seen_ns), first);
	format_wall_time(boot_ns_to_wall_ns(d->value.last_seen_ns), last);
	json_object_begin(j, NULL);
	json_string(j, "device_mac", mac);
	json_string(j, "device_ip", ip);
	json_u64(j, "flows", d->flows);
	json_u64(j, "bytes_up", d->value.up.bytes);
	json_u64(j, "bytes_down", d->value.down.bytes);
	json_u64(j, "packets_up", d->value.up.packets);
	json_u64(j, "packets_down", d->value.down.packets);
	json_u64(j, "unattributed_bytes_up", excess(d->value.up.bytes, d->listed_up.bytes));
	json_u64(j, "unattributed_bytes_down", excess(d->value.down.bytes, d->listed_down.bytes));
	json_string(j, "first_seen", first);
	json_string(j, "last_seen", last);
	json_payload_counter(j, "payload_up", &d->value.payload_up);
	json_payload_counter(j, "payload_down", &d->value.payload_down);
	json_payload_shares(j, "payload_shares", &d->value.payload_up, &d->value.payload_down);
	if (recent) {
		json_array_begin(j, "recent");
		for (size_t i = 0; i < nrecent; i++) {
			json_object_begin(j, NULL);
			json_u64(j, "at_ms", (uint64_t)recent[i].at_ms);
			json_u64(j, "bytes_up", recent[i].bytes_up);
			json_u64(j, "bytes_down", recent[i].bytes_down);
			json_object_end(j);
		}
		json_array_end(j);
	}
	json_object_end(j);
}

/* ---- destinations ---------------------------------------------------------- */

void dest_time_text(int64_t ms, char out[TIME_STRLEN])
{
	format_wall_time(ms > 0 ? (uint64_t)ms * 1000000ULL : 0, out);
}

/* Space separated words as a JSON array. */
static void json_words(struct json *j, const char *key, const char *words)
{
	json_array_begin(j, key);
	for (const char *w = words + strspn(words, " "); *w; w += strspn(w, " ")) {
		size_t len = strcspn(w, " ");
		char *word = strndup(w, len);

		json_string(j, NULL, word ? word : "");
		free(word);
		w += len;
	}
	json_array_end(j);
}

void json_dest(struct json *j, const struct dest *d)
{
	const struct flow_row *r = d->first;
	char proto[PROTO_STRLEN], t[TIME_STRLEN];
	bool deprecated = false;

	format_proto(r->proto, proto);
	json_object_begin(j, NULL);
	json_string(j, "device_mac", r->device_mac);
	json_string(j, "device_name", d->device->name[0] ? d->device->name : NULL);
	json_string(j, "vendor", d->device->vendor[0] ? d->device->vendor : NULL);
	json_string(j, "name", r->name[0] && !d->shared ? r->name : NULL);
	json_string(j, "name_source", r->name[0] ? d->name_source : NULL);
	json_bool(j, "shared", d->shared);
	json_words(j, "names", r->name);
	json_words(j, "shared_with", d->shared_with);
	json_words(j, "cname_chain", d->chain);
	json_u64(j, "port", r->remote_port);
	json_string(j, "proto", proto);
	json_array_begin(j, "ips");
	for (size_t i = 0; i < d->nips; i++)
		json_string(j, NULL, d->ips[i]);
	json_array_end(j);
	json_string(j, "domain", d->domain[0] ? d->domain : NULL);
	json_u64(j, "bytes_up", d->bytes_up);
	json_u64(j, "bytes_down", d->bytes_down);
	json_u64(j, "packets_up", d->packets_up);
	json_u64(j, "packets_down", d->packets_down);
	json_string(j, "country", d->geo.country[0] ? d->geo.country : NULL);
	json_array_begin(j, "countries");
	for (int i = 0; i < d->ncountries; i++)
		json_string(j, NULL, d->countries[i]);
	json_array_end(j);
	if (d->geo.asn)
		json_u64(j, "asn", d->geo.asn);
	else
		json_null(j, "asn");
	json_string(j, "org", d->geo.org[0] ? d->geo.org : NULL);
	json_string(j, "party", party_name(d->party));
	json_string(j, "party_reason", d->reason);
	json_array_begin(j, "tls_versions");
	for (int b = 0; b < DEST_TLS_VERSIONS; b++) {
		if (!(d->tls_mask & (1u << b)))
			continue;
		json_string(j, NULL, tls_version_name(0x0300 + b));
		deprecated |= tls_version_deprecated(0x0300 + b);
	}
	json_array_end(j);
	json_bool(j, "tls_deprecated", deprecated);
	if (d->cert)
		cert_json(j, "certificate", d->cert);
	else
		json_null(j, "certificate");
	json_bool(j, "certificate_hidden", !d->cert && d->cert_hidden);
	dest_time_text(d->first_seen_ms, t);
	json_string(j, "first_seen", t);
	dest_time_text(d->last_seen_ms, t);
	json_string(j, "last_seen", t);
	json_object_end(j);
}

/* ---- block rules ------------------------------------------------------------ */

/* A name rule's "bound": each address it brought in, its scope, why, and its hits. */
static void json_bound(struct json *j, const struct block_list *l, const struct block_hits *hits,
		       const struct block_rule *r)
{
	char proto[PROTO_STRLEN];

	json_array_begin(j, "bound");
	for (size_t k = 0; k < l->len; k++) {
		const struct block_rule *x = &l->items[k];

		if (x->parent_id != r->id)
			continue;
		json_object_begin(j, NULL);
		json_u64(j, "id", x->id);
		json_string(j, "address", x->target);
		block_proto_text(x, proto);
		json_string(j, "proto", proto);
		if (x->port)
			json_u64(j, "port", x->port);
		else
			json_null(j, "port");
		json_string(j, "why", x->reason);
		json_u64(j, "packets", hits[k].packets);
		json_u64(j, "bytes", hits[k].bytes);
		json_object_end(j);
	}
	json_array_end(j);
}

/* A name rule's "cname_chains": the CNAME chains through which it matched answers. */
static void json_chains(struct json *j, const struct cname_chains *chains,
			const struct block_rule *r)
{
	char mac[MAC_STRLEN];

	json_array_begin(j, "cname_chains");
	for (size_t k = 0; k < chains->len; k++) {
		const struct cname_chain *c = &chains->items[k];

		if (c->rule_id != r->id)
			continue;
		json_object_begin(j, NULL);
		format_mac(c->mac, mac);
		json_string(j, "device", mac);
		json_array_begin(j, "chain");
		for (int n = 0; n < c->count; n++)
			json_string(j, NULL, c->names[n]);
		json_array_end(j);
		json_u64(j, "hops", c->hops);
		json_u64(j, "answers", c->responses);
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_rule(struct json *j, const struct block_list *l, const struct block_hits *hits,
		      const struct cname_chains *chains, size_t i)
{
	char mac[MAC_STRLEN], proto[PROTO_STRLEN], when[TIME_STRLEN];
	const struct block_rule *r = &l->items[i];
	const struct block_hits *h = &hits[i];

	json_object_begin(j, NULL);
	json_u64(j, "id", r->id);
	if (r->all_devices) {
		json_null(j, "device");
	} else {
		format_mac(r->mac, mac);
		json_string(j, "device", mac);
	}
	json_string(j, "kind", block_kind_name(r->kind));
	json_string(j, "target", r->target);
	block_proto_text(r, proto);
	json_string(j, "proto", proto);
	if (r->port)
		json_u64(j, "port", r->port);
	else
		json_null(j, "port");
	json_string(j, "action", block_action_name(r->action));
	format_wall_time((uint64_t)r->created_ms * 1000000ULL, when);
	json_string(j, "created", when);
	if (r->expires_ms) {
		format_wall_time((uint64_t)r->expires_ms * 1000000ULL, when);
		json_string(j, "expires", when);
	} else {
		json_null(j, "expires");
	}
	if (r->parent_id)
		json_u64(j, "parent", r->parent_id);
	else
		json_null(j, "parent");
	json_string(j, "reason", r->reason);
	json_string(j, "owner", r->owner);
	json_u64(j, "packets", h->packets);
	json_u64(j, "bytes", h->bytes);
	if (r->kind == BLOCK_NAME) {
		json_bound(j, l, hits, r);
		json_chains(j, chains, r);
	}
	json_object_end(j);
}

void json_block_rules(struct json *j, const struct block_list *l, const struct block_hits *hits,
		      const struct cname_chains *chains, const uint8_t *only)
{
	json_array_begin(j, NULL);
	/* Each rule, then the rules it brought in (a bound rule's parent is never gone: cascade). */
	for (size_t i = 0; i < l->len; i++) {
		const struct block_rule *r = &l->items[i];

		if (r->parent_id)
			continue;
		for (size_t k = i; k < l->len; k++) {
			const struct block_rule *x = &l->items[k];

			if (k != i && x->parent_id != r->id)
				continue;
			if (only && (x->all_devices || memcmp(x->mac, only, 6)))
				continue;
			json_rule(j, l, hits, chains, k);
		}
	}
	json_array_end(j);
}

bool json_block_rule(struct json *j, const struct block_list *l, const struct block_hits *hits,
		     const struct cname_chains *chains, int64_t id)
{
	for (size_t i = 0; i < l->len; i++) {
		if (l->items[i].id == id) {
			json_rule(j, l, hits, chains, i);
			return true;
		}
	}
	return false;
}

/* ---- experiments ------------------------------------------------------------- */

void json_exp_summary(struct json *j, const struct exp_summary *r)
{
	char t[TIME_STRLEN];

	format_wall_time((uint64_t)r->created_ms * 1000000ULL, t);
	json_object_begin(j, NULL);
	json_u64(j, "id", (uint64_t)r->id);
	json_string(j, "device_mac", r->device_mac);
	json_string(j, "device_name", r->device_name);
	json_string(j, "strategy", r->strategy);
	json_string(j, "status", r->status);
	json_string(j, "phase", r->phase);
	json_string(j, "created", t);
	json_double(j, "wall_seconds", r->wall_ms / 1000.0);
	json_string(j, "message", r->message);
	json_u64(j, "trials_run", (uint64_t)r->trials_run);
	json_u64(j, "destinations", (uint64_t)r->destinations);
	json_string(j, "file", r->file);
	json_object_end(j);
}

void json_plain_finding(struct json *j, const struct plain_finding *f)
{
	char t[TIME_STRLEN];

	json_object_begin(j, NULL);
	json_string(j, "name", f->name);
	json_u64(j, "port", f->port);
	json_string(j, "kind", f->kind);
	json_u64(j, "count", f->count);
	dest_time_text(f->first_seen_ms, t);
	json_string(j, "first_seen", t);
	dest_time_text(f->last_seen_ms, t);
	json_string(j, "last_seen", t);
	json_string(j, "redacted", f->redacted);
	json_object_end(j);
}
