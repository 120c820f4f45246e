// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim block`: deny entries by IP, prefix or name (user/enforce/). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/clock.h"
#include "enforce/block.h"
#include "cli/commands.h"
#include "history/db.h"
#include "common/fmt.h"
#include "common/proto.h"
#include "common/json.h"
#include "datapath/pin.h"

/* The exit code of a block_* error; enforcement has said why. */
static int exit_code(int err)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case -EEXIST:
		return EXIT_CONFLICT;
	case -EINVAL:
	case -ENOENT:
		return EXIT_USAGE;
	default:
		return EXIT_FAILURE_RUNTIME;
	}
}

void reapply_block_rules(void)
{
	int err = block_apply_stored();

	if (err)
		warn("block rules not re-applied from %s (exit code %d)", db_path(),
		     err == -ENOENT ? EXIT_NOT_ATTACHED : EXIT_FAILURE_RUNTIME);
}

static int open_db(sqlite3 **db)
{
	int err = require_pin_access();

	if (err)
		return datapath_exit(err);
	return cli_db_open(db_path(), db);
}

static bool parse_device(const char *s, struct block_rule *r)
{
	if (!strcmp(s, "all")) {
		r->all_devices = true;
		return true;
	}
	r->all_devices = false;
	return parse_mac(s, r->mac);
}

static bool parse_action(const char *s, uint8_t *action)
{
	if (!strcmp(s, "drop"))
		*action = IOTRIM_DENY_DROP;
	else if (!strcmp(s, "reject"))
		*action = IOTRIM_DENY_REJECT;
	else
		return false;
	return true;
}

/* --device MAC|all */
static int param_rule_device(const struct param *p, const char *arg, void *field)
{
	return parse_device(arg, field) ? EXIT_OK : param_bad_value(p, arg);
}

static int param_rule_proto(const struct param *p, const char *arg, void *field)
{
	return proto_parse(arg, field) ? EXIT_OK : param_bad_value(p, arg);
}

static const struct param_word action_words[] = {
	{ "drop", IOTRIM_DENY_DROP },
	{ "reject", IOTRIM_DENY_REJECT },
	{ NULL },
};

/* Checks the combination of target, protocol and port; 0 or an error message. */
static const char *check_scope(const struct block_rule *r)
{
	if (r->kind == BLOCK_NAME && (r->proto || r->port))
		return "a name rule blocks the whole name: --proto and --port apply to IP and prefix rules";
	if (r->port && r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		return "--port needs --proto tcp or udp";
	return NULL;
}

struct block_add_params {
	struct block_rule rule;		/* device and proto */
	struct param_u64 port, lease;
	int action;
	const char *owner;
	bool no_bind;
};

/* What block add did: the rule, the rules it brought in, what it left alone. */
static void print_added(const struct block_rule *r, const struct block_add_report *rep)
{
	char what[BLOCK_TARGET_MAX + 128];

	block_describe(r, what, sizeof(what));
	printf("rule %lld: %s\n", (long long)r->id, what);
	for (size_t i = 0; i < rep->bound.len; i++)
		printf("  rule %lld: %s %s (%s)\n", (long long)rep->bound.items[i].id,
		       block_action_name(rep->bound.items[i].action), rep->bound.items[i].target,
		       rep->bound.items[i].reason);
	if (rep->left_alone[0])
		printf("  %s\n", rep->left_alone);
	if (rep->maps_absent)
		printf("iotrim is not attached (no maps under %s): the rule applies from the next `iotrim attach`\n",
		       pin_dir());
}

static int run_block_add(const void *opts, int argc, char **argv)
{
	const struct block_add_params *p = opts;
	struct block_rule r = p->rule;
	struct block_add_report report;
	struct block_add_opts o = { .check_device = true, .bind_names = !p->no_bind,
				    .report = &report };
	const char *target = argv[0], *msg;
	char err[512];
	sqlite3 *db;
	int rc;

	(void)argc;
	r.port = (uint16_t)p->port.value;
	r.action = p->action;
	if (p->owner)
		snprintf(r.owner, sizeof(r.owner), "%s", p->owner);
	if (!block_parse_target(target, &r, err, sizeof(err)))
		return fail(EXIT_USAGE, "%s", err);
	if ((msg = check_scope(&r)))
		return fail(EXIT_USAGE, "%s", msg);
	if ((rc = open_db(&db)))
		return rc;
	if (p->lease.set)
		r.expires_ms = clock_wall_ms() + (int64_t)p->lease.value * 1000;
	rc = block_add(db, &r, &o);
	db_close(db);
	if (rc)
		return exit_code(rc);
	print_added(&r, &report);
	block_add_report_free(&report);
	return EXIT_OK;
}

static int run_block_del(const void *opts, int argc, char **argv)
{
	unsigned long long id;
	sqlite3 *db;
	int rc;

	(void)opts, (void)argc;
	if (!parse_u64(argv[0], 1, INT64_MAX, &id))
		return fail(EXIT_USAGE, "not a rule ID: '%s'", argv[0]);
	if ((rc = open_db(&db)))
		return rc;
	rc = exit_code(block_del(db, (int64_t)id));
	if (rc == EXIT_OK)
		printf("removed rule %llu\n", id);
	db_close(db);
	return rc;
}

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

static void proto_text(const struct block_rule *r, char out[PROTO_STRLEN])
{
	if (!r->proto)
		snprintf(out, PROTO_STRLEN, "any");
	else
		format_proto(r->proto, out);
}

/* A name rule's "bound": each address it brought in, its scope, why, and its hits. */
static void list_json_bound(struct json *j, const struct block_list *l,
			    const struct block_hits *hits, const struct block_rule *r)
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
		proto_text(x, proto);
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

static void list_json_one(struct json *j, const struct block_list *l,
			  const struct block_hits *hits, size_t i)
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
	proto_text(r, proto);
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
	if (r->kind == BLOCK_NAME)
		list_json_bound(j, l, hits, r);
	json_object_end(j);
}

