// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim destinations`: each device's destinations as IoTrimmer defines
 * them (attrib/destinations.h), from the SQLite history plus what the
 * kernel counted since the last harvest, with registrable domain, country,
 * organisation, party and TLS versions.  The options, the loading and the
 * JSON object are shared with `iotrim export` (cli/destinations.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iotrim_maps.h"
#include "cli/destinations.h"
#include "history/db.h"
#include "common/escape.h"
#include "common/proto.h"
#include "history/queries.h"
#include "datapath/pin.h"
#include "datapath/table.h"
#include "attrib/tls.h"

/* ---- output ------------------------------------------------------------ */

void dest_time_text(int64_t ms, char out[TIME_STRLEN])
{
	format_wall_time(ms > 0 ? (uint64_t)ms * 1000000ULL : 0, out);
}

/* Space separated names as a JSON array. */
static void json_names(struct json *j, const char *key, const char *names)
{
	char buf[FLOW_NAMES_MAX], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", names);
	json_array_begin(j, key);
	for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		json_string(j, NULL, tok);
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
	json_names(j, "names", r->name);
	json_names(j, "shared_with", d->shared_with);
	json_array_begin(j, "cname_chain");
	if (d->chain[0]) {
		char *buf = strdup(d->chain), *save = NULL;

		for (char *tok = strtok_r(buf, " ", &save); buf && tok; tok = strtok_r(NULL, " ", &save))
			json_string(j, NULL, tok);
		free(buf);
	}
	json_array_end(j);
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
	dest_time_text(d->first_seen_ms, t);
	json_string(j, "first_seen", t);
	dest_time_text(d->last_seen_ms, t);
	json_string(j, "last_seen", t);
	json_object_end(j);
}

static void tls_text(const struct dest *d, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (int b = 0; b < DEST_TLS_VERSIONS; b++) {
		if (!(d->tls_mask & (1u << b)))
			continue;
		o += snprintf(out + o, len - o, "%s%s%s", o ? "," : "", tls_version_name(0x0300 + b),
			      tls_version_deprecated(0x0300 + b) ? "(deprecated)" : "");
		if (o >= len)
			break;
	}
	if (!out[0])
		snprintf(out, len, "-");
}

static void print_text(const struct dest_list *l)
{
	printf("%-17s  %-40s  %-5s  %12s  %12s  %-2s  %-30s  %-7s  %s\n", "DEVICE",
	       "DESTINATION", "PROTO", "BYTES UP", "BYTES DOWN", "CC", "AS / ORG", "PARTY", "TLS");
	for (size_t i = 0; i < l->len; i++) {
		const struct dest *d = &l->items[i];
		const struct flow_row *r = d->first;
		char dest[FLOW_NAMES_MAX + 64], proto[PROTO_STRLEN], org[160], tls[96];
		char safe[4 * sizeof(dest)], safe_org[4 * sizeof(org)];

		format_proto(r->proto, proto);
		if (d->shared) {
			char names[FLOW_NAMES_MAX];

			/* a+b:80, the names that share these bytes */
			snprintf(names, sizeof(names), "%s", r->name);
			for (char *c = names; *c; c++)
				*c = *c == ' ' ? '+' : *c;
			snprintf(dest, sizeof(dest), "%s:%u", names, r->remote_port);
		} else if (r->family == IOTRIM_FAMILY_IPV6 && !r->name[0])
			snprintf(dest, sizeof(dest), "[%s]:%u", dest_host(r), r->remote_port);
		else
			snprintf(dest, sizeof(dest), "%s:%u", dest_host(r), r->remote_port);
		if (d->geo.asn)
			snprintf(org, sizeof(org), "AS%u %s", d->geo.asn, d->geo.org);
		else
			snprintf(org, sizeof(org), "%s", d->geo.org[0] ? d->geo.org : "-");
		tls_text(d, tls, sizeof(tls));
		printf("%-17s  %-40s  %-5s  %12llu  %12llu  %-2s  %-30.30s  %-7s  %s\n", r->device_mac,
		       term_safe(dest, safe, sizeof(safe)), proto, (unsigned long long)d->bytes_up,
		       (unsigned long long)d->bytes_down, d->geo.country[0] ? d->geo.country : "-",
		       term_safe(org, safe_org, sizeof(safe_org)), party_name(d->party), tls);
		printf("    %zu address%s:", d->nips, d->nips == 1 ? "" : "es");
		for (size_t k = 0; k < d->nips && k < 6; k++)
			printf(" %s", d->ips[k]);
		if (d->nips > 6)
			printf(" ...");
		printf("%s%s; %s party: ", d->domain[0] ? "; domain " : "",
		       term_safe(d->domain, safe, sizeof(safe)), party_name(d->party));
		term_puts(stdout, d->reason);
		putchar('\n');
		if (d->shared)
			printf("    shared: bytes of these names together, counted once\n");
		else if (d->shared_with[0])
			printf("    also shares bytes with: %s\n",
			       term_safe(d->shared_with, safe, sizeof(safe)));
	}
	printf("%zu destination%s\n", l->len, l->len == 1 ? "" : "s");
}

/* ---- data ---------------------------------------------------------------- */

void dest_data_free(struct dest_data *d)
{
	dest_list_free(&d->dests);
	flow_rows_free(&d->rows);
	geo_close(d->geo);
	providers_free(&d->prov);
	device_config_free(&d->conf);
	local_nets_free(&d->local);
	if (d->db)
		db_close(d->db);
}

int load_dest_data(const struct dest_opts *o, struct dest_data *d)
{
	const char *db = o->db ? o->db : db_path();
	struct flow_table live = { 0 };
	bool have_live = false;
	int err, fd;

	memset(d, 0, sizeof(*d));
	if (access(db, F_OK) != 0 && errno == ENOENT)
		notice("no history yet (%s does not exist): showing what the kernel counted", db);
	if ((err = cli_db_open(db, &d->db)))
		return err;
	if (!o->no_live && geteuid() == 0 && (fd = open_pinned_map(MAP_NAME(MAP_FLOWS))) >= 0) {
		have_live = read_flows(fd, &live) == 0;
		close(fd);
	}
	if (o->device.set)
		format_mac(o->device.addr, d->only_text);
	err = history_flow_rows(d->db, have_live ? &live : NULL, o->device.set ? d->only_text : NULL,
				&d->rows);
	flow_table_free(&live);
	if (err)
		return fail(EXIT_FAILURE_RUNTIME, "reading the history in %s failed", db);
	if ((err = geo_open(&o->geo, false, &d->geo)) ||
	    (err = providers_load(o->providers, &d->prov)) ||
	    (err = device_config_load(o->devices, &d->conf)))
		return load_exit_code(err);
	/* Without the interfaces, multicast and link-local are still known local. */
	local_nets_load(&d->local);
	if (history_destinations(d->db, &d->rows, d->geo, &d->prov, &d->conf, &d->local,
				 &d->dests))
		return fail(EXIT_FAILURE_RUNTIME, "out of memory");
	return EXIT_OK;
}

static int run_destinations(const void *opts, int argc, char **argv)
{
	const struct dest_opts *o = opts;
	struct dest_data d;
	int err;

	(void)argc, (void)argv;
	err = load_dest_data(o, &d);
	if (!err) {
		if (o->json) {
			struct json j;

			json_init(&j, stdout);
			json_array_begin(&j, NULL);
			for (size_t i = 0; i < d.dests.len; i++)
				json_dest(&j, &d.dests.items[i]);
			json_array_end(&j);
			json_finish(&j);
		} else {
			print_text(&d.dests);
		}
	}
	dest_data_free(&d);
	return err;
}

const struct command destinations_command = {
	.name = "destinations",
	.summary = "each device's destinations: name, port, country, party",
	.doc = "Each device's destinations: the DNS (or TLS SNI) name it asked for and the\n"
	       "remote port (an address without a name is its own destination), with every\n"
	       "address seen for it, the registrable domain, bytes and packets each way,\n"
	       "first/last seen, country, AS and organisation, party (first / support /\n"
	       "third) with the rule that chose it, and the TLS versions negotiated\n"
	       "(SSLv3, TLSv1.0 and TLSv1.1 are flagged deprecated).  History comes from the\n"
	       "database that `iotrim run` fills; what the kernel counted since its last\n"
	       "harvest is added unless --no-live.  Bytes go to the names valid when they\n"
	       "were counted; bytes of one address and port that several names held at once\n"
	       "are one shared destination (counted once), and each name is listed too.\n",
	.params = (const struct param[]){
		DEST_DEVICE_PARAM,
		{ .name = "json", PARAM_FLAG(struct dest_opts, json),
		  .help = "an array of objects: device_mac, name (null for an address or a "
			  "shared destination), names, shared, shared_with, port, "
			  "proto, ips, domain, bytes_up, bytes_down, packets_up, packets_down, "
			  "country, asn, org, party, party_reason, tls_versions, tls_deprecated, "
			  "name_source, cname_chain, first_seen, last_seen, ..." },
		DEST_DATA_PARAMS,
		{ NULL },
	},
	.opts_size = sizeof(struct dest_opts),
	.max_args = 0,
	.run = run_destinations,
};
