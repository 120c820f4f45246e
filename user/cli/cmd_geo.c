// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim geo`: country, AS and organisation of addresses, no traffic needed. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "attrib/geo.h"
#include "iotrim.h"
#include "common/json.h"

static const char geo_usage[] =
	"usage: iotrim geo [--json] [--geoip FILE] [--asn FILE]... [--geo-overrides FILE] IP...\n"
	"\n"
	"Looks addresses up in the geolocation data that `iotrim destinations` uses:\n"
	"country, AS number and organisation (no traffic, no root needed).\n";

struct address {
	uint8_t family;		/* enum iotrim_family */
	uint8_t ip[16];
};

static bool parse_address(const char *text, struct address *a)
{
	*a = (struct address){ 0 };
	if (inet_pton(AF_INET, text, a->ip) == 1)
		a->family = IOTRIM_FAMILY_IPV4;
	else if (inet_pton(AF_INET6, text, a->ip) == 1)
		a->family = IOTRIM_FAMILY_IPV6;
	return a->family != 0;
}

static void print_one(struct json *j, const char *text, const struct geo_info *gi)
{
	if (!j) {
		printf("%s\t%s\t%s%u\t%s\n", text, gi->country[0] ? gi->country : "-",
		       gi->asn ? "AS" : "", gi->asn, gi->org[0] ? gi->org : "-");
		return;
	}
	json_object_begin(j, NULL);
	json_string(j, "ip", text);
	json_string(j, "country", gi->country[0] ? gi->country : NULL);
	if (gi->asn)
		json_u64(j, "asn", gi->asn);
	else
		json_null(j, "asn");
	json_string(j, "org", gi->org[0] ? gi->org : NULL);
	json_object_end(j);
}

int cmd_geo(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "geoip", required_argument, NULL, 'g' },
		{ "asn", required_argument, NULL, 'a' },
		{ "geo-overrides", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct geo_options go = { 0 };
	struct address *addrs;
	struct geo *g;
	struct json j;
	bool json = false;
	int c, n, err;

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'g': go.country_db = optarg; break;
		case 'a':
			if (go.n_asn_files == GEO_MAX_ASN_FILES)
				return fail(EXIT_USAGE, "at most %d --asn files", GEO_MAX_ASN_FILES);
			go.asn_files[go.n_asn_files++] = optarg;
			break;
		case 'O': go.overrides = optarg; break;
		case 'h': fputs(geo_usage, stdout); return EXIT_OK;
		default: fputs(geo_usage, stderr); return EXIT_USAGE;
		}
	}
	n = argc - optind;
	if (n == 0) {
		fputs(geo_usage, stderr);
		return EXIT_USAGE;
	}
	addrs = calloc(n, sizeof(*addrs));
	if (!addrs)
		return fail(EXIT_FAILURE_RUNTIME, "out of memory");
	for (int i = 0; i < n; i++) {
		if (!parse_address(argv[optind + i], &addrs[i])) {
			free(addrs);
			return fail(EXIT_USAGE, "not an IP address: '%s'", argv[optind + i]);
		}
	}
	if ((err = geo_open(&go, true, &g))) {
		free(addrs);
		return load_exit_code(err);
	}
	if (json) {
		json_init(&j, stdout);
		json_array_begin(&j, NULL);
	}
	for (int i = 0; i < n; i++) {
		struct geo_info gi;

		geo_lookup(g, addrs[i].family, addrs[i].ip, &gi);
		print_one(json ? &j : NULL, argv[optind + i], &gi);
	}
	if (json) {
		json_array_end(&j);
		json_finish(&j);
	}
	geo_close(g);
	free(addrs);
	return EXIT_OK;
}
