// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim export`: the flow history (history plus what the kernel counted
 * since the last harvest, one row per flow and name), the destinations and
 * the attribution tables, as JSON or CSV.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto.h"
#include "cli/destinations.h"
#include "common/csv.h"
#include "common/json.h"
#include "common/safefile.h"
#include "history/queries.h"
#include "attrib/tls.h"

/* ---- CSV ---------------------------------------------------------------- */

static void csv_flows(FILE *f, const void *rows)
{
	const struct flow_rows *r = rows;

	fputs("device_mac,device_ip,remote_ip,proto,remote_port,name,bytes_up,bytes_down,"
	      "packets_up,packets_down,first_seen,last_seen\n", f);
	for (size_t i = 0; i < r->len; i++) {
		const struct flow_row *x = &r->items[i];
		char proto[PROTO_STRLEN], t1[TIME_STRLEN], t2[TIME_STRLEN];

		format_proto(x->proto, proto);
		dest_time_text(x->first_seen_ms, t1);
		dest_time_text(x->last_seen_ms, t2);
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

static void csv_dests(FILE *f, const void *rows)
{
	const struct dest_list *l = rows;

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
		for (int b = 0; b < DEST_TLS_VERSIONS; b++)
			if (d->tls_mask & (1u << b))
				o += snprintf(tls + o, sizeof(tls) - o, "%s%s", o ? " " : "",
					      tls_version_name(0x0300 + b));
		format_proto(r->proto, proto);
		dest_time_text(d->first_seen_ms, t1);
		dest_time_text(d->last_seen_ms, t2);
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

/* DIR/NAME replaced whole, never through a link (common/safefile.h). */
static int write_csv(const char *dir, const char *name,
		     void (*write)(FILE *f, const void *rows), const void *rows)
{
	char path[4096];
	struct safe_out out;
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(err = safe_create(&out, path))) {
		write(out.f, rows);
		err = safe_commit(&out);
	}
	if (err)
		return fail(EXIT_FAILURE_RUNTIME, "cannot write %s: %s", path, strerror(-err));
	return EXIT_OK;
}

/* ---- JSON --------------------------------------------------------------- */

/* Rows of an attribution table as objects: integers as numbers, the rest as strings. */
static void json_row(void *ctx, const struct history_cell *cells, int n)
{
	struct json *j = ctx;

	json_object_begin(j, NULL);
	for (int c = 0; c < n; c++) {
		if (cells[c].kind == CELL_INT)
			json_u64(j, cells[c].column, (uint64_t)cells[c].i);
		else if (cells[c].kind == CELL_NULL)
			json_null(j, cells[c].column);
		else
			json_string(j, cells[c].column, cells[c].text);
	}
	json_object_end(j);
}

static void json_table(struct json *j, sqlite3 *db, const char *key, enum history_table t,
		       const char *only_mac)
{
	json_array_begin(j, key);
	history_table_rows(db, t, only_mac, json_row, j);
	json_array_end(j);
}

static void json_counter(void *ctx, const char *name, uint64_t value)
{
	json_u64(ctx, name, value);
}

static int run_export(const void *opts, int argc, char **argv)
{
	const struct dest_opts *o = opts;
	struct dest_data d;
	const char *only = o->device.set ? d.only_text : NULL;	/* filled by load_dest_data */
	struct flow_rows flows = { 0 };
	int err;

	(void)argc, (void)argv;
	if (o->json == o->csv)
		return fail(EXIT_USAGE, "export needs exactly one of --json and --csv");
	if (o->out_dir && !o->csv)
		return fail(EXIT_USAGE, "--out goes with --csv");
	err = load_dest_data(o, &d);
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
	flow_rows_merge(&flows);
	if (o->json) {
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
			dest_time_text(x->first_seen_ms, t);
			json_string(&j, "first_seen", t);
			dest_time_text(x->last_seen_ms, t);
			json_string(&j, "last_seen", t);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_array_begin(&j, "destinations");
		for (size_t i = 0; i < d.dests.len; i++)
			json_dest(&j, &d.dests.items[i]);
		json_array_end(&j);
		json_table(&j, d.db, "names", HISTORY_NAMES, only);
		json_table(&j, d.db, "dns_queries", HISTORY_DNS_QUERIES,
			   only);
		json_table(&j, d.db, "tls_versions", HISTORY_TLS_VERSIONS,
			   only);
		json_object_begin(&j, "counters");
		history_counters(d.db, json_counter, &j);
		json_object_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else if (o->out_dir) {
		if ((err = write_csv(o->out_dir, "flows.csv", csv_flows, &flows)) ||
		    (err = write_csv(o->out_dir, "destinations.csv", csv_dests, &d.dests)))
			goto out;
	} else {
		csv_flows(stdout, &flows);
		fputc('\n', stdout);
		csv_dests(stdout, &d.dests);
	}
out:
	flow_rows_free(&flows);
	dest_data_free(&d);
	return err;
}

const struct command export_command = {
	.name = "export",
	.hint = "--json|--csv",
	.summary = "dump the flow history and the destinations",
	.synopsis = "--json|--csv [--out DIR] [--no-live] [--db FILE] [...]",
	.doc = "Dumps the flow history (per device, device address, remote address,\n"
	       "protocol, port and name) and the destinations.  --json prints one object\n"
	       "{\"flows\": [...], \"destinations\": [...], \"names\": [...], \"dns_queries\": [...],\n"
	       "\"tls_versions\": [...], \"counters\": {...}}; --csv prints the\n"
	       "flows, an empty line and the destinations, or with --out DIR writes\n"
	       "DIR/flows.csv and DIR/destinations.csv.  Takes the options of\n"
	       "`iotrim destinations` too.\n",
	.params = (const struct param[]){
		{ .name = "json", PARAM_FLAG(struct dest_opts, json), .help = "one JSON object" },
		{ .name = "csv", PARAM_FLAG(struct dest_opts, csv), .help = "CSV" },
		{ .name = "out", PARAM_STRING(struct dest_opts, out_dir), .arg = "DIR",
		  .help = "with --csv: write DIR/flows.csv and DIR/destinations.csv" },
		DEST_DEVICE_PARAM,
		DEST_DATA_PARAMS,
		{ NULL },
	},
	.opts_size = sizeof(struct dest_opts),
	.max_args = 0,
	.run = run_export,
};
