// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/tls.h"
#include "common/clock.h"
#include "common/parse.h"
#include "common/proto.h"
#include "datapath/payload.h"
#include "datapath/table.h"
#include "enforce/block.h"
#include "experiment/engine.h"
#include "experiment/query.h"
#include "history/db.h"
#include "report/dest_data.h"
#include "report/html.h"
#include "web/http.h"
#include "web/pages.h"
#include "web/request.h"

#define SESSION_COOKIE "iotrim_session"

static void head(FILE *out, const struct web_request *req, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
	      "<link rel=\"stylesheet\" href=\"/assets/style.css\">"
	      "<script src=\"/assets/app.js\" defer></script><title>iotrim: ", out);
	html_escape(out, title);
	fputs("</title>", out);
	if (req->session) {
		fputs("<meta name=\"csrf\" content=\"", out);
		html_escape(out, req->session->csrf);
		fputs("\">", out);
	}
	fputs("</head><body><header><nav><a href=\"/\">Devices</a><a href=\"/blocks\">Blocks</a>"
	      "<a href=\"/experiments\">Experiments</a>", out);
	if (req->session)
		fputs("<button id=\"logout\" type=\"button\">Sign out</button>", out);
	else
		fputs("<a href=\"/login\">Sign in</a>", out);
	fputs("</nav><p id=\"status\" role=\"status\"></p></header><main>\n<h1>", out);
	html_escape(out, title);
	fputs("</h1>\n", out);
}

static void foot(FILE *out)
{
	fputs("</main></body></html>\n", out);
}

static void html_type(struct web_response *resp)
{
	resp->type = "text/html; charset=utf-8";
}

/* A table cell the assets keep live: the API object's field (dotted path). */
static void live_u64(FILE *out, const char *field, uint64_t v)
{
	fprintf(out, "<td class=\"n\" data-field=\"%s\">%llu</td>", field, (unsigned long long)v);
}

static void text_cell(FILE *out, const char *s)
{
	fputs("<td>", out);
	html_escape(out, s && *s ? s : "-");
	fputs("</td>", out);
}

/* ---- devices ------------------------------------------------------------- */

/* How many destinations the history and the kernel know for the device. */
static size_t dest_count(const struct dest_data *d, const char *mac)
{
	size_t n = 0;

	for (size_t i = 0; i < d->dests.len; i++)
		n += !strcmp(d->dests.items[i].first->device_mac, mac);
	return n;
}

