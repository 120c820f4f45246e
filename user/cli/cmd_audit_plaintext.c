// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim audit plaintext`: for --duration seconds the programs pass the
 * device's text-classified payload samples up (a leased "audit_plain"
 * entry, renewed every second), `iotrim run` scans them (audit/), and this
 * command prints the run's findings.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/escape.h"
#include "audit/plain_map.h"
#include "audit/plain_strings.h"
#include "audit/plaintext.h"
#include "audit/plaintext_store.h"
#include "cli/commands.h"
#include "cli/destinations.h"
#include "common/clock.h"
#include "common/fmt.h"
#include "common/json.h"
#include "datapath/pin.h"
#include "history/db.h"

/* The kernel's lease, renewed every second: a killed run stops within it. */
#define AUDIT_LEASE_S 5
/* After the last sample: time for `iotrim run` (100 ms polls) to store it. */
#define AUDIT_DRAIN_MS 1500

struct audit_plain_params {
	struct param_mac device;
	const char *strings, *serial, *db;
	struct param_u64 duration;
	bool json;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Leases the device's entry every second until the duration ends or a signal. */
static int audit_window(int map_fd, const uint8_t mac[6], unsigned duration_s)
{
	double start = clock_mono_s();
	int err;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop_requested && clock_mono_s() - start < duration_s) {
		if ((err = plain_map_lease(map_fd, mac, AUDIT_LEASE_S * 1000000000ULL)))
			return err;
		for (int i = 0; i < 10 && !stop_requested && clock_mono_s() - start < duration_s; i++)
			sleep_ms(100);
	}
	return 0;
}

static void print_findings(const struct plain_findings *f, const char *mac, uint64_t samples,
			   bool json)
{
	char first[TIME_STRLEN], last[TIME_STRLEN], name[TERM_NAME_MAX], redacted[4 * REDACTED_MAX];
	struct json j;

	if (json) {
		json_init(&j, stdout);
		json_array_begin(&j, NULL);
		for (size_t i = 0; i < f->n; i++)
			json_plain_finding(&j, &f->v[i]);
		json_array_end(&j);
		json_finish(&j);
		return;
	}
	printf("plaintext audit of %s: %zu finding%s in %llu text sample%s\n", mac, f->n,
	       f->n == 1 ? "" : "s", (unsigned long long)samples, samples == 1 ? "" : "s");
	if (!f->n)
		return;
	printf("%-32s %5s %-14s %6s %-24s %-24s %s\n", "NAME", "PORT", "KIND", "COUNT",
	       "FIRST_SEEN", "LAST_SEEN", "REDACTED");
	for (size_t i = 0; i < f->n; i++) {
		dest_time_text(f->v[i].first_seen_ms, first);
		dest_time_text(f->v[i].last_seen_ms, last);
		printf("%-32s %5u %-14s %6llu %-24s %-24s %s\n",
		       term_safe(f->v[i].name, name, sizeof(name)), f->v[i].port, f->v[i].kind,
		       (unsigned long long)f->v[i].count, first, last,
		       term_safe(f->v[i].redacted, redacted, sizeof(redacted)));
	}
}

/* The run itself, once the inputs are checked: row, window, drain, findings. */
static int audit_run(sqlite3 *db, int map_fd, const struct audit_plain_params *p,
		     struct plain_audit_row *row)
{
	struct plain_findings found;
	uint64_t samples = 0;
	int64_t id;
	int err, werr;

	plain_audit_wipe_expired(db, clock_wall_ms());
	plain_map_delete_expired(map_fd);
	row->started_ms = clock_wall_ms();
	row->expires_ms = row->started_ms + (int64_t)(p->duration.value + AUDIT_LEASE_S) * 1000;
	if (plain_audit_begin(db, row, &id))
		return EXIT_FAILURE_RUNTIME;
	if (!p->json)
		fprintf(stderr, "auditing %s's plaintext for %llu s (Ctrl-C ends it early)\n",
			row->device_mac, p->duration.value);
	werr = audit_window(map_fd, p->device.addr, p->duration.value);
	if ((err = plain_map_stop(map_fd, p->device.addr)))
		warn("cannot end the audit in the kernel (its lease ends it in %d s): %s",
		     AUDIT_LEASE_S, strerror(-err));
	sleep_ms(AUDIT_DRAIN_MS);
	if (plain_audit_end(db, id, clock_wall_ms()))
		return EXIT_FAILURE_RUNTIME;
	if (werr)
		return fail(EXIT_FAILURE_RUNTIME, "cannot renew the audit's lease: %s",
			    strerror(-werr));
	if (plain_audit_samples(db, id, &samples) || plain_findings_list(db, id, NULL, &found))
		return EXIT_FAILURE_RUNTIME;
	print_findings(&found, row->device_mac, samples, p->json);
	plain_findings_free(&found);
	return EXIT_OK;
}