static void list_text_one(const struct block_rule *r, const struct block_hits *h, bool child)
{
	char mac[MAC_STRLEN], proto[PROTO_STRLEN], port[8], exp[24], target[BLOCK_TARGET_MAX + 4];
	char note[BLOCK_REASON_MAX + 32], safe_target[4 * sizeof(target)], safe_note[4 * sizeof(note)];

	if (r->all_devices)
		snprintf(mac, sizeof(mac), "all");
	else
		format_mac(r->mac, mac);
	proto_text(r, proto);
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
	bool json = p->json, filter = p->device.set;
	struct json j;
	sqlite3 *db;
	int rc;

	(void)argc, (void)argv;
	if ((rc = open_db(&db)))
		return rc;
	if (block_read(db, &l, &hits)) {
		db_close(db);
		return fail(EXIT_FAILURE_RUNTIME, "reading the block rules from %s failed", db_path());
	}
	db_close(db);
	if (json) {
		json_init(&j, stdout);
		json_array_begin(&j, NULL);
	} else {
		printf("%-5s %-17s %-32s %-6s %-5s %-6s %-9s %9s %11s  %s\n", "ID", "DEVICE", "TARGET",
		       "PROTO", "PORT", "ACTION", "EXPIRES", "PACKETS", "BYTES", "NOTE");
	}
	/* Each rule, then the rules it brought in. */
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
			if (json)
				list_json_one(&j, &l, hits, k);
			else
				list_text_one(x, &hits[k], k != i);
		}
	}
	/* Bound rules whose name rule is gone cannot exist (cascade); none left out. */
	if (json) {
		json_array_end(&j);
		json_finish(&j);
	}
	free(hits);
	block_list_free(&l);
	return EXIT_OK;
}

/* One line of a blocklist file into r; NULL or an error message. */
static const char *import_line(char *line, struct block_rule *r, char *err, size_t errlen)
{
	char *tok[6], *save = NULL;
	int n = 0;
	const char *msg;

	for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 6)
			return "too many fields (DEVICE KIND VALUE [PROTO [PORT]] ACTION)";
		tok[n++] = t;
	}
	if (n < 4)
		return "too few fields (DEVICE KIND VALUE [PROTO [PORT]] ACTION)";
	memset(r, 0, sizeof(*r));
	if (!parse_device(tok[0], r))
		return "DEVICE must be a MAC or all";
	if (strcmp(tok[1], "ip") && strcmp(tok[1], "prefix") && strcmp(tok[1], "name"))
		return "KIND must be ip, prefix or name";
	if (!block_parse_target(tok[2], r, err, errlen))
		return err;
	if ((r->kind == BLOCK_NAME) != !strcmp(tok[1], "name"))
		return "KIND does not match VALUE";
	if (!parse_action(tok[n - 1], &r->action))
		return "ACTION must be drop or reject";
	if (n >= 5 && !proto_parse(tok[3], &r->proto))
		return "PROTO must be tcp, udp, icmp or any";
	if (n == 6) {
		unsigned long long port;

		if (!parse_u64(tok[4], 1, 65535, &port))
			return "PORT must be a number from 1 to 65535";
		r->port = (uint16_t)port;
	}
	if ((msg = check_scope(r)))
		return msg;
	return NULL;
}

