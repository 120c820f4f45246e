// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim block list`: the rules, what they brought in, their hits and CNAME chains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/block.h"
#include "common/clock.h"
#include "common/escape.h"
#include "common/fmt.h"
#include "common/json.h"
#include "report/json_views.h"
#include "common/proto.h"
#include "enforce/block.h"
#include "enforce/cname.h"
#include "history/db.h"

static void format_expiry(const struct block_rule *r, char *out, size_t len)
{
	int64_t left;

	if (!r->expires_ms) {
		snprintf(out, len, "never");
		return;
	}
	left = (r->expires_ms - clock_wall_ms() + 999) / 1000;
	if (left < 0)
		left = 0;
	if (left >= 3600)
		snprintf(out, len, "in %lldh%02lldm", (long long)(left / 3600),
			 (long long)(left % 3600 / 60));
	else if (left >= 60)
		snprintf(out, len, "in %lldm%02llds", (long long)(left / 60), (long long)(left % 60));
	else
		snprintf(out, len, "in %llds", (long long)left);
}

/* Text: one line per chain under its name rule. */
static void list_text_chains(const struct cname_chains *chains, const struct block_rule *r)
{
	char mac[MAC_STRLEN], text[IOTRIM_CNAME_CHAIN_MAX * (CNAME_TEXT_MAX + 12)];
	char safe[4 * sizeof(text)];

	for (size_t k = 0; k < chains->len; k++) {
		const struct cname_chain *c = &chains->items[k];

		if (c->rule_id != r->id)
			continue;
		format_mac(c->mac, mac);
		cname_chain_text(c, text, sizeof(text));
		printf("%-5s %-17s   CNAME chain: %s (%u answer%s)\n", "", mac,
		       term_safe(text, safe, sizeof(safe)), c->responses,
		       c->responses == 1 ? "" : "s");
	}
}

static void list_text_one(const struct block_rule *r, const struct block_hits *h, bool child)
{
	char mac[MAC_STRLEN], proto[PROTO_STRLEN], port[8], exp[24], target[BLOCK_TARGET_MAX + 4];
	char note[BLOCK_REASON_MAX + 32], safe_target[4 * sizeof(target)], safe_note[4 * sizeof(note)];

	if (r->all_devices)
		snprintf(mac, sizeof(mac), "all");
	else
		format_mac(r->mac, mac);
	block_proto_text(r, proto);
	if (r->port)
		snprintf(port, sizeof(port), "%u", r->port);
	else
		snprintf(port, sizeof(port), "any");
	format_expiry(r, exp, sizeof(exp));
	snprintf(target, sizeof(target), "%s%s", child ? "+ " : "", r->target);
	if (child)
		snprintf(note, sizeof(note), "via rule %lld: %s", (long long)r->parent_id, r->reason);
	else if (r->kind == BLOCK_NAME)
		snprintf(note, sizeof(note), "name and subdomains%s%s", r->reason[0] ? "; " : "",
			 r->reason);
	else
		snprintf(note, sizeof(note), "%s", r->reason);
	printf("%-5lld %-17s %-32s %-6s %-5s %-6s %-9s %9llu %11llu  %s\n", (long long)r->id, mac,
	       term_safe(target, safe_target, sizeof(safe_target)), proto, port,
	       block_action_name(r->action), exp, (unsigned long long)h->packets,
	       (unsigned long long)h->bytes, term_safe(note, safe_note, sizeof(safe_note)));
}

struct block_list_params {
	struct param_mac device;
	bool json;
};

static int run_block_list(const void *opts, int argc, char **argv)
{
	const struct block_list_params *p = opts;
	struct block_list l;
	struct block_hits *hits;
	struct cname_chains chains;
	bool json = p->json, filter = p->device.set;
	struct json j;
	sqlite3 *db;
	int rc;

	(void)argc, (void)argv;
	if ((rc = block_open_db(&db)))
		return rc;
	if (block_read(db, &l, &hits)) {
		db_close(db);
		return fail(EXIT_FAILURE_RUNTIME, "reading the block rules from %s failed", db_path());
	}
	db_close(db);
	if (cname_chains_read(&chains)) {
		free(hits);
		block_list_free(&l);
		return fail(EXIT_FAILURE_RUNTIME, "out of memory reading the CNAME chains");
	}
	if (json) {
		json_init(&j, stdout);
		json_block_rules(&j, &l, hits, &chains, filter ? p->device.addr : NULL);
		json_finish(&j);
		goto out;
	}
	printf("%-5s %-17s %-32s %-6s %-5s %-6s %-9s %9s %11s  %s\n", "ID", "DEVICE", "TARGET",
	       "PROTO", "PORT", "ACTION", "EXPIRES", "PACKETS", "BYTES", "NOTE");
	/* Each rule, then the rules it brought in, then its CNAME chains. */
	for (size_t i = 0; i < l.len; i++) {
		const struct block_rule *r = &l.items[i];

		if (r->parent_id)
			continue;
		for (size_t k = i; k < l.len; k++) {
			const struct block_rule *x = &l.items[k];

			if (k != i && x->parent_id != r->id)
				continue;
			if (filter && (x->all_devices || memcmp(x->mac, p->device.addr, 6)))
				continue;
			list_text_one(x, &hits[k], k != i);
		}
		if (r->kind == BLOCK_NAME &&
		    !(filter && (r->all_devices || memcmp(r->mac, p->device.addr, 6))))
			list_text_chains(&chains, r);
	}
out:
	free(hits);
	block_list_free(&l);
	cname_chains_free(&chains);
	return EXIT_OK;
}


const struct command block_list_command = {
	.name = "list",
	.doc = "The rules, each followed by the rules it brought in, with their hits: the\n"
	       "packets and layer-3 bytes blocked (name rules: DNS answers), and for name\n"
	       "rules the CNAME chains through which they matched answers.\n",
	.params = (const struct param[]){
		{ .name = "json", PARAM_FLAG(struct block_list_params, json),
		  .help = "an array of objects: id, device (null: all), kind, target, proto, port, "
			  "action, created, expires, parent, reason, owner, packets, bytes (the hits "
			  "so far); name rules also bound: the addresses they brought in (id, "
			  "address, proto, port, why, packets, bytes), and cname_chains: the CNAME "
			  "chains through which they matched answers (device, chain: the question "
			  "first, hops, answers)" },
		{ .name = "device", PARAM_MAC(struct block_list_params, device),
		  .expect = "takes a MAC (aa:bb:cc:dd:ee:ff)", .help = "only this device's rules" },
		{ NULL },
	},
	.opts_size = sizeof(struct block_list_params),
	.max_args = 0,
	.run = run_block_list,
};
