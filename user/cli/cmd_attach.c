// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim attach` and `iotrim detach`: argument handling only. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "datapath/attach.h"
#include "datapath/pin.h"
#include "cli/cli.h"

static const char attach_usage[] =
	"usage: iotrim attach --lan IFACE [--mode native|generic|tc] [--max-flows N] [--force]\n"
	"\n"
	"Loads the counting programs and hooks them to the LAN interface: XDP on\n"
	"ingress (device -> world), TC on egress (world -> device).  Counting goes\n"
	"on after iotrim exits; re-attaching keeps the pinned counts.\n"
	"\n"
	"  --lan IFACE        the gateway's LAN interface\n"
	"  --mode MODE        tc (default: TC on both directions, which keeps the\n"
	"                     kernel's GRO/TSO aggregates whole), native (XDP in the\n"
	"                     driver), generic (XDP in the stack)\n"
	"  --max-flows N      flow table size (default 65536; fixed while pinned)\n"
	"  --force            replace programs iotrim did not load, or a live attachment\n";

static const char detach_usage[] =
	"usage: iotrim detach [--lan IFACE] [--purge]\n"
	"\n"
	"Removes iotrim's programs from the LAN interface.  The counts stay pinned\n"
	"(and are reused by the next attach) unless --purge removes them too.\n"
	"\n"
	"  --lan IFACE        detach from IFACE even if no attachment is recorded\n"
	"  --purge            also remove the pinned maps (all counts are lost)\n";

static bool parse_mode(const char *s, enum iotrim_attach_mode *mode)
{
	static const struct { const char *name; enum iotrim_attach_mode mode; } modes[] = {
		{ "native", IOTRIM_MODE_NATIVE },
		{ "generic", IOTRIM_MODE_GENERIC },
		{ "tc", IOTRIM_MODE_TC },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(s, modes[i].name) == 0) {
			*mode = modes[i].mode;
			return true;
		}
	}
	return false;
}

int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lan", required_argument, NULL, 'l' },
		{ "mode", required_argument, NULL, 'm' },
		{ "max-flows", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct attach_request req = { 0 };
	unsigned long long n;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': req.ifname = optarg; break;
		case 'm':
			if (!parse_mode(optarg, &req.mode))
				return fail(EXIT_USAGE, "--mode must be native, generic or tc, not '%s'",
					    optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, 1024, 1 << 24, &n))
				return fail(EXIT_USAGE,
					    "--max-flows must be a number from 1024 to 16777216, not '%s'",
					    optarg);
			req.max_flows = n;
			break;
		case 'f': req.force = true; break;
		case 'h': fputs(attach_usage, stdout); return EXIT_OK;
		default: fputs(attach_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "unexpected argument '%s' (see iotrim attach --help)",
			    argv[optind]);
	if (!req.ifname)
		return fail(EXIT_USAGE, "attach needs --lan IFACE (see iotrim attach --help)");
	return attach_and_report(&req);
}

int attach_and_report(const struct attach_request *req)
{
	struct attach_info info;
	int err = lan_attach(req, &info);

	if (err)
		return datapath_exit(err);
	printf("attached to %s (%s mode, up to %u flows); maps pinned under %s\n",
	       info.ifname, attach_mode_name(info.mode), info.max_flows, pin_dir());
	reapply_block_rules();
	return EXIT_OK;
}

int cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lan", required_argument, NULL, 'l' },
		{ "purge", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *ifname = NULL;
	char detached[IF_NAMESIZE];
	bool purge = false;
	int c, err;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': ifname = optarg; break;
		case 'p': purge = true; break;
		case 'h': fputs(detach_usage, stdout); return EXIT_OK;
		default: fputs(detach_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "unexpected argument '%s' (see iotrim detach --help)",
			    argv[optind]);
	if ((err = lan_detach(ifname, detached)))
		return datapath_exit(err);
	if (detached[0])
		printf("detached from %s\n", detached);
	else
		notice("iotrim is not attached: nothing to detach");
	if (purge) {
		if ((err = pin_purge()))
			return datapath_exit(err);
		printf("removed pinned maps under %s\n", pin_dir());
	}
	return EXIT_OK;
}
