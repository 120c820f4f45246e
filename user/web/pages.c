// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The devices, one device, and the block rules. */
#include <stdlib.h>
#include <string.h>

#include "attrib/tls.h"
#include "common/clock.h"
#include "common/parse.h"
#include "common/proto.h"
#include "datapath/payload.h"
#include "datapath/table.h"
#include "enforce/block.h"
#include "experiment/query.h"
#include "history/db.h"
#include "history/windows.h"
#include "report/dest_data.h"
#include "report/html.h"
#include "web/layout.h"
#include "web/pages.h"

/* ---- devices ------------------------------------------------------------- */

/* How many destinations the history and the kernel know for the device. */
static size_t dest_count(const struct dest_data *d, const char *mac)
{
	size_t n = 0;

	for (size_t i = 0; i < d->dests.len; i++)
		n += !strcmp(d->dests.items[i].first->device_mac, mac);
	return n;
}

/* The device's bytes (up + down) per recent harvest window (history/windows.h). */
static void device_sparkline(FILE *out, sqlite3 *db, const char *mac)
{
	struct device_window w[HISTORY_WINDOWS];
	uint64_t bytes[HISTORY_WINDOWS];
	char title[64];
	size_t n;

	if (!db || history_device_windows(db, mac, w, &n)) {
		fputs("?", out);
		return;
	}
	for (size_t i = 0; i < n; i++)
		bytes[i] = w[i].bytes_up + w[i].bytes_down;
	snprintf(title, sizeof(title), "bytes per harvest, %s", mac);
	report_html_sparkline(out, title, bytes, n);
}

/* GET /sparkline?device=MAC: the devices page's sparkline alone, for its live updates. */
void page_sparkline(struct web_server *s, const struct web_request *req,
		    struct web_response *resp)
{
	const char *arg = web_query(req, "device");
	char mac[MAC_STRLEN];
	uint8_t addr[6];
	sqlite3 *db;

	if (!arg || !parse_mac(arg, addr)) {
		web_error(resp, 400, "device must be a MAC (aa:bb:cc:dd:ee:ff)");
		return;
	}
	if (!(db = web_db(s, resp)))
		return;
	format_mac(addr, mac);
	resp->type = "image/svg+xml";
	device_sparkline(resp->out, db, mac);
	db_close(db);
}

