// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/parse.h"
#include "common/proto.h"
#include "datapath/table.h"
#include "enforce/block.h"
#include "experiment/engine.h"
#include "history/db.h"
#include "history/history.h"
#include "history/phase.h"
#include "history/windows.h"
#include "report/dest_data.h"
#include "report/json_views.h"
#include "web/api.h"
#include "web/http.h"
#include "web/request.h"

/* GET /api/devices: `devices --json` with each device's recent harvest windows. */
void api_devices(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	struct device_window (*recent)[HISTORY_WINDOWS] = NULL;
	struct snapshot snap;
	size_t *n = NULL;
	struct json j;
	sqlite3 *db;
	int err = 0;

	(void)req;
	if (snapshot_take(&snap)) {
		web_error(resp, 503, "cannot read the pinned maps: is iotrim attached?");
		return;
	}
	if (!(db = web_db(s, resp))) {
		snapshot_free(&snap);
		return;
	}
	recent = calloc(snap.devices.len + 1, sizeof(*recent));
	n = calloc(snap.devices.len + 1, sizeof(*n));
	err = recent && n ? 0 : -ENOMEM;
	for (size_t i = 0; i < snap.devices.len && !err; i++) {
		char mac[MAC_STRLEN];

		format_mac(snap.devices.items[i].key.mac, mac);
		err = history_device_windows(db, mac, recent[i], &n[i]);
	}
	db_close(db);
	if (err) {
		web_error(resp, 500, "cannot read the recent harvest windows");
	} else {
		json_init(&j, resp->out);
		json_array_begin(&j, NULL);
		for (size_t i = 0; i < snap.devices.len; i++)
			json_device_entry(&j, &snap.devices.items[i], recent[i], n[i]);
		json_array_end(&j);
		json_finish(&j);
	}
	free(recent);
	free(n);
	snapshot_free(&snap);
}

/* ?device=MAC into mac; false after answering 400 for a malformed one. */
static bool device_arg(const struct web_request *req, struct web_response *resp, uint8_t mac[6],
		       bool *set)
{
	const char *v = web_query(req, "device");

	*set = v != NULL;
	if (v && !parse_mac(v, mac)) {
		web_error(resp, 400, "device must be a MAC (aa:bb:cc:dd:ee:ff)");
		return false;
	}
	return true;
}

void api_destinations(struct web_server *s, const struct web_request *req,
		      struct web_response *resp)
{
	struct dest_source src = { .db = s->db };
	struct dest_data d;
	uint8_t mac[6];
	struct json j;
	bool only;

	if (!device_arg(req, resp, mac, &only))
		return;
	src.only = only ? mac : NULL;
	if (dest_data_load(&src, &d)) {
		web_error(resp, 500, "cannot read the destinations");
	} else {
		json_init(&j, resp->out);
		json_array_begin(&j, NULL);
		for (size_t i = 0; i < d.dests.len; i++)
			json_dest(&j, &d.dests.items[i]);
		json_array_end(&j);
		json_finish(&j);
	}
	dest_data_free(&d);
}

void api_blocks(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	struct cname_chains chains;
	struct block_hits *hits;
	struct block_list l;
	uint8_t mac[6];
	struct json j;
	sqlite3 *db;
	bool only;

	if (!device_arg(req, resp, mac, &only) || !(db = web_db(s, resp)))
		return;
	if (block_read(db, &l, &hits)) {
		web_error(resp, 500, "cannot read the block rules");
	} else if (cname_chains_read(&chains)) {
		web_error(resp, 500, "cannot read the CNAME chains");
		free(hits);
		block_list_free(&l);
	} else {
		json_init(&j, resp->out);
		json_block_rules(&j, &l, hits, &chains, only ? mac : NULL);
		json_finish(&j);
		free(hits);
		block_list_free(&l);
		cname_chains_free(&chains);
	}
	db_close(db);
}

/* The rule of a POST /api/blocks body; NULL, or why it is not one. */
static const char *rule_from_json(const struct json_fields *f, struct block_rule *r, char *err,
				  size_t errlen)
{
	const char *device = json_field(f, "device", JF_STRING);
	const char *target = json_field(f, "target", JF_STRING);
	const char *proto = json_field(f, "proto", JF_STRING);
	const char *action = json_field(f, "action", JF_STRING);
	const char *port = json_field(f, "port", JF_NUMBER);
	const char *lease = json_field(f, "lease", JF_NUMBER);
	static const char *const known[] = { "device", "target", "proto", "port", "action", "lease" };
	unsigned long long n;

	for (int i = 0; i < f->n; i++) {
		size_t k = 0;

		while (k < sizeof(known) / sizeof(known[0]) && strcmp(known[k], f->f[i].key))
			k++;
		if (k == sizeof(known) / sizeof(known[0])) {
			snprintf(err, errlen, "unknown field '%s'", f->f[i].key);
			return err;
		}
	}
	memset(r, 0, sizeof(*r));
	r->action = IOTRIM_DENY_DROP;
	if (!device)
		return "device (a MAC, or \"all\") is needed, as a string";
	if (!strcmp(device, "all"))
		r->all_devices = true;
	else if (!parse_mac(device, r->mac))
		return "device must be a MAC (aa:bb:cc:dd:ee:ff) or \"all\"";
	if (!target)
		return "target (an address, a prefix or a name) is needed, as a string";
	if (!block_parse_target(target, r, err, errlen))
		return err;
	if (json_field_present(f, "proto") && (!proto || !proto_parse(proto, &r->proto)))
		return "proto must be \"tcp\", \"udp\", \"icmp\" or \"any\"";
	if (json_field_present(f, "port")) {
		if (!port || !parse_u64(port, 1, 65535, &n))
			return "port must be a number from 1 to 65535";
		r->port = (uint16_t)n;
	}
	if (json_field_present(f, "action") && (!action || !block_action_parse(action, &r->action)))
		return "action must be \"drop\" or \"reject\"";
	if (json_field_present(f, "lease")) {
		if (!lease || !parse_u64(lease, 1, BLOCK_MAX_LEASE, &n))
			return "lease must be a number of seconds (1 or more)";
		r->expires_ms = clock_wall_ms() + (int64_t)n * 1000;
	}
	snprintf(r->owner, sizeof(r->owner), "web");
	return block_scope_error(r);
}

