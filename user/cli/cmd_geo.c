// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim geo`: country, AS and organisation of addresses, no traffic needed. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/escape.h"
#include "cli/commands.h"
#include "attrib/geo.h"
#include "iotrim.h"
#include "common/json.h"

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
		char org[4 * sizeof(gi->org)];

		printf("%s\t%s\t%s%u\t%s\n", text, gi->country[0] ? gi->country : "-",
		       gi->asn ? "AS" : "", gi->asn,
		       gi->org[0] ? term_safe(gi->org, org, sizeof(org)) : "-");
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

struct geo_opts {
	bool json;
	struct geo_options geo;
};

static int run_geo(const void *opts, int argc, char **argv)
{
	const struct geo_opts *o = opts;
	struct address *addrs;
	struct geo *g;
	struct json j;
	int err;

	addrs = calloc(argc, sizeof(*addrs));
	if (!addrs)
		return fail(EXIT_FAILURE_RUNTIME, "out of memory");
	for (int i = 0; i < argc; i++) {
		if (!parse_address(argv[i], &addrs[i])) {
			free(addrs);
			return fail(EXIT_USAGE, "not an IP address: '%s'", argv[i]);
		}
	}
	if ((err = geo_open(&o->geo, true, &g))) {
		free(addrs);
		return load_exit_code(err);
	}
	if (o->json) {
		json_init(&j, stdout);
		json_array_begin(&j, NULL);
	}
	for (int i = 0; i < argc; i++) {
		struct geo_info gi;

		geo_lookup(g, addrs[i].family, addrs[i].ip, &gi);
		print_one(o->json ? &j : NULL, argv[i], &gi);
	}
	if (o->json) {
		json_array_end(&j);
		json_finish(&j);
	}
	geo_close(g);
	free(addrs);
	return EXIT_OK;
}

int param_asn_file(const struct param *p, const char *arg, void *field)
{
	struct geo_options *geo = field;

	(void)p;
	if (geo->n_asn_files == GEO_MAX_ASN_FILES)
		return fail(EXIT_USAGE, "at most %d --asn files", GEO_MAX_ASN_FILES);
	geo->asn_files[geo->n_asn_files++] = arg;
	return EXIT_OK;
}

const struct command geo_command = {
	.name = "geo",
	.hint = "IP...",
	.summary = "country, AS and organisation of addresses",
	.doc = "Looks addresses up in the geolocation data that `iotrim destinations` uses:\n"
	       "country, AS number and organisation (no traffic, no root needed).\n",
	.params = (const struct param[]){
		{ .name = "json", PARAM_FLAG(struct geo_opts, json),
		  .help = "an array of objects: ip, country, asn, org (null when unknown)" },
		GEO_PARAMS(struct geo_opts, geo),
		{ NULL },
	},
	.opts_size = sizeof(struct geo_opts),
	.args = "IP...",
	.min_args = 1,
	.max_args = -1,
	.run = run_geo,
};