void page_devices(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	struct dest_source src = { .db = s->db };
	struct dest_data dests;
	struct snapshot snap;
	FILE *out = resp->out;
	bool have_dests;
	sqlite3 *db;

	page_html(resp);
	page_head(out, req, "Devices");
	if (snapshot_take(&snap)) {
		fputs("<p>Cannot read the pinned maps: is iotrim attached?</p>", out);
		page_foot(out);
		return;
	}
	have_dests = dest_data_load(&src, &dests) == 0;
	if (db_open(s->db, &db))
		db = NULL;
	fputs("<div class=\"wrap\"><table class=\"live\" id=\"devices\" data-api=\"/api/devices\" "
	      "data-key=\"device_mac\"><thead><tr><th>device</th><th>address</th>"
	      "<th class=\"n\">bytes up</th><th class=\"n\">bytes down</th><th class=\"n\">flows</th>"
	      "<th class=\"n\">destinations</th><th class=\"n\">encrypted</th><th>last seen</th>"
	      "<th>recent</th></tr></thead><tbody>\n", out);
	for (size_t i = 0; i < snap.devices.len; i++) {
		const struct device_entry *d = &snap.devices.items[i];
		struct payload_shares ps = payload_shares(&d->value.payload_up, &d->value.payload_down);
		char mac[MAC_STRLEN], ip[INET6_ADDRSTRLEN], last[TIME_STRLEN];

		format_mac(d->key.mac, mac);
		format_ip(d->value.last_family, d->value.last_ip, ip);
		format_wall_time(boot_ns_to_wall_ns(d->value.last_seen_ns), last);
		fprintf(out, "<tr data-key=\"%s\"><td><a href=\"/device?mac=%s\">%s</a></td>", mac, mac,
			mac);
		cell_text(out, ip);
		cell_live_u64(out, "bytes_up", d->value.up.bytes);
		cell_live_u64(out, "bytes_down", d->value.down.bytes);
		cell_live_u64(out, "flows", d->flows);
		if (have_dests)
			fprintf(out, "<td class=\"n\">%zu</td>", dest_count(&dests, mac));
		else
			fputs("<td class=\"n\">?</td>", out);
		if (ps.valid)
			fprintf(out, "<td class=\"n\" data-field=\"payload_shares.encrypted\" "
				"data-format=\"pct\">%.1f%%</td>", ps.encrypted * 100);
		else
			fputs("<td class=\"n\" data-field=\"payload_shares.encrypted\" "
			      "data-format=\"pct\">-</td>", out);
		fprintf(out, "<td data-field=\"last_seen\">%s</td><td class=\"spark\" "
			"data-spark=\"%s\">", last, mac);
		device_sparkline(out, db, mac);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
	if (db)
		db_close(db);
	dest_data_free(&dests);
	snapshot_free(&snap);
	page_foot(out);
}

/* ---- one device ----------------------------------------------------------- */

/* The report's charts of this device (no second renderer). */
static void device_charts(FILE *out, struct dest_data *d, const char *mac)
{
	struct report_options ro = { .only_mac = mac };
	struct report r;

	if (report_build(d->db, &ro, d->geo, &d->prov, &d->conf, &r)) {
		fputs("<p>The charts are not available.</p>", out);
		return;
	}
	for (size_t i = 0; i < r.ndevices; i++) {
		report_html_device_charts(out, &r.devices[i]);
		report_html_timeline(out, &r, &r.devices[i]);
	}
	report_free(&r);
}

static void dest_row(FILE *out, const struct dest *d, const char *mac)
{
	const struct flow_row *r = d->first;
	/* A shared destination is several names: block its address. */
	const char *target = r->name[0] && !d->shared ? r->name : r->remote_ip;
	char proto[PROTO_STRLEN];

	format_proto(r->proto, proto);
	fputs("<tr><td class=\"dest\">", out);
	html_escape(out, dest_host(r));
	if (d->shared) {
		fputs(" <span class=\"muted\">(shared: ", out);
		html_escape(out, r->name);
		fputs(")</span>", out);
	}
	fprintf(out, "</td><td>%s/%u</td>", proto, r->remote_port);
	cell_text(out, d->geo.country);
	fputs("<td>", out);
	html_escape(out, party_name(d->party));
	fputs(" <span class=\"muted\">", out);
	html_escape(out, d->reason);
	fputs("</span></td><td>", out);
	for (int b = 0; b < DEST_TLS_VERSIONS; b++)
		if (d->tls_mask & (1u << b))
			fprintf(out, "%s%s ", tls_version_name(0x0300 + b),
				tls_version_deprecated(0x0300 + b) ? " (deprecated)" : "");
	fprintf(out, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>",
		(unsigned long long)d->bytes_up, (unsigned long long)d->bytes_down);
	fputs("<td><button type=\"button\" class=\"block\" data-device=\"", out);
	html_escape(out, mac);
	fputs("\" data-target=\"", out);
	html_escape(out, target);
	fputs("\">block</button></td></tr>\n", out);
}

/* The device's experiment runs, each a link to its verdicts. */
static void device_runs(FILE *out, sqlite3 *db, const char *db_file, const char *mac)
{
	struct exp_summary *rows;
	size_t n, shown = 0;

	if (exp_query_list(db, db_file, &rows, &n))
		return;
	fputs("<h2>Experiments</h2><ul id=\"runs\">", out);
	for (size_t i = 0; i < n; i++) {
		char t[TIME_STRLEN];

		if (strcmp(rows[i].device_mac, mac))
			continue;
		format_wall_time((uint64_t)rows[i].created_ms * 1000000ULL, t);
		fprintf(out, "<li><a href=\"/experiment?id=%lld\">run %lld</a> %s, ",
			(long long)rows[i].id, (long long)rows[i].id, t);
		html_escape(out, rows[i].status);
		fputs("</li>", out);
		shown++;
	}
	if (!shown)
		fputs("<li class=\"muted\">none</li>", out);
	fputs("</ul>\n", out);
	free(rows);
}

void page_device(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	struct dest_source src = { .db = s->db };
	const char *arg = web_query(req, "mac");
	char mac[MAC_STRLEN], title[64];
	struct dest_data d;
	FILE *out = resp->out;
	uint8_t addr[6];

	if (!arg || !parse_mac(arg, addr)) {
		web_error(resp, 400, "mac must be a MAC (aa:bb:cc:dd:ee:ff)");
		return;
	}
	format_mac(addr, mac);
	src.only = addr;
	page_html(resp);
	snprintf(title, sizeof(title), "Device %s", mac);
	page_head(out, req, title);
	if (dest_data_load(&src, &d)) {
		fputs("<p>Cannot read the destinations.</p>", out);
		dest_data_free(&d);
		page_foot(out);
		return;
	}
	device_charts(out, &d, mac);
	fputs("<h2>Destinations</h2><p class=\"controls\"><label>action <select id=\"action\">"
	      "<option>drop</option><option>reject</option></select></label> <label>lease "
	      "<input id=\"lease\" type=\"number\" min=\"1\" placeholder=\"seconds\"></label></p>"
	      "<div class=\"wrap\"><table id=\"destinations\"><thead><tr><th>destination</th>"
	      "<th>port</th><th>country</th><th>party</th><th>TLS</th><th class=\"n\">bytes up</th>"
	      "<th class=\"n\">bytes down</th><th></th></tr></thead><tbody>\n", out);
	for (size_t i = 0; i < d.dests.len; i++)
		dest_row(out, &d.dests.items[i], mac);
	fputs("</tbody></table></div>\n", out);
	device_runs(out, d.db, s->db, mac);
	dest_data_free(&d);
	page_foot(out);
}

/* ---- block rules ------------------------------------------------------------ */

void page_blocks(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	struct block_hits *hits;
	struct block_list l;
	FILE *out = resp->out;
	sqlite3 *db;

	if (!(db = web_db(s, resp)))
		return;
	page_html(resp);
	page_head(out, req, "Block rules");
	if (block_read(db, &l, &hits)) {
		fputs("<p>Cannot read the block rules.</p>", out);
		db_close(db);
		page_foot(out);
		return;
	}
	db_close(db);
	fputs("<div class=\"wrap\"><table class=\"live\" id=\"blocks\" data-api=\"/api/blocks\" "
	      "data-key=\"id\"><thead><tr><th>id</th><th>device</th><th>target</th><th>proto</th>"
	      "<th>action</th><th>expires</th><th>origin</th><th class=\"n\">packets</th>"
	      "<th class=\"n\">bytes</th><th></th></tr></thead><tbody>\n", out);
	for (size_t i = 0; i < l.len; i++) {
		const struct block_rule *r = &l.items[i];
		char mac[MAC_STRLEN], proto[PROTO_STRLEN + 8], when[TIME_STRLEN];

		if (r->all_devices)
			snprintf(mac, sizeof(mac), "all");
		else
			format_mac(r->mac, mac);
		if (r->proto)
			format_proto(r->proto, proto);
		else
			snprintf(proto, sizeof(proto), "any");
		if (r->port)
			snprintf(proto + strlen(proto), sizeof(proto) - strlen(proto), "/%u", r->port);
		fprintf(out, "<tr data-key=\"%lld\"><td>%lld</td>", (long long)r->id, (long long)r->id);
		cell_text(out, mac);
		fputs("<td class=\"dest\">", out);
		if (r->parent_id)
			fprintf(out, "+ ");
		html_escape(out, r->target);
		fputs("</td>", out);
		cell_text(out, proto);
		cell_text(out, block_action_name(r->action));
		if (r->expires_ms)
			format_wall_time((uint64_t)r->expires_ms * 1000000ULL, when);
		cell_text(out, r->expires_ms ? when : "never");
		fputs("<td>", out);
		html_escape(out, r->owner[0] ? r->owner : "cli");
		if (r->parent_id)
			fprintf(out, " (via rule %lld)", (long long)r->parent_id);
		fputs("</td>", out);
		cell_live_u64(out, "packets", hits[i].packets);
		cell_live_u64(out, "bytes", hits[i].bytes);
		if (r->parent_id)
			fputs("<td></td></tr>\n", out);
		else
			fprintf(out, "<td><button type=\"button\" class=\"unblock\" data-rule=\"%lld\">"
				"unblock</button></td></tr>\n", (long long)r->id);
	}
	fputs("</tbody></table></div>\n", out);
	free(hits);
	block_list_free(&l);
	page_foot(out);
}
