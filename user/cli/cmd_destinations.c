// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim destinations` and `iotrim export`: each device's destinations as
 * IoTrimmer defines them (DNS name + port; an address without a name is its
 * own destination), from the SQLite history plus what the kernel counted
 * since the last harvest, with registrable domain, country, organisation,
 * party and TLS versions.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iotrim_maps.h"
#include "cli/cli.h"
#include "history/db.h"
#include "common/fmt.h"
#include "attrib/geo.h"
#include "history/history.h"
#include "common/json.h"
#include "attrib/names.h"
#include "attrib/party.h"
#include "datapath/pin.h"
#include "datapath/table.h"
#include "attrib/tls.h"

static const char destinations_usage[] =
	"usage: iotrim destinations [--device MAC] [--json] [--no-live] [--db FILE]\n"
	"                           [--geoip FILE] [--asn FILE]... [--geo-overrides FILE]\n"
	"                           [--devices FILE] [--providers FILE]\n"
	"\n"
	"Each device's destinations: the DNS (or TLS SNI) name it asked for and the\n"
	"remote port (an address without a name is its own destination), with every\n"
	"address seen for it, the registrable domain, bytes and packets each way,\n"
	"first/last seen, country, AS and organisation, party (first / support /\n"
	"third) with the rule that chose it, and the TLS versions negotiated\n"
	"(SSLv3, TLSv1.0 and TLSv1.1 are flagged deprecated).  History comes from the\n"
	"database that `iotrim run` fills; what the kernel counted since its last\n"
	"harvest is added unless --no-live.\n"
	"\n"
	"  --device MAC         only this device\n"
	"  --json               an array of objects: device_mac, name (null for an\n"
	"                       address), port, proto, ips, domain, bytes_up,\n"
	"                       bytes_down, packets_up, packets_down, country, asn, org,\n"
	"                       party, party_reason, tls_versions, tls_deprecated,\n"
	"                       name_source, cname_chain, first_seen, last_seen, ...\n"
	"  --no-live            the database only\n"
	"  --db FILE            default $IOTRIM_DB or " IOTRIM_DEFAULT_DB "\n"
	"  --geoip FILE         country database (.mmdb; default " IOTRIM_DEFAULT_GEOIP ")\n"
	"  --asn FILE           ASN CSV (start,end,asn,org) or ASN .mmdb; repeatable\n"
	"                       (default " IOTRIM_DATA_DIR "/asn-ipv4.csv and asn-ipv6.csv)\n"
	"  --geo-overrides FILE PREFIX COUNTRY ASN ORG lines (default " IOTRIM_DEFAULT_GEO_OVERRIDES ")\n"
	"  --devices FILE       device names and vendors (default " IOTRIM_DEFAULT_DEVICES_CONF ")\n"
	"  --providers FILE     infrastructure providers (default " IOTRIM_DEFAULT_PROVIDERS ",\n"
	"                       else " IOTRIM_SHARED_PROVIDERS ")\n";

static const char export_usage[] =
	"usage: iotrim export --json|--csv [--out DIR] [--no-live] [--db FILE] [...]\n"
	"\n"
	"Dumps the flow history (per device, device address, remote address,\n"
	"protocol, port and name) and the destinations.  --json prints one object\n"
	"{\"flows\": [...], \"destinations\": [...], \"names\": [...], \"dns_queries\": [...],\n"
	"\"tls_versions\": [...], \"counters\": {...}}; --csv prints the\n"
	"flows, an empty line and the destinations, or with --out DIR writes\n"
	"DIR/flows.csv and DIR/destinations.csv.  Takes the options of\n"
	"`iotrim destinations` too.\n";

struct opts {
	const uint8_t *only;
	uint8_t mac[6];
	bool json, csv, no_live;
	const char *db, *devices, *providers, *out_dir;
	struct geo_options geo;
};

/* ---- collecting rows ---------------------------------------------------- */

struct rows {
	struct flow_row *items;
	size_t len, cap;
	const uint8_t *only;
	char only_text[MAC_STRLEN];
};

static void add_row(void *ctx, const struct flow_row *row)
{
	struct rows *r = ctx;

	if (r->only && strcmp(row->device_mac, r->only_text))
		return;
	if (r->len == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct flow_row *p = realloc(r->items, cap * sizeof(*p));

		if (!p)
			return;
		r->items = p;
		r->cap = cap;
	}
	r->items[r->len++] = *row;
}

