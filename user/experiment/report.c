// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What an experiment found: Markdown (stdout), JSON (--json), a blocklist
 * for `iotrim block import` and an RFC 8520 MUD file that allows exactly
 * the destinations found necessary.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/safefile.h"
#include "common/clock.h"
#include "experiment/engine.h"
#include "common/fmt.h"
#include "common/proto.h"
#include "iotrim.h"
#include "common/json.h"

static void results(const struct exp_run *run, struct exp_dest_result *res)
{
	exp_verdicts(&run->plan, res);
}

const char *exp_run_outcome(const struct exp_run *run)
{
	switch (run->plan.phase) {
	case EXP_PH_DONE: return "done";
	case EXP_PH_ABORTED: return "aborted";
	default: return "incomplete";
	}
}

static void funcs_text(const struct exp_run *run, uint32_t mask, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned f = 0; f < run->cfg.nfuncs && o < len; f++)
		if (mask >> f & 1)
			o += snprintf(out + o, len - o, "%s%s", o ? ", " : "", run->cfg.funcs[f].name);
}

static void conflict_text(const struct exp_run *run, const struct exp_conflict *c, char *out,
			  size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned d = 0; d < run->ndest && o < len; d++) {
		char label[EXP_LABEL_MAX];

		if (!exp_set_has(&c->set, d))
			continue;
		exp_dest_label(&run->dests[d], label);
		o += snprintf(out + o, len - o, "%s%s", o ? " + " : "", label);
	}
}

void exp_report_markdown(const struct exp_run *run, FILE *out)
{
	struct exp_dest_result res[EXP_MAX_DESTS];
	const struct exp_plan *p = &run->plan;
	char mac[MAC_STRLEN];

	results(run, res);
	format_mac(run->cfg.mac, mac);
	fprintf(out, "# Experiment %lld: %s (%s)\n\n", (long long)run->id,
		run->cfg.device_name[0] ? run->cfg.device_name : "device", mac);
	fprintf(out, "Strategy %s, %u repetitions, action %s; %u trials after a baseline of %u runs; "
		     "%.0f s; status %s.\n\n",
		exp_strategy_name(run->cfg.strategy), run->cfg.repetitions,
		exp_action_name(run->cfg.action), p->trials, p->baseline_runs, exp_run_wall_ms(run) / 1000.0,
		exp_run_outcome(run));
	fprintf(out, "Baseline (nothing blocked):");
	for (unsigned f = 0; f < run->cfg.nfuncs; f++)
		fprintf(out, "%s %s %u/%u", f ? "," : "", run->cfg.funcs[f].name, p->base_ok[f],
			p->base_runs[f]);
	fprintf(out, "\n\n| Destination | Verdict | Breaks | Successes | Party | Country | Note |\n"
		     "|---|---|---|---|---|---|---|\n");
	for (unsigned d = 0; d < run->ndest; d++) {
		char label[EXP_LABEL_MAX], breaks[512], succ[512] = "";
		size_t o = 0;
		const struct exp_dest_result *v = &res[d];

		exp_dest_label(&run->dests[d], label);
		funcs_text(run, v->breaks, breaks, sizeof(breaks));
		for (unsigned f = 0; f < run->cfg.nfuncs && o < sizeof(succ); f++) {
			const struct exp_cell *c = exp_plan_cell(p, d, f);

			o += snprintf(succ + o, sizeof(succ) - o, "%s%s %u/%u%s", o ? ", " : "",
				      run->cfg.funcs[f].name, c->successes, c->trials,
				      v->flaky >> f & 1 ? " (flaky)" : "");
		}
		fprintf(out, "| %s | %s | %s | %s | %s | %s | %s%s |\n", label,
			exp_verdict_name(v->verdict), breaks[0] ? breaks : "-", succ,
			run->dests[d].party[0] ? run->dests[d].party : "-",
			run->dests[d].country[0] ? run->dests[d].country : "-",
			v->flaky ? "flaky " : "",
			v->kept ? "conflict: kept allowed" : v->conflict >= 0 ? "conflict" : "");
	}
	if (p->nconflicts) {
		fprintf(out, "\nConflicts (each blockable alone, not together):\n\n");
		for (unsigned c = 0; c < p->nconflicts; c++) {
			char text[2048], kept[EXP_LABEL_MAX] = "-";

			conflict_text(run, &p->conflicts[c], text, sizeof(text));
			if (p->conflicts[c].kept >= 0)
				exp_dest_label(&run->dests[p->conflicts[c].kept], kept);
			fprintf(out, "- %s breaks %s; %s stays allowed\n", text,
				run->cfg.funcs[p->conflicts[c].func].name, kept);
		}
	}
	if (run->plan.phase == EXP_PH_DONE) {
		fprintf(out, "\nBlocklist (`iotrim block import`): %s\nMUD file (RFC 8520): %s\n",
			run->blocklist_path, run->mud_path);
	}
}

