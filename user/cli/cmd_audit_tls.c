// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim audit tls`: does the device check the certificates it is shown?
 * Its TLS connections are diverted for a while to an interceptor that shows
 * forged ones (audit/tls_audit.h); the verdicts are printed and stored.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/escape.h"
#include "audit/tls_audit.h"
#include "audit/tls_store.h"
#include "cli/commands.h"
#include "common/fmt.h"
#include "common/json.h"
#include "history/db.h"

struct audit_destination {
	char name[TLS_DEST_NAME_MAX];
	uint16_t port;
	bool set;
};

struct audit_tls_opts {
	struct param_mac device;
	struct audit_destination destination;
	struct param_u64 duration;
	const char *db;
	bool json;
};

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int param_destination(const struct param *p, const char *arg, void *field)
{
	struct audit_destination *d = field;

	if (!tls_audit_parse_destination(arg, d->name, &d->port))
		return param_bad_value(p, arg);
	d->set = true;
	return EXIT_OK;
}

static void print_text(const struct tls_audit_result *res)
{
	printf("%-40s %5s  %-14s %10s\n", "NAME", "PORT", "VERDICT", "APP BYTES");
	for (size_t i = 0; i < res->dests.len; i++) {
		const struct tls_dest *d = &res->dests.items[i];

		char name[TERM_NAME_MAX];

		printf("%-40s %5u  %-14s %10llu\n", term_safe(d->name, name, sizeof(name)), d->port,
		       tls_verdict_name(d->verdict), (unsigned long long)d->app_bytes);
	}
}

