// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim audit`: security audits of a device, one subcommand each. */
#include "cli/commands.h"

const struct command audit_command = {
	.name = "audit",
	.hint = "tls",
	.summary = "security audits of a device (TLS certificate validation)",
	.doc = "Security audits of one device at a time.  An audit may change what the\n"
	       "device's traffic meets on its way (see each subcommand's warning).\n",
	.epilogue = "iotrim audit COMMAND --help shows the options of each command.\n",
	.subcommands = (const struct command *const[]){
		&audit_tls_command, NULL,
	},
};