struct block_import_params {
	struct param_u64 lease;
};

static int run_block_import(const void *opts, int argc, char **argv)
{
	const struct block_import_params *p = opts;
	struct block_add_opts o = { .check_device = true, .bind_names = false };
	unsigned added = 0, skipped = 0, lineno = 0;
	char line[1024], err[512];
	const char *path = argv[0], *msg;
	sqlite3 *db;
	FILE *f;
	int rc = EXIT_OK;

	(void)argc;
	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f)
		return fail(EXIT_USAGE, "cannot read %s: %s", path, strerror(errno));
	if ((rc = open_db(&db))) {
		if (f != stdin)
			fclose(f);
		return rc;
	}
	while (fgets(line, sizeof(line), f)) {
		struct block_rule r;
		char *hash = strchr(line, '#');

		lineno++;
		if (hash)
			*hash = '\0';
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		if ((msg = import_line(line, &r, err, sizeof(err)))) {
			rc = fail(EXIT_USAGE, "%s:%u: %s", path, lineno, msg);
			break;
		}
		if (p->lease.set)
			r.expires_ms = clock_wall_ms() + (int64_t)p->lease.value * 1000;
		snprintf(r.owner, sizeof(r.owner), "import");
		rc = block_add(db, &r, &o);
		if (rc == -EEXIST) {
			skipped++;
			rc = EXIT_OK;
			continue;
		}
		if (rc) {
			rc = exit_code(rc);
			notice("%s:%u: stopped here", path, lineno);
			break;
		}
		added++;
	}
	if (f != stdin)
		fclose(f);
	db_close(db);
	if (rc == EXIT_OK)
		printf("imported %u rule%s from %s (%u already there)\n", added, added == 1 ? "" : "s",
		       path, skipped);
	return rc;
}

static const struct command block_add_command = {
	.name = "add",
	.doc = "Denies the device (default: all devices) TARGET: an address, a prefix or a\n"
	       "DNS name with its subdomains (see iotrim block --help).\n",
	.params = (const struct param[]){
		{ .name = "device", PARAM_CUSTOM(struct block_add_params, rule, param_rule_device),
		  .arg = "MAC|all", .expect = "takes a MAC (aa:bb:cc:dd:ee:ff) or all",
		  .help = "the device the rule is for (default all)" },
		{ .name = "proto", PARAM_CUSTOM(struct block_add_params, rule.proto, param_rule_proto),
		  .arg = "tcp|udp|icmp|any", .expect = "must be tcp, udp, icmp or any",
		  .help = "only this protocol (IP and prefix rules; default any)" },
		{ .name = "port", PARAM_U64(struct block_add_params, port, 1, 65535),
		  .help = "only this remote port (needs --proto tcp or udp)" },
		{ .name = "action", PARAM_ENUM(struct block_add_params, action, action_words),
		  .arg = "ACTION",
		  .help = "drop (default) or reject: a TCP RST, else ICMP administratively "
			  "prohibited (see `iotrim status` for how it is sent)" },
		{ .name = "lease", PARAM_U64(struct block_add_params, lease, 1, BLOCK_MAX_LEASE),
		  .arg = "SECONDS", .unit = "seconds",
		  .help = "the rule ends by itself then, checked by the kernel programs" },
		{ .name = "no-bind", PARAM_FLAG(struct block_add_params, no_bind),
		  .help = "name rules: no IP rules for the addresses the device resolved the name to" },
		/* Not for users: the experiment engine tags its rules. */
		{ .name = "owner", PARAM_STRING(struct block_add_params, owner) },
		{ NULL },
	},
	.opts_size = sizeof(struct block_add_params),
	.defaults = &(const struct block_add_params){
		.rule = { .all_devices = true },
		.action = IOTRIM_DENY_DROP,
	},
	.args = "TARGET",
	.min_args = 1,
	.max_args = 1,
	.args_missing = "block add needs a TARGET: an address, a prefix or a name",
	.run = run_block_add,
};

static const struct command block_del_command = {
	.name = "del",
	.doc = "Removes rule ID (and the rules it brought in).\n",
	.args = "ID",
	.min_args = 1,
	.max_args = 1,
	.args_missing = "block del takes one rule ID (see `iotrim block list`)",
	.args_extra = "block del takes one rule ID (see `iotrim block list`)",
	.run = run_block_del,
};