static void print_json(const struct tls_audit_result *res)
{
	struct json j;

	json_init(&j, stdout);
	json_array_begin(&j, NULL);
	for (size_t i = 0; i < res->dests.len; i++) {
		const struct tls_dest *d = &res->dests.items[i];

		json_object_begin(&j, NULL);
		json_string(&j, "name", d->name);
		json_u64(&j, "port", d->port);
		json_string(&j, "verdict", tls_verdict_name(d->verdict));
		json_u64(&j, "app_bytes", d->app_bytes);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_finish(&j);
}

static void say_stats(const struct tls_audit_result *res)
{
	const struct intercept_stats *s = &res->stats;

	notice("audit tls: %llu connections diverted: %llu audited (%llu failed on our side), "
	       "%llu passed through (%llu not TLS), %llu without an original destination, "
	       "%llu over the limit",
	       (unsigned long long)s->accepted, (unsigned long long)s->audited,
	       (unsigned long long)s->local_errors, (unsigned long long)s->passed_through,
	       (unsigned long long)s->not_tls, (unsigned long long)s->no_original_dst,
	       (unsigned long long)s->over_limit);
}

static int run_audit_tls(const void *opts, int argc, char **argv)
{
	const struct audit_tls_opts *o = opts;
	struct tls_audit_request req = {
		.only_name = o->destination.set ? o->destination.name : NULL,
		.only_port = o->destination.port,
		.duration_ms = o->duration.value * 1000ULL,
	};
	static const uint16_t ports[] = { INTERCEPT_TLS_PORTS };
	struct tls_audit_result res;
	struct sigaction sa = { .sa_handler = on_stop };
	char mac[MAC_STRLEN];
	sqlite3 *db;
	int err;

	(void)argc;
	(void)argv;
	if (geteuid() != 0)
		return fail(EXIT_PERMISSION, "audit tls changes the gateway's nftables: run it as root");
	memcpy(req.mac, o->device.addr, 6);
	format_mac(req.mac, mac);
	if ((err = cli_db_open(o->db ? o->db : db_path(), &db)))
		return err;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	notice("audit tls: intercepting %s's TLS (%s) for %llu s; Ctrl-C ends it", mac,
	       req.only_name ? "one destination" : "every TLS port", o->duration.value);
	err = tls_audit_run(&req, &stop_flag, &res);
	if (err) {
		tls_audit_result_free(&res);
		db_close(db);
		if (err == -EPERM)
			return fail(EXIT_PERMISSION, "nftables refused the divert (CAP_NET_ADMIN?)");
		return fail(EXIT_FAILURE_RUNTIME, "audit tls failed: %s", strerror(-err));
	}
	notice("audit tls: divert %s removed; %s connects normally again", res.table, mac);
	say_stats(&res);
	if (!req.only_name && tls_audit_known(db, mac, ports, sizeof(ports) / sizeof(ports[0]),
					      &res.dests))
		warn("the device's earlier TLS destinations are not listed as not-seen");
	err = tls_audit_store(db, mac, res.started_ms, res.ended_ms, &res.dests);
	db_close(db);
	if (o->json)
		print_json(&res);
	else
		print_text(&res);
	tls_audit_result_free(&res);
	return err ? EXIT_FAILURE_RUNTIME : stop_flag ? EXIT_INTERRUPTED : EXIT_OK;
}

static const struct audit_tls_opts audit_tls_defaults = {
	.duration = { .value = 60 },
};

const struct command audit_tls_command = {
	.name = "tls",
	.summary = "does the device accept a forged TLS certificate?",
	.doc = "WARNING: this intercepts the device's traffic.  For --duration seconds the\n"
	       "device's new TCP connections to TLS ports (443, 465, 853, 993, 995, 5061,\n"
	       "8443, 8883), or only to the --destination port, are diverted to an\n"
	       "interceptor on this gateway that presents a certificate for the name the\n"
	       "device asks for (SNI), signed by a CA made for this run and trusted by\n"
	       "nobody.  During the run the device cannot reach those servers over TLS:\n"
	       "a device that validates certificates fails its connections, one that\n"
	       "does not sends its requests (maybe secrets) to the interceptor, which\n"
	       "counts their bytes, keeps none of them and forwards nothing.  Run it only\n"
	       "on devices you own.  Connections that are not TLS, or not to the\n"
	       "--destination, pass through.  The divert is an nftables table owned by\n"
	       "this process: when the run ends, or the process dies (even by kill -9),\n"
	       "the kernel removes it and the device's next connection reaches its\n"
	       "server.  iotrim runs in the gateway's network namespace, as root.\n"
	       "\n"
	       "Verdict per destination (SNI name, or the original address, and port):\n"
	       "validates (alert or close before the handshake finished), accepts-forged\n"
	       "(finished the handshake over the forged certificate; app_bytes counts the\n"
	       "application data it then sent), not-seen (no intercepted handshake: the\n"
	       "--destination, or a TLS destination the device used before).  Stored in\n"
	       "the database; `iotrim report` shows the latest per destination.\n",
	.params = (const struct param[]){
		{ .name = "device", PARAM_MAC(struct audit_tls_opts, device), .required = true,
		  .help = "the device (MAC address) whose TLS to intercept" },
		{ .name = "destination",
		  PARAM_CUSTOM(struct audit_tls_opts, destination, param_destination),
		  .arg = "NAME:PORT",
		  .expect = "must be NAME:PORT (a host name or address, [IPv6]:PORT)",
		  .help = "only this destination: its SNI name (or address) and port; the "
			  "device's other connections to PORT pass through" },
		{ .name = "duration", PARAM_U64(struct audit_tls_opts, duration, 1, 86400),
		  .arg = "SECONDS", .unit = "seconds",
		  .help = "how long to intercept (default 60)" },
		{ .name = "db", PARAM_STRING(struct audit_tls_opts, db), .arg = "FILE",
		  .help = "default $IOTRIM_DB or " IOTRIM_DEFAULT_DB },
		{ .name = "json", PARAM_FLAG(struct audit_tls_opts, json),
		  .help = "an array of objects: name, port, verdict, app_bytes" },
		{ NULL },
	},
	.opts_size = sizeof(struct audit_tls_opts),
	.defaults = &audit_tls_defaults,
	.run = run_audit_tls,
};