void api_block_add(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	struct block_add_opts o = { .check_device = true, .bind_names = true };
	const char *why = "not JSON";
	struct block_hits *hits;
	struct json_fields f;
	struct block_rule r;
	struct block_list l;
	char err[512];
	struct json j;
	sqlite3 *db;
	int rc;

	if (json_fields_parse(req->body, req->body_len, &f, &why)) {
		web_error(resp, 400, why);
		return;
	}
	if ((why = rule_from_json(&f, &r, err, sizeof(err)))) {
		web_error(resp, 400, why);
		return;
	}
	if (!(db = web_db(s, resp)))
		return;
	rc = block_add(db, &r, &o);
	if (rc == -EEXIST)
		web_error(resp, 409, "the same rule exists already");
	else if (rc == -EINVAL)
		web_error(resp, 400, "too many rules for one prefix");
	else if (rc)
		web_error(resp, 500, "adding the rule failed");
	else if (block_read(db, &l, &hits))
		web_error(resp, 500, "the rule was added, but reading it back failed");
	else {
		resp->status = 201;
		json_init(&j, resp->out);
		/* A new rule has matched no CNAME chain yet. */
		json_block_rule(&j, &l, hits, &(struct cname_chains){ 0 }, r.id);
		json_finish(&j);
		free(hits);
		block_list_free(&l);
	}
	db_close(db);
}

void api_block_del(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	unsigned long long id;
	sqlite3 *db;
	int rc;

	if (!parse_u64(req->rest, 1, INT64_MAX, &id)) {
		web_error(resp, 404, "not a rule ID");
		return;
	}
	if (!(db = web_db(s, resp)))
		return;
	rc = block_del(db, (int64_t)id);
	if (rc == -ENOENT)
		web_error(resp, 404, "no such rule");
	else if (rc)
		web_error(resp, 500, "removing the rule failed");
	else
		resp->status = 204;
	db_close(db);
}

void api_experiments(struct web_server *s, const struct web_request *req,
		     struct web_response *resp)
{
	struct exp_summary *rows;
	struct json j;
	sqlite3 *db;
	size_t n;

	(void)req;
	if (!(db = web_db(s, resp)))
		return;
	if (exp_query_list(db, s->db, &rows, &n)) {
		web_error(resp, 500, "cannot read the experiments");
	} else {
		json_init(&j, resp->out);
		json_array_begin(&j, NULL);
		for (size_t i = 0; i < n; i++)
			json_exp_summary(&j, &rows[i]);
		json_array_end(&j);
		json_finish(&j);
		free(rows);
	}
	db_close(db);
}

/* GET /api/experiments/ID: the run with its verdicts, as `experiment show --json`. */
void api_experiment(struct web_server *s, const struct web_request *req,
		    struct web_response *resp)
{
	unsigned long long id;
	struct exp_run run;
	char err[1024];
	sqlite3 *db;

	if (!parse_u64(req->rest, 1, INT64_MAX, &id)) {
		web_error(resp, 404, "not an experiment ID");
		return;
	}
	if (!(db = web_db(s, resp)))
		return;
	if (exp_run_load(db, (int64_t)id, &run, err, sizeof(err)) ||
	    exp_run_replay(&run, err, sizeof(err))) {
		web_error(resp, 404, err);
	} else {
		exp_output_paths(&run);
		exp_report_json(&run, resp->out);
	}
	exp_run_free(&run);
	db_close(db);
}

/* POST /api/phase {"device": MAC, "phase": NAME}: a live mark, as `iotrim phase mark`. */
void api_phase(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	struct phase_mark mark = { 0 };
	const char *why = "not JSON", *device, *phase;
	struct json_fields f;
	uint8_t mac[6];
	struct json j;
	sqlite3 *db;

	if (json_fields_parse(req->body, req->body_len, &f, &why)) {
		web_error(resp, 400, why);
		return;
	}
	device = json_field(&f, "device", JF_STRING);
	phase = json_field(&f, "phase", JF_STRING);
	if (f.n != 2 || !device || !phase || !parse_mac(device, mac) || !phase_name_valid(phase)) {
		web_error(resp, 400, "needs exactly device (a MAC) and phase (setup, interaction, "
			  "idle, deletion or none)");
		return;
	}
	format_mac(mac, mark.mac);
	snprintf(mark.phase, sizeof(mark.phase), "%s", phase);
	if (!(db = web_db(s, resp)))
		return;
	if (history_mark_phase(db, &mark)) {
		web_error(resp, 500, "storing the mark failed");
	} else {
		resp->status = 201;
		json_init(&j, resp->out);
		json_object_begin(&j, NULL);
		json_string(&j, "device", mark.mac);
		json_string(&j, "phase", mark.phase);
		json_u64(&j, "at_ms", (uint64_t)mark.at_ms);
		json_object_end(&j);
		json_finish(&j);
	}
	db_close(db);
}
