// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim audit`: security audits of one device, one subcommand each. */
#include "cli/commands.h"

const struct command audit_command = {
	.name = "audit",
	.hint = "plaintext|tls",
	.summary = "security audits of a device (opt-in: they inspect or intercept its traffic)",
	.doc = "Security audits of one device.  Each inspects the device's traffic, or changes\n"
	       "what it meets on its way (see each subcommand's warning), and runs only when\n"
	       "asked, for one device and a limited time.\n",
	.epilogue = "iotrim audit COMMAND --help shows the options of each command.\n",
	.subcommands = (const struct command *const[]){
		&audit_plaintext_command, &audit_tls_command, NULL,
	},
};