static int run_audit_plaintext(const void *opts, int argc, char **argv)
{
	const struct audit_plain_params *p = opts;
	const char *db_file = p->db ? p->db : db_path();
	struct plain_strings strings = { 0 };
	struct plain_audit_row row = { 0 };
	sqlite3 *db = NULL;
	int err, map_fd;

	(void)argc, (void)argv;
	if (p->serial && (strlen(p->serial) < PLAIN_LITERAL_MIN ||
			  strlen(p->serial) > PLAIN_LITERAL_MAX))
		return fail(EXIT_USAGE, "--serial takes 3 to 256 characters");
	if (p->strings && (err = plain_strings_load(p->strings, &strings))) {
		if (err == -EINVAL)
			return fail(EXIT_USAGE, "%s:%u: the string %s", p->strings,
				    strings.bad_line, strings.why);
		return fail(EXIT_USAGE, "cannot read %s: %s", p->strings, strerror(-err));
	}
	if ((err = require_pin_access())) {
		plain_strings_free(&strings);
		return datapath_exit(err);
	}
	map_fd = plain_map_open();
	if (map_fd < 0) {
		plain_strings_free(&strings);
		if (map_fd == -ENOENT)
			return fail(EXIT_NOT_ATTACHED,
				    "no pinned map %s/audit_plain: attach first (an attachment by an older iotrim needs `iotrim detach` and attach)",
				    pin_dir());
		return fail(EXIT_FAILURE_RUNTIME, "cannot open %s/audit_plain: %s", pin_dir(),
			    strerror(-map_fd));
	}
	if (!run_active(db_file)) {
		err = fail(EXIT_FAILURE_RUNTIME,
			   "no `iotrim run` is collecting into %s: the controller scans the samples, start it first",
			   db_file);
	} else if (!(err = cli_db_open(db_file, &db))) {
		format_mac(p->device.addr, row.device_mac);
		row.serial = (char *)p->serial;
		row.strings = strings.joined;
		err = audit_run(db, map_fd, p, &row);
		db_close(db);
	}
	close(map_fd);
	plain_strings_free(&strings);
	return err;
}

const struct command audit_plaintext_command = {
	.name = "plaintext",
	.summary = "credentials and identifiers a device sends unencrypted",
	.doc = "WARNING: this inspects the device's unencrypted payload.  Opt-in, for this\n"
	       "device and --duration seconds only: the programs pass the device's payload\n"
	       "samples that they classify as text (not encrypted, compressed or media) to\n"
	       "`iotrim run`, which must be running on the same database and scans them for\n"
	       "HTTP Authorization, Cookie and X-API-Key headers, keys and tokens in URLs,\n"
	       "e-mail addresses, phone numbers, the device's own MAC address, its serial\n"
	       "(--serial) and your own strings (--strings).  Only a redacted form of each\n"
	       "value (\"Bearer eyJh...(41 chars)\") and its keyed hash are stored, per\n"
	       "destination (name, port); never the payload.  The kernel entry that turns the\n"
	       "audit on is leased for 5 s and renewed every second: a killed run leaves\n"
	       "nothing enabled.  The run's findings are printed at the end.\n",
	.params = (const struct param[]){
		{ .name = "device", PARAM_MAC(struct audit_plain_params, device), .arg = "MAC",
		  .required = true, .help = "the device to audit" },
		{ .name = "strings", PARAM_STRING(struct audit_plain_params, strings),
		  .arg = "FILE",
		  .help = "your own strings to look for, one a line (e.g. names typed into the "
			  "companion app; 3 to 256 bytes each, '#' comments)" },
		{ .name = "serial", PARAM_STRING(struct audit_plain_params, serial),
		  .arg = "SERIAL", .help = "the device's serial number, to look for as well" },
		{ .name = "duration", PARAM_U64(struct audit_plain_params, duration, 1, 86400),
		  .arg = "SECS", .expect = "takes 1 to 86400 seconds",
		  .help = "how long to audit (default 60)" },
		{ .name = "db", PARAM_STRING(struct audit_plain_params, db), .arg = "FILE",
		  .help = "the database `iotrim run` uses (default $IOTRIM_DB or "
			  IOTRIM_DEFAULT_DB ")" },
		{ .name = "json", PARAM_FLAG(struct audit_plain_params, json),
		  .help = "an array of objects: name, port, kind, count, first_seen, last_seen, "
			  "redacted" },
		{ NULL },
	},
	.opts_size = sizeof(struct audit_plain_params),
	.defaults = &(const struct audit_plain_params){
		.duration = { .value = 60 },
	},
	.run = run_audit_plaintext,
};
