// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim report`: the findings per device, category and overall (report/report.h). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "history/db.h"
#include "history/phase.h"
#include "report/report.h"

static const char report_usage[] =
	"usage: iotrim report [--device MAC] [--category C] [--phase P] [--since T] [--until T]\n"
	"                     [--home CC] [--format text|md|json|html] [--output FILE] [--db FILE]\n"
	"                     [--geoip FILE] [--asn FILE]... [--geo-overrides FILE]\n"
	"                     [--devices FILE] [--providers FILE]\n"
	"\n"
	"What iotrim found, from the history database: per device, per category and\n"
	"overall, bytes each way; country shares, plain and normalised per device\n"
	"(Jin et al.); the share leaving the home country and continent; party\n"
	"shares; TLS versions (deprecated ones flagged); lifecycle phases; and the\n"
	"destinations.  Shares are of bytes up + down with local traffic left out.\n"
	"\n"
	"  --device MAC         only this device\n"
	"  --category C         only devices of this category (iotrim device)\n"
	"  --phase P            only bytes harvested in phase P (iotrim phase)\n"
	"  --since T, --until T flows active in this window (RFC 3339) count whole\n"
	"  --home CC            home country (ISO 3166 code; default $IOTRIM_HOME)\n"
	"  --format F           text (default), md (Markdown), json (see iotrim(8)) or\n"
	"                       html (one self-contained page with SVG charts)\n"
	"  --output FILE        write there (replaced whole) instead of standard output\n"
	"  --db FILE            default $IOTRIM_DB or " IOTRIM_DEFAULT_DB "\n"
	"  --geoip, --asn, --geo-overrides, --devices, --providers FILE\n"
	"                       as for iotrim destinations\n";

enum report_format { FORMAT_TEXT, FORMAT_MD, FORMAT_JSON, FORMAT_HTML };

static int parse_time_opt(const char *s, int64_t *ms)
{
	return parse_rfc3339(s, ms) ? EXIT_OK
				    : fail(EXIT_USAGE, "bad time '%s' (RFC 3339, e.g. 2026-11-30T19:00:00Z)", s);
}

static int write_report(const struct report *r, enum report_format f, const char *path)
{
	char tmp[4096];
	FILE *out = stdout;

	if (path) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		if (!(out = fopen(tmp, "w")))
			return fail(EXIT_FAILURE_RUNTIME, "cannot write %s: %s", tmp, strerror(errno));
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
	if (fclose(out) != 0 || rename(tmp, path) != 0) {
		remove(tmp);
		return fail(EXIT_FAILURE_RUNTIME, "cannot write %s: %s", path, strerror(errno));
	}
	return EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "category", required_argument, NULL, 'c' },
		{ "phase", required_argument, NULL, 'P' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "home", required_argument, NULL, 'H' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, 'D' },
		{ "geoip", required_argument, NULL, 'g' },
		{ "asn", required_argument, NULL, 'a' },
		{ "geo-overrides", required_argument, NULL, 'O' },
		{ "devices", required_argument, NULL, 'C' },
		{ "providers", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dbpath = NULL, *output = NULL, *devices = NULL, *providers = NULL, *home = NULL;
	struct report_options o = { 0 };
	struct geo_options geo_opts = { 0 };
	enum report_format format = FORMAT_TEXT;
	struct device_config conf = { 0 };
	struct providers prov = { 0 };
	char only[MAC_STRLEN];
	struct geo *geo = NULL;
	struct report r;
	uint8_t mac[6];
	sqlite3 *db;
	int c, err;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!parse_mac(optarg, mac))
				return fail(EXIT_USAGE, "bad device MAC address '%s'", optarg);
			format_mac(mac, only);
			o.only_mac = only;
			break;
		case 'c': o.category = optarg; break;
		case 'P':
			if (!phase_name_valid(optarg) || !strcmp(optarg, "none"))
				return fail(EXIT_USAGE, "unknown phase '%s' (setup, interaction, idle or deletion)",
					    optarg);
			o.phase = optarg;
			break;
		case 's': if ((err = parse_time_opt(optarg, &o.since_ms))) return err; break;
		case 'u': if ((err = parse_time_opt(optarg, &o.until_ms))) return err; break;
		case 'H': home = optarg; break;
		case 'f':
			if (!strcmp(optarg, "text"))
				format = FORMAT_TEXT;
			else if (!strcmp(optarg, "md"))
				format = FORMAT_MD;
			else if (!strcmp(optarg, "json"))
				format = FORMAT_JSON;
			else if (!strcmp(optarg, "html"))
				format = FORMAT_HTML;
			else
				return fail(EXIT_USAGE, "unknown format '%s' (text, md, json or html)", optarg);
			break;
		case 'o': output = optarg; break;
		case 'D': dbpath = optarg; break;
		case 'g': geo_opts.country_db = optarg; break;
		case 'a':
			if (geo_opts.n_asn_files == GEO_MAX_ASN_FILES)
				return fail(EXIT_USAGE, "at most %d --asn files", GEO_MAX_ASN_FILES);
			geo_opts.asn_files[geo_opts.n_asn_files++] = optarg;
			break;
		case 'O': geo_opts.overrides = optarg; break;
		case 'C': devices = optarg; break;
		case 'p': providers = optarg; break;
		case 'h': fputs(report_usage, stdout); return EXIT_OK;
		default: fputs(report_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "unexpected argument '%s' (see iotrim report --help)",
			    argv[optind]);
	if (o.since_ms && o.until_ms && o.until_ms < o.since_ms)
		return fail(EXIT_USAGE, "--until is before --since");
	home = env_or(home, "IOTRIM_HOME", "");
	if (*home && (strlen(home) != 2 || !isalpha((unsigned char)home[0]) ||
		      !isalpha((unsigned char)home[1])))
		return fail(EXIT_USAGE, "bad home country '%s' (an ISO 3166 code such as DE)", home);
	for (int i = 0; home[i]; i++)
		o.home[i] = (char)toupper((unsigned char)home[i]);
	dbpath = env_or(dbpath, "IOTRIM_DB", IOTRIM_DEFAULT_DB);

	if ((err = geo_open(&geo_opts, false, &geo)) || (err = providers_load(providers, &prov)) ||
	    (err = device_config_load(devices, &conf))) {
		geo_close(geo);
		providers_free(&prov);
		return load_exit_code(err);
	}
	if ((err = cli_db_open(dbpath, &db)) == EXIT_OK) {
		if (report_build(db, &o, geo, &prov, &conf, &r))
			err = fail(EXIT_FAILURE_RUNTIME, "reading the history in %s failed", dbpath);
		else
			err = write_report(&r, format, output);
		report_free(&r);
		db_close(db);
	}
	device_config_free(&conf);
	providers_free(&prov);
	geo_close(geo);
	return err;
}
