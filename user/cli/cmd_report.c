// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim report`: the findings per device, category and overall (report/report.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/safefile.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "history/db.h"
#include "history/phase.h"
#include "report/report.h"

enum report_format { FORMAT_TEXT, FORMAT_MD, FORMAT_JSON, FORMAT_HTML };

static const struct param_word format_words[] = {
	{ "text", FORMAT_TEXT },
	{ "md", FORMAT_MD },
	{ "json", FORMAT_JSON },
	{ "html", FORMAT_HTML },
	{ NULL },
};

struct report_opts {
	struct param_mac device;
	const char *config, *category, *phase, *home, *output, *db, *devices, *providers;
	int64_t since_ms, until_ms;
	int format;			/* enum report_format */
	struct geo_options geo;
};

/* --since, --until */
static int param_time(const struct param *p, const char *arg, void *field)
{
	(void)p;
	return parse_rfc3339(arg, field) ? EXIT_OK
		: fail(EXIT_USAGE, "bad time '%s' (RFC 3339, e.g. 2026-11-30T19:00:00Z)", arg);
}

/* --phase: a phase with bytes, so not "none". */
static int param_phase(const struct param *p, const char *arg, void *field)
{
	(void)p;
	if (!phase_name_valid(arg) || !strcmp(arg, "none"))
		return fail(EXIT_USAGE, "unknown phase '%s' (setup, interaction, idle or deletion)",
			    arg);
	*(const char **)field = arg;
	return EXIT_OK;
}

static bool home_valid(const char *cc)
{
	return strlen(cc) == 2 && isalpha((unsigned char)cc[0]) && isalpha((unsigned char)cc[1]);
}

static int bad_home(const char *cc)
{
	return fail(EXIT_USAGE, "bad home country '%s' (an ISO 3166 code such as DE)", cc);
}

/* --home: checked here, so the config file's [report] home is, with its line. */
static int param_home(const struct param *p, const char *arg, void *field)
{
	(void)p;
	if (!home_valid(arg))
		return bad_home(arg);
	*(const char **)field = arg;
	return EXIT_OK;
}

static void on_progress(void *ctx, size_t rows, size_t devices, double seconds)
{
	(void)ctx;
	fprintf(stderr, "report: %zu history rows read, %zu devices done, %.1f s\n", rows, devices,
		seconds);
}

static int write_report(const struct report *r, enum report_format f, const char *path)
{
	struct safe_out file;
	FILE *out = stdout;
	int err;

	if (path) {
		if ((err = safe_create(&file, path)))
			return fail(EXIT_FAILURE_RUNTIME, "cannot write %s: %s", path, strerror(-err));
		out = file.f;
	}
	if (f == FORMAT_JSON)
		report_json(r, out);
	else if (f == FORMAT_HTML)
		report_html(r, out);
	else if (f == FORMAT_MD)
		report_markdown(r, out);
	else
		report_text(r, out);
	if (!path)
		return EXIT_OK;
	if ((err = safe_commit(&file)))
		return fail(EXIT_FAILURE_RUNTIME, "cannot write %s: %s", path, strerror(-err));
	return EXIT_OK;
}

static int report_with(const struct report_opts *ro)
{
	const char *dbpath = ro->db ? ro->db : db_path();
	const char *home = env_or(ro->home, "IOTRIM_HOME", "");
	struct report_options o = { .category = ro->category, .phase = ro->phase,
				    .since_ms = ro->since_ms, .until_ms = ro->until_ms,
				    .progress = on_progress };
	struct device_config conf = { 0 };
	struct providers prov = { 0 };
	char only[MAC_STRLEN];
	struct geo *geo = NULL;
	struct report r;
	sqlite3 *db;
	int err;

	if (ro->device.set) {
		format_mac(ro->device.addr, only);
		o.only_mac = only;
	}
	if (o.since_ms && o.until_ms && o.until_ms < o.since_ms)
		return fail(EXIT_USAGE, "--until is before --since");
	if (*home && !home_valid(home))
		return bad_home(home);	/* $IOTRIM_HOME */
	for (int i = 0; home[i]; i++)
		o.home[i] = (char)toupper((unsigned char)home[i]);

	if ((err = geo_open(&ro->geo, false, &geo)) ||
	    (err = providers_load(ro->providers, &prov)) ||
	    (err = device_config_load(ro->devices, &conf))) {
		geo_close(geo);
		providers_free(&prov);
		return load_exit_code(err);
	}
	if ((err = cli_db_open(dbpath, &db)) == EXIT_OK) {
		if (report_build(db, &o, geo, &prov, &conf, &r))
			err = fail(EXIT_FAILURE_RUNTIME, "reading the history in %s failed", dbpath);
		else
			err = write_report(&r, ro->format, ro->output);
		report_free(&r);
		db_close(db);
	}
	device_config_free(&conf);
	providers_free(&prov);
	geo_close(geo);
	return err;
}

