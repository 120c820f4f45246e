// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotrim: per device-destination traffic accounting on a Linux gateway. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "datapath/libbpf_log.h"

#define IOTRIM_VERSION "0.1.0"

static const char usage[] =
	"usage: iotrim [-v|--verbose] COMMAND [ARGS]   (iotrim COMMAND --help for details)\n"
	"\n"
	"Counts every byte between LAN devices and the world on a Linux gateway\n"
	"(XDP on LAN ingress, TC on LAN egress; state pinned under /sys/fs/bpf/iotrim).\n"
	"\n"
	"commands:\n"
	"  attach --lan IFACE   load and attach the programs\n"
	"  detach [--purge]     remove them (and with --purge the pinned counts)\n"
	"  flows                per device-destination counters\n"
	"  devices              per-device totals\n"
	"  status               attachment, map fill, error counters\n"
	"  run --lan IFACE      the controller: attach, name destinations, keep history\n"
	"  destinations         each device's destinations: name, port, country, party\n"
	"  export --json|--csv  dump the flow history and the destinations\n"
	"  geo IP...            country, AS and organisation of addresses\n"
	"  set                  payload sampling settings (classification at run time)\n"
	"  experiment run FILE  block-and-validate: which destinations a device can\n"
	"                       live without (also list, show, resume, abort)\n"
	"  block add|del|list   deny a device's destinations by IP, prefix or name\n"
	"  replay FILE...       pcap/pcapng files through the same programs and attribution\n"
	"\n"
	"exit codes:\n"
	"  0 ok  1 runtime error  2 usage  3 not root  4 no BTF/bpffs\n"
	"  5 no such interface  6 conflict (already attached, foreign program,\n"
	"  pinned maps differ)  7 BPF load (verifier) failure  8 not attached\n"
	"  130 interrupted (experiment)\n"
	"\n"
	"environment:\n"
	"  IOTRIM_PIN_DIR       pin directory on bpffs (default /sys/fs/bpf/iotrim)\n"
	"  IOTRIM_VMLINUX_BTF   kernel BTF file (default /sys/kernel/btf/vmlinux)\n";

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "attach", cmd_attach },
	{ "detach", cmd_detach },
	{ "flows", cmd_flows },
	{ "devices", cmd_devices },
	{ "status", cmd_status },
	{ "run", cmd_run },
	{ "destinations", cmd_destinations },
	{ "export", cmd_export },
	{ "geo", cmd_geo },
	{ "set", cmd_set },
	{ "experiment", cmd_experiment },
	{ "block", cmd_block },
	{ "replay", cmd_replay },
};

int main(int argc, char **argv)
{
	int i = 1;

	libbpf_log_capture();
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("iotrim %s\n", IOTRIM_VERSION);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else {
			fputs(usage, stderr);
			return fail(EXIT_USAGE, "unknown option '%s'", argv[i]);
		}
	}
	if (i == argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].run(argc - i, argv + i);
	}
	fputs(usage, stderr);
	return fail(EXIT_USAGE, "unknown command '%s'", argv[i]);
}