void exp_report_json(const struct exp_run *run, FILE *out)
{
	struct exp_dest_result res[EXP_MAX_DESTS];
	const struct exp_plan *p = &run->plan;
	char mac[MAC_STRLEN], proto[PROTO_STRLEN];
	struct json j;

	results(run, res);
	format_mac(run->cfg.mac, mac);
	json_init(&j, out);
	json_object_begin(&j, NULL);
	json_u64(&j, "id", (uint64_t)run->id);
	json_string(&j, "device_mac", mac);
	json_string(&j, "device_name", run->cfg.device_name[0] ? run->cfg.device_name : NULL);
	json_string(&j, "strategy", exp_strategy_name(run->cfg.strategy));
	json_string(&j, "action", exp_action_name(run->cfg.action));
	json_u64(&j, "repetitions", run->cfg.repetitions);
	json_string(&j, "status", exp_run_outcome(run));
	json_u64(&j, "trials_run", p->trials);
	json_u64(&j, "baseline_runs", p->baseline_runs);
	json_double(&j, "wall_seconds", exp_run_wall_ms(run) / 1000.0);
	json_array_begin(&j, "functionalities");
	for (unsigned f = 0; f < run->cfg.nfuncs; f++) {
		json_object_begin(&j, NULL);
		json_string(&j, "name", run->cfg.funcs[f].name);
		json_u64(&j, "baseline_successes", p->base_ok[f]);
		json_u64(&j, "baseline_runs", p->base_runs[f]);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "destinations");
	for (unsigned d = 0; d < run->ndest; d++) {
		const struct exp_dest *x = &run->dests[d];
		const struct exp_dest_result *v = &res[d];
		char label[EXP_LABEL_MAX], ip[64];

		exp_dest_label(x, label);
		format_proto(x->proto, proto);
		exp_addr_format(&x->ips[0], ip, sizeof(ip));
		json_object_begin(&j, NULL);
		json_string(&j, "name", x->name[0] ? x->name : ip);
		json_bool(&j, "is_ip", !x->name[0]);
		json_string(&j, "label", label);
		json_u64(&j, "port", x->port);
		json_string(&j, "proto", proto);
		json_array_begin(&j, "ips");
		for (unsigned k = 0; k < x->nips; k++) {
			exp_addr_format(&x->ips[k], ip, sizeof(ip));
			json_string(&j, NULL, ip);
		}
		json_array_end(&j);
		json_string(&j, "verdict", exp_verdict_name(v->verdict));
		json_u64(&j, "successes", v->successes);
		json_u64(&j, "trials", v->trials);
		json_bool(&j, "flaky", v->flaky != 0);
		json_array_begin(&j, "breaks");
		for (unsigned f = 0; f < run->cfg.nfuncs; f++)
			if (v->breaks >> f & 1)
				json_string(&j, NULL, run->cfg.funcs[f].name);
		json_array_end(&j);
		json_array_begin(&j, "functionalities");
		for (unsigned f = 0; f < run->cfg.nfuncs; f++) {
			const struct exp_cell *c = exp_plan_cell(p, d, f);

			json_object_begin(&j, NULL);
			json_string(&j, "name", run->cfg.funcs[f].name);
			json_bool(&j, "works", c->status == EXP_WORKS || c->status == EXP_WORKS_PROVISIONAL);
			json_u64(&j, "successes", c->successes);
			json_u64(&j, "trials", c->trials);
			json_bool(&j, "flaky", v->flaky >> f & 1);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_string(&j, "party", x->party[0] ? x->party : NULL);
		json_string(&j, "country", x->country[0] ? x->country : NULL);
		json_u64(&j, "bytes", x->bytes);
		if (v->conflict >= 0)
			json_u64(&j, "conflict", (uint64_t)v->conflict);
		else
			json_null(&j, "conflict");
		json_bool(&j, "in_blocklist", v->in_blocklist);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "conflicts");
	for (unsigned c = 0; c < p->nconflicts; c++) {
		const struct exp_conflict *x = &p->conflicts[c];

		json_object_begin(&j, NULL);
		json_string(&j, "functionality", run->cfg.funcs[x->func].name);
		json_array_begin(&j, "destinations");
		for (unsigned d = 0; d < run->ndest; d++) {
			char label[EXP_LABEL_MAX];

			if (!exp_set_has(&x->set, d))
				continue;
			exp_dest_label(&run->dests[d], label);
			json_string(&j, NULL, label);
		}
		json_array_end(&j);
		if (x->kept >= 0) {
			char label[EXP_LABEL_MAX];

			exp_dest_label(&run->dests[x->kept], label);
			json_string(&j, "kept", label);
		} else {
			json_null(&j, "kept");
		}
		json_object_end(&j);
	}
	json_array_end(&j);
	json_string(&j, "blocklist", p->phase == EXP_PH_DONE ? run->blocklist_path : NULL);
	json_string(&j, "mud", p->phase == EXP_PH_DONE ? run->mud_path : NULL);
	json_object_end(&j);
	json_finish(&j);
}

/* ---- files ---------------------------------------------------------------------- */

/* The reports are written to a fresh temporary and renamed: whole or not at all. */

/* ---- blocklist ------------------------------------------------------------------- */

int exp_blocklist_rules(const struct exp_run *run, struct exp_rule **out)
{
	struct exp_dest_result res[EXP_MAX_DESTS];
	struct exp_set set = { 0 };
	int n;

	results(run, res);
	for (unsigned d = 0; d < run->ndest; d++)
		if (res[d].in_blocklist)
			exp_set_add(&set, d);
	*out = calloc(EXP_MAX_RULES, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	/* without a backend (a report), as the backends that can do it: scoped to the port */
	n = exp_rules_for_set(run->dests, run->ndest, &set, run->be ? run->be->port_scoped : true,
			      *out, EXP_MAX_RULES);
	if (n < 0) {
		free(*out);
		*out = NULL;
		return -E2BIG;
	}
	return n;
}

void exp_blocklist_line(const struct exp_run *run, const struct exp_rule *r, char *out, size_t len)
{
	char mac[MAC_STRLEN], text[EXP_NAME_MAX + 64];

	format_mac(run->cfg.mac, mac);
	exp_rule_format(r, text, sizeof(text));
	snprintf(out, len, "%s %s %s", mac, text, exp_action_name(run->cfg.action));
}

int exp_write_blocklist(const struct exp_run *run, const char *path)
{
	struct exp_dest_result res[EXP_MAX_DESTS];
	struct exp_rule *rules;
	char mac[MAC_STRLEN];
	struct safe_out out;
	int n = exp_blocklist_rules(run, &rules), err;
	FILE *f;

	if (n < 0)
		return n;
	results(run, res);
	format_mac(run->cfg.mac, mac);
	if ((err = safe_create(&out, path))) {
		free(rules);
		return err;
	}
	f = out.f;
	fprintf(f, "# iotrim blocklist: experiment %lld, device %s%s%s, strategy %s\n"
		   "# destinations found blockable, validated together:\n",
		(long long)run->id, mac, run->cfg.device_name[0] ? " " : "", run->cfg.device_name,
		exp_strategy_name(run->cfg.strategy));
	for (unsigned d = 0; d < run->ndest; d++) {
		char label[EXP_LABEL_MAX];

		if (res[d].in_blocklist) {
			exp_dest_label(&run->dests[d], label);
			fprintf(f, "#   %s\n", label);
		}
	}
	fprintf(f, "# apply with: iotrim block import %s\n"
		   "# DEVICE KIND VALUE [PROTO [PORT]] ACTION\n", path);
	for (int i = 0; i < n; i++) {
		char line[EXP_BLOCKLIST_LINE_MAX];

		exp_blocklist_line(run, &rules[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	free(rules);
	return safe_commit(&out);
}

/* ---- MUD (RFC 8520) -------------------------------------------------------------- */

static void mud_ace(struct json *j, const struct exp_dest *d, int family, bool from_device,
		    unsigned *no)
{
	char name[32], ip[64], net[80];
	const char *l3 = family == IOTRIM_FAMILY_IPV4 ? "ipv4" : "ipv6";
	bool any = false;

	if (!d->name[0]) {
		for (unsigned k = 0; k < d->nips; k++)
			any |= d->ips[k].family == family;
		if (!any)
			return;
	}
	/* one ACE per address of a bare-IP destination, one per name otherwise */
	for (unsigned k = 0; k < (d->name[0] ? 1 : d->nips); k++) {
		if (!d->name[0] && d->ips[k].family != family)
			continue;
		snprintf(name, sizeof(name), "cl%u-%s", (*no)++, from_device ? "frdev" : "todev");
		json_object_begin(j, NULL);
		json_string(j, "name", name);
		json_object_begin(j, "matches");
		json_object_begin(j, l3);
		if (d->name[0]) {
			json_string(j, from_device ? "ietf-acldns:dst-dnsname" : "ietf-acldns:src-dnsname",
				    d->name);
		} else {
			exp_addr_format(&d->ips[k], ip, sizeof(ip));
			snprintf(net, sizeof(net), "%s/%d", ip, family == IOTRIM_FAMILY_IPV4 ? 32 : 128);
			json_string(j, from_device ? (family == IOTRIM_FAMILY_IPV4
							      ? "destination-ipv4-network"
							      : "destination-ipv6-network")
						   : (family == IOTRIM_FAMILY_IPV4 ? "source-ipv4-network"
										   : "source-ipv6-network"),
				    net);
		}
		if (d->proto)
			json_u64(j, "protocol", d->proto);
		json_object_end(j);
		if ((d->proto == IPPROTO_TCP || d->proto == IPPROTO_UDP) && d->port) {
			json_object_begin(j, d->proto == IPPROTO_TCP ? "tcp" : "udp");
			json_object_begin(j, from_device ? "destination-port" : "source-port");
			json_string(j, "operator", "eq");
			json_u64(j, "port", d->port);
			json_object_end(j);
			json_object_end(j);
		}
		json_object_end(j);
		json_object_begin(j, "actions");
		json_string(j, "forwarding", "accept");
		json_object_end(j);
		json_object_end(j);
	}
}

/* A policy names the ACLs of one direction: acl[first], acl[first + 2] (IPv4, IPv6). */
static void mud_policy(struct json *j, const char *key, char acl[4][192], int first)
{
	json_object_begin(j, key);
	json_object_begin(j, "access-lists");
	json_array_begin(j, "access-list");
	for (int i = first; i < 4; i += 2) {
		json_object_begin(j, NULL);
		json_string(j, "name", acl[i]);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
	json_object_end(j);
}

int exp_write_mud(const struct exp_run *run, const char *path)
{
	struct exp_dest_result res[EXP_MAX_DESTS];
	char acl[4][192], sysname[128], stamp[TIME_STRLEN], url[256];
	const char *suffix[4] = { "v4fr", "v4to", "v6fr", "v6to" };
	struct safe_out out;
	struct json j;
	int err;

	results(run, res);
	snprintf(sysname, sizeof(sysname), "%s", run->cfg.device_name[0] ? run->cfg.device_name : "device");
	for (char *c = sysname; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
			*c = '-';
	for (int i = 0; i < 4; i++)
		snprintf(acl[i], sizeof(acl[i]), "mud-%s-%lld-%s", sysname, (long long)run->id, suffix[i]);
	snprintf(url, sizeof(url), "https://mud.example.com/iotrim/%.100s-%lld.json", sysname,
		 (long long)run->id);
	format_wall_time((uint64_t)(clock_wall_ms() / 1000) * 1000000000ULL, stamp);
	if ((err = safe_create(&out, path)))
		return err;
	json_init(&j, out.f);
	json_object_begin(&j, NULL);
	json_object_begin(&j, "ietf-mud:mud");
	json_u64(&j, "mud-version", 1);
	json_string(&j, "mud-url", url);
	json_string(&j, "last-update", stamp);
	json_u64(&j, "cache-validity", 48);
	json_bool(&j, "is-supported", true);
	json_string(&j, "systeminfo", run->cfg.device_name[0] ? run->cfg.device_name : "device");
	json_string(&j, "documentation", "generated by iotrim experiment: allows only the destinations "
					 "its trials found necessary");
	mud_policy(&j, "from-device-policy", acl, 0);
	mud_policy(&j, "to-device-policy", acl, 1);
	json_object_end(&j);
	json_object_begin(&j, "ietf-access-control-list:acls");
	json_array_begin(&j, "acl");
	for (int i = 0; i < 4; i++) {
		int family = i < 2 ? IOTRIM_FAMILY_IPV4 : IOTRIM_FAMILY_IPV6;
		unsigned no = 0;

		json_object_begin(&j, NULL);
		json_string(&j, "name", acl[i]);
		json_string(&j, "type", family == IOTRIM_FAMILY_IPV4 ? "ipv4-acl-type" : "ipv6-acl-type");
		json_object_begin(&j, "aces");
		json_array_begin(&j, "ace");
		for (unsigned d = 0; d < run->ndest; d++)
			if (!res[d].in_blocklist)	/* necessary: allowed */
				mud_ace(&j, &run->dests[d], family, i % 2 == 0, &no);
		json_array_end(&j);
		json_object_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_object_end(&j);
	json_finish(&j);
	return safe_commit(&out);
}