static const struct command block_list_command = {
	.name = "list",
	.doc = "The rules, each followed by the rules it brought in, with their hits: the\n"
	       "packets and layer-3 bytes blocked (name rules: DNS answers).\n",
	.params = (const struct param[]){
		{ .name = "json", PARAM_FLAG(struct block_list_params, json),
		  .help = "an array of objects: id, device (null: all), kind, target, proto, port, "
			  "action, created, expires, parent, reason, owner, packets, bytes (the hits "
			  "so far); name rules also bound: the addresses they brought in (id, "
			  "address, proto, port, why, packets, bytes)" },
		{ .name = "device", PARAM_MAC(struct block_list_params, device),
		  .expect = "takes a MAC (aa:bb:cc:dd:ee:ff)", .help = "only this device's rules" },
		{ NULL },
	},
	.opts_size = sizeof(struct block_list_params),
	.max_args = 0,
	.run = run_block_list,
};

static const struct command block_import_command = {
	.name = "import",
	.doc = "Reads lines \"DEVICE KIND VALUE [PROTO [PORT]] ACTION\" (DEVICE a MAC or all,\n"
	       "KIND ip, prefix or name; # starts a comment) from FILE (- for standard\n"
	       "input), as the experiment blocklists are written; rules that exist already\n"
	       "are skipped.\n",
	.params = (const struct param[]){
		{ .name = "lease", PARAM_U64(struct block_import_params, lease, 1, BLOCK_MAX_LEASE),
		  .arg = "SECONDS", .unit = "seconds", .help = "every imported rule ends then" },
		{ NULL },
	},
	.opts_size = sizeof(struct block_import_params),
	.args = "FILE",
	.min_args = 1,
	.max_args = 1,
	.args_missing = "block import takes one FILE (- for standard input)",
	.args_extra = "block import takes one FILE (- for standard input)",
	.run = run_block_import,
};

const struct command block_command = {
	.name = "block",
	.hint = "add|del|list",
	.summary = "deny a device's destinations by IP, prefix or name",
	.doc = "Denies a device (or all devices) a destination, in the kernel, at once.\n"
	       "TARGET is an address (203.0.113.10, 2001:db8::1), a prefix (203.0.113.0/24,\n"
	       "2001:db8::/48) or a DNS name, which covers its subdomains too (ntp.org\n"
	       "blocks 0.pool.ntp.org).\n"
	       "\n"
	       "  IP and prefix rules drop the device's packets in XDP, or with\n"
	       "  --action reject answer them: a TCP RST, else ICMP administratively\n"
	       "  prohibited (see `iotrim status` for how it is sent).  --proto and --port\n"
	       "  limit the rule (--port needs --proto tcp or udp).\n"
	       "  Name rules turn DNS answers for the name into NXDOMAIN before they reach\n"
	       "  the device, and bring in IP rules (with the rule's action) for the\n"
	       "  addresses the device resolved the name to already, except addresses it\n"
	       "  also uses for another name (--no-bind: none).\n"
	       "  --lease SECONDS: the rule ends by itself then, checked by the kernel\n"
	       "  programs, even if no iotrim process is left.\n"
	       "\n"
	       "Rules are written to the pinned maps directly (no controller needed) and\n"
	       "kept in the database (IOTRIM_DB, default " IOTRIM_DEFAULT_DB "), from\n"
	       "which `iotrim attach` re-applies them.  `list` shows each rule's hits:\n"
	       "the packets and layer-3 bytes it blocked (name rules: DNS answers).\n"
	       "import reads lines \"DEVICE KIND VALUE [PROTO [PORT]] ACTION\" (DEVICE a MAC\n"
	       "or all, KIND ip, prefix or name; # starts a comment), as the experiment\n"
	       "blocklists are written; rules that exist already are skipped.\n"
	       "\n"
	       "  --json   list: an array of objects: id, device (null: all), kind,\n"
	       "           target, proto, port, action, created, expires, parent, reason,\n"
	       "           owner, packets, bytes (the hits so far); name rules also bound:\n"
	       "           the addresses they brought in (id, address, proto, port, why,\n"
	       "           packets, bytes)\n",
	.epilogue = "iotrim block COMMAND --help shows the options of each command.\n",
	.subcommands = (const struct command *const[]){
		&block_add_command, &block_del_command, &block_list_command,
		&block_import_command, NULL,
	},
};