/* The destination a row belongs to: its name, else its address. */
static const char *dest_of(const struct flow_row *r)
{
	return r->name[0] ? r->name : r->remote_ip;
}

static int cmp_dest(const void *pa, const void *pb)
{
	const struct flow_row *a = pa, *b = pb;
	int c = strcmp(a->device_mac, b->device_mac);

	if (!c)
		c = (a->name[0] != 0) - (b->name[0] != 0);
	if (!c)
		c = strcmp(dest_of(a), dest_of(b));
	if (!c)
		c = (int)a->proto - (int)b->proto;
	if (!c)
		c = (int)a->remote_port - (int)b->remote_port;
	if (!c)
		c = strcmp(a->remote_ip, b->remote_ip);
	return c;
}

static bool same_dest(const struct flow_row *a, const struct flow_row *b)
{
	return !strcmp(a->device_mac, b->device_mac) && !strcmp(a->name, b->name) &&
	       (a->name[0] || !strcmp(a->remote_ip, b->remote_ip)) && a->proto == b->proto &&
	       a->remote_port == b->remote_port;
}

static int cmp_flow(const void *pa, const void *pb)
{
	const struct flow_row *a = pa, *b = pb;
	int c = strcmp(a->device_mac, b->device_mac);

	if (!c)
		c = strcmp(a->device_ip, b->device_ip);
	if (!c)
		c = strcmp(a->remote_ip, b->remote_ip);
	if (!c)
		c = (int)a->proto - (int)b->proto;
	if (!c)
		c = (int)a->remote_port - (int)b->remote_port;
	if (!c)
		c = strcmp(a->name, b->name);
	return c;
}

/* ---- destinations ----------------------------------------------------- */

#define TLS_VERSIONS 5

struct dest {
	const struct flow_row *first;	/* rows [first, first + nrows) */
	size_t nrows;
	char **ips;
	size_t nips;
	const char *main_ip;		/* the address with the most bytes */
	uint8_t family, ip[16];
	uint64_t packets_up, bytes_up, packets_down, bytes_down;
	int64_t first_seen_ms, last_seen_ms;
	char domain[256];
	struct geo_info geo;
	char countries[8][3];
	int ncountries;
	enum party party;
	char reason[PARTY_REASON_MAX];
	unsigned tls_mask;		/* bit i: tls version 0x0300 + i */
	char chain[DNS_MAX_CHAIN * DNS_NAME_MAX];
	const char *name_source;	/* "dns", "sni" or NULL */
	struct device_info device;
};

struct dest_list {
	struct dest *items;
	size_t len;
};

static void dest_list_free(struct dest_list *l)
{
	for (size_t i = 0; i < l->len; i++)
		free(l->items[i].ips);
	free(l->items);
	l->items = NULL;
	l->len = 0;
}

static void add_country(struct dest *d, const char *cc)
{
	if (!cc[0])
		return;
	for (int i = 0; i < d->ncountries; i++)
		if (!strcmp(d->countries[i], cc))
			return;
	if (d->ncountries < 8)
		memcpy(d->countries[d->ncountries++], cc, 3);
}

