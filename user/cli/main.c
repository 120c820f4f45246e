// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotrim: per device-destination traffic accounting on a Linux gateway. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "datapath/libbpf_log.h"

#define IOTRIM_VERSION "0.1.0"

static int run_help(const void *opts, int argc, char **argv);

static const struct command help_command = {
	.name = "help", .hint = "[COMMAND [SUB]]",
	.summary = "this text, or the help of a command",
	.doc = "Prints the list of commands (as iotrim --help does), or the help of\n"
	       "COMMAND or of its subcommand SUB (as iotrim COMMAND [SUB] --help does).\n",
	.args = "[COMMAND [SUB]]",
	.max_args = -1,
	.run = run_help,
};

static const struct command *const commands[] = {
	&attach_command,
	&detach_command,
	&flows_command,
	&devices_command,
	&status_command,
	&run_command,
	&destinations_command,
	&export_command,
	&geo_command,
	&set_command,
	&experiment_command,
	&block_command,
	&replay_command,
	&phase_command,
	&device_command,
	&report_command,
	&serve_command,
	&web_command,
	&config_command,
	&audit_command,
	&help_command,
	NULL,
};

static void usage(FILE *out)
{
	fputs("usage: iotrim [-v|--verbose] COMMAND [ARGS]   (iotrim COMMAND --help for details)\n"
	      "\n"
	      "Counts every byte between LAN devices and the world on a Linux gateway\n"
	      "(XDP on LAN ingress, TC on LAN egress; state pinned under /sys/fs/bpf/iotrim).\n"
	      "\n"
	      "commands:\n",
	      out);
	params_list_commands(commands, out);
	fputs("\n"
	      "exit codes:\n"
	      "  0 ok  1 runtime error  2 usage  3 not root  4 no BTF/bpffs\n"
	      "  5 no such interface  6 conflict (already attached, foreign program,\n"
	      "  pinned maps differ)  7 BPF load (verifier) failure  8 not attached\n"
	      "  130 interrupted (experiment)\n"
	      "\n"
	      "environment:\n"
	      "  IOTRIM_PIN_DIR       pin directory on bpffs (default /sys/fs/bpf/iotrim)\n"
	      "  IOTRIM_VMLINUX_BTF   kernel BTF file (default /sys/kernel/btf/vmlinux)\n",
	      out);
}

static int run_help(const void *opts, int argc, char **argv)
{
	(void)opts;
	return params_help_command(commands, usage, argc, argv);
}

int main(int argc, char **argv)
{
	int i = 1;

	libbpf_log_capture();
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("iotrim %s\n", IOTRIM_VERSION);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else {
			usage(stderr);
			return fail(EXIT_USAGE, "unknown option '%s'", argv[i]);
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t c = 0; commands[c]; c++) {
		if (!strcmp(argv[i], commands[c]->name))
			return params_run(commands[c], commands[c]->name, argc - i, argv + i);
	}
	usage(stderr);
	return fail(EXIT_USAGE, "unknown command '%s'", argv[i]);
}
