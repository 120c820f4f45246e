// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim destinations`: each device's destinations as IoTrimmer defines
 * them (attrib/destinations.h), from the SQLite history plus what the
 * kernel counted since the last harvest, with registrable domain, country,
 * organisation, party and TLS versions.  The options are shared with
 * `iotrim export` (cli/destinations.h), the loading and the JSON object
 * with the dashboard (report/dest_data.h, report/json_views.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli/destinations.h"
#include "common/columns.h"
#include "common/escape.h"
#include "common/fmt.h"
#include "common/proto.h"
#include "attrib/cert_json.h"
#include "attrib/tls.h"

/* ---- output ------------------------------------------------------------ */

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

/* The destination as shown: a+b:80 (names sharing these bytes), [v6]:443, name:443. */
static void dest_text(const struct dest *d, char *out, size_t len)
{
	const struct flow_row *r = d->first;

	if (d->shared) {
		char names[FLOW_NAMES_MAX];

		snprintf(names, sizeof(names), "%s", r->name);
		for (char *c = names; *c; c++)
			*c = *c == ' ' ? '+' : *c;
		snprintf(out, len, "%s:%u", names, r->remote_port);
	} else if (r->family == IOTRIM_FAMILY_IPV6 && !r->name[0]) {
		snprintf(out, len, "[%s]:%u", dest_host(r), r->remote_port);
	} else {
		/* "%s:%u" without snprintf: one per destination, a million for a big history. */
		const char *host = dest_host(r);
		size_t n = strnlen(host, len - 7);	/* room for ":65535" and the NUL */

		memcpy(out, host, n);
		out[n++] = ':';
		format_u64(r->remote_port, out + n);
	}
}

/* The organisation column's text: "AS64500 Example" or the org or "-". */
static void org_text(const struct dest *d, char *out, size_t len)
{
	if (d->geo.asn)
		snprintf(out, len, "AS%u %s", d->geo.asn, d->geo.org);
	else
		snprintf(out, len, "%s", d->geo.org[0] ? d->geo.org : "-");
}

/* A row's first line, as "%-17s  %-40s  %-5s  %12llu  %12llu  %-2s  %-30.30s  %-7s  %s\n". */
static void print_row(struct columns *c, const struct dest *d)
{
	const struct flow_row *r = d->first;
	char dest[FLOW_NAMES_MAX + 64], proto[PROTO_STRLEN], org[160], tls[96];
	char safe[4 * sizeof(dest)], safe_org[4 * sizeof(org)];

	dest_text(d, dest, sizeof(dest));
	format_proto(r->proto, proto);
	org_text(d, org, sizeof(org));
	tls_text(d, tls, sizeof(tls));
	columns_str(c, r->device_mac, -17, -1);
	columns_text(c, "  ");
	columns_str(c, term_safe(dest, safe, sizeof(safe)), -40, -1);
	columns_text(c, "  ");
	columns_str(c, proto, -5, -1);
	columns_text(c, "  ");
	columns_u64(c, d->bytes_up, 12);
	columns_text(c, "  ");
	columns_u64(c, d->bytes_down, 12);
	columns_text(c, "  ");
	columns_str(c, d->geo.country[0] ? d->geo.country : "-", -2, -1);
	columns_text(c, "  ");
	columns_str(c, term_safe(org, safe_org, sizeof(safe_org)), -30, 30);
	columns_text(c, "  ");
	columns_str(c, party_name(d->party), -7, -1);
	columns_text(c, "  ");
	columns_text(c, tls);
	columns_text(c, "\n");
}

/* "    N addresses: a b ...; domain D; P party: REASON\n". */
static void print_addresses(struct columns *c, const struct dest *d)
{
	char safe[4 * 256], reason[TERM_NAME_MAX];

	columns_text(c, "    ");
	columns_u64(c, d->nips, 0);
	columns_text(c, d->nips == 1 ? " address:" : " addresses:");
	for (size_t k = 0; k < d->nips && k < 6; k++) {
		columns_text(c, " ");
		columns_text(c, d->ips[k]);
	}
	if (d->nips > 6)
		columns_text(c, " ...");
	if (d->domain[0]) {
		columns_text(c, "; domain ");
		columns_text(c, term_safe(d->domain, safe, sizeof(safe)));
	}
	columns_text(c, "; ");
	columns_text(c, party_name(d->party));
	columns_text(c, " party: ");
	columns_text(c, term_safe(d->reason, reason, sizeof(reason)));
	columns_text(c, "\n");
}

static void print_text(const struct dest_list *l)
{
	struct columns c;

	printf("%-17s  %-40s  %-5s  %12s  %12s  %-2s  %-30s  %-7s  %s\n", "DEVICE",
	       "DESTINATION", "PROTO", "BYTES UP", "BYTES DOWN", "CC", "AS / ORG", "PARTY", "TLS");
	columns_begin(&c, stdout);
	for (size_t i = 0; i < l->len; i++) {
		const struct dest *d = &l->items[i];
		char safe[4 * FLOW_NAMES_MAX];

		print_row(&c, d);
		print_addresses(&c, d);
		columns_end(&c);
		if (d->cert) {
			char line[2 * CERT_NAME_MAX + 256], weak[160];

			cert_summary(d->cert, line, sizeof(line));
			cert_weakness_list(d->cert, weak, sizeof(weak));
			printf("    certificate: ");
			term_puts(stdout, line);
			printf("\n    weaknesses: %s\n", weak);
		} else if (d->cert_hidden) {
			printf("    certificate: hidden (TLS 1.3 encrypts it)\n");
		}
		if (d->shared)
			printf("    shared: bytes of these names together, counted once\n");
		else if (d->shared_with[0])
			printf("    also shares bytes with: %s\n",
			       term_safe(d->shared_with, safe, sizeof(safe)));
	}
	printf("%zu destination%s\n", l->len, l->len == 1 ? "" : "s");
}

/* ---- data ---------------------------------------------------------------- */

int load_dest_data(const struct dest_opts *o, struct dest_data *d)
{
	struct dest_source src = {
		.db = o->db, .devices = o->devices, .providers = o->providers, .geo = o->geo,
		.only = o->device.set ? o->device.addr : NULL, .no_live = o->no_live,
	};

	return load_exit_code(dest_data_load(&src, d));
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
	       "(SSLv3, TLSv1.0 and TLSv1.1 are flagged deprecated), and the server\n"
	       "certificate of TLS <= 1.2 with its weaknesses (TLS 1.3 hides it: shown as\n"
	       "hidden).  History comes from the\n"
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
			  "name_source, cname_chain, certificate (null or subject, issuer, sans, "
			  "self_signed, chain_length, signature_algorithm, key_type, key_bits, "
			  "not_before, not_after, validity_days, sni_mismatch, weaknesses [kind, rule]), "
			  "certificate_hidden, first_seen, last_seen, ..." },
		DEST_DATA_PARAMS,
		{ NULL },
	},
	.opts_size = sizeof(struct dest_opts),
	.max_args = 0,
	.run = run_destinations,
};