/* The config file's [report] section fills what the command line left unset. */
static int run_report(const void *opts, int argc, char **argv)
{
	struct report_opts ro = *(const struct report_opts *)opts;
	struct config cfg;
	int rc;

	(void)argc;
	(void)argv;
	if (config_load(&report_command, ro.config, &ro, &cfg)) {
		config_print_errors(&cfg);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	rc = report_with(&ro);
	config_free(&cfg);	/* ro's strings point into it */
	return rc;
}

const struct command report_command = {
	.name = "report",
	.summary = "findings per device, category and overall",
	.doc = "What iotrim found, from the history database: per device, per category and\n"
	       "overall, bytes each way; country shares, plain and normalised per device\n"
	       "(Jin et al.); the share leaving the home country and continent; party\n"
	       "shares; TLS versions (deprecated ones flagged); lifecycle phases; and the\n"
	       "destinations.  Shares are of bytes up + down with local traffic left out.\n",
	.params = (const struct param[]){
		{ .name = "config", PARAM_STRING(struct report_opts, config), .arg = "FILE",
		  .help = "config file whose [report] keys are these options (default "
			  IOTRIM_DEFAULT_CONFIG " if it exists; /dev/null for none)" },
		{ .name = "device", PARAM_MAC(struct report_opts, device),
		  .help = "only this device" },
		{ .name = "category", PARAM_STRING(struct report_opts, category), .arg = "C",
		  .help = "only devices of this category (iotrim device)" },
		{ .name = "phase", PARAM_CUSTOM(struct report_opts, phase, param_phase),
		  .arg = "P", .help = "only bytes harvested in phase P (iotrim phase)" },
		{ .name = "since", PARAM_CUSTOM(struct report_opts, since_ms, param_time),
		  .arg = "T", .help = "flows active from T on (RFC 3339) count whole" },
		{ .name = "until", PARAM_CUSTOM(struct report_opts, until_ms, param_time),
		  .arg = "T", .help = "flows active until T (RFC 3339) count whole" },
		{ .name = "home", PARAM_CUSTOM(struct report_opts, home, param_home), .arg = "CC",
		  .help = "home country (ISO 3166 code; default [report] home in the config "
			  "file, else $IOTRIM_HOME)" },
		{ .name = "format", PARAM_ENUM(struct report_opts, format, format_words),
		  .arg = "FORMAT",
		  .help = "text (default), md (Markdown), json (see iotrim(8)) or html (one "
			  "self-contained page with SVG charts)" },
		{ .name = "output", PARAM_STRING(struct report_opts, output), .arg = "FILE",
		  .help = "write there (replaced whole) instead of standard output" },
		{ .name = "db", PARAM_STRING(struct report_opts, db), .arg = "FILE",
		  .help = "default $IOTRIM_DB or " IOTRIM_DEFAULT_DB },
		GEO_PARAMS(struct report_opts, geo),
		{ .name = "devices", PARAM_STRING(struct report_opts, devices), .arg = "FILE",
		  .help = "device names, vendors and categories (default "
			  IOTRIM_DEFAULT_DEVICES_CONF ")" },
		{ .name = "providers", PARAM_STRING(struct report_opts, providers), .arg = "FILE",
		  .help = "infrastructure providers (default " IOTRIM_DEFAULT_PROVIDERS ")" },
		{ NULL },
	},
	.opts_size = sizeof(struct report_opts),
	.run = run_report,
};