void page_devices(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	struct dest_source src = { .db = s->db };
	struct dest_data dests;
	struct snapshot snap;
	FILE *out = resp->out;
	bool have_dests;

	html_type(resp);
	head(out, req, "Devices");
	if (snapshot_take(&snap)) {
		fputs("<p>Cannot read the pinned maps: is iotrim attached?</p>", out);
		foot(out);
		return;
	}
	have_dests = dest_data_load(&src, &dests) == 0;
	fputs("<div class=\"wrap\"><table class=\"live\" id=\"devices\" data-api=\"/api/devices\" "
	      "data-key=\"device_mac\"><thead><tr><th>device</th><th>address</th>"
	      "<th class=\"n\">bytes up</th><th class=\"n\">bytes down</th><th class=\"n\">flows</th>"
	      "<th class=\"n\">destinations</th><th class=\"n\">encrypted</th><th>last seen</th>"
	      "</tr></thead><tbody>\n", out);
	for (size_t i = 0; i < snap.devices.len; i++) {
		const struct device_entry *d = &snap.devices.items[i];
		struct payload_shares ps = payload_shares(&d->value.payload_up, &d->value.payload_down);
		char mac[MAC_STRLEN], ip[INET6_ADDRSTRLEN], last[TIME_STRLEN];

		format_mac(d->key.mac, mac);
		format_ip(d->value.last_family, d->value.last_ip, ip);
		format_wall_time(boot_ns_to_wall_ns(d->value.last_seen_ns), last);
		fprintf(out, "<tr data-key=\"%s\"><td><a href=\"/device?mac=%s\">%s</a></td>", mac, mac,
			mac);
		text_cell(out, ip);
		live_u64(out, "bytes_up", d->value.up.bytes);
		live_u64(out, "bytes_down", d->value.down.bytes);
		live_u64(out, "flows", d->flows);
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
		fprintf(out, "<td data-field=\"last_seen\">%s</td></tr>\n", last);
	}
	fputs("</tbody></table></div>\n", out);
	dest_data_free(&dests);
	snapshot_free(&snap);
	foot(out);
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
	text_cell(out, d->geo.country);
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
	html_type(resp);
	snprintf(title, sizeof(title), "Device %s", mac);
	head(out, req, title);
	if (dest_data_load(&src, &d)) {
		fputs("<p>Cannot read the destinations.</p>", out);
		dest_data_free(&d);
		foot(out);
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
	dest_data_free(&d);
	foot(out);
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
	html_type(resp);
	head(out, req, "Block rules");
	if (block_read(db, &l, &hits)) {
		fputs("<p>Cannot read the block rules.</p>", out);
		db_close(db);
		foot(out);
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
		text_cell(out, mac);
		fputs("<td class=\"dest\">", out);
		if (r->parent_id)
			fprintf(out, "+ ");
		html_escape(out, r->target);
		fputs("</td>", out);
		text_cell(out, proto);
		text_cell(out, block_action_name(r->action));
		if (r->expires_ms)
			format_wall_time((uint64_t)r->expires_ms * 1000000ULL, when);
		text_cell(out, r->expires_ms ? when : "never");
		fputs("<td>", out);
		html_escape(out, r->owner[0] ? r->owner : "cli");
		if (r->parent_id)
			fprintf(out, " (via rule %lld)", (long long)r->parent_id);
		fputs("</td>", out);
		live_u64(out, "packets", hits[i].packets);
		live_u64(out, "bytes", hits[i].bytes);
		if (r->parent_id)
			fputs("<td></td></tr>\n", out);
		else
			fprintf(out, "<td><button type=\"button\" class=\"unblock\" data-rule=\"%lld\">"
				"unblock</button></td></tr>\n", (long long)r->id);
	}
	fputs("</tbody></table></div>\n", out);
	free(hits);
	block_list_free(&l);
	foot(out);
}

/* ---- experiments ---------------------------------------------------------------- */

void page_experiments(struct web_server *s, const struct web_request *req,
		      struct web_response *resp)
{
	struct exp_summary *rows;
	FILE *out = resp->out;
	sqlite3 *db;
	size_t n;

	if (!(db = web_db(s, resp)))
		return;
	html_type(resp);
	head(out, req, "Experiments");
	if (exp_query_list(db, s->db, &rows, &n)) {
		fputs("<p>Cannot read the experiments.</p>", out);
		db_close(db);
		foot(out);
		return;
	}
	db_close(db);
	fputs("<form id=\"phase\" class=\"controls\"><label>device <input name=\"device\" "
	      "placeholder=\"aa:bb:cc:dd:ee:ff\" required></label> <label>phase <select name=\"phase\">"
	      "<option>setup</option><option>interaction</option><option>idle</option>"
	      "<option>deletion</option><option>none</option></select></label> "
	      "<button>mark phase</button></form>\n", out);
	fputs("<div class=\"wrap\"><table class=\"live\" id=\"experiments\" "
	      "data-api=\"/api/experiments\" data-key=\"id\"><thead><tr><th>id</th><th>device</th>"
	      "<th>strategy</th><th>status</th><th>phase</th><th class=\"n\">trials</th>"
	      "<th class=\"n\">destinations</th><th>created</th><th>message</th></tr></thead>"
	      "<tbody>\n", out);
	for (size_t i = 0; i < n; i++) {
		const struct exp_summary *r = &rows[i];
		char t[TIME_STRLEN];

		format_wall_time((uint64_t)r->created_ms * 1000000ULL, t);
		fprintf(out, "<tr data-key=\"%lld\"><td><a href=\"/experiment?id=%lld\">%lld</a></td>",
			(long long)r->id, (long long)r->id, (long long)r->id);
		fputs("<td>", out);
		html_escape(out, r->device_name[0] ? r->device_name : r->device_mac);
		fputs("</td>", out);
		text_cell(out, r->strategy);
		fputs("<td data-field=\"status\">", out);
		html_escape(out, r->status);
		fputs("</td><td data-field=\"phase\">", out);
		html_escape(out, r->phase);
		fputs("</td>", out);
		live_u64(out, "trials_run", (uint64_t)r->trials_run);
		live_u64(out, "destinations", (uint64_t)r->destinations);
		text_cell(out, t);
		fputs("<td data-field=\"message\">", out);
		html_escape(out, r->message);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
	free(rows);
	foot(out);
}

/* One run: each destination's verdict and the evidence behind it. */
void page_experiment(struct web_server *s, const struct web_request *req,
		     struct web_response *resp)
{
	static struct exp_dest_result res[EXP_MAX_DESTS];	/* the server's one thread */
	const char *arg = web_query(req, "id");
	unsigned long long id;
	struct exp_run run;
	char err[1024], title[64];
	FILE *out = resp->out;
	sqlite3 *db;

	if (!arg || !parse_u64(arg, 1, INT64_MAX, &id)) {
		web_error(resp, 400, "id must be an experiment ID");
		return;
	}
	if (!(db = web_db(s, resp)))
		return;
	if (exp_run_load(db, (int64_t)id, &run, err, sizeof(err)) ||
	    exp_run_replay(&run, err, sizeof(err))) {
		web_error(resp, 404, err);
		exp_run_free(&run);
		db_close(db);
		return;
	}
	html_type(resp);
	snprintf(title, sizeof(title), "Experiment %llu", id);
	head(out, req, title);
	exp_verdicts(&run.plan, res);
	fprintf(out, "<p>%u trials after %u baseline runs.</p>", run.plan.trials,
		run.plan.baseline_runs);
	fputs("<div class=\"wrap\"><table id=\"verdicts\"><thead><tr><th>destination</th>"
	      "<th>verdict</th><th class=\"n\">successes / trials</th><th class=\"n\">bytes</th>"
	      "</tr></thead><tbody>\n", out);
	for (unsigned d = 0; d < run.ndest; d++) {
		char label[EXP_LABEL_MAX];

		exp_dest_label(&run.dests[d], label);
		fputs("<tr><td class=\"dest\">", out);
		html_escape(out, label);
		fprintf(out, "</td><td>%s</td><td class=\"n\">%u / %u</td><td class=\"n\">%llu</td>"
			"</tr>\n", exp_verdict_name(res[d].verdict), res[d].successes, res[d].trials,
			(unsigned long long)run.dests[d].bytes);
	}
	fputs("</tbody></table></div>\n", out);
	exp_run_free(&run);
	db_close(db);
	foot(out);
}

/* ---- signing in and out ------------------------------------------------------------ */

static void login_form(const struct web_request *req, struct web_response *resp, const char *msg)
{
	FILE *out = resp->out;

	html_type(resp);
	head(out, req, "Sign in");
	if (msg)
		fprintf(out, "<p class=\"error\">%s</p>", msg);
	fputs("<form method=\"post\" action=\"/login\"><label>token or password "
	      "<input name=\"secret\" type=\"password\" autocomplete=\"current-password\" required>"
	      "</label> <button>Sign in</button></form>\n", out);
	foot(out);
}

void page_login(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	(void)s;
	login_form(req, resp, NULL);
}

/* The secret is a token or the password; 1 yes, 0 no, -errno. */
static int secret_valid(struct web_server *s, const char *secret)
{
	sqlite3 *db;
	int ok;

	if (db_open(s->db, &db))
		return -EIO;
	ok = web_token_valid(db, secret);
	if (ok == 0)
		ok = web_password_valid(db, secret);
	db_close(db);
	return ok;
}

void login(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	int64_t now = clock_wall_ms();
	const struct web_session *session;
	char secret[256];
	int ok;

	if (!req->client || !login_allowed(&s->sessions, req->client, now)) {
		login_form(req, resp, "Too many failed attempts: wait a minute.");
		resp->status = 429;
		return;
	}
	if (form_field(req->body, "secret", secret, sizeof(secret)) ||
	    (ok = secret_valid(s, secret)) == 0) {
		login_failed(&s->sessions, req->client, now);
		login_form(req, resp, "Wrong token or password.");
		resp->status = 403;
	} else if (ok < 0 || !(session = session_create(&s->sessions, now))) {
		web_error(resp, 500, "cannot sign in");
	} else {
		snprintf(resp->set_cookie, sizeof(resp->set_cookie),
			 SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld",
			 session->id, WEB_SESSION_TTL_MS / 1000);
		web_redirect(resp, "/");
	}
	explicit_bzero(secret, sizeof(secret));
}

void logout(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	if (req->session)
		session_drop(&s->sessions, req->session->id);
	snprintf(resp->set_cookie, sizeof(resp->set_cookie),
		 SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	resp->status = 204;
}