static void dest_details(struct dest *d, sqlite3 *db, const struct geo *geo,
			 const struct providers *prov, struct device_config *conf)
{
	const struct flow_row *r = d->first;
	sqlite3_stmt *st;
	struct party_input in = { 0 };
	uint8_t mac[6];

	parse_mac(r->device_mac, mac);
	device_info_get(conf, mac, &d->device);
	if (r->name[0])
		registrable_domain(r->name, d->domain, sizeof(d->domain));
	for (size_t i = 0; i < d->nips; i++) {
		struct geo_info g;

		for (size_t j = 0; j < d->nrows; j++) {
			if (!strcmp(d->first[j].remote_ip, d->ips[i])) {
				geo_lookup(geo, d->first[j].family, d->first[j].ip, &g);
				add_country(d, g.country);
				break;
			}
		}
	}
	geo_lookup(geo, d->family, d->ip, &d->geo);
	in.device = &d->device;
	in.domain = d->domain[0] ? d->domain : NULL;
	in.asn = d->geo.asn;
	in.org = d->geo.org;
	in.family = d->family;
	in.ip = d->ip;
	d->party = party_classify(prov, &in, d->reason);

	if (sqlite3_prepare_v2(db,
		"SELECT version FROM tls_versions WHERE device_mac = ?1 AND remote_ip = ?2"
		" AND remote_port = ?3", -1, &st, NULL) == SQLITE_OK) {
		for (size_t i = 0; i < d->nips; i++) {
			sqlite3_bind_text(st, 1, r->device_mac, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, d->ips[i], -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 3, r->remote_port);
			while (sqlite3_step(st) == SQLITE_ROW) {
				const char *v = (const char *)sqlite3_column_text(st, 0);

				for (int b = 0; b < TLS_VERSIONS; b++)
					if (v && tls_version_name(0x0300 + b) &&
					    !strcmp(v, tls_version_name(0x0300 + b)))
						d->tls_mask |= 1u << b;
			}
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
	}
	if (r->name[0] &&
	    sqlite3_prepare_v2(db,
		"SELECT source, chain FROM dns_names WHERE device_mac = ?1 AND name = ?2"
		" ORDER BY source = 'dns' DESC, last_seen_ms DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, r->device_mac, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *src = (const char *)sqlite3_column_text(st, 0);

			d->name_source = src && !strcmp(src, "dns") ? "dns" : "sni";
			snprintf(d->chain, sizeof(d->chain), "%s",
				 (const char *)sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
	}
}

static int cmp_dest_bytes(const void *pa, const void *pb)
{
	const struct dest *a = pa, *b = pb;
	int c = strcmp(a->first->device_mac, b->first->device_mac);
	uint64_t x = a->bytes_up + a->bytes_down, y = b->bytes_up + b->bytes_down;

	if (c)
		return c;
	if (x != y)
		return x < y ? 1 : -1;
	return cmp_dest(a->first, b->first);
}

/* rows must be sorted by cmp_dest. */
static int build_dests(struct rows *rows, sqlite3 *db, const struct geo *geo,
		       const struct providers *prov, struct device_config *conf,
		       struct dest_list *out)
{
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	out->items = calloc(rows->len ? rows->len : 1, sizeof(*out->items));
	if (!out->items)
		return -1;
	while (i < rows->len) {
		struct dest *d = &out->items[out->len++];
		uint64_t best = 0, ip_bytes = 0;
		size_t j = i;

		d->first = &rows->items[i];
		d->first_seen_ms = INT64_MAX;
		d->ips = calloc(1, sizeof(char *));
		while (j < rows->len && same_dest(&rows->items[i], &rows->items[j])) {
			const struct flow_row *r = &rows->items[j];
			char **grown;

			if (j == i || strcmp(r->remote_ip, rows->items[j - 1].remote_ip)) {
				grown = realloc(d->ips, (d->nips + 1) * sizeof(*grown));
				if (grown) {
					d->ips = grown;
					d->ips[d->nips++] = (char *)r->remote_ip;
				}
				ip_bytes = 0;
			}
			ip_bytes += r->bytes_up + r->bytes_down;
			if (ip_bytes >= best || !d->main_ip) {
				best = ip_bytes;
				d->main_ip = r->remote_ip;
				d->family = r->family;
				memcpy(d->ip, r->ip, 16);
			}
			d->packets_up += r->packets_up;
			d->bytes_up += r->bytes_up;
			d->packets_down += r->packets_down;
			d->bytes_down += r->bytes_down;
			if (r->first_seen_ms < d->first_seen_ms)
				d->first_seen_ms = r->first_seen_ms;
			if (r->last_seen_ms > d->last_seen_ms)
				d->last_seen_ms = r->last_seen_ms;
			j++;
		}
		d->nrows = j - i;
		dest_details(d, db, geo, prov, conf);
		i = j;
	}
	qsort(out->items, out->len, sizeof(*out->items), cmp_dest_bytes);
	return 0;
}

static void ms_text(int64_t ms, char out[TIME_STRLEN])
{
	format_wall_time(ms > 0 ? (uint64_t)ms * 1000000ULL : 0, out);
}

static void json_dest(struct json *j, const struct dest *d)
{
	const struct flow_row *r = d->first;
	char proto[PROTO_STRLEN], t[TIME_STRLEN];
	bool deprecated = false;

	format_proto(r->proto, proto);
	json_object_begin(j, NULL);
	json_string(j, "device_mac", r->device_mac);
	json_string(j, "device_name", d->device.name[0] ? d->device.name : NULL);
	json_string(j, "vendor", d->device.vendor[0] ? d->device.vendor : NULL);
	json_string(j, "name", r->name[0] ? r->name : NULL);
	json_string(j, "name_source", r->name[0] ? d->name_source : NULL);
	json_array_begin(j, "cname_chain");
	if (d->chain[0]) {
		char buf[sizeof(d->chain)], *save = NULL;

		snprintf(buf, sizeof(buf), "%s", d->chain);
		for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			json_string(j, NULL, tok);
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
	for (int b = 0; b < TLS_VERSIONS; b++) {
		if (!(d->tls_mask & (1u << b)))
			continue;
		json_string(j, NULL, tls_version_name(0x0300 + b));
		deprecated |= tls_version_deprecated(0x0300 + b);
	}
	json_array_end(j);
	json_bool(j, "tls_deprecated", deprecated);
	ms_text(d->first_seen_ms, t);
	json_string(j, "first_seen", t);
	ms_text(d->last_seen_ms, t);
	json_string(j, "last_seen", t);
	json_object_end(j);
}

static void tls_text(const struct dest *d, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (int b = 0; b < TLS_VERSIONS; b++) {
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
		char dest[320], proto[PROTO_STRLEN], org[160], tls[96];

		format_proto(r->proto, proto);
		if (r->family == IOTRIM_FAMILY_IPV6 && !r->name[0])
			snprintf(dest, sizeof(dest), "[%s]:%u", dest_of(r), r->remote_port);
		else
			snprintf(dest, sizeof(dest), "%s:%u", dest_of(r), r->remote_port);
		if (d->geo.asn)
			snprintf(org, sizeof(org), "AS%u %s", d->geo.asn, d->geo.org);
		else
			snprintf(org, sizeof(org), "%s", d->geo.org[0] ? d->geo.org : "-");
		tls_text(d, tls, sizeof(tls));
		printf("%-17s  %-40s  %-5s  %12llu  %12llu  %-2s  %-30.30s  %-7s  %s\n", r->device_mac,
		       dest, proto, (unsigned long long)d->bytes_up, (unsigned long long)d->bytes_down,
		       d->geo.country[0] ? d->geo.country : "-", org, party_name(d->party), tls);
		printf("    %zu address%s:", d->nips, d->nips == 1 ? "" : "es");
		for (size_t k = 0; k < d->nips && k < 6; k++)
			printf(" %s", d->ips[k]);
		if (d->nips > 6)
			printf(" ...");
		printf("%s%s; %s party: %s\n", d->domain[0] ? "; domain " : "", d->domain,
		       party_name(d->party), d->reason);
	}
	printf("%zu destination%s\n", l->len, l->len == 1 ? "" : "s");
}

/* ---- options and data ------------------------------------------------- */

static int parse_opts(int argc, char **argv, bool export, struct opts *o)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'C' },
		{ "out", required_argument, NULL, 'o' },
		{ "no-live", no_argument, NULL, 'L' },
		{ "db", required_argument, NULL, 'D' },
		{ "geoip", required_argument, NULL, 'g' },
		{ "asn", required_argument, NULL, 'a' },
		{ "geo-overrides", required_argument, NULL, 'O' },
		{ "devices", required_argument, NULL, 'c' },
		{ "providers", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *usage = export ? export_usage : destinations_usage;
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!parse_mac(optarg, o->mac))
				return fail(EXIT_USAGE, "--device takes a MAC like 02:00:00:00:00:21, not '%s'",
					    optarg);
			o->only = o->mac;
			break;
		case 'j': o->json = true; break;
		case 'C':
			if (!export)
				goto bad;
			o->csv = true;
			break;
		case 'o':
			if (!export)
				goto bad;
			o->out_dir = optarg;
			break;
		case 'L': o->no_live = true; break;
		case 'D': o->db = optarg; break;
		case 'g': o->geo.country_db = optarg; break;
		case 'a':
			if (o->geo.n_asn_files == GEO_MAX_ASN_FILES)
				return fail(EXIT_USAGE, "at most %d --asn files", GEO_MAX_ASN_FILES);
			o->geo.asn_files[o->geo.n_asn_files++] = optarg;
			break;
		case 'O': o->geo.overrides = optarg; break;
		case 'c': o->devices = optarg; break;
		case 'p': o->providers = optarg; break;
		case 'h': fputs(usage, stdout); return -1;
		default:
		bad:
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (export && o->json == o->csv)
		return fail(EXIT_USAGE, "export needs exactly one of --json and --csv");
	if (o->out_dir && !o->csv)
		return fail(EXIT_USAGE, "--out goes with --csv");
	if (!o->db)
		o->db = db_path();
	return EXIT_OK;
}

struct data {
	sqlite3 *db;
	struct rows rows;
	struct geo *geo;
	struct providers prov;
	struct device_config conf;
	struct dest_list dests;
};

static void data_free(struct data *d)
{
	dest_list_free(&d->dests);
	free(d->rows.items);
	geo_close(d->geo);
	providers_free(&d->prov);
	device_config_free(&d->conf);
	if (d->db)
		db_close(d->db);
}

static int load_data(const struct opts *o, struct data *d)
{
	struct flow_table live = { 0 };
	bool have_live = false;
	int err, fd;

	memset(d, 0, sizeof(*d));
	if (access(o->db, F_OK) != 0 && errno == ENOENT)
		notice("no history yet (%s does not exist): showing what the kernel counted", o->db);
	if ((err = cli_db_open(o->db, &d->db)))
		return err;
	if (!o->no_live && geteuid() == 0 && (fd = open_pinned_map(MAP_NAME(MAP_FLOWS))) >= 0) {
		have_live = read_flows(fd, &live) == 0;
		close(fd);
	}
	d->rows.only = o->only;
	if (o->only)
		format_mac(o->only, d->rows.only_text);
	err = history_rows(d->db, have_live ? &live : NULL, add_row, &d->rows);
	flow_table_free(&live);
	if (err)
		return fail(EXIT_FAILURE_RUNTIME, "reading the history in %s failed", o->db);
	if ((err = geo_open(&o->geo, false, &d->geo)) ||
	    (err = providers_load(o->providers, &d->prov)) ||
	    (err = device_config_load(o->devices, &d->conf)))
		return load_exit_code(err);
	qsort(d->rows.items, d->rows.len, sizeof(*d->rows.items), cmp_dest);
	if (build_dests(&d->rows, d->db, d->geo, &d->prov, &d->conf, &d->dests))
		return fail(EXIT_FAILURE_RUNTIME, "out of memory");
	return EXIT_OK;
}

int cmd_destinations(int argc, char **argv)
{
	struct opts o;
	struct data d;
	int err = parse_opts(argc, argv, false, &o);

	if (err)
		return err < 0 ? EXIT_OK : err;
	err = load_data(&o, &d);
	if (!err) {
		if (o.json) {
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
	data_free(&d);
	return err;
}

/* ---- export ----------------------------------------------------------------- */

/* Merges rows of the same flow and name (history + live) in place. */
static void merge_flows(struct rows *r)
{
	size_t w = 0;

	qsort(r->items, r->len, sizeof(*r->items), cmp_flow);
	for (size_t i = 0; i < r->len; i++) {
		struct flow_row *a = &r->items[i];

		if (w && !cmp_flow(&r->items[w - 1], a)) {
			struct flow_row *m = &r->items[w - 1];

			m->packets_up += a->packets_up;
			m->bytes_up += a->bytes_up;
			m->packets_down += a->packets_down;
			m->bytes_down += a->bytes_down;
			if (a->first_seen_ms < m->first_seen_ms)
				m->first_seen_ms = a->first_seen_ms;
			if (a->last_seen_ms > m->last_seen_ms)
				m->last_seen_ms = a->last_seen_ms;
			continue;
		}
		r->items[w++] = *a;
	}
	r->len = w;
}

/* A CSV field: quoted when it holds a comma, quote or newline. */
static void csv_field(FILE *f, const char *s, bool last)
{
	if (!s)
		s = "";
	if (strpbrk(s, ",\"\n\r")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static void csv_u64(FILE *f, uint64_t v, bool last)
{
	fprintf(f, "%llu%c", (unsigned long long)v, last ? '\n' : ',');
}

static void csv_flows(FILE *f, const struct rows *r)
{
	fputs("device_mac,device_ip,remote_ip,proto,remote_port,name,bytes_up,bytes_down,"
	      "packets_up,packets_down,first_seen,last_seen\n", f);
	for (size_t i = 0; i < r->len; i++) {
		const struct flow_row *x = &r->items[i];
		char proto[PROTO_STRLEN], t1[TIME_STRLEN], t2[TIME_STRLEN];

		format_proto(x->proto, proto);
		ms_text(x->first_seen_ms, t1);
		ms_text(x->last_seen_ms, t2);
		csv_field(f, x->device_mac, false);
		csv_field(f, x->device_ip, false);
		csv_field(f, x->remote_ip, false);
		csv_field(f, proto, false);
		csv_u64(f, x->remote_port, false);
		csv_field(f, x->name, false);
		csv_u64(f, x->bytes_up, false);
		csv_u64(f, x->bytes_down, false);
		csv_u64(f, x->packets_up, false);
		csv_u64(f, x->packets_down, false);
		csv_field(f, t1, false);
		csv_field(f, t2, true);
	}
}

static void csv_dests(FILE *f, const struct dest_list *l)
{
	fputs("device_mac,name,port,proto,ips,domain,bytes_up,bytes_down,packets_up,packets_down,"
	      "country,asn,org,party,party_reason,tls_versions,first_seen,last_seen\n", f);
	for (size_t i = 0; i < l->len; i++) {
		const struct dest *d = &l->items[i];
		const struct flow_row *r = d->first;
		char proto[PROTO_STRLEN], t1[TIME_STRLEN], t2[TIME_STRLEN], ips[1024] = "",
			tls[96] = "";
		size_t o = 0;

		for (size_t k = 0; k < d->nips && o < sizeof(ips); k++)
			o += snprintf(ips + o, sizeof(ips) - o, "%s%s", k ? " " : "", d->ips[k]);
		o = 0;
		for (int b = 0; b < TLS_VERSIONS; b++)
			if (d->tls_mask & (1u << b))
				o += snprintf(tls + o, sizeof(tls) - o, "%s%s", o ? " " : "",
					      tls_version_name(0x0300 + b));
		format_proto(r->proto, proto);
		ms_text(d->first_seen_ms, t1);
		ms_text(d->last_seen_ms, t2);
		csv_field(f, r->device_mac, false);
		csv_field(f, r->name, false);
		csv_u64(f, r->remote_port, false);
		csv_field(f, proto, false);
		csv_field(f, ips, false);
		csv_field(f, d->domain, false);
		csv_u64(f, d->bytes_up, false);
		csv_u64(f, d->bytes_down, false);
		csv_u64(f, d->packets_up, false);
		csv_u64(f, d->packets_down, false);
		csv_field(f, d->geo.country, false);
		if (d->geo.asn)
			csv_u64(f, d->geo.asn, false);
		else
			csv_field(f, "", false);
		csv_field(f, d->geo.org, false);
		csv_field(f, party_name(d->party), false);
		csv_field(f, d->reason, false);
		csv_field(f, tls, false);
		csv_field(f, t1, false);
		csv_field(f, t2, true);
	}
}

static FILE *open_out(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		fail(EXIT_FAILURE_RUNTIME, "cannot write %s: %s", path, strerror(errno));
	return f;
}

/* Rows of a query as objects: integer columns as numbers, others as strings. */
static void json_query(struct json *j, sqlite3 *db, const char *key, const char *sql,
		       const char *only_mac)
{
	sqlite3_stmt *st;

	json_array_begin(j, key);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, only_mac, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_object_begin(j, NULL);
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const char *name = sqlite3_column_name(st, c);

				if (sqlite3_column_type(st, c) == SQLITE_INTEGER)
					json_u64(j, name, (uint64_t)sqlite3_column_int64(st, c));
				else if (sqlite3_column_type(st, c) == SQLITE_NULL)
					json_null(j, name);
				else
					json_string(j, name, (const char *)sqlite3_column_text(st, c));
			}
			json_object_end(j);
		}
		sqlite3_finalize(st);
	}
	json_array_end(j);
}

static void json_counters(struct json *j, sqlite3 *db)
{
	sqlite3_stmt *st;

	json_object_begin(j, "counters");
	if (sqlite3_prepare_v2(db, "SELECT name, value FROM attribution_counters ORDER BY name", -1,
			       &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			json_u64(j, (const char *)sqlite3_column_text(st, 0),
				 (uint64_t)sqlite3_column_int64(st, 1));
		sqlite3_finalize(st);
	}
	json_object_end(j);
}

int cmd_export(int argc, char **argv)
{
	struct opts o;
	struct data d;
	struct rows flows = { 0 };
	int err = parse_opts(argc, argv, true, &o);

	if (err)
		return err < 0 ? EXIT_OK : err;
	err = load_data(&o, &d);
	if (err)
		goto out;
	/* The destinations point into d.rows: merge a copy for the flow list. */
	flows.items = malloc((d.rows.len ? d.rows.len : 1) * sizeof(*flows.items));
	if (!flows.items) {
		err = fail(EXIT_FAILURE_RUNTIME, "out of memory");
		goto out;
	}
	memcpy(flows.items, d.rows.items, d.rows.len * sizeof(*flows.items));
	flows.len = d.rows.len;
	merge_flows(&flows);
	if (o.json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_array_begin(&j, "flows");
		for (size_t i = 0; i < flows.len; i++) {
			const struct flow_row *x = &flows.items[i];
			char proto[PROTO_STRLEN], t[TIME_STRLEN];

			format_proto(x->proto, proto);
			json_object_begin(&j, NULL);
			json_string(&j, "device_mac", x->device_mac);
			json_string(&j, "device_ip", x->device_ip);
			json_string(&j, "remote_ip", x->remote_ip);
			json_string(&j, "proto", proto);
			json_u64(&j, "remote_port", x->remote_port);
			json_string(&j, "name", x->name[0] ? x->name : NULL);
			json_u64(&j, "bytes_up", x->bytes_up);
			json_u64(&j, "bytes_down", x->bytes_down);
			json_u64(&j, "packets_up", x->packets_up);
			json_u64(&j, "packets_down", x->packets_down);
			ms_text(x->first_seen_ms, t);
			json_string(&j, "first_seen", t);
			ms_text(x->last_seen_ms, t);
			json_string(&j, "last_seen", t);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_array_begin(&j, "destinations");
		for (size_t i = 0; i < d.dests.len; i++)
			json_dest(&j, &d.dests.items[i]);
		json_array_end(&j);
		json_query(&j, d.db, "names",
			   "SELECT device_mac, ip, name, source, chain, ttl, answers, first_seen_ms,"
			   " last_seen_ms, expires_ms FROM dns_names WHERE ?1 IS NULL OR device_mac = ?1"
			   " ORDER BY device_mac, name, ip", o.only ? d.rows.only_text : NULL);
		json_query(&j, d.db, "dns_queries",
			   "SELECT device_mac, name, qtype, queries, responses, last_rcode, first_seen_ms,"
			   " last_seen_ms FROM dns_queries WHERE ?1 IS NULL OR device_mac = ?1"
			   " ORDER BY device_mac, name, qtype", o.only ? d.rows.only_text : NULL);
		json_query(&j, d.db, "tls_versions",
			   "SELECT device_mac, remote_ip, remote_port, version, connections, first_seen_ms,"
			   " last_seen_ms FROM tls_versions WHERE ?1 IS NULL OR device_mac = ?1"
			   " ORDER BY device_mac, remote_ip, remote_port", o.only ? d.rows.only_text : NULL);
		json_counters(&j, d.db);
		json_object_end(&j);
		json_finish(&j);
	} else if (o.out_dir) {
		FILE *f = open_out(o.out_dir, "flows.csv");

		if (!f) {
			err = EXIT_FAILURE_RUNTIME;
			goto out;
		}
		csv_flows(f, &flows);
		fclose(f);
		f = open_out(o.out_dir, "destinations.csv");
		if (!f) {
			err = EXIT_FAILURE_RUNTIME;
			goto out;
		}
		csv_dests(f, &d.dests);
		fclose(f);
	} else {
		csv_flows(stdout, &flows);
		fputc('\n', stdout);
		csv_dests(stdout, &d.dests);
	}
out:
	free(flows.items);
	data_free(&d);
	return err;
}
